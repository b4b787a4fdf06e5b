import { Vec } from './vec';
import { combine } from './hash';
import { U64Map } from './intern';
import * as ep from './endpoints';

// Groups requests into sessions, SPEC §2, as a stream with bounded memory:
// - per key, the open session keeps its requests (a chain in a pool). A request more than the
//   inactivity timeout after the session's end closes it and opens the next one; a gap equal to
//   the timeout stays in the session. A request more than the timeout *before* it belongs to an
//   earlier session: it becomes a piece of its own.
// - sessions whose end the stream's time has passed by the timeout plus a disorder allowance are
//   closed: their figures computed from their requests, which are then freed.
// - at the end, pieces of one key that touch or bridge within the timeout are merged, so the
//   result does not depend on the order of lines or files. Requests that arrived behind the
//   closing horizon are counted (`late`): they may have been merged into closed sessions.

let inactivity: f64 = 30 * 60 * 1000;
let allowance: f64 = 10 * 60 * 1000;
/** 0: no maximum session length. */
let maxLength: f64 = 0;

export function configureSessions(inactivityMs: f64, allowanceMs: f64, maxLengthMs: f64): void {
  inactivity = inactivityMs;
  allowance = allowanceMs;
  maxLength = maxLengthMs;
}

// ---- the request pool: requests of open sessions only ---------------------------------------

// One 64-byte record per request (one cache line): time f64 @0, next i32 @8, ip @12, ua @16,
// user @20, endpoint @24, host @28, status @32, bytes f64 @40, duration f64 @48.
const REQ: usize = 64;
const pool = new Vec(<i32>REQ, 1 << 14);
let freeReq: i32 = -1;
export let pooled: i32 = 0;
export let pooledPeak: i32 = 0;

@inline function rec(r: i32): usize { return pool.ptr + <usize>r * REQ; }

function allocReq(): i32 {
  pooled++;
  if (pooled > pooledPeak) pooledPeak = pooled;
  if (freeReq >= 0) {
    let r = freeReq;
    freeReq = load<i32>(rec(r), 8);
    return r;
  }
  pool.reserve(1);
  return pool.len++;
}

@inline function setU32(v: Vec, i: i32, x: u32): void { store<u32>(v.ptr + (<usize>i << 2), x); }
@inline function setF64(v: Vec, i: i32, x: f64): void { store<f64>(v.ptr + (<usize>i << 3), x); }
@inline function setU64(v: Vec, i: i32, x: u64): void { store<u64>(v.ptr + (<usize>i << 3), x); }

// ---- open sessions ----------------------------------------------------------------------------

const open = new U64Map(1 << 12);
const oHead = new Vec(4, 1024);
/** Chains keep arrival order (tail append): logs come nearly sorted, so sorting a chain is cheap. */
const oTail = new Vec(4, 1024);
const oStart = new Vec(8, 1024);
const oEnd = new Vec(8, 1024);
const oCount = new Vec(4, 1024);
const oKey = new Vec(8, 1024);
const oKind = new Vec(4, 1024);
/** Dense list of open session indices (for sweeps) and each one's place in it. */
const oList = new Vec(4, 1024);
const oPos = new Vec(4, 1024);
let freeOpen: i32 = -1;

function newOpen(key: u64, kind: i32, t: f64): i32 {
  let o: i32;
  if (freeOpen >= 0) {
    o = freeOpen;
    freeOpen = <i32>oHead.u32At(o);
  } else {
    o = oHead.len;
    oHead.pushU32(0); oTail.pushU32(0); oStart.pushF64(0); oEnd.pushF64(0); oCount.pushU32(0); oKey.pushU64(0);
    oKind.pushU32(0); oPos.pushU32(0);
  }
  setU32(oHead, o, <u32>-1);
  setU32(oTail, o, <u32>-1);
  setF64(oStart, o, t);
  setF64(oEnd, o, t);
  setU32(oCount, o, 0);
  setU64(oKey, o, key);
  setU32(oKind, o, <u32>kind);
  setU32(oPos, o, <u32>oList.len);
  oList.pushU32(<u32>o);
  open.set(key, o);
  return o;
}

