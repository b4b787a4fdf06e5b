// Row operations on session columns: take some rows, put blocks end to end, cut by day. The
// storage keeps sessions in one block per day of their last request (SPEC §4: retention drops
// whole days), and the worker puts the days back together to query them.
import { detach, emptyColumns } from './columns';
import { ATTACK_TYPES, STATUS_CLASSES, type SessionColumns } from './types';

export const DAY_MS = 86_400_000;

/** The UTC day number of a time in ms (days since 1970-01-01). */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

type Sets = 'ipSet' | 'endpointSet' | 'hostSet' | 'idPathSet';
const SETS: Sets[] = ['ipSet', 'endpointSet', 'hostSet', 'idPathSet'];
type Scalar = Exclude<
  keyof SessionColumns,
  'count' | 'id' | 'keyHash' | 'status' | 'attacks' | 'baseline' | 'ips' | 'userAgents' | 'users' | 'hosts' | 'endpoints' | Sets | `${Sets}Start`
>;
const SCALARS: Scalar[] = [
  'keyKind', 'start', 'end', 'requests', 'bytes', 'durationSum', 'durationCount', 'durationMax', 'ip', 'userAgent', 'user',
  'firstEndpoint', 'lastEndpoint', 'distinctIps', 'distinctEndpoints', 'distinctHosts', 'authFailures', 'notFound',
  'gapCount', 'gapSum', 'gapSumSq', 'idPaths', 'slowRequests', 'errorBurst', 'labelBits', 'risk'
];
const WIDE: ['status' | 'attacks', number][] = [
  ['status', STATUS_CLASSES.length],
  ['attacks', ATTACK_TYPES.length]
];

/**
 * The given rows of `cols`, in that order, sharing its string tables (indices stay valid). Sets are
 * copied row by row; the baseline is kept (the caller rescored or will rescore as it needs).
 */
export function pickSessions(cols: SessionColumns, rows: ArrayLike<number>): SessionColumns {
  const n = rows.length;
  const out = emptyColumns(n, { ips: cols.ips, userAgents: cols.userAgents, users: cols.users, hosts: cols.hosts, endpoints: cols.endpoints });
  out.baseline = { ...cols.baseline };
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    out.id[k] = cols.id[i];
    out.keyHash[k] = cols.keyHash[i];
    for (const c of SCALARS) (out[c] as Float64Array)[k] = (cols[c] as Float64Array)[i];
    for (const [c, w] of WIDE) out[c].set(cols[c].subarray(i * w, i * w + w), k * w);
  }
  for (const set of SETS) {
    const from = cols[`${set}Start`];
    const start = out[`${set}Start`];
    let size = 0;
    for (let k = 0; k < n; k++) size += from[rows[k] + 1] - from[rows[k]];
    const values = new Uint32Array(size);
    let at = 0;
    for (let k = 0; k < n; k++) {
      const i = rows[k];
      values.set(cols[set].subarray(from[i], from[i + 1]), at);
      at += from[i + 1] - from[i];
      start[k + 1] = at;
    }
    out[set] = values;
  }
  return out;
}

/**
 * The given rows of `cols` cut into consecutive blocks (block b: `rows[bounds[b] .. bounds[b + 1])`),
 * each sharing the string tables of `cols`, as pickSessions would make them one by one. Made column
 * by column so that, with `consume`, each column of `cols` can be let go (detached) once cut: the
 * blocks then take the table's place in memory instead of adding to it, and `cols` is unusable after.
 */
