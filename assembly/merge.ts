import * as s from './sessions';
import { sortU32 } from './sessions';
import { Vec } from './vec';
import { agents, users } from './tables';
import { templates } from './endpoints';

// The end of an import: the pieces sessions.ts closed are merged into sessions. Pieces of one key
// that touch or bridge the running end within the inactivity timeout (and, with a maximum length,
// stay within it) are one session, with exact figures, as if every line had been read in time
// order (SPEC §2). The sessions come out sorted by (start, id), a column at a time into one
// scratch buffer that JS copies out (src/lib/core/pieces.ts), so the core never holds a second
// copy of the result. Done here, not in JS: it runs once per import over every piece, and JS run
// once stays mostly in the interpreter (~7 µs a session, against well under 1 µs here).

/** Merged sessions: how many, and per session (in output order) its pieces order[from, to) (addresses). */
let count: u32 = 0;
let order: usize = 0;
let spans: usize = 0;
/** One column's values, reused by every column. */
let scratch: usize = 0;
/** A set column's values, start offsets and sizes. */
export const setValues = new Vec(4, 1024);
const unionTmp = new Vec(4, 1024);
let setStarts: usize = 0;
let setSizes: usize = 0;
/** The user agents and users the sessions refer to, in order of first reference (table ids). */
export const keptAgents = new Vec(4, 1024);
export const keptUsers = new Vec(4, 1024);
/** Sessions per endpoint (table id), counted when the endpoint sets are made. */
export let endpointSessions: usize = 0;

/** Output columns; the sets (IpSet…) fill setValues, setStarts and setSizes at once. */
export const enum Col {
  Start, End, Requests, Bytes, DurSum, DurCount, DurMax, AuthFail, NotFound, Slow, Burst,
  Status, Attacks, GapN, GapSum, GapSq, FirstIp, FirstUa, User, FirstEp, LastEp, Kind, Id, Key,
  IpSet, EndpointSet, HostSet, IdSet
}

export function setStartsPtr(): usize { return setStarts; }
export function setSizesPtr(): usize { return setSizes; }

/** Fields of the piece at address a (sessions.ts P_…). */
@inline function f64At(field: usize, a: u32): f64 { return load<f64>(<usize>a + field); }
@inline function u32At(field: usize, a: u32): u32 { return load<u32>(<usize>a + field); }
@inline function u64At(field: usize, a: u32): u64 { return load<u64>(<usize>a + field); }
@inline function u32Of(a: usize, i: u32): u32 { return load<u32>(a + (<usize>i << 2)); }
@inline function u64Of(a: usize, i: u32): u64 { return load<u64>(a + (<usize>i << 3)); }
@inline function putU32(a: usize, i: u32, v: u32): void { store<u32>(a + (<usize>i << 2), v); }
@inline function putU64(a: usize, i: u32, v: u64): void { store<u64>(a + (<usize>i << 3), v); }
@inline function putF64(a: usize, i: u32, v: f64): void { store<f64>(a + (<usize>i << 3), v); }

/** A double's bits, made to sort as unsigned integers in the double's order. */
@inline function ordered(x: f64): u64 {
  let b = reinterpret<u64>(x);
  return b >> 63 ? ~b : b | 0x8000000000000000;
}

// ---- a stable merge sort of indices by two u64 keys held in arrays beside them ----------------

@inline function before(major: usize, minor: usize, x: u32, y: u32): bool {
  let a = u64Of(major, x), b = u64Of(major, y);
  return a != b ? a < b : u64Of(minor, x) < u64Of(minor, y);
}

/** Sorts the indices [lo, hi) at `a` by (major, minor); equal ones keep their order. */
function sortBy(a: usize, tmp: usize, lo: u32, hi: u32, major: usize, minor: usize): void {
  let n = hi - lo;
  if (n <= 12) {
    for (let i = lo + 1; i < hi; i++) {
      let v = u32Of(a, i);
      let j = <i32>i - 1;
      while (j >= <i32>lo && before(major, minor, v, u32Of(a, <u32>j))) {
        putU32(a, <u32>j + 1, u32Of(a, <u32>j));
        j--;
      }
      putU32(a, <u32>(j + 1), v);
    }
    return;
  }
  let mid = lo + (n >> 1);
  sortBy(a, tmp, lo, mid, major, minor);
  sortBy(a, tmp, mid, hi, major, minor);
  if (!before(major, minor, u32Of(a, mid), u32Of(a, mid - 1))) return;
  let i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    let vi = u32Of(a, i), vj = u32Of(a, j);
    if (before(major, minor, vj, vi)) { putU32(tmp, k, vj); j++; } else { putU32(tmp, k, vi); i++; }
    k++;
  }
  while (i < mid) putU32(tmp, k++, u32Of(a, i++));
  while (j < hi) putU32(tmp, k++, u32Of(a, j++));
  memory.copy(a + (<usize>lo << 2), tmp + (<usize>lo << 2), <usize>n << 2);
}

