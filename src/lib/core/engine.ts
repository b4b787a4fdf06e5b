import type { MalformedSample, SessionColumns, Actor, ParsedRequest } from './types';
import type { FormatSpec } from './formats/spec';
import type { FieldDef } from './slots';
import { CoreFormat, Enc, Slot, SLOTS } from './slots';
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
  vhostLineCount(): number;
  beginFile(): void;
  setFormat(id: number, encoding: number): void;
  configPtr(): number;
  defineName(len: number, slot: number, conv: number, nameId: number, prio: number): void;
  setColumns(separator: number, quoted: number, minColumns: number, httpFirst: number, len: number): void;
  setTemplate(len: number): void;
  previewCount(): number;
  previewEntryWords(): number;
  previewEntriesPtr(): number;
  previewTextPtr(): number;
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

/** The format a file was read in, and the counts that name a CLF variant. */
interface FileFormat {
  spec: FormatSpec;
  agentBefore: number;
  vhostBefore: number;
  name?: string;
}

export class Engine {
  readonly #x: CoreExports;
  readonly #chunk: number;
  #fill = 0;
  #pending = 0;
  #files: string[] = [];
  #formats: FileFormat[] = [];
  #labels: string[] = [];
  #bytes = 0;

  constructor(module: WebAssembly.Module, opts: EngineOptions = {}) {
    const instance = new WebAssembly.Instance(module, {});
    this.#x = instance.exports as unknown as CoreExports;
    this.#chunk = Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    const [lo, hi] = opts.salt ?? [0x5e551011, 0];
    this.#x.init(this.#chunk + MAX_LINE + 16, lo >>> 0, hi >>> 0, opts.inactivityMs ?? DEFAULT_INACTIVITY_MS, opts.previewLimit ?? 0);
  }

  /** Starts a file and sets its format up in the core (default: combined/common). */
  beginFile(name: string, spec: FormatSpec = { kind: 'clf', name: 'clf' }): void {
    this.#files.push(name);
    this.#fill = 0;
    this.#pending = 0;
    this.#x.beginFile();
    this.#setFormat(spec);
    this.#formats.push({ spec, agentBefore: this.#x.agentLineCount(), vhostBefore: this.#x.vhostLineCount() });
  }

