import { sortU32 } from './sessions';
import { Vec } from './vec';
import { agents, users } from './tables';
import { templates } from './endpoints';

// The end of an import: the pieces sessions.ts closed (and JS took out after every chunk) are
// merged into sessions. Pieces of one key that touch or bridge the running end within the
// inactivity timeout (and, with a maximum length, stay within it) are one session, with exact
// figures, as if every line had been read in time order (SPEC §2).
// JS hands the pieces' columns back a few at a time into input slots (src/lib/core/pieces.ts),
// and each output column is made into one scratch buffer that JS copies out: the core never holds
// every piece, nor the result, at once (a wasm memory never shrinks, and lives until the instance
// is collected). Done here, not in JS: it runs once per import over every piece, and JS run once
// stays mostly in the interpreter (~7 µs a session, against well under 1 µs here).
//
// Protocol: input(0..3) ← key, start, end, id of every piece (in the order taken); group();
// column(Ids), column(Start), column(End); then for each of LastEp, GapN, GapSum, GapSq
// input(4) ← that piece column (start and end still in 1 and 2), column(c); then for every other
// column input(0) ← its piece column, column(c); for the sets input(0) ← the pieces' [offset,
// length]×4, input(1) ← the id arena, column(IpSet …). input(i, 0) lets slot i's column go.

/** Output columns. */
export const enum Col {
  Ids, Start, End, LastEp, GapN, GapSum, GapSq,
  Requests, DurCount, AuthFail, NotFound, Slow, Burst, Bytes, DurSum, DurMax, Status, Attacks,
  FirstIp, FirstEp, Kind, FirstUa, User,
  IpSet, EndpointSet, HostSet, IdSet
}

const SLOTS = 5;
const slots = new StaticArray<usize>(SLOTS);

/** Input slot i, made room for `bytes` (what it held goes; 0: nothing): JS copies a column of the pieces in. */
export function input(i: i32, bytes: i32): usize {
  if (slots[i] != 0) heap.free(slots[i]);
  slots[i] = bytes > 0 ? heap.alloc(<usize>bytes + 16) : 0;
  return slots[i];
}

/**
 * Sessions: how many; per session (in output order) its pieces order[from, to) (piece numbers);
 * per piece its session, or NONE when that has more pieces (listed in `several`).
 */
let pieces: u32 = 0;
let count: u32 = 0;
let order: usize = 0;
let spans: usize = 0;
let sessionOf: usize = 0;
const several = new Vec(4, 256);
const NONE: u32 = 0xffffffff;
/** One column's values (up to 32 bytes a session), reused by every column. */
let scratch: usize = 0;
/**
 * A set column's values (allocated at its exact size, the previous one's freed) and how many;
 * its start offsets and sizes per session.
 */
let setValues: usize = 0;
export let setLength: u32 = 0;
let setStarts: usize = 0;
let setSizes: usize = 0;
const unionTmp = new Vec(4, 1024);
/** The unions of the sets of sessions of several pieces, before they go to their places. */
const unionValues = new Vec(4, 1024);
/** The user agents and users the sessions refer to, in order of first reference (table ids). */
export const keptAgents = new Vec(4, 1024);
export const keptUsers = new Vec(4, 1024);
/** Sessions per endpoint (table id), counted when the endpoint sets are made. */
export let endpointSessions: usize = 0;

export function setStartsPtr(): usize { return setStarts; }
export function setSizesPtr(): usize { return setSizes; }

@inline function u32Of(a: usize, i: u32): u32 { return load<u32>(a + (<usize>i << 2)); }
@inline function u64Of(a: usize, i: u32): u64 { return load<u64>(a + (<usize>i << 3)); }
@inline function f64Of(a: usize, i: u32): f64 { return load<f64>(a + (<usize>i << 3)); }
@inline function putU32(a: usize, i: u32, v: u32): void { store<u32>(a + (<usize>i << 2), v); }
@inline function putU64(a: usize, i: u32, v: u64): void { store<u64>(a + (<usize>i << 3), v); }
@inline function putF64(a: usize, i: u32, v: f64): void { store<f64>(a + (<usize>i << 3), v); }

/** A double's bits, made to sort as unsigned integers in the double's order. */
@inline function ordered(x: f64): u64 {
  let b = reinterpret<u64>(x);
  return b >> 63 ? ~b : b | 0x8000000000000000;
}

