/// <reference lib="dom" />
/**
 * The agent's co-browsing view (the right pane of the routing view, served as its own page in
 * an iframe so the replay can have the inline styles the customer's page needs without
 * loosening the routing view's policy). rrweb's live replayer rebuilds the page in a sandboxed
 * iframe without scripts; an overlay turns the agent's pointer, clicks, typing and wheel into
 * commands while in control, or draws a highlight rectangle.
 */
import { Replayer } from "@rrweb/replay";
import type { CobrowseCommand, CobrowseStreamEvents, CobrowseView } from "../lib/shared/wire/webchat.ts";
import { onStreamEvent } from "../lib/shared/wire/stream.ts";

type Config = { sessionId: string; csrf: string; texts: Record<string, string> };
// deno-lint-ignore no-explicit-any
type Ev = { type: number; timestamp: number; data?: any };
const META = 4;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const cfg: Config = JSON.parse($("cobrowse-config").textContent ?? "{}");
const t = (k: string, name = "") => (cfg.texts[k] ?? k).replace("{name}", name);
const api = `/api/v1/cobrowse/${cfg.sessionId}`;

const status = $<HTMLElement>("cb-status");
const controlButton = $<HTMLButtonElement>("cb-control");
const highlightButton = $<HTMLButtonElement>("cb-highlight");
const endButton = $<HTMLButtonElement>("cb-end");
const indicator = $<HTMLElement>("cb-indicator");
const stage = $<HTMLElement>("cb-stage");
const waiting = $<HTMLElement>("cb-waiting");

let session: CobrowseView | null = null;
let replayer: Replayer | null = null;
let overlay: HTMLDivElement | null = null;
let mode: "view" | "highlight" = "view";
let scale = 1;
let lastNode: number | undefined;
let chain: Promise<unknown> = Promise.resolve();

