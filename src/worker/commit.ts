// What an import's last transaction writes, computed from what is stored and what the import read:
// sessions merged (SPEC §2 order independence), cut by retention (SPEC §4), split into day blocks,
// with their orders; endpoint statistics per day. Pure and synchronous: it runs inside the commit
// transaction (store.ts commitImport). Lean on memory: the merged sessions are cut into the day
// blocks in their place (when nobody else holds them), and the held table is put back together
// from those blocks, not read back from the store.
import { endpointList, type EndpointDraft } from '../lib/core/request-rows';
import { sumTraffic, type DayTraffic } from '../lib/core/traffic';
import { mergeSessions, finishEndpoints, sumEndpoints } from '../lib/core/merge';
import { scoreRows, scoreSessions, type Scores } from '../lib/core/labels';
import { compactTables, concatSessions, cutSessions, dayOf } from '../lib/core/session-rows';
import { detach, isDisposable, releaseColumns } from '../lib/core/columns';
import type { EndpointStats, SessionColumns } from '../lib/core/types';
import { computeOrders, type Orders } from '../lib/storage/orders';
import type { CommitPlan, EndpointDay, Retention, Stored } from '../lib/storage/store';

/** What the import read: its sessions, and its endpoint statistics by day of request. */
export interface Fresh {
  sessions: SessionColumns;
  endpointDays: Map<number, Map<string, EndpointDraft>>;
  /** Its requests per minute by status class, by day (absent: not counted). */
  traffic?: Map<number, DayTraffic>;
}

/** Days dropped by a commit or a prune, for the user: which, and how much went with them. */
export interface Pruned {
  /** ISO dates (YYYY-MM-DD) of the days dropped, ascending. */
  days: string[];
  sessions: number;
  requests: number;
  /** The first day kept. */
  keptFrom: string;
}

/** The first day retention keeps, or null when nothing is stored. */
export function cutoffDay(newestMs: number | null, retention: Retention, nowMs: number): number | null {
  const anchor = retention.anchor === 'clock' ? nowMs : newestMs;
  if (anchor === null || !Number.isFinite(anchor)) return null;
  return dayOf(anchor) - retention.days + 1;
}

/** The latest session end, or null. */
export function newestEnd(sessions: SessionColumns | null): number | null {
  if (!sessions || sessions.count === 0) return null;
  let m = -Infinity;
  for (let i = 0; i < sessions.count; i++) if (sessions.end[i] > m) m = sessions.end[i];
  return m;
}

/** What the commit writes, and after it: the held table as a load would give it back. */
export type Plan = CommitPlan & {
  pruned: Pruned | null;
  /**
   * The held table the session days make, end to end, as a load gives it back: for the caller to
   * hold without reading back what the commit wrote. Call it once, after the commit: it takes the
   * day blocks' place (their arrays are detached as they are copied).
   */
  table(): SessionColumns | null;
};

export function planCommit(stored: Stored, fresh: Fresh, nowMs: number): Plan {
  const { inactivityMs } = stored.settings;
  const merged = stored.sessions ? mergeSessions(stored.sessions, fresh.sessions, { inactivityMs }) : fresh.sessions;
  // A table made here, or one its maker gave away (the core's), is cut into the day blocks in its
  // place; the import's own table is done with once merged.
  const consume = merged !== fresh.sessions || isDisposable(fresh.sessions);
  if (merged !== fresh.sessions && isDisposable(fresh.sessions)) releaseColumns(fresh.sessions);
  const cutoff = cutoffDay(newestEnd(merged), stored.retention, nowMs);
  // endpoint statistics of the days the import touched, added to what those days had
  const touched: EndpointDay[] = [];
  for (const [day, drafts] of fresh.endpointDays) {
    const before = stored.endpointDays.get(day);
    const stats = sumEndpoints([before ?? [], endpointList(drafts)]);
    // a day stored without its traffic stays without: a part of it would read as the whole
    const add = fresh.traffic?.get(day);
    const had = stored.traffic?.get(day);
    touched.push(add && (had || !before) ? { day, stats, traffic: sumTraffic(had, add) } : { day, stats });
  }
  const dayOfRow = new Float64Array(merged.count);
  for (let i = 0; i < merged.count; i++) dayOfRow[i] = dayOf(merged.end[i]);
  let pruned: Pruned | null = null;
  if (cutoff !== null) {
    const days = new Set<number>();
    let sessions = 0;
    for (let i = 0; i < merged.count; i++) {
      if (dayOfRow[i] >= cutoff) continue;
      days.add(dayOfRow[i]);
      sessions++;
    }
    let requests = 0;
    const allDays = new Map([...stored.endpointDays, ...touched.map((d) => [d.day, d.stats] as const)]);
    for (const [day, stats] of allDays) {
      if (day >= cutoff) continue;
      days.add(day);
      for (const e of stats) requests += e.requests;
    }
    if (days.size > 0) pruned = { days: [...days].sort((a, b) => a - b).map(isoDay), sessions, requests, keptFrom: isoDay(cutoff) };
  }
  // The rows kept, in the order the worker holds them: day blocks ascending, each in merged order.
  let n = 0;
  for (let i = 0; i < merged.count; i++) if (cutoff === null || dayOfRow[i] >= cutoff) n++;
  const rows = new Uint32Array(n);
  for (let i = 0, k = 0; i < merged.count; i++) if (cutoff === null || dayOfRow[i] >= cutoff) rows[k++] = i;
  rows.sort((a, b) => dayOfRow[a] - dayOfRow[b] || a - b);
  const endpointDays = touched.filter((d) => cutoff === null || d.day >= cutoff);
  if (n === 0) return { sessionDays: [], endpointDays, held: null, orders: null, cutoffDay: cutoff, pruned, table: () => null };
  // scored among themselves, as a table of the kept rows alone would be
  const scores = scoreRows(merged, rows);
  const bounds = partBounds(rows, dayOfRow);
  const view = orderView(merged, rows, scores);
  const blocks = cutSessions(merged, rows, bounds, consume).map((b, i) => withScores(compactTables(b, true), scores, bounds[i], bounds[i + 1]));
  let orders: Orders | undefined;
  return {
    sessionDays: blocks.map((sessions, i) => ({ day: partKey(rows, dayOfRow, bounds, i), count: sessions.count, sessions })),
    endpointDays,
    held: { count: n, baseline: scores.baseline },
    // made when first read, which the commit does after writing the day blocks: their writes are
    // the peak of the import's memory, and the sorts' scratch is not added to it
    get orders(): Orders {
      if (!orders) {
        orders = computeOrders(view);
        detach([view.start, view.end, view.requests, view.ip].map((a) => a.buffer));
      }
      return orders;
    },
    cutoffDay: cutoff,
    pruned,
    table: () => {
      const table = concatSessions(blocks, true);
      table.baseline = { ...scores.baseline };
      return table;
    }
  };
}