// ---- the merge -----------------------------------------------------------------------------------

/**
 * Groups every piece (call after finishSessions) into sessions and orders them; returns how many.
 * Their columns are then made one at a time by column().
 */
export function merge(inactivity: f64, maxLength: f64): i32 {
  let n = s.pieceCount;
  // pieces by key, then start (ties keep the order they were closed in), then as addresses
  let major = heap.alloc((<usize>n << 3) + 8);
  let minor = heap.alloc((<usize>n << 3) + 8);
  order = heap.alloc((<usize>n << 2) + 8);
  let tmp = heap.alloc((<usize>n << 2) + 8);
  for (let i: u32 = 0; i < n; i++) {
    let rec = s.prec(i);
    putU64(major, i, load<u64>(rec + s.P_KEY));
    putU64(minor, i, ordered(load<f64>(rec + s.P_START)));
    putU32(order, i, i);
  }
  sortBy(order, tmp, 0, n, major, minor);
  for (let p: u32 = 0; p < n; p++) putU32(order, p, <u32>s.prec(u32Of(order, p)));

  // groups: runs of one key whose pieces touch or bridge the running end within the timeout
  let groupFrom = new Vec(4, 1024);
  let cur: u32 = 0;
  let curEnd: f64 = 0;
  for (let p: u32 = 0; p < n; p++) {
    let c = u32Of(order, p);
    let joins = p > 0 && u64At(s.P_KEY, c) == u64At(s.P_KEY, cur) && f64At(s.P_START, c) - curEnd <= inactivity &&
      (maxLength <= 0 || max(f64At(s.P_END, c), curEnd) - f64At(s.P_START, cur) <= maxLength);
    if (joins) {
      if (f64At(s.P_END, c) >= curEnd) curEnd = f64At(s.P_END, c);
    } else {
      cur = c;
      curEnd = f64At(s.P_END, c);
      groupFrom.pushU32(p);
    }
  }
  let groups = <u32>groupFrom.len;
  groupFrom.pushU32(n);
  count = groups;

  // sessions by their first piece's start, then id
  let ranked = heap.alloc((<usize>groups << 2) + 8);
  for (let k: u32 = 0; k < groups; k++) {
    let lead = u32Of(order, groupFrom.u32At(<i32>k));
    putU64(major, k, ordered(f64At(s.P_START, lead)));
    putU64(minor, k, u64At(s.P_ID, lead));
    putU32(ranked, k, k);
  }
  sortBy(ranked, tmp, 0, groups, major, minor);
  spans = heap.alloc((<usize>groups << 3) + 8);
  for (let r: u32 = 0; r < groups; r++) {
    let k = u32Of(ranked, r);
    putU32(spans, 2 * r, groupFrom.u32At(<i32>k));
    putU32(spans, 2 * r + 1, groupFrom.u32At(<i32>k + 1));
  }
  heap.free(major);
  heap.free(minor);
  heap.free(tmp);
  heap.free(ranked);
  heap.free(groupFrom.ptr);
  scratch = heap.alloc(<usize>groups * 28 + 8);
  setStarts = heap.alloc((<usize>groups << 2) + 8);
  setSizes = heap.alloc((<usize>groups << 2) + 8);
  return <i32>groups;
}

@inline function fromOf(r: u32): u32 { return u32Of(spans, 2 * r); }
@inline function toOf(r: u32): u32 { return u32Of(spans, 2 * r + 1); }
/** Address of piece p of the merge order. */
@inline function piece(p: u32): u32 { return u32Of(order, p); }

/** Sums of a u32 column over session r's pieces. */
function sumU32(v: usize, r: u32): u32 {
  let x: u32 = 0;
  for (let p = fromOf(r), to = toOf(r); p < to; p++) x += u32At(v, piece(p));
  return x;
}

/** A f64 column summed (or its maximum) over session r's pieces, in their order: float sums come out alike however the pieces were cut. */
function foldF64(v: usize, r: u32, maximum: bool): f64 {
  let from = fromOf(r), to = toOf(r);
  let x = f64At(v, piece(from));
  for (let p = from + 1; p < to; p++) {
    let y = f64At(v, piece(p));
    x = maximum ? (y > x ? y : x) : x + y;
  }
  return x;
}

// session r's end, last endpoint and arrival gaps (those that bridged its pieces count too)
let wEnd: f64 = 0, wGapSum: f64 = 0, wGapSq: f64 = 0;
let wLastEp: u32 = 0, wGapN: u32 = 0;

