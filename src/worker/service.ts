// What the worker does, as a plain class: runs the core over the sources, merges the result with what
// is stored and stores it, serves pages of sessions and endpoints, keeps the grouping settings. No
// worker or wasm specifics here, so it runs (and is tested) in Node as well.
import type { AnalyseOptions, LogSource } from '../lib/core/api';
import type { FilePreview } from '../lib/core/analyse';
import type { EngineOptions } from '../lib/core/engine';
import { formatByName, type FormatSpec } from '../lib/core/formats/index';
import { parseKeys } from '../lib/core/keys';
import { mergeEndpoints, mergeSessions } from '../lib/core/merge';
import { sessionAt } from '../lib/core/sessions';
import type { EndpointStats, InputError, Progress, Result, Session, SessionColumns, Summary } from '../lib/core/types';
import { checkGrouping, sameGrouping, type GroupingSettings } from '../lib/grouping';
import {
  clearData,
  getSalt,
  getSettings,
  listImports,
  loadStored,
  putSettings,
  saltWords,
  saveImport,
  sessionCount,
  type ImportRecord,
  type MergedData,
  type StoredData,
  type Store
} from '../lib/storage/store';
import type { EndpointPage, FormatChoice, ImportReport, ImportSource, SessionFilter, SessionPage, SessionSort, WorkerApi } from './api';
import { selectSessions } from './select';

export type Analyse = (
  sources: LogSource[],
  opts: AnalyseOptions & EngineOptions & { format?: FormatSpec }
) => Promise<Result<{ summary: Summary; sessions: SessionColumns; endpoints: EndpointStats[] }>>;

export type Preview = (sources: LogSource[], opts: { format?: FormatSpec; limit?: number }) => Promise<FilePreview[]>;

export interface ServiceDeps {
  /** The core's `analyse` with its compiled module bound. */
  analyse: Analyse;
  /** The core's `previewLogs` with its compiled module bound. */
  preview: Preview;
  openStore: () => Promise<Store>;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Progress is forwarded at most this often: each message costs a render on the page. */
const PROGRESS_INTERVAL_MS = 100;

/** Parsed requests shown per file before an import. */
export const PREVIEW_ROWS = 10;

/** What is stored, as the service holds it: one merged block of sessions (null when none). */
interface Held {
  sessions: SessionColumns | null;
  endpoints: EndpointStats[];
}

/** The rows a filter and sort picked from one held block, kept for the next page of the same query. */
interface Selection {
  sessions: SessionColumns;
  key: string;
  /** Row indices in the order to list; null for all rows by start. */
  rows: Uint32Array | null;
}

/** A settings change (another tab) between the analysis and the write: the import must not be merged. */
class SettingsChanged extends Error {}

export class SessionService implements WorkerApi {
  #deps: ServiceDeps;
  #db: Promise<Store> | undefined;
  /** Imports, settings changes and clearing run one at a time: each waits for the one before. */
  #queue: Promise<unknown> = Promise.resolve();
  #abort: AbortController | undefined;
  /** The stored data, loaded on first listing and replaced after each committed write. */
  #held: Held | undefined;
  /** The last query's selection (it follows #held: a new block is selected afresh). */
  #selection: Selection | undefined;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }

  importSources(
    sources: ImportSource[],
    onProgress?: (p: Progress) => void,
    choice?: FormatChoice
  ): Promise<Result<ImportReport>> {
    return this.#serial(() => this.#import(sources, onProgress, choice));
  }