function dropOpen(o: i32): void {
  open.delete(oKey.u64At(o));
  // swap-remove from the dense list
  let pos = <i32>oPos.u32At(o);
  let last = <i32>oList.u32At(oList.len - 1);
  setU32(oList, pos, <u32>last);
  setU32(oPos, last, <u32>pos);
  oList.len--;
  setU32(oHead, o, <u32>freeOpen);
  freeOpen = o;
}

export function openCount(): i32 { return oList.len; }

// ---- closed pieces, then final sessions ------------------------------------------------------

export const cStart = new Vec(8, 1024);
export const cEnd = new Vec(8, 1024);
export const cCount = new Vec(4, 1024);
export const cKey = new Vec(8, 1024);
export const cKind = new Vec(4, 1024);
export const cFirstIp = new Vec(4, 1024);
export const cFirstUa = new Vec(4, 1024);
export const cUser = new Vec(4, 1024);
export const cBytes = new Vec(8, 1024);
export const cStatus = new Vec(4 * 6, 1024);
export const cDurSum = new Vec(8, 1024);
export const cDurCount = new Vec(4, 1024);
export const cDurMax = new Vec(8, 1024);
export const cFirstEp = new Vec(4, 1024);
export const cLastEp = new Vec(4, 1024);
/** Distinct counts: IPs, endpoints, hosts. */
export const cIps = new Vec(4, 1024);
export const cEps = new Vec(4, 1024);
export const cHosts = new Vec(4, 1024);
/**
 * The distinct IPs, endpoints and hosts of each piece, as sorted id lists in `setArena`:
 * per piece [offset, length] three times. Kept whole so merged pieces count exactly.
 */
export const cSets = new Vec(24, 1024);
export const setArena = new Vec(4, 1 << 14);
// the current piece's new ids, sealed into the arena when the piece is done
const newIds0 = new Vec(4, 256);
const newIds1 = new Vec(4, 256);
const newIds2 = new Vec(4, 256);
const sortTmp = new Vec(4, 256);
/** Merged away at the end (1) or kept (0). */
export const cGone = new Vec(4, 1024);

export let late: i32 = 0;
export let mergedPieces: i32 = 0;
let maxTime: f64 = -Infinity;
let sinceSweep: i32 = 0;
let serial: u32 = 0;

// stamps: the serial of the last piece that counted an id, for exact distinct counts
const stampIp = new Vec(4, 1024);
const stampEp = new Vec(4, 1024);
const stampHost = new Vec(4, 1024);

function stamp(v: Vec, id: u32): bool {
  while (<i32>id >= v.len) v.pushU32(0);
  let p = v.ptr + (<usize>id << 2);
  if (load<u32>(p) == serial) return false;
  store<u32>(p, serial);
  return true;
}

// scratch for sorting a session's requests
let sortA = new Vec(4, 1024);
let sortB = new Vec(4, 1024);

@inline function reqTime(r: u32): f64 { return load<f64>(rec(<i32>r)); }

function sortReqs(a: usize, tmp: usize, lo: i32, hi: i32): void {
  let n = hi - lo;
  if (n < 2) return;
  let sorted = true;
  for (let i = lo + 1; i < hi; i++) {
    if (reqTime(load<u32>(a + (<usize>i << 2))) < reqTime(load<u32>(a + (<usize>(i - 1) << 2)))) { sorted = false; break; }
  }
  if (sorted) return;
  if (n <= 24) {
    for (let i = lo + 1; i < hi; i++) {
      let v = load<u32>(a + (<usize>i << 2));
      let tv = reqTime(v);
      let j = i - 1;
      while (j >= lo && reqTime(load<u32>(a + (<usize>j << 2))) > tv) {
        store<u32>(a + (<usize>(j + 1) << 2), load<u32>(a + (<usize>j << 2)));
        j--;
      }
      store<u32>(a + (<usize>(j + 1) << 2), v);
    }
    return;
  }
  let mid = lo + (n >> 1);
  sortReqs(a, tmp, lo, mid);
  sortReqs(a, tmp, mid, hi);
  if (reqTime(load<u32>(a + (<usize>(mid - 1) << 2))) <= reqTime(load<u32>(a + (<usize>mid << 2)))) return;
  let i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    let vi = load<u32>(a + (<usize>i << 2));
    let vj = load<u32>(a + (<usize>j << 2));
    if (reqTime(vj) < reqTime(vi)) { store<u32>(tmp + (<usize>k << 2), vj); j++; }
    else { store<u32>(tmp + (<usize>k << 2), vi); i++; }
    k++;
  }
  while (i < mid) { store<u32>(tmp + (<usize>k << 2), load<u32>(a + (<usize>i << 2))); i++; k++; }
  while (j < hi) { store<u32>(tmp + (<usize>k << 2), load<u32>(a + (<usize>j << 2))); j++; k++; }
  memory.copy(a + (<usize>lo << 2), tmp + (<usize>lo << 2), <usize>n << 2);
}

