/**
 * Server side of the islands runtime: an island renders on the server inside a marker element,
 * followed by its props as JSON in a `<script type="application/json">` that the browser entry
 * reads to hydrate it (`lib/browser/hydrate.ts`). Props must be JSON-serialisable.
 */
import type { ComponentType } from "preact";

/**
 * JSON safe to embed in HTML: `<`, `>` and `&` are escaped so no string (customer content
 * included) can close the script element or open a comment; U+2028/2029 for old parsers.
 */
export function serializeProps(props: unknown): string {
  return JSON.stringify(props ?? {}).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// deno-lint-ignore no-explicit-any
export type IslandProps<P = any> = { name: string; component: ComponentType<P>; props: P };

/** Renders `component` with `props` for the server, marked for hydration as island `name`. */
export function Island<P>({ name, component: C, props }: IslandProps<P>) {
  return (
    <>
      <div data-island={name} class="island">
        {/* @ts-ignore: P is the component's own props */}
        <C {...props} />
      </div>
      <script
        type="application/json"
        data-island-props={name}
        dangerouslySetInnerHTML={{ __html: serializeProps(props) }}
      />
    </>
  );
}