  async previewSources(sources: ImportSource[], choice?: FormatChoice): Promise<FilePreview[]> {
    const spec = specOf(choice);
    if (!spec.ok) return sources.map((s) => failedPreview(nameOf(s), { ...spec.error, file: nameOf(s) }));
    // One source at a time, so that a URL that cannot be fetched fails its own entry only.
    const out: FilePreview[] = [];
    for (const src of sources) {
      const name = nameOf(src);
      try {
        const opened = await openSources([src], this.#deps.fetch ?? fetch);
        if (!opened.ok) {
          out.push(failedPreview(name, opened.error));
          continue;
        }
        const [p] = await this.#deps.preview(opened.value, { format: spec.value, limit: PREVIEW_ROWS });
        out.push(p ?? failedPreview(name, { kind: 'read-failed', file: name, message: `Could not preview ${name}.` }));
      } catch (err) {
        out.push(failedPreview(name, { kind: 'read-failed', file: name, message: `Could not preview ${name}: ${messageOf(err)}` }));
      }
    }
    return out;
  }

  async cancelImport(): Promise<void> {
    this.#abort?.abort();
  }

  async listSessions(offset: number, limit: number, filter?: SessionFilter, sort?: SessionSort): Promise<SessionPage> {
    const { sessions } = await this.#load();
    if (!sessions) return { total: 0, matched: 0, rows: [] };
    // The block is sorted by start, ties by id (as the core and mergeSessions write it).
    const picked = this.#select(sessions, filter, sort);
    const matched = picked ? picked.length : sessions.count;
    const [from, to] = range(offset, limit, matched);
    const rows: Session[] = [];
    for (let k = from; k < to; k++) rows.push(sessionAt(sessions, picked ? picked[k] : k));
    return { total: sessions.count, matched, rows };
  }

  /** The rows of `sessions` a query picks; the last query's are reused while the block is the same. */
  #select(sessions: SessionColumns, filter?: SessionFilter, sort?: SessionSort): Uint32Array | null {
    const key = JSON.stringify([filter?.attack ?? '', filter?.label ?? '', filter?.minRisk ?? 0, sort ?? 'start']);
    const last = this.#selection;
    if (last && last.sessions === sessions && last.key === key) return last.rows;
    const rows = selectSessions(sessions, filter, sort);
    this.#selection = { sessions, key, rows };
    return rows;
  }

