import { findByte } from './scan';
import { Enc } from './fields';

// Undoes a format's escapes on bytes, for the request columns' target and referrer: the JS side
// (src/lib/core/unescape.ts) does the same per interned value, but per request a JS string would
// cost ~45× the parse. The output is never longer than the input (every escape shrinks or stays).

const BACKSLASH: u8 = 0x5c;

@inline function hexValue(c: u32): i32 {
  if (c - 48 < 10) return <i32>(c - 48);
  c |= 0x20;
  if (c - 97 < 6) return <i32>(c - 87);
  return -1;
}

/** Four hex digits at p, or -1. */
function hex4(p: usize): i32 {
  let v = 0;
  for (let i: usize = 0; i < 4; i++) {
    let d = hexValue(<u32>load<u8>(p + i));
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** Code point `c` as UTF-8 at `o` if it fits below `end`; returns the new `o`, or 0 when full. */
function putUtf8(o: usize, end: usize, c: u32): usize {
  let n: usize = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  if (o + n > end) return 0;
  if (n == 1) store<u8>(o, <u8>c);
  else if (n == 2) {
    store<u8>(o, <u8>(0xc0 | (c >> 6)));
    store<u8>(o + 1, <u8>(0x80 | (c & 63)));
  } else if (n == 3) {
    store<u8>(o, <u8>(0xe0 | (c >> 12)));
    store<u8>(o + 1, <u8>(0x80 | ((c >> 6) & 63)));
    store<u8>(o + 2, <u8>(0x80 | (c & 63)));
  } else {
    store<u8>(o, <u8>(0xf0 | (c >> 18)));
    store<u8>(o + 1, <u8>(0x80 | ((c >> 12) & 63)));
    store<u8>(o + 2, <u8>(0x80 | ((c >> 6) & 63)));
    store<u8>(o + 3, <u8>(0x80 | (c & 63)));
  }
  return o + n;
}

/** Apache \" \\ and \xHH (nginx writes every escape as \xHH); anything else stays as written. */
function logSlow(p: usize, e: usize, o: usize, end: usize): usize {
  while (p < e && o < end) {
    let c = load<u8>(p);
    if (c == BACKSLASH && p + 1 < e) {
      let n = load<u8>(p + 1);
      if (n == 0x22 || n == BACKSLASH) { store<u8>(o++, n); p += 2; continue; }
      if (n == 0x78 && p + 3 < e) {
        let hi = hexValue(<u32>load<u8>(p + 2)), lo = hexValue(<u32>load<u8>(p + 3));
        if (hi >= 0 && lo >= 0) { store<u8>(o++, <u8>((hi << 4) | lo)); p += 4; continue; }
      }
    }
    store<u8>(o++, c);
    p++;
  }
  return o;
}

/** JSON string escapes; \uXXXX as UTF-8 (pairs joined, a lone surrogate as U+FFFD); bad ones kept. */
function jsonSlow(p: usize, e: usize, o: usize, end: usize): usize {
  while (p < e && o < end) {
    let c = load<u8>(p);
    if (c != BACKSLASH || p + 1 >= e) { store<u8>(o++, c); p++; continue; }
    let n = load<u8>(p + 1);
    let v: i32 = -1;
    switch (n) {
      case 0x22: case 0x5c: case 0x2f: v = n; break;
      case 0x62: v = 8; break;
      case 0x66: v = 12; break;
      case 0x6e: v = 10; break;
      case 0x72: v = 13; break;
      case 0x74: v = 9; break;
    }
    if (v >= 0) { store<u8>(o++, <u8>v); p += 2; continue; }
    let u = n == 0x75 && p + 6 <= e ? hex4(p + 2) : -1;
    if (u < 0) { store<u8>(o++, c); p++; continue; }
    let len: usize = 6;
    let cp = <u32>u;
    if (cp - 0xd800 < 0x400) {
      let lo = p + 12 <= e && load<u8>(p + 6) == BACKSLASH && load<u8>(p + 7) == 0x75 ? hex4(p + 8) : -1;
      if (lo >= 0 && <u32>lo - 0xdc00 < 0x400) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (<u32>lo - 0xdc00);
        len = 12;
      } else cp = 0xfffd;
    } else if (cp - 0xdc00 < 0x400) cp = 0xfffd;
    let next = putUtf8(o, end, cp);
    if (next == 0) break;
    o = next;
    p += len;
  }
  return o;
}

/** %HH, one level: CloudFront encodes '%' itself, so one decode gives what the client sent. */
function percentSlow(p: usize, e: usize, o: usize, end: usize): usize {
  while (p < e && o < end) {
    let c = load<u8>(p);
    if (c == 0x25 && p + 2 < e) {
      let hi = hexValue(<u32>load<u8>(p + 1)), lo = hexValue(<u32>load<u8>(p + 2));
      if (hi >= 0 && lo >= 0) { store<u8>(o++, <u8>((hi << 4) | lo)); p += 3; continue; }
    }
    store<u8>(o++, c);
    p++;
  }
  return o;
}

/**
 * Writes [s, e) unescaped per `enc` at `o`, at most up to `end`; returns the end of what was
 * written. W3C's '+' stays as logged: in a target it may be the client's own '+'.
 */
export function unescapeInto(enc: i32, s: usize, e: usize, o: usize, end: usize): usize {
  let mark: u8 = enc == Enc.Percent ? 0x25 : enc == Enc.Plus ? 0 : BACKSLASH;
  if (mark == 0 || findByte(s, e, mark) >= e) {
    // the common case: nothing escaped
    let n = e - s;
    if (n > end - o) n = end - o;
    memory.copy(o, s, n);
    return o + n;
  }
  if (enc == Enc.Json) return jsonSlow(s, e, o, end);
  if (enc == Enc.Percent) return percentSlow(s, e, o, end);
  return logSlow(s, e, o, end);
}

/** Backs `o` off an incomplete UTF-8 sequence at its end (after a cut), looking at most 3 bytes back. */
export function utf8Boundary(start: usize, o: usize): usize {
  let p = o;
  while (p > start && o - p < 4) {
    let c = load<u8>(p - 1);
    if ((c & 0xc0) != 0x80) {
      // p - 1 leads a sequence: keep it only if complete
      let need: usize = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      return o - (p - 1) >= need ? o : p - 1;
    }
    p--;
  }
  return o;
}
