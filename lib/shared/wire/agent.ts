/**
 * The agent as the API shows it (`GET /api/v1/me`, supervision) and as the routing view starts
 * from (`Me`, the directory of names): one zod schema per shape, types by `z.infer`.
 * Browser code imports the types only.
 */
import { z } from "zod";
import { CHANNEL_GROUPS } from "../config.ts";
import { presenceSchema } from "./views.ts";

const byGroup = <T extends z.ZodType>(t: T) => z.object({ realtime: t, async: t });
const capacitySchema = z.object({ capacity: z.number(), maxCapacity: z.number() });
const personSchema = z.object({ id: z.string(), name: z.string() });

/** Counters since the agent first signed in (supervision reads them). */
export const agentStatsSchema = z.object({
  offered: z.number(),
  accepted: z.number(),
  missed: z.number(),
  completed: z.number(),
  transferredOut: z.number(),
  firstResponseMsTotal: z.number(),
  firstResponseCount: z.number(),
  handleMsTotal: z.number(),
  handleCount: z.number(),
});
export type AgentStats = z.infer<typeof agentStatsSchema>;

/** API.md `Agent`, as `agentView` (actors/agent.ts) builds it. */
export const agentViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  initials: z.string(),
  login: z.string(),
  role: z.string(),
  teams: z.array(z.string()),
  categories: z.array(z.string()),
  languages: z.array(z.string()),
  presence: presenceSchema,
  presenceSince: z.string(),
  /** Who set the presence when a supervisor did (null when the agent did). */
  presenceBy: personSchema.nullable(),
  load: byGroup(z.number()),
  capacity: byGroup(capacitySchema),
  uiLanguage: z.enum(["en", "fr"]).nullable(),
  stats: agentStatsSchema,
});
export type AgentView = z.infer<typeof agentViewSchema>;

/** Which actions are icons and which sit in "More actions" (A16). */
export const actionLayoutSchema = z.object({ icons: z.array(z.string()), menu: z.array(z.string()) });

/** The signed-in agent as the routing view holds it (`meOf` in desk/views.ts). */
export const meSchema = agentViewSchema.pick({
  id: true,
  name: true,
  initials: true,
  role: true,
  presence: true,
}).extend({
  presenceBy: personSchema.nullable().optional(),
  load: z.partialRecord(z.enum(CHANNEL_GROUPS), z.number()),
  capacity: z.partialRecord(z.enum(CHANNEL_GROUPS), capacitySchema),
  permissions: z.array(z.string()),
  /** Absent: every action an icon. */
  actionLayout: actionLayoutSchema.optional(),
});
export type Me = z.infer<typeof meSchema>;

const namedSchema = z.object({ id: z.string(), name: z.string() });
export type Named = z.infer<typeof namedSchema>;

/** The names the routing view shows for ids (`directoryOf` in desk/views.ts). */
export const directorySchema = z.object({
  sources: z.array(namedSchema.extend({
    kind: z.string(),
    dispositionRequired: z.boolean(),
    smartClosure: z.boolean(),
    waitForReply: z.boolean(),
    cobrowse: z.boolean(),
  })),
  categories: z.array(namedSchema),
  teams: z.array(namedSchema),
  languages: z.array(z.string()),
  dispositions: z.array(namedSchema),
  agents: z.array(namedSchema.extend({ initials: z.string() })),
  experts: z.array(namedSchema),
});
export type Directory = z.infer<typeof directorySchema>;
