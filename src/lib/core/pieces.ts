import { detach, emptyColumns } from './columns';
import type { SessionColumns } from './types';

// Session pieces taken out of the core as it reads (assembly/sessions.ts closes them), and merged
// here at the end: pieces of one key that touch or bridge within the timeout become one session,
// with exact figures, as if every line had been read in time order (SPEC §2). Keeping the pieces
// in JS, not in the core, is what bounds the core's memory: a wasm memory never shrinks and is only
// given back when a full garbage collection finds the instance, which an idle worker may not run
// for a long time; these arrays are handed back as soon as the sessions are made (release()).

/** What the core exports for its pieces (assembly/index.ts). */
export interface PieceExports {
  memory: WebAssembly.Memory;
  pieceCount(): number;
  pieceColumn(i: number): number;
  setArenaPtr(): number;
  setArenaLength(): number;
  resetPieces(): void;
}

/** The pieces of one take: columns as the core lays them out, sets in their own arena. */
interface Take {
  n: number;
  start: Float64Array;
  end: Float64Array;
  count: Uint32Array;
  /** u64 as u32 pairs (low, high). */
  key: Uint32Array;
  kind: Uint32Array;
  firstIp: Uint32Array;
  firstUa: Uint32Array;
  /** 0: none; else users table index + 1. */
  user: Uint32Array;
  bytes: Float64Array;
  status: Uint32Array;
  durSum: Float64Array;
  durCount: Uint32Array;
  durMax: Float64Array;
  firstEp: Uint32Array;
  lastEp: Uint32Array;
  /** Per piece [offset, length] into `arena`, for IPs, endpoints, hosts (table index + 1), object ids. */
  sets: Uint32Array;
  /** u64 as u32 pairs (low, high). */
  id: Uint32Array;
  attacks: Uint32Array;
  authFail: Uint32Array;
  notFound: Uint32Array;
  gapN: Uint32Array;
  gapSum: Float64Array;
  gapSq: Float64Array;
  slow: Uint32Array;
  burst: Uint32Array;
  arena: Uint32Array;
}

/** A string table of the core, decoded on demand. */
export interface CoreTable {
  size: number;
  get(k: number): string;
}

/** The core's string tables: IPs, user agents, users, hosts, endpoints. */
export type CoreTables = [CoreTable, CoreTable, CoreTable, CoreTable, CoreTable];

export interface MergeLimits {
  inactivityMs: number;
  /** 0: no maximum session length. */
  maxSessionMs: number;
}

export class PieceStore {
  #takes: Take[] = [];
  #count = 0;

  /** How many pieces were taken. */
  get count(): number {
    return this.#count;
  }

