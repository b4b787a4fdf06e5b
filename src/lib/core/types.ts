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
  /** Requests that came after their session's time had been closed (merged back in at the end). */
  late: number;
  sessions: number;
  format: FormatName;
  /** The first malformed lines, with file and line number. */
  malformedSamples: MalformedSample[];
}

/** Grouping key kinds (SPEC §2), in the order of the core's KeyKind (index 0 unused). */
export const KEY_KINDS = ['', 'cookie', 'header', 'jwt', 'query', 'user', 'ip+ua', 'ip'] as const;
export type KeyKindName = Exclude<(typeof KEY_KINDS)[number], ''>;

/** Attack types (SPEC §3), in the order of the core's bits (assembly/detect.ts). */
export const ATTACK_TYPES = ['sqli', 'xss', 'traversal', 'cmdi', 'jndi', 'file-inclusion', 'scanner'] as const;
export type AttackType = (typeof ATTACK_TYPES)[number];

/** Behaviour labels of a session (SPEC §3). */
export const LABELS = ['security-crawler', 'brute-force', 'forced-browsing', 'enumeration', 'scraping', 'machine-timing', 'library-agent', 'slow-requests', 'error-burst'] as const;
export type LabelName = (typeof LABELS)[number];

/** A label with the numbers behind it. */
export interface Label {
  name: LabelName;
  evidence: string;
}

/** One part of a risk score, so the score can be explained. */
export interface RiskPart {
  part: string;
  points: number;
}

/** Status classes counted per session and endpoint: 1xx..5xx, then anything else (0, "-"). */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const;

/**
 * Sessions as columns: row i of every array describes session i, rows sorted by start (ties by
 * id). Strings live in tables (IPs, user agents, users, hosts, endpoints), decoded once each.
 */
export interface SessionColumns {
  count: number;
  /** 64-bit session ids as 16 hex digits (key hash and start). */
  id: string[];
  /** Index into KEY_KINDS. */
  keyKind: Uint8Array;
  /** Salted 64-bit hash of the key value, 16 hex digits: the raw key is never kept. */
  keyHash: string[];
  /** UTC milliseconds of the first and last request. */
  start: Float64Array;
  end: Float64Array;
  requests: Uint32Array;
  bytes: Float64Array;
  /** Six counts per session, by STATUS_CLASSES. */
  status: Uint32Array;
  /** Durations where logged: sum, how many, longest (ms). */
  durationSum: Float64Array;
  durationCount: Uint32Array;
  durationMax: Float64Array;
  /** First IP, user agent; index into `ips`, `userAgents`. */
  ip: Uint32Array;
  userAgent: Uint32Array;
  /** Index into `users`, or -1 when the session has no remote user. */
  user: Int32Array;
  /** Index into `endpoints` of the first and last request's endpoint. */
  firstEndpoint: Uint32Array;
  lastEndpoint: Uint32Array;
  distinctIps: Uint32Array;
  distinctEndpoints: Uint32Array;
  distinctHosts: Uint32Array;
  /**
   * The distinct IPs, endpoints and hosts of each session, kept whole so sessions of different
   * imports merge exactly: session i's are `ipSet[ipSetStart[i] .. ipSetStart[i+1]]` (indices
   * into `ips`), and likewise for endpoints and hosts.
   */
  ipSet: Uint32Array;
  ipSetStart: Uint32Array;
  endpointSet: Uint32Array;
  endpointSetStart: Uint32Array;
  hostSet: Uint32Array;
  hostSetStart: Uint32Array;
  /** Requests per attack type, 7 per session (ATTACK_TYPES order). */
  attacks: Uint32Array;
  /** 401/403 answers on login-like endpoints. */
  authFailures: Uint32Array;
  notFound: Uint32Array;
  /** Gaps between successive requests (in arrival order): how many, sum and sum of squares (ms). */
  gapCount: Uint32Array;
  gapSum: Float64Array;
  gapSumSq: Float64Array;
  /** Distinct object ids asked for: raw paths of endpoints with an id placeholder (hashes). */
  idPaths: Uint32Array;
  idPathSet: Uint32Array;
  idPathSetStart: Uint32Array;
  /** Requests slow for their endpoint (above its p99 and thrice its median, as seen so far). */
  slowRequests: Uint32Array;
  /** The most server errors (5xx) within a minute. */
  errorBurst: Uint32Array;
  /** Labels (bit i = LABELS[i]) and risk 0..100, set by scoreSessions (labels.ts). */
  labelBits: Uint16Array;
  risk: Uint8Array;
  /** The dataset's own baseline the scraping label is judged against. */
  baseline: Baseline;
  ips: string[];
  userAgents: string[];
  users: string[];
  hosts: string[];
  /** "METHOD /path/{int}" templates. */
  endpoints: string[];
}

/** Per-session figures of the whole dataset, for labels judged against it. */
export interface Baseline {
  /** 99th percentile of requests, requests per minute and bytes per session. */
  requestsP99: number;
  rateP99: number;
  bytesP99: number;
}

/** Hosts listed per session (all are counted). */
export const HOSTS_PER_SESSION = 8;

/** One session as a plain object: what the CLI prints and the table shows. */
export interface Session {
  id: string;
  /** The grouping key kind that made it (ip+ua, cookie, header, jwt, query, user, ip). */
  key: KeyKindName;
  keyHash: string;
  /** First IP and user agent (unescaped: Apache `\"` and `\\`, nginx `\xHH`). */
  ip: string;
  userAgent: string;
  user: string | null;
  /** UTC milliseconds. */
  start: number;
  end: number;
  requests: number;
  bytes: number;
  status: Record<(typeof STATUS_CLASSES)[number], number>;
  /** Average and longest duration in ms, where logged. */
  durationMs: { avg: number; max: number } | null;
  ips: number;
  endpoints: number;
  hosts: string[];
  firstEndpoint: string;
  lastEndpoint: string;
  /** Requests per attack type (types with none left out). */
  attacks: Partial<Record<AttackType, number>>;
  labels: Label[];
  risk: number;
  riskParts: RiskPart[];
}

/** Statistics of one endpoint (method + path template), SPEC §2. */
export interface EndpointStats {
  endpoint: string;
  method: string;
  path: string;
  requests: number;
  sessions: number;
  status: Record<(typeof STATUS_CLASSES)[number], number>;
  bytes: number;
  /** Latency percentiles in ms from the endpoint's sketch; null when no duration is logged. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** ISO 8601 UTC. */
  firstSeen: string;
  lastSeen: string;
  /** The mergeable latency sketch: bucket index → count (sparse). */
  sketch: Record<number, number>;
  /** Requests per attack type. */
  attacks: Record<AttackType, number>;
  /** 0..100: the share of attack requests, weighted by type. */
  risk: number;
}

/** An expected failure, as a value: the file it concerns and a sentence for the user. */
export interface InputError {
  kind:
    | 'empty'
    | 'binary'
    | 'not-a-log'
    | 'not-recognised'
    | 'bad-format'
    | 'unsupported-compression'
    | 'read-failed'
    | 'cancelled'
    /** Every file given was imported before (the page may offer to force it). */
    | 'duplicate'
    /** The browser refused to store more (QuotaExceededError): the import was rolled back. */
    | 'storage-full';
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
  /** Attack types detected on this request. */
  attacks: AttackType[];
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
