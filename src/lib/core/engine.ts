import type { MalformedSample, SessionColumns, ParsedRequest, EndpointStats } from './types';
import { STATUS_CLASSES, ATTACK_TYPES } from './types';
import { scoreSessions, endpointRisk } from './labels';
import { markDisposable } from './columns';
import { quantile, type Sketch } from './sketch';
import { type GroupingKey, keyFieldDefs, encodeKeys } from './keys';
import { type ContextParam, contextFieldDefs, encodeContext, columnName } from './context';
import type { FormatSpec } from './formats/spec';
import type { FieldDef } from './slots';
import { CoreFormat, Enc, Slot, SLOTS } from './slots';
import { reasonName } from './reasons';
import { valueText, rawText, plainText } from './unescape';
import type { RequestColumns } from './requests';
import { takeRequests, type RequestTables } from './take-requests';
import { PieceStore, mergedSessions, type CoreTable, type CoreTables, type PieceExports } from './pieces';

// A thin wrapper over one instance of the wasm core (assembly/index.ts). One Engine serves one
// import and is then dropped, which frees all of its memory at once.

/** The core's exports (its pieces' and merge's in PieceExports). */
interface CoreExports extends PieceExports {
  init(capacity: number, saltLo: number, saltHi: number, inactivityMs: number, previewLimit: number, allowanceMs: number, maxLengthMs: number): void;
  inputPtr(): number;
  fileCountsPtr(): number;
  totalCountsPtr(): number;
  agentLineCount(): number;
  vhostLineCount(): number;
  beginFile(): void;
  setFormat(id: number, encoding: number): void;
  configPtr(): number;
  defineName(len: number, slot: number, conv: number, nameId: number, prio: number): void;
  setColumns(separator: number, quoted: number, minColumns: number, httpFirst: number, anchored: number, len: number): void;
  setTemplate(len: number): void;
  previewCount(): number;
  previewEntryWords(): number;
  previewEntriesPtr(): number;
  previewTextPtr(): number;
  parse(len: number, final: number): number;
  finish(): number;
  lateRequests(): number;
  openPeak(): number;
  setKeys(authorizationLabel: number): void;
  setContext(saltLo: number, saltHi: number): void;
  tableCount(i: number): number;
  tableSpanPtr(i: number): number;
  tableArenaPtr(i: number): number;
  endpointColumn(i: number): number;
  sketchesPtr(): number;
  sketchBuckets(): number;
  malformedSampleCount(): number;
  malformedSamplesPtr(): number;
  malformedTextPtr(): number;
  enableRequests(on: number): void;
  setDetection(on: number): void;
  requestCount(): number;
  requestColumn(i: number): number;
  resetRequests(): void;
}

/**
 * Bytes handed to the core per call: 8 MiB, so the per-call cost vanishes against the scan while
 * the buffer stays small next to the tables. Tests shrink it to put line cuts everywhere.
 */
export const DEFAULT_CHUNK_SIZE = 8 << 20;
/** Must match MAX_LINE in assembly/index.ts: the longest tail the core carries over. */
const MAX_LINE = 64 * 1024;

export const DEFAULT_INACTIVITY_MS = 30 * 60 * 1000;
/**
 * How far back in time a log may jump before sessions it left are closed (and later requests of
 * theirs counted as late): servers write lines in completion order, a few minutes out at most.
 */
export const DEFAULT_DISORDER_MS = 10 * 60 * 1000;

