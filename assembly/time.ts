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

/** Parses `dd/Mon/yyyy:HH:MM:SS +hhmm` at p (caller checked 26 bytes exist); NaN if invalid. */
export function parseClfTime(p: usize): f64 {
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
