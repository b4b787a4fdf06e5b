import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileCore, analyse, type Analysis } from '../../src/lib/core/analyse';
import type { LogSource } from '../../src/lib/core/api';
import type { Result } from '../../src/lib/core/types';

// Shared by the unit and corpus tests: the built core, and logs as in-memory streams.

export const root = fileURLToPath(new URL('../../', import.meta.url));
const wasmPath = `${root}dist/core.wasm`;

let compiled: Promise<WebAssembly.Module> | undefined;
export function core(): Promise<WebAssembly.Module> {
  if (!existsSync(wasmPath)) throw new Error('dist/core.wasm is missing: run `npm run build:wasm` first');
  compiled ??= compileCore(readFileSync(wasmPath));
  return compiled;
}

/** A log held in memory, streamed in pieces of `piece` bytes (to put cuts anywhere). */
export function memorySource(name: string, content: string | Uint8Array, piece = 1 << 16): LogSource {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    name,
    size: bytes.length,
    stream: () => {
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (at >= bytes.length) return c.close();
          c.enqueue(bytes.slice(at, at + piece));
          at += piece;
        }
      });
    }
  };
}

/** What analyse() takes: engine, reading and callback options. */
export type RunOptions = NonNullable<Parameters<typeof analyse>[2]>;

export async function run(sources: LogSource[], opts: RunOptions = {}): Promise<Result<Analysis>> {
  return analyse(await core(), sources, opts);
}

/** Runs and expects success. */
export async function ok(sources: LogSource[], opts: RunOptions = {}): Promise<Analysis> {
  const r = await run(sources, opts);
  if (!r.ok) throw new Error(`expected success, got ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

export const sharedData = `${root}../shared/data`;
export const hasSharedData = existsSync(sharedData);