function newPiece(key: u64, kind: u32): i32 {
  let c = cStart.len;
  cStart.pushF64(0); cEnd.pushF64(0); cCount.pushU32(0); cKey.pushU64(key); cKind.pushU32(kind);
  cFirstIp.pushU32(0); cFirstUa.pushU32(0); cUser.pushU32(0); cBytes.pushF64(0);
  memory.fill(cStatus.reserve(1), 0, 24); cStatus.len++;
  cDurSum.pushF64(0); cDurCount.pushU32(0); cDurMax.pushF64(0);
  cFirstEp.pushU32(0); cLastEp.pushU32(0); cIps.pushU32(0); cEps.pushU32(0); cHosts.pushU32(0);
  memory.fill(cSets.reserve(1), 0, 24); cSets.len++;
  cGone.pushU32(0);
  serial++;
  return c;
}

/** Sorts u32 [a, a+n) ascending (merge sort through tmp; small runs by insertion). */
export function sortU32(a: usize, tmp: usize, lo: i32, hi: i32): void {
  let n = hi - lo;
  if (n < 2) return;
  if (n <= 16) {
    for (let i = lo + 1; i < hi; i++) {
      let v = load<u32>(a + (<usize>i << 2));
      let j = i - 1;
      while (j >= lo && load<u32>(a + (<usize>j << 2)) > v) {
        store<u32>(a + (<usize>(j + 1) << 2), load<u32>(a + (<usize>j << 2)));
        j--;
      }
      store<u32>(a + (<usize>(j + 1) << 2), v);
    }
    return;
  }
  let mid = lo + (n >> 1);
  sortU32(a, tmp, lo, mid);
  sortU32(a, tmp, mid, hi);
  let i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    let vi = load<u32>(a + (<usize>i << 2)), vj = load<u32>(a + (<usize>j << 2));
    if (vj < vi) { store<u32>(tmp + (<usize>k << 2), vj); j++; } else { store<u32>(tmp + (<usize>k << 2), vi); i++; }
    k++;
  }
  while (i < mid) { store<u32>(tmp + (<usize>k << 2), load<u32>(a + (<usize>i << 2))); i++; k++; }
  while (j < hi) { store<u32>(tmp + (<usize>k << 2), load<u32>(a + (<usize>j << 2))); j++; k++; }
  memory.copy(a + (<usize>lo << 2), tmp + (<usize>lo << 2), <usize>n << 2);
}

/** Writes a scratch id list, sorted, into the arena as set `which` of piece c. */
function sealSet(c: i32, which: i32, ids: Vec): void {
  let n = ids.len;
  if (sortTmp.cap < n) sortTmp.grow(n);
  sortU32(ids.ptr, sortTmp.ptr, 0, n);
  let off = setArena.len;
  setArena.reserve(n);
  memory.copy(setArena.ptr + (<usize>off << 2), ids.ptr, <usize>n << 2);
  setArena.len += n;
  let p = cSets.ptr + <usize>c * 24 + <usize>(which * 8);
  store<u32>(p, <u32>off);
  store<u32>(p, <u32>n, 4);
  ids.len = 0;
}

