import { Vec } from './vec';
import { findByte, findEither, copyBytes, hasZeroByte } from './scan';
import { hashBytes } from './hash';
import { Interner, LossyCache } from './intern';
import { probeBits } from './detect';

// Endpoints (SPEC §2): method + path template. Path segments that are ids become placeholders —
// {int} {uuid} {hex} {email} {date} {token} — and the query is dropped. Templating runs once per
// distinct raw path: a cache maps the raw (method, path) hash to the endpoint id.

export const templates = new Interner();
/**
 * Raw (method, path) hash → endpoint id and path verdict. Lossy and fixed (2^16 slots, 1 MiB): ids
 * in paths make raw paths as many as requests, and a map of them all grew with the input.
 */
const rawCache = new LossyCache(1 << 16);
const scratch = heap.alloc(8192 + 64);

// Per endpoint: requests, status classes 1xx..5xx and other, bytes, first/last seen,
// durations seen and a latency sketch (index into `sketches`, 0 = none yet).
export const epRequests = new Vec(4, 1024);
export const epStatus = new Vec(4 * 6, 1024);
export const epBytes = new Vec(8, 1024);
export const epFirst = new Vec(8, 1024);
export const epLast = new Vec(8, 1024);
export const epSketch = new Vec(4, 1024);
/** Requests per attack type (7 per endpoint, in the order of detect.ts's bits). */
export const epAttacks = new Vec(4 * 7, 1024);
/** Per endpoint: attack bits its template alone carries (scanner probes). */
export const epProbe = new Vec(4, 1024);
/** Per endpoint: 1 = login-like (login, signin, auth, token, …), 2 = has an id placeholder. */
export const epFlags = new Vec(4, 1024);
export const FLAG_LOGIN: u32 = 1;
export const FLAG_ID: u32 = 2;
/** The template hides part of the path in {token} or {hex}: a probe may hide there too. */
export const FLAG_OPAQUE: u32 = 4;
/** Method hashes by method (endpointOf), with the salt since resetMethods. */
const METHODS = memory.data(8 << 4, 16);
/** The raw (method, path) hash of the last endpointOf call: distinct object ids per session. */
export let lastRawHash: u64 = 0;

/**
 * Latency sketch: log buckets of ratio GAMMA from MIN_MS (bucket 0 holds everything below), so any
 * quantile is known within 2% and two sketches merge by adding buckets — across files and imports.
 */
export const SKETCH_BUCKETS: i32 = 512;
const GAMMA: f64 = 1.04;
const MIN_MS: f64 = 0.01;
const LOG_GAMMA: f64 = Math.log(GAMMA);
export const sketches = new Vec(SKETCH_BUCKETS * 4, 16);
/** Per endpoint: durations seen, and the slow threshold (ms) refreshed every SLOW_REFRESH of them. */
const epDurCount = new Vec(4, 1024);
const epSlowMs = new Vec(8, 1024);
const SLOW_MIN: u32 = 50;
const SLOW_REFRESH: u32 = 64;
/** Whether the last recorded request was slow for its endpoint. */
export let lastSlow = false;

/** The value below which a share q of the sketch lies (bucket upper bound, ms). */
function sketchQuantile(sk: u32, total: u32, q: f64): f64 {
  let base = sketches.ptr + <usize>(sk - 1) * <usize>(SKETCH_BUCKETS * 4);
  let rank = <u32>Math.ceil(q * <f64>total);
  let seen: u32 = 0;
  for (let b = 0; b < SKETCH_BUCKETS; b++) {
    seen += load<u32>(base + (<usize>b << 2));
    if (seen >= rank) return b == 0 ? MIN_MS : MIN_MS * Math.pow(GAMMA, <f64>b);
  }
  return Infinity;
}

function isDigits(s: usize, e: usize): bool {
  if (s >= e) return false;
  for (let p = s; p < e; p++) if (<u32>load<u8>(p) - 48 > 9) return false;
  return true;
}

@inline function isHex(c: u32): bool {
  return c - 48 <= 9 || (c | 0x20) - 97 <= 5;
}

function isUuid(s: usize, e: usize): bool {
  if (e - s != 36) return false;
  for (let i: usize = 0; i < 36; i++) {
    let c = <u32>load<u8>(s + i);
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != 0x2d) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}

