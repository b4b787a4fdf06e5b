import type { SessionColumns, EndpointStats } from './types';
import { STATUS_CLASSES } from './types';
import { mergeSketches, quantile } from './sketch';
import { scoreSessions, endpointRisk } from './labels';
import { detach, emptyColumns } from './columns';

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

/** Merges two sets of sessions into one, sorted by (start, id). */
export function mergeSessions(a: SessionColumns, b: SessionColumns, opts: MergeOptions): SessionColumns {
  // Columnar: no object per session, no key string per row, no Set per merged session (a
  // store of 200k sessions made ~100 MB of such garbage in one go).
  const tables: Table[] = ['ips', 'userAgents', 'users', 'hosts', 'endpoints'];
  const united = Object.fromEntries(tables.map((t) => [t, unite(a[t], b[t])])) as Record<Table, ReturnType<typeof unite>>;
  const n = a.count + b.count;
  // row g: a's row g, or b's row g - a.count
  const srcOf = (g: number) => (g < a.count ? a : b);
  const at = (g: number) => (g < a.count ? g : g - a.count);
  const map = (g: number, t: Table) => (g < a.count ? united[t].mapA : united[t].mapB);
  const kind = new Uint8Array(n);
  const hash = new Array<string>(n);
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  for (let g = 0; g < n; g++) {
    const src = srcOf(g), i = at(g);
    kind[g] = src.keyKind[i];
    hash[g] = src.keyHash[i];
    start[g] = src.start[i];
    end[g] = src.end[i];
  }
  // by key as "kind:hash" sorts (kinds by their text; one that differs decides before the ':'), then start
  const kindText = Array.from({ length: 256 }, (_, k) => `${k}:`);
  const sameKey = (x: number, y: number) => kind[x] === kind[y] && hash[x] === hash[y];
  const order = new Uint32Array(n);
  for (let g = 0; g < n; g++) order[g] = g;
  order.sort((x, y) => {
    if (kind[x] !== kind[y]) return kindText[kind[x]] < kindText[kind[y]] ? -1 : 1;
    return hash[x] < hash[y] ? -1 : hash[x] > hash[y] ? 1 : start[x] - start[y];
  });

  // groups of rows that become one session: runs of order[from[k] .. from[k + 1])
  const from: number[] = [];
  let groupEnd = -Infinity;
  let groupStart = 0;
  for (let p = 0; p < n; p++) {
    const g = order[p];
    const s = start[g], e = end[g];
    const prev = p > 0 ? order[from[from.length - 1]] : -1;
    if (p > 0 && sameKey(g, prev) && s - groupEnd <= opts.inactivityMs && !(opts.maxSessionMs && Math.max(groupEnd, e) - groupStart > opts.maxSessionMs)) {
      groupEnd = Math.max(groupEnd, e);
    } else {
      from.push(p);
      groupStart = s;
      groupEnd = e;
    }
  }
  const groups = from.length;
  from.push(n);
  // order of the merged sessions: by start, then id (the id of a session is its first piece's)
  const idOf = (g: number) => srcOf(g).id[at(g)];
  const rank = new Uint32Array(groups);
  for (let k = 0; k < groups; k++) rank[k] = k;
  rank.sort((x, y) => {
    const fx = order[from[x]], fy = order[from[y]];
    const d = start[fx] - start[fy];
    if (d) return d;
    const ix = idOf(fx), iy = idOf(fy);
    return ix < iy ? -1 : ix > iy ? 1 : 0;
  });

  const out = emptyColumns(groups, {
    ips: united.ips.out,
    userAgents: united.userAgents.out,
    users: united.users.out,
    hosts: united.hosts.out,
    endpoints: united.endpoints.out
  });
  // the distinct members of each set, in order of first appearance: at most all of them
  const sets = [
    { set: 'ipSet', table: 'ips' },
    { set: 'endpointSet', table: 'endpoints' },
    { set: 'hostSet', table: 'hosts' }
  ] as const;
  const room = (set: 'ipSet' | 'endpointSet' | 'hostSet' | 'idPathSet') => new Uint32Array(a[set].length + b[set].length);
  const values = { ipSet: room('ipSet'), endpointSet: room('endpointSet'), hostSet: room('hostSet'), idPathSet: room('idPathSet') };
  const fill = { ipSet: 0, endpointSet: 0, hostSet: 0, idPathSet: 0 };
  // a table index was seen in the current session when seen[index] is its number (+1)
  const seen = { ipSet: new Uint32Array(united.ips.out.length), endpointSet: new Uint32Array(united.endpoints.out.length), hostSet: new Uint32Array(united.hosts.out.length) };
  const idSeen = new Set<number>();
  for (let o = 0; o < groups; o++) {
    const k = rank[o];
    const first = order[from[k]];
    const f = srcOf(first), fi = at(first);
    out.id[o] = f.id[fi];
    out.keyKind[o] = f.keyKind[fi];
    out.keyHash[o] = f.keyHash[fi];
    out.start[o] = f.start[fi];
    out.ip[o] = map(first, 'ips')[f.ip[fi]];
    out.userAgent[o] = map(first, 'userAgents')[f.userAgent[fi]];
    out.firstEndpoint[o] = map(first, 'endpoints')[f.firstEndpoint[fi]];
    out.user[o] = -1;
    let lastEnd = -Infinity;
    idSeen.clear();
    for (let p = from[k]; p < from[k + 1]; p++) {
      const g = order[p];
      const src = srcOf(g), i = at(g);
      const prevEnd = lastEnd;
      if (src.end[i] >= lastEnd) {
        lastEnd = src.end[i];
        out.lastEndpoint[o] = map(g, 'endpoints')[src.lastEndpoint[i]];
      }
      if (out.user[o] < 0 && src.user[i] >= 0) out.user[o] = map(g, 'users')[src.user[i]];
      out.requests[o] += src.requests[i];
      out.bytes[o] += src.bytes[i];
      for (let c = 0; c < STATUS_CLASSES.length; c++) out.status[o * 6 + c] += src.status[i * 6 + c];
      out.durationSum[o] += src.durationSum[i];
      out.durationCount[o] += src.durationCount[i];
      out.durationMax[o] = Math.max(out.durationMax[o], src.durationMax[i]);
      for (let c = 0; c < 7; c++) out.attacks[o * 7 + c] += src.attacks[i * 7 + c];
      out.authFailures[o] += src.authFailures[i];
      out.notFound[o] += src.notFound[i];
      out.slowRequests[o] += src.slowRequests[i];
      out.errorBurst[o] = Math.max(out.errorBurst[o], src.errorBurst[i]);
      out.gapCount[o] += src.gapCount[i];
      out.gapSum[o] += src.gapSum[i];
      out.gapSumSq[o] += src.gapSumSq[i];
      // the gap that bridged two sessions counts too (as if read in one go)
      const bridge = src.start[i] - prevEnd;
      if (p > from[k] && bridge > 0 && Number.isFinite(bridge)) {
        out.gapCount[o] += 1;
        out.gapSum[o] += bridge;
        out.gapSumSq[o] += bridge * bridge;
      }
      // object ids are hashes of raw paths (salted per database): comparable across imports
      for (let q = src.idPathSetStart[i]; q < src.idPathSetStart[i + 1]; q++) {
        const v = src.idPathSet[q];
        if (!idSeen.has(v)) {
          idSeen.add(v);
          values.idPathSet[fill.idPathSet++] = v;
        }
      }
      for (const { set, table } of sets) {
        const m = map(g, table);
        const starts = src[`${set}Start`];
        for (let q = starts[i]; q < starts[i + 1]; q++) {
          const v = m[src[set][q]];
          if (seen[set][v] === o + 1) continue;
          seen[set][v] = o + 1;
          values[set][fill[set]++] = v;
        }
      }
    }
    out.end[o] = lastEnd;
    out.idPathSetStart[o + 1] = fill.idPathSet;
    out.ipSetStart[o + 1] = fill.ipSet;
    out.endpointSetStart[o + 1] = fill.endpointSet;
    out.hostSetStart[o + 1] = fill.hostSet;
    out.distinctIps[o] = out.ipSetStart[o + 1] - out.ipSetStart[o];
    out.distinctEndpoints[o] = out.endpointSetStart[o + 1] - out.endpointSetStart[o];
    out.distinctHosts[o] = out.hostSetStart[o + 1] - out.hostSetStart[o];
    out.idPaths[o] = out.idPathSetStart[o + 1] - out.idPathSetStart[o];
  }
  for (const set of ['ipSet', 'endpointSet', 'hostSet', 'idPathSet'] as const) out[set] = values[set].slice(0, fill[set]);
  detach([kind, start, end, order, rank, ...Object.values(values), ...Object.values(seen)].map((v) => v.buffer as ArrayBuffer));
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
