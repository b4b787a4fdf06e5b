import { findByte, findEither, findQuoteStop, digit, hasZeroByte } from '../scan';
import { parseClfTime, parseClfTimeInLine, CLF_TIME_LEN } from '../time';
import { Slot, Reason, set, setRange, present, namedCount, setNumbers, setDuration, splitRequest } from '../fields';
import { parseDecimal } from '../num';

// NCSA common and combined, as Apache and nginx write them, with what real servers put around them:
//   [vhost[:port]] client ident user [dd/Mon/yyyy:HH:MM:SS +hhmm] "request" status bytes
//     ["referrer" "user agent" ["x-forwarded-for"] [...]]
// where `client` may be an X-Forwarded-For chain ("a, b, c" quoted or not). Escapes stay as
// logged (\" \\ \xHH); they are undone once per interned value when shown. Traefik's CLF adds
// fields after the user agent and ends with the duration as "NNNms".

const SP: u8 = 0x20;
const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;
const NL: u8 = 0x0a;
const CR: u8 = 0x0d;

/** Lines that carried a user agent / a leading virtual host: tells combined, common, vcombined. */
export let agentLines: i32 = 0;
export let vhostLines: i32 = 0;

/** Whether w holds " NNN": a space, then three bytes 0x30..0x3f that stay below 0x40 plus 6. */
@inline function isStatus(w: u32): bool {
  return (w & 0xf0f0f0ff) == 0x30303020 && ((w + 0x06060600) & 0xf0f0f000) == 0x30303000;
}

/**
 * End of the request line that opens at p: the first quote followed by " NNN" (a status) — so
 * unescaped quotes inside the request (seen in scanners' probes) do not cut it short.
 */
function requestEnd(p: usize, e: usize): usize {
  while (true) {
    let q = findByte(p, e, QUOTE);
    if (q >= e) return e;
    if (q + 4 < e && isStatus(load<u32>(q, 1))) return q;
    // a "-" status (Traefik: the client left before the response)
    if (q + 2 < e && load<u8>(q + 1) == SP && load<u8>(q + 2) == 0x2d && (q + 3 == e || load<u8>(q + 3) == SP)) return q;
    p = q + 1;
  }
}

/** End of a quoted field opening at p: the first quote not escaped by a backslash. */
export function quotedEnd(p: usize, e: usize): usize {
  while (true) {
    let q = findEither(p, e, QUOTE, BACKSLASH);
    if (q >= e) return e;
    if (load<u8>(q) == QUOTE) return q;
    p = q + 2;
  }
}

/** Start of the space-separated token that ends at `e` (exclusive), not before `lo`. */
@inline function tokenStart(lo: usize, e: usize): usize {
  let p = e;
  while (p > lo && load<u8>(p - 1) != SP) p--;
  return p;
}

/**
 * The client part before ident and user: one token normally; else groups (a quoted string, or a
 * comma chain "a, b, c", or a plain token). With two or more groups a leading plain token is the
 * virtual host; a chain is X-Forwarded-For and its first address is the client.
 */
function readClient(s: usize, e: usize): bool {
  let sp = findByte(s, e, SP);
  if (sp >= e && load<u8>(s) != QUOTE && load<u8>(e - 1) != 0x2c) {
    setClient(s, e);
    return true;
  }
  let groups = 0;
  let firstPlain = false;
  let chainStart: usize = 0, chainEnd: usize = 0, hasChain = false;
  let lastStart: usize = s, lastEnd: usize = s;
  let firstStart: usize = s, firstEnd: usize = s;
  let p = s;
  while (p < e) {
    let gs = p, ge: usize;
    let chain = false;
    if (load<u8>(p) == QUOTE) {
      let q = findByte(p + 1, e, QUOTE);
      if (q >= e) return false;
      gs = p + 1;
      ge = q;
      p = q + 1;
      chain = true;
    } else {
      ge = findByte(p, e, SP);
      while (ge < e && load<u8>(ge - 1) == 0x2c) {
        chain = true;
        ge = findByte(ge + 1, e, SP);
      }
      p = ge;
    }
    // "-" is a field left empty (BunkerWeb's "host ip - request-id -"), never the client
    if (ge - gs == 1 && load<u8>(gs) == 0x2d) {
      while (p < e && load<u8>(p) == SP) p++;
      continue;
    }
    if (groups == 0) { firstStart = gs; firstEnd = ge; firstPlain = !chain; }
    if (chain && !hasChain) { hasChain = true; chainStart = gs; chainEnd = ge; }
    lastStart = gs;
    lastEnd = ge;
    groups++;
    while (p < e && load<u8>(p) == SP) p++;
  }
  // A virtual host leads "vhost client" or "vhost chain client"; more plain words before the
  // client are a prefix (syslog's "Sep 15 16:13:46 host nginx:") and are passed over.
  if (firstPlain && (groups == 2 || (groups == 3 && hasChain))) {
    set(Slot.Host, firstStart, firstEnd);
    vhostLines++;
  }
  if (hasChain) {
    set(Slot.Xff, chainStart, chainEnd);
    let comma = findByte(chainStart, chainEnd, 0x2c);
    set(Slot.Ip, chainStart, comma);
  } else {
    setClient(lastStart, lastEnd);
  }
  return true;
}

