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
    const takes = this.#takes;
    // each piece's take and place in it, and the sort keys laid flat
    const takeOf = new Uint32Array(n);
    const at = new Uint32Array(n);
    const keyLo = new Uint32Array(n), keyHi = new Uint32Array(n);
    const start = new Float64Array(n), end = new Float64Array(n);
    for (let t = 0, g = 0; t < takes.length; t++) {
      const take = takes[t];
      for (let i = 0; i < take.n; i++, g++) {
        takeOf[g] = t;
        at[g] = i;
        keyLo[g] = take.key[2 * i];
        keyHi[g] = take.key[2 * i + 1];
        start[g] = take.start[i];
        end[g] = take.end[i];
      }
    }
    // by key, then start (stable: ties keep the order they were closed in)
    const order = new Uint32Array(n);
    for (let g = 0; g < n; g++) order[g] = g;
    order.sort((a, b) => keyHi[a] - keyHi[b] || keyLo[a] - keyLo[b] || start[a] - start[b]);
    // groups: runs of one key whose pieces touch or bridge the running end within the timeout
    const groupFrom: number[] = [];
    let cur = -1;
    let curEnd = 0;
    for (let p = 0; p < n; p++) {
      const c = order[p];
      const joins =
        cur >= 0 &&
        keyHi[c] === keyHi[cur] &&
        keyLo[c] === keyLo[cur] &&
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
    const take = (g: number) => takes[takeOf[g]];
    // sessions by start, then id (16 hex digits compare as the (high, low) words do)
    const rank = new Uint32Array(groups);
    for (let k = 0; k < groups; k++) rank[k] = k;
    const idWord = (g: number, w: number) => take(g).id[2 * at[g] + w];
    rank.sort((x, y) => {
      const a = order[groupFrom[x]], b = order[groupFrom[y]];
      return start[a] - start[b] || idWord(a, 1) - idWord(b, 1) || idWord(a, 0) - idWord(b, 0);
    });
    // session r: pieces order[from[r] .. to[r]), the first its leader
    const from = new Uint32Array(groups), to = new Uint32Array(groups);
    for (let r = 0; r < groups; r++) {
      from[r] = groupFrom[rank[r]];
      to[r] = groupFrom[rank[r] + 1];
    }
    const ids = new Array<string>(groups), keyHashes = new Array<string>(groups);
    const words = new Uint32Array(2);
    for (let r = 0; r < groups; r++) {
      const g = order[from[r]];
      ids[r] = hexPair(take(g).id, at[g]);
      words[0] = keyLo[g];
      words[1] = keyHi[g];
      keyHashes[r] = hexPair(words, 0);
    }
    detach([keyLo.buffer, keyHi.buffer, rank.buffer]);
    const release = (...names: (keyof Take)[]) => detach(takes.flatMap((t) => names.map((k) => (t[k] as ArrayBufferView).buffer as ArrayBuffer)));
    release('key', 'id', 'start', 'end');

    const ips = compact(tables[0]), uas = compact(tables[1]), users = compact(tables[2]), hosts = compact(tables[3]), eps = compact(tables[4]);
    const cols = emptyColumns(0, { ips: ips.out, userAgents: uas.out, users: users.out, hosts: hosts.out, endpoints: eps.out });
    cols.count = groups;
    /** A column of the sessions from one of the pieces': the first piece's value, or all folded in start order. */
    const column = <T extends Float64Array | Uint32Array>(Kind: { new (n: number): T }, name: keyof Take, fold?: (acc: number, v: number) => number): T => {
      const col = new Kind(groups);
      for (let r = 0; r < groups; r++) {
        const g = order[from[r]];
        const src = take(g)[name] as T;
        let v = src[at[g]];
        if (fold) {
          for (let p = from[r] + 1; p < to[r]; p++) {
            const h = order[p];
            v = fold(v, (take(h)[name] as T)[at[h]]);
          }
        }
        col[r] = v;
      }
      release(name);
      return col;
    };
    const sum = (a: number, b: number) => a + b;
    const max = (a: number, b: number) => (b > a ? b : a);
    /** Columns of `width` counts per piece, added up. */
    const counts = (name: 'status' | 'attacks', width: number): Uint32Array => {
      const col = new Uint32Array(groups * width);
      for (let r = 0; r < groups; r++) {
        for (let p = from[r]; p < to[r]; p++) {
          const h = order[p];
          const src = take(h)[name];
          for (let c = 0; c < width; c++) col[r * width + c] += src[at[h] * width + c];
        }
      }
      release(name);
      return col;
    };

    cols.id = ids;
    cols.keyHash = keyHashes;
    cols.keyKind = Uint8Array.from(column(Uint32Array, 'kind'));
    cols.start = new Float64Array(groups);
    cols.end = new Float64Array(groups);
    // the last fields follow the latest end; the gaps that bridged pieces count too (as if read in one go)
    const lastEp = new Uint32Array(groups);
    const gapN = new Uint32Array(groups), gapSum = new Float64Array(groups), gapSq = new Float64Array(groups);
    for (let r = 0; r < groups; r++) {
      const g = order[from[r]];
      const t = take(g), i = at[g];
      cols.start[r] = start[g];
      let lastEnd = end[g];
      let ep = t.lastEp[i];
      let gn = t.gapN[i], gs = t.gapSum[i], gq = t.gapSq[i];
      for (let p = from[r] + 1; p < to[r]; p++) {
        const h = order[p];
        const u = take(h), j = at[h];
        const before = lastEnd;
        if (end[h] >= lastEnd) {
          lastEnd = end[h];
          ep = u.lastEp[j];
        }
        const bridge = start[h] - before;
        const gap = bridge > 0 ? bridge : 0;
        gn += u.gapN[j] + (bridge > 0 ? 1 : 0);
        gs = gs + u.gapSum[j] + gap;
        gq = gq + u.gapSq[j] + gap * gap;
      }
      cols.end[r] = lastEnd;
      lastEp[r] = ep;
      gapN[r] = gn;
      gapSum[r] = gs;
      gapSq[r] = gq;
    }
    release('lastEp', 'gapN', 'gapSum', 'gapSq');
    cols.gapCount = gapN;
    cols.gapSum = gapSum;
    cols.gapSumSq = gapSq;
    const user = column(Uint32Array, 'user', (a, b) => (a === 0 ? b : a));
    cols.requests = column(Uint32Array, 'count', sum);
    cols.bytes = column(Float64Array, 'bytes', sum);
    cols.durationSum = column(Float64Array, 'durSum', sum);
    cols.durationCount = column(Uint32Array, 'durCount', sum);
    cols.durationMax = column(Float64Array, 'durMax', max);
    cols.authFailures = column(Uint32Array, 'authFail', sum);
    cols.notFound = column(Uint32Array, 'notFound', sum);
    cols.slowRequests = column(Uint32Array, 'slow', sum);
    cols.errorBurst = column(Uint32Array, 'burst', max);
    cols.status = counts('status', 6);
    cols.attacks = counts('attacks', 7);
    // table indices last (the tables are cut to what is referred to)
    const firstIp = column(Uint32Array, 'firstIp');
    const firstUa = column(Uint32Array, 'firstUa');
    const firstEp = column(Uint32Array, 'firstEp');
    cols.ip = firstIp.map((v) => ips.ref(v));
    cols.userAgent = firstUa.map((v) => uas.ref(v));
    cols.user = Int32Array.from(user, (v) => (v > 0 ? users.ref(v - 1) : -1));
    cols.firstEndpoint = firstEp.map((v) => eps.ref(v));
    cols.lastEndpoint = lastEp.map((v) => eps.ref(v));
    detach([firstIp, firstUa, firstEp, lastEp, user].map((a) => a.buffer));

    // the distinct IPs, endpoints, hosts and object ids: a piece's own, or the sorted union of the session's
    const set = (r: number, s: number): Uint32Array => {
      if (to[r] - from[r] === 1) return setOf(take(order[from[r]]), at[order[from[r]]], s);
      return union(order.subarray(from[r], to[r]), (g) => setOf(take(g), at[g], s));
    };
    const ref = [ips.ref, eps.ref, (v: number) => hosts.ref(v - 1), (v: number) => v];
    const counted = [cols.distinctIps, cols.distinctEndpoints, cols.distinctHosts, cols.idPaths].map(() => new Uint32Array(groups));
    const names = ['ipSet', 'endpointSet', 'hostSet', 'idPathSet'] as const;
    for (let s = 0; s < 4; s++) {
      const starts = new Uint32Array(groups + 1);
      let size = 0;
      for (let r = 0; r < groups; r++) {
        counted[s][r] = set(r, s).length;
        starts[r + 1] = size += counted[s][r];
      }
      const values = new Uint32Array(size);
      for (let r = 0; r < groups; r++) {
        const ids = set(r, s);
        for (let q = 0; q < ids.length; q++) {
          values[starts[r] + q] = ref[s](ids[q]);
          if (s === 1) sessionsPerEndpoint[ids[q]]++;
        }
      }
      cols[names[s]] = values;
      cols[`${names[s]}Start`] = starts;
    }
    [cols.distinctIps, cols.distinctEndpoints, cols.distinctHosts, cols.idPaths] = counted;
    detach([takeOf, at, start, end, order, from, to].map((a) => a.buffer));
    this.release();
    return cols;
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

/** Set s of piece i of a take: a sorted list of ids. */
function setOf(t: Take, i: number, s: number): Uint32Array {
  const off = t.sets[8 * i + 2 * s];
  return t.arena.subarray(off, off + t.sets[8 * i + 2 * s + 1]);
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
