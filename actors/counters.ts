/**
 * What a decision counts (SPEC M2, M3, M4): a pure reading of one interaction transition
 * (before → after state, and the effects the decision carries) into counter increments per
 * source, per agent, and the moves of the live gauges (how many interactions of a source are in
 * each open state). The desk adds them to KV counters with `tx.sum` in the commit that writes
 * the transition, so counting costs no read, no check and no extra commit.
 */
import { ms } from "../lib/shared/time.ts";
import type { InteractionEffect, InteractionState, InteractionStatus } from "./interaction.ts";

/** Figures per source (and so per channel group) and day. */
export const SOURCE_METRICS = [
  "created",
  "offered",
  "accepted",
  "missed",
  "completed",
  "transferred",
  "forced",
  /** Closed by the customer while waiting (queued or offered). */
  "abandoned",
  /** First taken by an agent (accepted, or force-assigned), with its wait. */
  "answered",
  /** Answered within the channel group's service-level target (M4). */
  "answeredInTarget",
  "waitMs",
  "handleMs",
] as const;
export type SourceMetric = (typeof SOURCE_METRICS)[number];

/** Figures per agent and day (M3). A forced assignment counts for the agent receiving it. */
export const AGENT_METRICS = [
  "offered",
  "accepted",
  "missed",
  "completed",
  "transferredIn",
  "transferredOut",
  "forcedAssignments",
  "firstResponseMs",
  "firstResponseCount",
  "handleMs",
  "handleCount",
] as const;
export type AgentMetric = (typeof AGENT_METRICS)[number];

/** Durations that get a histogram (for p90), by who they belong to. */
export type Histogram = "wait" | "handle" | "firstResponse";

/**
 * Upper bounds (seconds) of the fixed histogram buckets; the last bucket is open. They cover
 * realtime (seconds) and async (hours) service levels alike.
 */
export const BUCKETS_S = [5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400] as const;

/** The bucket index of a duration in ms (0…BUCKETS_S.length). */
export function bucketOf(durationMs: number): number {
  const s = durationMs / 1000;
  const i = BUCKETS_S.findIndex((b) => s <= b);
  return i === -1 ? BUCKETS_S.length : i;
}

/**
 * The p-quantile (0–1) of a histogram, in seconds: linear within the bucket holding it (the
 * open last bucket answers its lower bound). Null when the histogram is empty.
 */
export function quantileOf(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : BUCKETS_S[i - 1];
      if (i >= BUCKETS_S.length) return lo;
      const hi = BUCKETS_S[i];
      return lo + (hi - lo) * Math.max(0, Math.min(1, (rank - seen) / n));
    }
    seen += n;
  }
  return BUCKETS_S[BUCKETS_S.length - 1];
}

export type Tally =
  | { scope: "source"; sourceId: string; metric: SourceMetric; n: number }
  | { scope: "agent"; agentId: string; metric: AgentMetric; n: number }
  | { scope: "histogram"; owner: "source" | "agent"; id: string; histogram: Histogram; bucket: number }
  /** A live gauge: interactions of a source in an open state (+1 entered, -1 left). */
  | { scope: "gauge"; sourceId: string; state: InteractionStatus; n: number };

export type CountContext = {
  /** The service-level target's seconds of the interaction's channel group (M4). */
  serviceLevelSeconds: number;
};

/**
 * Everything one transition counts. `before` is null for a new interaction. Pure: the same
 * transition always counts the same, so retried commits and replays agree.
 */
export function countTransition(
  before: InteractionState | null,
  after: InteractionState,
  effects: readonly InteractionEffect[],
  ctx: CountContext,
): Tally[] {
  const out: Tally[] = [];
  const source = (metric: SourceMetric, n = 1) =>
    out.push({ scope: "source", sourceId: after.sourceId, metric, n });
  const agent = (agentId: string | null, metric: AgentMetric, n = 1) => {
    if (agentId) out.push({ scope: "agent", agentId, metric, n });
  };
  const histogram = (owner: "source" | "agent", id: string | null, h: Histogram, durationMs: number) => {
    if (id) out.push({ scope: "histogram", owner, id, histogram: h, bucket: bucketOf(durationMs) });
  };
  const was = before?.state ?? null;
  const is = after.state;

  if (!before) source("created");
  if (is === "offered" && was !== "offered") {
    source("offered");
    agent(after.agentId, "offered");
  }
  for (const e of effects) {
    // An accept, not any offered → active move (a forced transfer to the offered agent is none).
    if (e.type === "agent" && e.command.type === "accepted") {
      source("accepted");
      agent(e.agentId, "accepted");
      // Taken after a transfer (the target is cleared on accept): the receiving side of it.
      if (before?.target) agent(e.agentId, "transferredIn");
    }
    if (e.type === "agent" && e.command.type === "missed") {
      source("missed");
      agent(e.agentId, "missed");
    }
    if (e.type === "agent" && e.command.type === "transferred_out") agent(e.agentId, "transferredOut");
    if (e.type === "audit" && e.action === "transferred") {
      source("transferred");
      if (e.details?.forced === true) {
        source("forced");
        agent(after.agentId, "forcedAssignments");
        agent(after.agentId, "transferredIn");
      }
    }
  }
  if (before && before.acceptedAt === null && after.acceptedAt !== null) {
    const wait = Math.max(0, ms(after.acceptedAt) - ms(after.createdAt));
    source("answered");
    source("waitMs", wait);
    if (wait <= ctx.serviceLevelSeconds * 1000) source("answeredInTarget");
    histogram("source", after.sourceId, "wait", wait);
  }
  if (before && before.firstResponseAt === null && after.firstResponseAt !== null) {
    const fr = Math.max(0, ms(after.firstResponseAt) - ms(before.acceptedAt ?? before.createdAt));
    agent(after.agentId, "firstResponseMs", fr);
    agent(after.agentId, "firstResponseCount");
    histogram("agent", after.agentId, "firstResponse", fr);
  }
  if (is === "completed" && was !== "completed") {
    source("completed");
    agent(after.agentId, "completed");
    if (after.acceptedAt && after.completedAt) {
      const handle = Math.max(0, ms(after.completedAt) - ms(after.acceptedAt));
      source("handleMs", handle);
      agent(after.agentId, "handleMs", handle);
      agent(after.agentId, "handleCount");
      histogram("source", after.sourceId, "handle", handle);
      histogram("agent", after.agentId, "handle", handle);
    }
  }
  if (
    before && !before.conversationClosed && after.conversationClosed &&
    (was === "queued" || was === "offered")
  ) source("abandoned");

  // Gauges follow the state (a move between sources never happens: an interaction keeps its source).
  if (was !== is) {
    if (was && was !== "completed") out.push({ scope: "gauge", sourceId: after.sourceId, state: was, n: -1 });
    if (is !== "completed") out.push({ scope: "gauge", sourceId: after.sourceId, state: is, n: 1 });
  }
  return out;
}
