import type { FormatName, MalformedSample, SessionColumns, Actor } from './types';
import { reasonName } from './reasons';
import { valueText, rawText } from './unescape';

// A thin wrapper over one instance of the wasm core (assembly/index.ts). One Engine serves one
// import and is then dropped, which frees all of its memory at once.

interface CoreExports {
  memory: WebAssembly.Memory;
  init(capacity: number, saltLo: number, saltHi: number, inactivityMs: number, previewLimit: number): void;
  inputPtr(): number;
  fileCountsPtr(): number;
  totalCountsPtr(): number;
  agentLineCount(): number;
  beginFile(): void;
  setFormat(id: number, encoding: number): void;
  parse(len: number, final: number): number;
  finish(): number;
  sessionCount(): number;
  sessionStartPtr(): number;
  sessionEndPtr(): number;
  sessionRequestsPtr(): number;
  sessionActorPtr(): number;
  sessionUserPtr(): number;
  sessionIdPtr(): number;
  actorCount(): number;
  actorHashPtr(): number;
  actorSpanPtr(): number;
  actorArenaPtr(): number;
  userCount(): number;
  userSpanPtr(): number;
  userArenaPtr(): number;
  malformedSampleCount(): number;
  malformedSamplesPtr(): number;
  malformedTextPtr(): number;
}

/**
 * Bytes handed to the core per call: 8 MiB, so the per-call cost vanishes against the scan while
 * the buffer stays small next to the tables. Tests shrink it to put line cuts everywhere.
 */
export const DEFAULT_CHUNK_SIZE = 8 << 20;
/** Must match MAX_LINE in assembly/index.ts: the longest tail the core carries over. */
const MAX_LINE = 64 * 1024;

export const DEFAULT_INACTIVITY_MS = 30 * 60 * 1000;

export interface EngineOptions {
  inactivityMs?: number;
  chunkSize?: number;
  /** 64-bit salt for key hashes as two u32 halves; a database keeps its own (SPEC §2). */
  salt?: [number, number];
  /** Keep the first N requests with all their fields (the page's preview, golden tests). */
  previewLimit?: number;
}

export interface LineCounts {
  lines: number;
  blank: number;
  requests: number;
  malformed: number;
  truncated: number;
}

function countsAt(mem: ArrayBuffer, ptr: number): LineCounts {
  const c = new Uint32Array(mem, ptr, 5);
  return { lines: c[0], blank: c[1], requests: c[2], malformed: c[3], truncated: c[4] };
}

export class Engine {
  readonly #x: CoreExports;
  readonly #chunk: number;
  #fill = 0;
  #pending = 0;
  #files: string[] = [];
  #bytes = 0;

  constructor(module: WebAssembly.Module, opts: EngineOptions = {}) {
    const instance = new WebAssembly.Instance(module, {});
    this.#x = instance.exports as unknown as CoreExports;
    this.#chunk = Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    const [lo, hi] = opts.salt ?? [0x5e551011, 0];
    this.#x.init(this.#chunk + MAX_LINE + 16, lo >>> 0, hi >>> 0, opts.inactivityMs ?? DEFAULT_INACTIVITY_MS, opts.previewLimit ?? 0);
  }

  beginFile(name: string): void {
    this.#files.push(name);
    this.#fill = 0;
    this.#pending = 0;
    this.#x.beginFile();
    this.#x.setFormat(1, 0);
  }

