import { Vec } from './vec';
import { combine } from './hash';
import { U64Map } from './intern';
import * as ep from './endpoints';
import { agentId } from './tables';

// Groups requests into sessions, SPEC §2, as a stream with bounded memory:
// - per key, the open session keeps its figures as they come (counts, bytes, status classes,
//   durations, first and last fields by time, and the sets of distinct IPs, endpoints and
//   hosts), not its requests. A request more than the inactivity timeout after the session's
//   end closes it and opens the next one; a gap equal to the timeout stays in the session. A
//   request more than the timeout *before* it belongs to an earlier session: a piece of its own.
// - sessions whose end the stream's time has passed by the timeout plus a disorder allowance are
//   closed: written out as pieces, their memory reused. JS takes the pieces after every chunk
//   (src/lib/core/pieces.ts) and the columns start again empty: what the core holds is bounded by
//   the sessions open at once, not by the input.
// - at the end, pieces of one key that touch or bridge within the timeout are merged (merge.ts,
//   JS handing the pieces' columns back one at a time), so the result does not depend on the
//   order of lines or files. Requests that arrived behind the closing horizon are counted
//   (`late`): they may have been merged into closed sessions.
// The maximum session length, when set, cuts a session when a request comes more than that after
// its start, the requests of a key taken in time order (see "held" below: exact unless late).

let inactivity: f64 = 30 * 60 * 1000;
let allowance: f64 = 10 * 60 * 1000;
/** 0: no maximum session length. */
let maxLength: f64 = 0;
/** The maximum session length, Infinity for none (one compare in place()). */
let maxSpan: f64 = Infinity;

export function configureSessions(inactivityMs: f64, allowanceMs: f64, maxLengthMs: f64): void {
  inactivity = inactivityMs;
  allowance = allowanceMs;
  maxLength = maxLengthMs;
  maxSpan = maxLengthMs > 0 ? maxLengthMs : Infinity;
}

// ---- small id sets: linear while small, hashed when they grow ---------------------------------

// A set lives in its open session's record (no header elsewhere to look up): 16 id slots, then
// its count @64 and, once it outgrew them, a hash table @68 (0: none) of @72 slots. The slots a
// linear set does not use hold 0xffffffff, so a membership test needs no mask (an id of
// 0xffffffff takes the masked test). Hashed sets are open-addressing tables with 0xffffffff for
// empty slots.
// The object-id set is a log instead (see idPut): its ids are mostly new to the session, so a
// membership test per request costs more than sorting the repeats out when it is sealed.
const SET_BYTES: usize = 80;
const LINEAR_MAX: u32 = 16;

/** An id's home slot (the ids are table indices, small numbers: scattered by a multiplication). */
@inline function slotOf(id: u32, mask: u32): u32 {
  return (id * 0x9e3779b1) & mask;
}

function hashInsert(data: usize, mask: u32, id: u32): bool {
  let k = slotOf(id, mask);
  while (true) {
    let p = data + (<usize>k << 2);
    let v = load<u32>(p);
    if (v == id) return false;
    if (v == 0xffffffff) { store<u32>(p, id); return true; }
    k = (k + 1) & mask;
  }
}

/** Lanes equal to id among the 16 slots at s, as 16 bits. */
@inline function linearHits(s: usize, id: u32): u32 {
  let needle = i32x4.splat(id);
  let a = i16x8.narrow_i32x4_s(i32x4.eq(v128.load(s), needle), i32x4.eq(v128.load(s, 16), needle));
  let b = i16x8.narrow_i32x4_s(i32x4.eq(v128.load(s, 32), needle), i32x4.eq(v128.load(s, 48), needle));
  return i8x16.bitmask(i8x16.narrow_i16x8_s(a, b));
}

/** Whether id is in linear set s of n ids or was added to it: false when it is not and s is full. */
@inline function linearAdd(s: usize, n: u32, id: u32): bool {
  if (linearHits(s, id) & ((<u32>1 << n) - 1)) return true;
  if (n >= LINEAR_MAX) return false;
  store<u32>(s + (<usize>n << 2), id);
  store<u32>(s, n + 1, 64);
  return true;
}