export function cutSessions(cols: SessionColumns, rows: Uint32Array, bounds: number[], consume = false): SessionColumns[] {
  const tables = { ips: cols.ips, userAgents: cols.userAgents, users: cols.users, hosts: cols.hosts, endpoints: cols.endpoints };
  const blocks = bounds.slice(1).map((to, b) => {
    const n = to - bounds[b];
    const out = emptyColumns(0, tables);
    out.count = n;
    out.id = new Array<string>(n);
    out.keyHash = new Array<string>(n);
    out.baseline = { ...cols.baseline };
    return out;
  });
  const done = (a: ArrayBufferView) => consume && detach([a.buffer as ArrayBuffer]);
  const each = (fill: (out: SessionColumns, from: number, to: number) => void) => blocks.forEach((out, b) => fill(out, bounds[b], bounds[b + 1]));
  each((out, from) => {
    for (let k = 0; k < out.count; k++) {
      out.id[k] = cols.id[rows[from + k]];
      out.keyHash[k] = cols.keyHash[rows[from + k]];
    }
  });
  for (const c of SCALARS) {
    const src = cols[c] as Float64Array;
    const Kind = src.constructor as Float64ArrayConstructor;
    each((out, from, to) => {
      const dst = new Kind(to - from);
      for (let k = from; k < to; k++) dst[k - from] = src[rows[k]];
      (out[c] as Float64Array) = dst;
    });
    done(src);
  }
  for (const [c, w] of WIDE) {
    const src = cols[c];
    each((out, from, to) => {
      const dst = new Uint32Array((to - from) * w);
      for (let k = from; k < to; k++) dst.set(src.subarray(rows[k] * w, rows[k] * w + w), (k - from) * w);
      out[c] = dst;
    });
    done(src);
  }
  for (const set of SETS) {
    const values = cols[set];
    const starts = cols[`${set}Start`];
    each((out, from, to) => {
      const start = new Uint32Array(to - from + 1);
      let size = 0;
      for (let k = from; k < to; k++) start[k - from + 1] = size += starts[rows[k] + 1] - starts[rows[k]];
      const dst = new Uint32Array(size);
      for (let k = from; k < to; k++) dst.set(values.subarray(starts[rows[k]], starts[rows[k] + 1]), start[k - from]);
      out[set] = dst;
      out[`${set}Start`] = start;
    });
    done(values);
    done(starts);
  }
  return blocks;
}

/**
 * Session blocks end to end, in the order given, with one set of string tables. Made column by
 * column so that, with `consume`, each column of the blocks can be let go (detached) once copied:
 * the table then takes the blocks' place in memory instead of adding to it.
 */
export function concatSessions(blocks: SessionColumns[], consume = false): SessionColumns {
  const tables = { ips: [] as string[], userAgents: [] as string[], users: [] as string[], hosts: [] as string[], endpoints: [] as string[] };
  type TableName = keyof typeof tables;
  const index = Object.fromEntries(Object.keys(tables).map((t) => [t, new Map<string, number>()])) as Record<TableName, Map<string, number>>;
  // each block's table indices in the joined tables (entries in order of first appearance)
  const maps = blocks.map(
    (b) =>
      Object.fromEntries(
        (Object.keys(tables) as TableName[]).map((t) => [
          t,
          Uint32Array.from(b[t], (s) => {
            let i = index[t].get(s);
            if (i === undefined) index[t].set(s, (i = tables[t].push(s) - 1));
            return i;
          })
        ])
      ) as Record<TableName, Uint32Array>
  );
  const n = blocks.reduce((s, b) => s + b.count, 0);
  const out = emptyColumns(0, tables);
  out.count = n;
  out.id = new Array<string>(n);
  out.keyHash = new Array<string>(n);
  const offsets = [0];
  for (const b of blocks) offsets.push(offsets[offsets.length - 1] + b.count);
  blocks.forEach((b, k) => {
    for (let i = 0; i < b.count; i++) {
      out.id[offsets[k] + i] = b.id[i];
      out.keyHash[offsets[k] + i] = b.keyHash[i];
    }
  });
  const done = (a: ArrayBufferView) => consume && detach([a.buffer as ArrayBuffer]);
  // the columns that are indices into a table, and which
  const indexed: Partial<Record<Scalar, TableName>> = { ip: 'ips', userAgent: 'userAgents', user: 'users', firstEndpoint: 'endpoints', lastEndpoint: 'endpoints' };
  for (const c of SCALARS) {
    const Kind = (blocks.length ? blocks[0][c] : out[c]).constructor as Float64ArrayConstructor;
    const col = new Kind(n);
    const table = indexed[c];
    blocks.forEach((b, k) => {
      const src = b[c] as Float64Array;
      if (table) {
        const m = maps[k][table];
        for (let i = 0; i < b.count; i++) col[offsets[k] + i] = src[i] < 0 ? -1 : m[src[i]];
      } else col.set(src, offsets[k]);
      done(src);
    });
    (out[c] as Float64Array) = col;
  }
  for (const [c, w] of WIDE) {
    const col = new Uint32Array(n * w);
    blocks.forEach((b, k) => {
      col.set(b[c], offsets[k] * w);
      done(b[c]);
    });
    out[c] = col;
  }
  const setTables: Record<Sets, TableName | null> = { ipSet: 'ips', endpointSet: 'endpoints', hostSet: 'hosts', idPathSet: null };
  for (const set of SETS) {
    const start = new Uint32Array(n + 1);
    const values = new Uint32Array(blocks.reduce((size, b) => size + b[set].length, 0));
    let at = 0;
    blocks.forEach((b, k) => {
      const from = b[`${set}Start`];
      for (let i = 0; i < b.count; i++) start[offsets[k] + i + 1] = at + from[i + 1];
      const table = setTables[set];
      const src = b[set];
      if (table) {
        const m = maps[k][table];
        for (let q = 0; q < src.length; q++) values[at + q] = m[src[q]];
      } else values.set(src, at);
      at += src.length;
      done(src);
      done(from);
    });
    out[set] = values;
    out[`${set}Start`] = start;
  }
  out.baseline = blocks.length === 1 ? { ...blocks[0].baseline } : out.baseline;
  return out;
}

