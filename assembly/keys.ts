import { findByte } from './scan';
import { hashBytes, combine, mix64 } from './hash';
import * as f from './fields';
import { Slot } from './fields';
import { ipHashOf, pairHashOf } from './actors';

// Grouping keys (SPEC §2, Wallarm's session parameters): an ordered list; for each request the
// first key with a non-empty value decides its session. Values are hashed at once (salted): the
// raw token never leaves this file.

export const enum KeyKind {
  Cookie = 1,
  Header = 2,
  Jwt = 3,
  Query = 4,
  User = 5,
  IpUa = 6,
  Ip = 7,
  /**
   * Not a user's key: the key already decided, given per request as "K:HHHHHHHHHHHHHHHH" (kind
   * digit, hash in hex) in a named field. Re-grouping stored requests (src/worker/regroup.ts) feeds
   * them back with the keys it computed, so every figure comes from this same code.
   */
  Given = 8,
}

const MAX_KEYS: i32 = 16;
const kinds = heap.alloc(MAX_KEYS);
const labelIds = heap.alloc(<usize>MAX_KEYS << 2);
const names = heap.alloc(<usize>MAX_KEYS * 64);
const nameLens = heap.alloc(MAX_KEYS);
let keyCount: i32 = 0;
/** The first key is ip+ua (the default): it decides every request, with no field to look up. */
let ipUaFirst = true;
/** Label id of "header:authorization", where bearer JWTs are looked for; -1 if not kept. */
let authLabel: i32 = -1;

/** The key the last request got: its kind and salted hash. */
export let kind: i32 = KeyKind.IpUa;
export let hash: u64 = 0;

/**
 * Reads the key list from `p`: count, then per key kind u8, label id i32 (the named field that
 * carries it: "cookie:sid", "header:x-api-key"; -1 none), name length u8, name bytes.
 */
export function configureKeys(p: usize, authorizationLabel: i32): void {
  keyCount = <i32>load<u8>(p);
  if (keyCount > MAX_KEYS) keyCount = MAX_KEYS;
  p++;
  for (let i = 0; i < keyCount; i++) {
    store<u8>(kinds + <usize>i, load<u8>(p));
    store<i32>(labelIds + (<usize>i << 2), load<i32>(p + 1));
    let n = <i32>load<u8>(p + 5);
    if (n > 63) n = 63;
    store<u8>(nameLens + <usize>i, <u8>n);
    memory.copy(names + <usize>i * 64, p + 6, n);
    p += 6 + <usize>load<u8>(p + 5);
  }
  authLabel = authorizationLabel;
  ipUaFirst = keyCount > 0 && load<u8>(kinds) == KeyKind.IpUa;
}

// the value found by the extractors below
let vs: usize = 0;
let ve: usize = 0;
/** Whether the value is a JWT claim (decoded, in jwtBuf): JSON-escaped whatever the log's escapes. */
export let fromJwt = false;

@inline function namedValue(label: i32): bool {
  if (label < 0) return false;
  for (let i = 0; i < f.namedCount; i++) {
    if (<i32>load<u32>(f.namedIds + (<usize>i << 2)) == label) {
      vs = load<u32>(f.namedStarts + (<usize>i << 2));
      ve = load<u32>(f.namedEnds + (<usize>i << 2));
      return ve > vs;
    }
  }
  return false;
}