  async sessionTotal(): Promise<number> {
    if (this.#held) return this.#held.sessions?.count ?? 0;
    return sessionCount(await this.#store());
  }

  async listEndpoints(offset: number, limit: number): Promise<EndpointPage> {
    const { endpoints } = await this.#load();
    const [from, to] = range(offset, limit, endpoints.length);
    return { total: endpoints.length, rows: endpoints.slice(from, to).map(({ sketch, ...row }) => (void sketch, row)) };
  }

  async listImports(): Promise<ImportRecord[]> {
    return listImports(await this.#store());
  }

  async getSettings(): Promise<GroupingSettings> {
    return getSettings(await this.#store());
  }

  saveSettings(next: GroupingSettings): Promise<Result<GroupingSettings>> {
    return this.#serial(async () => {
      const checked = checkGrouping(String(next?.keys ?? ''), Number(next?.inactivityMs) / 60_000);
      if (!checked.ok) return fail('bad-format', '', checked.error);
      const db = await this.#store();
      const current = await getSettings(db);
      if (sameGrouping(current, checked.value)) return { ok: true, value: current };
      if ((await this.sessionTotal()) > 0) {
        return fail(
          'bad-format',
          '',
          'Sessions are stored that were grouped with the current settings; sessions grouped otherwise cannot be merged with them. Clear all data first, then change the settings.'
        );
      }
      await putSettings(db, checked.value);
      return { ok: true, value: checked.value };
    });
  }

  clearData(): Promise<void> {
    return this.#serial(async () => {
      await clearData(await this.#store());
      this.#held = { sessions: null, endpoints: [] };
    });
  }

  /** Runs `job` after every job queued before it. */
  #serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(job);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #import(
    sources: ImportSource[],
    onProgress?: (p: Progress) => void,
    choice?: FormatChoice
  ): Promise<Result<ImportReport>> {
    const label = sources.map(nameOf).join(', ');
    if (sources.length === 0) return fail('empty', '(none)', 'No files were given to import.');
    const spec = specOf(choice);
    if (!spec.ok) return fail(spec.error.kind, label, spec.error.message);
    const now = this.#deps.now ?? Date.now;
    const ctrl = new AbortController();
    this.#abort = ctrl;
    const t0 = now();
    try {
      const db = await this.#store();
      const [settings, salt] = await Promise.all([getSettings(db), getSalt(db)]);
      const keys = parseKeys(settings.keys);
      if (typeof keys === 'string') return fail('bad-format', label, `The stored grouping keys cannot be used: ${keys}. Change them in the settings.`);
      const opened = await openSources(sources, this.#deps.fetch ?? fetch, ctrl.signal);
      if (!opened.ok) return opened;
      const res = await this.#deps.analyse(opened.value, {
        format: spec.value,
        keys,
        inactivityMs: settings.inactivityMs,
        salt: saltWords(salt),
        signal: ctrl.signal,
        onProgress: onProgress && throttle(onProgress, now)
      });
      if (ctrl.signal.aborted) return cancelled(label);
      if (!res.ok) return res;
      const ms = now() - t0;
      const fresh = res.value;
      const files = opened.value.map((s) => ({ name: s.name, size: s.size ?? 0 }));
      const { data } = await saveImport(db, { files, summary: fresh.summary, ms }, (stored, current) => {
        // Another tab changed the settings since the analysis began: its sessions would not merge.
        if (!sameGrouping(current, settings)) throw new SettingsChanged();
        return mergeImport(stored, fresh, settings.inactivityMs);
      });
      // Only after the write committed: the cache follows the store, never leads it.
      this.#held = { sessions: data.sessions, endpoints: data.endpoints };
      return { ok: true, value: { ...fresh.summary, ms, stored: data.sessions.count } };
    } catch (err) {
      if (ctrl.signal.aborted) return cancelled(label);
      if (err instanceof SettingsChanged) {
        return fail('read-failed', label, `The grouping settings were changed while ${label} was read; nothing was stored. Import it again.`);
      }
      return fail('read-failed', label, `Could not import ${label}: ${messageOf(err)}`);
    } finally {
      if (this.#abort === ctrl) this.#abort = undefined;
    }
  }

  #store(): Promise<Store> {
    this.#db ??= this.#deps.openStore().catch((err) => {
      this.#db = undefined; // let the next call try again
      throw err;
    });
    return this.#db;
  }

  async #load(): Promise<Held> {
    if (!this.#held) {
      const db = await this.#store();
      const [stored, settings] = await Promise.all([loadStored(db), getSettings(db)]);
      // A write may have finished (and set the cache) while this was loading: the cache wins.
      this.#held ??= { sessions: mergeAll(stored.sessions, settings.inactivityMs), endpoints: stored.endpoints };
    }
    return this.#held;
  }
}

/**
 * The stored data and a new import's as one (SPEC §2 order independence): sessions of one key that
 * touch or bridge within the timeout merged, endpoint statistics summed, their session counts taken
 * from the merged sessions. Synchronous: it runs inside the write transaction.
 */
export function mergeImport(
  stored: StoredData,
  fresh: { sessions: SessionColumns; endpoints: EndpointStats[] },
  inactivityMs: number
): MergedData {
  const sessions = mergeAll([...stored.sessions, fresh.sessions], inactivityMs)!;
  return { sessions, endpoints: mergeEndpoints(stored.endpoints, fresh.endpoints, sessions) };
}

/** Blocks merged into one (v2 stores one; a lone block is already as merged as it gets). */
function mergeAll(blocks: SessionColumns[], inactivityMs: number): SessionColumns | null {
  if (blocks.length === 0) return null;
  return blocks.reduce((a, b) => mergeSessions(a, b, { inactivityMs }));
}

/** `[from, to)` of a page over `total` rows. */
function range(offset: number, limit: number, total: number): [number, number] {
  const from = Math.min(total, Math.max(0, Math.floor(offset) || 0));
  return [from, Math.min(total, from + Math.max(0, Math.floor(limit) || 0))];
}

