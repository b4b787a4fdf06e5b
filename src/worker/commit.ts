// What an import's last transaction writes, computed from what is stored and what the import read:
// sessions merged (SPEC §2 order independence), cut by retention (SPEC §4), split into day blocks,
// with their orders; endpoint statistics per day. Pure and synchronous: it runs inside the commit
// transaction (store.ts commitImport). Lean on memory: the merged sessions are not copied whole
// again; each day block is made when the commit writes it, then is garbage.
import { endpointList, type EndpointDraft } from '../lib/core/request-rows';
import { mergeSessions, finishEndpoints, sumEndpoints } from '../lib/core/merge';
import { scoreRows, scoreSessions, type Scores } from '../lib/core/labels';
import { compactTables, concatSessions, dayOf, pickSessions } from '../lib/core/session-rows';
import type { EndpointStats, SessionColumns } from '../lib/core/types';
import { computeOrders, type OrderColumns } from '../lib/storage/orders';
import type { CommitPlan, EndpointDay, Retention, SessionDay, Stored } from '../lib/storage/store';

/** What the import read: its sessions, and its endpoint statistics by day of request. */
export interface Fresh {
  sessions: SessionColumns;
  endpointDays: Map<number, Map<string, EndpointDraft>>;
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

export function planCommit(stored: Stored, fresh: Fresh, nowMs: number): CommitPlan & { pruned: Pruned | null } {
  const { inactivityMs } = stored.settings;
  const merged = stored.sessions ? mergeSessions(stored.sessions, fresh.sessions, { inactivityMs }) : fresh.sessions;
  const cutoff = cutoffDay(newestEnd(merged), stored.retention, nowMs);
  // endpoint statistics of the days the import touched, added to what those days had
  const touched: EndpointDay[] = [];
  for (const [day, drafts] of fresh.endpointDays) {
    const before = stored.endpointDays.get(day) ?? [];
    touched.push({ day, stats: sumEndpoints([before, endpointList(drafts)]) });
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
  // Nothing is copied whole: the day blocks are made one at a time as the commit writes them.
  let n = 0;
  for (let i = 0; i < merged.count; i++) if (cutoff === null || dayOfRow[i] >= cutoff) n++;
  const rows = new Uint32Array(n);
  for (let i = 0, k = 0; i < merged.count; i++) if (cutoff === null || dayOfRow[i] >= cutoff) rows[k++] = i;
  rows.sort((a, b) => dayOfRow[a] - dayOfRow[b] || a - b);
  const endpointDays = touched.filter((d) => cutoff === null || d.day >= cutoff);
  if (n === 0) return { sessionDays: [], endpointDays, held: null, orders: null, cutoffDay: cutoff, pruned };
  // scored among themselves, as a table of the kept rows alone would be
  const scores = scoreRows(merged, rows);
  return {
    sessionDays: dayBlocks(merged, rows, dayOfRow, scores),
    endpointDays,
    held: { count: n, baseline: scores.baseline },
    orders: computeOrders(heldView(merged, rows, scores)),
    cutoffDay: cutoff,
    pruned
  };
}

/** The day blocks of `rows` (grouped by day, ascending), each made when the iteration reaches it. */
function* dayBlocks(cols: SessionColumns, rows: Uint32Array, dayOfRow: Float64Array, scores: Scores): Generator<SessionDay> {
  for (let a = 0; a < rows.length; ) {
    const day = dayOfRow[rows[a]];
    let b = a + 1;
    while (b < rows.length && dayOfRow[rows[b]] === day) b++;
    const sessions = compactTables(pickSessions(cols, rows.subarray(a, b)), true);
    sessions.labelBits.set(scores.labelBits.subarray(a, b));
    sessions.risk.set(scores.risk.subarray(a, b));
    sessions.baseline = { ...scores.baseline };
    yield { day, count: b - a, sessions };
    a = b;
  }
}

/** What the orders of the held table read, for the rows in held order: a few columns, not a copy. */
function heldView(cols: SessionColumns, rows: Uint32Array, scores: Scores): OrderColumns {
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