@inline function sameBytes(a: usize, b: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** `name=value` in a list separated by `sep` (cookies "a=1; b=2", queries "a=1&b=2"). */
function pairValue(s: usize, e: usize, name: usize, n: usize, sep: u8): bool {
  let p = s;
  while (p < e) {
    while (p < e && (load<u8>(p) == 0x20 || load<u8>(p) == sep)) p++;
    let end = findByte(p, e, sep);
    if (end - p > n && load<u8>(p + n) == 0x3d && sameBytes(p, name, n)) {
      vs = p + n + 1;
      ve = end;
      return ve > vs;
    }
    p = end + 1;
  }
  return false;
}

function cookieValue(label: i32, name: usize, n: usize): bool {
  if (namedValue(label)) return true;
  if (!f.has(Slot.Cookie)) return false;
  return pairValue(f.start(Slot.Cookie), f.end(Slot.Cookie), name, n, 0x3b);
}

function queryValue(name: usize, n: usize): bool {
  let s: usize, e: usize;
  if (f.has(Slot.Query)) {
    s = f.start(Slot.Query);
    e = f.end(Slot.Query);
  } else if (f.has(Slot.Uri)) {
    e = f.end(Slot.Uri);
    s = findByte(f.start(Slot.Uri), e, 0x3f) + 1;
    if (s > e) return false;
  } else return false;
  return pairValue(s, e, name, n, 0x26);
}

// ---- JWT: base64url payload, one top-level claim --------------------------------------------

const jwtBuf = heap.alloc(4096 + 16);

@inline function b64(c: u32): i32 {
  if (c >= 0x41 && c <= 0x5a) return <i32>c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return <i32>c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30 + 52;
  if (c == 0x2d || c == 0x2b) return 62;
  if (c == 0x5f || c == 0x2f) return 63;
  return -1;
}

/** Decodes base64url [s, e) into jwtBuf; returns the length or -1. */
function decode64(s: usize, e: usize): i32 {
  let out = 0;
  let acc: u32 = 0;
  let bits = 0;
  for (let p = s; p < e; p++) {
    let v = b64(load<u8>(p));
    if (v < 0) {
      if (load<u8>(p) == 0x3d) break;
      return -1;
    }
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out >= 4096) return -1;
      store<u8>(jwtBuf + <usize>out, <u8>(acc >> bits));
      out++;
    }
  }
  return out;
}

/** The claim `name` of the JWT in [s, e) ("Bearer " prefix allowed), into vs/ve (in jwtBuf). */
function jwtClaim(s: usize, e: usize, name: usize, n: usize): bool {
  if (e - s > 7 && (load<u8>(s) | 0x20) == 0x62 && load<u8>(s + 6) == 0x20) s += 7; // "Bearer "
  let d1 = findByte(s, e, 0x2e);
  if (d1 >= e) return false;
  let d2 = findByte(d1 + 1, e, 0x2e);
  if (d2 >= e) return false;
  let len = decode64(d1 + 1, d2);
  if (len <= 0) return false;
  // find "name" followed by optional spaces and a colon
  let end = jwtBuf + <usize>len;
  let p = jwtBuf;
  while (p < end) {
    let q = findByte(p, end, 0x22);
    if (q + n + 1 >= end) return false;
    if (load<u8>(q + n + 1) == 0x22 && sameBytes(q + 1, name, n)) {
      let c = q + n + 2;
      while (c < end && load<u8>(c) == 0x20) c++;
      if (c < end && load<u8>(c) == 0x3a) {
        c++;
        while (c < end && load<u8>(c) == 0x20) c++;
        if (c >= end) return false;
        if (load<u8>(c) == 0x22) {
          vs = c + 1;
          ve = findByte(vs, end, 0x22);
        } else {
          vs = c;
          ve = c;
          while (ve < end && load<u8>(ve) != 0x2c && load<u8>(ve) != 0x7d) ve++;
        }
        return ve > vs;
      }
    }
    p = q + 1;
  }
  return false;
}

function jwtValue(label: i32, name: usize, n: usize): bool {
  // "claim\0cookie": the token is in that cookie
  let z = findByte(name, name + n, 0);
  if (z < name + n) {
    if (!f.has(Slot.Cookie)) return false;
    if (!pairValue(f.start(Slot.Cookie), f.end(Slot.Cookie), z + 1, name + n - z - 1, 0x3b)) return false;
    return jwtClaim(vs, ve, name, z - name);
  }
  // the label names where the token is: a header ("header:authorization") or a cookie
  if (label < 0) label = authLabel;
  if (namedValue(label) && jwtClaim(vs, ve, name, n)) return true;
  if (label != authLabel && namedValue(authLabel) && jwtClaim(vs, ve, name, n)) return true;
  return false;
}

