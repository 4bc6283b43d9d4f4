/// <reference lib="dom" />
/**
 * Trend plots (U8, M2) drawn with uPlot: waiting and available agents per minute over the last
 * hour, and the service level through the day. uPlot loads in the browser only (it draws on a
 * canvas), after the page is interactive; the server renders the headed, empty frames.
 */
import { useEffect, useRef } from "preact/hooks";
import type { Overview } from "../../lib/shared/supervision.ts";
import { useSupervisorUi } from "./context.ts";

type UPlot = {
  setData(data: number[][], resetScales?: boolean): void;
  setSize(s: { width: number; height: number }): void;
  destroy(): void;
};
type UPlotCtor = new (opts: unknown, data: (number | null)[][], target: HTMLElement) => UPlot;

let loading: Promise<UPlotCtor> | null = null;
const loadUPlot = () => (loading ??= import("uplot").then((m) => m.default as unknown as UPlotCtor));

function Plot(
  { id, title, data, series, percent }: {
    id: string;
    title: string;
    data: (number | null)[][];
    series: { label: string; stroke: string }[];
    percent?: boolean;
  },
) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<UPlot | null>(null);
  useEffect(() => {
    let gone = false;
    void loadUPlot().then((UPlot) => {
      if (gone || !box.current) return;
      const width = Math.max(240, box.current.clientWidth || 320);
      plot.current = new UPlot(
        {
          width,
          height: 160,
          legend: { show: true },
          scales: percent ? { y: { range: [0, 1] } } : undefined,
          axes: [
            {},
            percent
              ? { values: (_u: unknown, ticks: number[]) => ticks.map((v) => `${Math.round(v * 100)} %`) }
              : {},
          ],
          series: [
            {},
            ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, spanGaps: true })),
          ],
        },
        data,
        box.current,
      );
    });
    return () => {
      gone = true;
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => plot.current?.setData(data as number[][]), [data]);
  return (
    <figure class="sup-plot" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div ref={box} class="sup-plot-canvas" data-plot={id} />
    </figure>
  );
}

export function TrendPlots({ trends }: { trends: Overview["trends"] }) {
  const { t } = useSupervisorUi();
  const secs = (ms: number) => ms / 1000;
  const day = new Date(trends.waiting.at(-1)?.t ?? 0);
  day.setUTCHours(0, 0, 0, 0);
  return (
    <div class="sup-plots">
      <Plot
        id="plot-waiting"
        title={t("sup.waitingTrend")}
        data={[
          trends.waiting.map((p) => secs(p.t)),
          trends.waiting.map((p) => p.n),
          trends.available.map((p) => p.n),
        ]}
        series={[
          { label: t("sup.waiting"), stroke: "#d9822b" },
          { label: t("sup.availableAgents"), stroke: "#2b8a3e" },
        ]}
      />
      <Plot
        id="plot-sl"
        title={t("sup.slTrend")}
        percent
        data={[
          trends.serviceLevel.map((p) => secs(day.getTime() + (p.hour + 1) * 3600_000)),
          trends.serviceLevel.map((p) => p.serviceLevel),
        ]}
        series={[{ label: t("sup.serviceLevel"), stroke: "#1c7ed6" }]}
      />
    </div>
  );
}
