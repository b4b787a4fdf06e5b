// The worker's typed surface: the only thing the page imports from the worker side (types only).
import type { FilePreview } from '../lib/core/analyse';
import type { AttackType, EndpointStats, InputError, Label, LabelName, ParsedRequest, Progress, Result, RiskPart, Session, Summary } from '../lib/core/types';
import type { SortKey } from '../lib/filters';
import type { GroupingSettings } from '../lib/grouping';
import type { ContextParam } from '../lib/core/context';
import type { ImportRecord, Retention } from '../lib/storage/store';
import type { EndpointQuery, EndpointSort } from '../lib/endpoint-query';
import type { Pruned } from './commit';
import type { ActorSessions, Distribution, Distributions, SessionProfile, Share, Timeline } from './session-profile';
import type { ActorIp, LatencyFigures, Overview, SessionBrief } from './overview';
import type { StorageMode } from './storage-mode';

export type { StorageMode };
export type { ActorSessions, Distribution, Distributions, Share, Timeline };
export type { ActorIp, EndpointQuery, EndpointSort, LatencyFigures, Overview, SessionBrief };
export type { AttackType, EndpointStats, FilePreview, GroupingSettings, ImportRecord, InputError, Label, LabelName, ParsedRequest, Progress, Pruned, Result, Retention, RiskPart, Session, Summary };

/** Whether the stored sessions can be grouped again with some settings (`checkSettings`). */
export interface RegroupCheck {
  possible: boolean;
  /** The new keys whose values were not stored (cookie, header, jwt, query keys that did not decide). */
  unknownKeys: string[];
  /** Files of the stored imports: what to import again after clearing when it is not possible. */
  files: string[];
  /** Why not, as a sentence; '' when possible. */
  reason: string;
}

/** How far a re-grouping is: requests read back of those stored, then the write. */
export interface RegroupProgress {
  phase: 'reading' | 'writing';
  done: number;
  total: number;
  /** Imports re-read, and which one is being read (0-based). */
  imports: number;
  importIndex: number;
}

/** What a re-grouping did. */
export interface RegroupReport {
  sessionsBefore: number;
  sessionsAfter: number;
  /** Stored requests grouped again. */
  requests: number;
  /**
   * Requests counted in the stored sessions but no longer stored (retention dropped their day while
   * their session went on): those sessions were made again from the requests still stored.
   */
  missing: number;
  /** Requests grouped by a user agent, IP or user that the log wrote escaped: hashed from its text. */
  approximate: number;
  ms: number;
}

/** Settings as stored, and what applying them to the stored sessions did (null: nothing was stored). */
export type SavedSettings = GroupingSettings & { regrouped: RegroupReport | null };

export interface ImportOptions {
  /** Import files whose fingerprint is already in the ledger (their requests then count twice). */
  force?: boolean;
}

/** What start-up upkeep removed: imports a closed tab cut off, days past retention. */
export interface MaintenanceReport {
  discarded: number;
  pruned: Pruned | null;
}

/**
 * The format the user chose for every file of an import. `format` is a name of the core's
 * FORMAT_CHOICES, `nginx:<log_format>` or `apache:<LogFormat>`; undefined, '' or 'auto' detects each
 * file's own. `mapping` is a JSON field mapping (`time=ts,ip=client.addr,…`), for JSON logs only.
 */
export interface FormatChoice {
  format?: string;
  mapping?: string;
}

/**
 * A log to import. Files are structured-cloned into the worker and streamed there; a URL (absolute,
 * resolved by the page) is fetched by the worker and its body streamed.
 */
export type ImportSource = { kind: 'file'; file: File } | { kind: 'url'; url: string; name: string };

/** The summary of one import, how long it took, and how many sessions are stored after it. */
export interface ImportReport extends Summary {
  /** Time taken to read, parse and group, ms. */
  ms: number;
  /** Sessions stored in total after this import. */
  stored: number;
  /** Files left out because they were imported before (importedAt: that import's time; null: twice in this one). */
  skipped: { name: string; importedAt: number | null }[];
  /** Days that retention dropped after this import, or null. */
  pruned: Pruned | null;
}

/**
 * Which sessions to list (SPEC §5). Every condition is optional; empty strings and non-numbers are
 * no condition; conditions combine with AND. `attack` is a name of ATTACK_TYPES (sessions with at
 * least one request of that type) or '*' (of any type); `label` a name of LABELS; `minRisk` the least
 * risk, 0..100. An unknown attack type or label matches nothing.
 */
