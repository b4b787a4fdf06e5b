import { hashBytes, combine } from './hash';
import { findByte, hasZeroByte } from './scan';
import { parseUint, parseDecimal } from './num';
import { parseClfTime, parseIsoTime, parseDateAndClock, epochToMs, CLF_TIME_LEN } from './time';

// The request a parser just read: byte ranges per semantic slot, overwritten per line. Parsers
// fill slots; `finalize` turns them into numbers and splits what needs splitting. Nothing is
// allocated per line.

export const enum Slot {
  None = 0,
  /** Whole timestamp; its Conv says how to read it. */
  Time = 1,
  Ip = 2,
  Xff = 3,
  User = 4,
  Method = 5,
  /** Path and query ($request_uri). */
  Uri = 6,
  /** Path alone (W3C cs-uri-stem); query in Query. */
  Path = 7,
  Query = 8,
  Protocol = 9,
  /** The whole request line "GET /x HTTP/1.1". */
  Request = 10,
  Status = 11,
  Bytes = 12,
  /** Time taken; its Conv gives the unit. */
  Duration = 13,
  UserAgent = 14,
  Referer = 15,
  Host = 16,
  Cookie = 17,
  /** W3C/CloudFront: date and clock in two columns. */
  Date = 18,
  Clock = 19,
  /** A field kept by name (a header, a cookie, an unknown variable). */
  Named = 20,
  /** A part of a duration to sum (ALB's three timings), seconds, -1 when unavailable. */
  DurationPart = 21,
}
export const SLOTS: i32 = 22;

/** How a slot's bytes are read. */
export const enum Conv {
  Default = 0,
  /** Time: `[dd/Mon/yyyy:HH:MM:SS +hhmm]` with or without the brackets. */
  Clf = 1,
  Iso = 2,
  /** Time: epoch number, unit guessed from its size. */
  Epoch = 3,
  /** Duration units. */
  Seconds = 4,
  Millis = 5,
  Micros = 6,
  Nanos = 7,
}

/** How the strings of the current format are escaped (stored with each interned value). */
export const enum Enc {
  /** Apache \" \\ and nginx \xHH. */
  Log = 0,
  /** JSON string escapes. */
  Json = 1,
  /** W3C: '+' for space. */
  Plus = 2,
  /** CloudFront: percent-encoded (sometimes twice). */
  Percent = 3,
}

// Static (constant addresses, no global loads); a slot's start and end are one u64 (one store).
const ranges = memory.data(SLOTS << 3, 8);
const convs = memory.data(SLOTS);
/** Priority of the field that filled each slot (lower wins), for formats that log a value twice. */
const prios = memory.data(SLOTS);
export let present: u32 = 0;
export let enc: i32 = Enc.Log;

/** Numbers of the current request, set by `finalize` (or directly by a fast parser). */
export let time: f64 = NaN;
export let status: i32 = 0;
export let bytes: f64 = -1;
export let durationMs: f64 = NaN;
let durationSum: f64 = 0;
let durationParts: i32 = 0;

/** Named fields of the current line: name id and byte range. */
export const MAX_NAMED: i32 = 16;
export const namedIds = memory.data(MAX_NAMED << 2, 4);
export const namedStarts = memory.data(MAX_NAMED << 2, 4);
export const namedEnds = memory.data(MAX_NAMED << 2, 4);
export let namedCount: i32 = 0;

export function setEncoding(e: i32): void { enc = e; }

@inline export function reset(): void {
  present = 0;
  namedCount = 0;
  durationSum = 0;
  durationParts = 0;
}

@inline export function has(slot: i32): bool { return (present & (<u32>1 << <u32>slot)) != 0; }
@inline export function start(slot: i32): usize { return load<u32>(ranges + (<usize>slot << 3)); }
@inline export function end(slot: i32): usize { return load<u32>(ranges + (<usize>slot << 3), 4); }

/** A slot's range, its presence bit left to the caller (who may set several at once). */
@inline export function setRange(slot: i32, s: usize, e: usize): void {
  store<u64>(ranges + (<usize>slot << 3), <u64>s | (<u64>e << 32));
}

@inline export function set(slot: i32, s: usize, e: usize): void {
  store<u64>(ranges + (<usize>slot << 3), <u64>s | (<u64>e << 32));
  present |= <u32>1 << <u32>slot;
}