/** Rows grouped by the UTC day of their last request, days ascending. */
export function splitByEndDay(cols: SessionColumns): { day: number; sessions: SessionColumns }[] {
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < cols.count; i++) {
    const d = dayOf(cols.end[i]);
    let rows = byDay.get(d);
    if (!rows) byDay.set(d, (rows = []));
    rows.push(i);
  }
  return [...byDay.keys()].sort((a, b) => a - b).map((day) => ({ day, sessions: compactTables(pickSessions(cols, byDay.get(day)!), true) }));
}

/**
 * The same sessions with string tables cut to the entries their rows use. `inPlace`: the index
 * columns are rewritten where they are (for a table the caller has just made and owns alone).
 */
export function compactTables(cols: SessionColumns, inPlace = false): SessionColumns {
  /** Entries in order of first use along `parts`; `remap` rewrites indices into the cut table. */
  const keep = (table: string[], ...parts: ArrayLike<number>[]) => {
    const map = new Int32Array(table.length).fill(-1);
    const out: string[] = [];
    for (const p of parts) {
      for (let k = 0; k < p.length; k++) {
        const i = p[k];
        if (i >= 0 && map[i] < 0) map[i] = out.push(table[i]) - 1;
      }
    }
    const remap = <T extends Uint32Array | Int32Array>(a: T): T => {
      const to = inPlace ? a : (a.slice() as T);
      for (let k = 0; k < to.length; k++) if (to[k] >= 0) to[k] = map[to[k]];
      return to;
    };
    return { out, remap };
  };
  const ips = keep(cols.ips, cols.ip, cols.ipSet);
  const uas = keep(cols.userAgents, cols.userAgent);
  const users = keep(cols.users, cols.user);
  const hosts = keep(cols.hosts, cols.hostSet);
  const eps = keep(cols.endpoints, cols.firstEndpoint, cols.lastEndpoint, cols.endpointSet);
  return {
    ...cols,
    ip: ips.remap(cols.ip),
    ipSet: ips.remap(cols.ipSet),
    userAgent: uas.remap(cols.userAgent),
    user: users.remap(cols.user),
    hostSet: hosts.remap(cols.hostSet),
    firstEndpoint: eps.remap(cols.firstEndpoint),
    lastEndpoint: eps.remap(cols.lastEndpoint),
    endpointSet: eps.remap(cols.endpointSet),
    ips: ips.out,
    userAgents: uas.out,
    users: users.out,
    hosts: hosts.out,
    endpoints: eps.out
  };
}
