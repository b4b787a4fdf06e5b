// UTF-8 output gathered in a growing byte array: text, numbers and times written as
// JSON.stringify and Date.prototype.toISOString write them, without a string per piece.

const encoder = new TextEncoder();
/** Memory is taken this much at a time; the bytes handed over are views into it, many per chunk. */
const CHUNK = 1 << 20;
/** Up to this many bytes or chars a loop beats a call (set, encodeInto, JSON.stringify). */
const SHORT = 32;
const DAY_MS = 86_400_000;
/** Years 0000..9999: toISOString's "YYYY-MM-DDTHH:mm:ss.sssZ" (outside them it writes ±YYYYYY). */
const ISO_END = 253_402_300_800_000;

/** Bytes written often (the fixed parts of a line, table strings): kept as little-endian 32-bit words, zero-padded, to be copied a word at a time. */
export interface Constant {
  length: number;
  words: Uint32Array;
}

export function constant(bytes: Uint8Array): Constant {
  const padded = new Uint8Array((bytes.length + 3) & ~3);
  padded.set(bytes);
  // read as little-endian, as constant() writes them, whatever the platform's order
  const view = new DataView(padded.buffer);
  const words = new Uint32Array(padded.length / 4);
  for (let k = 0; k < words.length; k++) words[k] = view.getUint32(4 * k, true);
  return { length: bytes.length, words };
}

export class ByteWriter {
  readonly #alloc: (size: number) => Uint8Array;
  #buf: Uint8Array;
  #view: DataView;
  /** The first byte not handed over yet, and the next to write. */
  #start = 0;
  #pos = 0;
  /** The day of the last time written, and its "YYYY-MM-DDT". */
  #day = NaN;
  #dayText = constant(new Uint8Array(0));

  /**
   * `alloc` gives the memory written into: Node's Buffer.allocUnsafe spares the zeroing (and the
   * fresh pages) of new Uint8Array, ~10 ms over 22 MB of output; every byte handed over is written.
   */
  constructor(alloc: (size: number) => Uint8Array = (size) => new Uint8Array(size)) {
    this.#alloc = alloc;
    this.#buf = alloc(CHUNK);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos - this.#start;
  }

  /**
   * The bytes written since the last take, handed over: they are never written again (the next
   * ones go after them, or to fresh memory). One chunk holds many takes: a fresh chunk per take
   * (the CLI takes 64 KiB at a time) cost an allocation and half a chunk of fresh pages each.
   */
  take(): Uint8Array {
    const out = this.#buf.subarray(this.#start, this.#pos);
    this.#start = this.#pos;
    // the fresh chunk is taken here, not by #room: growing there, first done after add() was
    // optimised, sent add() and the writes back to the interpreter
    if (this.#buf.length - this.#pos < CHUNK / 4) {
      this.#buf = this.#alloc(CHUNK);
      this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
      this.#start = this.#pos = 0;
    }
    return out;
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    // fresh memory for the bytes not handed over yet, and what comes after them
    const kept = this.#pos - this.#start;
    const fresh = this.#alloc(Math.max(CHUNK, 2 * kept + n));
    fresh.set(this.#buf.subarray(this.#start, this.#pos));
    this.#buf = fresh;
    this.#view = new DataView(fresh.buffer, fresh.byteOffset, fresh.length);
    this.#start = 0;
    this.#pos = kept;
  }

  /** One ASCII byte. */
  byte(b: number): void {
    this.#room(1);
    this.#buf[this.#pos++] = b;
  }

  /** Bytes as they are. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.#room(n);
    const buf = this.#buf;
    const at = this.#pos;
    // a loop for the short constants, set() (a memcpy) for the rest: each faster there
    if (n <= SHORT) for (let k = 0; k < n; k++) buf[at + k] = b[k];
    else buf.set(b, at);
    this.#pos = at + n;
  }

  /**
   * A constant, a word at a time: up to 3 bytes past its end are written too, with room made for
   * them; they are written over by what comes next, or never handed over.
   */
  constant(c: Constant): void {
    const n = c.length;
    this.#room(n + 3);
    const view = this.#view;
    const words = c.words;
    const at = this.#pos;
    for (let k = 0; k < words.length; k++) view.setUint32(at + 4 * k, words[k], true);
    this.#pos = at + n;
  }

  /** A string as UTF-8, as Buffer.from(s) or TextEncoder encode it (s well-formed, as JSON.stringify's are). */
  text(s: string): void {
    this.#room(3 * s.length);
    this.#pos += encoder.encodeInto(s, this.#buf.subarray(this.#pos)).written;
  }

  /**
   * JSON.stringify(s), as UTF-8. JSON.stringify writes the chars 0x20..0x7e other than " and \ as
   * they are, so a short string of only those is written here between quotes, byte by byte
   * (JSON.stringify's call took ~150 ns for a 16-char id); any other goes through it.
   */
  jsonString(s: string): void {
    const n = s.length;
    if (n <= SHORT) {
      this.#room(n + 2);
      const buf = this.#buf;
      const at = this.#pos;
      let k = 0;
      for (; k < n; k++) {
        const c = s.charCodeAt(k);
        if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) break;
        buf[at + 1 + k] = c;
      }
      if (k === n) {
        buf[at] = 0x22;
        buf[at + n + 1] = 0x22;
        this.#pos = at + n + 2;
        return;
      }
    }
    this.text(JSON.stringify(s));
  }

  /** A number as JSON.stringify writes it (NaN and ±Infinity as null). */
  number(n: number): void {
    // whole numbers that fit an int32: digits by integer arithmetic (a double's % is a call)
    if (!(n >= 0 && n <= 0x7fffffff && Number.isInteger(n))) return this.text(Number.isFinite(n) ? String(n) : 'null');
    let m = n | 0;
    let digits = 1;
    for (let p = 10; p <= m && digits < 10; p *= 10) digits++;
    this.#room(digits);
    const buf = this.#buf;
    for (let at = this.#pos + digits - 1; at >= this.#pos; at--) {
      const rest = (m / 10) | 0;
      buf[at] = 48 + m - rest * 10;
      m = rest;
    }
    this.#pos += digits;
  }

  /**
   * new Date(ms).toISOString(), the date part made once per day: toISOString took ~0.5 µs a
   * call. Whole milliseconds of years 0000..9999 only; other values (and invalid ones, which
   * throw) go to toISOString itself.
   */
  time(ms: number): void {
    if (!(Number.isInteger(ms) && ms >= 0 && ms < ISO_END)) return this.text(new Date(ms).toISOString());
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#dayText = constant(encoder.encode(new Date(day * DAY_MS).toISOString().slice(0, 11)));
    }
    this.constant(this.#dayText);
    let t = (ms - day * DAY_MS) | 0;
    const milli = t % 1000;
    t = (t - milli) / 1000;
    const sec = t % 60;
    t = (t - sec) / 60;
    const min = t % 60;
    this.#room(13);
    this.#two((t - min) / 60);
    this.#buf[this.#pos++] = 58; // :
    this.#two(min);
    this.#buf[this.#pos++] = 58;
    this.#two(sec);
    this.#buf[this.#pos++] = 46; // .
    this.#buf[this.#pos++] = 48 + ((milli / 100) | 0);
    this.#two(milli % 100);
    this.#buf[this.#pos++] = 90; // Z
  }

  /** 0..99 as two digits (room made by the caller). */
  #two(n: number): void {
    const tens = (n / 10) | 0;
    this.#buf[this.#pos++] = 48 + tens;
    this.#buf[this.#pos++] = 48 + n - tens * 10;
  }
}
