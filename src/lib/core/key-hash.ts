// The core's key hashing (assembly/hash.ts, assembly/keys.ts) in JS, on BigInt: re-grouping stored
// requests (src/worker/regroup.ts) computes the key a request gets under other settings from its
// stored fields. Must give the core's very bits: key-hash.test.ts checks them against an import.
// Called once per distinct value of a block's dictionary, never per request: BigInt is slow.

const M = (1n << 64n) - 1n;
const K = 0x9e3779b97f4a7c15n;
const C1 = 0xff51afd7ed558ccdn;
const C2 = 0xc4ceb9fe1a85ec53n;

/** Inverse of an odd number mod 2^64 (Newton's iteration doubles the correct bits each step). */
function inverse(a: bigint): bigint {
  let x = a;
  for (let i = 0; i < 6; i++) x = (x * (2n - a * x)) & M;
  return x;
}
const C1_INV = inverse(C1);
const C2_INV = inverse(C2);

export function mix64(h: bigint): bigint {
  h ^= h >> 33n;
  h = (h * C1) & M;
  h ^= h >> 33n;
  h = (h * C2) & M;
  h ^= h >> 33n;
  return h;
}

/** mix64 undone (each of its steps is a bijection; x ^= x >> 33 is its own inverse). */
export function unmix64(h: bigint): bigint {
  h ^= h >> 33n;
  h = (h * C2_INV) & M;
  h ^= h >> 33n;
  h = (h * C1_INV) & M;
  h ^= h >> 33n;
  return h;
}

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & M;
}

/** Little-endian u64 of up to 8 bytes at p (fewer when the range ends: the core masks them off). */
function load64(b: Uint8Array, p: number, n = 8): bigint {
  let v = 0n;
  for (let i = Math.min(n, b.length - p) - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[p + i]);
  return v;
}

const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

function round(acc: bigint, lane: bigint): bigint {
  return (rotl((acc + lane * P2) & M, 31n) * P1) & M;
}

function mergeRound(acc: bigint, v: bigint): bigint {
  return (((acc ^ round(0n, v)) * P1) & M) + P4 & M;
}

/** assembly/hash.ts's hashBytes: xxHash64's lanes and finish, the last 1..7 bytes as one lane. */
export function hashBytes(b: Uint8Array, seed: bigint): bigint {
  let n = b.length;
  let p = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (seed + P1 + P2) & M;
    let v2 = (seed + P2) & M;
    let v3 = seed;
    let v4 = (seed - P1) & M;
    while (n >= 32) {
      v1 = round(v1, load64(b, p));
      v2 = round(v2, load64(b, p + 8));
      v3 = round(v3, load64(b, p + 16));
      v4 = round(v4, load64(b, p + 24));
      p += 32;
      n -= 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = (seed + P5) & M;
  }
  h = (h + BigInt(b.length)) & M;
  while (n >= 8) {
    h ^= round(0n, load64(b, p));
    h = ((rotl(h, 27n) * P1) & M) + P4 & M;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    h ^= round(0n, load64(b, p, n));
    h = ((rotl(h, 27n) * P1) & M) + P4 & M;
  }
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

export function combine(a: bigint, b: bigint): bigint {
  return mix64(a ^ ((rotl(b, 31n) * K) & M));
}

/** The salt as saltWords gives it ([lo, hi]) as one u64. */
export function saltOf([lo, hi]: [number, number]): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

const utf8 = new TextEncoder();

/** The salted hash of a value's text. Exact when the log wrote it unescaped (see `plainText`). */
export function hashText(text: string, salt: bigint): bigint {
  return hashBytes(utf8.encode(text), salt);
}

/** The `ip` key: mix64(hIp ^ "ip"). */
export function ipKey(hIp: bigint): bigint {
  return mix64(hIp ^ 0x6970n);
}

/** The `ip+ua` key (also the fallback when no key has a value). */
export function ipUaKey(hIp: bigint, hUa: bigint): bigint {
  return combine(hIp, hUa);
}

/** The factor a key's position (0-based) is combined with, keeping cookie:a=x and header:b=x apart. */
function position(i: number): bigint {
  return (BigInt(i + 1) * K) & M;
}

/** A value key (cookie, header, jwt, query, user) at position i: its value's hash with the position. */
export function valueKey(hValue: bigint, i: number): bigint {
  return combine(hValue, position(i));
}

/** A value key's hash moved from position `from` to `to`: the value's hash is recovered exactly. */
export function moveValueKey(key: bigint, from: number, to: number): bigint {
  if (from === to) return key;
  const hValue = unmix64(key) ^ ((rotl(position(from), 31n) * K) & M);
  return valueKey(hValue, to);
}

/**
 * Text a log writes as it is: printable ASCII without quote or backslash. Other text was written
 * escaped (`\"`, `\xHH`, JSON's `\u…`) in a way the stored text no longer says, and the core hashes
 * the bytes as written: its hash from the text may differ.
 */
export function plainText(text: string): boolean {
  return /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(text);
}

export function toHex(h: bigint): string {
  return h.toString(16).padStart(16, '0');
}

export function fromHex(hex: string): bigint {
  return BigInt(`0x${hex}`);
}
