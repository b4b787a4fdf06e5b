import { hashBytes, combine } from './hash';
import { copyBytes } from './scan';
import { ips } from './tables';

// The client IP and user agent of recent requests, with their salted hashes and IP id. Visitors'
// lines interleave: on the bench log the line before has the same IP and agent for 19% of lines,
// one of the last 64 distinct pairs for ~90%. Hashing a ~100-byte agent and the IP and interning
// the IP cost ~270 instructions; finding them here, ~120 (88% of lines hit). Direct-mapped by a mix of the lengths, the
// IP's first bytes and the agent's last (where browser versions differ); the bytes are copied in,
// as the input buffer is rewritten between parse calls, and compared in full before a hit.

const ENTRIES: u64 = 256;
const IP_MAX: i32 = 48;
const UA_MAX: i32 = 240;
// per entry: lengths and tag as one u64 @0 (ip length, agent length << 16, tag << 32), ip id @8,
// ip hash @16, agent hash @24, their pair's hash @32, ip bytes @48, agent bytes @96
const IP_AT: usize = 48;
const UA_AT: usize = IP_AT + <usize>IP_MAX;
const ENTRY: usize = UA_AT + <usize>UA_MAX;
const table = heap.alloc(<usize>ENTRIES * ENTRY + 16);
memory.fill(table, 0xff, <usize>ENTRIES * ENTRY + 16);

/** The current request's IP hash, agent hash, the pair's hash (the ip+ua key) and IP id (set by `actor`). */
export let hIp: u64 = 0;
export let hUa: u64 = 0;
export let hPair: u64 = 0;
export let ipId: i32 = 0;

/**
 * Whether the n bytes at a and b are equal; both may be read up to 16 bytes past n. Under 16
 * bytes one block, masked; from 16 whole blocks, the last one overlapping the one before so
 * that it ends at n (no mask, no tail loop).
 */
@inline function sameBytes(a: usize, b: usize, n: i32): bool {
  if (n < 16) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(a), v128.load(b)));
    let lanes = (<i32>1 << n) - 1;
    return (m & lanes) == lanes;
  }
  // differences OR-ed over the blocks, one test at the end: no branch a block
  let diff = i8x16.splat(0);
  let i = 0;
  while (i + 32 < n) {
    diff = v128.or(diff, v128.or(
      v128.xor(v128.load(a + <usize>i), v128.load(b + <usize>i)),
      v128.xor(v128.load(a + <usize>i, 16), v128.load(b + <usize>i, 16))));
    i += 32;
  }
  let j = <usize>(n - 16);
  let k = <usize>(i + 16 < n ? i : n - 16);
  diff = v128.or(diff, v128.or(
    v128.xor(v128.load(a + k), v128.load(b + k)),
    v128.xor(v128.load(a + j), v128.load(b + j))));
  return !v128.any_true(diff);
}

/** The first n (< 8) bytes at p as a number; all 8 when n >= 8. */
@inline function head8(p: usize, n: i32): u64 {
  let v = load<u64>(p);
  return n >= 8 ? v : v & ((<u64>1 << (<u64>n << 3)) - 1);
}

/** Sets hIp, hUa, hPair and ipId for the request's IP [ipS, +ipLen) and agent [uaS, +uaLen). */
@inline export function actor(ipS: usize, ipLen: i32, uaS: usize, uaLen: i32, tag: u8, salt: u64): void {
  if (ipLen > IP_MAX || uaLen > UA_MAX) {
    hashActor(ipS, ipLen, uaS, uaLen, tag, salt);
    return;
  }
  let tail = uaLen >= 8 ? load<u64>(uaS + <usize>uaLen - 8) : head8(uaS, uaLen);
  let mix = (head8(ipS, ipLen) ^ rotl<u64>(tail, 23) ^ ((<u64>ipLen << 8) | <u64>uaLen)) * 0x9e3779b97f4a7c15;
  let e = table + <usize>(mix >> 56) * ENTRY;
  let sig = <u64>ipLen | (<u64>uaLen << 16) | (<u64>tag << 32);
  if (load<u64>(e) == sig && sameBytes(ipS, e + IP_AT, ipLen) && sameBytes(uaS, e + UA_AT, uaLen)) {
    ipId = load<i32>(e, 8);
    hIp = load<u64>(e, 16);
    hUa = load<u64>(e, 24);
    hPair = load<u64>(e, 32);
    return;
  }
  hashActor(ipS, ipLen, uaS, uaLen, tag, salt);
  store<u64>(e, sig);
  store<i32>(e, ipId, 8);
  store<u64>(e, hIp, 16);
  store<u64>(e, hUa, 24);
  store<u64>(e, hPair, 32);
  copyBytes(e + IP_AT, ipS, <usize>ipLen);
  copyBytes(e + UA_AT, uaS, <usize>uaLen);
}

function hashActor(ipS: usize, ipLen: i32, uaS: usize, uaLen: i32, tag: u8, salt: u64): void {
  hIp = hashBytes(ipS, ipLen, salt);
  hUa = hashBytes(uaS, uaLen, salt);
  hPair = combine(hIp, hUa);
  ipId = ips.intern(hIp, tag, ipS, ipLen, 0, -1);
}
