import { findByte } from '../scan';
import { Reason, Slot, Conv, assign, assignPacked, finalize, segmentHash, lookupName, has, setConv } from '../fields';
import { digit } from '../scan';
import { quotedEnd } from './clf';

// Column formats: W3C extended / IIS (space-separated, "#Fields:" header, also repeated
// mid-file), CloudFront (tab-separated, "#Fields:"), and AWS ALB / classic ELB (space-separated
// with quoted fields, fixed columns given by the JS side as a "#Fields:" line of its own).
// Column names map to slots through the name table; unknown columns are ignored.

const MAX_COLUMNS: i32 = 64;
const colVals = heap.alloc(<usize>MAX_COLUMNS << 2);
let columns: i32 = 0;
let separator: u8 = 0x20;
let quoted = false;
/** Fewer columns than this and the line is malformed. */
let minColumns: i32 = 1;
/** ALB: records whose first column is not an HTTP connection type (NLB "tls", connection logs) are skipped. */
let httpTypeFirst = false;
/**
 * IIS lines with no "#Fields:" header yet: which optional columns IIS wrote varies, so the
 * columns are found by anchors (the method, the status triple) instead of a fixed layout.
 */
let anchored = false;
/** W3C's time-taken is in seconds except from IIS (milliseconds): "#Software:" says which. */
let secondsTaken = false;
const lower = heap.alloc(256 + 16);

export function configure(sep: u8, quoteAware: bool, min: i32, httpFirst: bool, anchor: bool): void {
  anchored = anchor;
  secondsTaken = false;
  separator = sep;
  quoted = quoteAware;
  minColumns = min;
  httpTypeFirst = httpFirst;
  columns = 0;
}