function walk(r: u32): void {
  let from = fromOf(r), to = toOf(r);
  let lead = piece(from);
  let lastEnd = f64At(s.P_END, lead);
  let ep = u32At(s.P_LAST_EP, lead);
  let gn = u32At(s.P_GAP_N, lead);
  let gs = f64At(s.P_GAP_SUM, lead), gq = f64At(s.P_GAP_SQ, lead);
  for (let p = from + 1; p < to; p++) {
    let h = piece(p);
    let before = lastEnd;
    if (f64At(s.P_END, h) >= lastEnd) {
      lastEnd = f64At(s.P_END, h);
      ep = u32At(s.P_LAST_EP, h);
    }
    let bridge = f64At(s.P_START, h) - before;
    let gap = bridge > 0 ? bridge : 0;
    gn += u32At(s.P_GAP_N, h) + (bridge > 0 ? 1 : 0);
    gs = gs + f64At(s.P_GAP_SUM, h) + gap;
    gq = gq + f64At(s.P_GAP_SQ, h) + gap * gap;
  }
  wEnd = lastEnd;
  wLastEp = ep;
  wGapN = gn;
  wGapSum = gs;
  wGapSq = gq;
}

/** `width` counts per piece at `field` (status classes, attack types), added up per session. */
function counts(field: usize, width: u32): void {
  let row = <usize>width << 2;
  memory.fill(scratch, 0, <usize>count * row);
  for (let r: u32 = 0; r < count; r++) {
    let out = scratch + <usize>r * row;
    for (let p = fromOf(r), to = toOf(r); p < to; p++) {
      let src = <usize>piece(p) + field;
      for (let c: u32 = 0; c < width; c++) putU32(out, c, u32Of(out, c) + u32Of(src, c));
    }
  }
}

/** A string table id as the index among the ids kept so far (in order of first reference). */
@inline function keep(map: usize, kept: Vec, id: u32): u32 {
  let k = u32Of(map, id);
  if (k == 0xffffffff) {
    k = <u32>kept.len;
    putU32(map, id, k);
    kept.pushU32(id);
  }
  return k;
}

/** A map of `n` table ids, all unset. */
function idMap(n: i32): usize {
  let m = heap.alloc(<usize>n * 4 + 8);
  memory.fill(m, 0xff, <usize>n * 4);
  return m;
}

/** Set t (0 IPs, 1 endpoints, 2 hosts, 3 object ids) of every session: a piece's own list, or the sorted union of its pieces'. */
function sets(t: i32): void {
  let out = setValues;
  out.len = 0;
  store<u32>(setStarts, 0);
  for (let r: u32 = 0; r < count; r++) {
    let at = out.len;
    let from = fromOf(r), to = toOf(r);
    for (let p = from; p < to; p++) {
      // the piece's lists lie one after the other: list t follows the ones before it
      let rec = <usize>piece(p);
      let list = <usize>load<u32>(rec, s.P_LISTS);
      for (let k = 0; k < t; k++) list += <usize>load<u32>(rec + s.P_LENGTHS + (<usize>k << 2)) << 2;
      let len = <i32>load<u32>(rec + s.P_LENGTHS + (<usize>t << 2));
      out.reserve(len);
      memory.copy(out.ptr + (<usize>out.len << 2), list, <usize>len << 2);
      out.len += len;
    }
    if (to - from > 1) {
      let all = out.len - at;
      if (unionTmp.cap < all) unionTmp.grow(all);
      sortU32(out.ptr + (<usize>at << 2), unionTmp.ptr, 0, all);
      let w = at;
      for (let q = at; q < out.len; q++) {
        let v = out.u32At(q);
        if (q == at || v != out.u32At(w - 1)) {
          putU32(out.ptr, <u32>w, v);
          w++;
        }
      }
      out.len = w;
    }
    // hosts are kept as table index + 1 (0: none)
    if (t == 2) for (let q = at; q < out.len; q++) putU32(out.ptr, <u32>q, out.u32At(q) - 1);
    if (t == 1) {
      for (let q = at; q < out.len; q++) {
        let e = out.u32At(q);
        putU32(endpointSessions, e, u32Of(endpointSessions, e) + 1);
      }
    }
    putU32(setStarts, r + 1, <u32>out.len);
    putU32(setSizes, r, <u32>(out.len - at));
  }
}

/**
 * Makes output column c of every session (Col) and returns where it is: in a scratch buffer the
 * next call reuses, or, for a set, in setValues (with setStartsPtr and setSizesPtr).
 */
