import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { UsageSample } from "./api.js";

const HOUR_MS = 60 * 60_000;

/**
 * CPU time the user's containers used per hour (seconds of CPU), summed over containers, over
 * the last `spanMs`: one bar-like line from the usage history's hourly samples.
 */
export function UsageChart(props: {
  title: string;
  samples: readonly UsageSample[];
  spanMs: number;
  nowMs: number;
}) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = target.current;
    if (!element) return;
    const from = props.nowMs - props.spanMs;
    const hours = new Map<number, number>();
    for (let at = Math.floor(from / HOUR_MS); at <= props.nowMs / HOUR_MS; at++) hours.set(at, 0);
    for (const s of props.samples) {
      const hour = Math.floor(s.atMs / HOUR_MS);
      if (s.atMs >= from && hours.has(hour))
        hours.set(hour, (hours.get(hour) ?? 0) + (s.cpuNs ?? 0) / 1e9);
    }
    const xs = [...hours.keys()].map((hour) => hour * 3600);
    const ys = [...hours.values()];
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 240),
        height: 160,
        legend: { show: false },
        scales: { x: { time: true } },
        axes: [{}, { label: "CPU s" }],
        series: [{}, { label: "CPU seconds", stroke: "#3a7bd5", fill: "rgba(58,123,213,0.2)" }],
      },
      [xs, ys],
      element,
    );
    return () => chart.destroy();
  }, [props.samples, props.spanMs, props.nowMs]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={target} />
    </figure>
  );
}
