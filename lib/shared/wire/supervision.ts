/**
 * Supervision wire shapes (API.md "Supervisors", SPEC M2/M3), declared once as zod schemas: the
 * overview and its stream events, the open-interactions list, the force-assign candidates and
 * the productivity report row. The server documents its answers with them (OpenAPI) and the
 * tests parse answers with them; the islands and the CSV writer use the `z.infer` types only
 * (`import type`, so zod never reaches the browser bundle).
 */
import { z } from "zod";
import { presenceSchema } from "./views.ts";

export const channelGroupSchema = z.enum(["realtime", "async"]);

const count = z.number().int().nonnegative();
const seconds = z.number().nonnegative().nullable();
const share = z.number().min(0).max(1).nullable();

/** Today's figures of a source or a channel group (counts, and duration sums in ms). */
export const sourceFiguresSchema = z.object({
  created: count,
  offered: count,
  accepted: count,
  missed: count,
  completed: count,
  transferred: count,
  forced: count,
  abandoned: count,
  answered: count,
  answeredInTarget: count,
  waitMs: count,
  handleMs: count,
});

const serviceLevelTargetSchema = z.object({ target: z.number(), seconds: z.number() });

const queueCountsSchema = z.object({
  group: channelGroupSchema,
  waiting: count,
  offered: count,
  active: count,
  deferred: count,
  closing: count,
  oldestWaitingSince: z.string().nullable(),
  serviceLevel: share,
  serviceLevelTarget: serviceLevelTargetSchema,
  availableAgents: count,
});

/** API.md `Queue` (per source), with extensions. */
export const queueRowSchema = queueCountsSchema.extend({
  sourceId: z.string(),
  name: z.string(),
  today: sourceFiguresSchema.extend({
    waitAvgSeconds: seconds,
    waitP90Seconds: seconds,
    handleAvgSeconds: seconds,
  }),
});

/** Extension: the same per channel group. */
export const groupRowSchema = queueCountsSchema.extend({ today: sourceFiguresSchema });

/** API.md `AgentRow`, with extensions (presenceBy, handledToday, handleAvgSeconds). */
export const agentRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  teams: z.array(z.string()),
  presence: presenceSchema,
  presenceSince: z.string(),
  presenceBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  load: z.record(channelGroupSchema, count),
  capacity: z.record(channelGroupSchema, z.object({ capacity: count, maxCapacity: count })),
  open: count,
  missedToday: count,
  handledToday: count,
  handleAvgSeconds: seconds,
});

const pointSchema = z.object({ t: z.number(), n: count });

/** Extension: the trend plots' data. */
export const trendsSchema = z.object({
  /** Per minute over the last hour (t = the minute's start, ms). */
  waiting: z.array(pointSchema),
  available: z.array(pointSchema),
  /** Cumulative service level at the end of each UTC hour of today so far. */
  serviceLevel: z.array(z.object({ hour: z.number().int(), serviceLevel: share })),
});

/** `GET /api/v1/supervisor/overview`, and the data of an `overview` stream event. */
export const overviewSchema = z.object({
  at: z.string(),
  queues: z.array(queueRowSchema),
  groups: z.array(groupRowSchema),
  agents: z.array(agentRowSchema),
  trends: trendsSchema,
});

/** The data of an `overview.delta` stream event (how to apply it: `applyDelta` in lib/shared/supervision.ts). */
export const overviewDeltaSchema = overviewSchema.extend({
  /** The id of the event this one follows. */
  base: z.string(),
  /** Only the rows that changed (or are new to the scope). */
  agents: z.array(agentRowSchema),
  /** Agents gone from the scope. */
  removedAgents: z.array(z.string()),
});

/** The supervisor stream's event names (GET /api/v1/supervisor/events). */
export const SUPERVISOR_EVENTS = ["overview", "overview.delta"] as const;
export type SupervisorEventName = (typeof SUPERVISOR_EVENTS)[number];

/** An open interaction as the supervisor lists show it (API.md `Interaction`, the fields used). */
export const openItemSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  sourceId: z.string(),
  state: z.enum(["queued", "offered", "active", "deferred", "closing", "completed"]),
  agentId: z.string().nullable(),
  categories: z.array(z.string()),
  language: z.string(),
  priority: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  customer: z.object({ id: z.string(), name: z.string() }),
  preview: z.object({ text: z.string(), at: z.string(), author: z.string() }),
});

/** An agent in a force-assign picker: `ineligible` is null when routing would pick it now. */
export const candidateSchema = z.object({
  id: z.string(),
  name: z.string(),
  presence: presenceSchema,
  load: z.record(z.string(), z.number()),
  capacity: z.record(z.string(), z.object({ capacity: z.number(), maxCapacity: z.number() })),
  ineligible: z.string().nullable(),
});

/** One row of the productivity report (API.md columns, then the extensions). */
export const reportRowSchema = z.object({
  agentId: z.string(),
  agentName: z.string(),
  date: z.string(),
  offered: count,
  accepted: count,
  missed: count,
  completed: count,
  transferredIn: count,
  transferredOut: count,
  forcedAssignments: count,
  firstResponseAvgSeconds: seconds,
  firstResponseP90Seconds: seconds,
  handleAvgSeconds: seconds,
  handleP90Seconds: seconds,
});

export type { Presence } from "./views.ts";
export type Group = z.infer<typeof channelGroupSchema>;
export type SourceFigures = z.infer<typeof sourceFiguresSchema>;
export type QueueRow = z.infer<typeof queueRowSchema>;
export type GroupRow = z.infer<typeof groupRowSchema>;
export type AgentRow = z.infer<typeof agentRowSchema>;
export type Overview = z.infer<typeof overviewSchema>;
export type OverviewDelta = z.infer<typeof overviewDeltaSchema>;
export type OpenItem = z.infer<typeof openItemSchema>;
export type Candidate = z.infer<typeof candidateSchema>;
export type ReportRow = z.infer<typeof reportRowSchema>;

/** An action on an agent (`GET /api/v1/agents/:agentId/audit`, extension): a supervisor set their presence. */
export const agentAuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  agentId: z.string(),
  actor: z.object({ type: z.literal("agent"), id: z.string(), name: z.string() }),
  type: z.literal("presence.set"),
  details: z.object({ from: presenceSchema, to: presenceSchema }),
});
export type AgentAuditEntry = z.infer<typeof agentAuditEntrySchema>;