/** The piece is complete: its distinct-id lists go to the arena. */
function seal(c: i32): void {
  sealSet(c, 0, newIds0);
  sealSet(c, 1, newIds1);
  sealSet(c, 2, newIds2);
}

/** Adds request r (in time order) to piece c; `first` for the piece's first request. */
function account(c: i32, r: u32, first: bool): void {
  let p = rec(<i32>r);
  let t = load<f64>(p);
  let ip = load<u32>(p, 12), epId = load<u32>(p, 24), host = load<u32>(p, 28);
  if (first) {
    setF64(cStart, c, t);
    setU32(cFirstIp, c, ip);
    setU32(cFirstUa, c, load<u32>(p, 16));
    setU32(cFirstEp, c, epId);
  }
  setF64(cEnd, c, t);
  setU32(cLastEp, c, epId);
  setU32(cCount, c, cCount.u32At(c) + 1);
  if (cUser.u32At(c) == 0) setU32(cUser, c, load<u32>(p, 20));
  let b = load<f64>(p, 40);
  if (b > 0) setF64(cBytes, c, cBytes.f64At(c) + b);
  let st = load<i32>(p, 32);
  let cls = st >= 100 && st < 600 ? st / 100 - 1 : 5;
  let sp = cStatus.ptr + <usize>c * 24 + (<usize>cls << 2);
  store<u32>(sp, load<u32>(sp) + 1);
  let d = load<f64>(p, 48);
  if (d >= 0) {
    setF64(cDurSum, c, cDurSum.f64At(c) + d);
    setU32(cDurCount, c, cDurCount.u32At(c) + 1);
    if (d > cDurMax.f64At(c)) setF64(cDurMax, c, d);
  }
  if (stamp(stampIp, ip)) { setU32(cIps, c, cIps.u32At(c) + 1); newIds0.pushU32(ip); }
  if (stamp(stampEp, epId)) { setU32(cEps, c, cEps.u32At(c) + 1); newIds1.pushU32(epId); }
  if (host != 0 && stamp(stampHost, host)) { setU32(cHosts, c, cHosts.u32At(c) + 1); newIds2.pushU32(host); }
}

/** Closes open session o: sorts its requests, computes its figures as one or more pieces. */
function close(o: i32): void {
  let n = <i32>oCount.u32At(o);
  if (sortA.cap < n) { sortA.grow(n); sortB.grow(n); }
  let r = <i32>oHead.u32At(o);
  let k = 0;
  while (r >= 0) {
    store<u32>(sortA.ptr + (<usize>k << 2), <u32>r);
    k++;
    r = load<i32>(rec(r), 8);
  }
  sortReqs(sortA.ptr, sortB.ptr, 0, n);
  let key = oKey.u64At(o);
  let kind = oKind.u32At(o);
  let c = newPiece(key, kind);
  let start = reqTime(load<u32>(sortA.ptr));
  for (let i = 0; i < n; i++) {
    let q = load<u32>(sortA.ptr + (<usize>i << 2));
    if (maxLength > 0 && reqTime(q) - start > maxLength) {
      seal(c);
      c = newPiece(key, kind);
      start = reqTime(q);
      account(c, q, true);
    } else account(c, q, i == 0);
    // back to the pool
    store<i32>(rec(<i32>q), freeReq, 8);
    freeReq = <i32>q;
    pooled--;
  }
  seal(c);
  dropOpen(o);
}

