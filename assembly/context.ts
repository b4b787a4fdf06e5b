import { Vec } from './vec';
import { hashBytes } from './hash';
import * as f from './fields';
import { Enc } from './fields';
import { fieldValue, valueStart, valueEnd, fromJwt, KeyKind } from './keys';
import { unescapeInto, utf8Boundary } from './unescape';

// Context parameters (SPEC §5 Settings, Wallarm's "context parameters"): request fields shown with
// each request of a session — a header, a cookie, a query parameter, a JWT claim, the user — found
// as the grouping keys find them (keys.ts fieldValue) and kept with the request columns
// (requests.ts), either as the value (unescaped, cut) or as its salted hash in hex, so a hashed
// value never leaves this file in clear. Nothing runs unless parameters are configured.

/** At most this many: each costs a field search per request and a column per stored block. */
export const MAX_PARAMS: i32 = 8;
/** A clear value is cut here (on a character boundary): it is a label to read, not evidence. */
const CLEAR_CAP: i32 = 256;
/** Hex digits of a hashed value: the whole 64-bit hash. */
const HEX_LEN: i32 = 16;
/** A kind beyond keys.ts' KeyKind: a header the formats keep in a slot (user-agent, referer, …). */
const KIND_SLOT: i32 = 8;

const kinds = heap.alloc(MAX_PARAMS);
const hashed = heap.alloc(MAX_PARAMS);
const labelIds = heap.alloc(<usize>MAX_PARAMS << 2);
const names = heap.alloc(<usize>MAX_PARAMS * 64);
const nameLens = heap.alloc(MAX_PARAMS);
export let count: i32 = 0;
let salt: u64 = 0;
/** A hashed value is unescaped whole here before hashing (a value is at most a line, 64 KiB). */
let scratch: usize = 0;
const SCRATCH_BYTES: i32 = 64 * 1024 + 16;

/** Per request and parameter (row-major), the end of its bytes in `text`; equal ends: no value. */
export const ends = new Vec(4, 256);
export const text = new Vec(1, 1 << 12);

export function reset(): void {
  ends.len = text.len = 0;
}

/**
 * Reads the parameters from `p`: count u8, then per parameter hashed u8, kind u8 (keys.ts KeyKind,
 * or 8 for a slot: its id in the label), label id i32, name length u8, name bytes.
 */
export function configure(p: usize, saltValue: u64): void {
  count = <i32>load<u8>(p);
  if (count > MAX_PARAMS) count = MAX_PARAMS;
  p++;
  for (let i = 0; i < count; i++) {
    store<u8>(hashed + <usize>i, load<u8>(p));
    store<u8>(kinds + <usize>i, load<u8>(p + 1));
    store<i32>(labelIds + (<usize>i << 2), load<i32>(p + 2));
    let n = <i32>load<u8>(p + 6);
    if (n > 63) n = 63;
    store<u8>(nameLens + <usize>i, <u8>n);
    memory.copy(names + <usize>i * 64, p + 7, n);
    p += 7 + <usize>load<u8>(p + 6);
  }
  salt = saltValue;
  if (count > 0 && scratch == 0) scratch = heap.alloc(<usize>SCRATCH_BYTES);
}

/** Appends the current request's values, one entry per parameter. */
export function record(): void {
  for (let i = 0; i < count; i++) {
    let k = <i32>load<u8>(kinds + <usize>i);
    let label = load<i32>(labelIds + (<usize>i << 2));
    let found = false;
    let s: usize = 0, e: usize = 0;
    let enc = f.enc;
    if (k == KIND_SLOT) {
      if (f.has(label)) {
        s = f.start(label);
        e = f.end(label);
        found = true;
      }
    } else if (fieldValue(k, label, names + <usize>i * 64, load<u8>(nameLens + <usize>i))) {
      s = valueStart();
      e = valueEnd();
      found = true;
      if (fromJwt) enc = Enc.Json;
    }
    if (found && !f.isDash(s, e)) {
      let w = decode(enc, s, e, k != KeyKind.Query);
      if (load<u8>(hashed + <usize>i) != 0) writeHash(w);
      else writeClear(w);
    }
    ends.push<u32>(<u32>text.len);
  }
}

/**
 * Undoes the log's escapes into the scratch, whole; returns the end. A query parameter is read as
 * the target is (W3C's '+' kept, CloudFront decoded once); a header or cookie as the string tables
 * read user agents (src/lib/core/unescape.ts valueText): W3C's '+' is a space, and CloudFront
 * encodes them twice.
 */
function decode(enc: i32, s: usize, e: usize, header: bool): usize {
  let end = scratch + <usize>SCRATCH_BYTES;
  if (!header || (enc != Enc.Plus && enc != Enc.Percent)) return unescapeInto(enc, s, e, scratch, end);
  let w = unescapeInto(Enc.Percent, s, e, scratch, end);
  if (enc == Enc.Percent) return unescapeInto(Enc.Percent, scratch, w, scratch, end); // in place: it only shrinks
  for (let p = scratch; p < w; p++) if (load<u8>(p) == 0x2b) store<u8>(p, 0x20);
  return w;
}

function writeClear(w: usize): void {
  let n = <i32>(w - scratch);
  if (n > CLEAR_CAP) n = <i32>(utf8Boundary(scratch, scratch + <usize>CLEAR_CAP) - scratch);
  text.pushBytes(scratch, n);
}

/** The value as sent (unescaped whole, so every format gives one value one hash), hashed with the salt. */
function writeHash(w: usize): void {
  let h = hashBytes(scratch, w - scratch, salt);
  let o = text.reserve(HEX_LEN);
  for (let d = 0; d < HEX_LEN; d++) {
    let v = <u32>((h >> (<u64>(60 - 4 * d))) & 15);
    store<u8>(o + <usize>d, <u8>(v < 10 ? 0x30 + v : 0x57 + v));
  }
  text.len += HEX_LEN;
}