  /** Copies the pieces the core closed since the last take, then lets the core reuse its columns. */
  take(x: PieceExports): void {
    const n = x.pieceCount() >>> 0;
    if (n === 0) return;
    const mem = x.memory.buffer;
    const col = <T>(i: number, Kind: { new (b: ArrayBuffer, o: number, n: number): T & { slice(): T } }, per = 1): T =>
      new Kind(mem, x.pieceColumn(i) >>> 0, n * per).slice();
    this.#takes.push({
      n,
      start: col(0, Float64Array),
      end: col(1, Float64Array),
      count: col(2, Uint32Array),
      key: col(3, Uint32Array, 2),
      kind: col(4, Uint32Array),
      firstIp: col(5, Uint32Array),
      firstUa: col(6, Uint32Array),
      user: col(7, Uint32Array),
      bytes: col(8, Float64Array),
      status: col(9, Uint32Array, 6),
      durSum: col(10, Float64Array),
      durCount: col(11, Uint32Array),
      durMax: col(12, Float64Array),
      firstEp: col(13, Uint32Array),
      lastEp: col(14, Uint32Array),
      sets: col(15, Uint32Array, 8),
      id: col(16, Uint32Array, 2),
      attacks: col(17, Uint32Array, 7),
      authFail: col(18, Uint32Array),
      notFound: col(19, Uint32Array),
      gapN: col(20, Uint32Array),
      gapSum: col(21, Float64Array),
      gapSq: col(22, Float64Array),
      slow: col(23, Uint32Array),
      burst: col(24, Uint32Array),
      arena: new Uint32Array(mem, x.setArenaPtr() >>> 0, x.setArenaLength() >>> 0).slice()
    });
    this.#count += n;
    x.resetPieces();
  }

  /**
   * Merges the pieces into sessions, sorted by (start, id), with string tables kept to what they
   * refer to; labels and risk are left to scoreSessions. `sessionsPerEndpoint[e]` gets the number of
   * sessions that touched core endpoint e. Made column by column, each column of the pieces let go
   * once the sessions' is made: the sessions take the pieces' place in memory rather than adding to
   * them. The store is empty after.
   */
  sessions(limits: MergeLimits, tables: CoreTables, sessionsPerEndpoint: Uint32Array): SessionColumns {
    const n = this.#count;
    /** Column `name` of every piece, in take order (one array; the takes' copies are let go). */
    const flat = <T extends Float64Array | Uint32Array>(name: ColumnName, Kind: { new (n: number): T }, per = 1): T => {
      const takes = this.#takes;
      if (takes.length === 1) return takes[0][name] as T;
      const out = new Kind(n * per);
      for (let t = 0, at = 0; t < takes.length; t++) {
        const src = takes[t][name] as T;
        out.set(src, at);
        at += src.length;
      }
      this.#release(name);
      return out;
    };
    const key = flat('key', Uint32Array, 2);
    const start = flat('start', Float64Array);
    const end = flat('end', Float64Array);
    // by key, then start; ties keep the order the pieces were closed in (all sorts here are stable)
    const keyHi = new Float64Array(n);
    for (let g = 0; g < n; g++) keyHi[g] = key[2 * g + 1];
    const order = sortedBy(keyHi, (a, b) => key[2 * a] - key[2 * b] || start[a] - start[b]);
    // groups: runs of one key whose pieces touch or bridge the running end within the timeout
    const groupFrom: number[] = [];
    let cur = -1;
    let curEnd = 0;
    for (let p = 0; p < n; p++) {
      const c = order[p];
      const joins =
        cur >= 0 &&
        key[2 * c] === key[2 * cur] &&
        key[2 * c + 1] === key[2 * cur + 1] &&
        start[c] - curEnd <= limits.inactivityMs &&
        (limits.maxSessionMs <= 0 || Math.max(end[c], curEnd) - start[cur] <= limits.maxSessionMs);
      if (joins) {
        if (end[c] >= curEnd) curEnd = end[c];
      } else {
        cur = c;
        curEnd = end[c];
        groupFrom.push(p);
      }
    }
    const groups = groupFrom.length;
    groupFrom.push(n);
    // sessions by start, then id (16 hex digits compare as the (high, low) words do)
    const id = flat('id', Uint32Array, 2);
    const leaderOf = new Uint32Array(groups);
    for (let k = 0; k < groups; k++) leaderOf[k] = order[groupFrom[k]];
    const leaderStart = new Float64Array(groups);
    for (let k = 0; k < groups; k++) leaderStart[k] = start[leaderOf[k]];
    const rank = sortedBy(leaderStart, (a, b) => id[2 * leaderOf[a] + 1] - id[2 * leaderOf[b] + 1] || id[2 * leaderOf[a]] - id[2 * leaderOf[b]]);
    // session r: pieces order[from[r] .. to[r]), the first its leader
    const from = new Uint32Array(groups), to = new Uint32Array(groups), lead = new Uint32Array(groups);
    for (let r = 0; r < groups; r++) {
      from[r] = groupFrom[rank[r]];
      to[r] = groupFrom[rank[r] + 1];
      lead[r] = order[from[r]];
    }
    const ids = new Array<string>(groups), keyHashes = new Array<string>(groups);
    for (let r = 0; r < groups; r++) {
      ids[r] = hexPair(id, lead[r]);
      keyHashes[r] = hexPair(key, lead[r]);
    }
    detach([key.buffer, keyHi.buffer, id.buffer, rank.buffer, leaderOf.buffer, leaderStart.buffer] as ArrayBuffer[]);

    // Every IP, host and endpoint the core interned came with a request, so is in some session's
    // set: those tables are kept whole, ids as the core's (no remapping of every set member).
    // User agents and users are only referred to by some sessions (their first): cut to those.
    const ips = whole(tables[0]), uas = compact(tables[1]), users = compact(tables[2]), hosts = whole(tables[3]), eps = whole(tables[4]);
    const cols = emptyColumns(0, { ips: ips.out, userAgents: uas.out, users: users.out, hosts: hosts.out, endpoints: eps.out });
    cols.count = groups;
    /** The leader's value of a column. */
    const first = (name: ColumnName): Uint32Array => {
      const src = flat(name, Uint32Array);
      const col = new Uint32Array(groups);
      for (let r = 0; r < groups; r++) col[r] = src[lead[r]];
      detach([src.buffer as ArrayBuffer]);
      return col;
    };
    /** A column folded over the session's pieces: sum, or max. */
    const fold = <T extends Float64Array | Uint32Array>(name: ColumnName, Kind: { new (n: number): T }, how: 'sum' | 'max'): T => {
      const src = flat(name, Kind);
      const col = new Kind(groups);
      for (let r = 0; r < groups; r++) {
        let v = src[lead[r]];
        for (let p = from[r] + 1; p < to[r]; p++) {
          const w = src[order[p]];
          v = how === 'sum' ? v + w : w > v ? w : v;
        }
        col[r] = v;
      }
      detach([src.buffer as ArrayBuffer]);
      return col;
    };
    /** Columns of `width` counts per piece, added up. */
    const counts = (name: 'status' | 'attacks', width: number): Uint32Array => {
      const src = flat(name, Uint32Array, width);
      const col = new Uint32Array(groups * width);
      for (let r = 0; r < groups; r++) {
        for (let p = from[r]; p < to[r]; p++) {
          const h = order[p];
          for (let c = 0; c < width; c++) col[r * width + c] += src[h * width + c];
        }
      }
      detach([src.buffer as ArrayBuffer]);
      return col;
    };

    cols.id = ids;
    cols.keyHash = keyHashes;
    cols.keyKind = Uint8Array.from(first('kind'));
    cols.start = new Float64Array(groups);
    cols.end = new Float64Array(groups);
    // the last fields follow the latest end; the gaps that bridged pieces count too (as if read in one go)
    const lastEpOf = flat('lastEp', Uint32Array), gapNOf = flat('gapN', Uint32Array);
    const gapSumOf = flat('gapSum', Float64Array), gapSqOf = flat('gapSq', Float64Array);
    const lastEp = new Uint32Array(groups);
    const gapN = new Uint32Array(groups), gapSum = new Float64Array(groups), gapSq = new Float64Array(groups);
    for (let r = 0; r < groups; r++) {
      const g = lead[r];
      cols.start[r] = start[g];
      let lastEnd = end[g];
      let ep = lastEpOf[g];
      let gn = gapNOf[g], gs = gapSumOf[g], gq = gapSqOf[g];
      for (let p = from[r] + 1; p < to[r]; p++) {
        const h = order[p];
        const before = lastEnd;
        if (end[h] >= lastEnd) {
          lastEnd = end[h];
          ep = lastEpOf[h];
        }
        const bridge = start[h] - before;
        const gap = bridge > 0 ? bridge : 0;
        gn += gapNOf[h] + (bridge > 0 ? 1 : 0);
        gs = gs + gapSumOf[h] + gap;
        gq = gq + gapSqOf[h] + gap * gap;
      }
      cols.end[r] = lastEnd;
      lastEp[r] = ep;
      gapN[r] = gn;
      gapSum[r] = gs;
      gapSq[r] = gq;
    }
    detach([lastEpOf, gapNOf, gapSumOf, gapSqOf, start, end].map((a) => a.buffer as ArrayBuffer));
    cols.gapCount = gapN;
    cols.gapSum = gapSum;
    cols.gapSumSq = gapSq;
    // the first remote user in start order
    const userOf = flat('user', Uint32Array);
    const user = new Int32Array(groups);
    for (let r = 0; r < groups; r++) {
      let v = 0;
      for (let p = from[r]; p < to[r] && v === 0; p++) v = userOf[order[p]];
      user[r] = v > 0 ? users.ref(v - 1) : -1;
    }
    detach([userOf.buffer as ArrayBuffer]);
    cols.user = user;
    cols.requests = fold('count', Uint32Array, 'sum');
    cols.bytes = fold('bytes', Float64Array, 'sum');
    cols.durationSum = fold('durSum', Float64Array, 'sum');
    cols.durationCount = fold('durCount', Uint32Array, 'sum');
    cols.durationMax = fold('durMax', Float64Array, 'max');
    cols.authFailures = fold('authFail', Uint32Array, 'sum');
    cols.notFound = fold('notFound', Uint32Array, 'sum');
    cols.slowRequests = fold('slow', Uint32Array, 'sum');
    cols.errorBurst = fold('burst', Uint32Array, 'max');
    cols.status = counts('status', 6);
    cols.attacks = counts('attacks', 7);
    // table indices last (the tables are cut to what is referred to)
    const firstIp = first('firstIp'), firstUa = first('firstUa'), firstEp = first('firstEp');
    for (let r = 0; r < groups; r++) firstUa[r] = uas.ref(firstUa[r]);
    cols.ip = firstIp;
    cols.userAgent = firstUa;
    cols.firstEndpoint = firstEp;
    cols.lastEndpoint = lastEp;

    // the distinct IPs, endpoints, hosts and object ids: a piece's own, or the sorted union of the session's
    const { sets, arena } = this.#flatSets(n);
    const names = ['ipSet', 'endpointSet', 'hostSet', 'idPathSet'] as const;
    const counted = names.map(() => new Uint32Array(groups));
    for (let s = 0; s < 4; s++) {
      const starts = new Uint32Array(groups + 1);
      // merged sessions' unions, made once
      const unions = new Map<number, Uint32Array>();
      let size = 0;
      for (let r = 0; r < groups; r++) {
        let len: number;
        if (to[r] - from[r] === 1) len = sets[8 * lead[r] + 2 * s + 1];
        else {
          const u = union(order.subarray(from[r], to[r]), (g) => arena.subarray(sets[8 * g + 2 * s], sets[8 * g + 2 * s] + sets[8 * g + 2 * s + 1]));
          unions.set(r, u);
          len = u.length;
        }
        counted[s][r] = len;
        starts[r + 1] = size += len;
      }
      const values = new Uint32Array(size);
      for (let r = 0; r < groups; r++) {
        const u = to[r] - from[r] > 1 ? unions.get(r) : undefined;
        const src = u ?? arena;
        const off = u ? 0 : sets[8 * lead[r] + 2 * s];
        // copied by hand: a subarray per session made the garbage collector work hard
        for (let q = 0, at = starts[r], len = counted[s][r]; q < len; q++) values[at + q] = src[off + q];
      }
      // hosts are kept as table index + 1 (0: none)
      if (s === 2) for (let q = 0; q < size; q++) values[q]--;
      if (s === 1) for (let q = 0; q < size; q++) sessionsPerEndpoint[values[q]]++;
      cols[names[s]] = values;
      cols[`${names[s]}Start`] = starts;
    }
    [cols.distinctIps, cols.distinctEndpoints, cols.distinctHosts, cols.idPaths] = counted;
    detach([order, from, to, lead, sets, arena].map((a) => a.buffer as ArrayBuffer));
    this.release();
    return cols;
  }

  /** Lets the takes' copies of one column go (once it is flattened). */
  #release(name: ColumnName): void {
    detach(this.#takes.map((t) => t[name].buffer as ArrayBuffer));
  }

  /** The pieces' set offsets and lengths (offsets into the one arena returned) and that arena. */
  #flatSets(n: number): { sets: Uint32Array; arena: Uint32Array } {
    const takes = this.#takes;
    if (takes.length === 1) return { sets: takes[0].sets, arena: takes[0].arena };
    const sets = new Uint32Array(n * 8);
    const arena = new Uint32Array(takes.reduce((s, t) => s + t.arena.length, 0));
    for (let t = 0, at = 0, base = 0; t < takes.length; t++) {
      const src = takes[t].sets;
      for (let k = 0; k < src.length; k += 2) {
        sets[at + k] = src[k] + base;
        sets[at + k + 1] = src[k + 1];
      }
      at += src.length;
      arena.set(takes[t].arena, base);
      base += takes[t].arena.length;
    }
    this.#release('sets');
    this.#release('arena');
    return { sets, arena };
  }

  /**
   * Hands the pieces' memory back now rather than at the next full garbage collection (a worker
   * left idle may run none for a long while): their buffers are detached. The store is empty after.
   */
  release(): void {
    const buffers: ArrayBuffer[] = [];
    for (const t of this.#takes) {
      for (const v of Object.values(t)) if (ArrayBuffer.isView(v)) buffers.push(v.buffer as ArrayBuffer);
    }
    this.#takes = [];
    this.#count = 0;
    detach(buffers);
  }
}

