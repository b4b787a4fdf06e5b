import type { SessionColumns, EndpointStats } from './types';
import { STATUS_CLASSES } from './types';
import { mergeSketches, quantile } from './sketch';
import { scoreSessions, endpointRisk } from './labels';
import { emptyColumns } from './columns';

// Sessions of different imports merged as if read together (SPEC §2 order independence): per key,
// sessions that touch or bridge within the inactivity timeout become one, with exact figures
// (the distinct IP/endpoint/host sets are kept whole for this). Pure functions over columns.

export interface MergeOptions {
  inactivityMs: number;
  /** 0 or absent: no maximum session length. */
  maxSessionMs?: number;
}

type Table = 'ips' | 'userAgents' | 'users' | 'hosts' | 'endpoints';

/** One string table for both inputs: maps each input's indices to the merged table's. */
function unite(a: string[], b: string[]): { out: string[]; mapA: Uint32Array; mapB: Uint32Array } {
  const index = new Map<string, number>();
  const out: string[] = [];
  const map = (t: string[]) =>
    Uint32Array.from(t, (s) => {
      let i = index.get(s);
      if (i === undefined) {
        i = out.push(s) - 1;
        index.set(s, i);
      }
      return i;
    });
  const mapA = map(a);
  const mapB = map(b);
  return { out, mapA, mapB };
}

interface Row {
  src: SessionColumns;
  i: number;
  maps: Record<Table, Uint32Array>;
}

const setOf = (r: Row, set: 'ipSet' | 'endpointSet' | 'hostSet', table: Table): number[] => {
  const start = r.src[`${set}Start`];
  const out: number[] = [];
  for (let k = start[r.i]; k < start[r.i + 1]; k++) out.push(r.maps[table][r.src[set][k]]);
  return out;
};

/** Merges two sets of sessions into one, sorted by (start, id). */
export function mergeSessions(a: SessionColumns, b: SessionColumns, opts: MergeOptions): SessionColumns {
  const tables: Table[] = ['ips', 'userAgents', 'users', 'hosts', 'endpoints'];
  const united = Object.fromEntries(tables.map((t) => [t, unite(a[t], b[t])])) as Record<Table, ReturnType<typeof unite>>;
  const mapsA = Object.fromEntries(tables.map((t) => [t, united[t].mapA])) as Record<Table, Uint32Array>;
  const mapsB = Object.fromEntries(tables.map((t) => [t, united[t].mapB])) as Record<Table, Uint32Array>;
  const rows: Row[] = [];
  for (let i = 0; i < a.count; i++) rows.push({ src: a, i, maps: mapsA });
  for (let i = 0; i < b.count; i++) rows.push({ src: b, i, maps: mapsB });
  const keyOf = (r: Row) => `${r.src.keyKind[r.i]}:${r.src.keyHash[r.i]}`;
  rows.sort((x, y) => {
    const kx = keyOf(x), ky = keyOf(y);
    return kx < ky ? -1 : kx > ky ? 1 : x.src.start[x.i] - y.src.start[y.i];
  });

  // groups of rows that become one session
  const groups: Row[][] = [];
  let end = -Infinity;
  let start = 0;
  let key = '';
  for (const r of rows) {
    const k = keyOf(r);
    const s = r.src.start[r.i];
    const e = r.src.end[r.i];
    const last = groups.at(-1);
    if (last && k === key && s - end <= opts.inactivityMs && !(opts.maxSessionMs && Math.max(end, e) - start > opts.maxSessionMs)) {
      last.push(r);
      end = Math.max(end, e);
    } else {
      groups.push([r]);
      key = k;
      start = s;
      end = e;
    }
  }

  const n = groups.length;
  const out = emptyColumns(n, {
    ips: united.ips.out,
    userAgents: united.userAgents.out,
    users: united.users.out,
    hosts: united.hosts.out,
    endpoints: united.endpoints.out
  });
  // order of the merged sessions: by start, then id (the id of a session is its first piece's)
  const order = groups.map((_, g) => g);
  const firstOf = (g: Row[]) => g[0];
  order.sort((x, y) => {
    const fx = firstOf(groups[x]), fy = firstOf(groups[y]);
    const d = fx.src.start[fx.i] - fy.src.start[fy.i];
    if (d) return d;
    const ix = fx.src.id[fx.i], iy = fy.src.id[fy.i];
    return ix < iy ? -1 : ix > iy ? 1 : 0;
  });
  const ipSet: number[] = [];
  const epSet: number[] = [];
  const hostSet: number[] = [];
  const idSet: number[] = [];
  order.forEach((g, o) => {
    const group = groups[g];
    const f = group[0];
    out.id[o] = f.src.id[f.i];
    out.keyKind[o] = f.src.keyKind[f.i];
    out.keyHash[o] = f.src.keyHash[f.i];
    out.start[o] = f.src.start[f.i];
    out.ip[o] = f.maps.ips[f.src.ip[f.i]];
    out.userAgent[o] = f.maps.userAgents[f.src.userAgent[f.i]];
    out.firstEndpoint[o] = f.maps.endpoints[f.src.firstEndpoint[f.i]];
    out.user[o] = -1;
    let lastEnd = -Infinity;
    const ips = new Set<number>(), eps = new Set<number>(), hosts = new Set<number>(), idPaths = new Set<number>();
    for (const r of group) {
      const { src, i } = r;
      const prevEnd = lastEnd;
      if (src.end[i] >= lastEnd) {
        lastEnd = src.end[i];
        out.lastEndpoint[o] = r.maps.endpoints[src.lastEndpoint[i]];
      }
      if (out.user[o] < 0 && src.user[i] >= 0) out.user[o] = r.maps.users[src.user[i]];
      out.requests[o] += src.requests[i];
      out.bytes[o] += src.bytes[i];
      for (let c = 0; c < STATUS_CLASSES.length; c++) out.status[o * 6 + c] += src.status[i * 6 + c];
      out.durationSum[o] += src.durationSum[i];
      out.durationCount[o] += src.durationCount[i];
      out.durationMax[o] = Math.max(out.durationMax[o], src.durationMax[i]);
      for (let k = 0; k < 7; k++) out.attacks[o * 7 + k] += src.attacks[i * 7 + k];
      out.authFailures[o] += src.authFailures[i];
      out.notFound[o] += src.notFound[i];
      out.slowRequests[o] += src.slowRequests[i];
      out.errorBurst[o] = Math.max(out.errorBurst[o], src.errorBurst[i]);
      out.gapCount[o] += src.gapCount[i];
      out.gapSum[o] += src.gapSum[i];
      out.gapSumSq[o] += src.gapSumSq[i];
      // the gap that bridged two sessions counts too (as if read in one go)
      const bridge = src.start[i] - prevEnd;
      if (r !== group[0] && bridge > 0 && Number.isFinite(bridge)) {
        out.gapCount[o] += 1;
        out.gapSum[o] += bridge;
        out.gapSumSq[o] += bridge * bridge;
      }
      // object ids are hashes of raw paths (salted per database): comparable across imports
      for (let k = src.idPathSetStart[i]; k < src.idPathSetStart[i + 1]; k++) idPaths.add(src.idPathSet[k]);
      for (const x of setOf(r, 'ipSet', 'ips')) ips.add(x);
      for (const x of setOf(r, 'endpointSet', 'endpoints')) eps.add(x);
      for (const x of setOf(r, 'hostSet', 'hosts')) hosts.add(x);
    }
    out.end[o] = lastEnd;
    out.distinctIps[o] = ips.size;
    out.distinctEndpoints[o] = eps.size;
    out.distinctHosts[o] = hosts.size;
    out.idPaths[o] = idPaths.size;
    idSet.push(...idPaths);
    out.idPathSetStart[o + 1] = idSet.length;
    ipSet.push(...ips);
    epSet.push(...eps);
    hostSet.push(...hosts);
    out.ipSetStart[o + 1] = ipSet.length;
    out.endpointSetStart[o + 1] = epSet.length;
    out.hostSetStart[o + 1] = hostSet.length;
  });
  out.ipSet = Uint32Array.from(ipSet);
  out.endpointSet = Uint32Array.from(epSet);
  out.hostSet = Uint32Array.from(hostSet);
  out.idPathSet = Uint32Array.from(idSet);
  return scoreSessions(out);
}

