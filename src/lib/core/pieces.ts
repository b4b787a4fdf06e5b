import { detach, emptyColumns } from './columns';
import type { SessionColumns } from './types';

// Session pieces taken out of the core as it reads (assembly/sessions.ts closes them), and merged
// at the end by the core (assembly/merge.ts): pieces of one key that touch or bridge within the
// timeout become one session, with exact figures, as if every line had been read in time order
// (SPEC §2).
// Kept here while reading, not in the core, to bound the core's memory: a wasm memory never
// shrinks and is only given back when a full garbage collection finds the instance, which an idle
// worker may not run for a long time. For the merge they go back a few columns at a time, each
// copy here let go once the core has it, and come out a column at a time: the core never holds
// all the pieces or all the sessions, and the sessions take the pieces' place here rather than
// adding to them. The merge runs in the core: JS that runs once over every session stays mostly
// in the interpreter (~7 µs a session, against well under 1 µs there).

/** What the core exports for its pieces and their merge (assembly/index.ts). */
export interface PieceExports {
  memory: WebAssembly.Memory;
  pieceCount(): number;
  pieceColumn(i: number): number;
  setArenaPtr(): number;
  setArenaLength(): number;
  resetPieces(): void;
  mergeInput(slot: number, bytes: number): number;
  mergeGroup(n: number, inactivityMs: number, maxSessionMs: number): number;
  mergedColumn(i: number): number;
  mergedSetLength(): number;
  mergedSetStartsPtr(): number;
  mergedSetSizesPtr(): number;
  keptCount(i: number): number;
  keptPtr(i: number): number;
  endpointSessionsPtr(): number;
  mergeRelease(): void;
}

/** Piece columns, as assembly/index.ts pieceColumn numbers them, and their bytes per piece. */
const enum P {
  Start, End, Count, Key, Kind, FirstIp, FirstUa, User, Bytes, Status, DurSum, DurCount, DurMax,
  FirstEp, LastEp, Sets, Id, Attacks, AuthFail, NotFound, GapN, GapSum, GapSq, Slow, Burst
}
const PIECE_BYTES = [8, 8, 4, 8, 4, 4, 4, 4, 8, 24, 8, 4, 8, 4, 4, 32, 8, 28, 4, 4, 4, 8, 8, 4, 4];

/** The pieces of one take: each column's bytes as the core lays them out, and the set ids. */
interface Take {
  columns: Uint8Array[];
  arena: Uint8Array;
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
    this.#takes.push({
      columns: PIECE_BYTES.map((bytes, i) => new Uint8Array(mem, x.pieceColumn(i) >>> 0, n * bytes).slice()),
      arena: new Uint8Array(mem, x.setArenaPtr() >>> 0, (x.setArenaLength() >>> 0) * 4).slice()
    });
    this.#count += n;
    x.resetPieces();
  }

  /** Copies piece column i (or the set ids) of every take into the core's input slot, and lets the copies here go. */
  feed(x: PieceExports, slot: number, i: P | 'arena'): void {
    const parts = this.#takes.map((t) => (i === 'arena' ? t.arena : t.columns[i]));
    const ptr = x.mergeInput(slot, parts.reduce((s, p) => s + p.length, 0)) >>> 0;
    const mem = new Uint8Array(x.memory.buffer);
    for (let t = 0, at = ptr; t < parts.length; t++) {
      mem.set(parts[t], at);
      at += parts[t].length;
    }
    detach(parts.map((p) => p.buffer as ArrayBuffer));
  }

  /** Lets every copy still here go (after the merge). */
  release(): void {
    detach(this.#takes.flatMap((t) => [...t.columns, t.arena]).map((p) => p.buffer as ArrayBuffer));
    this.#takes = [];
    this.#count = 0;
  }
}

/** A string table of the core, decoded on demand. */
export interface CoreTable {
  size: number;
  get(k: number): string;
  /** Every entry, decoded (in one go where it can be). */
  all(): string[];
}

/** The core's string tables: IPs, user agents, users, hosts, endpoints. */
export type CoreTables = [CoreTable, CoreTable, CoreTable, CoreTable, CoreTable];

export interface MergeLimits {
  inactivityMs: number;
  /** 0: no maximum session length. */
  maxSessionMs: number;
}

/** Column numbers of assembly/merge.ts (Col). */
const enum Col {
  Ids, Start, End, LastEp, GapN, GapSum, GapSq,
  Requests, DurCount, AuthFail, NotFound, Slow, Burst, Bytes, DurSum, DurMax, Status, Attacks,
  FirstIp, FirstEp, Kind, FirstUa, User,
  IpSet, EndpointSet, HostSet, IdSet
}

/**
 * Merges the pieces taken into sessions, sorted by (start, id), with the user agent and user
 * tables cut to what the sessions refer to; labels and risk are left to scoreSessions.
 * `sessionsPerEndpoint[e]` gets the number of sessions that touched core endpoint e. The store is
 * empty after. The order of the calls is the core's protocol (assembly/merge.ts).
 */