/** Adds id to set s (not in its linear slots with room: hashed, full or an id of 0xffffffff). */
function setAdd(s: usize, id: u32): void {
  let n = load<u32>(s, 64);
  let data = <usize>load<u32>(s, 68);
  let cap = load<u32>(s, 72);
  if (data == 0) {
    if (linearAdd(s, n, id)) return;
    // full: becomes a hash table of 4× the ids
    cap = LINEAR_MAX << 2;
    data = heap.alloc(<usize>cap << 2);
    memory.fill(data, 0xff, <usize>cap << 2);
    for (let k: u32 = 0; k < n; k++) hashInsert(data, cap - 1, load<u32>(s + (<usize>k << 2)));
    store<u32>(s, <u32>data, 68);
    store<u32>(s, cap, 72);
  }
  if (!hashInsert(data, cap - 1, id)) return;
  n++;
  store<u32>(s, n, 64);
  if (n * 2 > cap) {
    // 4× the room: half the ids moved, over all the growth, that doubling moves
    let ncap = cap << 2;
    let table = heap.alloc(<usize>ncap << 2);
    memory.fill(table, 0xff, <usize>ncap << 2);
    for (let k: u32 = 0; k < cap; k++) {
      let v = load<u32>(data + (<usize>k << 2));
      if (v != 0xffffffff) hashInsert(table, ncap - 1, v);
    }
    heap.free(data);
    store<u32>(s, <u32>table, 68);
    store<u32>(s, ncap, 72);
  }
}

/**
 * linearAdd for an id other than 0xffffffff, which the unused slots hold: any hit is a member, so
 * no mask. False when id is not there and s is full.
 */
@inline function linearPut(s: usize, n: u32, id: u32): bool {
  if (linearHits(s, id) != 0) return true;
  if (n >= LINEAR_MAX) return false;
  store<u32>(s + (<usize>n << 2), id);
  store<u32>(s, n + 1, 64);
  return true;
}

/** Adds id to set s, the common case inline: a linear set with room, or the id there already. */
@inline function setPut(s: usize, id: u32): void {
  if (load<u32>(s, 68) != 0 || id == 0xffffffff || !linearPut(s, load<u32>(s, 64), id)) setAdd(s, id);
}

// The object-id set: linear while small, like the others; past 16 ids a log in a heap block @68
// of @72 slots (and 16 bytes), @64 ids, repeats included (they are mostly new to the session: a membership test
// per request cost more than dropping the repeats when the set is sealed). A full block of 256 or
// more is sorted and its repeats dropped before it grows: it holds at most 4x the distinct ids.
const ID_LOG_FIRST: u32 = 64;
const ID_LOG_SORTED: u32 = 256;

/** Adds id to object-id set s, the common cases inline: a linear set (as setPut) or a log with room. */
@inline function idPut(s: usize, id: u32): void {
  let n = load<u32>(s, 64);
  let data = <usize>load<u32>(s, 68);
  if (data != 0) {
    if (n < load<u32>(s, 72)) {
      store<u32>(data + (<usize>n << 2), id);
      store<u32>(s, n + 1, 64);
    } else idAdd(s, id);
  } else if (id == 0xffffffff || !linearPut(s, n, id)) idAdd(s, id);
}

/** Adds id to object-id set s: linear with an id of 0xffffffff, full (becomes a log) or a full log. */
function idAdd(s: usize, id: u32): void {
  let n = load<u32>(s, 64);
  let data = <usize>load<u32>(s, 68);
  let cap = load<u32>(s, 72);
  if (data == 0) {
    if (linearAdd(s, n, id)) return;
    cap = ID_LOG_FIRST;
    data = heap.alloc((<usize>cap << 2) + 16);
    memory.copy(data, s, <usize>n << 2);
  } else {
    if (cap >= ID_LOG_SORTED) n = sortIds(data, n, data);
    if (n * 2 > cap) {
      cap <<= 1;
      data = heap.realloc(data, (<usize>cap << 2) + 16);
    }
  }
  store<u32>(data + (<usize>n << 2), id);
  store<u32>(s, n + 1, 64);
  store<u32>(s, <u32>data, 68);
  store<u32>(s, cap, 72);
}

/** Room for sortIds' table. */
const idTable = new Vec(4, 1024);

/**
 * Writes the distinct ids of the n at a, sorted, to dst (room for n; may be a): how many. They
 * are placed by their top bits in a table of twice their number (linear probing, no wrapping
 * round: room after it), where a repeat meets its first, so the table holds them nearly in order;
 * read out, each moves past the few out of place. 0xffffffff marks empty slots: that id is
 * noted aside and goes last.
 */
