// uPlot options of the overview's charts (SPEC §5), from the theme's resolved colours: time series
// on a UTC axis (the logs' own clock, as every table shows), and bars over named categories.
import uPlot from 'uplot';
import type { ChartColors } from './components/chart.svelte';

type Options = Omit<uPlot.Options, 'width' | 'height'>;

const axis = (c: ChartColors, over: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
  stroke: c.muted,
  grid: { stroke: c.grid, width: 1 },
  ticks: { stroke: c.grid, width: 1 },
  ...over
});

/** Times in seconds since the epoch shown as UTC, whatever the browser's zone. */
export const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/**
 * Tick labels in UTC, 24-hour: "HH:MM" between days (the date when it changes; "HH:MM:SS" for ticks
 * under a minute apart), dates for ticks a day or more apart ("YYYY-MM-DD").
 */
export function utcTicks(_u: unknown, splits: number[]): string[] {
  const step = splits.length > 1 ? splits[1] - splits[0] : 0;
  let day = '';
  return splits.map((s) => {
    const iso = new Date(s * 1000).toISOString();
    if (step >= 86_400) return iso.slice(0, 10);
    const d = iso.slice(0, 10);
    const time = iso.slice(11, step < 60 ? 19 : 16);
    if (d === day) return time;
    day = d;
    return `${time}\n${d}`;
  });
}

export interface LineSeries {
  label: string;
  color: string;
  /** The right-hand scale (another unit or magnitude), not the left. */
  right?: boolean;
}

/** Lines over time (x: seconds), one or two scales. */
export function timeOptions(c: ChartColors, series: LineSeries[], leftLabel: string, rightLabel?: string): Options {
  const axes: uPlot.Axis[] = [axis(c, { values: utcTicks, space: 70 }), axis(c, { scale: 'left', label: leftLabel, size: 60 })];
  if (rightLabel) axes.push(axis(c, { scale: 'right', label: rightLabel, side: 1, size: 60, grid: { show: false } }));
  return {
    tzDate: utc,
    scales: { x: { time: true }, left: { range: (_u, _min, max) => [0, Math.max(1, max)] }, right: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    axes,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: 'Time (UTC)' },
      ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, scale: s.right ? 'right' : 'left' }))
    ]
  };
}

export interface BarSeries {
  label: string;
  color: string;
  /** Share of a category's width, 0..1: narrower bars drawn over wider ones nest. */
  width: number;
}

/** Bars over named categories (x: 0..n-1), several series nested in one slot. */
export function barOptions(c: ChartColors, names: string[], series: BarSeries[], yLabel: string, log = false): Options {
  return {
    scales: {
      x: { time: false, range: () => [-0.5, names.length - 0.5] },
      y: log ? { distr: 3, range: (_u, min, max) => [Math.max(0.01, min / 2), Math.max(1, max * 2)] } : { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] }
    },
    axes: [
      axis(c, { splits: () => names.map((_, i) => i), values: (_u, splits) => splits.map((i) => shorten(names[i] ?? '')), grid: { show: false }, rotate: names.length > 6 ? -20 : 0, size: names.length > 6 ? 70 : 40 }),
      axis(c, { label: yLabel, size: 60 })
    ],
    legend: { show: series.length > 1 },
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: 'Category', value: (_u, i) => (i === null ? '' : (names[i] ?? '')) },
      ...series.map((s) => ({ label: s.label, stroke: s.color, fill: s.color, width: 0, paths: uPlot.paths.bars!({ size: [s.width, 120] }), points: { show: false } }))
    ]
  };
}

/** A label short enough for an axis (the full name is in the table beside the chart). */
function shorten(s: string): string {
  return s.length > 24 ? `${s.slice(0, 23)}…` : s;
}