export function mergedSessions(x: PieceExports, store: PieceStore, limits: MergeLimits, tablesOf: () => CoreTables, sessionsPerEndpoint: Uint32Array): SessionColumns {
  store.feed(x, 0, P.Key);
  store.feed(x, 1, P.Start);
  store.feed(x, 2, P.End);
  store.feed(x, 3, P.Id);
  const n = x.mergeGroup(store.count, limits.inactivityMs, limits.maxSessionMs) >>> 0;
  // each column is made into one scratch buffer of the core and copied out at once; views are
  // made after each call (a call may grow the memory, which detaches the views made before)
  const col = <T>(c: Col, Kind: { new (b: ArrayBuffer, o: number, n: number): T & { slice(): T } }, per = 1): T =>
    new Kind(x.memory.buffer, x.mergedColumn(c) >>> 0, n * per).slice();
  const f64 = (c: Col) => col(c, Float64Array);
  const u32 = (c: Col, per = 1) => col(c, Uint32Array, per);
  /** Piece column i into slot 0, then output column c made of it. */
  const from = <T>(i: P, make: () => T): T => {
    store.feed(x, 0, i);
    return make();
  };
  const kept = (t: number) => new Uint32Array(x.memory.buffer, x.keptPtr(t) >>> 0, x.keptCount(t) >>> 0).slice();
  // every column is assigned below (made with n rows here, they would be garbage the size of the result)
  const cols = emptyColumns(0, { ips: [], userAgents: [], users: [], hosts: [], endpoints: [] });
  cols.count = n;
  cols.id = new Array<string>(n);
  cols.keyHash = new Array<string>(n);
  // per session its id and key hash, 16 hex digits each, decoded in one call and cut (V8 keeps a
  // cut of 13 characters or more as a reference into the whole: ~20 bytes, no copy; a string per
  // session made by String.fromCharCode cost 3x the time)
  const hex = ascii.decode(new Uint8Array(x.memory.buffer, x.mergedColumn(Col.Ids) >>> 0, 32 * n));
  cols.start = f64(Col.Start);
  // the key and id are done with; start and end stay for the walks, with one piece column each
  x.mergeInput(0, 0);
  x.mergeInput(3, 0);
  cols.end = f64(Col.End);
  const walked = <T>(i: P, make: () => T): T => {
    store.feed(x, 4, i);
    return make();
  };
  cols.lastEndpoint = walked(P.LastEp, () => u32(Col.LastEp));
  cols.gapCount = walked(P.GapN, () => u32(Col.GapN));
  cols.gapSum = walked(P.GapSum, () => f64(Col.GapSum));
  cols.gapSumSq = walked(P.GapSq, () => f64(Col.GapSq));
  for (const slot of [1, 2, 4]) x.mergeInput(slot, 0);
  cols.requests = from(P.Count, () => u32(Col.Requests));
  cols.durationCount = from(P.DurCount, () => u32(Col.DurCount));
  cols.authFailures = from(P.AuthFail, () => u32(Col.AuthFail));
  cols.notFound = from(P.NotFound, () => u32(Col.NotFound));
  cols.slowRequests = from(P.Slow, () => u32(Col.Slow));
  cols.errorBurst = from(P.Burst, () => u32(Col.Burst));
  cols.bytes = from(P.Bytes, () => f64(Col.Bytes));
  cols.durationSum = from(P.DurSum, () => f64(Col.DurSum));
  cols.durationMax = from(P.DurMax, () => f64(Col.DurMax));
  cols.status = from(P.Status, () => u32(Col.Status, 6));
  cols.attacks = from(P.Attacks, () => u32(Col.Attacks, 7));
  cols.ip = from(P.FirstIp, () => u32(Col.FirstIp));
  cols.firstEndpoint = from(P.FirstEp, () => u32(Col.FirstEp));
  cols.keyKind = from(P.Kind, () => col(Col.Kind, Uint8Array));
  cols.userAgent = from(P.FirstUa, () => u32(Col.FirstUa));
  const agentIds = kept(0);
  cols.user = from(P.User, () => col(Col.User, Int32Array));
  const userIds = kept(1);
  store.feed(x, 0, P.Sets);
  store.feed(x, 1, 'arena');
  const sets = [
    [Col.IpSet, 'ipSet', 'distinctIps'],
    [Col.EndpointSet, 'endpointSet', 'distinctEndpoints'],
    [Col.HostSet, 'hostSet', 'distinctHosts'],
    [Col.IdSet, 'idPathSet', 'idPaths']
  ] as const;
  for (const [c, name, sizes] of sets) {
    const at = x.mergedColumn(c) >>> 0;
    const mem = x.memory.buffer;
    cols[name] = new Uint32Array(mem, at, x.mergedSetLength() >>> 0).slice();
    cols[`${name}Start`] = new Uint32Array(mem, x.mergedSetStartsPtr() >>> 0, n + 1).slice();
    cols[sizes] = new Uint32Array(mem, x.mergedSetSizesPtr() >>> 0, n).slice();
    if (c === Col.EndpointSet) sessionsPerEndpoint.set(new Uint32Array(mem, x.endpointSessionsPtr() >>> 0, sessionsPerEndpoint.length));
  }
  x.mergeRelease();
  store.release();
  // the strings last, over views of the memory as it now is
  const tables = tablesOf();
  cols.ips = tables[0].all();
  cols.userAgents = Array.from(agentIds, (k) => tables[1].get(k));
  cols.users = Array.from(userIds, (k) => tables[2].get(k));
  cols.hosts = tables[3].all();
  cols.endpoints = tables[4].all();
  for (let r = 0; r < n; r++) {
    cols.id[r] = hex.slice(32 * r, 32 * r + 16);
    cols.keyHash[r] = hex.slice(32 * r + 16, 32 * r + 32);
  }
  return cols;
}

/** The core writes ASCII only here: any UTF-8 decoder reads it byte for byte. */
const ascii = new TextDecoder();
