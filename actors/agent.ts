/**
 * The agent actor: profile (from configuration), presence, load per channel group and
 * productivity counters. `decideAgent` is pure: time comes in through the command.
 */
import type { Presence } from "../lib/shared/wire/views.ts";
import type { AgentStats, AgentView } from "../lib/shared/wire/agent.ts";
import type { Capacity, ChannelGroup } from "../lib/shared/config.ts";
import { conflict, refuse } from "./refusal.ts";
import { iso } from "../lib/shared/time.ts";

export type { AgentStats, AgentView, Presence };

export type AgentProfile = {
  id: string;
  name: string;
  initials: string;
  login: string;
  role: string;
  teams: string[];
  categories: string[];
  languages: string[];
  capacity: Record<ChannelGroup, Capacity>;
};

export type AgentState = AgentProfile & {
  presence: Presence;
  presenceSince: string;
  /** Who set the current presence when it was not the agent (a supervisor); null otherwise. */
  presenceBy?: { id: string; name: string } | null;
  load: Record<ChannelGroup, number>;
  /** When the agent was last offered work (round robin). */
  lastOfferedAt: string | null;
  /** Since when the agent has had no work, or last finished some (longest idle). */
  idleSince: string;
  uiLanguage: "en" | "fr" | null;
  stats: AgentStats;
};

export type AgentCommand =
  | { type: "sync_profile"; profile: AgentProfile; now: number }
  /** `by`: the supervisor setting it for the agent (absent when the agent sets its own). */
  | { type: "set_presence"; presence: Presence; now: number; by?: { id: string; name: string } }
  | { type: "set_ui_language"; language: "en" | "fr" }
  /** Takes one unit of load; `offer` counts an offer; `force` may pass the hard limit. */
  | { type: "occupy"; group: ChannelGroup; now: number; offer?: boolean; force?: boolean }
  | { type: "release"; group: ChannelGroup; now: number }
  | { type: "missed"; group: ChannelGroup; awayOnMiss: boolean; now: number }
  | { type: "accepted" }
  | { type: "first_response"; ms: number }
  | { type: "completed"; handleMs: number | null }
  | { type: "transferred_out" };

export const emptyStats = (): AgentStats => ({
  offered: 0,
  accepted: 0,
  missed: 0,
  completed: 0,
  transferredOut: 0,
  firstResponseMsTotal: 0,
  firstResponseCount: 0,
  handleMsTotal: 0,
  handleCount: 0,
});

export function newAgent(profile: AgentProfile, now: number): AgentState {
  return {
    ...profile,
    presence: "offline",
    presenceSince: iso(now),
    load: { realtime: 0, async: 0 },
    lastOfferedAt: null,
    idleSince: iso(now),
    uiLanguage: null,
    stats: emptyStats(),
  };
}

const totalLoad = (s: AgentState) => s.load.realtime + s.load.async;

/** Applies a command to an agent; refuses (409, `actors/refusal.ts`) when it is not allowed now. */
export function decideAgent(s: AgentState, cmd: AgentCommand): AgentState {
  switch (cmd.type) {
    case "sync_profile":
      return { ...s, ...cmd.profile };
    case "set_presence": {
      if (cmd.presence === s.presence) return s;
      const becameAvailable = cmd.presence === "available";
      return {
        ...s,
        presence: cmd.presence,
        presenceSince: iso(cmd.now),
        presenceBy: cmd.by ?? null,
        idleSince: becameAvailable && totalLoad(s) === 0 ? iso(cmd.now) : s.idleSince,
      };
    }
    case "set_ui_language":
      return { ...s, uiLanguage: cmd.language };
    case "occupy": {
      const load = s.load[cmd.group];
      if (!cmd.force && load >= s.capacity[cmd.group].maxCapacity) {
        refuse(conflict("capacity_full", `${s.name} is at full capacity.`));
      }
      return {
        ...s,
        load: { ...s.load, [cmd.group]: load + 1 },
        lastOfferedAt: cmd.offer ? iso(cmd.now) : s.lastOfferedAt,
        stats: cmd.offer ? { ...s.stats, offered: s.stats.offered + 1 } : s.stats,
      };
    }
    case "release": {
      const load = Math.max(0, s.load[cmd.group] - 1);
      const next = { ...s, load: { ...s.load, [cmd.group]: load } };
      return { ...next, idleSince: iso(cmd.now) };
    }
    case "missed": {
      const released = decideAgent(s, { type: "release", group: cmd.group, now: cmd.now });
      const stats = { ...released.stats, missed: released.stats.missed + 1 };
      const away = cmd.awayOnMiss && s.presence === "available";
      return {
        ...released,
        stats,
        presence: away ? "away" : released.presence,
        presenceSince: away ? iso(cmd.now) : released.presenceSince,
        presenceBy: away ? null : released.presenceBy,
      };
    }
    case "accepted":
      return { ...s, stats: { ...s.stats, accepted: s.stats.accepted + 1 } };
    case "first_response":
      return {
        ...s,
        stats: {
          ...s.stats,
          firstResponseMsTotal: s.stats.firstResponseMsTotal + cmd.ms,
          firstResponseCount: s.stats.firstResponseCount + 1,
        },
      };
    case "completed":
      return {
        ...s,
        stats: {
          ...s.stats,
          completed: s.stats.completed + 1,
          handleMsTotal: s.stats.handleMsTotal + (cmd.handleMs ?? 0),
          handleCount: s.stats.handleCount + (cmd.handleMs === null ? 0 : 1),
        },
      };
    case "transferred_out":
      return { ...s, stats: { ...s.stats, transferredOut: s.stats.transferredOut + 1 } };
    default: {
      const never: never = cmd;
      throw new Error(`unknown agent command ${JSON.stringify(never)}`);
    }
  }
}

/** The public view of an agent (API.md `/me`). */
export function agentView(s: AgentState): AgentView {
  return {
    id: s.id,
    name: s.name,
    initials: s.initials,
    login: s.login,
    role: s.role,
    teams: s.teams,
    categories: s.categories,
    languages: s.languages,
    presence: s.presence,
    presenceSince: s.presenceSince,
    presenceBy: s.presenceBy ?? null,
    load: s.load,
    capacity: s.capacity,
    uiLanguage: s.uiLanguage,
    stats: s.stats,
  };
}

/** Whether the owner of an interaction may take it back right now (R8): available, below its hard capacity. */
export function canTakeBack(agent: AgentState | null, group: ChannelGroup): boolean {
  return !!agent && agent.presence === "available" && agent.load[group] < agent.capacity[group].maxCapacity;
}
