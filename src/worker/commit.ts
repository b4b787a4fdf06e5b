// What an import's last transaction writes, computed from what is stored and what the import read:
// sessions merged (SPEC §2 order independence), cut by retention (SPEC §4), split into day blocks,
// with their orders; endpoint statistics per day. Pure and synchronous: it runs inside the commit
// transaction (store.ts commitImport).
import { endpointList, type EndpointDraft } from '../lib/core/request-rows';
import { mergeSessions, finishEndpoints, sumEndpoints } from '../lib/core/merge';
import { scoreSessions } from '../lib/core/labels';
import { concatSessions, dayOf, pickSessions, splitByEndDay } from '../lib/core/session-rows';
import type { EndpointStats, SessionColumns } from '../lib/core/types';
import { computeOrders } from '../lib/storage/orders';
import type { CommitPlan, EndpointDay, Retention, Stored } from '../lib/storage/store';

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
  let kept = merged;
  let pruned: Pruned | null = null;
  if (cutoff !== null) {
    const rows: number[] = [];
    for (let i = 0; i < merged.count; i++) if (dayOf(merged.end[i]) >= cutoff) rows.push(i);
    const days = new Set<number>();
    for (let i = 0; i < merged.count; i++) if (dayOf(merged.end[i]) < cutoff) days.add(dayOf(merged.end[i]));
    let requests = 0;
    const allDays = new Map([...stored.endpointDays, ...touched.map((d) => [d.day, d.stats] as const)]);
    for (const [day, stats] of allDays) {
      if (day >= cutoff) continue;
      days.add(day);
      for (const e of stats) requests += e.requests;
    }
    if (days.size > 0) {
      pruned = { days: [...days].sort((a, b) => a - b).map(isoDay), sessions: merged.count - rows.length, requests, keptFrom: isoDay(cutoff) };
      kept = pickSessions(merged, rows);
    }
  }
  const held = kept.count > 0 ? heldOf(splitByEndDay(kept).map((d) => d.sessions)) : null;
  return {
    sessionDays: held ? splitByEndDay(held).map(({ day, sessions }) => ({ day, count: sessions.count, sessions })) : [],
    endpointDays: touched.filter((d) => cutoff === null || d.day >= cutoff),
    held,
    orders: held ? computeOrders(held) : null,
    cutoffDay: cutoff,
    pruned
  };
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
