import { Vec } from './vec';
import { findByte } from './scan';
import * as f from './fields';
import { Slot } from './fields';
import { unescapeInto, utf8Boundary } from './unescape';
import * as ctx from './context';

// Every parsed request as packed columns, for the page to store (src/lib/core/requests.ts reads
// them). Off by default: the CLI and the bench never fill them. JS takes the rows after each
// chunk and calls reset(), so the columns hold one chunk's rows and keep their capacity.

/** Target and referrer are cut here: a 64 KiB probe would otherwise cost 64 KiB per row. */
const TEXT_CAP: i32 = 4096;

export let on = false;
export function enable(v: bool): void { on = v; }

export const time = new Vec(8, 256);
export const kind = new Vec(1, 256);
export const hash = new Vec(8, 256);
export const ip = new Vec(4, 256);
export const ua = new Vec(4, 256);
export const user = new Vec(4, 256);
export const host = new Vec(4, 256);
export const endpoint = new Vec(4, 256);
export const status = new Vec(2, 256);
export const bytes = new Vec(8, 256);
export const duration = new Vec(4, 256);
export const attacks = new Vec(2, 256);
export const file = new Vec(2, 256);
export const line = new Vec(4, 256);
export const target = new Vec(1, 1 << 14);
export const targetEnd = new Vec(4, 256);
export const referrer = new Vec(1, 1 << 14);
export const referrerEnd = new Vec(4, 256);

export function reset(): void {
  time.len = kind.len = hash.len = ip.len = ua.len = user.len = host.len = endpoint.len = 0;
  status.len = bytes.len = duration.len = attacks.len = file.len = line.len = 0;
  target.len = targetEnd.len = referrer.len = referrerEnd.len = 0;
  ctx.reset();
}

/** Appends the current request (fields.ts holds its slots and numbers). */
export function record(k: i32, h: u64, ipId: u32, uaId: u32, userId: u32, hostId: u32, epId: u32, bits: u32, fileNo: i32, lineNo: i32): void {
  time.push<f64>(f.time);
  kind.push<u8>(<u8>k);
  hash.push<u64>(h);
  ip.push<u32>(ipId);
  ua.push<u32>(uaId);
  user.push<u32>(userId);
  host.push<u32>(hostId);
  endpoint.push<u32>(epId);
  status.push<u16>(<u16>f.status);
  bytes.push<f64>(f.bytes < 0 ? 0 : f.bytes);
  duration.push<f32>(<f32>(f.durationMs >= 0 ? f.durationMs : NaN));
  attacks.push<u16>(<u16>bits);
  file.push<u16>(<u16>fileNo);
  line.push<u32>(<u32>lineNo);
  writeTarget();
  targetEnd.push<u32>(<u32>target.len);
  if (f.has(Slot.Referer) && !f.isDash(f.start(Slot.Referer), f.end(Slot.Referer))) {
    append(referrer, f.start(Slot.Referer), f.end(Slot.Referer), TEXT_CAP);
  }
  referrerEnd.push<u32>(<u32>referrer.len);
  if (ctx.count > 0) ctx.record();
}

/** Path and query as sent: the raw URI when logged (a path slot may be the server's normalised one). */
function writeTarget(): void {
  let base = target.len;
  let hasUri = f.has(Slot.Uri);
  let s = hasUri ? f.start(Slot.Uri) : f.has(Slot.Path) ? f.start(Slot.Path) : 0;
  let e = hasUri ? f.end(Slot.Uri) : f.has(Slot.Path) ? f.end(Slot.Path) : 0;
  let full = append(target, s, e, TEXT_CAP);
  if (full || !f.has(Slot.Query) || (hasUri && findByte(s, e, 0x3f) < e)) return;
  let qs = f.start(Slot.Query), qe = f.end(Slot.Query);
  // Apache's %q logs the '?' itself
  if (qs < qe && load<u8>(qs) == 0x3f) qs++;
  if (f.isDash(qs, qe) || TEXT_CAP - (target.len - base) < 2) return;
  store<u8>(target.reserve(1), 0x3f);
  target.len++;
  append(target, qs, qe, TEXT_CAP - (target.len - base));
}

/** Unescapes [s, e) onto `v`, at most `cap` bytes; returns whether the cap was reached. */
function append(v: Vec, s: usize, e: usize, cap: i32): bool {
  if (cap <= 0) return true;
  let n = <i32>(e - s);
  let room = n < cap ? n : cap;
  let o = v.reserve(room);
  let end = o + <usize>room;
  let w = unescapeInto(f.enc, s, e, o, end);
  // at the cap (give or take a code point that did not fit): cut, on a character boundary
  let full = room == cap && w + 4 > end;
  if (full) w = utf8Boundary(o, w);
  v.len += <i32>(w - o);
  return full;
}

export function column(i: i32): usize {
  switch (i) {
    case 0: return time.ptr;
    case 1: return kind.ptr;
    case 2: return hash.ptr;
    case 3: return ip.ptr;
    case 4: return ua.ptr;
    case 5: return user.ptr;
    case 6: return host.ptr;
    case 7: return endpoint.ptr;
    case 8: return status.ptr;
    case 9: return bytes.ptr;
    case 10: return duration.ptr;
    case 11: return attacks.ptr;
    case 12: return file.ptr;
    case 13: return line.ptr;
    case 14: return target.ptr;
    case 15: return targetEnd.ptr;
    case 16: return referrer.ptr;
    case 17: return referrerEnd.ptr;
    // context parameters (context.ts): per row and parameter the end of its bytes, and the bytes
    case 18: return ctx.ends.ptr;
    case 19: return ctx.text.ptr;
  }
  return 0;
}