type ColumnName = Exclude<keyof Take, 'n'>;

/**
 * The indices 0..n-1 sorted by `major`, then by `tie`, then by index. The major key and the index
 * are packed into one double and sorted natively (no comparator calls: run once per import, a
 * comparator sort or a radix sort in JS ran mostly unoptimised and dominated the merge); only runs
 * of equal major keys, short in practice, are sorted by comparator.
 */
function sortedBy(major: Float64Array, tie: (a: number, b: number) => number): Uint32Array {
  const n = major.length;
  const order = new Uint32Array(n);
  let min = Infinity, max = -Infinity, integral = true;
  for (let i = 0; i < n; i++) {
    const v = major[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (!Number.isInteger(v)) integral = false;
  }
  const IDX = 2 ** 21;
  const byAll = (a: number, b: number) => major[a] - major[b] || tie(a, b) || a - b;
  // (major - min) * 2^21 + index stays below 2^53, exact in a double
  if (n === 0 || !integral || n >= IDX || max - min >= 2 ** 32) {
    order.set(Array.from({ length: n }, (_, i) => i).sort(byAll));
    return order;
  }
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (major[i] - min) * IDX + i;
  packed.sort();
  for (let i = 0; i < n; i++) order[i] = packed[i] % IDX;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && major[order[j]] === major[order[i]]) j++;
    if (j - i > 1) {
      if (j - i <= 32) {
        for (let k = i + 1; k < j; k++) {
          const v = order[k];
          let m = k - 1;
          while (m >= i && byAll(order[m], v) > 0) {
            order[m + 1] = order[m];
            m--;
          }
          order[m + 1] = v;
        }
      } else order.set(Array.from(order.subarray(i, j)).sort(byAll), i);
    }
    i = j;
  }
  return order;
}

