// What the worker does, as a plain class: runs the core over the sources, stores the result, serves
// pages of sessions. No worker or wasm specifics here, so it runs (and is tested) in Node as well.
import type { AnalyseOptions, LogSource } from '../lib/core/api';
import type { FilePreview } from '../lib/core/analyse';
import { formatByName, type FormatSpec } from '../lib/core/formats/index';
import { sessionAt } from '../lib/core/sessions';
import type { InputError, Progress, Result, Session, SessionColumns, Summary } from '../lib/core/types';
import { loadAllSessions, saveImport, sessionCount, type Store } from '../lib/storage/store';
import type { FormatChoice, ImportReport, ImportSource, SessionPage, WorkerApi } from './api';

export type Analyse = (
  sources: LogSource[],
  opts: AnalyseOptions & { format?: FormatSpec }
) => Promise<Result<{ summary: Summary; sessions: SessionColumns }>>;

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

export class SessionService implements WorkerApi {
  #deps: ServiceDeps;
  #db: Promise<Store> | undefined;
  /** Imports run one at a time: each waits for the one before. */
  #queue: Promise<unknown> = Promise.resolve();
  #abort: AbortController | undefined;
  /** The stored blocks, loaded on first listing and kept in step with each import. */
  #blocks: SessionColumns[] | undefined;
  /** Global row numbers (block offset + row) sorted by start, then id; built on demand. */
  #order: Uint32Array | undefined;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }

  importSources(
    sources: ImportSource[],
    onProgress?: (p: Progress) => void,
    choice?: FormatChoice
  ): Promise<Result<ImportReport>> {
    const run = this.#queue.then(() => this.#import(sources, onProgress, choice));
    this.#queue = run.catch(() => {});
    return run;
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

  async listSessions(offset: number, limit: number): Promise<SessionPage> {
    const blocks = await this.#loadBlocks();
    const order = (this.#order ??= sortByStart(blocks));
    const from = Math.max(0, Math.floor(offset));
    const to = Math.min(order.length, from + Math.max(0, Math.floor(limit)));
    const rows: Session[] = [];
    for (let k = from; k < to; k++) rows.push(rowAt(blocks, order[k]));
    return { total: order.length, rows };
  }

  async sessionTotal(): Promise<number> {
    if (this.#blocks) return countOf(this.#blocks);
    return sessionCount(await this.#store());
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
      const opened = await openSources(sources, this.#deps.fetch ?? fetch, ctrl.signal);
      if (!opened.ok) return opened;
      const res = await this.#deps.analyse(opened.value, {
        format: spec.value,
        signal: ctrl.signal,
        onProgress: onProgress && throttle(onProgress, now)
      });
      if (ctrl.signal.aborted) return cancelled(label);
      if (!res.ok) return res;
      const ms = now() - t0;
      const { summary, sessions } = res.value;
      const db = await this.#store();
      const files = opened.value.map((s) => ({ name: s.name, size: s.size ?? 0 }));
      await saveImport(db, { files, summary, ms }, sessions);
      // Only after the write committed: the cache follows the store, never leads it.
      if (this.#blocks) this.#blocks.push(sessions);
      this.#order = undefined;
      return { ok: true, value: { ...summary, ms, stored: await this.sessionTotal() } };
    } catch (err) {
      if (ctrl.signal.aborted) return cancelled(label);
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

  async #loadBlocks(): Promise<SessionColumns[]> {
    if (!this.#blocks) {
      const blocks = await loadAllSessions(await this.#store());
      // An import may have finished (and filled the cache) while the blocks were loading.
      this.#blocks ??= blocks;
    }
    return this.#blocks;
  }
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

function sortByStart(blocks: SessionColumns[]): Uint32Array {
  const offsets = offsetsOf(blocks);
  const order = new Uint32Array(countOf(blocks));
  for (let i = 0; i < order.length; i++) order[i] = i;
  // One block is already sorted by start (ties by id); several are sorted together.
  if (blocks.length > 1) {
    const start = new Float64Array(order.length);
    const id: string[] = [];
    blocks.forEach((b, n) => {
      start.set(b.start.subarray(0, b.count), offsets[n]);
      for (let r = 0; r < b.count; r++) id.push(b.id[r]);
    });
    order.sort((a, b) => start[a] - start[b] || (id[a] < id[b] ? -1 : id[a] > id[b] ? 1 : 0));
  }
  return order;
}

function rowAt(blocks: SessionColumns[], global: number): Session {
  let n = 0;
  while (global >= blocks[n].count) global -= blocks[n++].count;
  return sessionAt(blocks[n], global);
}

function offsetsOf(blocks: SessionColumns[]): number[] {
  const out: number[] = [];
  let sum = 0;
  for (const b of blocks) {
    out.push(sum);
    sum += b.count;
  }
  return out;
}

function countOf(blocks: SessionColumns[]): number {
  return blocks.reduce((sum, b) => sum + b.count, 0);
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
