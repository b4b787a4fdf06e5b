import type { LogSource, AnalyseOptions } from './api';
import type { Result, Summary, SessionColumns, InputError } from './types';
import { Engine, type EngineOptions } from './engine';
import { openLog } from './open';
import { earlyVerdict, finalVerdict, looksBinary } from './verdict';

// Reads logs as streams into one Engine: the single entry point of the page's worker and the CLI.

export async function compileCore(wasm: BufferSource | Response | Promise<Response>): Promise<WebAssembly.Module> {
  if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(wasm);
  const res = await wasm;
  if (!res.ok) throw new Error(`cannot load the core (${res.status} ${res.statusText})`);
  return WebAssembly.compile(await res.arrayBuffer());
}

export interface Analysis {
  summary: Summary;
  sessions: SessionColumns;
}

/** How often progress is reported, in bytes fed to the core. */
const PROGRESS_EVERY = 4 << 20;

export async function analyse(
  module: WebAssembly.Module,
  sources: LogSource[],
  opts: AnalyseOptions & EngineOptions = {}
): Promise<Result<Analysis>> {
  const engine = new Engine(module, opts);
  const bytesTotal = sources.reduce((n, s) => n + (s.size ?? 0), 0);
  let bytesBefore = 0;
  for (const [fileIndex, source] of sources.entries()) {
    const name = source.name;
    if (opts.signal?.aborted) return cancelled(name);
    let rawRead = 0;
    const counted = source.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          rawRead += chunk.length;
          controller.enqueue(chunk);
        }
      })
    );
    const opened = await openLog(name, counted);
    if (!opened.ok) return opened;
    engine.beginFile(name);
    const reader = opened.value.stream.getReader();
    let fileBytes = 0;
    let sinceProgress = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (opts.signal?.aborted) {
          await reader.cancel();
          return cancelled(name);
        }
        if (fileBytes === 0 && looksBinary(value)) {
          await reader.cancel();
          return fail('binary', name, `${name}: binary data, not a text log (UTF-16 text is not supported either)`);
        }
        fileBytes += value.length;
        engine.push(value);
        sinceProgress += value.length;
        if (sinceProgress >= PROGRESS_EVERY) {
          sinceProgress = 0;
          const verdict = earlyVerdict(name, engine.fileCounts());
          if (verdict) {
            await reader.cancel();
            return { ok: false, error: verdict };
          }
          opts.onProgress?.({ file: name, fileIndex, files: sources.length, bytesRead: bytesBefore + rawRead, bytesTotal, lines: engine.totals().lines });
        }
      }
    } catch (e) {
      return fail('read-failed', name, `${name}: cannot read: ${describe(e, opened.value.compression)}`);
    }
    const verdict = finalVerdict(name, engine.endFile(), fileBytes);
    if (verdict) return { ok: false, error: verdict };
    bytesBefore += rawRead;
    opts.onProgress?.({ file: name, fileIndex, files: sources.length, bytesRead: bytesBefore, bytesTotal, lines: engine.totals().lines });
  }
  const sessions = engine.sessions();
  const totals = engine.totals();
  const summary: Summary = {
    files: sources.length,
    bytes: engine.bytes,
    ...totals,
    sessions: sessions.count,
    format: engine.format(),
    malformedSamples: engine.malformedSamples()
  };
  return { ok: true, value: { summary, sessions } };
}

function fail(kind: InputError['kind'], file: string, message: string): Result<never> {
  return { ok: false, error: { kind, file, message } };
}

function cancelled(file: string): Result<never> {
  return fail('cancelled', file, `import cancelled while reading ${file}`);
}

function describe(e: unknown, compression: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  return compression === 'gzip' ? `the gzip data is truncated or corrupt (${msg})` : msg;
}
