import type { LogSource, AnalyseOptions, DirectReader } from './api';
import type { Result, Summary, SessionColumns, InputError, ParsedRequest, EndpointStats } from './types';
import type { FormatSpec } from './formats/spec';
import { Engine, type EngineOptions } from './engine';
import { openLog, compressed } from './open';
import { detectFormat, DETECT_BYTES } from './detect';
import { earlyVerdict, finalVerdict, notText } from './verdict';

// Reads logs as streams into one Engine: the single entry point of the page's worker and the CLI.

export async function compileCore(wasm: BufferSource | Response | Promise<Response>): Promise<WebAssembly.Module> {
  if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(wasm);
  const res = await wasm;
  if (!res.ok) throw new Error(`cannot load the core (${res.status} ${res.statusText})`);
  return WebAssembly.compile(await res.arrayBuffer());
}

export interface Analysis {
  summary: Summary;
  /** Marked disposable (columns.ts): the caller's alone, which may consume it once done. */
  sessions: SessionColumns;
  /** Per-endpoint statistics, by requests. */
  endpoints: EndpointStats[];
  /** How much the core held: the most sessions open at once, and its memory in bytes. */
  core: { openPeak: number; memoryBytes: number };
  /** The first requests with all their fields (when `previewLimit` was given). */
  preview: ParsedRequest[];
}

export interface ReadOptions {
  /** A format for every file, instead of detecting each one's. */
  format?: FormatSpec;
}

/** How often progress is reported, in bytes fed to the core. */
const PROGRESS_EVERY = 4 << 20;
/** …and at least this often in time, for slow sources (a URL trickling in). */
const PROGRESS_MS = 250;

/** The share of a sample's non-blank lines a format parses: a scratch run of the core. */
function trial(module: WebAssembly.Module) {
  return (spec: FormatSpec, sample: Uint8Array): number => {
    const scratch = new Engine(module, { chunkSize: sample.length + 1, detect: false });
    scratch.beginFile('sample', spec);
    scratch.push(sample);
    const c = scratch.endFile();
    const nonBlank = c.lines - c.blank;
    return nonBlank > 0 ? c.requests / nonBlank : 0;
  };
}

/**
 * An opened file, its head read: the rest comes from `reader` (a stream), or from `direct` (a
 * plain file the platform reads itself, after the head), or is not there (`done`).
 */
type Opened = {
  name: string;
  reader: ReadableStreamDefaultReader<Uint8Array> | null;
  direct: DirectReader | null;
  head: Uint8Array;
  done: boolean;
  rawRead: () => number;
  compression: string;
};

/** The head of a plain file read straight from the platform (1 MiB: 200 lines of up to 5 KiB). */
const HEAD_BYTES = 1 << 20;

/** Lets go of what an opened file still holds. */
async function release(o: Opened): Promise<void> {
  o.direct?.close();
  await o.reader?.cancel().catch(() => {});
}

/** Opens a source and reads its first DETECT_BYTES (decompressed), or HEAD_BYTES of a plain file read directly. */
async function openHead(source: LogSource): Promise<Result<Opened>> {
  const name = source.name;
  const readAt = source.readAt?.bind(source);
  const plain = readAt ? directHead(() => readAt(0), name) : null;
  if (plain) {
    const binary = notText(name, plain.head);
    if (binary) {
      await release(plain);
      return { ok: false, error: binary };
    }
    return { ok: true, value: plain };
  }
  let raw = 0;
  const opened = await openLog(name, source.stream(), (n) => (raw += n));
  if (!opened.ok) return opened;
  const reader = opened.value.stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let done = false;
  try {
    while (size < DETECT_BYTES) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        break;
      }
      parts.push(r.value);
      size += r.value.length;
    }
  } catch (e) {
    return fail('read-failed', name, `${name}: cannot read: ${describe(e, opened.value.compression)}`);
  }
  const head = parts.length === 1 ? parts[0] : concat(parts, size);
  const binary = notText(name, head);
  if (binary) {
    await reader.cancel().catch(() => {});
    return { ok: false, error: binary };
  }
  return { ok: true, value: { name, reader, direct: null, head, done, rawRead: () => raw, compression: opened.value.compression } };
}

/**
 * The head of a file read with `direct`, unless the file is compressed (null: the stream reads
 * it, which inflates gzip and names what it refuses). No stream is made for a plain file: the
 * CLI then loads none of the platform's streams.
 */