/** Turns import sources into the core's LogSources; a URL that cannot be fetched is an error value. */
export async function openSources(
  sources: ImportSource[],
  fetchFn: typeof fetch,
  signal?: AbortSignal
): Promise<Result<LogSource[]>> {
  const out: LogSource[] = [];
  for (const src of sources) {
    if (src.kind === 'file') {
      const file = src.file;
      out.push({ name: file.name, size: file.size, stream: () => file.stream() });
      continue;
    }
    let res: Response;
    try {
      res = await fetchFn(src.url, { signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      return fail('read-failed', src.name, `Could not fetch ${src.name}: ${messageOf(err)}`);
    }
    if (!res.ok) {
      void res.body?.cancel().catch(() => {});
      const status = `${res.status}${res.statusText ? ' ' + res.statusText : ''}`;
      return fail('read-failed', src.name, `Could not fetch ${src.name}: the server answered ${status}.`);
    }
    out.push({ name: src.name, size: sizeOf(res), stream: fetchedStream(res, src.url, fetchFn, signal) });
  }
  return { ok: true, value: out };
}

/**
 * The first call hands out the body already fetched; a body can be read only once, so any later call
 * (should the core read a source twice) fetches it again.
 */
function fetchedStream(res: Response, url: string, fetchFn: typeof fetch, signal?: AbortSignal) {
  let first = true;
  return (): ReadableStream<Uint8Array> => {
    if (first) {
      first = false;
      return res.body ?? new ReadableStream({ start: (c) => c.close() });
    }
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        if (!reader) {
          const again = await fetchFn(url, { signal });
          if (!again.ok || !again.body) throw new Error(`the server answered ${again.status}`);
          reader = again.body.getReader();
        }
        const { done, value } = await reader.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel: (reason) => reader?.cancel(reason)
    });
  };
}

/** Content-Length is the size of the bytes we read only when no Content-Encoding was undone. */
function sizeOf(res: Response): number | undefined {
  const len = Number(res.headers.get('content-length'));
  if (!Number.isFinite(len) || len <= 0 || res.headers.get('content-encoding')) return undefined;
  return len;
}

/** Forwards progress at most every PROGRESS_INTERVAL_MS, and always the final report. */
function throttle(fn: (p: Progress) => void, now: () => number): (p: Progress) => void {
  let last = -Infinity;
  return (p) => {
    const t = now();
    if (t - last < PROGRESS_INTERVAL_MS && p.bytesRead < p.bytesTotal) return;
    last = t;
    // Across the worker boundary this is a comlink proxy: the call returns a promise that may reject
    // if the page has gone. Progress is advisory, so that is ignored.
    Promise.resolve(fn(p) as unknown).catch(() => {});
  };
}

/**
 * The FormatSpec of a choice: undefined to detect each file's format, or the error sentence of an
 * invalid one (as the CLI's --format and --map read them).
 */
export function specOf(choice: FormatChoice | undefined): Result<FormatSpec | undefined> {
  const format = choice?.format?.trim() || 'auto';
  const mapping = choice?.mapping?.trim() || undefined;
  if (format.toLowerCase() === 'auto' && !mapping) return { ok: true, value: undefined };
  const spec = formatByName(format.toLowerCase() === 'auto' ? 'json' : format, mapping);
  if (typeof spec === 'string') return fail('bad-format', '', spec);
  return { ok: true, value: spec };
}

function failedPreview(file: string, error: InputError): FilePreview {
  return { file, format: null, error, requests: [], lines: 0, malformed: 0 };
}

function nameOf(src: ImportSource): string {
  return src.kind === 'file' ? src.file.name : src.name;
}

function fail(kind: InputError['kind'], file: string, message: string): { ok: false; error: InputError } {
  return { ok: false, error: { kind, file, message } };
}

function cancelled(label: string) {
  return fail('cancelled', label, `Import of ${label} cancelled.`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