@inline export function setConv(slot: i32, conv: i32): void {
  store<u8>(convs + <usize>slot, <u8>conv);
}

/** Values of "-" (and empty ones) mean "not logged". */
@inline export function isDash(s: usize, e: usize): bool {
  return e == s || (e - s == 1 && load<u8>(s) == 0x2d);
}

/**
 * Assigns a field read by a table-driven parser: its slot, conversion, name id and priority.
 * Where two fields fill one slot (Caddy's client_ip and remote_ip), the lower priority wins;
 * at equal priority the first one read.
 */
export function assign(slot: i32, conv: i32, nameId: i32, s: usize, e: usize, prio: i32 = 0): void {
  if (slot == Slot.Named) {
    if (namedCount < MAX_NAMED && !isDash(s, e)) {
      store<u32>(namedIds + (<usize>namedCount << 2), <u32>nameId);
      store<u32>(namedStarts + (<usize>namedCount << 2), <u32>s);
      store<u32>(namedEnds + (<usize>namedCount << 2), <u32>e);
      namedCount++;
    }
    return;
  }
  if (slot == Slot.DurationPart) {
    let v = parseDecimal(s, e);
    if (isNaN(v) || v < 0) durationSum = NaN;
    else durationSum += v;
    durationParts++;
    return;
  }
  if (isDash(s, e) && slot != Slot.Request) return;
  if (has(slot) && <i32>load<u8>(prios + <usize>slot) <= prio) return;
  set(slot, s, e);
  setConv(slot, conv);
  store<u8>(prios + <usize>slot, <u8>prio);
}

// ---- the name table: field name (hashed) -> slot, conversion, name id -------------------------

let tableKeys: usize = 0;
let tableVals: usize = 0;
const TABLE_SLOTS: u32 = 1024;
let tableCount: i32 = 0;

export function clearNames(): void {
  if (tableKeys == 0) {
    tableKeys = heap.alloc(<usize>TABLE_SLOTS << 3);
    tableVals = heap.alloc(<usize>TABLE_SLOTS << 2);
  }
  memory.fill(tableKeys, 0, <usize>TABLE_SLOTS << 3);
  tableCount = 0;
}

/** Hash of one segment of a field name; names are paths of segments (JSON nesting). */
@inline export function segmentHash(parent: u64, s: usize, n: usize): u64 {
  return combine(parent, hashBytes(s, n, 0x6669656c64));
}

/** Packs slot (8 bits), conversion (4), priority (4) and name id (16) into a table value. */
export function defineName(hash: u64, slot: i32, conv: i32, nameId: i32, prio: i32 = 0): void {
  if (tableCount >= <i32>(TABLE_SLOTS >> 1)) return;
  let h = hash | 1;
  let i = <u32>h & (TABLE_SLOTS - 1);
  while (true) {
    let k = load<u64>(tableKeys + (<usize>i << 3));
    if (k == 0 || k == h) {
      if (k == 0) tableCount++;
      store<u64>(tableKeys + (<usize>i << 3), h);
      store<u32>(tableVals + (<usize>i << 2), (<u32>slot) | (<u32>(conv & 15) << 8) | (<u32>(prio & 15) << 12) | (<u32>nameId << 16));
      return;
    }
    i = (i + 1) & (TABLE_SLOTS - 1);
  }
}

/** The packed value for a name hash, or 0. */
export function lookupName(hash: u64): u32 {
  let h = hash | 1;
  let i = <u32>h & (TABLE_SLOTS - 1);
  while (true) {
    let k = load<u64>(tableKeys + (<usize>i << 3));
    if (k == h) return load<u32>(tableVals + (<usize>i << 2));
    if (k == 0) return 0;
    i = (i + 1) & (TABLE_SLOTS - 1);
  }
}

// ---- finalize ---------------------------------------------------------------------------------

/** Why a line did not parse (named in src/lib/core/reasons.ts). */
export const enum Reason {
  None = 0,
  NoClient = 1,
  NoTimestamp = 2,
  BadTimestamp = 3,
  NoRequest = 4,
  BadStatus = 5,
  BadBytes = 6,
  BadQuotedField = 7,
  NotJson = 8,
  NoFields = 9,
  TooFewFields = 10,
  Directive = 11,
}

