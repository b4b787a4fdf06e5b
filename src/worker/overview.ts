// The overview's figures (SPEC §5), computed in the worker from what it holds: the session table
// (one pass over its columns) and the stored endpoint figures and requests per minute of each day
// (core/traffic.ts) — never by reading requests back from the store. Linear in sessions and days.
import { mergeSketches, quantile, type Sketch } from '../lib/core/sketch';
import { MINUTES } from '../lib/core/traffic';
import { DAY_MS, dayOf } from '../lib/core/session-rows';
import { ATTACK_TYPES, STATUS_CLASSES, type AttackType, type EndpointStats, type SessionColumns } from '../lib/core/types';
import type { EndpointDay } from '../lib/storage/store';

export type StatusClass = (typeof STATUS_CLASSES)[number];

/** A session among the top actors. */
export interface SessionBrief {
  id: string;
  ip: string;
  userAgent: string;
  start: number;
  requests: number;
  risk: number;
}

export interface ActorIp {
  ip: string;
  sessions: number;
  requests: number;
  attacks: number;
  /** The highest risk of its sessions. */
  risk: number;
}

export interface LatencyFigures {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Requests with a logged duration. */
  timed: number;
}

export interface Overview {
  /** The window shown, UTC ms (the data's own span when the filter sets none). */
  from: number;
  to: number;
  /** True when a time window of the sessions filter narrowed it. */
  windowed: boolean;
  /** Width of a time bucket, ms: adapted to the span (at most MAX_BUCKETS of them). */
  bucketMs: number;
  /** Start of each bucket, UTC ms. */
  times: number[];
  /** Sessions that started in each bucket (those that began before the window: in the first). */
  sessions: number[];
  /** Requests in each bucket, in all and by status class. */
  requests: number[];
  status: Record<StatusClass, number[]>;
  /** Some days had no requests per minute stored (imported before they were counted): their requests are placed at their session's start. */
  estimated: boolean;
  totals: {
    sessions: number;
    requests: number;
    bytes: number;
    /** Distinct first IPs of the sessions. */
    ips: number;
    endpoints: number;
    attackRequests: number;
    attackedSessions: number;
    status: Record<StatusClass, number>;
  };
  /** Per attack type (ATTACK_TYPES order): attack requests, and sessions with any. */
  attacks: { type: AttackType; requests: number; sessions: number }[];
  topIps: ActorIp[];
  topByRequests: SessionBrief[];
  topByRisk: SessionBrief[];
  latency: { overall: LatencyFigures | null; endpoints: (LatencyFigures & { endpoint: string; requests: number })[] };
}

/** Buckets at most: a chart a laptop screen wide still shows each one. */
export const MAX_BUCKETS = 240;
const MINUTE = 60_000;
/** Bucket widths to choose from, each a whole number of minutes (the traffic's resolution). */
export const BUCKET_SIZES = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 10080].map((m) => m * MINUTE);
/** Rows in each "top" list. */
export const TOP = 10;

/** The smallest bucket width that cuts [from, to] into at most MAX_BUCKETS. */
export function bucketSize(from: number, to: number): number {
  const span = Math.max(0, to - from);
  return BUCKET_SIZES.find((s) => Math.floor(to / s) - Math.floor(from / s) + 1 <= MAX_BUCKETS) ?? Math.ceil(span / MAX_BUCKETS / DAY_MS) * DAY_MS;
}