async function post(path: string, body: unknown = {}): Promise<unknown> {
  const res = await fetch(api + path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": cfg.csrf },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(json?.error?.message ?? res.statusText);
  return json;
}

/** Commands go out one at a time, in order. */
function command(c: CobrowseCommand): void {
  chain = chain.then(() => post("/commands", c)).catch((e) =>
    console.warn("co-browsing command refused:", e.message)
  );
}

function render(): void {
  const s = session;
  const live = s?.state === "active";
  status.textContent = !s
    ? ""
    : s.state === "requested"
    ? t(s.channel === "link" ? "waitingLink" : "waiting", s.agentName)
    : s.state === "active"
    ? t("active")
    : s.state === "declined"
    ? t("declined")
    : s.endReason === "conversation_closed"
    ? t("endedClosed")
    : s.endReason === "invite_expired"
    ? t("endedExpired")
    : s.endedBy === "system"
    ? t("endedLeft")
    : t("ended");
  controlButton.disabled = !live;
  highlightButton.disabled = !live;
  endButton.disabled = !s || s.state === "ended" || s.state === "declined";
  controlButton.textContent = s?.control ? t("release") : t("takeControl");
  controlButton.setAttribute("aria-pressed", String(!!s?.control));
  highlightButton.setAttribute("aria-pressed", String(mode === "highlight"));
  indicator.hidden = !(live && s?.control);
  document.body.dataset.state = s?.state ?? "";
  document.body.dataset.control = String(!!s?.control);
  if (!live) mode = "view";
  if (overlay) overlay.className = `cb-overlay ${live && s?.control ? "control" : ""} ${mode}`;
}

function fit(): void {
  if (!replayer) return;
  const w = Number(replayer.iframe.width) || 1;
  const h = Number(replayer.iframe.height) || 1;
  scale = Math.min(stage.clientWidth / w, stage.clientHeight / h, 1) || 1;
  Object.assign(replayer.wrapper.style, {
    transform: `scale(${scale})`,
    transformOrigin: "0 0",
    width: `${w}px`,
    height: `${h}px`,
  });
  if (overlay) Object.assign(overlay.style, { width: `${w}px`, height: `${h}px` });
}

/** Viewport coordinates on the customer's page for a pointer event on the overlay. */
function point(e: MouseEvent): { x: number; y: number } {
  const r = overlay!.getBoundingClientRect();
  return { x: Math.round((e.clientX - r.left) / scale), y: Math.round((e.clientY - r.top) / scale) };
}

function nodeAt(x: number, y: number): number | undefined {
  const el = replayer?.iframe.contentDocument?.elementFromPoint(x, y);
  const id = el ? replayer!.getMirror().getId(el) : -1;
  return id > 0 ? id : undefined;
}

function makeOverlay(): HTMLDivElement {
  const o = document.createElement("div");
  o.tabIndex = 0;
  o.setAttribute("aria-label", t("pageLabel"));
  let lastMove = 0;
  let wheel: { dx: number; dy: number; timer: ReturnType<typeof setTimeout> | 0 } = {
    dx: 0,
    dy: 0,
    timer: 0,
  };
  let drag: { x: number; y: number; box: HTMLDivElement } | null = null;
  const controlling = () => session?.state === "active" && session.control && mode === "view";
  o.addEventListener("pointermove", (e) => {
    if (drag) {
      const p = point(e);
      Object.assign(drag.box.style, {
        left: `${Math.min(p.x, drag.x)}px`,
        top: `${Math.min(p.y, drag.y)}px`,
        width: `${Math.abs(p.x - drag.x)}px`,
        height: `${Math.abs(p.y - drag.y)}px`,
      });
      return;
    }
    if (!controlling() || e.timeStamp - lastMove < 50) return;
    lastMove = e.timeStamp;
    command({ kind: "pointer", ...point(e) });
  });
  o.addEventListener("pointerdown", (e) => {
    o.focus();
    if (mode !== "highlight" || session?.state !== "active") return;
    const p = point(e);
    const box = document.createElement("div");
    box.className = "cb-highlight";
    o.append(box);
    drag = { ...p, box };
    o.setPointerCapture(e.pointerId);
  });
  o.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const p = point(e);
    const rect = {
      x: Math.min(p.x, drag.x),
      y: Math.min(p.y, drag.y),
      width: Math.abs(p.x - drag.x),
      height: Math.abs(p.y - drag.y),
    };
    const box = drag.box;
    drag = null;
    setTimeout(() => box.remove(), 8000);
    if (rect.width >= 4 && rect.height >= 4) command({ kind: "highlight", ...rect });
    else box.remove();
  });
  o.addEventListener("click", (e) => {
    if (!controlling()) return;
    const p = point(e);
    lastNode = nodeAt(p.x, p.y);
    command({ kind: "click", ...p, ...(lastNode !== undefined ? { node: lastNode } : {}) });
  });
  o.addEventListener("wheel", (e) => {
    if (!controlling()) return;
    e.preventDefault();
    wheel.dx += e.deltaX;
    wheel.dy += e.deltaY;
    if (!wheel.timer) {
      wheel.timer = setTimeout(() => {
        command({ kind: "scroll", dx: Math.round(wheel.dx), dy: Math.round(wheel.dy) });
        wheel = { dx: 0, dy: 0, timer: 0 };
      }, 60);
    }
  }, { passive: false });
  o.addEventListener("keydown", (e) => {
    if (!controlling() || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key.length === 1 || e.key === "Backspace" || e.key === "Enter") {
      e.preventDefault();
      command({ kind: "key", key: e.key, ...(lastNode !== undefined ? { node: lastNode } : {}) });
    }
  });
  return o;
}

function ingest(e: Ev): void {
  if (!replayer) {
    if (e.type !== META) return;
    replayer = new Replayer([], {
      root: stage,
      liveMode: true,
      mouseTail: false,
      showWarning: false,
      triggerFocus: false,
      insertStyleRules: ["noscript { display: none !important; }"],
      // Events are cast as they arrive ("sync"): without this rrweb would batch them in a
      // virtual DOM that live mode never flushes.
      useVirtualDom: false,
    });
    // A baseline far ahead casts every event the moment it arrives (no playback delay).
    replayer.startLive(Number.MAX_SAFE_INTEGER / 2);
    overlay = makeOverlay();
    replayer.wrapper.append(overlay);
    waiting.hidden = true;
    (globalThis as unknown as { cobrowseReplayer: Replayer }).cobrowseReplayer = replayer;
    render();
  }
  replayer.addEvent(e as never);
}

controlButton.addEventListener(
  "click",
  () => void post("/control", { enabled: !session?.control }).catch(() => {}),
);
highlightButton.addEventListener("click", () => {
  mode = mode === "highlight" ? "view" : "highlight";
  render();
});
endButton.addEventListener("click", () => void post("/end").catch(() => {}));
addEventListener("resize", fit);

const stream = new EventSource(`${api}/events`);
onStreamEvent<CobrowseStreamEvents, "state">(stream, "state", (s) => {
  session = s;
  render();
  if (session && (session.state === "ended" || session.state === "declined")) stream.close();
});
onStreamEvent<CobrowseStreamEvents, "rrweb">(stream, "rrweb", (events) => {
  for (const ev of events as Ev[]) ingest(ev);
  // Size changes arrive as events; the replayer applies them asynchronously.
  queueMicrotask(fit);
  setTimeout(fit, 0);
});
render();