// ---- a stable LSD radix sort of indices by two u64 keys held in arrays beside them ------------

const DIGIT_BITS: u64 = 11;
const BUCKETS: u32 = 1 << 11;
const counts = heap.alloc(<usize>BUCKETS << 2);

/** One pass of 11 bits of `keys` from src into dst; false (and nothing moved) when every index has the same digit. */
function radixPass(src: usize, dst: usize, n: u32, keys: usize, shift: u64): bool {
  memory.fill(counts, 0, <usize>BUCKETS << 2);
  let mask: u64 = <u64>BUCKETS - 1;
  for (let i: u32 = 0; i < n; i++) {
    let d = <u32>((u64Of(keys, u32Of(src, i)) >> shift) & mask);
    putU32(counts, d, u32Of(counts, d) + 1);
  }
  let sum: u32 = 0;
  for (let d: u32 = 0; d < BUCKETS; d++) {
    let c = u32Of(counts, d);
    if (c == n) return false;
    putU32(counts, d, sum);
    sum += c;
  }
  for (let i: u32 = 0; i < n; i++) {
    let v = u32Of(src, i);
    let d = <u32>((u64Of(keys, v) >> shift) & mask);
    let at = u32Of(counts, d);
    putU32(counts, d, at + 1);
    putU32(dst, at, v);
  }
  return true;
}

/**
 * Sorts the indices a[lo, hi) by keys[index] ascending; equal ones keep their order (merge sort
 * through tmp, short runs by insertion).
 */
function sortRun(a: usize, tmp: usize, lo: u32, hi: u32, keys: usize): void {
  let n = hi - lo;
  if (n < 2) return;
  if (n <= 16) {
    for (let i = lo + 1; i < hi; i++) {
      let v = u32Of(a, i);
      let kv = u64Of(keys, v);
      let j = i;
      while (j > lo && kv < u64Of(keys, u32Of(a, j - 1))) {
        putU32(a, j, u32Of(a, j - 1));
        j--;
      }
      putU32(a, j, v);
    }
    return;
  }
  let mid = lo + (n >> 1);
  sortRun(a, tmp, lo, mid, keys);
  sortRun(a, tmp, mid, hi, keys);
  if (u64Of(keys, u32Of(a, mid - 1)) <= u64Of(keys, u32Of(a, mid))) return;
  let i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    let vi = u32Of(a, i), vj = u32Of(a, j);
    if (u64Of(keys, vj) < u64Of(keys, vi)) { putU32(tmp, k, vj); j++; } else { putU32(tmp, k, vi); i++; }
    k++;
  }
  while (i < mid) putU32(tmp, k++, u32Of(a, i++));
  while (j < hi) putU32(tmp, k++, u32Of(a, j++));
  memory.copy(a + (<usize>lo << 2), tmp + (<usize>lo << 2), <usize>n << 2);
}

/**
 * Sorts the n indices at `a` by (major, minor); equal ones keep their order. `tmp` holds n. By
 * the low `majorBits` bits of major in radix passes, then each run of one such value by minor
 * and, when the run's majors differ above those bits (rare: they are hashes), by major: such
 * runs are short (a key's pieces, the sessions that start in one millisecond), so the rest needs
 * no passes over them all.
 */
function sortBy(a: usize, tmp: usize, n: u32, major: usize, minor: usize, majorBits: u64): void {
  let src = a, dst = tmp;
  // the bits where the majors differ: passes over digits they share are not made
  let first = n > 0 ? u64Of(major, u32Of(a, 0)) : 0;
  let varying: u64 = 0;
  for (let i: u32 = 1; i < n; i++) varying |= u64Of(major, u32Of(a, i)) ^ first;
  for (let shift: u64 = 0; shift < majorBits; shift += DIGIT_BITS) {
    if (((varying >> shift) & (<u64>BUCKETS - 1)) == 0) continue;
    if (radixPass(src, dst, n, major, shift)) {
      let t = src;
      src = dst;
      dst = t;
    }
  }
  if (src != a) memory.copy(a, src, <usize>n << 2);
  let low: u64 = majorBits >= 64 ? <u64>-1 : (<u64>1 << majorBits) - 1;
  let from: u32 = 0;
  let mixed = false;
  for (let i: u32 = 1; i <= n; i++) {
    if (i < n) {
      let x = u64Of(major, u32Of(a, i)), y = u64Of(major, u32Of(a, from));
      if (((x ^ y) & low) == 0) {
        mixed = mixed || x != y;
        continue;
      }
    }
    if (i - from > 1) {
      sortRun(a, tmp, from, i, minor);
      if (mixed) sortRun(a, tmp, from, i, major);
    }
    from = i;
    mixed = false;
  }
}