/** The client address, without a port ("10.0.0.1:5555", "[::1]:80"); bare IPv6 stays whole. */
function setClient(s: usize, e: usize): void {
  if (e > s && load<u8>(s) == 0x5b) {
    let close = findByte(s, e, 0x5d);
    if (close < e) { set(Slot.Ip, s + 1, close); return; }
  }
  let colon = findByte(s, e, 0x3a);
  if (colon < e && findByte(colon + 1, e, 0x3a) == e && colon + 1 < e && digit(colon + 1) <= 9) set(Slot.Ip, s, colon);
  else set(Slot.Ip, s, e);
}

/**
 * The usual head "client ident user [" in the line's first 32 bytes, read from bit masks of its
 * spaces and brackets (no byte loops): sets the client and user and returns where the "[" is, as
 * the general reading in parseClf would; 0 when the head is any other shape (it reads it then).
 */
@inline function plainHead(s: usize, e: usize): usize {
  if (e - s < 32) return 0;
  let v0 = v128.load(s), v1 = v128.load(s + 16);
  // a line that is read here is longer than 32 bytes: no newline among them (parseCombined does
  // not know where its line ends; for parseClf this never holds)
  if (v128.any_true(v128.or(i8x16.eq(v0, i8x16.splat(NL)), i8x16.eq(v1, i8x16.splat(NL))))) return 0;
  let brackets = <u32>i8x16.bitmask(i8x16.eq(v0, i8x16.splat(0x5b))) | (<u32>i8x16.bitmask(i8x16.eq(v1, i8x16.splat(0x5b))) << 16);
  if (brackets == 0) return 0;
  let b = ctz(brackets);
  let spaces = <u32>i8x16.bitmask(i8x16.eq(v0, i8x16.splat(SP))) | (<u32>i8x16.bitmask(i8x16.eq(v1, i8x16.splat(SP))) << 16);
  spaces &= (<u32>1 << b) - 1;
  // the first "[" right after the third space: three tokens, none empty, the client not first quoted
  // nor a chain ("a, b" groups and the rest are readClient's)
  // (no token empty: no space first, no two spaces side by side)
  if (popcnt(spaces) != 3 || (spaces >> (b - 1)) != 1 || (spaces & ((spaces << 1) | 1)) != 0) return 0;
  let x = ctz(spaces), y = ctz(spaces & (spaces - 1));
  if (load<u8>(s) == QUOTE || load<u8>(s + <usize>x - 1) == 0x2c) return 0;
  // an address without a colon (IPv4, a host name): the client whole, no port to strip
  let colons = <u32>i8x16.bitmask(i8x16.eq(v0, i8x16.splat(0x3a))) | (<u32>i8x16.bitmask(i8x16.eq(v1, i8x16.splat(0x3a))) << 16);
  if ((colons & ((<u32>1 << x) - 1)) == 0) set(Slot.Ip, s, s + <usize>x);
  else setClient(s, s + <usize>x);
  let us = s + <usize>y + 1, ue = s + <usize>b - 1;
  if (!(ue - us == 1 && load<u8>(us) == 0x2d)) set(Slot.User, us, ue);
  return s + <usize>b;
}

/**
 * The request line [rs, re) and its method, URI and protocol. Returns the presence bits of the
 * usual "METHOD URI HTTP/1.x" (its slots' ranges set, the bits left to the caller, who sets them
 * with others at once); any other request sets its slots and bits itself and returns 0.
 */
