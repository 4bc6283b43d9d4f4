/** The widget's stylesheet, scoped by its shadow root (the host page's CSS cannot reach it). */
export const STYLES = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
button { font: inherit; cursor: pointer; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 28px;
  padding: 14px 20px; background: #1f5eff; color: #fff; font-size: 15px; box-shadow: 0 4px 16px rgba(0,0,0,.25); }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #ffb400; outline-offset: 2px; }
.panel { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: min(370px, calc(100vw - 24px));
  height: min(560px, calc(100vh - 40px)); display: flex; flex-direction: column; background: #fff; color: #1b1f29;
  border-radius: 14px; box-shadow: 0 10px 40px rgba(0,0,0,.3); overflow: hidden; font-size: 14px; }
[hidden] { display: none !important; }
header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: #1f5eff; color: #fff; }
header .titles { flex: 1; min-width: 0; }
header h2 { margin: 0; font-size: 16px; }
header .agent { font-size: 12px; opacity: .9; }
header button { border: 1px solid rgba(255,255,255,.6); background: transparent; color: #fff; border-radius: 6px; padding: 4px 8px; font-size: 12px; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f5f7fb; }
.msg { max-width: 85%; padding: 8px 10px; border-radius: 10px; background: #fff; border: 1px solid #e1e5ee; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.customer { align-self: flex-end; background: #dfe8ff; border-color: #c5d4ff; }
.msg.system { align-self: center; background: transparent; border: 0; color: #555; font-style: italic; text-align: center; }
.msg.pending { opacity: .6; }
.msg.failed { border-color: #d33; }
.msg .who { display: block; font-size: 11px; color: #5b6272; margin-bottom: 2px; }
.msg img { display: block; max-width: 100%; max-height: 220px; margin-top: 6px; border-radius: 6px; }
.msg a { color: #1f5eff; }
.note { font-size: 12px; color: #555; padding: 0 12px; min-height: 16px; }
.error { color: #b00020; }
.quick { display: flex; gap: 8px; padding: 6px 12px; flex-wrap: wrap; }
.quick button { border: 1px solid #1f5eff; color: #1f5eff; background: #fff; border-radius: 16px; padding: 6px 16px; }
form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e1e5ee; align-items: flex-end; }
textarea { flex: 1; resize: none; min-height: 38px; max-height: 120px; padding: 8px; border: 1px solid #c9cfdb; border-radius: 8px; font-size: 14px; }
form button { border: 0; border-radius: 8px; padding: 9px 12px; background: #1f5eff; color: #fff; }
form .attach { background: #eef1f7; color: #1b1f29; }
.bar { position: fixed; top: 0; left: 50%; transform: translateX(-50%); z-index: 2147483001; background: #13203d; color: #fff;
  padding: 10px 14px; border-radius: 0 0 10px 10px; display: flex; gap: 10px; align-items: center; font-size: 14px;
  box-shadow: 0 4px 16px rgba(0,0,0,.3); max-width: calc(100vw - 20px); }
.bar.control { background: #b3261e; }
.bar button { border: 0; border-radius: 6px; padding: 6px 10px; background: #fff; color: #13203d; }
`;

/**
 * The agent's pointer and highlights, shown only during co-browsing: the on-demand module adds
 * them to the shadow root, so widget.js does not carry them.
 */
export const COBROWSE_STYLES = `
.cursor { position: fixed; z-index: 2147483002; width: 18px; height: 18px; margin: -2px 0 0 -2px; pointer-events: none;
  border-left: 3px solid #b3261e; border-top: 3px solid #b3261e; transform: rotate(-10deg); transition: left .05s, top .05s; }
.highlight { position: fixed; z-index: 2147483002; pointer-events: none; border: 3px solid #ffb400; border-radius: 4px;
  background: rgba(255,180,0,.15); box-shadow: 0 0 0 4px rgba(255,180,0,.35); }
.highlight span { position: absolute; top: -22px; left: 0; background: #ffb400; color: #000; font-size: 12px; padding: 1px 6px; border-radius: 4px; white-space: nowrap; }
`;

/**
 * Adds `css` to the widget's shadow root. A constructed stylesheet is not subject to the host
 * page's CSP (a `<style>` element is: on a site with a strict `style-src`, this server's /demo
 * included, the widget would show unstyled); browsers without them get the element. Returns
 * what takes the styles away again.
 */
export function adoptStyles(root: ShadowRoot, css: string): { remove(): void } {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return { remove: () => (root.adoptedStyleSheets = root.adoptedStyleSheets.filter((s) => s !== sheet)) };
  }
  const element = Object.assign(document.createElement("style"), { textContent: css });
  root.append(element);
  return element;
}
