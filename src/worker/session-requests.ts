// The requests of one stored session (SPEC §5 session detail, §3 evidence): those of its key whose
// time lies in [start, end], gathered from the request blocks of its days. Blocks are read one at a
// time and only the session's rows are kept, so a long day never sits in memory whole.
import { pickRequests } from '../lib/core/request-rows';
import { contextAt, keyHashAt, referrerAt, targetAt, type RequestColumns } from '../lib/core/requests';
import { dayOf } from '../lib/core/session-rows';
import { ATTACK_TYPES, KEY_KINDS, type AttackType, type Session } from '../lib/core/types';
import type { Store } from '../lib/storage/store';
import { eachRequestBlock } from '../lib/storage/store';
import type { RequestFilter, RequestRow } from './api';

/** A session's requests, by time: parts (one per block read) and the order across them. */
export interface Gathered {
  parts: { requests: RequestColumns; importId: number }[];
  /** Pairs (part, row) by time, ties in reading order. */
  order: Uint32Array;
}

export async function gatherRequests(db: Store, session: Pick<Session, 'key' | 'keyHash' | 'start' | 'end'>, complete: Set<number>): Promise<Gathered> {
  const kind = KEY_KINDS.indexOf(session.key);
  const parts: Gathered['parts'] = [];
  await eachRequestBlock(db, dayOf(session.start), dayOf(session.end), complete, (r, _day, importId) => {
    const rows: number[] = [];
    for (let i = 0; i < r.count; i++) {
      const t = r.time[i];
      if (t < session.start || t > session.end || r.keyKind[i] !== kind) continue;
      if (keyHashAt(r, i) === session.keyHash) rows.push(i);
    }
    if (rows.length) parts.push({ requests: pickRequests(r, rows), importId });
  });
  const pairs: [number, number, number][] = [];
  parts.forEach((p, k) => {
    for (let i = 0; i < p.requests.count; i++) pairs.push([p.requests.time[i], k, i]);
  });
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const order = new Uint32Array(pairs.length * 2);
  pairs.forEach(([, k, i], n) => {
    order[2 * n] = k;
    order[2 * n + 1] = i;
  });
  return { parts, order };
}

/** Positions in `g.order` of the requests that pass the filter (all when there is none). */
export function filterRequests(g: Gathered, f: RequestFilter | undefined): number[] {
  const out: number[] = [];
  const n = g.order.length / 2;
  const cls = f?.statusClass ? Number(f.statusClass[0]) : 0;
  const type = f?.attack ? ATTACK_TYPES.indexOf(f.attack as AttackType) : -1;
  if (f?.attack && type < 0) return out; // an unknown type matches nothing
  const attackBit = type < 0 ? 0 : 1 << type;
  for (let k = 0; k < n; k++) {
    const r = g.parts[g.order[2 * k]].requests;
    const i = g.order[2 * k + 1];
    if (f?.attacksOnly && r.attacks[i] === 0) continue;
    if (cls && Math.floor(r.status[i] / 100) !== cls) continue;
    if (f?.endpoint && r.dict.endpoints[r.endpoint[i]] !== f.endpoint) continue;
    if (f?.statuses?.length && !f.statuses.includes(r.status[i])) continue;
    if (f?.idsOnly && !r.dict.endpoints[r.endpoint[i]]?.includes('{')) continue;
    if (f?.ip && r.dict.ips[r.ip[i]] !== f.ip) continue;
    if (f?.method && !r.dict.endpoints[r.endpoint[i]]?.startsWith(`${f.method} `)) continue;
    if (attackBit && !(r.attacks[i] & attackBit)) continue;
    out.push(k);
  }
  return out;
}

/**
 * Request k (a position in `g.order`) as a plain row; `files` names an import's files by index;
 * `context` the block columns (columnName) of the context parameters shown.
 */
export function requestRow(g: Gathered, k: number, files: (importId: number) => string[], context: string[] = []): RequestRow {
  const part = g.parts[g.order[2 * k]];
  const r = part.requests;
  const i = g.order[2 * k + 1];
  const endpoint = r.dict.endpoints[r.endpoint[i]] ?? '';
  const sp = endpoint.indexOf(' ');
  const attacks: AttackType[] = [];
  for (let b = 0; b < ATTACK_TYPES.length; b++) if (r.attacks[i] & (1 << b)) attacks.push(ATTACK_TYPES[b]);
  const d = r.duration[i];
  return {
    time: r.time[i],
    method: sp < 0 ? '' : endpoint.slice(0, sp),
    endpoint,
    target: targetAt(r, i),
    status: r.status[i],
    bytes: r.bytes[i],
    durationMs: d === d ? Math.round(d * 1000) / 1000 : null,
    ip: r.dict.ips[r.ip[i]] ?? '',
    userAgent: r.dict.userAgents[r.userAgent[i]] ?? '',
    referrer: referrerAt(r, i),
    host: r.host[i] ? (r.dict.hosts[r.host[i] - 1] ?? null) : null,
    user: r.user[i] ? (r.dict.users[r.user[i] - 1] ?? null) : null,
    attacks,
    file: files(part.importId)[r.file[i]] ?? '',
    line: r.line[i],
    context: context.map((name) => contextAt(r, name, i))
  };
}