@inline function hexDigit(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return <i32>c - 0x61 + 10;
  return -1;
}

/** A given key "K:HHHHHHHHHHHHHHHH" in [vs, ve) into kind and hash; false if it is not one. */
function givenValue(): bool {
  if (ve - vs != 18 || load<u8>(vs + 1) != 0x3a) return false;
  let k = <i32>load<u8>(vs) - 0x30;
  if (k < KeyKind.Cookie || k > KeyKind.Ip) return false;
  let h: u64 = 0;
  for (let p = vs + 2; p < ve; p++) {
    let d = hexDigit(load<u8>(p));
    if (d < 0) return false;
    h = (h << 4) | <u64>d;
  }
  kind = k;
  hash = h;
  return true;
}

/**
 * Finds the value of a cookie, header, JWT claim, query parameter or the user of the current request
 * (`label`: the named field carrying it, -1 none; `name`, `n`: its name as configureKeys keeps it),
 * into valueStart/valueEnd. Grouping keys and context parameters (context.ts) read fields alike.
 */
export function fieldValue(k: i32, label: i32, name: usize, n: usize): bool {
  fromJwt = false;
  switch (k) {
    case KeyKind.Cookie: return cookieValue(label, name, n);
    case KeyKind.Header: return namedValue(label);
    case KeyKind.Jwt: return (fromJwt = jwtValue(label, name, n));
    case KeyKind.Query: return queryValue(name, n);
    case KeyKind.User: {
      if (f.has(Slot.User) && !f.isDash(f.start(Slot.User), f.end(Slot.User))) {
        vs = f.start(Slot.User);
        ve = f.end(Slot.User);
        return true;
      }
    }
  }
  return false;
}

/** The value fieldValue found; a JWT claim's lies in a scratch buffer, JSON-escaped. */
@inline export function valueStart(): usize { return vs; }
@inline export function valueEnd(): usize { return ve; }

/** Decides the key of the current request, whose actor (actors.ts) is the entry `a`. */
@inline export function decide(a: usize, salt: u64): void {
  if (ipUaFirst) {
    kind = KeyKind.IpUa;
    hash = pairHashOf(a);
  } else decideInOrder(ipHashOf(a), pairHashOf(a), salt);
}

/** The keys tried in their order: the first with a non-empty value decides. */
function decideInOrder(hIp: u64, hPair: u64, salt: u64): void {
  for (let i = 0; i < keyCount; i++) {
    let k = <i32>load<u8>(kinds + <usize>i);
    let found = false;
    switch (k) {
      case KeyKind.Given: {
        if (namedValue(load<i32>(labelIds + (<usize>i << 2))) && givenValue()) return;
        break;
      }
      case KeyKind.Cookie:
      case KeyKind.Header:
      case KeyKind.Jwt:
      case KeyKind.Query:
      case KeyKind.User: found = fieldValue(k, load<i32>(labelIds + (<usize>i << 2)), names + <usize>i * 64, load<u8>(nameLens + <usize>i)); break;
      case KeyKind.IpUa: {
        kind = k;
        hash = hPair;
        return;
      }
      case KeyKind.Ip: {
        if (f.has(Slot.Ip)) {
          kind = k;
          hash = mix64(hIp ^ 0x6970);
          return;
        }
        break;
      }
    }
    if (found && !f.isDash(vs, ve)) {
      kind = k;
      // the key's position in the list keeps cookie:a=x and header:b=x apart
      hash = combine(hashBytes(vs, ve - vs, salt), <u64>(i + 1) * 0x9e3779b97f4a7c15);
      return;
    }
  }
  kind = KeyKind.IpUa;
  hash = hPair;
}