/** The overview of the sessions overlapping [from, to] (±Infinity: the data's own span). */
export function computeOverview(cols: SessionColumns | null, days: readonly EndpointDay[], window: { from: number; to: number } = { from: -Infinity, to: Infinity }): Overview {
  const n = cols?.count ?? 0;
  // the data's own span, narrowed by the window
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (cols!.end[i] < window.from || cols!.start[i] > window.to) continue;
    if (cols!.start[i] < lo) lo = cols!.start[i];
    if (cols!.end[i] > hi) hi = cols!.end[i];
  }
  const windowed = Number.isFinite(window.from) || Number.isFinite(window.to);
  const from = Math.max(lo, window.from);
  const to = Math.min(hi, window.to);
  const empty = !(from <= to);
  const size = empty ? MINUTE : bucketSize(from, to);
  const first = empty ? 0 : Math.floor(from / size);
  const count = empty ? 0 : Math.floor(to / size) - first + 1;
  const bucket = (t: number) => Math.min(count - 1, Math.max(0, Math.floor(t / size) - first));

  // counted in typed arrays (a million sessions: no property lookups in the loop), made plain at the end
  const C = STATUS_CLASSES.length;
  const T = ATTACK_TYPES.length;
  const started = new Float64Array(count);
  const reqs = new Float64Array(count);
  const byClass = new Float64Array(count * C);
  const classTotals = new Float64Array(C);
  const attackRequests = new Float64Array(T);
  const attackSessions = new Float64Array(T);
  let sessionCount = 0;
  let requestTotal = 0;
  let byteTotal = 0;
  let attackTotal = 0;
  let attacked = 0;

  // days in the window with requests per minute stored; the others are estimated from sessions
  const traffic = new Map(days.filter((d) => d.traffic).map((d) => [d.day, d.traffic!]));
  const firstDay = empty ? 0 : dayOf(from);
  const lastDay = empty ? -1 : dayOf(to);
  let estimated = false;

  const ipRequests = new Float64Array(cols?.ips.length ?? 0);
  const ipSessions = new Uint32Array(ipRequests.length);
  const ipAttacks = new Float64Array(ipRequests.length);
  const ipRisk = new Uint8Array(ipRequests.length);
  const byRequests = new TopK(TOP);
  const byRisk = new TopK(TOP);
  // rows are by start: the day of the last row, and whether it has stored minutes, are reused
  let lastStartDay = NaN;
  let noTraffic = false;
  for (let i = 0; i < n && !empty; i++) {
    const c = cols!;
    if (c.end[i] < from || c.start[i] > to) continue;
    const r = c.requests[i];
    sessionCount++;
    requestTotal += r;
    byteTotal += c.bytes[i];
    const b = bucket(c.start[i]);
    started[b]++;
    const d = dayOf(c.start[i]);
    if (d !== lastStartDay) {
      lastStartDay = d;
      noTraffic = !traffic.has(d);
    }
    if (noTraffic) {
      estimated = true;
      reqs[b] += r;
      for (let k = 0; k < C; k++) byClass[b * C + k] += c.status[i * C + k];
    }
    for (let k = 0; k < C; k++) classTotals[k] += c.status[i * C + k];
    let att = 0;
    for (let k = 0; k < T; k++) {
      const v = c.attacks[i * T + k];
      if (v === 0) continue;
      attackRequests[k] += v;
      attackSessions[k]++;
      att += v;
    }
    attackTotal += att;
    if (att > 0) attacked++;
    const ip = c.ip[i];
    ipRequests[ip] += r;
    ipSessions[ip]++;
    ipAttacks[ip] += att;
    const risk = c.risk[i];
    if (risk > ipRisk[ip]) ipRisk[ip] = risk;
    byRequests.offer(i, r, risk);
    byRisk.offer(i, risk, r);
  }
  for (let d = firstDay; d <= lastDay; d++) {
    const t = traffic.get(d);
    if (!t) continue;
    for (let m = 0; m < MINUTES; m++) {
      const at = d * DAY_MS + m * MINUTE;
      if (at + MINUTE <= from || at > to) continue;
      const b = bucket(at);
      for (let k = 0; k < C; k++) {
        const v = t[m * C + k];
        reqs[b] += v;
        byClass[b * C + k] += v;
      }
    }
  }
  const sessions = Array.from(started);
  const requests = Array.from(reqs);
  const status = Object.fromEntries(STATUS_CLASSES.map((c, k) => [c, Array.from({ length: count }, (_, b) => byClass[b * C + k])])) as Overview['status'];
  const totals: Overview['totals'] = {
    sessions: sessionCount,
    requests: requestTotal,
    bytes: byteTotal,
    ips: 0,
    endpoints: 0,
    attackRequests: attackTotal,
    attackedSessions: attacked,
    status: Object.fromEntries(STATUS_CLASSES.map((c, k) => [c, classTotals[k]])) as Overview['totals']['status']
  };
  const attacks = ATTACK_TYPES.map((type, k) => ({ type, requests: attackRequests[k], sessions: attackSessions[k] }));

  const ipTop = new TopK(TOP);
  for (let k = 0; k < ipSessions.length; k++) {
    if (ipSessions[k] === 0) continue;
    totals.ips++;
    ipTop.offer(k, ipRequests[k], ipRisk[k]);
  }
  const brief = (i: number): SessionBrief => ({ id: cols!.id[i], ip: cols!.ips[cols!.ip[i]], userAgent: cols!.userAgents[cols!.userAgent[i]], start: cols!.start[i], requests: cols!.requests[i], risk: cols!.risk[i] });

  // endpoint figures of the days in the window: latency and the endpoint count
  const perEndpoint = new Map<string, { requests: number; sketch: Sketch }>();
  let overall: Sketch = {};
  for (const d of days) {
    if (empty || d.day < firstDay || d.day > lastDay) continue;
    for (const e of d.stats) addLatency(perEndpoint, e);
  }
  for (const e of perEndpoint.values()) overall = mergeSketches(overall, e.sketch);
  totals.endpoints = perEndpoint.size;
  const latencyOf = (s: Sketch): LatencyFigures => ({ p50: quantile(s, 0.5), p95: quantile(s, 0.95), p99: quantile(s, 0.99), timed: Object.values(s).reduce((a, b) => a + b, 0) });
  const topEndpoints = [...perEndpoint.entries()]
    .filter(([, e]) => Object.keys(e.sketch).length > 0)
    .sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP)
    .map(([endpoint, e]) => ({ endpoint, requests: e.requests, ...latencyOf(e.sketch) }));
  const overallFigures = latencyOf(overall);

  return {
    from: empty ? 0 : from,
    to: empty ? 0 : to,
    windowed,
    bucketMs: size,
    times: Array.from({ length: count }, (_, k) => (first + k) * size),
    sessions,
    requests,
    status,
    estimated,
    totals,
    attacks,
    topIps: ipTop.indices().map((k) => ({ ip: cols!.ips[k], sessions: ipSessions[k], requests: ipRequests[k], attacks: ipAttacks[k], risk: ipRisk[k] })),
    topByRequests: byRequests.indices().map(brief),
    topByRisk: byRisk.indices().map(brief),
    latency: { overall: overallFigures.timed > 0 ? overallFigures : null, endpoints: topEndpoints }
  };
}

function addLatency(into: Map<string, { requests: number; sketch: Sketch }>, e: EndpointStats): void {
  const cur = into.get(e.endpoint);
  if (!cur) into.set(e.endpoint, { requests: e.requests, sketch: e.sketch ?? {} });
  else {
    cur.requests += e.requests;
    cur.sketch = mergeSketches(cur.sketch, e.sketch ?? {});
  }
}

/** The k best of a stream by (score, then tie), first offered first among equals: one pass, k small. */
class TopK {
  #k: number;
  #rows: { i: number; score: number; tie: number }[] = [];
  constructor(k: number) {
    this.#k = k;
  }
  offer(i: number, score: number, tie: number): void {
    const rows = this.#rows;
    if (rows.length === this.#k) {
      const last = rows[rows.length - 1];
      if (score < last.score || (score === last.score && tie <= last.tie)) return;
    }
    let at = rows.length;
    while (at > 0 && (rows[at - 1].score < score || (rows[at - 1].score === score && rows[at - 1].tie < tie))) at--;
    rows.splice(at, 0, { i, score, tie });
    if (rows.length > this.#k) rows.pop();
  }
  indices(): number[] {
    return this.#rows.map((r) => r.i);
  }
}
