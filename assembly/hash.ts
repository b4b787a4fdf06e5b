// 64-bit hashing of byte ranges: xxHash64's lanes and finish (the last 1..7 bytes read as one lane).
// Reads up to 7 bytes past the range (masked off), which PAD makes safe.

const K: u64 = 0x9e3779b97f4a7c15;

@inline export function mix64(h: u64): u64 {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return h;
}

/** xxHash64 of the n bytes at p. Inlined: most ranges hashed are short (paths, methods, queries). */
@inline export function hashBytes(p: usize, n: usize, seed: u64): u64 {
  return n >= 32 ? hashLong(p, n, seed) : finish(seed + P5 + <u64>n, p, n);
}

function hashLong(p: usize, n: usize, seed: u64): u64 {
  // xxHash64's rounds (each lane multiplied, rotated and multiplied again before it meets the
  // state): a lane's difference reaches every bit. The earlier one-multiply-per-lane mix let
  // differences in a lane's top byte cancel against the next lane's (10.0.168.102 and 10.0.160.109
  // hashed alike), which merged actors and swapped their addresses in large logs.
  let len = <u64>n;
  let v1 = seed + P1 + P2;
  let v2 = seed + P2;
  let v3 = seed;
  let v4 = seed - P1;
  while (n >= 32) {
    v1 = round(v1, load<u64>(p));
    v2 = round(v2, load<u64>(p, 8));
    v3 = round(v3, load<u64>(p, 16));
    v4 = round(v4, load<u64>(p, 24));
    p += 32;
    n -= 32;
  }
  let h = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
  h = mergeRound(h, v1);
  h = mergeRound(h, v2);
  h = mergeRound(h, v3);
  h = mergeRound(h, v4);
  return finish(h + len, p, n);
}

/** The last n (< 32) bytes at p into h, and the avalanche. */
@inline function finish(h: u64, p: usize, n: usize): u64 {
  // up to three whole lanes without a loop (V8 checks the stack on every turn of one)
  if (n >= 8) {
    h = lane(h, load<u64>(p));
    if (n >= 16) {
      h = lane(h, load<u64>(p, 8));
      if (n >= 24) h = lane(h, load<u64>(p, 16));
    }
  }
  let k = n & 7;
  if (k > 0) {
    // the last 1..7 bytes as one lane (the length, mixed in above, tells "a" from "a\0")
    h = lane(h, load<u64>(p + (n & ~7)) & ((<u64>1 << (<u64>k << 3)) - 1));
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

/** A lane of 8 bytes into h. */
@inline function lane(h: u64, v: u64): u64 {
  return rotl<u64>(h ^ round(0, v), 27) * P1 + P4;
}

const P1: u64 = 0x9e3779b185ebca87;
const P2: u64 = 0xc2b2ae3d27d4eb4f;
const P3: u64 = 0x165667b19e3779f9;
const P4: u64 = 0x85ebca77c2b2ae63;
const P5: u64 = 0x27d4eb2f165667c5;

@inline function round(acc: u64, lane: u64): u64 {
  return rotl<u64>(acc + lane * P2, 31) * P1;
}

@inline function mergeRound(acc: u64, v: u64): u64 {
  return (acc ^ round(0, v)) * P1 + P4;
}

/** Combines two hashes in an order-sensitive way. */
@inline export function combine(a: u64, b: u64): u64 {
  return mix64(a ^ (rotl<u64>(b, 31) * K));
}