function isDate(s: usize, e: usize): bool {
  let n = e - s;
  if (n != 10 && n != 8) return false;
  let y0 = load<u8>(s), y1 = load<u8>(s + 1);
  if (!((y0 == 0x31 && y1 == 0x39) || (y0 == 0x32 && y1 == 0x30))) return false;
  if (n == 10) {
    if (load<u8>(s + 4) != 0x2d || load<u8>(s + 7) != 0x2d) return false;
    return isDigits(s, s + 4) && isDigits(s + 5, s + 7) && isDigits(s + 8, s + 10);
  }
  if (!isDigits(s, e)) return false;
  let m = (<u32>load<u8>(s + 4) - 48) * 10 + (<u32>load<u8>(s + 5) - 48);
  let d = (<u32>load<u8>(s + 6) - 48) * 10 + (<u32>load<u8>(s + 7) - 48);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

function isEmail(s: usize, e: usize): bool {
  let at = findByte(s, e, 0x40);
  if (at >= e) {
    // %40, as browsers encode it
    for (let p = s; p + 2 < e; p++) {
      if (load<u8>(p) == 0x25 && load<u8>(p + 1) == 0x34 && load<u8>(p + 2) == 0x30) { at = p + 2; break; }
    }
    if (at >= e) return false;
  }
  return at > s && findByte(at, e, 0x2e) < e - 1;
}

/** Where a short extension (".jpg", ".json") starts in [s, e), or e. */
function extensionStart(s: usize, e: usize): usize {
  // most segments have no "." among their last 7 bytes: then no extension, without a byte walk
  // (the bytes before s, when fewer than 7, are masked off as non-zero)
  let k = e - s < 7 ? e - s : 7;
  if (!hasZeroByte((load<u64>(e - 8) ^ 0x2e2e2e2e2e2e2e2e) | ((<u64>1 << (<u64>(8 - k) << 3)) - 1))) return e;
  let p = e;
  while (p > s && e - p <= 6) {
    p--;
    let c = <u32>load<u8>(p);
    if (c == 0x2e) return p > s && e - p >= 2 ? p : e;
    if (!(c - 48 <= 9 || (c | 0x20) - 97 <= 25)) return e;
  }
  return e;
}

// Byte classes for classify(), one pass a segment: bits a byte has when it may be in a hex id, a
// number with separators, a token; is a digit, a letter; is "@" or "%" (an e-mail, maybe).
const HEX_OK: u8 = 1, NUM_OK: u8 = 2, TOKEN_OK: u8 = 4, DIGIT: u8 = 8, LETTER: u8 = 16, AT: u8 = 32, PERCENT: u8 = 64;
const classes = heap.alloc(256);
for (let c = 0; c < 256; c++) {
  let f: u8 = 0;
  let digitC = <u32>c - 48 <= 9;
  let letter = (<u32>c | 0x20) - 97 <= 25;
  if (digitC || (<u32>c | 0x20) - 97 <= 5) f |= HEX_OK;
  if (digitC || c == 0x2d || c == 0x5f || c == 0x2e) f |= NUM_OK;
  if (digitC || letter || c == 0x2d || c == 0x5f || c == 0x2e || c == 0x7e || c == 0x3d || c == 0x2b || c == 0x25) f |= TOKEN_OK;
  if (digitC) f |= DIGIT;
  if (letter) f |= LETTER;
  if (c == 0x40) f |= AT;
  if (c == 0x25) f |= PERCENT;
  store<u8>(classes + <usize>c, f);
}

/**
 * 0: a name to keep; else the placeholder: 1 int, 2 uuid, 3 date, 4 email, 5 hex, 6 token.
 * int: a digit then digits and separators ("12345-4", "2024_1"); hex: 12+ hex digits, one a
 * digit at least; token: 20+ chars of letters, digits and -_.~=+% mixing letters and digits.
 */
function classify(s: usize, e: usize): i32 {
  if (s >= e) return 0;
  let n = e - s;
  // Most segments are short names ("api", "v1", "products"): below 12 bytes and not opening
  // with a digit, only an e-mail can be a placeholder (the others need a digit first or more
  // bytes), and it needs an "@" or a "%" ("%40").
  if (n < 12 && <u32>load<u8>(s) - 48 > 9) return findEither(s, e, 0x40, 0x25) < e && isEmail(s, e) ? 4 : 0;
  if ((n == 8 || n == 10) && isDate(s, e)) return 3;
  let all: u32 = 0xff, any: u32 = 0, digits: u32 = 0, letters: u32 = 0;
  for (let p = s; p < e; p++) {
    let f = <u32>load<u8>(classes + <usize>load<u8>(p));
    all &= f;
    any |= f;
    digits += (f >> 3) & 1;
    letters += (f >> 4) & 1;
  }
  if (<u32>load<u8>(s) - 48 <= 9 && (all & NUM_OK)) return 1;
  if (n == 36 && isUuid(s, e)) return 2;
  if ((any & (AT | PERCENT)) && isEmail(s, e)) return 4;
  if (n >= 12 && (all & HEX_OK) && digits > 0) return 5;
  if (n >= 20 && (all & TOKEN_OK) && digits > 0 && letters > 0) return 6;
  return 0;
}

/** "{int}" … "{token}" by kind 1..6 as little-endian words (the length: the non-zero bytes). */
const PLACEHOLDERS = memory.data<u64>([0, 0x7d746e697b, 0x7d646975757b, 0x7d657461647b, 0x7d6c69616d657b, 0x7d7865687b, 0x7d6e656b6f747b]);

@inline function placeholder(out: usize, kind: i32): usize {
  let w = load<u64>(PLACEHOLDERS + (<usize>kind << 3));
  store<u64>(out, w);
  return out + <usize>(8 - (clz(w) >> 3));
}

/** Writes "METHOD /templated/path" to scratch; returns its length. */
@inline function template(ms: usize, me: usize, ps: usize, pe: usize): i32 {
  let out = scratch;
  let mn = me - ms;
  if (mn > 32) mn = 32;
  copyBytes(out, ms, mn);
  out += mn;
  store<u8>(out++, 0x20);
  if (pe - ps < 64) return <i32>(shortPath(out, ps, <u32>(pe - ps)) - scratch);
  let limit = scratch + 8000;
  let p = ps;
  while (p < pe && out < limit) {
    if (load<u8>(p) == 0x2f) {
      store<u8>(out++, 0x2f);
      p++;
      continue;
    }
    let se = findByte(p, pe, 0x2f);
    if (se - p > <usize>(limit - out)) se = p + <usize>(limit - out);
    // a file name's extension stays: /media/123-4.jpg is /media/{int}.jpg
    let stem = extensionStart(p, se);
    let kind = classify(p, stem);
    if (kind == 0 && stem < se) {
      stem = se;
      kind = classify(p, se);
    }
    if (kind == 0) {
      copyBytes(out, p, se - p);
      out += se - p;
    } else {
      out = placeholder(out, kind);
      copyBytes(out, stem, se - stem);
      out += se - stem;
    }
    p = se;
  }
  return <i32>(out - scratch);
}

// A path below 64 bytes (nearly all) is templated from bitmasks of its byte classes, one bit a
// byte, made 16 bytes at a time: segments, their classes and extensions are then a few mask
// operations each, and only a segment with a digit, "@" or "%" (or a path of 36+ bytes) is looked
// at. The rules are classify()'s and extensionStart()'s, which the longer paths still use.
// The splats the bytes are compared with are loaded (V8 builds a v128 constant in 3 instructions),
// 16 bytes each, in the order of these bytes: case bit, "/", the digit and letter range checks
// (see within), ".", "-", "_", "%", "~", "=", "+", "@".
const SPLAT_BYTES = memory.data<u8>([0x20, 0x2f, 0x50, 0x8a, 0x1f, 0x9a, 0x86, 0x2e, 0x2d, 0x5f, 0x25, 0x7e, 0x3d, 0x2b, 0x40]);
const SPLATS = memory.data(15 << 4, 16);
for (let i = 0; i < 15; i++) memory.fill(SPLATS + (<usize>i << 4), load<u8>(SPLAT_BYTES + <usize>i), 16);
const K_CASE = 0, K_SLASH = 1, K_DIGIT = 2, K_LETTER = 4, K_HEX_TOP = 6, K_DOT = 7, K_DASH = 8, K_UNDERSCORE = 9;
const K_PERCENT = 10, K_TILDE = 11, K_EQUALS = 12, K_PLUS = 13, K_AT = 14;
@inline function splat(k: i32): v128 { return v128.load(SPLATS + (<usize>k << 4)); }
/** The path's masks, 8 bytes a class, written 16 bits a chunk: "/", digit, letter, a-f, ".", -_., -_.~=+%, @%. */
const MASKS = memory.data(64, 16);
const M_SLASH = 0, M_DIGIT = 8, M_LETTER = 16, M_HEX = 24, M_DOT = 32, M_SEP = 40, M_PUNCT = 48, M_AT = 56;
@inline function mask(m: i32): u64 { return load<u64>(MASKS + <usize>m); }

@inline function within(v: v128, k: i32): v128 {
  // lo <= v < lo + n (unsigned) as one signed compare: splats k, k + 1 hold 128 - lo, n - 128
  return i8x16.lt_s(i8x16.add(v, splat(k)), splat(k + 1));
}

@inline function shortPath(out: usize, ps: usize, n: u32): usize {
  for (let i: u32 = 0; i < n; i += 16) {
    let v = v128.load(ps + <usize>i);
    let m = MASKS + <usize>(i >> 3);
    store<u16>(m + M_SLASH, i8x16.bitmask(i8x16.eq(v, splat(K_SLASH))));
    store<u16>(m + M_DIGIT, i8x16.bitmask(within(v, K_DIGIT)));
    store<u16>(m + M_AT, i8x16.bitmask(v128.or(i8x16.eq(v, splat(K_PERCENT)), i8x16.eq(v, splat(K_AT)))));
  }
  let end = <u64>1 << <u64>n;
  let inPath = end - 1;
  let slash = mask(M_SLASH) & inPath;
  let digit = mask(M_DIGIT) & inPath;
  let at = mask(M_AT) & inPath;
  let bound = slash | end;
  // a segment may hold a placeholder if it has a digit, "@" or "%", or is 36+ bytes (a uuid)
  let cand = n < 36 ? digit | at : ~slash & inPath;
  let from: u64 = 0;
  let classes = false;
  // for the digit-blind cache (newRaw): the digits placeholders took, and whether no date
  // check (digit values) or "@"/"%" decided the template
  let free: u64 = 0;
  let blind = at == 0;
  while (cand) {
    let q = ctz(cand);
    let a = <u64>64 - clz(slash & ((<u64>1 << q) - 1));
    let b = ctz(bound >> q) + q;
    let below = (<u64>1 << b) - 1;
    cand &= ~below;
    let seg = below & ~((<u64>1 << a) - 1);
    if ((seg & at) == 0 && (b - a < 12 ? ((digit >> a) & 1) == 0 : b - a < 36 && (seg & digit) == 0)) continue;
    let stem = b;
    let kind: i32;
    if ((seg & ~digit) == 0) {
      // digits only (most ids): no extension, and {int} unless a date
      let dateLike = b - a == 8 || b - a == 10;
      if (dateLike) blind = false;
      kind = dateLike && isDate(ps + <usize>a, ps + <usize>b) ? 3 : 1;
    } else {
      if (!classes) {
        classMasks(ps, <u32>a & ~15, n);
        classes = true;
      }
      stem = extensionAt(a, b);
      let first = stem;
      kind = classifyAt(ps, a, stem);
      if (kind == 0 && stem < b) {
        stem = b;
        kind = classifyAt(ps, a, b);
      }
      if (kind == 0) continue;
      // a range of a date's length was tried as one: its digits' values counted
      if (first - a == 8 || first - a == 10 || (stem == b && (b - a == 8 || b - a == 10))) blind = false;
    }
    // the placeholder's digits (an extension after it stays as it is)
    free |= seg & digit & ((<u64>1 << stem) - 1);
    copyBytes(out, ps + <usize>from, <usize>(a - from));
    out = placeholder(out + <usize>(a - from), kind);
    from = stem;
  }
  copyBytes(out, ps + <usize>from, <usize>(<u64>n - from));
  blindFree = free;
  blindOk = blind;
  return out + <usize>(<u64>n - from);
}

/**
 * The masks classify needs beyond "/", digits and "@%": made only for a segment that is not all
 * digits, from its 16 bytes on (the segments are taken in order).
 */
function classMasks(ps: usize, from: u32, n: u32): void {
  for (let i = from; i < n; i += 16) {
    let v = v128.load(ps + <usize>i);
    let m = MASKS + <usize>(i >> 3);
    // letters and a-f: one biased lower case, two tops
    let letterish = i8x16.add(v128.or(v, splat(K_CASE)), splat(K_LETTER));
    let dot = i8x16.eq(v, splat(K_DOT));
    let sep = v128.or(dot, v128.or(i8x16.eq(v, splat(K_DASH)), i8x16.eq(v, splat(K_UNDERSCORE))));
    let more = v128.or(i8x16.eq(v, splat(K_PERCENT)), i8x16.eq(v, splat(K_TILDE)));
    more = v128.or(more, v128.or(i8x16.eq(v, splat(K_EQUALS)), i8x16.eq(v, splat(K_PLUS))));
    store<u16>(m + M_LETTER, i8x16.bitmask(i8x16.lt_s(letterish, splat(K_LETTER + 1))));
    store<u16>(m + M_HEX, i8x16.bitmask(i8x16.lt_s(letterish, splat(K_HEX_TOP))));
    store<u16>(m + M_DOT, i8x16.bitmask(dot));
    store<u16>(m + M_SEP, i8x16.bitmask(sep));
    store<u16>(m + M_PUNCT, i8x16.bitmask(v128.or(sep, more)));
  }
}

/** extensionStart() on the masks: the last non-alphanumeric byte of the last 7, if a "." with bytes both sides. */
@inline function extensionAt(a: u64, b: u64): u64 {
  let w = b - a < 7 ? a : b - 7;
  let other = ((<u64>1 << b) - (<u64>1 << w)) & ~(mask(M_DIGIT) | mask(M_LETTER));
  if (other == 0) return b;
  let q = <u64>63 - clz(other);
  return (mask(M_DOT) >> q) & 1 && q > a && b - q >= 2 ? q : b;
}

/** classify() on the masks, for the segment [a, e) of the path at ps. */
function classifyAt(ps: usize, a: u64, e: u64): i32 {
  if (a >= e) return 0;
  let n = e - a;
  let m = (<u64>1 << e) - (<u64>1 << a);
  let s = ps + <usize>a;
  let digit = mask(M_DIGIT);
  let firstDigit = (digit >> a) & 1;
  if (n < 12 && !firstDigit) return (m & mask(M_AT)) && isEmail(s, ps + <usize>e) ? 4 : 0;
  if ((n == 8 || n == 10) && isDate(s, ps + <usize>e)) return 3;
  if (firstDigit && (m & ~(digit | mask(M_SEP))) == 0) return 1;
  if (n == 36 && isUuid(s, ps + <usize>e)) return 2;
  if ((m & mask(M_AT)) && isEmail(s, ps + <usize>e)) return 4;
  if ((m & digit) == 0) return 0;
  if (n >= 12 && (m & ~(digit | mask(M_HEX))) == 0) return 5;
  let letter = mask(M_LETTER);
  if (n >= 20 && (m & ~(digit | letter | mask(M_PUNCT))) == 0 && (m & letter)) return 6;
  return 0;
}

function grow(id: i32): void {
  epRequests.pushU32(0);
  memory.fill(epStatus.reserve(1), 0, 24);
  epStatus.len++;
  epBytes.pushF64(0);
  epFirst.pushF64(Infinity);
  epLast.pushF64(-Infinity);
  epSketch.pushU32(0);
  memory.fill(epAttacks.reserve(1), 0, 28);
  epAttacks.len++;
  epFlags.pushU32(0);
  epDurCount.pushU32(0);
  epSlowMs.pushF64(Infinity);
}

/** Flags of a template just made (in scratch, n bytes): login-like, id placeholder. */
function flagsOf(n: i32): u32 {
  let flags: u32 = 0;
  for (let i = 0; i + 1 < n; i++) {
    let c = load<u8>(scratch + <usize>i);
    if (c == 0x7b) {
      flags |= FLAG_ID;
      let d = load<u8>(scratch + <usize>(i + 1));
      if (d == 0x74 || d == 0x68) flags |= FLAG_OPAQUE; // {token} {hex}
    }
  }
  // lower-case words of the path that mark authentication
  if (contains(scratch, n, 'login') || contains(scratch, n, 'signin') || contains(scratch, n, 'sign-in') || contains(scratch, n, 'logon') || contains(scratch, n, 'auth') || contains(scratch, n, 'token') || contains(scratch, n, 'session') || contains(scratch, n, 'password') || contains(scratch, n, 'Login') || contains(scratch, n, 'SignIn') || contains(scratch, n, 'Auth')) flags |= FLAG_LOGIN;
  return flags;
}

function contains(p: usize, n: i32, needle: string): bool {
  let m = needle.length;
  for (let i = 0; i + m <= n; i++) {
    let ok = true;
    for (let k = 0; k < m; k++) if (load<u8>(p + <usize>(i + k)) != <u8>needle.charCodeAt(k)) { ok = false; break; }
    if (ok) return true;
  }
  return false;
}

/** Drops the method hashes kept: init calls it with each salt (endpointOf's seed). */
export function resetMethods(): void {
  memory.fill(METHODS, 0, 8 << 4);
}

/**
 * The endpoint id of a request's method and path (query excluded); inlined, but for a miss.
 * `seed` is the salt, the same for every call since resetMethods.
 */
@inline export function endpointOf(ms: usize, me: usize, ps: usize, pe: usize, seed: u64): i32 {
  // a method's hash is kept (a handful of methods): one of up to 7 bytes is known by its bytes
  // and length in one word (0: not kept), in a table of 8 (hash and word)
  let mn = me - ms;
  let key = mn > 7 ? 0 : (load<u64>(ms) & ((<u64>1 << (<u64>mn << 3)) - 1)) | (<u64>(mn | 8) << 56);
  let slot = METHODS + (<usize>((key * 0x9e3779b97f4a7c15) >> 61) << 4);
  let hm: u64;
  if (key != 0 && load<u64>(slot) == key) hm = load<u64>(slot, 8);
  else {
    hm = hashBytes(ms, mn, seed);
    store<u64>(slot, key);
    store<u64>(slot, hm, 8);
  }
  let raw = hashBytes(ps, pe - ps, hm);
  lastRawHash = raw;
  let v = rawCache.get(raw);
  if (v >= 0) {
    let id = v & ID_MASK;
    lastEndpoint = id;
    lastPathVerdict = v & VERDICT_KNOWN ? (v >> 24) & 0x7f : -1;
    return id;
  }
  return newRaw(ms, me, ps, pe, raw, key);
}

/**
 * endpointOf for a raw path not cached: its template, interned (a new endpoint's columns grow).
 * `key` is the method's bytes and length as one word (0: a method of 8+ bytes).
 */
function newRaw(ms: usize, me: usize, ps: usize, pe: usize, raw: u64, key: u64): i32 {
  lastPathVerdict = -1;
  let pn = <u32>(pe - ps);
  let blind = pn - 1 < 63 && key != 0;
  let id = blind ? blindId(ps, pn, key) : -1;
  if (id < 0) {
    let n = template(ms, me, ps, pe);
    id = knownTemplate(n);
    if (id < 0) id = internTemplate(n);
    if (blind && blindOk) keepBlind(ps, pn, key, id);
  }
  // a path's verdict is judged next (detect) and cached with the id (rememberPathVerdict): only
  // an empty path, never judged, is cached here, or every path when no verdict follows
  if (id <= ID_MASK && (pn == 0 || !verdictFollows)) rawCache.set(raw, id);
  lastEndpoint = id;
  return id;
}

// Most new raw paths differ from one seen before only in the digits of its ids
// ("/products/60876/stock" after "/products/12345/stock"): a digit-blind cache gives their
// endpoint without templating. Its slots (by a hash of the method and of the path, below 64
// bytes, with digits zeroed) hold a path, method, length, endpoint id and `free`, the bytes the
// placeholders took that are digits; a path matches if it has the same bytes but there, and
// digits there. Only templates that no date check and no "@" or "%" decided are kept
// (shortPath's blindOk): those depend on where a path's digits are, not on their values.
let blindFree: u64 = 0;
let blindOk = false;
const BC_BITS = 11;
/** 128-byte slots: path (64 bytes, zero-padded), method word, free, length (0: empty), id. */
const blindCache = heap.alloc(128 << BC_BITS);
memory.fill(blindCache, 0, 128 << BC_BITS);
/** Per k (0..16): 16 bytes, the first k of them 0xff (masks off a chunk's bytes past the path). */
const LANE_MASKS = memory.data(17 << 4, 16);
for (let k = 0; k <= 16; k++) memory.fill(LANE_MASKS + (<usize>k << 4), 0xff, <usize>k);

/** The 16 path bytes from i, zeroed from n on (i <= n). */
@inline function pathChunk(ps: usize, i: u32, n: u32): v128 {
  let k = n - i < 16 ? n - i : 16;
  return v128.and(v128.load(ps + <usize>i), v128.load(LANE_MASKS + (<usize>k << 4)));
}

/** The endpoint id the blind cache holds for the path, or -1; its slot goes to blindSlot. */
@inline function blindId(ps: usize, n: u32, key: u64): i32 {
  // straight on for paths up to 32 bytes (most); the two chunks more only past that
  let v0 = pathChunk(ps, 0, n), v1 = n > 16 ? pathChunk(ps, 16, n) : i64x2.splat(0);
  let d0 = within(v0, K_DIGIT), d1 = within(v1, K_DIGIT);
  let digits = <u64>i8x16.bitmask(d0) | (<u64>i8x16.bitmask(d1) << 16);
  let x = v128.xor(v128.andnot(v0, d0), i8x16.shuffle(v128.andnot(v1, d1), v128.andnot(v1, d1), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0));
  let v2 = i64x2.splat(0), v3 = i64x2.splat(0);
  if (n > 32) {
    v2 = pathChunk(ps, 32, n);
    v3 = n > 48 ? pathChunk(ps, 48, n) : i64x2.splat(0);
    let d2 = within(v2, K_DIGIT), d3 = within(v3, K_DIGIT);
    digits |= (<u64>i8x16.bitmask(d2) << 32) | (<u64>i8x16.bitmask(d3) << 48);
    x = v128.xor(x, i8x16.shuffle(v128.andnot(v2, d2), v128.andnot(v2, d2), 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1));
    x = v128.xor(x, i8x16.shuffle(v128.andnot(v3, d3), v128.andnot(v3, d3), 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2));
  }
  let h = <u64>i64x2.extract_lane(x, 0) * 0x9e3779b97f4a7c15 + <u64>i64x2.extract_lane(x, 1);
  h = (h ^ key ^ <u64>n) * 0xc2b2ae3d27d4eb4f;
  let slot = blindCache + (<usize>(h >> <u64>(64 - BC_BITS)) << 7);
  blindSlot = slot;
  if (load<u32>(slot, 80) != n || load<u64>(slot, 64) != key) return -1;
  let free = load<u64>(slot, 72);
  // the bytes but the free ones as kept (lanes past the path are zero both sides), digits at the free ones
  let same = <u64>i8x16.bitmask(i8x16.eq(v0, v128.load(slot))) | (<u64>i8x16.bitmask(i8x16.eq(v1, v128.load(slot, 16))) << 16);
  if (n > 32) same |= (<u64>i8x16.bitmask(i8x16.eq(v2, v128.load(slot, 32))) << 32) | (<u64>i8x16.bitmask(i8x16.eq(v3, v128.load(slot, 48))) << 48);
  else same |= <u64>0xffffffff << 32;
  return (~same & ~free) == 0 && (free & ~digits) == 0 ? load<i32>(slot, 84) : -1;
}
let blindSlot: usize = 0;

/** Keeps the path's endpoint in its blind-cache slot (the one blindId looked at). */
function keepBlind(ps: usize, n: u32, key: u64, id: i32): void {
  let slot = blindSlot;
  for (let i: u32 = 0; i < 64; i += 16) v128.store(slot + <usize>i, i < n ? pathChunk(ps, i, n) : i64x2.splat(0));
  store<u64>(slot, key, 64);
  store<u64>(slot, blindFree, 72);
  store<u32>(slot, n, 80);
  store<i32>(slot, id, 84);
}

// Templates made lately, by their bytes: most new raw paths (ids in them) make a template seen
// before, found here by a cheap hash and a byte compare instead of its xxHash and the interner's
// probe. Direct-mapped slots of 64 bytes: the template (up to 48 bytes, zero-padded), its length
// (0: empty slot) and endpoint id. A template is cached only once interned: a hit is the interner's id.
const TC_BITS = 10;
const TC_MAX: i32 = 48;
const templateCache = heap.alloc(64 << TC_BITS);
memory.fill(templateCache, 0, 64 << TC_BITS);

@inline function templateSlot(n: i32): usize {
  // scratch is zeroed past the template (templateSlot's caller), so whole words are hashed
  let x = load<u64>(scratch) ^ rotl<u64>(load<u64>(scratch, 8), 11) ^ rotl<u64>(load<u64>(scratch, 16), 23);
  x ^= rotl<u64>(load<u64>(scratch, 24), 37) ^ rotl<u64>(load<u64>(scratch, 32), 49) ^ rotl<u64>(load<u64>(scratch, 40), 59);
  return templateCache + (<usize>(((x + <u64>n) * 0x9e3779b97f4a7c15) >> <u64>(64 - TC_BITS)) << 6);
}

/** The endpoint id of the template in scratch (n bytes) if cached, else -1. */
@inline function knownTemplate(n: i32): i32 {
  if (n > TC_MAX) return -1;
  let zero = i64x2.splat(0);
  v128.store(scratch + <usize>n, zero);
  v128.store(scratch + <usize>n, zero, 16);
  v128.store(scratch + <usize>n, zero, 32);
  let slot = templateSlot(n);
  let same = v128.and(i8x16.eq(v128.load(slot), v128.load(scratch)), i8x16.eq(v128.load(slot, 16), v128.load(scratch, 16)));
  same = v128.and(same, i8x16.eq(v128.load(slot, 32), v128.load(scratch, 32)));
  return load<i32>(slot, 48) == n && i8x16.all_true(same) ? load<i32>(slot, 52) : -1;
}

/** The template in scratch (n bytes) interned: its endpoint id (a new endpoint's columns grow). */
function internTemplate(n: i32): i32 {
  let before = templates.count;
  let id = templates.intern(hashBytes(scratch, n, 0x7e3d), 0, scratch, n, 0, -1);
  if (templates.count > before) {
    grow(id);
    store<u32>(epFlags.ptr + (<usize>id << 2), flagsOf(n));
    // the path part of "METHOD /path"
    let sp = findByte(scratch, scratch + <usize>n, 0x20);
    epProbe.pushU32(probeBits(sp + 1, scratch + <usize>n));
    // the columns may have moved
    requestsAt = epRequests.ptr;
    statusAt = epStatus.ptr;
    bytesAt = epBytes.ptr;
    firstAt = epFirst.ptr;
    lastAt = epLast.ptr;
    probeAt = epProbe.ptr;
    flagsAt = epFlags.ptr;
  }
  if (n <= TC_MAX) {
    // knownTemplate zeroed scratch past the template
    let slot = templateSlot(n);
    memory.copy(slot, scratch, TC_MAX);
    store<i32>(slot, n, 48);
    store<i32>(slot, id, 52);
  }
  return id;
}

// The raw-path cache also keeps the path's attack verdict (detect.ts), so one probe gives both:
// value = endpoint id (23 bits) | verdict known (bit 23) | verdict (bits 24..30).
const ID_MASK: i32 = 0x7fffff;
const VERDICT_KNOWN: i32 = 0x800000;
/** Off when no attack detection follows endpointOf (index.ts setDetection). */
let verdictFollows = true;
export function setVerdictFollows(on: bool): void { verdictFollows = on; }
/** The path verdict cached with the last endpointOf's raw path, or -1. */
export let lastPathVerdict: i32 = -1;
let lastEndpoint: i32 = 0;

/** Keeps the attack verdict of the last endpointOf's raw path. */
export function rememberPathVerdict(bits: u32): void {
  // the raw path's cache slot is written here, with its verdict: newRaw leaves a non-empty path
  // to this (detect judges it right after endpointOf); an id too large for the slot is not cached
  if (lastEndpoint > ID_MASK) return;
  rawCache.set(lastRawHash, lastEndpoint | VERDICT_KNOWN | (<i32>(bits & 0x7f) << 24));
}

// The columns record() and the per-line readers touch, as raw pointers (one global read each, not
// two); set again whenever an endpoint is added (internTemplate).
let requestsAt: usize = 0;
let statusAt: usize = 0;
let bytesAt: usize = 0;
let firstAt: usize = 0;
let lastAt: usize = 0;
let probeAt: usize = 0;
let flagsAt: usize = 0;

/** The attack bits endpoint id's template alone carries (epProbe). */
@inline export function probeOf(id: i32): u32 { return load<u32>(probeAt + (<usize>id << 2)); }
/** Whether endpoint id's template hides part of its path (FLAG_OPAQUE of epFlags). */
@inline export function opaqueOf(id: i32): bool { return (load<u32>(flagsAt + (<usize>id << 2)) & FLAG_OPAQUE) != 0; }

/** Counts a request against its endpoint (inlined: one call a line fewer). */
@inline export function record(id: i32, time: f64, status: i32, bytes: f64, durationMs: f64): void {
  let r = requestsAt + (<usize>id << 2);
  store<u32>(r, load<u32>(r) + 1);
  // 1xx..5xx as 0..4 (x * 656 >> 16 is x / 100 on 100..599), anything else 5
  let cls = <u32>(status - 100) < 500 ? ((status * 656) >> 16) - 1 : 5;
  let sp = statusAt + <usize>id * 24 + (<usize>cls << 2);
  store<u32>(sp, load<u32>(sp) + 1);
  if (bytes > 0) {
    let b = bytesAt + (<usize>id << 3);
    store<f64>(b, load<f64>(b) + bytes);
  }
  let fp = firstAt + (<usize>id << 3);
  if (time < load<f64>(fp)) store<f64>(fp, time);
  let lp = lastAt + (<usize>id << 3);
  if (time > load<f64>(lp)) store<f64>(lp, time);
  if (durationMs >= 0) {
    let skp = epSketch.ptr + (<usize>id << 2);
    let sk = load<u32>(skp);
    if (sk == 0) {
      memory.fill(sketches.reserve(1), 0, <usize>SKETCH_BUCKETS * 4);
      sketches.len++;
      sk = <u32>sketches.len;
      store<u32>(skp, sk);
    }
    let b = durationMs < MIN_MS ? 0 : 1 + <i32>Math.floor(Math.log(durationMs / MIN_MS) / LOG_GAMMA);
    if (b >= SKETCH_BUCKETS) b = SKETCH_BUCKETS - 1;
    let bp = sketches.ptr + <usize>(sk - 1) * <usize>(SKETCH_BUCKETS * 4) + (<usize>b << 2);
    store<u32>(bp, load<u32>(bp) + 1);
    // slow against the endpoint's own distribution so far: above its p99 and thrice its median
    let cp = epDurCount.ptr + (<usize>id << 2);
    let n = load<u32>(cp) + 1;
    store<u32>(cp, n);
    let tp = epSlowMs.ptr + (<usize>id << 3);
    if (n >= SLOW_MIN && n % SLOW_REFRESH == 0) {
      store<f64>(tp, max(sketchQuantile(sk, n, 0.99), 3 * sketchQuantile(sk, n, 0.5)));
    }
    lastSlow = durationMs > load<f64>(tp);
  } else {
    lastSlow = false;
  }
}

/** Counts a request's attacks (detect.ts bits) against its endpoint (most have none: no call). */
@inline export function recordAttacks(id: i32, bits: u32): void {
  if (bits != 0) countAttacks(id, bits);
}

function countAttacks(id: i32, bits: u32): void {
  let base = epAttacks.ptr + <usize>id * 28;
  for (let k = 0; k < 7; k++) {
    if (bits & (<u32>1 << <u32>k)) {
      let p = base + (<usize>k << 2);
      store<u32>(p, load<u32>(p) + 1);
    }
  }
}