function readTime(): f64 {
  if (has(Slot.Time)) {
    let s = start(Slot.Time), e = end(Slot.Time);
    let conv = <i32>load<u8>(convs + Slot.Time);
    if (conv == Conv.Clf) {
      if (e > s && load<u8>(s) == 0x5b) s++;
      if (e - s < CLF_TIME_LEN) return NaN;
      return parseClfTime(s);
    }
    if (conv == Conv.Epoch) return epochToMs(parseDecimal(s, e));
    if (conv == Conv.Iso) return parseIsoTime(s, e);
    // Default: whichever shape it has.
    let t = parseIsoTime(s, e);
    if (isNaN(t)) t = epochToMs(parseDecimal(s, e));
    if (isNaN(t) && e - s >= CLF_TIME_LEN) t = parseClfTime(load<u8>(s) == 0x5b ? s + 1 : s);
    return t;
  }
  if (has(Slot.Date) && has(Slot.Clock)) return parseDateAndClock(start(Slot.Date), end(Slot.Date), start(Slot.Clock), end(Slot.Clock));
  return NaN;
}

/** Strips a port from `1.2.3.4:80` and `[::1]:80`; IPv6 without brackets is left alone. */
function trimIp(): void {
  let s = start(Slot.Ip), e = end(Slot.Ip);
  // an address chain ("a, b" as Traefik's ClientHost may hold): the first is the client
  let comma = findByte(s, e, 0x2c);
  if (comma < e) {
    e = comma;
    while (e > s && load<u8>(e - 1) == 0x20) e--;
    set(Slot.Ip, s, e);
  }
  if (e > s && load<u8>(s) == 0x5b) {
    let close = findByte(s, e, 0x5d);
    if (close < e) set(Slot.Ip, s + 1, close);
    return;
  }
  let colon = findByte(s, e, 0x3a);
  if (colon < e && findByte(colon + 1, e, 0x3a) == e) set(Slot.Ip, s, colon);
}

/** Unpacks a table value into `assign`. */
@inline export function assignPacked(v: u32, s: usize, e: usize): void {
  assign(<i32>(v & 0xff), <i32>((v >> 8) & 15), <i32>(v >> 16), s, e, <i32>((v >> 12) & 15));
}

/**
 * Absolute request targets ("http://host:80/path?q", as proxies and load balancers log them):
 * the host goes to Host unless logged, the URI keeps the path and query.
 */
function trimAbsoluteUri(): void {
  let s = start(Slot.Uri), e = end(Slot.Uri);
  // "www.example.com/page.php" (Incapsula's cs-uri): a host name, then the path
  let c0 = load<u8>(s);
  if (e > s && c0 != 0x2f && c0 != 0x2a && (c0 | 0x20) != 0x68) {
    let slash = findByte(s, e, 0x2f);
    let dot = findByte(s, slash, 0x2e);
    let q = findByte(s, slash, 0x3f);
    if (slash < e && dot < slash && q == slash && findByte(s, slash, 0x20) == slash) {
      if (!has(Slot.Host)) set(Slot.Host, s, slash);
      set(Slot.Uri, slash, e);
    }
    return;
  }
  if (e - s < 8 || (load<u8>(s) | 0x20) != 0x68) return;
  let p = s + 4;
  if ((load<u8>(p) | 0x20) == 0x73) p++;
  if (p + 3 > e || load<u8>(p) != 0x3a || load<u8>(p + 1) != 0x2f || load<u8>(p + 2) != 0x2f) return;
  let hs = p + 3;
  let slash = findByte(hs, e, 0x2f);
  if (!has(Slot.Host)) set(Slot.Host, hs, slash);
  if (slash >= e) set(Slot.Uri, e, e);
  else set(Slot.Uri, slash, e);
}