/** The sorted union of some sorted id lists. */
function union(members: Uint32Array, list: (g: number) => Uint32Array): Uint32Array {
  let size = 0;
  for (const g of members) size += list(g).length;
  const all = new Uint32Array(size);
  let at = 0;
  for (const g of members) {
    all.set(list(g), at);
    at += list(g).length;
  }
  all.sort();
  let out = 0;
  for (let k = 0; k < all.length; k++) if (k === 0 || all[k] !== all[k - 1]) all[out++] = all[k];
  return all.subarray(0, out);
}

/** A core table whole, decoded. */
function whole(table: CoreTable): { out: string[] } {
  return { out: Array.from({ length: table.size }, (_, i) => table.get(i)) };
}

/** A core table cut to the entries referred to, in order of first reference. */
function compact(table: CoreTable) {
  const index = new Int32Array(table.size).fill(-1);
  const out: string[] = [];
  return {
    out,
    ref(i: number): number {
      let j = index[i];
      if (j < 0) {
        j = out.push(table.get(i)) - 1;
        index[i] = j;
      }
      return j;
    }
  };
}

/**
 * Entry i of a little-endian u64 column read as u32 pairs, as 16 hex digits. Made in one call: a
 * string built by `+` is a tree of pieces in V8, ~100 bytes where a flat one takes ~32, and a
 * table keeps two per session.
 */
export function hexPair(words: Uint32Array, i: number): string {
  const hi = words[2 * i + 1], lo = words[2 * i];
  return String.fromCharCode(
    HEX[hi >>> 28], HEX[(hi >>> 24) & 15], HEX[(hi >>> 20) & 15], HEX[(hi >>> 16) & 15], HEX[(hi >>> 12) & 15], HEX[(hi >>> 8) & 15], HEX[(hi >>> 4) & 15], HEX[hi & 15],
    HEX[lo >>> 28], HEX[(lo >>> 24) & 15], HEX[(lo >>> 20) & 15], HEX[(lo >>> 16) & 15], HEX[(lo >>> 12) & 15], HEX[(lo >>> 8) & 15], HEX[(lo >>> 4) & 15], HEX[lo & 15]
  );
}

/** Character codes of the hex digits. */
const HEX = Array.from('0123456789abcdef', (d) => d.charCodeAt(0));
