import { digit } from './scan';

// Timestamps to UTC milliseconds, without strings or Date objects.

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: i32, m: i32, d: i32): i32 {
  y -= m <= 2 ? 1 : 0;
  let era = (y >= 0 ? y : y - 399) / 400;
  let yoe = y - era * 400;
  let mp = (m + 9) % 12;
  let doy = (153 * mp + 2) / 5 + d - 1;
  let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** Month 1..12 of a three-letter English abbreviation (any case), or 0. */
export function monthOf(p: usize): i32 {
  let key = ((<u32>load<u8>(p) << 16) | (<u32>load<u8>(p + 1) << 8) | <u32>load<u8>(p + 2)) | 0x202020;
  switch (key) {
    case 0x6a616e: return 1; // jan
    case 0x666562: return 2; // feb
    case 0x6d6172: return 3; // mar
    case 0x617072: return 4; // apr
    case 0x6d6179: return 5; // may
    case 0x6a756e: return 6; // jun
    case 0x6a756c: return 7; // jul
    case 0x617567: return 8; // aug
    case 0x736570: return 9; // sep
    case 0x6f6374: return 10; // oct
    case 0x6e6f76: return 11; // nov
    case 0x646563: return 12; // dec
  }
  return 0;
}

@inline function two(p: usize): u32 {
  let a = digit(p);
  let b = digit(p + 1);
  return a > 9 || b > 9 ? 999 : a * 10 + b;
}

// The date part "dd/Mon/yyyy:" repeats on every line of a day: parse it once per day.
let cachedLo: u64 = 0;
let cachedHi: u32 = 0;
let cachedDayMs: f64 = NaN;

/** Length of a CLF timestamp body `dd/Mon/yyyy:HH:MM:SS +hhmm`. */
export const CLF_TIME_LEN: usize = 26;

// Everything but the seconds ("dd/Mon/yyyy:HH:MM:" and " +hhmm") repeats for a minute of lines:
// the last valid timestamp's bytes, and its time without the seconds.
const minuteKey = memory.data(32, 16);
let minuteMs: f64 = NaN;

/** Bytes 10..25 of a timestamp but the seconds (18, 19): the minute check's second half. */
const NOT_SECONDS = i8x16(-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1);

/** Whether the timestamp at p is in another minute than the last valid one (seconds aside). */
@inline function otherMinute(p: usize): bool {
  return v128.any_true(v128.or(v128.xor(v128.load(p), v128.load(minuteKey)), v128.and(v128.xor(v128.load(p, 10), v128.load(minuteKey, 10)), NOT_SECONDS)));
}

/** The time of a timestamp in the last valid one's minute: its seconds added, NaN if not digits. */
@inline function inMinute(p: usize): f64 {
  // the seconds as two() reads them, both digits in one u16 (a byte below "0" makes x negative or
  // sets bits of 0xf0f0, one above "9" carries into them when 6 is added)
  let x = <i32>load<u16>(p, 18) - 0x3030;
  let ss = (x & 0xf0f0) == 0 && ((x + 0x0606) & 0xf0f0) == 0 ? (x & 15) * 10 + (x >> 8) : 999;
  return ss > 60 ? NaN : minuteMs + <f64>ss * 1000.0;
}

/**
 * Parses `dd/Mon/yyyy:HH:MM:SS +hhmm` at p (caller checked 26 bytes exist); NaN if invalid. Inline:
 * the same minute as the last valid one costs two compares. The key starts as zero bytes: a
 * match then reads seconds "\0\0" and gives NaN, as the full parse would.
 */
@inline export function parseClfTime(p: usize): f64 {
  return otherMinute(p) ? parseClfTimeNewMinute(p) : inMinute(p);
}

/**
 * parseClfTime for bytes whose line end is not known yet: NaN also when one of the 26 is a
 * newline. The minute's key never holds one (every other caller reads within a line, and a key
 * is only kept without), so a key match needs no test: only a new minute is checked.
 */
@inline export function parseClfTimeInLine(p: usize): f64 {
  return otherMinute(p) ? parseClfTimeNewMinuteInLine(p) : inMinute(p);
}

function parseClfTimeNewMinuteInLine(p: usize): f64 {
  let nl = i8x16.splat(0x0a);
  if (v128.any_true(v128.or(i8x16.eq(v128.load(p), nl), i8x16.eq(v128.load(p, 10), nl)))) return NaN;
  return parseClfTimeNewMinute(p);
}

function parseClfTimeNewMinute(p: usize): f64 {
  let t = parseClfTimeFully(p);
  // (bytes 14, 17 and 20 are not tested by the full parse: a key with a newline there is not kept)
  if (!isNaN(t) && load<u8>(p, 14) != 0x0a && load<u8>(p, 17) != 0x0a && load<u8>(p, 20) != 0x0a) {
    memory.copy(minuteKey, p, 26);
    minuteMs = t - <f64>two(p + 18) * 1000.0;
  }
  return t;
}

function parseClfTimeFully(p: usize): f64 {
  let lo = load<u64>(p);
  let hi = load<u32>(p + 8);
  let dayMs: f64;
  if (lo == cachedLo && hi == cachedHi && !isNaN(cachedDayMs)) {
    dayMs = cachedDayMs;
  } else {
    let d = two(p);
    let m = monthOf(p + 3);
    let y0 = two(p + 7);
    let y1 = two(p + 9);
    if (d < 1 || d > 31 || m == 0 || y0 > 99 || y1 > 99 || load<u8>(p + 2) != 0x2f || load<u8>(p + 6) != 0x2f || load<u8>(p + 11) != 0x3a) {
      return NaN;
    }
    dayMs = <f64>daysFromCivil(<i32>(y0 * 100 + y1), m, <i32>d) * 86400000.0;
    cachedLo = lo;
    cachedHi = hi;
    cachedDayMs = dayMs;
  }
  let hh = two(p + 12);
  let mm = two(p + 15);
  let ss = two(p + 18);
  if (hh > 23 || mm > 59 || ss > 60) return NaN;
  let sign = load<u8>(p + 21);
  let oh = two(p + 22);
  let om = two(p + 24);
  if ((sign != 0x2b && sign != 0x2d) || oh > 23 || om > 59) return NaN;
  let offsetMin = <f64>(oh * 60 + om);
  if (sign == 0x2d) offsetMin = -offsetMin;
  return dayMs + <f64>(hh * 3600 + mm * 60 + ss) * 1000.0 - offsetMin * 60000.0;
}

function nDigits(p: usize, n: i32): i32 {
  let v: i32 = 0;
  for (let i = 0; i < n; i++) {
    let d = digit(p + <usize>i);
    if (d > 9) return -1;
    v = v * 10 + <i32>d;
  }
  return v;
}

/** `YYYY-MM-DD` at p (10 bytes checked by the caller) to days since the epoch, or i32.MIN_VALUE. */
function isoDate(p: usize): i32 {
  let y = nDigits(p, 4), m = nDigits(p + 5, 2), d = nDigits(p + 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31 || load<u8>(p + 4) != 0x2d || load<u8>(p + 7) != 0x2d) return i32.MIN_VALUE;
  return daysFromCivil(y, m, d);
}

/** `HH:MM:SS(.fff)` in [p, e) to ms since midnight, or NaN; `end` receives where it stopped. */
let clockEnd: usize = 0;
function clock(p: usize, e: usize): f64 {
  if (p + 8 > e) return NaN;
  let h = nDigits(p, 2), mi = nDigits(p + 3, 2), s = nDigits(p + 6, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || load<u8>(p + 2) != 0x3a || load<u8>(p + 5) != 0x3a) return NaN;
  let ms = <f64>(h * 3600 + mi * 60 + s) * 1000;
  p += 8;
  if (p < e && (load<u8>(p) == 0x2e || load<u8>(p) == 0x2c)) {
    p++;
    let scale: f64 = 100;
    while (p < e && digit(p) <= 9) { ms += <f64>digit(p) * scale; scale /= 10; p++; }
  }
  clockEnd = p;
  return ms;
}

/**
 * ISO 8601 / RFC 3339 in [s, e): `YYYY-MM-DD[T ]HH:MM:SS[.f][Z|±HH:MM|±HHMM]`; no zone means UTC.
 * NaN when it does not match.
 */
export function parseIsoTime(s: usize, e: usize): f64 {
  if (e - s < 19) return NaN;
  let days = isoDate(s);
  let sep = load<u8>(s + 10);
  if (days == i32.MIN_VALUE || (sep != 0x54 && sep != 0x20 && sep != 0x74)) return NaN;
  let ms = clock(s + 11, e);
  if (isNaN(ms)) return NaN;
  let p = clockEnd;
  let offsetMin: i32 = 0;
  if (p < e) {
    let c = load<u8>(p);
    if (c == 0x5a || c == 0x7a) {
      p++;
    } else if (c == 0x2b || c == 0x2d) {
      let oh = nDigits(p + 1, 2);
      let q = p + 3;
      if (q < e && load<u8>(q) == 0x3a) q++;
      let om = q + 2 <= e ? nDigits(q, 2) : -1;
      if (oh < 0 || om < 0 || oh > 23 || om > 59) return NaN;
      offsetMin = oh * 60 + om;
      if (c == 0x2d) offsetMin = -offsetMin;
      p = q + 2;
    }
  }
  if (p != e) return NaN;
  return <f64>days * 86400000.0 + ms - <f64>offsetMin * 60000.0;
}

/** W3C: `YYYY-MM-DD` and `HH:MM:SS[.f]` in two fields, UTC. */
export function parseDateAndClock(ds: usize, de: usize, ts: usize, te: usize): f64 {
  if (de - ds != 10) return NaN;
  let days = isoDate(ds);
  if (days == i32.MIN_VALUE) return NaN;
  let ms = clock(ts, te);
  if (isNaN(ms) || clockEnd != te) return NaN;
  return <f64>days * 86400000.0 + ms;
}

/**
 * An epoch number to ms, its unit told by its size: seconds (nginx $msec, Caddy ts),
 * milliseconds, microseconds or nanoseconds. Anything before 1990 or after 2200 is refused.
 */
export function epochToMs(v: f64): f64 {
  if (!(v > 0)) return NaN;
  let ms: f64;
  if (v < 1e11) ms = v * 1000;
  else if (v < 1e14) ms = v;
  else if (v < 1e17) ms = v / 1000;
  else ms = v / 1e6;
  return ms >= 631152000000 && ms < 7258118400000 ? ms : NaN;
}
