// 64-bit hashing of byte ranges: 8 bytes per step, finished with the murmur3 fmix64 mixer.
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

export function hashBytes(p: usize, n: usize, seed: u64): u64 {
  let h = seed ^ (<u64>n * K);
  if (n >= 32) {
    // two independent lanes: the multiplies overlap (user agents are 100+ bytes)
    let h2 = h ^ 0x2545f4914f6cdd1d;
    while (n >= 16) {
      h = rotl<u64>((h ^ load<u64>(p)) * K, 29);
      h2 = rotl<u64>((h2 ^ load<u64>(p, 8)) * K, 29);
      p += 16;
      n -= 16;
    }
    h ^= mix64(h2);
  }
  while (n >= 8) {
    h = rotl<u64>((h ^ load<u64>(p)) * K, 29);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    let w = load<u64>(p) & ((<u64>1 << (<u64>n << 3)) - 1);
    h = rotl<u64>((h ^ w) * K, 29);
  }
  return mix64(h);
}

/** Combines two hashes in an order-sensitive way. */
@inline export function combine(a: u64, b: u64): u64 {
  return mix64(a ^ (rotl<u64>(b, 31) * K));
}
