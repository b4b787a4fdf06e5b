import { hashBytes, combine } from './hash';
import { copyBytes } from './scan';
import { ips } from './tables';

// The client IP and user agent of recent requests, with their salted hashes and IP id. Visitors'
// lines interleave: on the bench log the line before has the same IP and agent for 19% of lines,
// one of the last 64 distinct pairs for ~90%. Hashing a ~100-byte agent and the IP and interning
// the IP cost ~270 instructions; finding them here, ~100. Direct-mapped by a mix of the lengths,
// the IP's first bytes and the agent's last (where browser versions differ); the bytes are copied
// in, as the input buffer is rewritten between parse calls, and compared in full before a hit.
// 1,024 entries (344 KB): ~92% of the bench log's lines hit (256: 88%; 2,048 gain little more).

const BITS: u64 = 10;
const ENTRIES: u64 = 1 << BITS;
const IP_MAX: i32 = 48;
const UA_MAX: i32 = 240;
// per entry: lengths and tag as one u64 @0 (ip length, agent length << 16, tag << 32), ip id @8,
// the agent's attack verdict @12 (-1 until detect.ts judges it), ip hash @16, agent hash @24,
// their pair's hash @32, ip bytes @48, agent bytes @96
const IP_AT: usize = 48;
const UA_AT: usize = IP_AT + <usize>IP_MAX;
const ENTRY: usize = UA_AT + <usize>UA_MAX;
// one more entry after the table: the actor of a request whose IP or agent is too long to keep
const table = heap.alloc(<usize>(ENTRIES + 1) * ENTRY + 16);
memory.fill(table, 0xff, <usize>ENTRIES * ENTRY + 16);
const spare = table + <usize>ENTRIES * ENTRY;

/** An actor entry's IP id, IP hash, agent hash and the pair's hash (the ip+ua key). */
@inline export function ipIdOf(e: usize): i32 { return load<i32>(e, 8); }
@inline export function ipHashOf(e: usize): u64 { return load<u64>(e, 16); }
@inline export function agentHashOf(e: usize): u64 { return load<u64>(e, 24); }
@inline export function pairHashOf(e: usize): u64 { return load<u64>(e, 32); }
/** The entry's agent attack bits (detect.ts), or -1 when not judged yet; and setting them. */
@inline export function agentVerdictOf(e: usize): i32 { return load<i32>(e, 12); }
@inline export function setAgentVerdict(e: usize, v: i32): void { store<i32>(e, v, 12); }

@inline function diff(a: usize, b: usize, i: usize): v128 {
  return v128.xor(v128.load(a + i), v128.load(b + i));
}

/**
 * Whether the n bytes at a and b are equal; both may be read up to 16 bytes past n. Under 16
 * bytes one block, masked; from 16 whole blocks, the last ones overlapping those before so that
 * they end at n (no mask): up to 192 bytes (nearly all agents) without a loop.
 */
@inline function sameBytes(a: usize, b: usize, n: i32): bool {
  if (n < 16) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(a), v128.load(b)));
    let lanes = (<i32>1 << n) - 1;
    return (m & lanes) == lanes;
  }
  let t = <usize>n;
  // differences OR-ed over the blocks, one test at the end: no branch a block
  let d = v128.or(diff(a, b, 0), diff(a, b, t - 16));
  if (n > 32) {
    d = v128.or(d, diff(a, b, 16));
    d = v128.or(d, diff(a, b, t - 32));
    if (n > 64) {
      d = v128.or(d, diff(a, b, 32));
      d = v128.or(d, diff(a, b, 48));
      d = v128.or(d, diff(a, b, t - 64));
      d = v128.or(d, diff(a, b, t - 48));
      if (n > 128) {
        if (n > 192) return sameLong(a, b, n);
        d = v128.or(d, diff(a, b, 64));
        d = v128.or(d, diff(a, b, 80));
        d = v128.or(d, diff(a, b, 96));
        d = v128.or(d, diff(a, b, 112));
      }
    }
  }
  return !v128.any_true(d);
}

/** sameBytes for more than 192 bytes. */
function sameLong(a: usize, b: usize, n: i32): bool {
  let d = i8x16.splat(0);
  let i = 0;
  while (i + 32 < n) {
    d = v128.or(d, v128.or(diff(a, b, <usize>i), diff(a, b, <usize>i + 16)));
    i += 32;
  }
  let j = <usize>(n - 16);
  let k = <usize>(i + 16 < n ? i : n - 16);
  return !v128.any_true(v128.or(d, v128.or(diff(a, b, k), diff(a, b, j))));
}

/** The first n (< 8) bytes at p as a number; all 8 when n >= 8. */
@inline function head8(p: usize, n: i32): u64 {
  let v = load<u64>(p);
  return n >= 8 ? v : v & ((<u64>1 << (<u64>n << 3)) - 1);
}

/**
 * The actor entry of the request's IP [ipS, +ipLen) and agent [uaS, +uaLen): their hashes and
 * IP id (read with ipIdOf …), valid until the next call.
 */
@inline export function actor(ipS: usize, ipLen: i32, uaS: usize, uaLen: i32, tag: u8, salt: u64): usize {
  if (ipLen > IP_MAX || uaLen > UA_MAX) {
    hashActor(spare, ipS, ipLen, uaS, uaLen, tag, salt);
    return spare;
  }
  // the agent's last 8 bytes (bytes before a shorter one too: they move it to another slot at worst)
  let tail = load<u64>(uaS + <usize>uaLen - 8);
  let mix = (head8(ipS, ipLen) ^ rotl<u64>(tail, 23) ^ ((<u64>ipLen << 8) | <u64>uaLen)) * 0x9e3779b97f4a7c15;
  let e = table + <usize>(mix >> (64 - BITS)) * ENTRY;
  let sig = <u64>ipLen | (<u64>uaLen << 16) | (<u64>tag << 32);
  if (load<u64>(e) == sig && sameBytes(ipS, e + IP_AT, ipLen) && sameBytes(uaS, e + UA_AT, uaLen)) return e;
  hashActor(e, ipS, ipLen, uaS, uaLen, tag, salt);
  store<u64>(e, sig);
  copyBytes(e + IP_AT, ipS, <usize>ipLen);
  copyBytes(e + UA_AT, uaS, <usize>uaLen);
  return e;
}

/** Hashes the actor into entry e (its hashes and IP id), interning the IP. */
function hashActor(e: usize, ipS: usize, ipLen: i32, uaS: usize, uaLen: i32, tag: u8, salt: u64): void {
  let hIp = hashBytes(ipS, ipLen, salt);
  let hUa = hashBytes(uaS, uaLen, salt);
  store<i32>(e, ips.intern(hIp, tag, ipS, ipLen, 0, -1), 8);
  store<i32>(e, -1, 12);
  store<u64>(e, hIp, 16);
  store<u64>(e, hUa, 24);
  store<u64>(e, combine(hIp, hUa), 32);
}
