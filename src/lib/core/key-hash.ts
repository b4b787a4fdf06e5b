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

export function hashBytes(b: Uint8Array, seed: bigint): bigint {
  let n = b.length;
  let p = 0;
  let h = seed ^ ((BigInt(n) * K) & M);
  if (n >= 32) {
    let h2 = h ^ 0x2545f4914f6cdd1dn;
    while (n >= 16) {
      h = rotl(((h ^ load64(b, p)) * K) & M, 29n);
      h2 = rotl(((h2 ^ load64(b, p + 8)) * K) & M, 29n);
      p += 16;
      n -= 16;
    }
    h ^= mix64(h2);
  }
  while (n >= 8) {
    h = rotl(((h ^ load64(b, p)) * K) & M, 29n);
    p += 8;
    n -= 8;
  }
  if (n > 0) h = rotl(((h ^ load64(b, p, n)) * K) & M, 29n);
  return mix64(h);
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
