import { Vec } from './vec';
import { combine } from './hash';

// Groups requests into sessions, SPEC §2: per key, in time order, a gap longer than the
// inactivity timeout starts a new session; a gap equal to it does not. The result does not
// depend on the order the requests arrived in: each key's requests are sorted by time first.

/** Per request: time (f64 ms), actor id, user id + 1 (0 = none). */
export const reqTime = new Vec(8, 1 << 16);
export const reqActor = new Vec(4, 1 << 16);
export const reqUser = new Vec(4, 1 << 16);

/** Per session, filled by `sessionize`. */
export const sesStart = new Vec(8, 1024);
export const sesEnd = new Vec(8, 1024);
export const sesCount = new Vec(4, 1024);
export const sesActor = new Vec(4, 1024);
export const sesUser = new Vec(4, 1024);
export const sesId = new Vec(8, 1024);

@inline export function addRequest(time: f64, actor: i32, user: i32): void {
  reqTime.pushF64(time);
  reqActor.pushU32(<u32>actor);
  reqUser.pushU32(<u32>(user + 1));
}

@inline function timeOf(i: u32): f64 {
  return load<f64>(reqTime.ptr + (<usize>i << 3));
}

/** Stable sort of request indices [a, b) of `order` by time; `tmp` is scratch of the same size. */
function sortByTime(order: usize, tmp: usize, a: i32, b: i32): void {
  let n = b - a;
  if (n < 2) return;
  // Logs are nearly in time order: check first, it is the common case.
  let sorted = true;
  let prev = timeOf(load<u32>(order + (<usize>a << 2)));
  for (let i = a + 1; i < b; i++) {
    let t = timeOf(load<u32>(order + (<usize>i << 2)));
    if (t < prev) { sorted = false; break; }
    prev = t;
  }
  if (sorted) return;
  if (n <= 24) {
    for (let i = a + 1; i < b; i++) {
      let v = load<u32>(order + (<usize>i << 2));
      let tv = timeOf(v);
      let j = i - 1;
      while (j >= a && timeOf(load<u32>(order + (<usize>j << 2))) > tv) {
        store<u32>(order + (<usize>(j + 1) << 2), load<u32>(order + (<usize>j << 2)));
        j--;
      }
      store<u32>(order + (<usize>(j + 1) << 2), v);
    }
    return;
  }
  let mid = a + (n >> 1);
  sortByTime(order, tmp, a, mid);
  sortByTime(order, tmp, mid, b);
  // merge [a, mid) and [mid, b) through tmp
  let i = a, j = mid, k = a;
  while (i < mid && j < b) {
    let vi = load<u32>(order + (<usize>i << 2));
    let vj = load<u32>(order + (<usize>j << 2));
    if (timeOf(vj) < timeOf(vi)) { store<u32>(tmp + (<usize>k << 2), vj); j++; }
    else { store<u32>(tmp + (<usize>k << 2), vi); i++; }
    k++;
  }
  while (i < mid) { store<u32>(tmp + (<usize>k << 2), load<u32>(order + (<usize>i << 2))); i++; k++; }
  while (j < b) { store<u32>(tmp + (<usize>k << 2), load<u32>(order + (<usize>j << 2))); j++; k++; }
  memory.copy(order + (<usize>a << 2), tmp + (<usize>a << 2), <usize>n << 2);
}

/**
 * Builds the sessions of all requests so far. `actorHash` gives each actor's key hash (for ids).
 * Counting sort by actor (stable), then each actor's requests by time, then cut on gaps.
 */
export function sessionize(actors: i32, actorHash: Vec, inactivityMs: f64): i32 {
  let n = reqTime.len;
  let starts = heap.alloc(<usize>(actors + 1) << 2);
  memory.fill(starts, 0, <usize>(actors + 1) << 2);
  for (let i = 0; i < n; i++) {
    let a = reqActor.u32At(i);
    let p = starts + (<usize>(a + 1) << 2);
    store<u32>(p, load<u32>(p) + 1);
  }
  for (let a = 0; a < actors; a++) {
    let p = starts + (<usize>(a + 1) << 2);
    store<u32>(p, load<u32>(p) + load<u32>(p - 4));
  }
  let order = heap.alloc((<usize>n << 2) + 16);
  let tmp = heap.alloc((<usize>n << 2) + 16);
  let fill = heap.alloc((<usize>actors << 2) + 16);
  memory.copy(fill, starts, <usize>actors << 2);
  for (let i = 0; i < n; i++) {
    let a = reqActor.u32At(i);
    let f = fill + (<usize>a << 2);
    let at = load<u32>(f);
    store<u32>(order + (<usize>at << 2), <u32>i);
    store<u32>(f, at + 1);
  }
  sesStart.len = 0; sesEnd.len = 0; sesCount.len = 0; sesActor.len = 0; sesUser.len = 0; sesId.len = 0;
  for (let a = 0; a < actors; a++) {
    let lo = <i32>load<u32>(starts + (<usize>a << 2));
    let hi = <i32>load<u32>(starts + (<usize>(a + 1) << 2));
    if (lo == hi) continue;
    sortByTime(order, tmp, lo, hi);
    let hash = actorHash.u64At(a);
    let first = load<u32>(order + (<usize>lo << 2));
    let start = timeOf(first);
    let last = start;
    let count: u32 = 1;
    let user = reqUser.u32At(<i32>first);
    for (let i = lo + 1; i < hi; i++) {
      let r = load<u32>(order + (<usize>i << 2));
      let t = timeOf(r);
      if (t - last > inactivityMs) {
        emit(a, hash, start, last, count, user);
        start = t; count = 0; user = 0;
      }
      last = t;
      count++;
      if (user == 0) user = reqUser.u32At(<i32>r);
    }
    emit(a, hash, start, last, count, user);
  }
  return sesStart.len;
}

function emit(actor: i32, hash: u64, start: f64, end: f64, count: u32, user: u32): void {
  sesStart.pushF64(start);
  sesEnd.pushF64(end);
  sesCount.pushU32(count);
  sesActor.pushU32(<u32>actor);
  sesUser.pushU32(user);
  sesId.pushU64(combine(hash, reinterpret<u64>(start)));
}