export interface EngineOptions {
  inactivityMs?: number;
  chunkSize?: number;
  /** 64-bit salt for key hashes as two u32 halves; a database keeps its own (SPEC §2). */
  salt?: [number, number];
  /** Keep the first N requests with all their fields (the page's preview, golden tests). */
  previewLimit?: number;
  /** Grouping keys in order (SPEC §2); default ip+ua. */
  keys?: GroupingKey[];
  /** Maximum session length in ms (0 or absent: none). */
  maxSessionMs?: number;
  /** Disorder allowance (see DEFAULT_DISORDER_MS). */
  disorderMs?: number;
  /**
   * Look for attack signatures (default on). Off, every attack count is 0 and labels that rest on
   * them are not given: for a caller that shows neither (the CLI's summary, format detection).
   */
  detect?: boolean;
  /** Keep every parsed request as columns, to be taken with takeRequests() (off: costs nothing). */
  requests?: boolean;
  /** Context parameters kept with each request (with `requests`; none: costs nothing). */
  context?: ContextParam[];
  /** Salt of the hashed context values as [lo, hi] (default `salt`: a database hashes them like its keys). */
  contextSalt?: [number, number];
}

export interface LineCounts {
  lines: number;
  /** Blank lines and skipped records (headers, JSON records that are not requests). */
  blank: number;
  requests: number;
  malformed: number;
  truncated: number;
  /** Of `blank`: records skipped for not being requests. */
  skipped: number;
}

