import assert from "node:assert/strict";
import { h } from "preact";
import { render as renderToString } from "preact-render-to-string";
import { memo, shallowEqual } from "./memo.ts";

Deno.test("memo - props are compared value by value, one level deep", () => {
  const f = () => {};
  assert.ok(shallowEqual({ a: 1, f }, { a: 1, f }));
  assert.ok(!shallowEqual({ a: 1, f }, { a: 1, f: () => {} }));
  assert.ok(!shallowEqual({ a: 1 }, { a: 1, b: undefined }));
  assert.ok(shallowEqual({ n: NaN }, { n: NaN }));
});

Deno.test("memo - a memoised component renders like the component (server render too)", () => {
  const Hello = memo(({ name }: { name: string }) => h("p", null, `Hello ${name}`));
  assert.equal(renderToString(h(Hello, { name: "Ada" })), "<p>Hello Ada</p>");
});
