import { digit } from './scan';

// Numbers from byte ranges. NaN when the range is not a number.

/** Unsigned decimal integer; NaN if empty or not all digits. */
export function parseUint(s: usize, e: usize): f64 {
  if (s >= e) return NaN;
  let n: f64 = 0;
  for (let p = s; p < e; p++) {
    let d = digit(p);
    if (d > 9) return NaN;
    n = n * 10 + <f64>d;
  }
  return n;
}

/** Decimal with optional sign, fraction and exponent ("0.002", "-1", "1.7e9"); NaN otherwise. */
export function parseDecimal(s: usize, e: usize): f64 {
  if (s >= e) return NaN;
  let p = s;
  let neg = false;
  if (load<u8>(p) == 0x2d) { neg = true; p++; }
  else if (load<u8>(p) == 0x2b) p++;
  let n: f64 = 0;
  let digits = 0;
  while (p < e && digit(p) <= 9) { n = n * 10 + <f64>digit(p); p++; digits++; }
  if (p < e && load<u8>(p) == 0x2e) {
    p++;
    let scale: f64 = 0.1;
    while (p < e && digit(p) <= 9) { n += <f64>digit(p) * scale; scale *= 0.1; p++; digits++; }
  }
  if (digits == 0) return NaN;
  if (p < e && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    let eneg = false;
    if (p < e && (load<u8>(p) == 0x2d || load<u8>(p) == 0x2b)) { eneg = load<u8>(p) == 0x2d; p++; }
    let x: i32 = 0;
    let ed = 0;
    while (p < e && digit(p) <= 9) { x = x * 10 + <i32>digit(p); p++; ed++; }
    if (ed == 0) return NaN;
    n *= Math.pow(10, <f64>(eneg ? -x : x));
  }
  if (p != e) return NaN;
  return neg ? -n : n;
}
