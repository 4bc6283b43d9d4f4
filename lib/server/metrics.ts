/**
 * Server-only: a few in-process metrics and the Prometheus text exposition format (version
 * 0.0.4). Counters and gauges of one process; a scrape of each process gives the whole desk.
 */

export type Labels = Record<string, string>;
export type Sample = { labels?: Labels; value: number };
export type Metric = { name: string; help: string; type: "counter" | "gauge"; samples: Sample[] };

/** A counter with labels (e.g. requests by route and status). */
export class LabelledCounter {
  #values = new Map<string, { labels: Labels; value: number }>();

  inc(labels: Labels, by = 1): void {
    const id = JSON.stringify(Object.entries(labels).sort());
    const v = this.#values.get(id);
    if (v) v.value += by;
    else this.#values.set(id, { labels, value: by });
  }

  samples(): Sample[] {
    return [...this.#values.values()].map((v) => ({ labels: v.labels, value: v.value }));
  }
}

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Renders metrics in the Prometheus text format (one HELP and TYPE line per metric). */
export function renderPrometheus(metrics: readonly Metric[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) {
      const labels = Object.entries(s.labels ?? {});
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}` : "";
      lines.push(`${m.name}${l} ${formatValue(s.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * Wraps a response body so `onClose` runs once when it ends, fails or is cancelled (counts open
 * event streams whatever produced them).
 */
export function onBodyClose(
  body: ReadableStream<Uint8Array>,
  onClose: () => void,
): ReadableStream<Uint8Array> {
  let closed = false;
  const close = () => {
    if (!closed) (closed = true), onClose();
  };
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          close();
          controller.close();
        } else controller.enqueue(value);
      } catch (e) {
        close();
        controller.error(e);
      }
    },
    async cancel(reason) {
      close();
      await reader.cancel(reason);
    },
  });
}
