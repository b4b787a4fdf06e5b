// What the session detail draws beside its request table (SPEC §5): the distributions of its
// requests (attack types, IPs, methods, status codes, endpoints) and their timeline, made in one
// pass over the gathered requests; and the actor's other sessions (same grouping key value).
import type { SessionColumns } from '../lib/core/types';
import { ATTACK_TYPES } from '../lib/core/types';
import type { Gathered } from './session-requests';

/** One value of a distribution and how many of the session's stored requests have it. */
export interface Share {
  value: string;
  count: number;
}

/** Values listed per distribution, most frequent first; the rest are summed in `other`. */
export const TOP_VALUES = 10;

export interface Distribution {
  top: Share[];
  /** Requests with a value not in `top`. */
  other: number;
  /** Distinct values. */
  distinct: number;
}

export interface Distributions {
  attacks: Distribution;
  ips: Distribution;
  methods: Distribution;
  statuses: Distribution;
  endpoints: Distribution;
}

/** The requests by time: the timeline chart's points (columns, so a long session is one small clone). */
export interface Timeline {
  time: Float64Array;
  /** ms; NaN when not logged. */
  duration: Float32Array;
  status: Uint16Array;
}

export interface SessionProfile {
  /** The session's stored requests the figures are of. */
  requests: number;
  distributions: Distributions;
  timeline: Timeline;
}

/** The distributions and timeline of a session's gathered requests. */
export function profileOf(g: Gathered): SessionProfile {
  const n = g.order.length / 2;
  const counts = { attacks: new Map<string, number>(), ips: new Map<string, number>(), methods: new Map<string, number>(), statuses: new Map<string, number>(), endpoints: new Map<string, number>() };
  const add = (m: Map<string, number>, v: string) => m.set(v, (m.get(v) ?? 0) + 1);
  const timeline: Timeline = { time: new Float64Array(n), duration: new Float32Array(n), status: new Uint16Array(n) };
  for (let k = 0; k < n; k++) {
    const r = g.parts[g.order[2 * k]].requests;
    const i = g.order[2 * k + 1];
    const endpoint = r.dict.endpoints[r.endpoint[i]] ?? '';
    const sp = endpoint.indexOf(' ');
    add(counts.endpoints, endpoint);
    add(counts.methods, sp < 0 ? '' : endpoint.slice(0, sp));
    add(counts.ips, r.dict.ips[r.ip[i]] ?? '');
    add(counts.statuses, String(r.status[i]));
    for (let b = 0; b < ATTACK_TYPES.length; b++) if (r.attacks[i] & (1 << b)) add(counts.attacks, ATTACK_TYPES[b]);
    timeline.time[k] = r.time[i];
    timeline.duration[k] = r.duration[i];
    timeline.status[k] = r.status[i];
  }
  const dist = (m: Map<string, number>): Distribution => {
    const all = [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const top = all.slice(0, TOP_VALUES);
    return { top, other: all.slice(TOP_VALUES).reduce((s, e) => s + e.count, 0), distinct: all.length };
  };
  return {
    requests: n,
    distributions: { attacks: dist(counts.attacks), ips: dist(counts.ips), methods: dist(counts.methods), statuses: dist(counts.statuses), endpoints: dist(counts.endpoints) },
    timeline
  };
}

/** The actor's sessions (same key kind and value), by start, and where this one is among them. */
export interface ActorSessions {
  /** This session's place, 0-based, among `count`. */
  index: number;
  count: number;
  prev: string | null;
  next: string | null;
}

/** One pass over the held table: the sessions of row `row`'s actor, ordered by start (then id). */
export function actorSessions(cols: SessionColumns, row: number): ActorSessions {
  const kind = cols.keyKind[row];
  const hash = cols.keyHash[row];
  const rows: number[] = [];
  for (let i = 0; i < cols.count; i++) if (cols.keyKind[i] === kind && cols.keyHash[i] === hash) rows.push(i);
  rows.sort((a, b) => cols.start[a] - cols.start[b] || (cols.id[a] < cols.id[b] ? -1 : cols.id[a] > cols.id[b] ? 1 : 0));
  const index = rows.indexOf(row);
  return {
    index,
    count: rows.length,
    prev: index > 0 ? cols.id[rows[index - 1]] : null,
    next: index + 1 < rows.length ? cols.id[rows[index + 1]] : null
  };
}
