import { findByte } from '../scan';
import { Reason, assignPacked, finalize, segmentHash, lookupName } from '../fields';
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
const lower = heap.alloc(256 + 16);

export function configure(sep: u8, quoteAware: bool, min: i32, httpFirst: bool): void {
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
    if (isFieldsLine(s, e)) readFieldsLine(s, e);
    return Reason.Directive;
  }
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
  return finalize();
}
