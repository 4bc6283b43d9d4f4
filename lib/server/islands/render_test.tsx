import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Island, serializeProps } from "./render.tsx";

Deno.test("islands - serialised props cannot close the script element", () => {
  const evil = { text: "</script><script>alert(1)</script><!-- & \u2028" };
  const out = serializeProps(evil);
  assert.ok(!out.includes("<") && !out.includes(">") && !out.includes("&"));
  assert.deepEqual(JSON.parse(out), evil);
});

Deno.test("islands - an island renders its markup and its props next to it", () => {
  const Hello = ({ who }: { who: string }) => <p>Hello {who}</p>;
  const html = renderToString(<Island name="hello" component={Hello} props={{ who: "<b>x</b>" }} />);
  assert.match(html, /<div data-island="hello" class="island"><p>Hello &lt;b>x&lt;\/b><\/p><\/div>/);
  assert.match(
    html,
    /<script type="application\/json" data-island-props="hello">\{"who":"\\u003cb\\u003ex\\u003c\/b\\u003e"\}<\/script>/,
  );
});