function directHead(open: () => DirectReader, name: string): Opened | null {
  let direct: DirectReader;
  try {
    direct = open();
  } catch {
    return null;
  }
  const buf = new Uint8Array(HEAD_BYTES);
  let size = 0;
  let done = false;
  try {
    while (size < buf.length) {
      const n = direct.read(buf.subarray(size));
      if (n === 0) {
        done = true;
        break;
      }
      size += n;
    }
  } catch {
    direct.close();
    // the stream reads it again and says what went wrong
    return null;
  }
  if (compressed(buf.subarray(0, size))) {
    direct.close();
    return null;
  }
  return { name, reader: null, direct: done ? null : direct, head: buf.subarray(0, size), done, rawRead: () => size, compression: 'none' };
}

/** A direct reader of `source` from `offset`, where the platform has one that opens (else the stream reads on). */
function directAfter(source: LogSource, offset: number): DirectReader | null {
  try {
    return source.readAt?.(offset) ?? null;
  } catch {
    return null;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The format of an opened file: the forced one, or the detected one, or an error naming it. */
function formatOf(module: WebAssembly.Module, o: Opened, opts: ReadOptions): Result<FormatSpec> {
  if (opts.format) return { ok: true, value: opts.format };
  if (o.head.length === 0) return { ok: true, value: { kind: 'clf', name: 'clf' } };
  // one line fills the whole head: nothing to detect a format by (a forced format reads it, cut)
  if (!o.done && o.head.subarray(0, DETECT_BYTES).indexOf(10) < 0) {
    return fail('not-a-log', o.name, `${o.name}: not an access log: no line ends in its first ${DETECT_BYTES >> 10} KiB (a line longer than 64 KiB is cut; choose a format to read it anyway)`);
  }
  const d = detectFormat(o.head, o.done, o.name, trial(module));
  if (d.ok) return { ok: true, value: d.spec };
  if (d.reason === 'not-a-log') return fail('not-a-log', o.name, `${o.name}: not an access log (${d.detail})`);
  const message =
    d.reason === 'json-needs-mapping'
      ? `${o.name}: ${d.detail}`
      : `${o.name}: format not recognised (${d.detail}); choose a format or paste the server's format string (nginx:… or apache:…)`;
  return fail('not-recognised', o.name, message);
}

export async function analyse(
  module: WebAssembly.Module,
  sources: LogSource[],
  opts: AnalyseOptions & EngineOptions & ReadOptions = {}
): Promise<Result<Analysis>> {
  const onRequests = opts.onRequests;
  const engine = new Engine(module, onRequests ? { ...opts, requests: true } : opts);
  /** Hands the rows parsed so far to the consumer, if any. */
  const deliver = async () => {
    const block = onRequests && engine.takeRequests();
    if (block) await onRequests(block);
  };
  /** Pushes bytes; with a consumer, a chunk at a time so the core holds one chunk's rows at most. */
  const feed = async (bytes: Uint8Array) => {
    if (!onRequests) return engine.push(bytes);
    for (let at = 0; at < bytes.length; at += engine.chunkSize) {
      engine.push(bytes.subarray(at, at + engine.chunkSize));
      // told apart from read errors by the read loop
      await deliver().catch((e: unknown) => Promise.reject(new ConsumerFailure(e)));
    }
  };
  /** Hands over bytes read into the engine's window(); with a consumer, its rows too. */
  const commit = async (n: number) => {
    engine.commit(n);
    if (onRequests) await deliver().catch((e: unknown) => Promise.reject(new ConsumerFailure(e)));
  };
  const bytesTotal = sources.reduce((n, s) => n + (s.size ?? 0), 0);
  let bytesBefore = 0;
  for (const [fileIndex, source] of sources.entries()) {
    const name = source.name;
    if (opts.signal?.aborted) return cancelled(name);
    const o = await openHead(source);
    if (!o.ok) return o;
    const { reader, head, rawRead } = o.value;
    const spec = formatOf(module, o.value, opts);
    if (!spec.ok) {
      await release(o.value);
      return spec;
    }
    engine.beginFile(name, spec.value);
    let fileBytes = head.length;
    let sinceProgress = head.length;
    let progressAt = performance.now();
    // a plain file the platform can read synchronously goes straight into the core's buffer
    const direct = o.value.direct ?? (!o.value.done && o.value.compression === 'none' ? directAfter(source, head.length) : null);
    if (direct) await reader?.cancel().catch(() => {});
    const stop = async () => (direct ? direct.close() : reader?.cancel());
    const raw = () => (direct ? fileBytes : rawRead());
    try {
      await feed(head);
      for (let done = o.value.done; !done; ) {
        let n: number;
        if (direct) {
          if (opts.signal?.aborted) {
            await stop();
            return cancelled(name);
          }
          n = direct.read(engine.window());
          if (n === 0) break;
          await commit(n);
        } else {
          const r = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
          if (r.done) break;
          if (opts.signal?.aborted) {
            await stop();
            return cancelled(name);
          }
          n = r.value.length;
          await feed(r.value);
        }
        fileBytes += n;
        sinceProgress += n;
        const due = performance.now() - progressAt >= PROGRESS_MS;
        if (sinceProgress >= PROGRESS_EVERY) {
          sinceProgress = 0;
          const verdict = earlyVerdict(name, engine.fileCounts());
          if (verdict) {
            await stop();
            return { ok: false, error: verdict };
          }
        }
        if (due || sinceProgress === 0) {
          progressAt = performance.now();
          opts.onProgress?.({ file: name, fileIndex, files: sources.length, bytesRead: bytesBefore + raw(), bytesTotal, lines: engine.totals().lines });
        }
      }
      direct?.close();
    } catch (e) {
      direct?.close();
      if (!(e instanceof ConsumerFailure)) return fail('read-failed', name, `${name}: cannot read: ${describe(e, o.value.compression)}`);
      if (!direct) await reader?.cancel().catch(() => {});
      throw e.cause;
    }
    const counts = engine.endFile();
    await deliver();
    const verdict = finalVerdict(name, counts, fileBytes, engine.fileFormats.at(-1) ?? '');
    if (verdict) return { ok: false, error: verdict };
    bytesBefore += raw();
    opts.onProgress?.({ file: name, fileIndex, files: sources.length, bytesRead: bytesBefore, bytesTotal, lines: engine.totals().lines });
  }
  const sessions = engine.sessions(opts.scores ?? true);
  const { skipped, ...totals } = engine.totals();
  void skipped;
  const summary: Summary = {
    files: sources.length,
    bytes: engine.bytes,
    ...totals,
    sessions: sessions.count,
    late: engine.late,
    format: engine.format(),
    malformedSamples: engine.malformedSamples()
  };
  return {
    ok: true,
    value: { summary, sessions, endpoints: engine.endpoints(), preview: engine.preview(), core: { openPeak: engine.openPeak, memoryBytes: engine.memoryBytes } }
  };
}

export interface FilePreview {
  file: string;
  /** The format detected (or forced), or null when none fits. */
  format: string | null;
  /** Why no format fits, when none does. */
  error?: InputError;
  requests: ParsedRequest[];
  /** Counts over the head that was read. */
  lines: number;
  malformed: number;
}

/**
 * Reads only the head of each file, detects its format and returns the first parsed requests:
 * what the page shows before an import goes on.
 */
export async function previewLogs(module: WebAssembly.Module, sources: LogSource[], opts: ReadOptions & { limit?: number } = {}): Promise<FilePreview[]> {
  const out: FilePreview[] = [];
  for (const source of sources) {
    const o = await openHead(source);
    if (!o.ok) {
      out.push({ file: source.name, format: null, error: o.error, requests: [], lines: 0, malformed: 0 });
      continue;
    }
    await release(o.value);
    const spec = formatOf(module, o.value, opts);
    if (!spec.ok) {
      out.push({ file: source.name, format: null, error: spec.error, requests: [], lines: 0, malformed: 0 });
      continue;
    }
    const engine = new Engine(module, { previewLimit: opts.limit ?? 20, chunkSize: o.value.head.length + 1 });
    engine.beginFile(source.name, spec.value);
    // a head cut mid-line: parse its complete lines only
    const head = o.value.head;
    const cut = o.value.done ? head.length : head.lastIndexOf(10) + 1;
    engine.push(head.subarray(0, cut));
    const c = engine.endFile();
    // read whole and nothing but blank lines: no format would help (an empty file is let through,
    // the import says why it stops)
    const blank = o.value.done && c.lines > 0 ? finalVerdict(source.name, c, head.length) : null;
    if (blank?.kind === 'empty') {
      out.push({ file: source.name, format: null, error: blank, requests: [], lines: c.lines, malformed: 0 });
      continue;
    }
    out.push({ file: source.name, format: engine.fileFormats[0], requests: engine.preview(), lines: c.lines, malformed: c.malformed });
  }
  return out;
}

/** An error thrown by the onRequests consumer, carried past the read loop's own error handling. */
class ConsumerFailure {
  constructor(readonly cause: unknown) {}
}

function fail(kind: InputError['kind'], file: string, message: string): Result<never> {
  return { ok: false, error: { kind, file, message } };
}

function cancelled(file: string): Result<never> {
  return fail('cancelled', file, `import cancelled while reading ${file}`);
}

function describe(e: unknown, compression: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  // a browser's File whose file on disk changed (or went) after it was picked
  if ((e as { name?: unknown } | null)?.name === 'NotReadableError') return `the file changed or was removed after it was picked; pick it again (${msg})`;
  return compression === 'gzip' ? `the gzip data is truncated or corrupt (${msg})` : msg;
}