function countsAt(mem: ArrayBuffer, ptr: number): LineCounts {
  const c = new Uint32Array(mem, ptr, 6);
  return { lines: c[0], blank: c[1], requests: c[2], malformed: c[3], truncated: c[4], skipped: c[5] };
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
  #keys: GroupingKey[] = [];
  #context: ContextParam[] = [];
  #contextSalt: [number, number];
  /** Global → block-local string ids for takeRequests(), and the number of the last block. */
  #requestTables?: RequestTables;
  #block = 0;
  #inactivityMs: number;
  #maxSessionMs: number;
  /** Session pieces taken out of the core after every parse call (see pieces.ts). */
  #pieces = new PieceStore();
  /** Sessions per core endpoint, counted when the sessions are made. */
  #epSessions?: Uint32Array;
  /** The string tables' entries decoded so far, by table and id. */
  #decoded: string[][] = [];

  constructor(module: WebAssembly.Module, opts: EngineOptions = {}) {
    const instance = new WebAssembly.Instance(module, {});
    this.#x = instance.exports as unknown as CoreExports;
    this.#chunk = Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    const [lo, hi] = opts.salt ?? [0x5e551011, 0];
    this.#contextSalt = opts.contextSalt ?? [lo, hi];
    this.#inactivityMs = opts.inactivityMs ?? DEFAULT_INACTIVITY_MS;
    this.#maxSessionMs = opts.maxSessionMs ?? 0;
    this.#x.init(
      this.#chunk + MAX_LINE + 16,
      lo >>> 0,
      hi >>> 0,
      this.#inactivityMs,
      opts.previewLimit ?? 0,
      opts.disorderMs ?? DEFAULT_DISORDER_MS,
      this.#maxSessionMs
    );
    this.#keys = opts.keys ?? [{ kind: 'ip+ua' }];
    if (opts.detect === false) this.#x.setDetection(0);
    if (opts.requests) {
      this.#x.enableRequests(1);
      this.#context = opts.context ?? [];
    }
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
    this.#setFormatOnly(spec);
    // the fields the grouping keys read, in this format's names; then the keys themselves
    const extra = [...keyFieldDefs(spec, this.#keys), ...contextFieldDefs(spec, this.#context)];
    if (extra.length && spec.kind !== 'clf' && spec.kind !== 'template') {
      this.#defineNames(spec.kind === 'columns' ? extra.map((f) => ({ ...f, name: f.name.toLowerCase() })) : extra);
      if (spec.kind === 'columns') {
        const len = this.#config(new TextEncoder().encode(spec.header));
        this.#x.setColumns(spec.separator === 'tab' ? 9 : 32, spec.quoted ? 1 : 0, spec.minColumns, spec.name === 'alb' ? 1 : 0, spec.anchored ? 1 : 0, len);
      }
    }
    // both encoded before either is set: the context's labels may name the Authorization header too
    const keys = encodeKeys(this.#keys, (label) => this.#labelId(label));
    const context = this.#context.length ? encodeContext(this.#context, (label) => this.#labelId(label)) : null;
    this.#config(keys);
    this.#x.setKeys(this.#labels.indexOf('header:authorization'));
    if (context) {
      this.#config(context);
      this.#x.setContext(this.#contextSalt[0] >>> 0, this.#contextSalt[1] >>> 0);
    }
  }

  #setFormatOnly(spec: FormatSpec): void {
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
        x.setColumns(spec.separator === 'tab' ? 9 : 32, spec.quoted ? 1 : 0, spec.minColumns, spec.name === 'alb' ? 1 : 0, spec.anchored ? 1 : 0, len);
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

  /**
   * The free room of the chunk being filled, inside the core's buffer: bytes read straight into it
   * and then handed over by commit() need no copy (a fresh view: the memory may have grown).
   */
  window(): Uint8Array {
    return new Uint8Array(this.#x.memory.buffer, this.#x.inputPtr() + this.#fill, this.#chunk - this.#pending);
  }

  /** Hands over `n` bytes read into window(), parsing them when the chunk is full. */
  commit(n: number): void {
    this.#bytes += n;
    this.#fill += n;
    this.#pending += n;
    if (this.#pending >= this.#chunk) this.#flush(false);
  }

  /** Bytes per parse call: a push of at most this many parses at most one chunk. */
  get chunkSize(): number {
    return this.#chunk;
  }

  #flush(final: boolean): void {
    this.#fill = this.#x.parse(this.#fill, final ? 1 : 0) >>> 0;
    this.#pending = 0;
    this.#pieces.take(this.#x);
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
        fields: named,
        attacks: ATTACK_TYPES.filter((_, k) => u32(words - 1) & (1 << k))
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

  /** Requests that arrived after their session had been closed (merged back at the end). */
  get late(): number {
    return this.#x.lateRequests();
  }

  /** Size of the core's memory in bytes (it only grows). */
  get memoryBytes(): number {
    return this.#x.memory.buffer.byteLength;
  }

  /** The most sessions open at once: what bounds the core's memory, whatever the input size. */
  get openPeak(): number {
    return this.#x.openPeak();
  }

  /**
   * The requests parsed since the last call, copied out of the core, which then empties its
   * columns: call it after each push() of at most chunkSize bytes and after endFile() to keep at
   * most one chunk's rows in the core.
   * Null when there are none (or EngineOptions.requests is off).
   */
  takeRequests(): RequestColumns | null {
    const x = this.#x;
    const n = x.requestCount() >>> 0;
    if (n === 0) return null;
    // fresh table views: the core's memory may have grown since the last block
    const tables = [0, 1, 2, 3, 4].map((i) => this.#table(i));
    this.#requestTables ??= tables.map((table) => ({ table, local: new Int32Array(0), stamp: new Int32Array(0) }));
    this.#requestTables.forEach((t, i) => (t.table = tables[i]));
    const block = takeRequests(x, n, ++this.#block, this.#requestTables, this.#context.map(columnName));
    x.resetRequests();
    return block;
  }

  /**
   * String table i of the core, decoded lazily: only the entries asked for cost a decode, once per
   * import (request blocks each name the IPs and agents they hold, again and again). all() decodes
   * every entry, in one call when the table is plain text (see plainText).
   */
  #table(i: number): CoreTable {
    const x = this.#x;
    const n = x.tableCount(i);
    const mem = x.memory.buffer;
    const spans = new Uint32Array(mem, x.tableSpanPtr(i), n * 2);
    const arena = new Uint8Array(mem, x.tableArenaPtr(i));
    const decoded = (this.#decoded[i] ??= []);
    // [escaping tag][bytes]
    const get = (k: number): string => (decoded[k] ??= valueText(arena[spans[2 * k]], arena.subarray(spans[2 * k] + 1, spans[2 * k] + spans[2 * k + 1])));
    return {
      size: n,
      get,
      all(): string[] {
        const text = n ? plainText(arena.subarray(0, spans[2 * n - 2] + spans[2 * n - 1])) : '';
        if (text === null) return Array.from({ length: n }, (_, k) => get(k));
        return Array.from({ length: n }, (_, k) => (decoded[k] ??= text.slice(spans[2 * k] + 1, spans[2 * k] + spans[2 * k + 1])));
      }
    };
  }

  /**
   * Closes and merges every session; returns them as columns sorted by (start, id), labelled and
   * scored unless `score` is false (labelBits and risk are zero then).
   */
  sessions(score = true): SessionColumns {
    this.#x.finish();
    this.#pieces.take(this.#x);
    this.#epSessions = new Uint32Array(this.#x.tableCount(4));
    const tables = () => [0, 1, 2, 3, 4].map((i) => this.#table(i)) as CoreTables;
    const cols = mergedSessions(this.#x, this.#pieces, { inactivityMs: this.#inactivityMs, maxSessionMs: this.#maxSessionMs }, tables, this.#epSessions);
    // the caller's alone: the page's commit cuts it into day blocks in its place (commit.ts)
    return markDisposable(score ? scoreSessions(cols) : cols);
  }

  /** Per-endpoint statistics, by requests (descending). Call after sessions(). */
  endpoints(): EndpointStats[] {
    const x = this.#x;
    const table = this.#table(4);
    const n = table.size;
    const names = Array.from({ length: n }, (_, k) => table.get(k));
    const mem = x.memory.buffer;
    const requests = new Uint32Array(mem, x.endpointColumn(0), n);
    const sessions = this.#epSessions ?? new Uint32Array(n);
    const status = new Uint32Array(mem, x.endpointColumn(1), n * 6);
    const bytes = new Float64Array(mem, x.endpointColumn(2), n);
    const first = new Float64Array(mem, x.endpointColumn(3), n);
    const last = new Float64Array(mem, x.endpointColumn(4), n);
    const sketchOf = new Uint32Array(mem, x.endpointColumn(5), n);
    const attacks = new Uint32Array(mem, x.endpointColumn(6), n * 7);
    const buckets = x.sketchBuckets();
    const all = new Uint32Array(mem, x.sketchesPtr());
    const out: EndpointStats[] = [];
    for (let i = 0; i < n; i++) {
      const sketch: Sketch = {};
      if (sketchOf[i] > 0) {
        const b = all.subarray((sketchOf[i] - 1) * buckets, sketchOf[i] * buckets);
        for (let k = 0; k < buckets; k++) if (b[k]) sketch[k] = b[k];
      }
      const sp = names[i].indexOf(' ');
      out.push({
        endpoint: names[i],
        method: names[i].slice(0, sp),
        path: names[i].slice(sp + 1),
        requests: requests[i],
        sessions: sessions[i],
        status: statusRecord(status.subarray(i * 6, i * 6 + 6)),
        bytes: bytes[i],
        p50: quantile(sketch, 0.5),
        p95: quantile(sketch, 0.95),
        p99: quantile(sketch, 0.99),
        firstSeen: new Date(first[i]).toISOString(),
        lastSeen: new Date(last[i]).toISOString(),
        sketch,
        attacks: attackRecord(attacks.subarray(i * 7, i * 7 + 7)),
        risk: 0
      });
      out[out.length - 1].risk = endpointRisk(out[out.length - 1]);
    }
    return out.sort((a, b) => b.requests - a.requests || (a.endpoint < b.endpoint ? -1 : 1));
  }
}

/** Seven attack-type counts as a record. */
export function attackRecord(counts: ArrayLike<number>): EndpointStats['attacks'] {
  return Object.fromEntries(ATTACK_TYPES.map((c, i) => [c, counts[i]])) as EndpointStats['attacks'];
}

/** Six status-class counts as a record. */
export function statusRecord(counts: ArrayLike<number>): EndpointStats['status'] {
  return Object.fromEntries(STATUS_CLASSES.map((c, i) => [c, counts[i]])) as EndpointStats['status'];
}