export function column(c: i32): usize {
  let out = scratch;
  switch (c) {
    case Col.Start: for (let r: u32 = 0; r < count; r++) putF64(out, r, f64At(s.P_START, piece(fromOf(r)))); break;
    case Col.End: for (let r: u32 = 0; r < count; r++) { walk(r); putF64(out, r, wEnd); } break;
    case Col.LastEp: for (let r: u32 = 0; r < count; r++) { walk(r); putU32(out, r, wLastEp); } break;
    case Col.GapN: for (let r: u32 = 0; r < count; r++) { walk(r); putU32(out, r, wGapN); } break;
    case Col.GapSum: for (let r: u32 = 0; r < count; r++) { walk(r); putF64(out, r, wGapSum); } break;
    case Col.GapSq: for (let r: u32 = 0; r < count; r++) { walk(r); putF64(out, r, wGapSq); } break;
    case Col.Requests: for (let r: u32 = 0; r < count; r++) putU32(out, r, sumU32(s.P_COUNT, r)); break;
    case Col.DurCount: for (let r: u32 = 0; r < count; r++) putU32(out, r, sumU32(s.P_DUR_COUNT, r)); break;
    case Col.AuthFail: for (let r: u32 = 0; r < count; r++) putU32(out, r, sumU32(s.P_AUTH_FAIL, r)); break;
    case Col.NotFound: for (let r: u32 = 0; r < count; r++) putU32(out, r, sumU32(s.P_NOT_FOUND, r)); break;
    case Col.Slow: for (let r: u32 = 0; r < count; r++) putU32(out, r, sumU32(s.P_SLOW, r)); break;
    case Col.Burst: {
      for (let r: u32 = 0; r < count; r++) {
        let x: u32 = 0;
        for (let p = fromOf(r), to = toOf(r); p < to; p++) x = max(x, u32At(s.P_BURST, piece(p)));
        putU32(out, r, x);
      }
      break;
    }
    case Col.Bytes: for (let r: u32 = 0; r < count; r++) putF64(out, r, foldF64(s.P_BYTES, r, false)); break;
    case Col.DurSum: for (let r: u32 = 0; r < count; r++) putF64(out, r, foldF64(s.P_DUR_SUM, r, false)); break;
    case Col.DurMax: for (let r: u32 = 0; r < count; r++) putF64(out, r, foldF64(s.P_DUR_MAX, r, true)); break;
    case Col.Status: counts(s.P_STATUS, 6); break;
    case Col.Attacks: counts(s.P_ATTACKS, 7); break;
    case Col.FirstIp: for (let r: u32 = 0; r < count; r++) putU32(out, r, u32At(s.P_FIRST_IP, piece(fromOf(r)))); break;
    case Col.FirstEp: for (let r: u32 = 0; r < count; r++) putU32(out, r, u32At(s.P_FIRST_EP, piece(fromOf(r)))); break;
    case Col.Kind: for (let r: u32 = 0; r < count; r++) store<u8>(out + <usize>r, <u8>u32At(s.P_KIND, piece(fromOf(r)))); break;
    case Col.Id: for (let r: u32 = 0; r < count; r++) store<u64>(out + (<usize>r << 3), u64At(s.P_ID, piece(fromOf(r)))); break;
    case Col.Key: for (let r: u32 = 0; r < count; r++) store<u64>(out + (<usize>r << 3), u64At(s.P_KEY, piece(fromOf(r)))); break;
    case Col.FirstUa: {
      // the first user agent, as an index among the agents kept
      let map = idMap(agents.count);
      keptAgents.len = 0;
      for (let r: u32 = 0; r < count; r++) putU32(out, r, keep(map, keptAgents, u32At(s.P_FIRST_UA, piece(fromOf(r)))));
      heap.free(map);
      break;
    }
    case Col.User: {
      // the first remote user in start order, as an index among the users kept (-1: none)
      let map = idMap(users.count);
      keptUsers.len = 0;
      for (let r: u32 = 0; r < count; r++) {
        let user: u32 = 0;
        for (let p = fromOf(r), to = toOf(r); p < to && user == 0; p++) user = u32At(s.P_USER, piece(p));
        putU32(out, r, user > 0 ? keep(map, keptUsers, user - 1) : 0xffffffff);
      }
      heap.free(map);
      break;
    }
    case Col.EndpointSet: {
      if (endpointSessions != 0) heap.free(endpointSessions);
      endpointSessions = heap.alloc(<usize>templates.count * 4 + 8);
      memory.fill(endpointSessions, 0, <usize>templates.count * 4);
      sets(1);
      return setValues.ptr;
    }
    case Col.IpSet: case Col.HostSet: case Col.IdSet: {
      sets(c - Col.IpSet);
      return setValues.ptr;
    }
    default: return 0;
  }
  return out;
}
