/**
 * Transfer (SPEC A6): to an agent, a team, categories or a language, with a comment; the
 * interaction leaves the sender and waits in the queue for the target, or, forced by a
 * supervisor, goes straight to the named agent with high priority.
 */
import { iso } from "../../lib/shared/time.ts";
import type { ErrorDetail } from "../../lib/shared/errors.ts";
import { invalid, type Refusal, refuse } from "../refusal.ts";
import { reactivate, requeue, wrongState } from "./rules.ts";
import type {
  CommandHandlers,
  CommandOf,
  DecideContext,
  Decision,
  InteractionEffect,
  InteractionState,
  TransferTarget,
} from "./state.ts";

/** The command of the transfer phase. */
export type TransferCommand = {
  type: "transfer";
  agentId: string;
  target: TransferTarget;
  comment: string | null;
  force: boolean;
};

/** The priority a forced transfer gets at least. */
const FORCED_PRIORITY = 1000;

/** The bad fields of a transfer's target: none given, or a forced transfer without an agent. */
export function transferTargetProblems(t: TransferTarget, force: boolean): ErrorDetail[] {
  const bad: ErrorDetail[] = [];
  if (!t.agentId && !t.teamId && !t.categories?.length && !t.language) {
    bad.push({ path: "agentId", message: "give agentId, teamId, categories or language" });
  } else if (force && !t.agentId) {
    bad.push({ path: "agentId", message: "a forced transfer needs an agent" });
  }
  return bad;
}

/** The refusal of a transfer whose target is incomplete, or null. */
function transferTargetRefusal(t: TransferTarget, force: boolean): Refusal | null {
  const bad = transferTargetProblems(t, force);
  return bad.length ? invalid("Invalid transfer.", bad) : null;
}

export function transfer(s: InteractionState, cmd: CommandOf<"transfer">, ctx: DecideContext): Decision {
  if (s.state !== "active" && s.state !== "deferred" && s.state !== "queued" && s.state !== "offered") {
    wrongState(s, "transfer");
  }
  const t = cmd.target;
  const bad = transferTargetRefusal(t, cmd.force);
  if (bad) refuse(bad);
  const now = ctx.now;
  const at = iso(now);
  const from = s.agentId;
  const senderHeldIt = !!from && (s.state === "active" || s.state === "offered");
  const effects: InteractionEffect[] = [];
  if (senderHeldIt) {
    effects.push({ type: "agent", agentId: from, command: { type: "release", group: s.group, now } });
  }
  if (from && s.state !== "queued") {
    effects.push({ type: "agent", agentId: from, command: { type: "transferred_out" } });
    effects.push(
      s.state === "offered"
        ? { type: "event", agentId: from, event: "interaction.withdrawn", data: { reason: "transferred" } }
        : { type: "event", agentId: from, event: "interaction.updated", data: { reason: "transferred_out" } },
    );
  }
  effects.push({
    type: "audit",
    action: "transferred",
    details: { from, to: t, comment: cmd.comment, forced: cmd.force },
  });
  const transfer = { fromAgentId: cmd.agentId, comment: cmd.comment, at, forced: cmd.force };
  const requirements = {
    categories: t.categories?.length ? t.categories : s.categories,
    language: t.language ?? s.language,
  };
  if (cmd.force) {
    const to = t.agentId!;
    effects.push({
      type: "agent",
      agentId: to,
      command: { type: "occupy", group: s.group, now, force: true },
    });
    effects.push({
      type: "event",
      agentId: to,
      event: "interaction.updated",
      data: { reason: "transferred_in" },
    });
    // The sender's freed capacity goes to the queue at once (R4).
    if (senderHeldIt) effects.push({ type: "dispatch", group: s.group });
    return {
      state: {
        ...reactivate(s, now),
        ...requirements,
        agentId: to,
        acceptDeadline: null,
        enqueuedAt: null,
        priority: Math.max(s.priority, FORCED_PRIORITY),
        target: null,
        transfer,
        acceptedAt: at,
        excludedAgents: [],
      },
      effects,
    };
  }
  effects.push({ type: "dispatch", group: s.group });
  return {
    state: requeue(s, now, {
      ...requirements,
      enqueuedAt: at,
      target: { agentId: t.agentId ?? null, teamId: t.teamId ?? null },
      transfer,
      excludedAgents: [],
      preferredAgentId: null,
    }),
    effects,
  };
}

/** The commands this phase decides (joined in `decide.ts`). */
export const transferPhase = { transfer } satisfies Partial<CommandHandlers>;
