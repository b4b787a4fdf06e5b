import { Vec } from './vec';
import * as f from './fields';

// The first requests of an import with every field, for the page's preview and for golden tests:
// each entry copies its line and records where each slot and named field lies in it.
// Entry layout (u32 words): fileNo, lineNo, time f64 (2 words), status, bytes f64, duration f64,
// enc, lineOff, lineLen, present, starts[SLOTS], ends[SLOTS], namedCount, ids[16], starts[16], ends[16],
// attack bits.

export const ENTRY_WORDS: i32 = 13 + 2 * f.SLOTS + 1 + 3 * f.MAX_NAMED + 1;
export const entries = new Vec(ENTRY_WORDS * 4, 64);
export const text = new Vec(1, 1 << 14);
export let limit: i32 = 0;

export function setLimit(n: i32): void { limit = n; }

export function capture(fileNo: i32, lineNo: i32, s: usize, e: usize, attacks: u32): void {
  if (entries.len >= limit) return;
  let at = entries.reserve(1);
  entries.len++;
  let off = text.len;
  text.pushBytes(s, <i32>(e - s));
  store<i32>(at, fileNo);
  store<i32>(at + 4, lineNo);
  store<f64>(at + 8, f.time);
  store<i32>(at + 16, f.status);
  store<f64>(at + 20, f.bytes);
  store<f64>(at + 28, f.durationMs);
  store<i32>(at + 36, f.enc);
  store<u32>(at + 40, <u32>off);
  store<u32>(at + 44, <u32>(e - s));
  store<u32>(at + 48, f.present);
  store<u32>(at + <usize>((ENTRY_WORDS - 1) * 4), attacks);
  let w = at + 52;
  for (let i = 0; i < f.SLOTS; i++) {
    let has = f.has(i);
    store<u32>(w + (<usize>i << 2), has ? <u32>(f.start(i) - s) : 0);
    store<u32>(w + (<usize>(i + f.SLOTS) << 2), has ? <u32>(f.end(i) - s) : 0);
  }
  w += <usize>(2 * f.SLOTS) << 2;
  store<i32>(w, f.namedCount);
  w += 4;
  for (let i = 0; i < f.namedCount; i++) {
    store<u32>(w + (<usize>i << 2), load<u32>(f.namedIds + (<usize>i << 2)));
    store<u32>(w + (<usize>(i + f.MAX_NAMED) << 2), load<u32>(f.namedStarts + (<usize>i << 2)) - <u32>s);
    store<u32>(w + (<usize>(i + 2 * f.MAX_NAMED) << 2), load<u32>(f.namedEnds + (<usize>i << 2)) - <u32>s);
  }
}
