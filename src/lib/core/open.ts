import type { InputError, Result } from './types';

// Opens a log's byte stream: sniffs the first bytes for compression, inflates gzip with the
// platform's DecompressionStream (browsers and Node 18+), refuses other archives clearly.

const MAGIC: [string, number[]][] = [
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]]
];

/** Whether `first` (a file's first bytes) starts like a compressed file: gzip or an archive openLog refuses. */
export function compressed(first: Uint8Array): boolean {
  return startsWith(first, [0x1f, 0x8b]) || MAGIC.some(([, magic]) => startsWith(first, magic));
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** A stream that yields `first` and then the rest of `reader`, counting the bytes it passes on. */
function resume(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>, counted: (n: number) => void): ReadableStream<Uint8Array> {
  let sentFirst = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentFirst) {
        sentFirst = true;
        if (first.length) {
          counted(first.length);
          controller.enqueue(first);
          return;
        }
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else {
        counted(value.length);
        controller.enqueue(value);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    }
  });
}

export interface OpenedLog {
  /** Decompressed bytes. */
  stream: ReadableStream<Uint8Array>;
  compression: 'none' | 'gzip';
}

/**
 * Wraps `raw` (which may be gzip) into a stream of the log's plain bytes; `counted` hears how many
 * raw (compressed) bytes have been read, for progress.
 */
export async function openLog(name: string, raw: ReadableStream<Uint8Array>, counted: (n: number) => void = () => {}): Promise<Result<OpenedLog>> {
  const reader = raw.getReader();
  // The first chunk of a stream is at least a few bytes unless the file is that small.
  let first: Uint8Array = new Uint8Array(0);
  while (first.length < 8) {
    const { done, value } = await reader.read();
    if (done) break;
    if (first.length === 0) {
      first = value;
      continue;
    }
    const joined = new Uint8Array(first.length + value.length);
    joined.set(first);
    joined.set(value, first.length);
    first = joined;
  }
  for (const [kind, magic] of MAGIC) {
    if (startsWith(first, magic)) {
      await reader.cancel();
      const error: InputError = {
        kind: 'unsupported-compression',
        file: name,
        message: `${name}: ${kind} compression is not supported; decompress it first or use gzip (.gz)`
      };
      return { ok: false, error };
    }
  }
  const stream = resume(first, reader, counted);
  if (startsWith(first, [0x1f, 0x8b])) {
    return { ok: true, value: { stream: stream.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>), compression: 'gzip' } };
  }
  return { ok: true, value: { stream, compression: 'none' } };
}
