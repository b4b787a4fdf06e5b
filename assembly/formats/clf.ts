import { findByte, findEither, digit } from '../scan';
import { parseClfTime, CLF_TIME_LEN } from '../time';
import { Reason, setIp, setUser, setLine, setAgent, setTime, setStatus } from '../request';

// NCSA common and combined (Apache and nginx):
//   host ident user [dd/Mon/yyyy:HH:MM:SS +hhmm] "request" status bytes ["referrer" "user agent" ...]
// Works on the raw bytes of one line [s, e). Trailing extra fields (nginx's X-Forwarded-For) are
// ignored. Escapes stay as logged (\" \\ \xHH); they are undone once per actor when shown.

const SP: u8 = 0x20;
const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;

/** Lines that carried a user agent, to tell combined from common. */
export let agentLines: i32 = 0;

/**
 * End of the request line that opens at p: the first quote followed by " NNN" (a status) — so
 * unescaped quotes inside the request (seen in scanners' probes) do not cut it short.
 */
function requestEnd(p: usize, e: usize): usize {
  while (true) {
    let q = findByte(p, e, QUOTE);
    if (q >= e) return e;
    if (q + 4 < e && load<u8>(q + 1) == SP && digit(q + 2) <= 9 && digit(q + 3) <= 9 && digit(q + 4) <= 9) return q;
    p = q + 1;
  }
}

/** End of a quoted field opening at p: the first quote not escaped by a backslash. */
function quotedEnd(p: usize, e: usize): usize {
  while (true) {
    let q = findEither(p, e, QUOTE, BACKSLASH);
    if (q >= e) return e;
    if (load<u8>(q) == QUOTE) return q;
    p = q + 2;
  }
}

export function parseClf(s: usize, e: usize): i32 {
  // client
  let p = findByte(s, e, SP);
  if (p == s || p >= e) return Reason.NoClient;
  setIp(s, p);
  // ident and user: up to the " [" that opens the time
  let b = findByte(p + 1, e, 0x5b);
  if (b >= e || load<u8>(b - 1) != SP) return Reason.NoTimestamp;
  let identEnd = findByte(p + 1, b - 1, SP);
  let us = identEnd + 1;
  let ue = b - 1;
  if (us >= ue || (ue - us == 1 && load<u8>(us) == 0x2d)) setUser(us, us);
  else setUser(us, ue);
  // time
  let t = b + 1;
  if (t + CLF_TIME_LEN >= e || load<u8>(t + CLF_TIME_LEN) != 0x5d) return Reason.BadTimestamp;
  let ms = parseClfTime(t);
  if (isNaN(ms)) return Reason.BadTimestamp;
  setTime(ms);
  // "request"
  p = t + CLF_TIME_LEN + 1;
  if (p + 2 >= e || load<u8>(p) != SP || load<u8>(p + 1) != QUOTE) return Reason.NoRequest;
  let rs = p + 2;
  let re = requestEnd(rs, e);
  if (re >= e) return Reason.NoRequest;
  setLine(rs, re);
  // status
  p = re + 2;
  let d0 = digit(p), d1 = digit(p + 1), d2 = digit(p + 2);
  if (d0 > 9 || d1 > 9 || d2 > 9) return Reason.BadStatus;
  let status = <i32>(d0 * 100 + d1 * 10 + d2);
  p += 3;
  if (p < e && load<u8>(p) != SP) return Reason.BadStatus;
  // bytes: digits or "-"
  let bytes: f64 = -1;
  if (p < e) {
    p++;
    if (p < e && load<u8>(p) == 0x2d) {
      p++;
    } else {
      let start = p;
      let n: f64 = 0;
      while (p < e && digit(p) <= 9) { n = n * 10 + <f64>digit(p); p++; }
      if (p == start) return Reason.BadBytes;
      bytes = n;
    }
    if (p < e && load<u8>(p) != SP) return Reason.BadBytes;
  }
  setStatus(status, bytes);
  // "referrer" "user agent" (combined); anything after them is ignored
  setAgent(0, 0, false);
  if (p + 1 < e && load<u8>(p + 1) == QUOTE) {
    let refEnd = quotedEnd(p + 2, e);
    if (refEnd >= e) return Reason.BadQuotedField;
    p = refEnd + 1;
    if (p + 1 < e && load<u8>(p) == SP && load<u8>(p + 1) == QUOTE) {
      let as = p + 2;
      let ae = quotedEnd(as, e);
      if (ae >= e) return Reason.BadQuotedField;
      setAgent(as, ae, true);
      agentLines++;
    }
  }
  return Reason.None;
}
