// Import sources as the core reads them: files streamed from the File, URLs fetched and their bodies
// streamed. Each stream can be followed by a fingerprint tap (fingerprint.ts) as it passes.
import type { LogSource } from '../lib/core/api';
import type { Result } from '../lib/core/types';
import { FingerprintTap } from '../lib/storage/fingerprint';
import type { ImportSource } from './api';
import { fetchErrorMessage } from '../lib/fetch-error';
import { fail } from './errors';

/** Turns import sources into the core's LogSources; a URL that cannot be fetched is an error value. */
export async function openSources(
  sources: ImportSource[],
  fetchFn: typeof fetch,
  signal?: AbortSignal,
  taps?: (FingerprintTap | null)[]
): Promise<Result<LogSource[]>> {
  const out: LogSource[] = [];
  const tapped = (i: number, open: () => ReadableStream<Uint8Array>) => {
    const tap = taps?.[i];
    return tap ? () => tap.wrap(open()) : open;
  };
  for (const [i, src] of sources.entries()) {
    if (src.kind === 'file') {
      const file = src.file;
      out.push({ name: file.name, size: file.size, stream: tapped(i, () => checkedLength(file.name, file.size, file.stream())) });
      continue;
    }
    let res: Response;
    try {
      res = await fetchFn(src.url, { signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      return fail('read-failed', src.name, fetchErrorMessage(src.name, err));
    }
    if (!res.ok) {
      void res.body?.cancel().catch(() => {});
      const status = `${res.status}${res.statusText ? ' ' + res.statusText : ''}`;
      return fail('read-failed', src.name, `Could not fetch ${src.name}: the server answered ${status}.`);
    }
    out.push({ name: src.name, size: sizeOf(res), stream: tapped(i, fetchedStream(res, src.url, fetchFn, signal)) });
  }
  return { ok: true, value: out };
}

/**
 * A File's bytes, checked against its size when it was picked: Chromium ends the stream of a file cut
 * short on disk meanwhile without an error, and part of it would be stored as if it were all of it.
 * The error is the one Chromium gives when it does notice (a NotReadableError).
 */
export function checkedLength(name: string, size: number, stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  let seen = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        seen += chunk.length;
        c.enqueue(chunk);
      },
      flush(c) {
        if (seen !== size) c.error(new DOMException(`${name} ended after ${seen} of its ${size} bytes`, 'NotReadableError'));
      }
    })
  );
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

