// A file's fingerprint (SPEC §4: the same file imported twice is recognised): SHA-256 over its size,
// its first and its last 64 KiB of raw (still compressed) bytes. Cheap for a File (two slices, no
// full read) and computable on the fly for a stream (a URL), with the same result for the same
// bytes. Two different logs agree on all three only if they are the same log: lines carry times.
const HEAD = 64 * 1024;
const TAIL = 64 * 1024;

/** The fingerprint of a File or Blob, reading only its head and tail. */
export async function fingerprintBlob(blob: Blob): Promise<string> {
  const size = blob.size;
  const head = new Uint8Array(await blob.slice(0, Math.min(HEAD, size)).arrayBuffer());
  const tail = size > HEAD ? new Uint8Array(await blob.slice(Math.max(HEAD, size - TAIL), size).arrayBuffer()) : new Uint8Array(0);
  return digest(size, head, tail);
}

/** Follows the bytes of a stream as they pass, for `fingerprint()` at its end. */
export class FingerprintTap {
  #size = 0;
  #head = new Uint8Array(HEAD);
  #headLen = 0;
  /** The last TAIL bytes after the head, as a ring. */
  #tail = new Uint8Array(TAIL);
  #tailLen = 0;
  #tailAt = 0;

  /** A stream that passes `stream`'s chunks on unchanged, seeing each. */
  wrap(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    return stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, ctrl) => {
          this.see(chunk);
          ctrl.enqueue(chunk);
        }
      })
    );
  }

  see(chunk: Uint8Array): void {
    this.#size += chunk.length;
    let at = 0;
    if (this.#headLen < HEAD) {
      const n = Math.min(HEAD - this.#headLen, chunk.length);
      this.#head.set(chunk.subarray(0, n), this.#headLen);
      this.#headLen += n;
      at = n;
    }
    let rest = chunk.subarray(at);
    if (rest.length >= TAIL) {
      rest = rest.subarray(rest.length - TAIL);
      this.#tail.set(rest);
      this.#tailAt = 0;
      this.#tailLen = TAIL;
      return;
    }
    for (let i = 0; i < rest.length; ) {
      const n = Math.min(rest.length - i, TAIL - this.#tailAt);
      this.#tail.set(rest.subarray(i, i + n), this.#tailAt);
      this.#tailAt = (this.#tailAt + n) % TAIL;
      i += n;
    }
    this.#tailLen = Math.min(TAIL, this.#tailLen + rest.length);
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  fingerprint(): Promise<string> {
    const tail = new Uint8Array(this.#tailLen);
    if (this.#tailLen < TAIL) tail.set(this.#tail.subarray(0, this.#tailLen));
    else {
      tail.set(this.#tail.subarray(this.#tailAt));
      tail.set(this.#tail.subarray(0, this.#tailAt), TAIL - this.#tailAt);
    }
    return digest(this.#size, this.#head.subarray(0, this.#headLen), tail);
  }
}

async function digest(size: number, head: Uint8Array, tail: Uint8Array): Promise<string> {
  const buf = new Uint8Array(8 + head.length + tail.length);
  new DataView(buf.buffer).setFloat64(0, size, true);
  buf.set(head, 8);
  buf.set(tail, 8 + head.length);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}