// ---- grouping ------------------------------------------------------------------------------------

/**
 * Groups the n pieces whose key, start, end and id are in input slots 0..3 into sessions and
 * orders them by (start, id); returns how many. Their columns are then made one at a time.
 */
export function group(n: u32, inactivity: f64, maxLength: f64): i32 {
  pieces = n;
  let key = slots[0], start = slots[1], end = slots[2], id = slots[3];
  // pieces by key, then start (ties keep the order they were taken in)
  let startBits = heap.alloc((<usize>n << 3) + 8);
  order = heap.alloc((<usize>n << 2) + 8);
  let tmp = heap.alloc((<usize>n << 2) + 8);
  for (let i: u32 = 0; i < n; i++) {
    putU64(startBits, i, ordered(f64Of(start, i)));
    putU32(order, i, i);
  }
  // keys are hashes: their low 33 bits (3 passes) part them all but a few, sorted in their run
  sortBy(order, tmp, n, key, startBits, 33);

  // groups: runs of one key whose pieces touch or bridge the running end within the timeout
  let groupFrom = new Vec(4, 1024);
  let cur: u32 = 0;
  let curEnd: f64 = 0;
  for (let p: u32 = 0; p < n; p++) {
    let c = u32Of(order, p);
    let s = f64Of(start, c), e = f64Of(end, c);
    let joins = p > 0 && u64Of(key, c) == u64Of(key, cur) && s - curEnd <= inactivity &&
      (maxLength <= 0 || max(e, curEnd) - f64Of(start, cur) <= maxLength);
    if (joins) {
      if (e >= curEnd) curEnd = e;
    } else {
      cur = c;
      curEnd = e;
      groupFrom.pushU32(p);
    }
  }
  let groups = <u32>groupFrom.len;
  groupFrom.pushU32(n);
  count = groups;

  // sessions by their first piece's start, then id
  let ranked = heap.alloc((<usize>groups << 2) + 8);
  let minor = heap.alloc((<usize>groups << 3) + 8);
  for (let k: u32 = 0; k < groups; k++) {
    let lead = u32Of(order, groupFrom.u32At(<i32>k));
    putU64(startBits, k, ordered(f64Of(start, lead)));
    putU64(minor, k, u64Of(id, lead));
    putU32(ranked, k, k);
  }
  sortBy(ranked, tmp, groups, startBits, minor, 64);
  spans = heap.alloc((<usize>groups << 3) + 8);
  sessionOf = heap.alloc((<usize>n << 2) + 8);
  several.len = 0;
  for (let r: u32 = 0; r < groups; r++) {
    let k = u32Of(ranked, r);
    let from = groupFrom.u32At(<i32>k), to = groupFrom.u32At(<i32>k + 1);
    putU32(spans, 2 * r, from);
    putU32(spans, 2 * r + 1, to);
    if (to - from == 1) putU32(sessionOf, u32Of(order, from), r);
    else {
      several.pushU32(r);
      for (let p = from; p < to; p++) putU32(sessionOf, u32Of(order, p), NONE);
    }
  }
  heap.free(startBits);
  heap.free(minor);
  heap.free(tmp);
  heap.free(ranked);
  heap.free(groupFrom.ptr);
  scratch = heap.alloc(<usize>groups * 32 + 8);
  setStarts = heap.alloc((<usize>groups << 2) + 8);
  setSizes = heap.alloc((<usize>groups << 2) + 8);
  return <i32>groups;
}

@inline function fromOf(r: u32): u32 { return u32Of(spans, 2 * r); }
@inline function toOf(r: u32): u32 { return u32Of(spans, 2 * r + 1); }
/** Number of piece p of the merge order. */
@inline function piece(p: u32): u32 { return u32Of(order, p); }

const DIGITS = memory.data<u8>([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66]);