/** Splits "METHOD URI PROTOCOL" into its slots (a missing protocol is HTTP/0.9 style). */
export function splitRequest(s: usize, e: usize): void {
  while (e > s && load<u8>(e - 1) == 0x20) e--;
  let sp = findByte(s, e, 0x20);
  // "-" (ALB and ELB write it for what is not an HTTP request) is no method
  if (!(sp - s == 1 && load<u8>(s) == 0x2d)) set(Slot.Method, s, sp);
  if (sp >= e) return;
  let us = sp + 1;
  // The protocol is the last word when it is "HTTP/…": a URI may hold raw spaces (scanners' probes).
  let last = e;
  // most requests end " HTTP/1.1": its 8 bytes tested for a space at once (a zero byte of the
  // word XOR spaces), else a walk back
  if (e - us >= 9 && load<u8>(e - 9) == 0x20 && !hasZeroByte(load<u64>(e - 8) ^ 0x2020202020202020)) last = e - 8;
  else while (last > us && load<u8>(last - 1) != 0x20) last--;
  if (last > us && e - last >= 5 && (load<u8>(last) | 0x20) == 0x68 && load<u8>(last + 4) == 0x2f) {
    set(Slot.Uri, us, last - 1);
    set(Slot.Protocol, last, e);
    return;
  }
  let ue = findByte(us, e, 0x20);
  set(Slot.Uri, us, ue);
  if (ue < e) set(Slot.Protocol, ue + 1, e);
}

function onlyDashes(s: usize, e: usize): bool {
  for (let p = s; p < e; p++) if (load<u8>(p) != 0x2d && load<u8>(p) != 0x20) return false;
  return true;
}

/** Turns slot bytes into numbers; returns a Reason. */
export function finalize(): i32 {
  let t = readTime();
  if (isNaN(t)) return has(Slot.Time) || has(Slot.Date) ? Reason.BadTimestamp : Reason.NoTimestamp;
  time = t;
  if (has(Slot.Ip)) trimIp();
  else if (has(Slot.Xff)) {
    let s = start(Slot.Xff), e = end(Slot.Xff);
    let comma = findByte(s, e, 0x2c);
    set(Slot.Ip, s, comma);
  }
  if (has(Slot.Request) && !has(Slot.Method)) {
    let s = start(Slot.Request), e = end(Slot.Request);
    // ELB's TCP listener records: request "- - - " and no status: not an HTTP request at all
    if (!has(Slot.Status) && onlyDashes(s, e)) return Reason.Directive;
    if (!isDash(s, e)) splitRequest(s, e);
  }
  if (!has(Slot.Ip) && !has(Slot.Uri) && !has(Slot.Path) && !has(Slot.Request)) return Reason.NoFields;
  if (has(Slot.Uri)) trimAbsoluteUri();
  // a path with its query (SHOUTcast's cs-uri-stem "/stream?title=…")
  if (has(Slot.Path) && !has(Slot.Query)) {
    let s = start(Slot.Path), e = end(Slot.Path);
    let q = findByte(s, e, 0x3f);
    if (q < e) { set(Slot.Path, s, q); set(Slot.Query, q + 1, e); }
  }
  status = 0;
  if (has(Slot.Status)) {
    let s = start(Slot.Status), e = end(Slot.Status);
    if (!isDash(s, e)) {
      let v = parseUint(s, e);
      if (isNaN(v) || v > 999) return Reason.BadStatus;
      status = <i32>v;
    }
  }
  bytes = -1;
  if (has(Slot.Bytes)) {
    let s = start(Slot.Bytes), e = end(Slot.Bytes);
    if (!isDash(s, e)) {
      let v = parseUint(s, e);
      if (isNaN(v)) return Reason.BadBytes;
      bytes = v;
    }
  }
  durationMs = NaN;
  if (has(Slot.Duration)) {
    let v = parseDecimal(start(Slot.Duration), end(Slot.Duration));
    let conv = <i32>load<u8>(convs + Slot.Duration);
    if (v >= 0) {
      durationMs = conv == Conv.Millis ? v : conv == Conv.Micros ? v / 1000 : conv == Conv.Nanos ? v / 1e6 : v * 1000;
    }
  } else if (durationParts > 0 && durationSum >= 0) {
    durationMs = durationSum * 1000;
  }
  return Reason.None;
}

export function setDuration(ms: f64): void {
  durationMs = ms;
}

/** Sets the numbers directly (fast parsers that already computed them). */
export function setNumbers(t: f64, st: i32, b: f64): void {
  time = t;
  status = st;
  bytes = b;
  durationMs = NaN;
}