/** Sessions per endpoint of a set of sessions (each session counts once per endpoint it touched). */
export function endpointSessionCounts(cols: SessionColumns): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 0; k < cols.endpointSet.length; k++) {
    const e = cols.endpoints[cols.endpointSet[k]];
    counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  return counts;
}

/**
 * Endpoint statistics of two imports as one: sums, merged latency sketches, first/last seen;
 * `sessions` from the merged sessions (an endpoint's session may span both imports).
 */
export function mergeEndpoints(a: EndpointStats[], b: EndpointStats[], merged: SessionColumns): EndpointStats[] {
  return finishEndpoints(sumEndpoints([a, b]), merged);
}

/** Lists of endpoint statistics added up by endpoint (sessions, percentiles and risk left as they are). */
export function sumEndpoints(lists: EndpointStats[][]): EndpointStats[] {
  const byName = new Map<string, EndpointStats>();
  for (const list of lists) {
    for (const e of list) {
      const cur = byName.get(e.endpoint);
      if (!cur) {
        byName.set(e.endpoint, { ...e, status: { ...e.status }, sketch: { ...e.sketch }, attacks: { ...e.attacks } });
        continue;
      }
      cur.requests += e.requests;
      cur.bytes += e.bytes;
      for (const c of STATUS_CLASSES) cur.status[c] += e.status[c];
      cur.sketch = mergeSketches(cur.sketch, e.sketch);
      for (const k of Object.keys(cur.attacks) as (keyof EndpointStats['attacks'])[]) cur.attacks[k] += e.attacks[k] ?? 0;
      if (e.firstSeen < cur.firstSeen) cur.firstSeen = e.firstSeen;
      if (e.lastSeen > cur.lastSeen) cur.lastSeen = e.lastSeen;
    }
  }
  return [...byName.values()];
}

/**
 * Summed statistics made final against a set of sessions: each endpoint's session count from them,
 * percentiles from the sketch, risk; sorted by requests (ties by endpoint).
 */
export function finishEndpoints(summed: EndpointStats[], sessions: SessionColumns | null): EndpointStats[] {
  const counts = sessions ? endpointSessionCounts(sessions) : new Map<string, number>();
  for (const e of summed) {
    e.sessions = counts.get(e.endpoint) ?? 0;
    e.p50 = quantile(e.sketch, 0.5);
    e.p95 = quantile(e.sketch, 0.95);
    e.p99 = quantile(e.sketch, 0.99);
    e.risk = endpointRisk(e);
  }
  return summed.sort((x, y) => y.requests - x.requests || (x.endpoint < y.endpoint ? -1 : 1));
}
