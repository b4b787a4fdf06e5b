// Requests per minute of one UTC day, by status class: what the overview's "requests over time" and
// "status mix over time" read. Counted from the request blocks as an import streams them (never by
// reading the stored requests again) and kept beside the day's endpoint figures, so retention drops
// them with their day. One minute is fine enough for a log of a few minutes and, at 1440 × 6 counts
// (34 KiB) a day, cheap enough to keep for years.
import type { RequestColumns } from './requests';
import { DAY_MS, dayOf } from './session-rows';
import { STATUS_CLASSES } from './types';

export const MINUTES = 1440;
const CLASSES = STATUS_CLASSES.length;

/** Counts of one day: minute m, class c at `m * 6 + c` (c: STATUS_CLASSES order). */
export type DayTraffic = Uint32Array;

export function emptyTraffic(): DayTraffic {
  return new Uint32Array(MINUTES * CLASSES);
}

/** Index into STATUS_CLASSES of a status code (anything outside 100..599 is 'other'). */
export function statusClass(status: number): number {
  return status >= 100 && status < 600 ? Math.floor(status / 100) - 1 : CLASSES - 1;
}

/** Adds the requests of a block to `into`, by their day. */
export function addTraffic(into: Map<number, DayTraffic>, r: RequestColumns): void {
  let day = NaN;
  let counts: DayTraffic | undefined;
  for (let i = 0; i < r.count; i++) {
    const t = r.time[i];
    const d = dayOf(t);
    if (d !== day) {
      day = d;
      counts = into.get(d);
      if (!counts) into.set(d, (counts = emptyTraffic()));
    }
    const minute = Math.min(MINUTES - 1, Math.floor((t - d * DAY_MS) / 60_000));
    counts![minute * CLASSES + statusClass(r.status[i])]++;
  }
}

/** a + b, as a new array (either may be absent). */
export function sumTraffic(a: DayTraffic | undefined, b: DayTraffic | undefined): DayTraffic {
  const out = emptyTraffic();
  if (a) out.set(a);
  if (b) for (let k = 0; k < out.length; k++) out[k] += b[k];
  return out;
}