@inline function setRequestBits(rs: usize, re: usize): u32 {
  // the usual shape as splitRequest reads it, from the first 16 bytes' spaces and the last 9,
  // " HTTP/1.0" or " HTTP/1.1" ("HTTP/1.0" | 1 << 56 == "HTTP/1.1": one compare); a request of
  // 10 bytes and more (sp + 9 < re), so none is "-"
  if ((load<u64>(re - 8) | 0x0100000000000000) == 0x312e312f50545448 && load<u8>(re - 9) == SP) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(rs), i8x16.splat(SP)));
    // (no space in the first 16 bytes: ctz 32, and rs + 32 + 9 < re may hold)
    let sp = rs + <usize>ctz(m);
    if (m != 0) if (sp + 9 < re) {
      let bits = (<u32>1 << Slot.Request) | (<u32>1 << Slot.Uri) | (<u32>1 << Slot.Protocol);
      setRange(Slot.Request, rs, re);
      // "-" is no method ("- " opens the request)
      if (load<u16>(rs) != 0x202d) {
        setRange(Slot.Method, rs, sp);
        bits |= <u32>1 << Slot.Method;
      }
      setRange(Slot.Uri, sp + 1, re - 9);
      setRange(Slot.Protocol, re - 8, re);
      return bits;
    }
  }
  set(Slot.Request, rs, re);
  if (re > rs && !(re - rs == 1 && load<u8>(rs) == 0x2d)) splitRequest(rs, re);
  return 0;
}

/**
 * How many of the 8 bytes in x (from its low byte) are ASCII digits before the first that is
 * not: high bit set, or below "0", or above "9" (no carry between bytes).
 */
@inline function leadingDigits(x: u64): usize {
  let t = x & 0x7f7f7f7f7f7f7f7f;
  let nd = ((t + 0x4646464646464646) | ~(t + 0x5050505050505050) | x) & 0x8080808080808080;
  return <usize>(ctz(nd) >> 3);
}

/** The number in the first n (1..7) digits of x, summed in three multiplies (Lemire). */
@inline function digitsValue(x: u64, n: usize): f64 {
  let v = (x << (64 - (<u64>n << 3))) & 0x0f0f0f0f0f0f0f0f;
  v = (v * 2561) >> 8;
  v = ((v & 0x00ff00ff00ff00ff) * 6553601) >> 16;
  v = ((v & 0x0000ffff0000ffff) * 42949672960001) >> 32;
  return <f64>v;
}

/**
 * The commonest head, "address - - [" (no ident, no user) with the address all dots and digits
 * in the first 15 bytes, as plainHead reads it: sets the client and returns where the "[" is; 0
 * for any other head. Its bytes are all tested as something else, so none is a newline.
 */
@inline function dashHead(s: usize): usize {
  let v = v128.load(s);
  let x = <u32>ctz(i8x16.bitmask(i8x16.eq(v, i8x16.splat(SP))));
  if (x - 1 >= 15) return 0;
  if ((load<u64>(s + <usize>x) & 0xffffffffffff) != 0x5b202d202d20) return 0;
  // bytes 0x2e..0x39 (".", "/", digits): no bracket, quote, comma, colon or newline among them
  let d = i8x16.sub(v, i8x16.splat(0x2e));
  let inClass = <u32>i8x16.bitmask(i8x16.eq(i8x16.min_u(d, i8x16.splat(11)), d));
  let below = (<u32>1 << x) - 1;
  if ((inClass & below) != below) return 0;
  set(Slot.Ip, s, s + <usize>x);
  return s + <usize>x + 5;
}