export interface SessionFilter {
  attack?: string;
  label?: string;
  minRisk?: number;
  /** Sessions overlapping [from, to], UTC ms (either end may be left open). */
  from?: number;
  to?: number;
  /**
   * Sessions overlapping the last `last` ms before the newest stored session's end: stored logs are
   * archives, so "the last hour" is the last hour of the data, not of the clock.
   */
  last?: number;
  /** An endpoint template the session requested: contains, case-insensitive, `*` any run ("/api/*\/orders"). */
  endpoint?: string;
  /** A method ("POST"); with `endpoint`, one endpoint must match both. */
  method?: string;
  /** An address, a CIDR block (IPv4 or IPv6), or the start of an address: any of the session's IPs. */
  ip?: string;
  /** The remote user: contains, case-insensitive, `*` wildcards. */
  user?: string;
  /** A host the session requested: contains, case-insensitive, `*` wildcards. */
  host?: string;
  /**
   * Status codes or classes, comma-separated ("404", "4xx,5xx"): sessions with at least one such
   * answer. Sessions count answers by class (and 404s apart), so other exact codes match their class.
   */
  status?: string;
  minRequests?: number;
  /** A session id or its first hex digits. */
  id?: string;
}

/** What the sessions list can be sorted by: every column of the table (SORT_KEYS). */
export type { SortKey };

/**
 * Order of the listed sessions: a SortKey ascending, or with a leading '-' descending ("-risk":
 * highest first). Ties by start, then id (a stored order walked backwards breaks ties newest first).
 */
export type SessionSort = SortKey | `-${SortKey}`;

export interface SessionPage {
  /** Sessions stored in total. */
  total: number;
  /** Sessions that pass the filter (all stored when there is none). */
  matched: number;
  /** The requested rows of those, in the order asked for. */
  rows: Session[];
}

/** An endpoint's statistics without its raw latency sketch. */
export type EndpointRow = Omit<EndpointStats, 'sketch'>;

export interface EndpointPage {
  /** Endpoints stored in total. */
  total: number;
  /** Endpoints that pass the query (all stored when there is none). */
  matched: number;
  /** The requested rows, in the query's order (default: by requests, most first; ties by endpoint). */
  rows: EndpointRow[];
}

/** One stored request as the session detail shows it (SPEC §5 request table). Log content: text only. */
export interface RequestRow {
  /** UTC ms. */
  time: number;
  method: string;
  /** "METHOD /path/{int}". */
  endpoint: string;
  /** Path and query as the client sent them. */
  target: string;
  status: number;
  bytes: number;
  durationMs: number | null;
  ip: string;
  userAgent: string;
  referrer: string;
  host: string | null;
  user: string | null;
  attacks: AttackType[];
  /** The file it was read from and its line: the evidence's address. */
  file: string;
  line: number;
  /**
   * Its value of each of RequestPage.context, in that order: the value (clear), the salted hash's
   * 16 hex digits (hashed), or null when the request had none or was imported without that parameter.
   */
  context: (string | null)[];
}

/** Which of a session's requests to list. Empty or absent conditions are none. */
export interface RequestFilter {
  /** Only requests with an attack signature. */
  attacksOnly?: boolean;
  /** '1xx'..'5xx'. */
  statusClass?: string;
  /** One endpoint ("METHOD /path/{int}"). */
  endpoint?: string;
  /** Only these status codes (e.g. [401, 403]). */
  statuses?: number[];
  /** Only endpoints with a placeholder ({int}, {uuid}, …): requests for an object id. */
  idsOnly?: boolean;
  /** From this client address. */
  ip?: string;
  /** With this method ("POST"). */
  method?: string;
  /** With this attack type (a name of ATTACK_TYPES; another name matches nothing). */
  attack?: string;
}

export interface RequestPage {
  /** The session's stored requests. */
  total: number;
  /** Those that pass the filter. */
  matched: number;
  rows: RequestRow[];
  /**
   * The session has more requests than are stored: imported before requests were kept (schema v2),
   * or its earliest days pruned by retention.
   */
  partial: boolean;
  /** The context parameters in force, a column each (RequestRow.context). */
  context: ContextParam[];
}

/** A session's distributions and timeline (session-profile.ts), and where it is among its actor's sessions. */
export interface SessionDetailData extends SessionProfile {
  actor: ActorSessions;
}

