import { findByte, findEither } from '../scan';
import { Reason, segmentHash, lookupName, assignPacked, finalize } from '../fields';

// JSON lines (nginx JSON, Caddy, Traefik, Envoy, or any JSON with a field mapping). Keys are
// matched by the hash of their path ("request" > "headers" > "User-Agent") against the name table
// the JS side filled for the detected profile; unmapped values are skipped without being read.
// Anything before the first "{" (Kubernetes CRI, docker compose, syslog prefixes) is skipped.

/** Table value marking a path prefix: an object to descend into. */
export const CONTAINER: u32 = 0xff;

const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;

let failed = false;

@inline function ws(p: usize, e: usize): usize {
  while (p < e) {
    let c = load<u8>(p);
    if (c != 0x20 && c != 0x09 && c != 0x0d && c != 0x0a) break;
    p++;
  }
  return p;
}

/** End (the closing quote) of a JSON string whose content starts at p. */
@inline function stringEnd(p: usize, e: usize): usize {
  while (true) {
    let q = findEither(p, e, QUOTE, BACKSLASH);
    if (q >= e) return e;
    if (load<u8>(q) == QUOTE) return q;
    p = q + 2;
  }
}

/** End of a scalar (number, true, false, null) starting at p. */
@inline function scalarEnd(p: usize, e: usize): usize {
  while (p < e) {
    let c = load<u8>(p);
    if (c == 0x2c || c == 0x7d || c == 0x5d || c == 0x20 || c == 0x09 || c == 0x0d) break;
    p++;
  }
  return p;
}

/** Skips any value starting at p; returns the position after it. */
function skipValue(p: usize, e: usize): usize {
  let c = load<u8>(p);
  if (c == QUOTE) {
    let q = stringEnd(p + 1, e);
    if (q >= e) { failed = true; return e; }
    return q + 1;
  }
  if (c != 0x7b && c != 0x5b) return scalarEnd(p, e);
  let depth = 0;
  while (p < e) {
    c = load<u8>(p);
    if (c == QUOTE) {
      let q = stringEnd(p + 1, e);
      if (q >= e) break;
      p = q + 1;
      continue;
    }
    if (c == 0x7b || c == 0x5b) depth++;
    else if (c == 0x7d || c == 0x5d) {
      depth--;
      if (depth == 0) return p + 1;
    }
    p++;
  }
  failed = true;
  return e;
}

/** Reads the value at p for a mapped key; returns the position after it. */
function readValue(p: usize, e: usize, v: u32, hash: u64, depth: i32): usize {
  let c = load<u8>(p);
  let slot = <i32>(v & 0xff);
  if (slot == <i32>CONTAINER) {
    if (c == 0x7b && depth < 6) return object(p, e, hash, depth + 1);
    return skipValue(p, e);
  }
  if (c == QUOTE) {
    let q = stringEnd(p + 1, e);
    if (q >= e) { failed = true; return e; }
    assignPacked(v, p + 1, q);
    return q + 1;
  }
  if (c == 0x5b) {
    // Caddy logs headers as arrays of strings: take the first.
    let q = ws(p + 1, e);
    if (q < e && load<u8>(q) == QUOTE) {
      let qe = stringEnd(q + 1, e);
      if (qe < e) assignPacked(v, q + 1, qe);
    }
    return skipValue(p, e);
  }
  if (c == 0x7b) return skipValue(p, e);
  let se = scalarEnd(p, e);
  // null means "not logged"; true/false are kept as text
  if (!(se - p == 4 && load<u32>(p) == 0x6c6c756e)) assignPacked(v, p, se);
  return se;
}

/** Walks the object whose "{" is at p; returns the position after its "}". */
function object(p: usize, e: usize, parent: u64, depth: i32): usize {
  p = ws(p + 1, e);
  if (p < e && load<u8>(p) == 0x7d) return p + 1;
  while (p < e) {
    if (load<u8>(p) != QUOTE) { failed = true; return e; }
    let ks = p + 1;
    let ke = stringEnd(ks, e);
    if (ke >= e) { failed = true; return e; }
    p = ws(ke + 1, e);
    if (p >= e || load<u8>(p) != 0x3a) { failed = true; return e; }
    p = ws(p + 1, e);
    if (p >= e) { failed = true; return e; }
    let hash = segmentHash(parent, ks, ke - ks);
    let v = lookupName(hash);
    p = v != 0 ? readValue(p, e, v, hash, depth) : skipValue(p, e);
    if (failed) return e;
    p = ws(p, e);
    if (p >= e) break;
    let c = load<u8>(p);
    if (c == 0x2c) { p = ws(p + 1, e); continue; }
    if (c == 0x7d) return p + 1;
    failed = true;
    return e;
  }
  failed = true;
  return e;
}

export function parseJson(s: usize, e: usize): i32 {
  let p = findByte(s, e, 0x7b);
  if (p >= e) return Reason.NotJson;
  failed = false;
  object(p, e, 0, 0);
  if (failed) return Reason.NotJson;
  return finalize();
}