/**
 * Sessions per stored record at most (about 11 MB): IndexedDB holds ~3× a value while it writes it
 * (its serialisation, and a copy handed to the browser), so a day of more sessions is written as
 * several records, keyed day + k/PARTS for its part k (schema.ts).
 */
export const PART_SESSIONS = 32_768;
const PARTS = 1024;

/** Where the records of the kept rows (held order) start and end: at each new day, and every PART_SESSIONS rows of one. */
function partBounds(rows: Uint32Array, dayOfRow: Float64Array): number[] {
  const bounds = [0];
  for (let a = 0; a < rows.length; ) {
    let b = a + 1;
    while (b < rows.length && dayOfRow[rows[b]] === dayOfRow[rows[a]]) b++;
    const parts = Math.min(PARTS, Math.ceil((b - a) / PART_SESSIONS));
    for (let k = 1; k <= parts; k++) bounds.push(a + Math.round(((b - a) * k) / parts));
    a = b;
  }
  return bounds;
}

/** The key of record i: its day, plus k/PARTS for the day's part k. */
function partKey(rows: Uint32Array, dayOfRow: Float64Array, bounds: number[], i: number): number {
  const day = dayOfRow[rows[bounds[i]]];
  let k = 0;
  while (i - k > 0 && dayOfRow[rows[bounds[i - k - 1]]] === day) k++;
  return day + k / PARTS;
}

/** Rows a..b of `scores` as the labels, risk and baseline of `cols` (its rows in that order). */
function withScores(cols: SessionColumns, scores: Scores, a: number, b: number): SessionColumns {
  cols.labelBits.set(scores.labelBits.subarray(a, b));
  cols.risk.set(scores.risk.subarray(a, b));
  cols.baseline = { ...scores.baseline };
  return cols;
}

/** The columns the orders of the held table read (its rows in held order), not a copy of it. */
function orderView(cols: SessionColumns, rows: Uint32Array, scores: Scores) {
  const n = rows.length;
  const view = { count: n, id: new Array<string>(n), start: new Float64Array(n), end: new Float64Array(n), requests: new Uint32Array(n), ip: new Uint32Array(n), ips: cols.ips, risk: scores.risk };
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    view.id[k] = cols.id[i];
    view.start[k] = cols.start[i];
    view.end[k] = cols.end[i];
    view.requests[k] = cols.requests[i];
    view.ip[k] = cols.ip[i];
  }
  return view;
}

/**
 * Day blocks end to end, scored against the whole (labels judged against the dataset's baseline):
 * the table the worker holds, in the row order a load gives back.
 */
export function heldOf(days: SessionColumns[]): SessionColumns {
  return scoreSessions(concatSessions(days));
}

/** The endpoint statistics of every stored day as one list, against the held sessions. */
export function heldEndpoints(days: EndpointDay[], sessions: SessionColumns | null): EndpointStats[] {
  return finishEndpoints(sumEndpoints(days.map((d) => d.stats)), sessions);
}

export function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