export interface WorkerApi {
  /**
   * Reads and analyses the sources as one import, with the stored grouping settings and the database's
   * key salt, merges the sessions and endpoint statistics with those already stored (sessions of one
   * key that touch or bridge within the timeout become one), and stores the result. Never rejects for
   * bad input: a failure comes back as an error value naming the file, and leaves stored data exactly
   * as before. Imports (and settings changes, and clearing) run one at a time; a second call waits for
   * the first. `onProgress` must be passed as a comlink `proxy`.
   */
  importSources(
    sources: ImportSource[],
    onProgress?: (p: Progress) => void,
    choice?: FormatChoice,
    options?: ImportOptions
  ): Promise<Result<ImportReport>>;
  /**
   * Reads only the head of each source: its format (detected, or the chosen one) and its first parsed
   * requests, one entry per source in order. Stores nothing and never rejects for bad input: a file
   * that cannot be read or recognised, or an invalid choice (kind 'bad-format'), comes back as the
   * entry's `error`.
   */
  previewSources(sources: ImportSource[], choice?: FormatChoice): Promise<FilePreview[]>;
  /** Cancels the running import, if any; it then resolves to an error value and stores nothing. */
  cancelImport(): Promise<void>;
  /**
   * Rows `offset .. offset+limit` of the stored sessions that pass `filter`, sorted by `sort`
   * (default: by start), with how many pass and how many are stored.
   */
  listSessions(offset: number, limit: number, filter?: SessionFilter, sort?: SessionSort): Promise<SessionPage>;
  sessionTotal(): Promise<number>;
  /**
   * Rows `offset .. offset+limit` of the stored endpoints that pass `query` (text search with `*`
   * wildcards or a `"…"` whole path, method, status class, attacked only, least requests), in its
   * sort (default: by requests, most first). Sorts are computed once per stored data and kept.
   */
  listEndpoints(offset: number, limit: number, query?: EndpointQuery): Promise<EndpointPage>;
  /**
   * The overview's figures (sessions and requests over time, status mix, top actors, attacks,
   * latency), over the sessions overlapping the filter's time window (`from`, `to`, `last`; its
   * other conditions are not applied), or all data. Kept per stored data and window.
   */
  overview(filter?: SessionFilter): Promise<Overview>;
  /** The import ledger, oldest first (counts and file names only). */
  listImports(): Promise<ImportRecord[]>;
  /** The grouping settings the next imports use (and the stored sessions were made with). */
  getSettings(): Promise<GroupingSettings>;
  /**
   * Checks and stores new grouping settings (keys as `parseKeys` reads them, the timeout in ms), and
   * groups the stored requests again with them (`onProgress`, a comlink `proxy`, follows it;
   * `cancelRegroup` stops it). Atomic: cancelled or failed, the stored sessions and settings are
   * exactly as before. Resolves to the settings as stored (keys canonical) with what re-grouping
   * did, or to an error: 'bad-format' for bad values, or for keys whose values were not stored (see
   * `checkSettings`), 'cancelled', 'storage-full', 'read-failed'.
   */
  saveSettings(settings: GroupingSettings, onProgress?: (p: RegroupProgress) => void): Promise<Result<SavedSettings>>;
  /** Whether `saveSettings` can group the stored requests with these settings ('bad-format' for bad values). */
  checkSettings(settings: GroupingSettings): Promise<Result<RegroupCheck>>;
  /** Stops a running re-grouping: the stored data stays as it was. */
  cancelRegroup(): Promise<void>;
  /** The context parameters the next imports keep with each request (SPEC §5 Settings). */
  getContext(): Promise<ContextParam[]>;
  /**
   * Checks and stores the context parameters (`checkContext`): never refused for stored data, as they
   * change no session; requests imported before keep the parameters of their own import.
   */
  saveContext(params: ContextParam[]): Promise<Result<ContextParam[]>>;
  /** Empties the ledger, the sessions and the endpoint statistics (salt and settings stay). */
  clearData(): Promise<void>;
  /**
   * Start-up upkeep under the write lock: removes imports a closed tab cut off and the days retention
   * no longer keeps, and says what went.
   */
  maintain(): Promise<MaintenanceReport>;
  /** Forgets the data held in the worker (another tab wrote): the next listing reads the store. */
  refresh(): Promise<void>;
  /** This worker's id, as it signs its change messages (locks.ts), so a tab can skip its own. */
  instanceId(): Promise<string>;
  /**
   * Rows `offset .. offset+limit` of a stored session's requests that pass `filter`, by time. An
   * unknown id gives an empty page.
   */
  sessionRequests(sessionId: string, offset: number, limit: number, filter?: RequestFilter): Promise<RequestPage>;
  /**
   * What a stored session's detail draws: the distributions of its stored requests, their timeline,
   * and its actor's other sessions (previous and next by start). Null for an unknown id.
   */
  sessionProfile(sessionId: string): Promise<SessionDetailData | null>;
  /** Where data is kept: the browser's IndexedDB, or this worker's memory (nothing outlives the tab). */
  storageMode(): Promise<StorageMode>;
  getRetention(): Promise<Retention>;
  /** Stores the retention and prunes what it no longer keeps; 'bad-format' for a bad number of days. */
  saveRetention(r: Retention): Promise<Result<{ retention: Retention; pruned: Pruned | null }>>;
}
