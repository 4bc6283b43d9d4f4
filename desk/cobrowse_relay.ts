/**
 * The co-browsing relay (SPEC A15): two short-lived logs in KV per session, rrweb events up
 * (customer → agent) and commands down, each with a head key the streams watch, so it works
 * across instances on a shared KV. Every append re-checks the session and its interaction in its
 * own commit.
 */
import { transact, type Tx } from "../lib/server/actor.ts";
import { Conflict } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import type { CobrowseCommand } from "../lib/shared/wire/webchat.ts";
import type { AgentState } from "../actors/agent.ts";
import {
  agentSession,
  type Customer,
  customerSession,
  type Direction,
  isLive,
  type LogEntry,
  requireActive,
  requireHolds,
  settling,
} from "./cobrowse_session.ts";
import type { Desk } from "./desk.ts";

/** Relay entries are only needed while the other side catches up. */
const LOG_TTL_MS = 10 * 60_000;
/** One log value stays well under the 64 KiB KV value limit. */
const PART_CHARS = 30_000;
/** Parts per commit: KV caps one atomic operation at 800 KiB (UTF-16 text counts up to 3 bytes a character). */
const PARTS_PER_COMMIT = 8;

/** Appends `text` (one JSON batch) to a session's log, checked against the session's state. */
async function appendLog(
  desk: Desk,
  id: string,
  dir: Direction,
  text: string,
  authorise: (tx: Tx) => Promise<void>,
): Promise<number> {
  const parts = Math.max(1, Math.ceil(text.length / PART_CHARS));
  let seq = 0;
  for (let first = 0; first < parts; first += PARTS_PER_COMMIT) {
    seq = await settling(desk, () =>
      transact(desk.kv, async (tx) => {
        await authorise(tx);
        let head = (await tx.get<number>(keys.cobrowseHead(id, dir))) ?? 0;
        for (let p = first; p < Math.min(parts, first + PARTS_PER_COMMIT); p++) {
          head++;
          const entry: LogEntry = {
            seq: head,
            batch: text.slice(p * PART_CHARS, (p + 1) * PART_CHARS),
            part: p,
            parts,
          };
          tx.set(keys.cobrowseEvent(id, dir, head), entry, LOG_TTL_MS);
        }
        tx.set(keys.cobrowseHead(id, dir), head, LOG_TTL_MS * 6);
        return head;
      }));
  }
  return seq;
}

/** Customer → agent: a batch of rrweb events (already masked and filtered by the widget). */
export async function relayUp(desk: Desk, who: Customer, id: string, events: unknown[]): Promise<number> {
  return await appendLog(desk, id, "up", JSON.stringify(events), async (tx) => {
    const s = await customerSession(tx, desk, who, id);
    requireActive(s);
    await requireHolds(tx, s);
  });
}

const NEEDS_CONTROL = new Set(["pointer", "click", "key", "scroll"]);

/** Agent → customer: a command; pointer, click, key and scroll need control (409 otherwise). */
export async function relayDown(
  desk: Desk,
  agent: AgentState,
  id: string,
  command: CobrowseCommand,
): Promise<number> {
  return await appendLog(desk, id, "down", JSON.stringify(command), async (tx) => {
    const s = await agentSession(tx, agent, id);
    requireActive(s);
    await requireHolds(tx, s);
    if (NEEDS_CONTROL.has(command.kind) && !s.control) {
      throw new Conflict("Take control first.", "no_control");
    }
  });
}

/** Asks the customer's page for a fresh full snapshot (an agent view just opened). */
export async function requestSnapshot(desk: Desk, agent: AgentState, id: string): Promise<void> {
  await appendLog(desk, id, "down", JSON.stringify({ kind: "snapshot" }), async (tx) => {
    const s = await agentSession(tx, agent, id);
    if (!isLive(s)) throw new Conflict("This co-browsing session has ended.", "cobrowse_ended");
    await requireHolds(tx, s);
  });
}

export async function logHead(desk: Desk, id: string, dir: Direction): Promise<number> {
  return (await desk.kv.get<number>(keys.cobrowseHead(id, dir))).value ?? 0;
}

/** Log entries after `afterSeq`, oldest first. */
export async function logAfter(
  desk: Desk,
  id: string,
  dir: Direction,
  afterSeq: number,
  limit = 200,
): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  const iter = desk.kv.list<LogEntry>({
    start: keys.cobrowseEvent(id, dir, afterSeq + 1),
    end: [...keys.cobrowseEvents(id, dir), Infinity],
  }, { limit });
  for await (const e of iter) out.push(e.value);
  return out;
}
