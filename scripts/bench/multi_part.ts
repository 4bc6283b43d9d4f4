/** The `multi` part of `deno task bench` (issue 13): see `multi.ts`. */
import type { PartSpec } from "./plan.ts";

export const MULTI_PART: PartSpec = {
  name: "multi",
  issue: 13,
  title: "several processes on one KV file",
  script: "scripts/bench/multi.ts",
  options: { "multi-seconds": "5", "multi-agents": "30", "multi-offers": "30", "multi-timers": "20" },
  quick: { "multi-seconds": "2", "multi-agents": "10", "multi-offers": "10", "multi-timers": "8" },
  browser: false,
};