function sortIds(a: usize, n: u32, dst: usize): u32 {
  let bits = 33 - clz<u32>(n);
  let shift = <u32>32 - bits;
  let size = ((<u32>1 << bits) + n + 3) & ~3;
  if (<u32>idTable.cap < size) idTable.grow(<i32>size);
  let table = idTable.ptr;
  let empty = i32x4.splat(-1);
  for (let k: u32 = 0; k < size; k += 4) v128.store(table + (<usize>k << 2), empty);
  let hasMax = false;
  for (let k: u32 = 0; k < n; k++) {
    let id = load<u32>(a + (<usize>k << 2));
    if (id == 0xffffffff) { hasMax = true; continue; }
    let p = table + (<usize>(id >>> shift) << 2);
    while (true) {
      let v = load<u32>(p);
      if (v == id) break;
      if (v == 0xffffffff) { store<u32>(p, id); break; }
      p += 4;
    }
  }
  // read out four slots at a time (their ids moved to the front and stored as a whole: dst has
  // room for 3 more ids, as a Vec or a log's block has), then put in order
  let m: u32 = 0;
  for (let k: u32 = 0; k < size; k += 4) {
    let v = v128.load(table + (<usize>k << 2));
    let keep = ~i32x4.bitmask(i32x4.eq(v, empty)) & 15;
    if (keep == 0) continue;
    v128.store(dst + (<usize>m << 2), i8x16.swizzle(v, v128.load(COMPACT + (<usize>keep << 4))));
    m += popcnt<u32>(keep);
  }
  let prev = m > 0 ? load<u32>(dst) : 0;
  for (let i: u32 = 1; i < m; i++) {
    let v = load<u32>(dst + (<usize>i << 2));
    if (v > prev) {
      prev = v;
      continue;
    }
    let j = i;
    while (j > 0 && v < load<u32>(dst + (<usize>(j - 1) << 2))) {
      store<u32>(dst + (<usize>j << 2), load<u32>(dst + (<usize>(j - 1) << 2)));
      j--;
    }
    store<u32>(dst + (<usize>j << 2), v);
  }
  if (hasMax) store<u32>(dst + (<usize>(m++) << 2), 0xffffffff);
  return m;
}

/** Copies hashed set s's ids into list (unsorted). */
function setDump(s: usize, list: Vec): void {
  let data = <usize>load<u32>(s, 68);
  let n = load<u32>(s, 64);
  let cap = load<u32>(s, 72);
  // room made once: four slots at a time, their ids moved to the front (COMPACT) and stored as a
  // whole; the rest of the store lands just past them: in the room, or in the 16 bytes every Vec
  // keeps after it (a table has a multiple of 4 slots)
  let w = list.reserve(<i32>n);
  let empty = i32x4.splat(-1);
  for (let k: u32 = 0; k < cap; k += 4) {
    let v = v128.load(data + (<usize>k << 2));
    let keep = ~i32x4.bitmask(i32x4.eq(v, empty)) & 15;
    if (keep == 0) continue;
    v128.store(w, i8x16.swizzle(v, v128.load(COMPACT + (<usize>keep << 4))));
    w += <usize>popcnt<u32>(keep) << 2;
  }
  list.len += <i32>n;
}

