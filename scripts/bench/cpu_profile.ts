/**
 * Where a server's CPU went, from a V8 profile written by `--cpu-prof` (bench parts core and
 * large): `deno run -A scripts/bench/cpu_profile.ts <file.cpuprofile> [--from=s] [--to=s] [--top=25]`.
 *
 * Prints the busy share of each second of the profile (to find a phase, e.g. a burst), then for
 * the chosen window the self time per area of the code (our modules by folder, each npm package,
 * Deno's own extensions such as KV and HTTP, GC) and the functions with the most self time.
 */
import { parseArgs } from "node:util";

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number };

/** The area a frame belongs to: a folder of ours, an npm package, a Deno extension, or V8's own. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const npm = url.match(/node_modules\/(?:\.deno\/)?(@[^/]+\/[^/@]+|[^/@]+)/) ??
    url.match(/npm\/[^/]+\/(@[^/]+\/[^/]+|[^/]+)/);
  if (npm) return `npm:${npm[1]}`;
  if (url.startsWith("ext:")) return url.slice(0, url.indexOf("/") > 0 ? url.indexOf("/") : undefined);
  if (url.startsWith("node:")) return "node:";
  const ours = url.match(/\/((?:actors|desk|lib|routes|scripts|components|islands)\/.*)$/);
  if (ours) return ours[1];
  return url.replace(/^file:\/\/\/?/, "").split("/").slice(-2).join("/");
}

export function summarizeProfile(p: Profile, fromS: number, toS: number, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  // Per-second busy share (everything but idle), to locate the phases.
  const perSecond: { busy: number; all: number }[] = [];
  let t = 0;
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const s = Math.floor(t / 1e6);
    const node = byId.get(p.samples[i]);
    const idle = node?.callFrame.functionName === "(idle)";
    const dt = p.timeDeltas[i + 1] ?? 0;
    (perSecond[s] ??= { busy: 0, all: 0 }).all += dt;
    if (!idle) perSecond[s].busy += dt;
    if (t / 1e6 >= fromS && t / 1e6 < toS && !idle) {
      self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
    }
  }
  lines.push(
    "busy % per second: " +
      perSecond.map((b, s) => `${s}:${b && b.all ? Math.round((100 * b.busy) / b.all) : 0}`).join(" "),
  );
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const pct = (x: number) => `${((100 * x) / Math.max(1, total)).toFixed(1)} %`;
  lines.push(`window ${fromS}–${toS} s: ${(total / 1000).toFixed(0)} ms busy CPU`);
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const area = areaOf(f.url, f.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const name = `${f.functionName || "(anonymous)"} ${area}:${f.lineNumber + 1}`;
    byFn.set(name, (byFn.get(name) ?? 0) + us);
  }
  lines.push("self time by area:");
  for (const [a, us] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    lines.push(`  ${pct(us).padStart(7)}  ${a}`);
  }
  lines.push("self time by function:");
  for (const [f, us] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    lines.push(`  ${pct(us).padStart(7)}  ${f}`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      from: { type: "string", default: "0" },
      to: { type: "string", default: "1e9" },
      top: { type: "string", default: "25" },
    },
  });
  if (positionals.length !== 1) {
    console.error("usage: cpu_profile.ts <file.cpuprofile> [--from=s] [--to=s] [--top=25]");
    Deno.exit(2);
  }
  const p = JSON.parse(await Deno.readTextFile(positionals[0])) as Profile;
  console.log(summarizeProfile(p, Number(values.from), Number(values.to), Number(values.top)));
}
