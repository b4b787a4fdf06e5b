// Row operations on request blocks, and the per-day endpoint statistics the storage keeps beside
// them (so that dropping a day drops its requests from the endpoint figures too).
import type { RequestColumns } from './requests';
import { dayOf } from './session-rows';
import { GAMMA, MIN_MS, type Sketch } from './sketch';
import { ATTACK_TYPES, STATUS_CLASSES, type EndpointStats } from './types';

/** The given rows of a block, in that order, sharing its dictionaries. */
export function pickRequests(r: RequestColumns, rows: ArrayLike<number>): RequestColumns {
  const n = rows.length;
  const take = <T extends Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array>(src: T, make: (n: number) => T): T => {
    const out = make(n);
    for (let k = 0; k < n; k++) out[k] = src[rows[k]];
    return out;
  };
  const keyHash = new Uint32Array(2 * n);
  for (let k = 0; k < n; k++) {
    keyHash[2 * k] = r.keyHash[2 * rows[k]];
    keyHash[2 * k + 1] = r.keyHash[2 * rows[k] + 1];
  }
  const bytesOf = (arena: Uint8Array, ends: Uint32Array) => {
    let size = 0;
    for (let k = 0; k < n; k++) size += ends[rows[k]] - (rows[k] === 0 ? 0 : ends[rows[k] - 1]);
    const out = new Uint8Array(size);
    const outEnds = new Uint32Array(n);
    let at = 0;
    for (let k = 0; k < n; k++) {
      const i = rows[k];
      const from = i === 0 ? 0 : ends[i - 1];
      out.set(arena.subarray(from, ends[i]), at);
      at += ends[i] - from;
      outEnds[k] = at;
    }
    return [out, outEnds] as const;
  };
  const [target, targetEnd] = bytesOf(r.target, r.targetEnd);
  const [referrer, referrerEnd] = bytesOf(r.referrer, r.referrerEnd);
  return {
    count: n,
    time: take(r.time, (m) => new Float64Array(m)),
    keyKind: take(r.keyKind, (m) => new Uint8Array(m)),
    keyHash,
    ip: take(r.ip, (m) => new Uint32Array(m)),
    userAgent: take(r.userAgent, (m) => new Uint32Array(m)),
    user: take(r.user, (m) => new Uint32Array(m)),
    host: take(r.host, (m) => new Uint32Array(m)),
    endpoint: take(r.endpoint, (m) => new Uint32Array(m)),
    status: take(r.status, (m) => new Uint16Array(m)),
    bytes: take(r.bytes, (m) => new Float64Array(m)),
    duration: take(r.duration, (m) => new Float32Array(m)),
    attacks: take(r.attacks, (m) => new Uint16Array(m)),
    file: take(r.file, (m) => new Uint16Array(m)),
    line: take(r.line, (m) => new Uint32Array(m)),
    target,
    targetEnd,
    referrer,
    referrerEnd,
    dict: r.dict,
    ...(r.context ? { context: { names: r.context.names, values: r.context.values.map((v) => take(v, (m) => new Uint32Array(m))), dict: r.context.dict } } : {})
  };
}

/** A block cut by the UTC day of its requests, days ascending (the block itself when it is one day). */
export function splitRequestsByDay(r: RequestColumns): { day: number; requests: RequestColumns }[] {
  if (r.count === 0) return [];
  const first = dayOf(r.time[0]);
  let oneDay = true;
  for (let i = 1; i < r.count && oneDay; i++) oneDay = dayOf(r.time[i]) === first;
  if (oneDay) return [{ day: first, requests: r }];
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < r.count; i++) {
    const d = dayOf(r.time[i]);
    let rows = byDay.get(d);
    if (!rows) byDay.set(d, (rows = []));
    rows.push(i);
  }
  return [...byDay.keys()].sort((a, b) => a - b).map((day) => ({ day, requests: pickRequests(r, byDay.get(day)!) }));
}

const LOG_GAMMA = Math.log(GAMMA);
const SKETCH_BUCKETS = 512;

/** The latency bucket of a duration, as assembly/endpoints.ts counts it. */
export function sketchBucket(ms: number): number {
  const b = ms < MIN_MS ? 0 : 1 + Math.floor(Math.log(ms / MIN_MS) / LOG_GAMMA);
  return Math.min(b, SKETCH_BUCKETS - 1);
}

/**
 * Endpoint statistics of some requests, adding to `into` (by endpoint). `sessions`, the percentiles
 * and the risk are left for mergeEndpoints to fill from the stored sessions and the sketch.
 */
export function addEndpointStats(into: Map<string, EndpointDraft>, r: RequestColumns): Map<string, EndpointDraft> {
  const stats: (EndpointDraft | undefined)[] = [];
  for (let i = 0; i < r.count; i++) {
    const e = r.endpoint[i];
    let s = stats[e];
    if (!s) {
      const name = r.dict.endpoints[e];
      s = into.get(name);
      if (!s) into.set(name, (s = emptyStats(name)));
      stats[e] = s;
    }
    s.requests++;
    s.bytes += r.bytes[i];
    const st = r.status[i];
    const c = st >= 100 && st < 600 ? STATUS_CLASSES[Math.floor(st / 100) - 1] : 'other';
    s.status[c]++;
    const d = r.duration[i];
    if (d === d) {
      const b = sketchBucket(d);
      s.sketch[b] = (s.sketch[b] ?? 0) + 1;
    }
    const bits = r.attacks[i];
    if (bits) for (let k = 0; k < ATTACK_TYPES.length; k++) if (bits & (1 << k)) s.attacks[ATTACK_TYPES[k]]++;
    const iso = r.time[i];
    if (iso < s.firstMs) s.firstMs = iso;
    if (iso > s.lastMs) s.lastMs = iso;
  }
  return into;
}

/** Finished per-day statistics (first/last seen as ISO), by requests. */
export function endpointList(stats: Map<string, EndpointDraft>): EndpointStats[] {
  return [...stats.values()]
    .map(({ firstMs, lastMs, ...e }) => ({ ...e, firstSeen: new Date(firstMs).toISOString(), lastSeen: new Date(lastMs).toISOString() }))
    .sort((x, y) => y.requests - x.requests || (x.endpoint < y.endpoint ? -1 : 1));
}

/** Statistics being added up: first and last seen as ms until endpointList. */
export type EndpointDraft = EndpointStats & { firstMs: number; lastMs: number };

function emptyStats(endpoint: string): EndpointDraft {
  const sp = endpoint.indexOf(' ');
  return {
    endpoint,
    method: sp < 0 ? '' : endpoint.slice(0, sp),
    path: sp < 0 ? endpoint : endpoint.slice(sp + 1),
    requests: 0,
    sessions: 0,
    status: Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0])) as EndpointStats['status'],
    bytes: 0,
    p50: null,
    p95: null,
    p99: null,
    firstSeen: '',
    lastSeen: '',
    sketch: {} as Sketch,
    attacks: Object.fromEntries(ATTACK_TYPES.map((t) => [t, 0])) as EndpointStats['attacks'],
    risk: 0,
    firstMs: Infinity,
    lastMs: -Infinity
  };
}