export function parseClf(s: usize, e: usize): i32 {
  let b = plainHead(s, e);
  if (b == 0) {
    // " [" opens the time; before it: client part, ident, user
    // the first "[" after a space: a syslog prefix may hold one of its own ("nginx[2869]:")
    b = findByte(s, e, 0x5b);
    while (b < e && b > s && load<u8>(b - 1) != SP) b = findByte(b + 1, e, 0x5b);
    if (b >= e || b == s) return Reason.NoTimestamp;
    let head = b - 1;
    let userStart = tokenStart(s, head);
    if (userStart == s) {
      // a single token: the client alone (ident and user missing)
      setClient(s, head);
    } else {
      let identStart = tokenStart(s, userStart - 1);
      if (identStart == s) {
        setClient(s, userStart - 1);
      } else {
        if (!readClient(s, identStart - 1)) return Reason.NoClient;
      }
      if (!(head - userStart == 1 && load<u8>(userStart) == 0x2d)) set(Slot.User, userStart, head);
    }
  }
  // time
  let t = b + 1;
  if (t + CLF_TIME_LEN >= e || load<u8>(t + CLF_TIME_LEN) != 0x5d) return Reason.BadTimestamp;
  let ms = parseClfTime(t);
  if (isNaN(ms)) return Reason.BadTimestamp;
  // "request"
  let p = t + CLF_TIME_LEN + 1;
  if (p + 2 >= e || load<u16>(p) != 0x2220) return Reason.NoRequest;
  let rs = p + 2;
  let re = requestEnd(rs, e);
  if (re >= e) return Reason.NoRequest;
  // (in two steps: `present |= f()` would read present before f sets bits of its own)
  let bits = setRequestBits(rs, re);
  present |= bits;
  // status
  p = re + 2;
  // requestEnd found either three digits here or "-" then a space or the end
  let status = 0;
  if (load<u8>(p) == 0x2d) {
    // "-": the client left before a response (Traefik)
    p += 1;
  } else {
    let w = load<u32>(p);
    status = <i32>((w & 15) * 100 + ((w >> 8) & 15) * 10 + ((w >> 16) & 15));
    p += 3;
  }
  if (p < e && load<u8>(p) != SP) return Reason.BadStatus;
  // bytes: digits or "-"
  let bytes: f64 = -1;
  if (p < e) {
    p++;
    if (p < e && load<u8>(p) == 0x2d) {
      p++;
    } else {
      let start = p;
      // up to 7 digits (most byte counts) read from one u64; 8 and more in the loop below
      let x = load<u64>(p);
      let n = leadingDigits(x);
      if (n > e - p) n = e - p;
      if (n == 0) return Reason.BadBytes;
      if (n < 8) {
        bytes = digitsValue(x, n);
        p += n;
      } else {
      // in integers while exact (15 digits are below 2^53, where the f64 sum is exact too), so
      // the digits do not wait on a float multiply and add each; a longer run goes on in f64
      let v: u64 = 0;
      let cut = start + 15 < e ? start + 15 : e;
      while (p < cut && digit(p) <= 9) { v = v * 10 + <u64>digit(p); p++; }
      let n = <f64>v;
      while (p < e && digit(p) <= 9) { n = n * 10 + <f64>digit(p); p++; }
      if (p == start) return Reason.BadBytes;
      bytes = n;
      }
    }
    if (p < e && load<u8>(p) != SP) return Reason.BadBytes;
  }
  setNumbers(ms, status, bytes);
  // "referrer" "user agent" (combined); then nginx's "x-forwarded-for", or Traefik's fields
  if (p + 1 < e && load<u8>(p + 1) == QUOTE) {
    let refEnd = quotedEnd(p + 2, e);
    if (refEnd >= e) return Reason.BadQuotedField;
    set(Slot.Referer, p + 2, refEnd);
    p = refEnd + 1;
    if (p + 1 < e && load<u16>(p) == 0x2220) {
      let as = p + 2;
      let ae = quotedEnd(as, e);
      if (ae >= e) return Reason.BadQuotedField;
      set(Slot.UserAgent, as, ae);
      agentLines++;
      p = ae + 1;
      if (p + 1 < e && load<u16>(p) == 0x2220) {
        let xs = p + 2;
        let xe = quotedEnd(xs, e);
        if (xe < e && !(xe - xs == 1 && load<u8>(xs) == 0x2d) && xe > xs) set(Slot.Xff, xs, xe);
      } else if (e - p > 3 && load<u8>(e - 1) == 0x73 && load<u8>(e - 2) == 0x6d && digit(e - 3) <= 9) {
        trailingMillis(p, e);
      }
    }
  }
  return Reason.None;
}

/**
 * End of a quoted field opening at p as quotedEnd reads it, where the line's end is not known yet:
 * 0 when a newline (or `end`) comes first, or right after a backslash.
 */