/** One request: its key, time and the ids of its fields. */
export function add(key: u64, kind: i32, t: f64, ip: u32, ua: u32, user: u32, epId: u32, host: u32, status: i32, bytes: f64, dur: f64): void {
  let o = open.get(key);
  if (o >= 0) {
    let s = oStart.f64At(o), e = oEnd.f64At(o);
    if (t - e > inactivity) {
      close(o);
      o = newOpen(key, kind, t);
    } else if (s - t > inactivity) {
      // an earlier session's request, come late: a piece of its own, merged at the end
      o = -2;
    } else {
      if (t < s) setF64(oStart, o, t);
      if (t > e) setF64(oEnd, o, t);
    }
  } else {
    o = newOpen(key, kind, t);
  }
  let r = allocReq();
  let p = rec(r);
  store<f64>(p, t);
  store<i32>(p, -1, 8);
  store<u32>(p, ip, 12);
  store<u32>(p, ua, 16);
  store<u32>(p, user, 20);
  store<u32>(p, epId, 24);
  store<u32>(p, host, 28);
  store<i32>(p, status, 32);
  store<f64>(p, bytes, 40);
  store<f64>(p, dur, 48);
  if (o == -2) {
    let c = newPiece(key, <u32>kind);
    account(c, <u32>r, true);
    seal(c);
    store<i32>(p, freeReq, 8);
    freeReq = r;
    pooled--;
  } else {
    let tail = <i32>oTail.u32At(o);
    if (tail < 0) setU32(oHead, o, <u32>r);
    else store<i32>(rec(tail), r, 8);
    setU32(oTail, o, <u32>r);
    setU32(oCount, o, oCount.u32At(o) + 1);
  }
  if (t > maxTime) maxTime = t;
  else if (maxTime - t > inactivity + allowance) late++;
  if (++sinceSweep >= 8192) sweep(false);
}

/** Closes the sessions the stream's time has left behind (all of them with `all`). */
export function sweep(all: bool): void {
  sinceSweep = 0;
  let horizon = maxTime - inactivity - allowance;
  let i = 0;
  while (i < oList.len) {
    let o = <i32>oList.u32At(i);
    if (all || oEnd.f64At(o) < horizon) close(o); // swap-remove brings another one to i
    else i++;
  }
}

// ---- the end: merge pieces of one key that touch or bridge -----------------------------------

let order = new Vec(4, 1024);
let orderTmp = new Vec(4, 1024);

@inline function pieceBefore(a: u32, b: u32): bool {
  let ka = cKey.u64At(<i32>a), kb = cKey.u64At(<i32>b);
  if (ka != kb) return ka < kb;
  return cStart.f64At(<i32>a) < cStart.f64At(<i32>b);
}

function sortPieces(a: usize, tmp: usize, lo: i32, hi: i32): void {
  let n = hi - lo;
  if (n < 2) return;
  if (n <= 16) {
    for (let i = lo + 1; i < hi; i++) {
      let v = load<u32>(a + (<usize>i << 2));
      let j = i - 1;
      while (j >= lo && pieceBefore(v, load<u32>(a + (<usize>j << 2)))) {
        store<u32>(a + (<usize>(j + 1) << 2), load<u32>(a + (<usize>j << 2)));
        j--;
      }
      store<u32>(a + (<usize>(j + 1) << 2), v);
    }
    return;
  }
  let mid = lo + (n >> 1);
  sortPieces(a, tmp, lo, mid);
  sortPieces(a, tmp, mid, hi);
  let i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    let vi = load<u32>(a + (<usize>i << 2));
    let vj = load<u32>(a + (<usize>j << 2));
    if (pieceBefore(vj, vi)) { store<u32>(tmp + (<usize>k << 2), vj); j++; }
    else { store<u32>(tmp + (<usize>k << 2), vi); i++; }
    k++;
  }
  while (i < mid) { store<u32>(tmp + (<usize>k << 2), load<u32>(a + (<usize>i << 2))); i++; k++; }
  while (j < hi) { store<u32>(tmp + (<usize>k << 2), load<u32>(a + (<usize>j << 2))); j++; k++; }
  memory.copy(a + (<usize>lo << 2), tmp + (<usize>lo << 2), <usize>n << 2);
}

