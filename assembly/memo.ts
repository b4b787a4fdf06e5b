import { hashBytes } from './hash';

// The full hash of a long value that repeats from line to line (the user agent: ~130 bytes, part
// of the default key, a few hundred distinct ones in millions of lines), remembered: a slot is
// found by a cheap probe of the value's length and a few of its words, and the value is checked
// byte for byte against a copy, so a probe that collides costs a hash, never a wrong one. Hashing
// the whole value is what this spares: xxHash64 goes 8 bytes a round, a compare 16.

/** Shorter values are hashed outright: it costs about what a probe and a compare do. */
const MIN_LEN: i32 = 32;
/** Longer ones are not kept (a value this long is rare, and one slot must not hold much). */
const MAX_LEN: i32 = 1024;
const SLOTS: u32 = 1 << 12;
/** Bytes of values kept in all; when full, values not kept are hashed outright. */
const ARENA_BYTES: usize = 1 << 20;
const PAD: usize = 16;

// per slot (16 bytes): full hash u64, copy's address u32, length u32 (0: empty)
const slots = heap.alloc(<usize>SLOTS << 4);
memory.fill(slots, 0, <usize>SLOTS << 4);
const arena = heap.alloc(ARENA_BYTES + PAD);
let used: usize = 0;

/** Whether the n bytes at a and b are equal (16 at a time; padding past both makes the overrun safe). */
export function sameBytes(a: usize, b: usize, n: i32): bool {
  let i = 0;
  while (i + 16 <= n) {
    if (!i8x16.all_true(i8x16.eq(v128.load(a + <usize>i), v128.load(b + <usize>i)))) return false;
    i += 16;
  }
  if (i == n) return true;
  let m = i8x16.bitmask(i8x16.eq(v128.load(a + <usize>i), v128.load(b + <usize>i)));
  let lanes = (<i32>1 << (n - i)) - 1;
  return (m & lanes) == lanes;
}

/** hashBytes(p, n, seed), remembered for long values (`seed` must be the same at every call). */
export function memoHash(p: usize, n: i32, seed: u64): u64 {
  if (n < MIN_LEN || n > MAX_LEN) return hashBytes(p, n, seed);
  // length, head, middle and tail words: user agents differ in versions, mid-string and late
  let probe = (<u64>n * 0x9e3779b97f4a7c15) ^ load<u64>(p) ^ rotl<u64>(load<u64>(p + <usize>(n >> 1)), 21) ^ rotl<u64>(load<u64>(p + <usize>n - 8), 42);
  probe *= 0xff51afd7ed558ccd;
  let slot = slots + (<usize>(<u32>(probe >> 40) & (SLOTS - 1)) << 4);
  let len = load<i32>(slot, 12);
  if (len == n && sameBytes(<usize>load<u32>(slot, 8), p, n)) return load<u64>(slot);
  let h = hashBytes(p, n, seed);
  // a free slot takes the value while there is room (a taken one keeps its first: no churn)
  if (len == 0 && used + <usize>n <= ARENA_BYTES) {
    let copy = arena + used;
    memory.copy(copy, p, n);
    used += <usize>n;
    store<u64>(slot, h);
    store<u32>(slot, <u32>copy, 8);
    store<i32>(slot, n, 12);
  }
  return h;
}