@inline function quotedEndInLine(p: usize, end: usize): usize {
  while (true) {
    let q = findQuoteStop(p, end, true);
    if (q >= end) return 0;
    let c = load<u8>(q);
    if (c == QUOTE) return q;
    if (c == NL) return 0;
    if (c != BACKSLASH) {
      // 0x02 or "*"
      p = q + 1;
      continue;
    }
    if (load<u8>(q + 1) == NL) return 0;
    p = q + 2;
  }
}

/**
 * The usual combined line at s, read before its end is known (so its bytes are walked once):
 *   client ident user [time] "request" NNN bytes "referrer" "user agent"
 * with the line ending right after the agent's quote (LF or CRLF). Every byte up to there is
 * either checked not to be a newline or tested as something else, so the fields and numbers are
 * those parseClf(s, lineEnd) gives. Returns the line's end (its CR or LF), or 0 for any other shape
 * or when `end` (the data's) comes first: the caller then finds the end and calls parseClf.
 */
@inline export function parseCombined(s: usize, end: usize): usize {
  // (a line that is not read here is reset and read again by parseClf: what is left in the
  // slots then does not matter, nor the duration parts only finalize() reads)
  present = 0;
  namedCount = 0;
  let b = dashHead(s);
  if (b == 0) b = plainHead(s, end);
  if (b == 0) return 0;
  // time: its minute's bytes were a valid timestamp's (no newline), a new minute is tested
  // (and '] "' after it, tested at once)
  let t = b + 1;
  if ((load<u32>(t + CLF_TIME_LEN) & 0xffffff) != 0x22205d) return 0;
  let ms = parseClfTimeInLine(t);
  if (isNaN(ms)) return 0;
  // "request" NNN : its end is the first quote, and it is followed by the status and a space
  let rs = t + CLF_TIME_LEN + 3;
  let re = rs;
  while (true) {
    re = findQuoteStop(re, end, false);
    if (re >= end) return 0;
    let c = load<u8>(re);
    if (c == QUOTE) break;
    if (c == NL) return 0;
    // 0x02 or "*"
    re++;
  }
  // '" NNN ' in one word: the quote (not the newline), a space, three digits, a space
  let w = load<u64>(re);
  if ((w & 0xfff0f0f0ffff) != 0x203030302022 || ((w + 0x0606060000) & 0xf0f0f00000) != 0x3030300000) return 0;
  let status = <i32>(((w >> 16) & 15) * 100 + ((w >> 24) & 15) * 10 + ((w >> 32) & 15));
  // bytes: "-" or up to 7 digits, then ' "'
  let p = re + 6;
  let bytes: f64 = -1;
  if (load<u8>(p) == 0x2d) {
    p++;
  } else {
    let x = load<u64>(p);
    let n = leadingDigits(x);
    if (n - 1 >= 7) return 0;
    bytes = digitsValue(x, n);
    p += n;
  }
  if (load<u16>(p) != 0x2220) return 0;
  let refStart = p + 2;
  // "-" (no referrer) is common enough to be tested first
  let refEnd = refStart + 1;
  if (load<u32>(refStart) != 0x2220222d) {
    refEnd = quotedEndInLine(refStart, end);
    if (refEnd == 0 || load<u16>(refEnd, 1) != 0x2220) return 0;
  }
  let agentStart = refEnd + 3;
  let agentEnd = quotedEndInLine(agentStart, end);
  if (agentEnd == 0) return 0;
  // the line ends here (a CR before the LF is not part of it)
  let le = agentEnd + 1;
  let c = load<u8>(le);
  if (c != NL && (c != CR || load<u8>(le, 1) != NL)) return 0;
  let bits = setRequestBits(rs, re);
  setNumbers(ms, status, bytes);
  setRange(Slot.Referer, refStart, refEnd);
  setRange(Slot.UserAgent, agentStart, agentEnd);
  present |= bits | (<u32>1 << Slot.Referer) | (<u32>1 << Slot.UserAgent);
  agentLines++;
  return le;
}

/** Traefik's CLF ends with the duration as "NNNms". */
function trailingMillis(lo: usize, e: usize): void {
  let ds = tokenStart(lo, e);
  let v = parseDecimal(ds, e - 2);
  if (v >= 0) {
    set(Slot.Duration, ds, e - 2);
    setDuration(v);
  }
}
