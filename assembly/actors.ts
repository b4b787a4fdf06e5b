import { hashBytes } from './hash';
import { copyBytes } from './scan';
import { ips } from './tables';

// The client IP and user agent of recent requests, with their salted hashes and IP id. Visitors'
// lines interleave: on the bench log the line before has the same IP and agent for 19% of lines,
// one of the last 64 distinct pairs for ~90%. Hashing a ~100-byte agent and the IP and interning
// the IP cost ~270 instructions; finding them here, ~190 (88% of lines hit). Direct-mapped by a mix of the lengths, the
// IP's first bytes and the agent's last (where browser versions differ); the bytes are copied in,
// as the input buffer is rewritten between parse calls, and compared in full before a hit.

const ENTRIES: u64 = 256;
const IP_MAX: i32 = 48;
const UA_MAX: i32 = 240;
// per entry: ip length @0, agent length @4, tag @8, ip id @12, ip hash @16, agent hash @24,
// ip bytes @32, agent bytes @80
const IP_AT: usize = 32;
const UA_AT: usize = IP_AT + <usize>IP_MAX;
const ENTRY: usize = UA_AT + <usize>UA_MAX;
const table = heap.alloc(<usize>ENTRIES * ENTRY + 16);
memory.fill(table, 0xff, <usize>ENTRIES * ENTRY + 16);

/** The current request's IP hash, agent hash and IP id (set by `actor`). */
export let hIp: u64 = 0;
export let hUa: u64 = 0;
export let ipId: i32 = 0;

/** Whether the n bytes at a and b are equal (16 at a time; both may be read up to 16 bytes past n). */
@inline function sameBytes(a: usize, b: usize, n: i32): bool {
  // differences OR-ed over the whole blocks, one test at the end: no branch a block
  let diff = i8x16.splat(0);
  let i = 0;
  while (i + 32 <= n) {
    diff = v128.or(diff, v128.or(
      v128.xor(v128.load(a + <usize>i), v128.load(b + <usize>i)),
      v128.xor(v128.load(a + <usize>i, 16), v128.load(b + <usize>i, 16))));
    i += 32;
  }
  if (i + 16 <= n) {
    diff = v128.or(diff, v128.xor(v128.load(a + <usize>i), v128.load(b + <usize>i)));
    i += 16;
  }
  let m = i8x16.bitmask(i8x16.eq(v128.load(a + <usize>i), v128.load(b + <usize>i)));
  let lanes = (<i32>1 << (n - i)) - 1;
  return !v128.any_true(diff) && (m & lanes) == lanes;
}

/** The first n (< 8) bytes at p as a number; all 8 when n >= 8. */
@inline function head8(p: usize, n: i32): u64 {
  let v = load<u64>(p);
  return n >= 8 ? v : v & ((<u64>1 << (<u64>n << 3)) - 1);
}

/** Sets hIp, hUa and ipId for the request's IP [ipS, +ipLen) and agent [uaS, +uaLen). */
@inline export function actor(ipS: usize, ipLen: i32, uaS: usize, uaLen: i32, tag: u8, salt: u64): void {
  if (ipLen > IP_MAX || uaLen > UA_MAX) {
    hashActor(ipS, ipLen, uaS, uaLen, tag, salt);
    return;
  }
  let tail = uaLen >= 8 ? load<u64>(uaS + <usize>uaLen - 8) : head8(uaS, uaLen);
  let mix = (head8(ipS, ipLen) ^ rotl<u64>(tail, 23) ^ ((<u64>ipLen << 8) | <u64>uaLen)) * 0x9e3779b97f4a7c15;
  let e = table + <usize>(mix >> 56) * ENTRY;
  if (load<i32>(e) == ipLen && load<i32>(e, 4) == uaLen && load<u8>(e, 8) == tag && sameBytes(ipS, e + IP_AT, ipLen) && sameBytes(uaS, e + UA_AT, uaLen)) {
    ipId = load<i32>(e, 12);
    hIp = load<u64>(e, 16);
    hUa = load<u64>(e, 24);
    return;
  }
  hashActor(ipS, ipLen, uaS, uaLen, tag, salt);
  store<i32>(e, ipLen);
  store<i32>(e, uaLen, 4);
  store<u8>(e, tag, 8);
  store<i32>(e, ipId, 12);
  store<u64>(e, hIp, 16);
  store<u64>(e, hUa, 24);
  copyBytes(e + IP_AT, ipS, <usize>ipLen);
  copyBytes(e + UA_AT, uaS, <usize>uaLen);
}

function hashActor(ipS: usize, ipLen: i32, uaS: usize, uaLen: i32, tag: u8, salt: u64): void {
  hIp = hashBytes(ipS, ipLen, salt);
  hUa = hashBytes(uaS, uaLen, salt);
  ipId = ips.intern(hIp, tag, ipS, ipLen, 0, -1);
}
