// Requests as packed columns: what the core hands back per chunk when asked (EngineOptions.requests)
// and what the page stores in IndexedDB, a block per day (SPEC §4). A block is self-contained: its
// strings live in its own small dictionaries, so it can be read, pruned or dropped on its own.
import { detach } from './columns';

/** Dictionaries of one block: rows hold indices into these. */
export interface RequestDict {
  ips: string[];
  userAgents: string[];
  /** Remote users; row value 0 = none, k = users[k - 1]. */
  users: string[];
  /** Hosts; row value 0 = none, k = hosts[k - 1]. */
  hosts: string[];
  /** "METHOD /path/{int}" templates, as SessionColumns.endpoints. */
  endpoints: string[];
}

/**
 * Rows in the order they were read (not sorted). `keyKind`/`keyHash` are the grouping key that
 * decided the request's session, exactly as the session columns carry them, so a session's requests
 * are those with its key whose time lies in [start, end].
 */
export interface RequestColumns {
  count: number;
  /** UTC ms. */
  time: Float64Array;
  /** Index into KEY_KINDS. */
  keyKind: Uint8Array;
  /** The salted 64-bit key hash, two words per row as the core's u64: [2i] low, [2i+1] high (hex of both = SessionColumns.keyHash). */
  keyHash: Uint32Array;
  ip: Uint32Array;
  userAgent: Uint32Array;
  user: Uint32Array;
  host: Uint32Array;
  endpoint: Uint32Array;
  /** HTTP status; 0 when not logged. */
  status: Uint16Array;
  /** Response bytes; 0 when not logged. */
  bytes: Float64Array;
  /** ms; NaN when not logged. */
  duration: Float32Array;
  /** Attack type bits (bit i = ATTACK_TYPES[i]). */
  attacks: Uint16Array;
  /** Index of the file in the import (0-based, modulo 65536) and 1-based line number: the evidence's address. */
  file: Uint16Array;
  line: Uint32Array;
  /**
   * Path and query as the client sent them (the log's escapes undone: Apache \" \\, nginx \xHH,
   * JSON escapes, CloudFront's own level of %-encoding; W3C's '+' stays as logged), as bytes —
   * UTF-8 unless the client sent otherwise: row i is `target[targetEnd[i-1] .. targetEnd[i]]`
   * (from 0 for row 0). Likewise the referrer ('' when none). Each is cut at 4 KiB, on a character
   * boundary, to bound a block's size.
   */
  target: Uint8Array;
  targetEnd: Uint32Array;
  referrer: Uint8Array;
  referrerEnd: Uint32Array;
  dict: RequestDict;
  /** The context parameters configured when the block was read (absent: none, or an older block). */
  context?: RequestContext;
}

/**
 * Context parameter columns (context.ts): per parameter, per row 0 = no value, k = dict[p][k - 1].
 * A hashed parameter's strings are the salted hash's 16 hex digits, never the value.
 */
export interface RequestContext {
  /** columnName() of each parameter: "header:x-tenant", "#cookie:role" (hashed). */
  names: string[];
  values: Uint32Array[];
  dict: string[][];
}

/**
 * Hands a block's memory back at once (its arrays are detached: it must not be read again), for a
 * consumer done with it; else it waits for a full garbage collection, which a worker busy parsing
 * runs only every ~64 MB of such blocks.
 */
export function releaseRequests(r: RequestColumns): void {
  const views = [...Object.values(r), ...(r.context?.values ?? [])].filter(ArrayBuffer.isView);
  detach(views.map((v) => v.buffer as ArrayBuffer));
}

/** Row i's value of the context column `name` (columnName), null when it has none or the block lacks the column. */
export function contextAt(r: RequestColumns, name: string, i: number): string | null {
  const c = r.context;
  const p = c ? c.names.indexOf(name) : -1;
  if (!c || p < 0) return null;
  const v = c.values[p][i];
  return v ? (c.dict[p][v - 1] ?? null) : null;
}

const utf8 = new TextDecoder();

/** The target (path and query) of row i. */
export function targetAt(r: RequestColumns, i: number): string {
  return utf8.decode(r.target.subarray(i === 0 ? 0 : r.targetEnd[i - 1], r.targetEnd[i]));
}

/** The referrer of row i ('' when none). */
export function referrerAt(r: RequestColumns, i: number): string {
  return utf8.decode(r.referrer.subarray(i === 0 ? 0 : r.referrerEnd[i - 1], r.referrerEnd[i]));
}

/** The key hash of row i as 16 hex digits (as SessionColumns.keyHash). */
export function keyHashAt(r: RequestColumns, i: number): string {
  return r.keyHash[2 * i + 1].toString(16).padStart(8, '0') + r.keyHash[2 * i].toString(16).padStart(8, '0');
}