/** Union of the sorted id sets `which` of pieces a and b, written as a's; returns its size. */
function unionSet(a: i32, b: i32, which: i32): u32 {
  let pa = cSets.ptr + <usize>a * 24 + <usize>(which * 8);
  let pb = cSets.ptr + <usize>b * 24 + <usize>(which * 8);
  let ao = load<u32>(pa), an = load<u32>(pa, 4);
  let bo = load<u32>(pb), bn = load<u32>(pb, 4);
  let off = setArena.len;
  setArena.reserve(<i32>(an + bn));
  let base = setArena.ptr;
  let out = base + (<usize>off << 2);
  let i: u32 = 0, j: u32 = 0, n: u32 = 0;
  while (i < an || j < bn) {
    let x = i < an ? load<u32>(base + (<usize>(ao + i) << 2)) : 0xffffffff;
    let y = j < bn ? load<u32>(base + (<usize>(bo + j) << 2)) : 0xffffffff;
    let v: u32;
    if (i < an && (j >= bn || x <= y)) { v = x; i++; if (j < bn && y == x) j++; }
    else { v = y; j++; }
    store<u32>(out + (<usize>n << 2), v);
    n++;
  }
  setArena.len += <i32>n;
  store<u32>(pa, <u32>off);
  store<u32>(pa, n, 4);
  return n;
}

function mergeInto(a: i32, b: i32): void {
  // b starts no earlier than a (sorted); first fields stay a's, last ones follow the later end
  if (cEnd.f64At(b) >= cEnd.f64At(a)) {
    setF64(cEnd, a, cEnd.f64At(b));
    setU32(cLastEp, a, cLastEp.u32At(b));
  }
  if (cUser.u32At(a) == 0) setU32(cUser, a, cUser.u32At(b));
  setU32(cCount, a, cCount.u32At(a) + cCount.u32At(b));
  setF64(cBytes, a, cBytes.f64At(a) + cBytes.f64At(b));
  for (let i = 0; i < 6; i++) {
    let pa = cStatus.ptr + <usize>a * 24 + (<usize>i << 2);
    store<u32>(pa, load<u32>(pa) + load<u32>(cStatus.ptr + <usize>b * 24 + (<usize>i << 2)));
  }
  setF64(cDurSum, a, cDurSum.f64At(a) + cDurSum.f64At(b));
  setU32(cDurCount, a, cDurCount.u32At(a) + cDurCount.u32At(b));
  if (cDurMax.f64At(b) > cDurMax.f64At(a)) setF64(cDurMax, a, cDurMax.f64At(b));
  setU32(cIps, a, unionSet(a, b, 0));
  setU32(cEps, a, unionSet(a, b, 1));
  setU32(cHosts, a, unionSet(a, b, 2));
  setU32(cGone, b, 1);
  mergedPieces++;
}

/** Closes everything, merges pieces; returns the number of sessions (pieces not merged away). */
export function finishSessions(): i32 {
  sweep(true);
  let n = cStart.len;
  if (order.cap < n) { order.grow(n); orderTmp.grow(n); }
  for (let i = 0; i < n; i++) store<u32>(order.ptr + (<usize>i << 2), <u32>i);
  sortPieces(order.ptr, orderTmp.ptr, 0, n);
  let kept = 0;
  let cur: i32 = -1;
  for (let i = 0; i < n; i++) {
    let c = <i32>load<u32>(order.ptr + (<usize>i << 2));
    if (cur >= 0 && cKey.u64At(c) == cKey.u64At(cur) && cStart.f64At(c) - cEnd.f64At(cur) <= inactivity
      && (maxLength <= 0 || max(cEnd.f64At(c), cEnd.f64At(cur)) - cStart.f64At(cur) <= maxLength)) {
      mergeInto(cur, c);
    } else {
      cur = c;
      kept++;
    }
  }
  // sessions per endpoint, from the final sessions' endpoint sets
  for (let c = 0; c < n; c++) {
    if (cGone.u32At(c) != 0) continue;
    let p = cSets.ptr + <usize>c * 24 + 8;
    let off = load<u32>(p), len = load<u32>(p, 4);
    for (let i: u32 = 0; i < len; i++) ep.countSession(<i32>load<u32>(setArena.ptr + (<usize>(off + i) << 2)));
  }
  return kept;
}

/** The id of piece c: its key hash and start. */
export function pieceId(c: i32): u64 {
  return combine(cKey.u64At(c), reinterpret<u64>(cStart.f64At(c)));
}
