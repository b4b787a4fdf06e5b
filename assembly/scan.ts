// Byte scanning with SIMD. Every buffer the core scans has at least 16 readable bytes past its
// end (see PAD), so a 16-byte load may overrun `end` and the hit is checked against it.

export const PAD: usize = 64;

/** First index of byte `b` in [p, end), or `end`. */
@inline export function findByte(p: usize, end: usize, b: u8): usize {
  let needle = i8x16.splat(<i8>b);
  while (p < end) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(p), needle));
    if (m != 0) {
      let hit = p + <usize>ctz(m);
      return hit < end ? hit : end;
    }
    p += 16;
  }
  return end;
}

/**
 * `findByte` for long runs (a line's newline): 64 bytes a turn, one test for the four vectors;
 * needs PAD (64) readable bytes past `end`.
 */
@inline export function findByteFar(p: usize, end: usize, b: u8): usize {
  let needle = i8x16.splat(<i8>b);
  while (p < end) {
    let e0 = i8x16.eq(v128.load(p), needle);
    let e1 = i8x16.eq(v128.load(p, 16), needle);
    let e2 = i8x16.eq(v128.load(p, 32), needle);
    let e3 = i8x16.eq(v128.load(p, 48), needle);
    if (v128.any_true(v128.or(v128.or(e0, e1), v128.or(e2, e3)))) {
      let m = <u64>i8x16.bitmask(e0) | (<u64>i8x16.bitmask(e1) << 16) | (<u64>i8x16.bitmask(e2) << 32) | (<u64>i8x16.bitmask(e3) << 48);
      let hit = p + <usize>ctz(m);
      return hit < end ? hit : end;
    }
    p += 64;
  }
  return end;
}

/** First index of byte `a` or byte `b` in [p, end), or `end`. */
@inline export function findEither(p: usize, end: usize, a: u8, b: u8): usize {
  let na = i8x16.splat(<i8>a);
  let nb = i8x16.splat(<i8>b);
  while (p < end) {
    let v = v128.load(p);
    let m = i8x16.bitmask(v128.or(i8x16.eq(v, na), i8x16.eq(v, nb)));
    if (m != 0) {
      let hit = p + <usize>ctz(m);
      return hit < end ? hit : end;
    }
    p += 16;
  }
  return end;
}

/**
 * Quotes and newlines of the vector v, and some bytes besides (0x02, "*"), as 0xff bytes: the
 * bytes that OR 0x28 makes 0x2a, one compare for both (0x22 and 0x0a differ in bits 3 and 5 only).
 */
@inline function quotesOrNewlines(v: v128): v128 {
  return i8x16.eq(v128.or(v, i8x16.splat(0x28)), i8x16.splat(0x2a));
}

/**
 * A candidate for the first quote, backslash or newline at or after p, 32 bytes a turn: the
 * first byte in [p, end) that is one of them or 0x02 or "*" (the caller passes over those), or
 * any index >= `end`; needs 32 readable bytes past `end`. With `backslash` false, backslashes
 * are not looked for.
 */
@inline export function findQuoteStop(p: usize, end: usize, backslash: bool): usize {
  let bs = i8x16.splat(0x5c);
  while (p < end) {
    let v0 = v128.load(p), v1 = v128.load(p, 16);
    let e0 = quotesOrNewlines(v0), e1 = quotesOrNewlines(v1);
    if (backslash) {
      e0 = v128.or(e0, i8x16.eq(v0, bs));
      e1 = v128.or(e1, i8x16.eq(v1, bs));
    }
    let m = <u32>i8x16.bitmask(e0) | (<u32>i8x16.bitmask(e1) << 16);
    if (m != 0) return p + <usize>ctz(m);
    p += 32;
  }
  return end;
}

/**
 * Copies n bytes 16 at a time: the last load and store may run up to 15 bytes past n (the source
 * needs PAD after it, the destination room). Short copies are most of the core's, and an inline
 * loop costs less than memory.copy, which V8 runs as a call out of the module.
 */
@inline export function copyBytes(dst: usize, src: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += 16) v128.store(dst + i, v128.load(src + i));
}

/** Whether a byte of x is 0 (exact: a borrow only starts at a zero byte). */
@inline export function hasZeroByte(x: u64): bool {
  return ((x - 0x0101010101010101) & ~x & 0x8080808080808080) != 0;
}

/** Value of the ASCII digit at p, or a number > 9. */
@inline export function digit(p: usize): u32 {
  return <u32>load<u8>(p) - 48;
}
