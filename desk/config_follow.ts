/**
 * The configuration cache follows KV (SPEC M1a, ARCHITECTURE "Caches"): every process watches
 * the head key and also polls it — `watch` on a local file does not see other processes'
 * commits — and applies a newer version within the poll period. Applying runs what a change
 * needs (agents synced, removed or disabled agents set offline, a dispatch pass); every process
 * runs it, so each step is idempotent.
 */
import { transact } from "../lib/server/actor.ts";
import type { Config } from "../lib/shared/config.ts";
import { keys } from "../lib/server/keys.ts";
import { type AgentState, decideAgent } from "../actors/agent.ts";
import type { ConfigPayload } from "../actors/config_version.ts";
import { syncAgents } from "./agents.ts";
import type { Desk } from "./desk.ts";
import { writeAgent } from "./persist.ts";
import { headVersion, readVersion } from "./config_store.ts";

/** How often the head is polled (ms): a change applies everywhere well within 2 s. */
export const CONFIG_POLL_MS = 250;

/** Consecutive failed refreshes before one is logged. */
const REPORT_AFTER_FAILURES = 4;

/** One apply at a time per desk, in version order. */
const applying = new WeakMap<Desk, Promise<void>>();

/**
 * Makes `version` the running configuration of this process, unless it already runs that one
 * or a newer one. Resolves once agents are synced and dispatch is requested.
 */
export function applyVersion(desk: Desk, version: number, payload?: ConfigPayload): Promise<void> {
  return serially(desk, async () => {
    if (version <= desk.ctx.configVersion) return;
    const p = payload ?? (await readVersion(desk.kv, version))?.payload;
    if (!p) return;
    // An earlier apply that did not finish compared from its own starting point: keep that one.
    const before = unfinished.has(desk)
      ? unfinished.get(desk)!
      : desk.ctx.configVersion
      ? desk.ctx.config
      : null;
    desk.ctx.setConfig(p.config, version, p.grace);
    await finish(desk, before);
  });
}

/**
 * Runs again what the last apply could not finish (a KV error midway): the follower calls it
 * on every poll, so a transient failure delays a change's effects, never loses them.
 */
export function finishUnfinished(desk: Desk): Promise<void> {
  if (!unfinished.has(desk)) return Promise.resolve();
  return serially(desk, async () => {
    if (unfinished.has(desk)) await finish(desk, unfinished.get(desk)!);
  });
}

/** Desks whose last apply did not finish its effects, with the configuration it started from. */
const unfinished = new WeakMap<Desk, Config | null>();

async function finish(desk: Desk, before: Config | null): Promise<void> {
  unfinished.set(desk, before);
  await afterChange(desk, before, desk.ctx.config);
  unfinished.delete(desk);
}

function serially(desk: Desk, fn: () => Promise<void>): Promise<void> {
  const next = (applying.get(desk) ?? Promise.resolve()).then(fn);
  applying.set(desk, next.catch(() => {}));
  return next;
}

/**
 * What a new configuration needs in this process: agents synced from it (profiles, capacities,
 * credentials — the session and offer effects of M1b hang off `syncAgents`), agents removed or
 * newly disabled set offline (their open work stays theirs, visible to supervisors), and a
 * dispatch pass so capacity and strategy changes reach waiting work at once (R4).
 */
async function afterChange(desk: Desk, before: Config | null, after: Config): Promise<void> {
  await syncAgents(desk);
  const active = new Set(after.agents.filter((a) => !a.disabled).map((a) => a.id));
  // At start there is no previous configuration in memory: the stored agents say who existed
  // (one key per agent, not history).
  const known = before ? before.agents.map((a) => a.id) : await storedAgentIds(desk.kv);
  for (const id of new Set([...known, ...after.agents.map((a) => a.id)].filter((id) => !active.has(id)))) {
    await transact(desk.kv, async (tx) => {
      const agent = await tx.get<AgentState>(keys.agent(id));
      if (!agent || agent.presence === "offline") return;
      writeAgent(
        tx,
        agent,
        decideAgent(agent, { type: "set_presence", presence: "offline", now: desk.ctx.now() }),
      );
    });
  }
  desk.dispatcher.requestAll();
}

async function storedAgentIds(kv: Deno.Kv): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list<AgentState>({ prefix: keys.agents() })) ids.push(e.value.id);
  return ids;
}

/** Follows the head key: `watch` (instant on one process or a remote KV) plus polling. */
export class ConfigFollower {
  #timer: ReturnType<typeof setInterval> | undefined;
  #watch: ReadableStreamDefaultReader<unknown> | undefined;
  #stopped = false;
  #checking: Promise<void> | null = null;
  #failures = 0;

  constructor(private readonly desk: Desk, private readonly pollMs = CONFIG_POLL_MS) {}

  start(): void {
    this.#timer = setInterval(() => void this.check(), this.pollMs);
    const reader = this.desk.kv.watch([keys.configHead()]).getReader();
    this.#watch = reader;
    (async () => {
      try {
        while (!this.#stopped) {
          if ((await reader.read()).done) break;
          void this.check();
        }
      } catch (e) {
        if (!this.#stopped) console.error("configuration watch ended:", e);
      }
    })();
  }

  /** Applies the head's version if it is newer than the running one. */
  check(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return this.#checking ??= (async () => {
      try {
        const version = await headVersion(this.desk.kv);
        if (version > this.desk.ctx.configVersion && !this.#stopped) await applyVersion(this.desk, version);
        else if (!this.#stopped) await finishUnfinished(this.desk);
        this.#failures = 0;
      } catch (e) {
        // One failed poll (e.g. a local file busy with another process's write) is retried at
        // the next one: only a refresh failing for about a second is worth a line.
        if (!this.#stopped && ++this.#failures === REPORT_AFTER_FAILURES) {
          console.error("configuration refresh keeps failing:", e);
        }
      } finally {
        this.#checking = null;
      }
    })();
  }

  /** Stops following; resolves once no refresh is running (the store may then be closed). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#watch?.cancel().catch(() => {});
    await this.#checking;
    await applying.get(this.desk);
  }
}