/** Reads a "#Fields: a b c" line (names separated by spaces or tabs) into the column table. */
export function readFieldsLine(s: usize, e: usize): void {
  let p = s + 8; // "#Fields:"
  columns = 0;
  while (p < e && columns < MAX_COLUMNS) {
    while (p < e && (load<u8>(p) == 0x20 || load<u8>(p) == 0x09)) p++;
    if (p >= e) break;
    let q = p;
    while (q < e && load<u8>(q) != 0x20 && load<u8>(q) != 0x09) q++;
    // names are matched lower-case
    let n = <i32>(q - p);
    if (n > 256) n = 256;
    for (let i = 0; i < n; i++) {
      let c = load<u8>(p + <usize>i);
      store<u8>(lower + <usize>i, c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
    }
    store<u32>(colVals + (<usize>columns << 2), lookupName(segmentHash(0, lower, <usize>n)));
    columns++;
    p = q;
  }
}

@inline function isFieldsLine(s: usize, e: usize): bool {
  // "#Fields:" read as two little-endian words, case-sensitive as servers write it
  return e - s >= 8 && load<u32>(s) == 0x65694623 && load<u32>(s + 4) == 0x3a73646c;
}

export function parseDelimited(s: usize, e: usize): i32 {
  if (load<u8>(s) == 0x23) {
    if (isFieldsLine(s, e)) {
      readFieldsLine(s, e);
      anchored = false;
    } else if (e - s > 10 && load<u32>(s + 1) == 0x74666f53) {
      // "#Software: …": IIS ("Microsoft Internet Information Services", "IIS Advanced
      // Logging") writes milliseconds, the others (Netscaler, …) seconds as W3C defines it
      let iis = false;
      for (let p = s + 10; p + 3 <= e; p++) {
        if (load<u8>(p) == 0x49 && load<u8>(p + 1) == 0x49 && load<u8>(p + 2) == 0x53) { iis = true; break; }
        if (p + 9 <= e && load<u32>(p) == 0x7263694d && load<u32>(p + 4) == 0x666f736f) { iis = true; break; }
      }
      secondsTaken = !iis;
    }
    return Reason.Directive;
  }
  if (anchored) return parseAnchored(s, e);
  if (httpTypeFirst) {
    // http, https, h2, grpcs, ws, wss
    let c = load<u8>(s);
    if (c != 0x68 && c != 0x67 && c != 0x77) return Reason.Directive;
  }
  let p = s;
  let col = 0;
  while (p <= e && col < columns) {
    let vs = p, ve: usize;
    if (quoted && p < e && load<u8>(p) == 0x22) {
      vs = p + 1;
      ve = quotedEnd(vs, e);
      if (ve >= e) return Reason.BadQuotedField;
      p = ve + 1;
    } else {
      ve = findByte(p, e, separator);
      p = ve;
    }
    let v = load<u32>(colVals + (<usize>col << 2));
    if (v != 0) assignPacked(v, vs, ve);
    col++;
    if (p >= e) break;
    p++; // the separator
    if (separator == 0x20) while (p < e && load<u8>(p) == 0x20) p++;
  }
  if (col < minColumns) return Reason.TooFewFields;
  if (secondsTaken && has(Slot.Duration)) setConv(Slot.Duration, Conv.Seconds);
  return finalize();
}

// ---- IIS without a header: columns found by anchors ------------------------------------------

const cs = heap.alloc(<usize>MAX_COLUMNS << 2);
const ce = heap.alloc(<usize>MAX_COLUMNS << 2);

@inline function colS(i: i32): usize { return load<u32>(cs + (<usize>i << 2)); }
@inline function colE(i: i32): usize { return load<u32>(ce + (<usize>i << 2)); }

function isMethodCol(i: i32): bool {
  let p = colS(i), q = colE(i);
  if (q - p < 3 || q - p > 9) return false;
  for (let x = p; x < q; x++) {
    let c = <u32>load<u8>(x);
    if (c - 0x41 > 25) return false;
  }
  return true;
}

function isIntCol(i: i32): bool {
  let p = colS(i), q = colE(i);
  if (p >= q) return false;
  for (let x = p; x < q; x++) if (digit(x) > 9) return false;
  return true;
}

function col(slot: i32, i: i32): void {
  assign(slot, slot == Slot.Duration ? Conv.Millis : 0, 0, colS(i), colE(i));
}

function parseAnchored(s: usize, e: usize): i32 {
  let n = 0;
  let p = s;
  while (p < e && n < MAX_COLUMNS) {
    let q = findByte(p, e, 0x20);
    store<u32>(cs + (<usize>n << 2), <u32>p);
    store<u32>(ce + (<usize>n << 2), <u32>q);
    n++;
    p = q + 1;
    while (p < e && load<u8>(p) == 0x20) p++;
  }
  if (n < 9) return Reason.TooFewFields;
  col(Slot.Date, 0);
  col(Slot.Clock, 1);
  // date time [s-sitename] [s-computername] s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip
  let m = -1;
  for (let k = 3; k < 6 && k < n; k++) if (isMethodCol(k)) { m = k; break; }
  if (m < 0 || m + 6 > n) return Reason.NoRequest;
  col(Slot.Method, m);
  col(Slot.Path, m + 1);
  col(Slot.Query, m + 2);
  col(Slot.User, m + 4);
  col(Slot.Ip, m + 5);
  // sc-status sc-substatus sc-win32-status: three whole numbers, the first of three digits
  let st = -1;
  for (let k = m + 6; k + 2 < n; k++) {
    if (colE(k) - colS(k) == 3 && isIntCol(k) && isIntCol(k + 1) && isIntCol(k + 2)) { st = k; break; }
  }
  if (st < 0) return Reason.BadStatus;
  col(Slot.Status, st);
  // between c-ip and the status: [cs-version] cs(User-Agent) [cs(Cookie)] cs(Referer) [cs-host]
  let a = m + 6;
  if (a < st && colE(a) - colS(a) > 5 && load<u8>(colS(a)) == 0x48 && load<u8>(colS(a) + 4) == 0x2f) {
    col(Slot.Protocol, a);
    a++;
  }
  if (a < st) { col(Slot.UserAgent, a); a++; }
  let rest = st - a;
  if (rest == 1) col(Slot.Referer, a);
  else if (rest == 2) {
    // a referrer is a URL or "-"; a host is neither
    let c = load<u8>(colS(a + 1));
    if (c == 0x68 || c == 0x2d) { col(Slot.Cookie, a); col(Slot.Referer, a + 1); }
    else { col(Slot.Referer, a); col(Slot.Host, a + 1); }
  } else if (rest >= 3) {
    col(Slot.Cookie, a);
    col(Slot.Referer, a + 1);
    col(Slot.Host, a + 2);
  }
  // then [sc-bytes cs-bytes] time-taken, and anything a module appended
  let t = st + 3;
  if (t + 2 < n && isIntCol(t) && isIntCol(t + 1) && isIntCol(t + 2)) {
    col(Slot.Bytes, t);
    col(Slot.Duration, t + 2);
  } else if (t < n && isIntCol(t)) {
    col(Slot.Duration, t);
  }
  return finalize();
}