  /** Copies bytes into the core's buffer, handing them over every `chunkSize` bytes. */
  push(bytes: Uint8Array): void {
    this.#bytes += bytes.length;
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(this.#chunk - this.#pending, bytes.length - at);
      // A fresh view each time: memory.grow in the last call detaches the old buffer.
      new Uint8Array(this.#x.memory.buffer, this.#x.inputPtr() + this.#fill, n).set(bytes.subarray(at, at + n));
      this.#fill += n;
      this.#pending += n;
      at += n;
      if (this.#pending >= this.#chunk) this.#flush(false);
    }
  }

  #flush(final: boolean): void {
    this.#fill = this.#x.parse(this.#fill, final ? 1 : 0) >>> 0;
    this.#pending = 0;
  }

  /** Parses what is left of the current file, its unterminated last line included. */
  endFile(): LineCounts {
    this.#flush(true);
    return this.fileCounts();
  }

  /** Counts of the current file so far (complete lines handed to the core). */
  fileCounts(): LineCounts {
    return countsAt(this.#x.memory.buffer, this.#x.fileCountsPtr());
  }

  totals(): LineCounts {
    return countsAt(this.#x.memory.buffer, this.#x.totalCountsPtr());
  }

  get bytes(): number {
    return this.#bytes;
  }

  get files(): readonly string[] {
    return this.#files;
  }

  format(): FormatName {
    const t = this.totals();
    if (t.requests === 0) return 'unknown';
    return this.#x.agentLineCount() * 2 >= t.requests ? 'combined' : 'common';
  }

  malformedSamples(): MalformedSample[] {
    const x = this.#x;
    const n = x.malformedSampleCount();
    const rec = new Int32Array(x.memory.buffer, x.malformedSamplesPtr(), n * 5);
    const text = new Uint8Array(x.memory.buffer, x.malformedTextPtr());
    const out: MalformedSample[] = [];
    for (let i = 0; i < n; i++) {
      const [file, line, reason, off, len] = rec.subarray(i * 5, i * 5 + 5);
      out.push({ file: this.#files[file] ?? '?', line, reason: reasonName(reason), text: rawText(text.slice(off, off + len)) });
    }
    return out;
  }

  /** Sessionizes everything read and returns the sessions as columns sorted by (start, id). */
  sessions(): SessionColumns {
    const x = this.#x;
    const n = x.finish() >>> 0;
    const mem = x.memory.buffer;
    const start = new Float64Array(mem, x.sessionStartPtr(), n);
    const end = new Float64Array(mem, x.sessionEndPtr(), n);
    const requests = new Uint32Array(mem, x.sessionRequestsPtr(), n);
    const actor = new Uint32Array(mem, x.sessionActorPtr(), n);
    const user = new Uint32Array(mem, x.sessionUserPtr(), n);
    const ids = new BigUint64Array(mem, x.sessionIdPtr(), n);
    const idHex = Array.from(ids, hex64);
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => start[a] - start[b] || (idHex[a] < idHex[b] ? -1 : idHex[a] > idHex[b] ? 1 : 0));
    const cols: SessionColumns = {
      count: n,
      start: new Float64Array(n),
      end: new Float64Array(n),
      requests: new Uint32Array(n),
      actor: new Uint32Array(n),
      user: new Int32Array(n),
      id: new Array<string>(n),
      actors: this.#actors(),
      users: this.#users()
    };
    order.forEach((from, to) => {
      cols.start[to] = start[from];
      cols.end[to] = end[from];
      cols.requests[to] = requests[from];
      cols.actor[to] = actor[from];
      cols.user[to] = user[from] - 1;
      cols.id[to] = idHex[from];
    });
    return cols;
  }

  #actors(): Actor[] {
    const x = this.#x;
    const n = x.actorCount();
    const mem = x.memory.buffer;
    const hashes = new BigUint64Array(mem, x.actorHashPtr(), n);
    const spans = new Uint32Array(mem, x.actorSpanPtr(), n * 2);
    const arena = new Uint8Array(mem, x.actorArenaPtr());
    const out: Actor[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const bytes = arena.subarray(spans[2 * i], spans[2 * i] + spans[2 * i + 1]);
      // [escaping tag][ip] 0 [user agent]
      const enc = bytes[0];
      const sep = bytes.indexOf(0, 1);
      out[i] = {
        keyKind: 'ip+ua',
        keyHash: hex64(hashes[i]),
        ip: valueText(enc, bytes.subarray(1, sep)),
        userAgent: valueText(enc, bytes.subarray(sep + 1))
      };
    }
    return out;
  }

  #users(): string[] {
    const x = this.#x;
    const n = x.userCount();
    const mem = x.memory.buffer;
    const spans = new Uint32Array(mem, x.userSpanPtr(), n * 2);
    const arena = new Uint8Array(mem, x.userArenaPtr());
    return Array.from({ length: n }, (_, i) => {
      const bytes = arena.subarray(spans[2 * i], spans[2 * i] + spans[2 * i + 1]);
      return valueText(bytes[0], bytes.subarray(1));
    });
  }
}

function hex64(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}