  /** Id of a named field's label ("header:x-api-key"), shared by all files of the import. */
  #labelId(label: string): number {
    let id = this.#labels.indexOf(label);
    if (id < 0) id = this.#labels.push(label) - 1;
    return id;
  }

  #config(bytes: Uint8Array): number {
    if (bytes.length > 60_000) throw new Error('format definition too large');
    new Uint8Array(this.#x.memory.buffer, this.#x.configPtr(), bytes.length).set(bytes);
    return bytes.length;
  }

  #defineNames(fields: FieldDef[]): void {
    const enc = new TextEncoder();
    for (const f of fields) {
      const len = this.#config(enc.encode(f.name));
      const nameId = f.slot === Slot.Named ? this.#labelId(f.label ?? `field:${f.name}`) : 0;
      this.#x.defineName(len, f.slot, f.conv ?? 0, nameId, f.prio ?? 0);
    }
  }

  #setFormat(spec: FormatSpec): void {
    const x = this.#x;
    switch (spec.kind) {
      case 'clf':
        x.setFormat(CoreFormat.Clf, Enc.Log);
        return;
      case 'json':
        x.setFormat(CoreFormat.Json, Enc.Json);
        this.#defineNames(spec.fields);
        return;
      case 'columns': {
        x.setFormat(CoreFormat.Delimited, spec.enc);
        // column names are matched lower-case
        this.#defineNames(spec.fields.map((f) => ({ ...f, name: f.name.toLowerCase() })));
        const len = this.#config(new TextEncoder().encode(spec.header));
        x.setColumns(spec.separator === 'tab' ? 9 : 32, spec.quoted ? 1 : 0, spec.minColumns, spec.name === 'alb' ? 1 : 0, len);
        return;
      }
      case 'template': {
        x.setFormat(CoreFormat.Template, spec.enc);
        // the program names fields by their index in spec.labels: make them import-wide ids
        const program = spec.program.slice();
        for (let pc = 0; pc < program.length; ) {
          if (program[pc] === 1) {
            pc += 3 + (program[pc + 1] | (program[pc + 2] << 8));
            continue;
          }
          if (program[pc + 1] === Slot.Named) {
            const id = this.#labelId(spec.labels[program[pc + 3] | (program[pc + 4] << 8)]);
            program[pc + 3] = id & 0xff;
            program[pc + 4] = id >> 8;
          }
          pc += 6;
        }
        x.setTemplate(this.#config(program));
        return;
      }
    }
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
    const counts = this.fileCounts();
    const f = this.#formats.at(-1);
    if (f) f.name = this.#formatName(f, counts.requests);
    return counts;
  }

  /** A CLF file is named by what its lines carried: combined or common, with a vhost or not. */
  #formatName(f: FileFormat, requests: number): string {
    if (f.spec.kind !== 'clf') return f.spec.name;
    const agents = this.#x.agentLineCount() - f.agentBefore;
    const vhosts = this.#x.vhostLineCount() - f.vhostBefore;
    const base = agents * 2 >= requests ? 'combined' : 'common';
    return vhosts * 2 > requests ? `v${base}` : base;
  }

  /** Format of each file read, in order. */
  get fileFormats(): string[] {
    return this.#formats.map((f) => f.name ?? f.spec.name);
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

  /** The import's format: the files' one, or theirs joined with "+" when they differ. */
  format(): string {
    const names = [...new Set(this.fileFormats)];
    return names.length ? names.join('+') : 'unknown';
  }

  /** The first requests read, with every field (EngineOptions.previewLimit of them). */
  preview(): ParsedRequest[] {
    const x = this.#x;
    const n = x.previewCount();
    const words = x.previewEntryWords();
    const mem = x.memory.buffer;
    const view = new DataView(mem, x.previewEntriesPtr(), n * words * 4);
    const text = new Uint8Array(mem, x.previewTextPtr());
    const out: ParsedRequest[] = [];
    for (let i = 0; i < n; i++) {
      const at = i * words * 4;
      const u32 = (w: number) => view.getUint32(at + w * 4, true);
      const f64 = (byte: number) => view.getFloat64(at + byte, true);
      const enc = u32(9);
      const line = text.subarray(u32(10), u32(10) + u32(11));
      const present = u32(12);
      const slot = (s: number): string | null => {
        if (!(present & (1 << s))) return null;
        return valueText(enc, line.subarray(u32(13 + s), u32(13 + SLOTS + s)));
      };
      const named: Record<string, string> = {};
      const nw = 13 + 2 * SLOTS;
      const count = u32(nw);
      for (let k = 0; k < count; k++) {
        const label = this.#labels[u32(nw + 1 + k)] ?? `field:${u32(nw + 1 + k)}`;
        named[label] = valueText(enc, line.subarray(u32(nw + 17 + k), u32(nw + 33 + k)));
      }
      let path = slot(Slot.Path);
      let query = slot(Slot.Query);
      const uri = slot(Slot.Uri);
      if (uri !== null && path === null) {
        const q = uri.indexOf('?');
        path = q < 0 ? uri : uri.slice(0, q);
        if (query === null && q >= 0) query = uri.slice(q + 1);
      }
      if (query !== null && query.startsWith('?')) query = query.slice(1);
      const time = f64(8);
      const bytes = f64(20);
      const duration = f64(28);
      out.push({
        file: this.#files[u32(0)] ?? '?',
        line: u32(1),
        time: Number.isFinite(time) ? new Date(time).toISOString() : null,
        ip: slot(Slot.Ip),
        user: slot(Slot.User),
        method: slot(Slot.Method),
        path,
        query: query === '' || query === '-' ? null : query,
        protocol: slot(Slot.Protocol),
        status: view.getInt32(at + 16, true),
        bytes: bytes >= 0 ? bytes : null,
        durationMs: Number.isFinite(duration) ? Math.round(duration * 1000) / 1000 : null,
        userAgent: slot(Slot.UserAgent),
        referer: slot(Slot.Referer),
        host: slot(Slot.Host),
        cookie: slot(Slot.Cookie),
        xff: slot(Slot.Xff),
        fields: named
      });
    }
    return out;
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