/** Per 4-bit mask of lanes: the swizzle that moves those lanes' 4 bytes to the front, in order. */
const COMPACT = memory.data<u8>([128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 0, 1, 2, 3, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 4, 5, 6, 7, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 0, 1, 2, 3, 4, 5, 6, 7, 128, 128, 128, 128, 128, 128, 128, 128, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 0, 1, 2, 3, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128, 4, 5, 6, 7, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 128, 128, 128, 128, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 0, 1, 2, 3, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, 4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, 0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 128, 128, 128, 128, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

@inline function setU32(v: Vec, i: i32, x: u32): void { store<u32>(v.ptr + (<usize>i << 2), x); }
@inline function setF64(v: Vec, i: i32, x: f64): void { store<f64>(v.ptr + (<usize>i << 3), x); }

// ---- open sessions: one 544-byte record each --------------------------------------------------

// start f64 @0, end f64 @8, key u64 @16, kind @24, count @28, bytes f64 @32, durSum f64 @40,
// durMax f64 @48, durCount @56, firstIp @60, firstUa @64, user @68, userTime f64 @72,
// firstEp @80, lastEp @84, pos in oList @88, next free @92, status 6×u32 @96, attacks 7×u32 @136,
// auth failures @164, not found @168, gaps @172, gap sum f64 @176, gap sum of squares f64 @184,
// listed (reachable by its key) @192, slow requests @200,
// error burst: start f64 @208, count @216, largest @220; the sets of IPs, endpoints, hosts and
// object ids (SET_BYTES each) @224.
const SETS: usize = 224;
const OPEN: usize = SETS + 4 * SET_BYTES;
/** Server errors within this long of the first make one burst. */
const BURST_MS: f64 = 60_000;
// room for the open sessions at a low load: most lookups find theirs at the first slot
const open = new U64Map(1 << 14);
const oRecs = new Vec(<i32>OPEN, 1024);
/** Dense list of open session indices, for sweeps. */
const oList = new Vec(4, 1024);
let freeOpen: i32 = -1;
export let openPeak: i32 = 0;

@inline function orec(o: i32): usize { return oRecs.ptr + <usize>o * OPEN; }
/** Set `which` (0 IPs, 1 endpoints, 2 hosts, 3 object ids) of the open session at r. */
@inline function setOf(r: usize, which: i32): usize { return r + SETS + <usize>which * SET_BYTES; }

/** A new open session; `listed`: reachable by its key (a late piece is not). */
function newOpen(key: u64, kind: i32, listed: bool = true): i32 {
  let o: i32;
  if (freeOpen >= 0) {
    o = freeOpen;
    freeOpen = load<i32>(orec(o), 92);
  } else {
    oRecs.reserve(1);
    o = oRecs.len++;
  }
  let r = orec(o);
  memory.fill(r, 0, OPEN);
  // the sets' unused slots hold 0xffffffff
  let ones = i32x4.splat(-1);
  for (let k = 0; k < 4; k++) {
    let s = setOf(r, k);
    v128.store(s, ones);
    v128.store(s, ones, 16);
    v128.store(s, ones, 32);
    v128.store(s, ones, 48);
  }
  store<u64>(r, key, 16);
  store<u32>(r, <u32>kind, 24);
  store<u32>(r, <u32>oList.len, 88);
  oList.pushU32(<u32>o);
  if (oList.len > openPeak) openPeak = oList.len;
  if (listed) {
    open.set(key, o);
    store<u32>(r, 1, 192);
  }
  return o;
}

function dropOpen(o: i32): void {
  let r = orec(o);
  let key = load<u64>(r, 16);
  // a listed session is the one its key finds (a key's next opens only once it is closed)
  if (load<u32>(r, 192) != 0) open.delete(key);
  for (let k = 0; k < 4; k++) {
    let table = load<u32>(setOf(r, k), 68);
    if (table != 0) heap.free(<usize>table);
  }
  // swap-remove from the dense list
  let pos = <i32>load<u32>(r, 88);
  let last = <i32>oList.u32At(oList.len - 1);
  store<u32>(oList.ptr + (<usize>pos << 2), <u32>last);
  store<u32>(orec(last), <u32>pos, 88);
  oList.len--;
  store<i32>(r, freeOpen, 92);
  freeOpen = o;
}


/** The first id of an empty set (a new session's): no search, no growth. */
@inline function setFirst(s: usize, id: u32): void {
  store<u32>(s, id);
  store<u32>(s, 1, 64);
}

/** Folds one request into open session o. */
/** `ua`: the agent's id, or -1 to intern the current request's only if the session shows it. */
@inline function absorb(o: i32, t: f64, ip: u32, user: u32, epId: u32, host: u32, status: i32, bytes: f64, dur: f64, attacks: u32, ua: i32, slow: bool, rawHash: u64): void {
  let r = orec(o);
  let n = load<u32>(r, 28);
  store<u32>(r, n + 1, 28);
  if (n == 0) {
    // a new session (its sets empty)
    store<f64>(r, t);
    store<f64>(r, t, 8);
    store<u32>(r, ip, 60);
    store<u32>(r, ua >= 0 ? <u32>ua : agentId(), 64);
    store<u32>(r, epId, 80);
    store<u32>(r, epId, 84);
    setFirst(setOf(r, 0), ip);
    setFirst(setOf(r, 1), epId);
  } else {
    // the first IP and the first and last endpoints are in the sets already: no lookup for them
    // (a session's requests mostly come from one address, often to the endpoint of the last)
    let newIp = ip != load<u32>(r, 60);
    let newEp = epId != load<u32>(r, 80) && epId != load<u32>(r, 84);
    // first fields from the earliest request (the first to come on a tie), last from the latest
    if (t < load<f64>(r)) {
      store<f64>(r, t);
      store<u32>(r, ip, 60);
      store<u32>(r, ua >= 0 ? <u32>ua : agentId(), 64);
      store<u32>(r, epId, 80);
    }
    let end = load<f64>(r, 8);
    if (t >= end) {
      if (t > end) {
        // the rhythm of arrivals: the gaps between the latest times (the end is the latest)
        let gap = t - end;
        store<u32>(r, load<u32>(r, 172) + 1, 172);
        store<f64>(r, load<f64>(r, 176) + gap, 176);
        store<f64>(r, load<f64>(r, 184) + gap * gap, 184);
      }
      store<f64>(r, t, 8);
      store<u32>(r, epId, 84);
    }
    if (newIp) setPut(setOf(r, 0), ip);
    if (newEp) setPut(setOf(r, 1), epId);
  }
  // behaviour counters: attacks by type, failed logins, not-found, server error bursts
  if (attacks != 0) {
    for (let k = 0; k < 7; k++) {
      if (attacks & (<u32>1 << <u32>k)) {
        let p = r + 136 + (<usize>k << 2);
        store<u32>(p, load<u32>(p) + 1);
      }
    }
  }
  let flags = ep.epFlags.u32At(<i32>epId);
  let s = <u32>(status - 100);
  let cls: u32 = s < 500 ? s / 100 : 5;
  let sp = r + 96 + (<usize>cls << 2);
  store<u32>(sp, load<u32>(sp) + 1);
  if (cls == 3) {
    if ((status == 401 || status == 403) && (flags & ep.FLAG_LOGIN)) store<u32>(r, load<u32>(r, 164) + 1, 164);
    if (status == 404) store<u32>(r, load<u32>(r, 168) + 1, 168);
  } else if (cls == 4) {
    let bs = load<f64>(r, 208);
    let bc = load<u32>(r, 216);
    if (bc > 0 && t >= bs && t - bs <= BURST_MS) bc++;
    else { bc = 1; store<f64>(r, t, 208); }
    store<u32>(r, bc, 216);
    if (bc > load<u32>(r, 220)) store<u32>(r, bc, 220);
  }
  if (slow) store<u32>(r, load<u32>(r, 200) + 1, 200);
  if (flags & ep.FLAG_ID) idPut(setOf(r, 3), <u32>rawHash);
  if (bytes > 0) store<f64>(r, load<f64>(r, 32) + bytes, 32);
  if (dur >= 0) {
    store<f64>(r, load<f64>(r, 40) + dur, 40);
    store<u32>(r, load<u32>(r, 56) + 1, 56);
    if (dur > load<f64>(r, 48)) store<f64>(r, dur, 48);
  }
  if (user != 0 && (load<u32>(r, 68) == 0 || t < load<f64>(r, 72))) {
    store<u32>(r, user, 68);
    store<f64>(r, t, 72);
  }
  if (host != 0) setPut(setOf(r, 2), host);
}

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
/**
 * The distinct IPs, endpoints, hosts and object ids of each piece, as sorted id lists in
 * `setArena`: per piece [offset, length] four times (the lengths are the distinct counts). Kept
 * whole so merged pieces count exactly.
 */
export const cSets = new Vec(32, 1024);
export const setArena = new Vec(4, 1 << 14);
/** Ids taken out of the arena so far: a piece's offsets count from the start of the import's arena. */
let arenaBase: u32 = 0;
/** A hashed set's ids, sorted there on their way to the arena. */
const newIds0 = new Vec(4, 256);
const sortTmp = new Vec(4, 256);
/** Attacks by type (7 per piece); failed logins, not-found, arrival gaps: count, sum, sum of squares. */
export const cAttacks = new Vec(4 * 7, 1024);
export const cAuthFail = new Vec(4, 1024);
export const cNotFound = new Vec(4, 1024);
export const cGapN = new Vec(4, 1024);
export const cGapSum = new Vec(8, 1024);
export const cGapSq = new Vec(8, 1024);
/** Requests slow for their endpoint; the largest burst of server errors within a minute. */
export const cSlow = new Vec(4, 1024);
export const cBurst = new Vec(4, 1024);
/** Session ids: the key hash and start (a merged session keeps its first piece's). */
export const cId = new Vec(8, 1024);

export let late: i32 = 0;
let maxTime: f64 = -Infinity;
let sinceSweep: i32 = 0;

/** Every piece column: they grow alike (same start, same steps) and are emptied together. */
const pieceColumns: StaticArray<Vec> = [
  cStart, cEnd, cCount, cKey, cKind, cFirstIp, cFirstUa, cUser, cBytes, cStatus, cDurSum, cDurCount, cDurMax,
  cFirstEp, cLastEp, cSets, cAttacks, cSlow, cBurst, cAuthFail, cNotFound, cGapN, cGapSum, cGapSq, cId
];

/**
 * Room for one more piece in every column (one column's capacity tells for all); its index.
 * cStart.len counts the pieces of every column (the others' lengths stay 0: nothing reads them).
 */
@inline function pieceRoom(): i32 {
  let c = cStart.len;
  if (c >= cStart.cap) for (let k = 0; k < pieceColumns.length; k++) unchecked(pieceColumns[k]).grow(c + 1);
  cStart.len = c + 1;
  return c;
}

/** The pieces were taken (by JS): the columns and the arena start again empty, keeping their room. */
export function resetPieces(): void {
  arenaBase += <u32>setArena.len;
  for (let k = 0; k < pieceColumns.length; k++) unchecked(pieceColumns[k]).len = 0;
  setArena.len = 0;
}

/**
 * Sorts the u32 values [lo, hi) at a ascending (merge sort through tmp; small runs by insertion).
 * Compared inline: an indirect comparator call per step cost more than the sort itself.
 */
export function sortU32(a: usize, tmp: usize, lo: i32, hi: i32): void {
  let n = hi - lo;
  if (n < 2) return;
  if (n <= 16) {
    for (let i = lo + 1; i < hi; i++) {
      let v = load<u32>(a + (<usize>i << 2));
      let j = i - 1;
      while (j >= lo && v < load<u32>(a + (<usize>j << 2))) {
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
  // already in order across the halves (ids mostly arrive ascending): nothing to merge
  if (load<u32>(a + (<usize>(mid - 1) << 2)) <= load<u32>(a + (<usize>mid << 2))) return;
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

/** The lanes of the 16 slots a0..a3 below x (signed), as 16 bits. */
@inline function lanesBelow(a0: v128, a1: v128, a2: v128, a3: v128, x: v128): u32 {
  let lo = i16x8.narrow_i32x4_s(i32x4.lt_s(a0, x), i32x4.lt_s(a1, x));
  let hi = i16x8.narrow_i32x4_s(i32x4.lt_s(a2, x), i32x4.lt_s(a3, x));
  return i8x16.bitmask(i8x16.narrow_i16x8_s(lo, hi));
}

/** Writes n ids at a, sorted, into the arena as set `which` of piece c. */
function sealIds(c: i32, which: i32, a: usize, n: i32): void {
  let off = setArena.len;
  let dst = setArena.reserve(n);
  memory.copy(dst, a, <usize>n << 2);
  setArena.len += n;
  let p = cSets.ptr + <usize>c * 32 + <usize>(which * 8);
  store<u32>(p, arenaBase + <u32>off);
  store<u32>(p, <u32>n, 4);
}

/**
 * Set s of the closing session into the arena as set `which` of piece c, sorted. A linear set's
 * (distinct) ids go straight there, each at its rank: the count of smaller ones (SIMD compares,
 * unsigned as signed with the top bit flipped; the unused slots' 0xffffffff is smaller than none).
 * An object-id log: see sortIds.
 */
function sealOf(c: i32, which: i32, s: usize): void {
  let data = <usize>load<u32>(s, 68);
  if (data != 0 && which == 3) {
    let off = setArena.len;
    let m = sortIds(data, load<u32>(s, 64), setArena.reserve(<i32>load<u32>(s, 64)));
    setArena.len += <i32>m;
    let p = cSets.ptr + <usize>c * 32 + <usize>(which * 8);
    store<u32>(p, arenaBase + <u32>off);
    store<u32>(p, m, 4);
    return;
  }
  if (data != 0) {
    setDump(s, newIds0);
    let n = newIds0.len;
    if (sortTmp.cap < n) sortTmp.grow(n);
    sortU32(newIds0.ptr, sortTmp.ptr, 0, n);
    sealIds(c, which, newIds0.ptr, n);
    newIds0.len = 0;
    return;
  }
  let n = load<u32>(s, 64);
  let off = setArena.len;
  let dst = setArena.reserve(<i32>n);
  if (n == 1) store<u32>(dst, load<u32>(s));
  else if (n > 1) {
    let a0 = v128.load(s), a1 = v128.load(s, 16), a2 = v128.load(s, 32), a3 = v128.load(s, 48);
    let used = (<u32>1 << n) - 1;
    if ((lanesBelow(a0, a1, a2, a3, i32x4.splat(0)) & used) == 0) {
      // ids below 2^31 (table indices: all but object ids) compare as signed; the unused slots
      // (0xffffffff, -1) are masked out
      for (let k: u32 = 0; k < n; k++) {
        let v = load<u32>(s + (<usize>k << 2));
        store<u32>(dst + (<usize>popcnt<u32>(lanesBelow(a0, a1, a2, a3, i32x4.splat(v)) & used) << 2), v);
      }
    } else {
      let top = i32x4.splat(0x80000000);
      a0 = v128.xor(a0, top);
      a1 = v128.xor(a1, top);
      a2 = v128.xor(a2, top);
      a3 = v128.xor(a3, top);
      for (let k: u32 = 0; k < n; k++) {
        let v = load<u32>(s + (<usize>k << 2));
        store<u32>(dst + (<usize>popcnt<u32>(lanesBelow(a0, a1, a2, a3, i32x4.splat(v ^ 0x80000000))) << 2), v);
      }
    }
  }
  setArena.len += <i32>n;
  let p = cSets.ptr + <usize>c * 32 + <usize>(which * 8);
  store<u32>(p, arenaBase + <u32>off);
  store<u32>(p, n, 4);
}

/** Copies a row of 16 to 32 bytes: two 16-byte moves, the overlap written alike (no call). */
@inline function copyRow(dst: usize, src: usize, bytes: usize): void {
  v128.store(dst, v128.load(src));
  v128.store(dst + bytes - 16, v128.load(src + bytes - 16));
}

/** Set s into the arena as set `which` of piece c: an empty set or one id without a call. */
@inline function seal(c: i32, which: i32, s: usize): void {
  let n = load<u32>(s, 64);
  if (n <= 1 && load<u32>(s, 68) == 0) {
    let off = setArena.len;
    if (n != 0) {
      store<u32>(setArena.reserve(1), load<u32>(s));
      setArena.len = off + 1;
    }
    let p = cSets.ptr + <usize>c * 32 + <usize>(which * 8);
    store<u32>(p, arenaBase + <u32>off);
    store<u32>(p, n, 4);
  } else sealOf(c, which, s);
}

/** Closes open session o: writes it out as a piece. */
function close(o: i32): void {
  let r = orec(o);
  let c = pieceRoom();
  let key = load<u64>(r, 16), start = load<f64>(r);
  setF64(cStart, c, start);
  store<u64>(cKey.ptr + (<usize>c << 3), key);
  setU32(cKind, c, load<u32>(r, 24));
  store<u64>(cId.ptr + (<usize>c << 3), combine(key, reinterpret<u64>(start)));
  setF64(cEnd, c, load<f64>(r, 8));
  setU32(cCount, c, load<u32>(r, 28));
  setF64(cBytes, c, load<f64>(r, 32));
  setF64(cDurSum, c, load<f64>(r, 40));
  setF64(cDurMax, c, load<f64>(r, 48));
  setU32(cDurCount, c, load<u32>(r, 56));
  setU32(cFirstIp, c, load<u32>(r, 60));
  setU32(cFirstUa, c, load<u32>(r, 64));
  setU32(cUser, c, load<u32>(r, 68));
  setU32(cFirstEp, c, load<u32>(r, 80));
  setU32(cLastEp, c, load<u32>(r, 84));
  copyRow(cStatus.ptr + <usize>c * 24, r + 96, 24);
  for (let k = 0; k < 4; k++) seal(c, k, setOf(r, k));
  copyRow(cAttacks.ptr + <usize>c * 28, r + 136, 28);
  setU32(cAuthFail, c, load<u32>(r, 164));
  setU32(cNotFound, c, load<u32>(r, 168));
  setU32(cGapN, c, load<u32>(r, 172));
  setF64(cGapSum, c, load<f64>(r, 176));
  setF64(cGapSq, c, load<f64>(r, 184));
  setU32(cSlow, c, load<u32>(r, 200));
  setU32(cBurst, c, load<u32>(r, 220));
  dropOpen(o);
}

/** One request: its key, time and the ids of its fields (and ep.lastSlow, ep.lastRawHash). */
export function add(key: u64, kind: i32, t: f64, ip: u32, user: u32, epId: u32, host: u32, status: i32, bytes: f64, dur: f64, attacks: u32): void {
  let isLate = arrive(t);
  if (maxLength > 0 && !isLate) {
    hold(key, kind, t, ip, user, epId, host, status, bytes, dur, attacks);
  } else {
    place(key, kind, t, ip, user, epId, host, status, bytes, dur, attacks, -1, ep.lastSlow, ep.lastRawHash);
  }
  if (maxLength > 0) release(maxTime - inactivity - allowance);
  if (++sinceSweep >= 8192) sweep(false);
}

/** Folds a request into its key's open session, closing that one first when the request starts the next. */
@inline function place(key: u64, kind: i32, t: f64, ip: u32, user: u32, epId: u32, host: u32, status: i32, bytes: f64, dur: f64, attacks: u32, ua: i32, slow: bool, rawHash: u64): void {
  let o = open.get(key);
  let alone = false;
  if (o >= 0) {
    let r = orec(o);
    let s = load<f64>(r), e = load<f64>(r, 8);
    if (t - e > inactivity || t - s > maxSpan) {
      close(o);
      o = newOpen(key, kind);
    } else if (s - t > inactivity) {
      // an earlier session's request, come late: a piece of its own, merged at the end
      o = newOpen(key, kind, false);
      alone = true;
    }
  } else {
    o = newOpen(key, kind);
  }
  // one call of absorb: inlined here
  absorb(o, t, ip, user, epId, host, status, bytes, dur, attacks, ua, slow, rawHash);
  if (alone) close(o);
}

/** The stream's clock: true when t is behind it by more than the timeout and the allowance (late). */
@inline function arrive(t: f64): bool {
  if (t > maxTime) maxTime = t;
  else if (maxTime - t > inactivity + allowance) {
    late++;
    return true;
  }
  return false;
}

// ---- with a maximum session length: requests held, then placed in time order ------------------

// Where a session is cut depends on its start, so on every earlier request of its key: placed in
// the order read, out-of-order lines would move the cut (SPEC §2 wants the same sessions whatever
// the order). With a maximum length set, each request is held until the stream's clock is past
// it by the timeout plus the disorder allowance — the horizon behind which a request counts as
// late — and the held ones are placed oldest first: the sessions are exact unless requests came
// late (counted in `late`; they are placed as they come and their pieces merged at the end by
// src/lib/core/pieces.ts). What is held is the traffic of that window, not the input.
// A held request, 80 bytes: key u64 @0, t f64 @8, bytes f64 @16, dur f64 @24, raw path hash u64
// @32, kind @40, ip @44, user @48, endpoint @52, host @56, status @60, attacks @64, agent @68,
// slow @72, next free @76.
const HELD: usize = 80;
const held = new Vec(<i32>HELD, 1024);
let freeHeld: i32 = -1;
/** Min-heap of the held requests by (time, arrival): per entry t f64, arrival u32, record u32. */
const queue = new Vec(16, 1024);
let arrivals: u32 = 0;

@inline function hrec(i: i32): usize { return held.ptr + <usize>i * HELD; }
@inline function qat(i: i32): usize { return queue.ptr + (<usize>i << 4); }

@inline function before(a: usize, b: usize): bool {
  let ta = load<f64>(a), tb = load<f64>(b);
  return ta < tb || (ta == tb && load<u32>(a, 8) < load<u32>(b, 8));
}

@inline function swap16(a: usize, b: usize): void {
  let x = v128.load(a);
  v128.store(a, v128.load(b));
  v128.store(b, x);
}

function hold(key: u64, kind: i32, t: f64, ip: u32, user: u32, epId: u32, host: u32, status: i32, bytes: f64, dur: f64, attacks: u32): void {
  let i: i32;
  if (freeHeld >= 0) {
    i = freeHeld;
    freeHeld = load<i32>(hrec(i), 76);
  } else {
    held.reserve(1);
    i = held.len++;
  }
  let r = hrec(i);
  store<u64>(r, key);
  store<f64>(r, t, 8);
  store<f64>(r, bytes, 16);
  store<f64>(r, dur, 24);
  store<u64>(r, ep.lastRawHash, 32);
  store<i32>(r, kind, 40);
  store<u32>(r, ip, 44);
  store<u32>(r, user, 48);
  store<u32>(r, epId, 52);
  store<u32>(r, host, 56);
  store<i32>(r, status, 60);
  store<u32>(r, attacks, 64);
  // the agent's bytes are gone by the time the request is placed: its id now
  store<u32>(r, agentId(), 68);
  store<u32>(r, ep.lastSlow ? 1 : 0, 72);
  queue.reserve(1);
  let k = queue.len++;
  let e = qat(k);
  store<f64>(e, t);
  store<u32>(e, arrivals++, 8);
  store<u32>(e, <u32>i, 12);
  while (k > 0) {
    let parent = (k - 1) >> 1;
    if (!before(qat(k), qat(parent))) break;
    swap16(qat(k), qat(parent));
    k = parent;
  }
}

/** Places the held requests older than `horizon`, oldest first. */
function release(horizon: f64): void {
  while (queue.len > 0 && load<f64>(qat(0)) < horizon) {
    let i = <i32>load<u32>(qat(0), 12);
    // pop: the last entry to the root, sifted down
    queue.len--;
    if (queue.len > 0) {
      v128.store(qat(0), v128.load(qat(queue.len)));
      let k = 0;
      while (true) {
        let l = 2 * k + 1;
        if (l >= queue.len) break;
        let m = l + 1 < queue.len && before(qat(l + 1), qat(l)) ? l + 1 : l;
        if (!before(qat(m), qat(k))) break;
        swap16(qat(m), qat(k));
        k = m;
      }
    }
    let r = hrec(i);
    place(load<u64>(r), load<i32>(r, 40), load<f64>(r, 8), load<u32>(r, 44), load<u32>(r, 48), load<u32>(r, 52), load<u32>(r, 56), load<i32>(r, 60), load<f64>(r, 16), load<f64>(r, 24), load<u32>(r, 64), load<i32>(r, 68), load<u32>(r, 72) != 0, load<u64>(r, 32));
    store<i32>(r, freeHeld, 76);
    freeHeld = i;
  }
}

/** Closes the sessions the stream's time has left behind (all of them with `all`). */
export function sweep(all: bool): void {
  sinceSweep = 0;
  // held requests are placed up to a timeout behind the clock: a session still open then may get one
  let horizon = maxTime - inactivity - allowance - (maxLength > 0 ? inactivity : 0);
  let i = 0;
  while (i < oList.len) {
    let o = <i32>oList.u32At(i);
    if (all || load<f64>(orec(o), 8) < horizon) close(o); // swap-remove brings another one to i
    else i++;
  }
}

/**
 * After finishSessions, when every session is closed: the open records, their sets and the held
 * requests go back to the allocator, so the merge's work space reuses their (resident) memory
 * instead of growing the core's (a million sessions open at once take hundreds of MB here).
 */
export function releaseOpen(): void {
  oRecs.release();
  oList.release();
  freeOpen = -1;
  open.release();
  held.release();
  queue.release();
  freeHeld = -1;
}

/** The end of the input: every open session becomes a piece (for merge.ts). */
export function finishSessions(): i32 {
  release(Infinity);
  sweep(true);
  return cStart.len;
}
