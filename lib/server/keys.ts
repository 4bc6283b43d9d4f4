/**
 * The one owner of KV key shapes. Every key the app reads or writes is built here, and each
 * index is named after the lookup it serves.
 */
import type { FolderName } from "../shared/wire/views.ts";
import type { ChannelGroup } from "../shared/config.ts";

export type { FolderName };

export const keys = {
  /** Agent actor state. */
  agent: (agentId: string) => ["agent", agentId] as const,
  agents: () => ["agent"] as const,
  /**
   * Available agents of a team, value = the agent's id (a pointer: written when the agent comes,
   * goes or changes teams; stores written before hold the agent's state there, read the same way).
   */
  availableAgentsByTeam: (teamId: string) => ["available_agent", teamId] as const,
  /** Every available agent, once per team (the dispatcher's pool loads them all at once). */
  availableAgents: () => ["available_agent"] as const,
  availableAgent: (teamId: string, agentId: string) => ["available_agent", teamId, agentId] as const,
  /** Password hash per agent. */
  credential: (agentId: string) => ["credential", agentId] as const,

  interaction: (id: string) => ["interaction", id] as const,
  interactionsPrefix: () => ["interaction"] as const,
  /** Interactions of a thread, oldest first (audit across folders, resume). */
  threadInteraction: (threadId: string, interactionId: string) =>
    ["thread_interaction", threadId, interactionId] as const,
  threadInteractions: (threadId: string) => ["thread_interaction", threadId] as const,

  thread: (threadId: string) => ["thread", threadId] as const,
  threadsPrefix: () => ["thread"] as const,
  threadByExternalId: (sourceId: string, externalId: string) =>
    ["thread_by_external", sourceId, externalId] as const,

  message: (threadId: string, messageId: string) => ["message", threadId, messageId] as const,
  messages: (threadId: string) => ["message", threadId] as const,
  /** Idempotency of connector deliveries: the connector's message id → what it created. */
  inboundMessage: (sourceId: string, externalId: string) =>
    ["inbound_message", sourceId, externalId] as const,

  audit: (threadId: string, auditId: string) => ["audit", threadId, auditId] as const,
  audits: (threadId: string) => ["audit", threadId] as const,

  /** Waiting interactions of a channel group: higher priority first, then oldest first. */
  queueEntry: (group: ChannelGroup, priority: number, enqueuedAtMs: number, interactionId: string) =>
    ["queue", group, -priority, enqueuedAtMs, interactionId] as const,
  queue: (group: ChannelGroup) => ["queue", group] as const,

  /** An agent's folder entry; value = the interaction's record (`indexRecord`), not its view. */
  folderEntry: (agentId: string, folder: FolderName, sort: number, interactionId: string) =>
    ["folder", agentId, folder, sort, interactionId] as const,
  folder: (agentId: string, folder: FolderName) => ["folder", agentId, folder] as const,
  folders: () => ["folder"] as const,
  /**
   * How many entries an agent's folder holds (a `Deno.KvU64`), changed by `sum` in the commit that
   * moves an interaction into or out of the folder: `/me` reads three keys instead of a listing.
   */
  folderCount: (agentId: string, folder: FolderName) => ["folder_count", agentId, folder] as const,
  folderCounts: () => ["folder_count"] as const,
  /** Set once the folder counters were computed from the folders (stores older than the counters). */
  folderCountsReady: () => ["folder_counts_ready"] as const,

  /** Pending timer records, by due time (operators list them; the sweeper fires overdue ones). */
  timer: (dueAtMs: number, timerId: string) => ["timer", dueAtMs, timerId] as const,
  timers: () => ["timer"] as const,

  /** Outbox: a delivery waiting to be sent, and the ones that ran out of retries. */
  delivery: (id: string) => ["delivery", id] as const,
  deliveries: () => ["delivery"] as const,
  undeliverable: (id: string) => ["undeliverable", id] as const,
  undeliverables: () => ["undeliverable"] as const,

  session: (tokenHash: string) => ["session", tokenHash] as const,

  /**
   * Per-agent live feed: entries by the id of the commit that wrote them (`newId()`, roughly
   * time-ordered) and their index in it; the head (a `Deno.KvU64` counting every entry ever
   * written, bumped with `sum`) is what the SSE route watches. See desk/feed.ts.
   */
  feedEntry: (agentId: string, commitId: string, index: number) =>
    ["feed", agentId, commitId, index] as const,
  feed: (agentId: string) => ["feed", agentId] as const,
  feedHead: (agentId: string) => ["feed_head", agentId] as const,
  /**
   * A running server process announcing itself (value `{at}`, renewed every few seconds, with
   * `expireIn`): live streams poll for other processes' commits only while there are others.
   */
  liveProcess: (processId: string) => ["live_process", processId] as const,
  liveProcesses: () => ["live_process"] as const,

  /** Reply assistant (K4): a customer question and the agent reply that answered it, by thread. */
  assistantPair: (threadId: string, answerId: string) => ["assistant_pair", threadId, answerId] as const,
  assistantPairsOfThread: (threadId: string) => ["assistant_pair", threadId] as const,
  assistantPairs: () => ["assistant_pair"] as const,

  /** Ask an expert (A14): a question sent, and the expert answers already stored (idempotency). */
  expertQuestion: (questionId: string) => ["expert_question", questionId] as const,
  expertAnswer: (expertId: string, answerId: string) => ["expert_answer", expertId, answerId] as const,

  /** Random per-deployment secrets (signed links, widget identities), created on first use. */
  appSecret: (purpose: string) => ["app_secret", purpose] as const,

  /** Blob store (uploads): metadata, and the content in ≤ 64 KiB chunks by index. */
  blob: (blobId: string) => ["blob", blobId] as const,
  blobChunk: (blobId: string, index: number) => ["blob_chunk", blobId, index] as const,
  blobChunks: (blobId: string) => ["blob_chunk", blobId] as const,

  /** Web chat widget: the agent-typing marker of a visitor's thread (short expireIn). */
  webchatTyping: (sourceId: string, visitorId: string) => ["webchat_typing", sourceId, visitorId] as const,

  /** Co-browsing: a session, the visitor's current session, and the relay logs per direction. */
  cobrowse: (sessionId: string) => ["cobrowse", sessionId] as const,
  cobrowseByVisitor: (sourceId: string, visitorId: string) =>
    ["cobrowse_visitor", sourceId, visitorId] as const,
  cobrowseEvent: (sessionId: string, dir: "up" | "down", seq: number) =>
    ["cobrowse_event", sessionId, dir, seq] as const,
  cobrowseEvents: (sessionId: string, dir: "up" | "down") => ["cobrowse_event", sessionId, dir] as const,
  cobrowseHead: (sessionId: string, dir: "up" | "down") => ["cobrowse_head", sessionId, dir] as const,

  /** Web chat rate limits: requests of one subject (visitor, client address) in one fixed window. */
  rateWindow: (scope: string, subject: string, window: number) => ["rate", scope, subject, window] as const,

  /**
   * Configuration as versioned data (SPEC M1a): the head names the latest version; each version
   * has its record (who, when, summary) and its payload in ≤ 64 KiB chunks; versions never change.
   */
  configHead: () => ["config_head"] as const,
  configVersion: (version: number) => ["config_version", version] as const,
  configVersions: () => ["config_version"] as const,
  configChunk: (version: number, index: number) => ["config_chunk", version, index] as const,
  /** What the configuration file held when it was last imported (its hash and the version made). */
  configFileImport: () => ["config_file_import"] as const,
  /** The administration audit log, oldest first (ulid ids). */
  adminAudit: (id: string) => ["admin_audit", id] as const,
  adminAudits: () => ["admin_audit"] as const,
  // --- Supervision (SPEC M2, M3, M4): counters, gauges and open-interaction indexes. ---
  /** Figures of a source for a UTC day (`Deno.KvU64`, by `sum`): one list per day reads every source. */
  statSourceDay: (day: string, sourceId: string, metric: string) =>
    ["stat_source_day", day, sourceId, metric] as const,
  statSourceDays: (day: string) => ["stat_source_day", day] as const,
  /** The same figures per UTC hour of a day (service level through the day). */
  statSourceHour: (day: string, hour: number, sourceId: string, metric: string) =>
    ["stat_source_hour", day, hour, sourceId, metric] as const,
  statSourceHours: (day: string) => ["stat_source_hour", day] as const,
  /** Figures of an agent for a UTC day (M3): one list per day reads every agent. */
  statAgentDay: (day: string, agentId: string, metric: string) =>
    ["stat_agent_day", day, agentId, metric] as const,
  statAgentDays: (day: string) => ["stat_agent_day", day] as const,
  /** Every figure of one agent for a UTC day. */
  statAgentDayOf: (day: string, agentId: string) => ["stat_agent_day", day, agentId] as const,
  /**
   * Which agents a commit moved (value: their ids), one entry per bump of the agents' head, under
   * a fresh id of the commit (ulid: time-ordered), expiring after minutes: the overview re-reads
   * only those agents (desk/supervisor_snapshot.ts).
   */
  supervisionAgentLog: (commitId: string) => ["supervision_agent_log", commitId] as const,
  supervisionAgentLogs: () => ["supervision_agent_log"] as const,
  /**
   * Bumped (by `sum`) by every commit that changes a source's `waiting_since` entries: its
   * versionstamp tells the overview whose longest wait to read again.
   */
  supervisionWaitingRevision: (sourceId: string) => ["supervision_waiting_rev", sourceId] as const,
  supervisionWaitingRevisions: () => ["supervision_waiting_rev"] as const,
  /** Duration histograms (fixed buckets) per owner ("source" | "agent") and day. */
  statHistogram: (day: string, owner: string, id: string, histogram: string, bucket: number) =>
    ["stat_histogram", day, owner, id, histogram, bucket] as const,
  statHistograms: (day: string, owner: string) => ["stat_histogram", day, owner] as const,
  /** Moves of the waiting gauge of a source during one minute ("in" | "out"): the trend of the last hour. */
  statMinute: (minuteMs: number, sourceId: string, dir: string) =>
    ["stat_minute", minuteMs, sourceId, dir] as const,
  statMinutes: () => ["stat_minute"] as const,
  /** An agent becoming available ("in") or not ("out") during one minute: the available trend. */
  statMinuteAvailable: (minuteMs: number, agentId: string, dir: string) =>
    ["stat_minute_available", minuteMs, agentId, dir] as const,
  statMinutesAvailable: () => ["stat_minute_available"] as const,
  /** Live gauge: how many interactions of a source are in an open state (`Deno.KvU64`, by `sum`). */
  supervisionGauge: (sourceId: string, state: string) => ["supervision_gauge", sourceId, state] as const,
  supervisionGauges: () => ["supervision_gauge"] as const,
  /** Bumped (by `sum`) by every commit that moves an interaction: the overview's queues follow it. */
  supervisionHead: () => ["supervision_head"] as const,
  /** Bumped (by `sum`) by every commit that writes an agent: the overview's agents follow it. */
  supervisionAgentsHead: () => ["supervision_agents_head"] as const,
  /** Set once the gauges and open indexes were computed from the interactions (older stores). */
  supervisionReady: () => ["supervision_ready"] as const,
  /** Open interactions by state, in routing order when queued (value = the interaction view). */
  openByState: (state: string, sort: readonly number[], interactionId: string) =>
    ["open_by_state", state, ...sort, interactionId] as const,
  openByStatePrefix: (state: string) => ["open_by_state", state] as const,
  /** Open interactions of a source, by state then as above (value = the interaction view). */
  openBySource: (sourceId: string, state: string, sort: readonly number[], interactionId: string) =>
    ["open_by_source", sourceId, state, ...sort, interactionId] as const,
  openBySourcePrefix: (sourceId: string, state?: string) =>
    (state ? ["open_by_source", sourceId, state] : ["open_by_source", sourceId]) as Deno.KvKey,
  /**
   * Retired: open interactions held by an agent, a third copy of each view. An agent's open
   * interactions are its In progress and Deferred folders; stores written before are cleared at
   * start (desk/supervisor_backfill.ts `dropRetiredIndexes`).
   */
  retiredOpenByAgent: () => ["open_by_agent"] as const,
  /** Waiting interactions of a source by the time they started waiting: the first is the longest wait. */
  waitingSince: (sourceId: string, sinceMs: number, interactionId: string) =>
    ["waiting_since", sourceId, sinceMs, interactionId] as const,
  waitingSincePrefix: (sourceId: string) => ["waiting_since", sourceId] as const,
  /** Audit of actions on an agent (a supervisor setting its presence), oldest first. */
  agentAudit: (agentId: string, auditId: string) => ["agent_audit", agentId, auditId] as const,
  agentAudits: (agentId: string) => ["agent_audit", agentId] as const,
  // --- Several instances (KV_QUEUES=off): the leased polling scheduler ---
  /** Work due at `dueAtMs` (a timer, a delivery attempt, an upload expiry) in its shard, when queues are off. */
  scheduled: (shard: number, dueAtMs: number, workId: string) =>
    ["scheduled", shard, dueAtMs, workId] as const,
  scheduledShard: (shard: number) => ["scheduled", shard] as const,
  scheduledAll: () => ["scheduled"] as const,
  /** The lease of one scheduler shard (value `{ owner, until }`, with `expireIn`). */
  schedulerLease: (shard: number) => ["scheduler_lease", shard] as const,
  schedulerLeases: () => ["scheduler_lease"] as const,
  /** A live process's heartbeat (with `expireIn`): the scheduler's count of processes sharing the shards. */
  schedulerMember: (processId: string) => ["scheduler_member", processId] as const,
  schedulerMembers: () => ["scheduler_member"] as const,
  /** How the last process started scheduled work ("on": queue messages, "off": scheduled keys). */
  schedulerMode: () => ["scheduler_mode"] as const,
  // --- Several instances: the reply assistant's pair log, tailed by every process's index ---
  /** One change of a stored pair (added, rewritten or removed), by time-ordered id; short `expireIn`. */
  assistantLogEntry: (changeId: string, threadId: string, pairId: string) =>
    ["assistant_log", changeId, threadId, pairId] as const,
  assistantLogFrom: (changeId: string) => ["assistant_log", changeId] as const,
  assistantLog: () => ["assistant_log"] as const,
  /** The newest change id of the pair log (written without a check: only a hint to look). */
  assistantLogHead: () => ["assistant_log_head"] as const,
  // --- Remote KV readiness: a message's big fields, split in parts of ≤ 64 KiB values ---
  /** Part `index` of the JSON of a message's `field` (contextData, structured) too big for the message's own value. */
  messagePart: (threadId: string, messageId: string, field: string, index: number) =>
    ["message_part", threadId, messageId, field, index] as const,
  messageParts: (threadId: string, messageId: string) => ["message_part", threadId, messageId] as const,
  allMessageParts: () => ["message_part"] as const,

  /**
   * Retired: a head the dispatcher's pool followed before it followed the agents' move log
   * (`supervisionAgentsHead`); deleted at start (desk/supervisor_backfill.ts `dropRetiredIndexes`).
   */
  retiredAgentPoolHead: () => ["agent_pool_head"] as const,
  // --- auth (sessions, throttles) ---
  /** Failed attempts of one subject (a login, a client address) for a throttled action (sign-in). */
  throttle: (scope: string, subject: string) => ["throttle", scope, subject] as const,
  throttles: () => ["throttle"] as const,
  /**
   * A shared subject's failures (a client address many agents sign in from), per `FORGET_MS`
   * bucket: a `Deno.KvU64` sum, so parallel attempts never conflict over it.
   */
  throttleFailures: (scope: string, subject: string, bucket: number) =>
    ["throttle", scope, subject, "failures", bucket] as const,
  /** When a shared subject last failed in a bucket (ms, a `Deno.KvU64` kept with `max`). */
  throttleLastFailure: (scope: string, subject: string, bucket: number) =>
    ["throttle", scope, subject, "failed_at", bucket] as const,
  /** Idempotency of connector events: the connector's event id → what the first delivery did. */
  inboundEvent: (sourceId: string, eventId: string) => ["inbound_event", sourceId, eventId] as const,
  // --- stream limits across processes (desk/stream_leases.ts; owner = a digest, never a token) ---
  /** An open event stream of one owner (a session, a visitor): renewed while open, expireIn. */
  streamLease: (owner: string, streamId: string) => ["stream_lease", owner, streamId] as const,
  streamLeases: (owner: string) => ["stream_lease", owner] as const,
  /** Checked and rewritten by every opening of the owner's streams: orders concurrent ones. */
  streamOwnerHead: (owner: string) => ["stream_owner_head", owner] as const,
};

/**
 * First parts of keys that record which processes are alive (scheduler leases and heartbeats,
 * the live-stream announcement a process renews while it serves streams) and which streams are
 * open (stream leases, renewed every few seconds): rewritten whatever the requests, so "nothing
 * changed" checks and store scans leave them out.
 */
export const PROCESS_LIVENESS_KEYS: readonly string[] = [
  "scheduler_lease",
  "scheduler_member",
  "live_process",
  "stream_lease",
  "stream_owner_head",
];
