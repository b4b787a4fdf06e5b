import { emptyColumns } from './columns';
import type { SessionColumns } from './types';

// The sessions of an import, copied out of the core once assembly/merge.ts has merged the pieces
// assembly/sessions.ts closed: pieces of one key that touch or bridge within the timeout become
// one session, with exact figures, as if every line had been read in time order (SPEC §2). The
// merge runs in the core: JS that runs once over every session stays mostly in the interpreter
// (~7 µs a session, against well under 1 µs there).

/** What the core exports for its merge (assembly/index.ts). */
export interface MergeExports {
  memory: WebAssembly.Memory;
  mergeSessions(inactivityMs: number, maxSessionMs: number): number;
  mergedColumn(i: number): number;
  mergedSetLength(): number;
  mergedSetStartsPtr(): number;
  mergedSetSizesPtr(): number;
  keptCount(i: number): number;
  keptPtr(i: number): number;
  endpointSessionsPtr(): number;
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
  Start, End, Requests, Bytes, DurSum, DurCount, DurMax, AuthFail, NotFound, Slow, Burst,
  Status, Attacks, GapN, GapSum, GapSq, FirstIp, FirstUa, User, FirstEp, LastEp, Kind, Ids,
  IpSet, EndpointSet, HostSet, IdSet
}

/**
 * Merges the core's pieces into sessions, sorted by (start, id), with the user agent and user
 * tables cut to what the sessions refer to; labels and risk are left to scoreSessions.
 * `sessionsPerEndpoint[e]` gets the number of sessions that touched core endpoint e.
 */
export function mergedSessions(x: MergeExports, limits: MergeLimits, tablesOf: () => CoreTables, sessionsPerEndpoint: Uint32Array): SessionColumns {
  const n = x.mergeSessions(limits.inactivityMs, limits.maxSessionMs) >>> 0;
  // each column is made into one scratch buffer of the core and copied out at once; views are
  // made after each call (a call may grow the memory, which detaches the views made before)
  const col = <T>(c: Col, Kind: { new (b: ArrayBuffer, o: number, n: number): T & { slice(): T } }, per = 1): T =>
    new Kind(x.memory.buffer, x.mergedColumn(c) >>> 0, n * per).slice();
  const f64 = (c: Col) => col(c, Float64Array);
  const u32 = (c: Col, per = 1) => col(c, Uint32Array, per);
  const kept = (t: number) => new Uint32Array(x.memory.buffer, x.keptPtr(t) >>> 0, x.keptCount(t) >>> 0).slice();
  const cols = emptyColumns(n, { ips: [], userAgents: [], users: [], hosts: [], endpoints: [] });
  // per session its id and key hash, 16 hex digits each, decoded in one call and cut (V8 keeps a
  // cut of 13 characters or more as a reference into the whole: ~20 bytes, no copy; a string per
  // session made by String.fromCharCode cost 3x the time)
  const hex = ascii.decode(new Uint8Array(x.memory.buffer, x.mergedColumn(Col.Ids) >>> 0, 32 * n));
  cols.userAgent = u32(Col.FirstUa);
  const agentIds = kept(0);
  cols.user = col(Col.User, Int32Array);
  const userIds = kept(1);
  cols.keyKind = col(Col.Kind, Uint8Array);
  cols.start = f64(Col.Start);
  cols.end = f64(Col.End);
  cols.requests = u32(Col.Requests);
  cols.bytes = f64(Col.Bytes);
  cols.status = u32(Col.Status, 6);
  cols.durationSum = f64(Col.DurSum);
  cols.durationCount = u32(Col.DurCount);
  cols.durationMax = f64(Col.DurMax);
  cols.ip = u32(Col.FirstIp);
  cols.firstEndpoint = u32(Col.FirstEp);
  cols.lastEndpoint = u32(Col.LastEp);
  cols.attacks = u32(Col.Attacks, 7);
  cols.authFailures = u32(Col.AuthFail);
  cols.notFound = u32(Col.NotFound);
  cols.gapCount = u32(Col.GapN);
  cols.gapSum = f64(Col.GapSum);
  cols.gapSumSq = f64(Col.GapSq);
  cols.slowRequests = u32(Col.Slow);
  cols.errorBurst = u32(Col.Burst);
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