/** v as 16 lower-case hex digits at `at`: its nibbles, most significant first, looked up at once. */
@inline function hex(at: usize, v: u64): void {
  let b = i64x2.splat(<i64>bswap<u64>(v));
  let lo = v128.and(b, i8x16.splat(15));
  let hi = v128.and(i16x8.shr_u(b, 4), i8x16.splat(15));
  let nib = i8x16.shuffle(hi, lo, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  v128.store(at, i8x16.swizzle(v128.load(DIGITS), nib));
}

/** Bytes per piece of the input column an output column is made of (in slot 0). */
function width(c: i32): u32 {
  switch (c) {
    case Col.Bytes: case Col.DurSum: case Col.DurMax: return 8;
    case Col.Status: return 24;
    case Col.Attacks: return 28;
  }
  return 4;
}

/** Column c's value for session r, made of the one piece i. */
function single(c: i32, i: u32, r: u32, out: usize): void {
  let a = slots[0];
  switch (c) {
    case Col.Ids: {
      // the session id and the key hash as 16 hex digits each: JS cuts its strings from one decode
      hex(out + (<usize>r << 5), u64Of(slots[3], i));
      hex(out + (<usize>r << 5) + 16, u64Of(slots[0], i));
      return;
    }
    case Col.Start: putF64(out, r, f64Of(slots[1], i)); return;
    case Col.End: putF64(out, r, f64Of(slots[2], i)); return;
    case Col.LastEp: case Col.GapN: putU32(out, r, u32Of(slots[4], i)); return;
    case Col.GapSum: case Col.GapSq: putF64(out, r, f64Of(slots[4], i)); return;
    case Col.Kind: store<u8>(out + <usize>r, <u8>u32Of(a, i)); return;
    case Col.Status: memory.copy(out + <usize>r * 24, a + <usize>i * 24, 24); return;
    case Col.Attacks: memory.copy(out + <usize>r * 28, a + <usize>i * 28, 28); return;
  }
  if (width(c) == 8) putF64(out, r, f64Of(a, i));
  else putU32(out, r, u32Of(a, i));
}

/**
 * Column c of the sessions of one piece: the pieces in the order taken, each to its session's
 * place, one loop per kind of column (not a switch per piece).
 */
function singles(c: i32, out: usize): void {
  let n = pieces, so = sessionOf;
  if (c == Col.Ids) {
    let id = slots[3], key = slots[0];
    for (let i: u32 = 0; i < n; i++) {
      let r = u32Of(so, i);
      if (r == NONE) continue;
      hex(out + (<usize>r << 5), u64Of(id, i));
      hex(out + (<usize>r << 5) + 16, u64Of(key, i));
    }
    return;
  }
  let a = slots[0];
  if (c == Col.Kind) {
    for (let i: u32 = 0; i < n; i++) {
      let r = u32Of(so, i);
      if (r != NONE) store<u8>(out + <usize>r, <u8>u32Of(a, i));
    }
    return;
  }
  let w: u32 = 4;
  if (c == Col.Start) { a = slots[1]; w = 8; }
  else if (c == Col.End) { a = slots[2]; w = 8; }
  else if (c >= Col.LastEp && c <= Col.GapSq) { a = slots[4]; w = c >= Col.GapSum ? 8 : 4; }
  else w = width(c);
  if (w == 4) {
    for (let i: u32 = 0; i < n; i++) {
      let r = u32Of(so, i);
      if (r != NONE) putU32(out, r, u32Of(a, i));
    }
  } else if (w == 8) {
    for (let i: u32 = 0; i < n; i++) {
      let r = u32Of(so, i);
      if (r != NONE) putU64(out, r, u64Of(a, i));
    }
  } else {
    // status (24 bytes) and attacks (28): two 16-byte moves, the overlap rewritten alike
    for (let i: u32 = 0; i < n; i++) {
      let r = u32Of(so, i);
      if (r == NONE) continue;
      let d = out + <usize>r * w, s = a + <usize>i * w;
      v128.store(d, v128.load(s));
      v128.store(d + w - 16, v128.load(s + w - 16));
    }
  }
}

/**
 * Column c's value for session r of several pieces: sums and maxima in the pieces' order (float
 * sums come out alike however the pieces were cut); the end, last endpoint and arrival gaps
 * follow the latest end, and the gaps that bridged pieces count too; first fields are the first
 * piece's; the user the first piece's that has one.
 */
function folded(c: i32, r: u32, out: usize): void {
  let from = fromOf(r), to = toOf(r);
  let lead = piece(from);
  let a = slots[0];
  switch (c) {
    case Col.End: case Col.LastEp: case Col.GapN: case Col.GapSum: case Col.GapSq: {
      // walked in start order with the piece's own figure of this column (slot 4; none for End)
      let start = slots[1], end = slots[2], own = slots[4];
      let lastEnd = f64Of(end, lead);
      let ep = c == Col.LastEp ? u32Of(own, lead) : 0;
      let gn = c == Col.GapN ? u32Of(own, lead) : 0;
      let gs = c == Col.GapSum || c == Col.GapSq ? f64Of(own, lead) : 0;
      for (let p = from + 1; p < to; p++) {
        let h = piece(p);
        let before = lastEnd;
        if (f64Of(end, h) >= lastEnd) {
          lastEnd = f64Of(end, h);
          if (c == Col.LastEp) ep = u32Of(own, h);
        }
        let bridge = f64Of(start, h) - before;
        let gap = bridge > 0 ? bridge : 0;
        if (c == Col.GapN) gn += u32Of(own, h) + (bridge > 0 ? 1 : 0);
        else if (c == Col.GapSum) gs = gs + f64Of(own, h) + gap;
        else if (c == Col.GapSq) gs = gs + f64Of(own, h) + gap * gap;
      }
      if (c == Col.End) putF64(out, r, lastEnd);
      else if (c == Col.LastEp) putU32(out, r, ep);
      else if (c == Col.GapN) putU32(out, r, gn);
      else putF64(out, r, gs);
      return;
    }
    case Col.Requests: case Col.DurCount: case Col.AuthFail: case Col.NotFound: case Col.Slow: {
      let x: u32 = 0;
      for (let p = from; p < to; p++) x += u32Of(a, piece(p));
      putU32(out, r, x);
      return;
    }
    case Col.Burst: {
      let x: u32 = 0;
      for (let p = from; p < to; p++) x = max(x, u32Of(a, piece(p)));
      putU32(out, r, x);
      return;
    }
    case Col.Bytes: case Col.DurSum: case Col.DurMax: {
      let x = f64Of(a, lead);
      for (let p = from + 1; p < to; p++) {
        let y = f64Of(a, piece(p));
        x = c == Col.DurMax ? (y > x ? y : x) : x + y;
      }
      putF64(out, r, x);
      return;
    }
    case Col.Status: case Col.Attacks: {
      let w: u32 = c == Col.Status ? 6 : 7;
      let row = out + <usize>r * (<usize>w << 2);
      memory.fill(row, 0, <usize>w << 2);
      for (let p = from; p < to; p++) {
        let src = a + <usize>piece(p) * (<usize>w << 2);
        for (let k: u32 = 0; k < w; k++) putU32(row, k, u32Of(row, k) + u32Of(src, k));
      }
      return;
    }
    case Col.User: {
      let user: u32 = 0;
      for (let p = from; p < to && user == 0; p++) user = u32Of(a, piece(p));
      putU32(out, r, user);
      return;
    }
  }
  single(c, lead, r, out);
}

/** A string table id as the index among the ids kept so far (in order of first reference). */
@inline function keep(map: usize, kept: Vec, id: u32): u32 {
  let k = u32Of(map, id);
  if (k == NONE) {
    k = <u32>kept.len;
    putU32(map, id, k);
    kept.pushU32(id);
  }
  return k;
}

/** The table ids in `out` made indices among the ids kept (in the sessions' order); `plusOne`: ids there are id + 1, 0 for none (→ -1). */
function keepAll(out: usize, kept: Vec, tableSize: i32, plusOne: bool): void {
  let map = heap.alloc(<usize>tableSize * 4 + 8);
  memory.fill(map, 0xff, <usize>tableSize * 4);
  kept.len = 0;
  for (let r: u32 = 0; r < count; r++) {
    let id = u32Of(out, r);
    if (plusOne) putU32(out, r, id > 0 ? keep(map, kept, id - 1) : NONE);
    else putU32(out, r, keep(map, kept, id));
  }
  heap.free(map);
}

/**
 * Set t (0 IPs, 1 endpoints, 2 hosts, 3 object ids) of every session: a piece's own list, or the
 * sorted union of its pieces'. Sizes first (the unions made aside), then the lists copied in.
 * Slot 0 holds per piece [offset, length] four times, slot 1 the ids they point into.
 */
function sets(t: i32): void {
  let n = pieces;
  let lists = slots[0] + (<usize>t << 3), arena = slots[1];
  let unions = unionValues;
  unions.len = 0;
  for (let i: u32 = 0; i < n; i++) {
    let r = u32Of(sessionOf, i);
    if (r != NONE) putU32(setSizes, r, load<u32>(lists + (<usize>i << 5), 4));
  }
  for (let k = 0; k < several.len; k++) {
    let r = several.u32At(k);
    let at = unions.len;
    for (let p = fromOf(r), to = toOf(r); p < to; p++) {
      let rec = lists + (<usize>piece(p) << 5);
      let len = load<i32>(rec, 4);
      unions.reserve(len);
      memory.copy(unions.ptr + (<usize>unions.len << 2), arena + (<usize>load<u32>(rec) << 2), <usize>len << 2);
      unions.len += len;
    }
    let all = unions.len - at;
    if (all > 1) {
      if (unionTmp.cap < all) unionTmp.grow(all);
      sortU32(unions.ptr + (<usize>at << 2), unionTmp.ptr, 0, all);
      let kept = at + 1;
      for (let q = at + 1; q < unions.len; q++) {
        let v = unions.u32At(q);
        if (v != unions.u32At(kept - 1)) putU32(unions.ptr, <u32>(kept++), v);
      }
      unions.len = kept;
    }
    putU32(setSizes, r, <u32>(unions.len - at));
  }
  let total: u32 = 0;
  store<u32>(setStarts, 0);
  for (let r: u32 = 0; r < count; r++) {
    total += u32Of(setSizes, r);
    putU32(setStarts, r + 1, total);
  }
  if (setValues != 0) heap.free(setValues);
  setValues = heap.alloc((<usize>total << 2) + 24);
  setLength = total;
  let base = setValues;
  // hosts are kept as table index + 1 (0: none); endpoints count their sessions
  let minus = i32x4.splat(t == 2 ? 1 : 0);
  // the sessions in order, 4 ids at a time: a copy's last 16 bytes may run past its list (into
  // the next session's place, written next, or the room after the last), and may read past its
  // source (the arena and the unions keep 16 bytes after them)
  let w = base;
  let from: usize = 0;
  for (let r: u32 = 0; r < count; r++) {
    let len = <usize>u32Of(setSizes, r);
    let p = piece(fromOf(r));
    let src: usize;
    if (u32Of(sessionOf, p) == NONE) {
      // several pieces: the next union (made in the sessions' order)
      src = unions.ptr + (from << 2);
      from += len;
    } else src = arena + (<usize>load<u32>(lists + (<usize>p << 5)) << 2);
    for (let q: usize = 0; q < len; q += 4) v128.store(w + (q << 2), i32x4.sub(v128.load(src + (q << 2)), minus));
    w += len << 2;
  }
  if (t == 1) {
    for (let q: u32 = 0; q < total; q++) {
      let e = u32Of(base, q);
      putU32(endpointSessions, e, u32Of(endpointSessions, e) + 1);
    }
  }
}

/**
 * Makes output column c of every session from the input slots (see the protocol above) and
 * returns where it is: in a scratch buffer the next call reuses, or, for a set, in its own
 * buffer (with setStartsPtr and setSizesPtr).
 */
export function column(c: i32): usize {
  let out = scratch;
  switch (c) {
    case Col.IpSet: case Col.HostSet: case Col.IdSet: {
      sets(c - Col.IpSet);
      return setValues;
    }
    case Col.EndpointSet: {
      if (endpointSessions != 0) heap.free(endpointSessions);
      endpointSessions = heap.alloc(<usize>templates.count * 4 + 8);
      memory.fill(endpointSessions, 0, <usize>templates.count * 4);
      sets(1);
      return setValues;
    }
  }
  if (c < Col.Ids || c > Col.User) return 0;
  singles(c, out);
  for (let k = 0; k < several.len; k++) folded(c, several.u32At(k), out);
  // the first user agent and the first remote user, as indices among the ones kept
  if (c == Col.FirstUa) keepAll(out, keptAgents, agents.count, false);
  if (c == Col.User) keepAll(out, keptUsers, users.count, true);
  return out;
}

/** Every input slot let go (the merge's columns are all made). */
export function release(): void {
  for (let i = 0; i < SLOTS; i++) {
    if (slots[i] != 0) heap.free(slots[i]);
    slots[i] = 0;
  }
}
