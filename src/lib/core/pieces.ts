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
   * sessions that touched core endpoint e.
   */
  sessions(limits: MergeLimits, tables: CoreTables, sessionsPerEndpoint: Uint32Array): SessionColumns {
    const n = this.#count;
    // each piece's take and place in it, and the sort keys laid flat
    const takeOf = new Uint32Array(n);
    const at = new Uint32Array(n);
    const keyLo = new Uint32Array(n), keyHi = new Uint32Array(n);
    const start = new Float64Array(n), end = new Float64Array(n);
    for (let t = 0, g = 0; t < this.#takes.length; t++) {
      const take = this.#takes[t];
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
    const take = (g: number) => this.#takes[takeOf[g]];
    const idLo = (g: number) => take(g).id[2 * at[g]];
    const idHi = (g: number) => take(g).id[2 * at[g] + 1];
    // sessions by start, then id (16 hex digits compare as the (high, low) words do)
    const rank = new Uint32Array(groups);
    for (let k = 0; k < groups; k++) rank[k] = k;
    const leader = (k: number) => order[groupFrom[k]];
    rank.sort((x, y) => {
      const a = leader(x), b = leader(y);
      return start[a] - start[b] || idHi(a) - idHi(b) || idLo(a) - idLo(b);
    });

    // the distinct sets of merged sessions (sorted unions), and the size of every set column
    const unions = new Map<number, Uint32Array[]>();
    const setSize = [0, 0, 0, 0];
    for (let k = 0; k < groups; k++) {
      const from = groupFrom[k], to = groupFrom[k + 1];
      if (to - from === 1) {
        const g = order[from];
        for (let s = 0; s < 4; s++) setSize[s] += take(g).sets[8 * at[g] + 2 * s + 1];
        continue;
      }
      const sets = [0, 1, 2, 3].map((s) => union(order.subarray(from, to), (g) => setOf(take(g), at[g], s)));
      for (let s = 0; s < 4; s++) setSize[s] += sets[s].length;
      unions.set(k, sets);
    }

    const ips = compact(tables[0]), uas = compact(tables[1]), users = compact(tables[2]), hosts = compact(tables[3]), eps = compact(tables[4]);
    const cols = emptyColumns(groups, { ips: ips.out, userAgents: uas.out, users: users.out, hosts: hosts.out, endpoints: eps.out });
    const ipSet = (cols.ipSet = new Uint32Array(setSize[0]));
    const epSet = (cols.endpointSet = new Uint32Array(setSize[1]));
    const hostSet = (cols.hostSet = new Uint32Array(setSize[2]));
    const idSet = (cols.idPathSet = new Uint32Array(setSize[3]));
    const setAt = [0, 0, 0, 0];
    for (let r = 0; r < groups; r++) {
      const k = rank[r];
      const from = groupFrom[k], to = groupFrom[k + 1];
      const g = order[from];
      const t = take(g), i = at[g];
      // first fields from the first piece, as are the figures it starts with
      cols.id[r] = hexPair(t.id, i);
      cols.keyKind[r] = t.kind[i];
      cols.keyHash[r] = hexPair(t.key, i);
      cols.start[r] = t.start[i];
      cols.ip[r] = ips.ref(t.firstIp[i]);
      cols.userAgent[r] = uas.ref(t.firstUa[i]);
      cols.firstEndpoint[r] = eps.ref(t.firstEp[i]);
      let lastEnd = t.end[i], lastEp = t.lastEp[i], user = t.user[i];
      let requests = t.count[i], bytes = t.bytes[i], durSum = t.durSum[i], durCount = t.durCount[i], durMax = t.durMax[i];
      let authFail = t.authFail[i], notFound = t.notFound[i], slow = t.slow[i], burst = t.burst[i];
      let gapN = t.gapN[i], gapSum = t.gapSum[i], gapSq = t.gapSq[i];
      cols.status.set(t.status.subarray(6 * i, 6 * i + 6), 6 * r);
      cols.attacks.set(t.attacks.subarray(7 * i, 7 * i + 7), 7 * r);
      // the other pieces in start order, folded in as assembly/sessions.ts folds requests in
      for (let p = from + 1; p < to; p++) {
        const h = order[p];
        const u = take(h), j = at[h];
        const before = lastEnd;
        if (u.end[j] >= lastEnd) {
          lastEnd = u.end[j];
          lastEp = u.lastEp[j];
        }
        if (user === 0) user = u.user[j];
        requests += u.count[j];
        bytes += u.bytes[j];
        for (let c = 0; c < 6; c++) cols.status[6 * r + c] += u.status[6 * j + c];
        durSum += u.durSum[j];
        durCount += u.durCount[j];
        if (u.durMax[j] > durMax) durMax = u.durMax[j];
        for (let c = 0; c < 7; c++) cols.attacks[7 * r + c] += u.attacks[7 * j + c];
        authFail += u.authFail[j];
        notFound += u.notFound[j];
        slow += u.slow[j];
        if (u.burst[j] > burst) burst = u.burst[j];
        // the gap that bridged the two pieces counts too (as if read in one go)
        const bridge = u.start[j] - before;
        const gap = bridge > 0 ? bridge : 0;
        gapN += u.gapN[j] + (bridge > 0 ? 1 : 0);
        gapSum = gapSum + u.gapSum[j] + gap;
        gapSq = gapSq + u.gapSq[j] + gap * gap;
      }
      cols.end[r] = lastEnd;
      cols.lastEndpoint[r] = eps.ref(lastEp);
      cols.user[r] = user > 0 ? users.ref(user - 1) : -1;
      cols.requests[r] = requests;
      cols.bytes[r] = bytes;
      cols.durationSum[r] = durSum;
      cols.durationCount[r] = durCount;
      cols.durationMax[r] = durMax;
      cols.authFailures[r] = authFail;
      cols.notFound[r] = notFound;
      cols.slowRequests[r] = slow;
      cols.errorBurst[r] = burst;
      cols.gapCount[r] = gapN;
      cols.gapSum[r] = gapSum;
      cols.gapSumSq[r] = gapSq;
      const merged = unions.get(k);
      const set = (s: number) => merged?.[s] ?? setOf(t, i, s);
      const ipIds = set(0), epIds = set(1), hostIds = set(2), idIds = set(3);
      cols.distinctIps[r] = ipIds.length;
      cols.distinctEndpoints[r] = epIds.length;
      cols.distinctHosts[r] = hostIds.length;
      cols.idPaths[r] = idIds.length;
      for (let q = 0; q < ipIds.length; q++) ipSet[setAt[0]++] = ips.ref(ipIds[q]);
      for (let q = 0; q < epIds.length; q++) {
        epSet[setAt[1]++] = eps.ref(epIds[q]);
        sessionsPerEndpoint[epIds[q]]++;
      }
      for (let q = 0; q < hostIds.length; q++) hostSet[setAt[2]++] = hosts.ref(hostIds[q] - 1);
      idSet.set(idIds, setAt[3]);
      setAt[3] += idIds.length;
      cols.ipSetStart[r + 1] = setAt[0];
      cols.endpointSetStart[r + 1] = setAt[1];
      cols.hostSetStart[r + 1] = setAt[2];
      cols.idPathSetStart[r + 1] = setAt[3];
    }
    detach([takeOf, at, keyLo, keyHi, start, end, order, rank].map((a) => a.buffer));
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
