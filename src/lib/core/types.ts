// The typed surface of the core, shared by the worker, the CLI and the tests.
// Nothing here touches the DOM or Node: plain data only.

/**
 * Name of a format (SPEC §1): combined, common, vcombined, vcommon, json, json:caddy, json:traefik,
 * json:envoy, json:gcp, json:mapped, alb, elb, cloudfront, w3c, nginx:<format>, apache:<format>;
 * files in different formats are joined with "+".
 */
export type FormatName = string;

/** One kept malformed line: the file it came from, its 1-based line number, a cut of its text. */
export interface MalformedSample {
  file: string;
  line: number;
  reason: string;
  text: string;
}

/** Counts of one import (one or more files read as one log), SPEC §6 `summary`. */
export interface Summary {
  files: number;
  bytes: number;
  /** Every newline-separated record, blank and malformed included; an unterminated last line counts. */
  lines: number;
  blank: number;
  /** Lines parsed into requests. */
  requests: number;
  malformed: number;
  /** Lines longer than the 64 KiB limit, cut before parsing. */
  truncated: number;
  sessions: number;
  format: FormatName;
  /** The first malformed lines, with file and line number. */
  malformedSamples: MalformedSample[];
}

/**
 * Sessions as columns: row i of every array describes session i, rows sorted by start
 * (ties by id). Strings live in per-actor and per-user tables, decoded once each.
 */
export interface SessionColumns {
  count: number;
  /** UTC milliseconds of the first and last request. */
  start: Float64Array;
  end: Float64Array;
  requests: Uint32Array;
  /** Index into `actors`. */
  actor: Uint32Array;
  /** Index into `users`, or -1 when the session has no remote user. */
  user: Int32Array;
  /** 64-bit session ids as 16 hex digits. */
  id: string[];
  actors: Actor[];
  users: string[];
}

/** The grouping key of a session; `ip+ua` for now (SPEC §2 grouping keys come later). */
export interface Actor {
  keyKind: 'ip+ua';
  /** Salted 64-bit hash of the key value, 16 hex digits: the raw key is never stored. */
  keyHash: string;
  ip: string;
  /** Unescaped (Apache `\"` and `\\`, nginx `\xHH`). */
  userAgent: string;
}

/** One session as a plain object: what the CLI prints and the table shows. */
export interface Session {
  id: string;
  key: 'ip+ua';
  keyHash: string;
  ip: string;
  userAgent: string;
  user: string | null;
  /** UTC milliseconds. */
  start: number;
  end: number;
  requests: number;
}

/** An expected failure, as a value: the file it concerns and a sentence for the user. */
export interface InputError {
  kind: 'empty' | 'binary' | 'not-a-log' | 'not-recognised' | 'bad-format' | 'unsupported-compression' | 'read-failed' | 'cancelled';
  file: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: InputError };

/** One request as the parser read it: what the preview shows and golden tests check. */
export interface ParsedRequest {
  file: string;
  line: number;
  /** ISO 8601 UTC. */
  time: string | null;
  ip: string | null;
  user: string | null;
  method: string | null;
  path: string | null;
  query: string | null;
  protocol: string | null;
  status: number;
  bytes: number | null;
  durationMs: number | null;
  userAgent: string | null;
  referer: string | null;
  host: string | null;
  cookie: string | null;
  xff: string | null;
  /** Fields kept by name: "header:x-api-key", "cookie:sid", "field:upstream_addr", … */
  fields: Record<string, string>;
}

/** Progress of a running import, reported every chunk or so. */
export interface Progress {
  file: string;
  fileIndex: number;
  files: number;
  /** Bytes read from the source so far (compressed bytes for .gz), over all files. */
  bytesRead: number;
  bytesTotal: number;
  lines: number;
}
