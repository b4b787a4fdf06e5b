// The SessionLens core: the boundary between JS and the byte-level parsers and sessionizer.
//
// Protocol (see src/lib/core/engine.ts): JS calls init(capacity, …) once; for each file
// beginFile() and the format set-up (setFormat and the name table or program it needs); then it
// copies bytes to inputPtr() after the `carry` bytes left by the previous call and calls
// parse(length, final). parse() handles every complete line, moves the unfinished tail to the
// start of the buffer and returns its length (the next carry). After each call JS takes the
// session pieces closed so far (pieceColumn, resetPieces); finish() closes the rest. At the end JS
// hands the pieces back to the merge a few columns at a time (mergeInput, mergeGroup,
// mergedColumn). Results are read as typed arrays over the pointers below. No per-line calls cross the boundary.

import { PAD, findByte, findByteFar } from './scan';
import { hashBytes, combine } from './hash';
import { Interner } from './intern';
import * as f from './fields';
import { Slot, Reason } from './fields';
import { parseClf, parseCombined, agentLines, vhostLines } from './formats/clf';
import { parseJson, CONTAINER } from './formats/json';
import { parseDelimited, configure, readFieldsLine } from './formats/delimited';
import { parseTemplate, setProgram } from './formats/template';
import * as preview from './preview';
import { decide, configureKeys } from './keys';
import * as keys from './keys';
import * as ep from './endpoints';
import * as ses from './sessions';
import { detect, computedPath } from './detect';
import * as req from './requests';
import * as ctx from './context';
import * as merge from './merge';
import { actor } from './actors';
import * as actors from './actors';

/**
 * Off: no attack signatures are looked for, and every request's attack bits are 0. For a caller
 * that shows none of them (the CLI's `summary`): detection is ~15% of the core's work a line.
 */
let detecting = true;

/** Lines longer than this are cut and counted (SPEC §1). */
const MAX_LINE: i32 = 64 * 1024;
/** Malformed lines kept for the user, and how much of each. */
const MAX_SAMPLES: i32 = 20;
const SAMPLE_BYTES: i32 = 512;
/** Scratch the JS side writes configuration into (names, programs, header lines). */
const CONFIG_BYTES: i32 = 64 * 1024;

export const enum Format {
  Clf = 1,
  Json = 2,
  Delimited = 3,
  Template = 4,
}

let input: usize = 0;
let salt: u64 = 0x5e551011;
let format: i32 = Format.Clf;
// Lines of another shape than the usual combined one (common, vhost, X-Forwarded-For) are read
// twice when parseCombined tries them first: after MISS_RUN misses in a row it rests for
// REST_LINES lines, then tries again.
const MISS_RUN: i32 = 32;
const REST_LINES: i32 = 4096;
let fastMisses: i32 = 0;
let fastRest: i32 = 0;
const config = heap.alloc(<usize>CONFIG_BYTES + PAD);

import { ips, agents, users, hosts, setAgent, agentId } from './tables';

// Counters: [0] lines [1] blank [2] requests [3] malformed [4] truncated [5] skipped (header and
// non-request records, counted in blank too), per file and in total.
const fileCounts = heap.alloc(8 * 4);
const totalCounts = heap.alloc(8 * 4);
let fileNo: i32 = -1;
let lineNo: i32 = 0;
/** Inside a line already cut at MAX_LINE: drop bytes up to its newline. */
let skipping = false;

// Malformed samples: per sample [file, line, reason, offset, length] as i32, text in the arena.
const samples = heap.alloc(<usize>MAX_SAMPLES * 20);
const sampleText = heap.alloc(<usize>MAX_SAMPLES * SAMPLE_BYTES);
let sampleCount: i32 = 0;

/** Allocates the input buffer: `capacity` bytes plus padding for 16-byte loads past the end. */
export function init(capacity: i32, saltLo: u32, saltHi: u32, inactivity: f64, previewLimit: i32, allowanceMs: f64, maxLengthMs: f64): void {
  input = heap.alloc(<usize>capacity + PAD);
  memory.fill(input + <usize>capacity, 0, PAD);
  salt = (<u64>saltHi << 32) | <u64>saltLo;
  ep.resetMethods();
  ses.configureSessions(inactivity, allowanceMs, maxLengthMs);
  // default key: client IP and user agent
  store<u8>(config, 1);
  store<u8>(config + 1, keys.KeyKind.IpUa);
  store<i32>(config + 2, -1);
  store<u8>(config + 6, 0);
  configureKeys(config, -1);
  memory.fill(totalCounts, 0, 32);
  preview.setLimit(previewLimit);
  f.clearNames();
}

export function setDetection(on: bool): void {
  detecting = on;
  ep.setVerdictFollows(on);
}
export function inputPtr(): usize { return input; }
export function configPtr(): usize { return config; }
export function fileCountsPtr(): usize { return fileCounts; }
export function totalCountsPtr(): usize { return totalCounts; }
export function agentLineCount(): i32 { return agentLines; }
export function vhostLineCount(): i32 { return vhostLines; }

export function beginFile(): void {
  fileNo++;
  lineNo = 0;
  skipping = false;
  memory.fill(fileCounts, 0, 32);
}

// ---- format set-up (once per file) -------------------------------------------------------------

export function setFormat(id: i32, encoding: i32): void {
  format = id;
  fastMisses = 0;
  fastRest = 0;
  f.setEncoding(encoding);
  f.clearNames();
}

/** Names a field: its path segments, separated by 0 bytes, are at configPtr(). */
export function defineName(len: i32, slot: i32, conv: i32, nameId: i32, prio: i32): void {
  let h: u64 = 0;
  let p = config;
  let e = config + <usize>len;
  while (true) {
    let z = findByte(p, e, 0);
    h = f.segmentHash(h, p, z - p);
    if (z >= e) break;
    // every proper prefix of a JSON path is an object to descend into
    if (f.lookupName(h) == 0) f.defineName(h, <i32>CONTAINER, 0, 0);
    p = z + 1;
  }
  f.defineName(h, slot, conv, nameId, prio);
}

/** Column formats: separator, quote-aware, minimum columns, and the "#Fields:" line at configPtr(). */
export function setColumns(separator: i32, quoted: bool, minColumns: i32, httpFirst: bool, anchored: bool, len: i32): void {
  configure(<u8>separator, quoted, minColumns, httpFirst, anchored);
  memory.fill(config + <usize>len, 0, PAD);
  readFieldsLine(config, config + <usize>len);
}

/** The grouping keys, as keys.ts reads them, at configPtr(). */
export function setKeys(authorizationLabel: i32): void {
  configureKeys(config, authorizationLabel);
}

/** The context parameters, as context.ts reads them, at configPtr(); hashed ones use this salt. */
export function setContext(saltLo: u32, saltHi: u32): void {
  ctx.configure(config, (<u64>saltHi << 32) | <u64>saltLo);
}

/** A compiled template program at configPtr(). */
export function setTemplate(len: i32): void {
  setProgram(config, len);
}

// ---- lines ------------------------------------------------------------------------------------

@inline function count(i: i32): void {
  let fc = fileCounts + (<usize>i << 2);
  store<u32>(fc, load<u32>(fc) + 1);
  let t = totalCounts + (<usize>i << 2);
  store<u32>(t, load<u32>(t) + 1);
}

function keepSample(s: usize, e: usize, reason: i32): void {
  if (sampleCount >= MAX_SAMPLES) return;
  let n = <i32>(e - s);
  if (n > SAMPLE_BYTES) n = SAMPLE_BYTES;
  let at = sampleText + <usize>sampleCount * SAMPLE_BYTES;
  memory.copy(at, s, n);
  let rec = samples + <usize>sampleCount * 20;
  store<i32>(rec, fileNo);
  store<i32>(rec, lineNo, 4);
  store<i32>(rec, reason, 8);
  store<i32>(rec, <i32>(at - sampleText), 12);
  store<i32>(rec, n, 16);
  sampleCount++;
}

@inline function parseLine(s: usize, e: usize): i32 {
  f.reset();
  switch (format) {
    case Format.Clf: return parseClf(s, e);
    case Format.Json: {
      let r = parseJson(s, e);
      // JSON records that are not requests (a server's start-up messages) are skipped, not bad
      return r == Reason.NoFields || (r == Reason.NoTimestamp && !f.has(Slot.Uri) && !f.has(Slot.Request) && !f.has(Slot.Path)) ? Reason.Directive : r;
    }
    case Format.Delimited: return parseDelimited(s, e);
    case Format.Template: return parseTemplate(s, e);
  }
  return Reason.NoFields;
}

/**
 * Where the query of the URI [s, e) starts (its "?"), or e. Most URIs are short: their first 32
 * bytes are tested at once (the line buffer is padded, so reading past e is safe).
 */
@inline function queryMark(s: usize, e: usize): usize {
  let q = i8x16.splat(0x3f);
  let m = <u32>i8x16.bitmask(i8x16.eq(v128.load(s), q)) | (<u32>i8x16.bitmask(i8x16.eq(v128.load(s, 16), q)) << 16);
  if (m != 0) {
    let hit = s + <usize>ctz(m);
    return hit < e ? hit : e;
  }
  return e - s > 32 ? findByte(s + 32, e, 0x3f) : e;
}

/** Adds n lines that are requests to the counts (parse() counts the lines parseCombined read at once). */
function countRequests(n: u32): void {
  store<u32>(fileCounts, load<u32>(fileCounts) + n);
  store<u32>(fileCounts, load<u32>(fileCounts, 8) + n, 8);
  store<u32>(totalCounts, load<u32>(totalCounts) + n);
  store<u32>(totalCounts, load<u32>(totalCounts, 8) + n, 8);
}

/**
 * Handles the line [s, e); `parsed`: parseCombined has read it (e is its end without the CR), and
 * the caller counts it.
 */
function handleLine(s: usize, e: usize, parsed: bool): void {
  lineNo++;
  if (!parsed) {
    count(0);
    if (e > s && load<u8>(e - 1) == 0x0d) e--;
    if (<i32>(e - s) > MAX_LINE) {
      e = s + MAX_LINE;
      count(4);
    }
    let p = s;
    while (p < e && (load<u8>(p) == 0x20 || load<u8>(p) == 0x09)) p++;
    if (p == e) {
      count(1);
      return;
    }
    let reason = parseLine(s, e);
    if (reason == Reason.Directive) {
      // header and comment lines (#Fields, #Version) count with the blank ones: no request, no fault
      count(1);
      count(5);
      return;
    }
    if (reason != Reason.None) {
      count(3);
      keepSample(s, e, reason);
      return;
    }
    count(2);
  }
  let tag = <u8>f.enc;
  // the fields that name the actor, hashed once and used for the key and the string tables
  let ipS = s, ipLen = 0, uaS = s, uaLen = 0;
  if (f.has(Slot.Ip)) {
    ipS = f.start(Slot.Ip);
    ipLen = <i32>(f.end(Slot.Ip) - ipS);
  }
  if (f.has(Slot.UserAgent)) {
    uaS = f.start(Slot.UserAgent);
    uaLen = <i32>(f.end(Slot.UserAgent) - uaS);
  }
  // hashed once and the IP interned once per distinct pair among the recent ones (actors.ts)
  let a = actor(ipS, ipLen, uaS, uaLen, tag, salt);
  let hUa = actors.agentHashOf(a);
  decide(a, salt);
  setAgent(uaS, uaLen, hUa, tag);
  let user = 0;
  if (f.has(Slot.User)) {
    let us = f.start(Slot.User);
    let un = <i32>(f.end(Slot.User) - us);
    if (!f.isDash(us, us + <usize>un)) user = users.intern(hashBytes(us, un, salt), tag, us, un, 0, -1) + 1;
  }
  let host = 0;
  if (f.has(Slot.Host)) {
    let hs = f.start(Slot.Host);
    let hn = <i32>(f.end(Slot.Host) - hs);
    if (!f.isDash(hs, hs + <usize>hn)) host = hosts.intern(hashBytes(hs, hn, salt), tag, hs, hn, 0, -1) + 1;
  }
  // endpoint: method + path (the query is not part of it)
  let ms: usize = s, me: usize = s;
  if (f.has(Slot.Method)) {
    ms = f.start(Slot.Method);
    me = f.end(Slot.Method);
  }
  let ps: usize = s, pe: usize = s;
  if (f.has(Slot.Path)) {
    ps = f.start(Slot.Path);
    pe = f.end(Slot.Path);
  } else if (f.has(Slot.Uri)) {
    ps = f.start(Slot.Uri);
    pe = queryMark(ps, f.end(Slot.Uri));
  }
  let endpoint = ep.endpointOf(ms, me, ps, pe, salt);
  let dur = isNaN(f.durationMs) ? -1.0 : f.durationMs;
  ep.record(endpoint, f.time, f.status, f.bytes, dur);
  // attack signatures on the path, query, user agent and referrer (SPEC §3)
  let attacks: u32 = 0;
  if (detecting) attacks = attacksOf(s, ps, pe, uaS, uaLen, a, endpoint);
  ses.add(keys.hash, keys.kind, f.time, <u32>actors.ipIdOf(a), <u32>user, <u32>endpoint, <u32>host, f.status, f.bytes, dur, attacks);
  // the user agent is interned here only for the request columns (sessions intern their first one)
  if (req.on) req.record(keys.kind, keys.hash, <u32>actors.ipIdOf(a), agentId(), <u32>user, <u32>host, <u32>endpoint, attacks, fileNo, lineNo);
  if (preview.limit > 0) preview.capture(fileNo, lineNo, s, e, attacks);
}

/** The attack bits of the line's request (its path is ps..pe, its actor's entry `a`), recorded with its endpoint. */
@inline function attacksOf(s: usize, ps: usize, pe: usize, uaS: usize, uaLen: i32, a: usize, endpoint: i32): u32 {
  let qs: usize = s, qe: usize = s;
  if (f.has(Slot.Query)) {
    qs = f.start(Slot.Query);
    qe = f.end(Slot.Query);
  } else if (f.has(Slot.Uri) && pe < f.end(Slot.Uri)) {
    qs = pe + 1;
    qe = f.end(Slot.Uri);
  }
  let rs: usize = s, re: usize = s;
  if (f.has(Slot.Referer)) {
    rs = f.start(Slot.Referer);
    re = f.end(Slot.Referer);
  }
  let attacks = detect(ps, pe, qs, qe, uaS, uaS + <usize>uaLen, rs, re, ep.lastPathVerdict, a, ep.probeOf(endpoint), ep.opaqueOf(endpoint));
  if (computedPath >= 0) ep.rememberPathVerdict(<u32>computedPath);
  ep.recordAttacks(endpoint, attacks);
  return attacks;
}

/**
 * Handles the complete lines in input[0, len); with `final`, the unterminated last one too.
 * Returns how many bytes were carried over to the start of the buffer.
 */
export function parse(len: i32, final: bool): i32 {
  let end = input + <usize>len;
  // Keep the padding after the data zeroed so 16-byte loads find no stray newline.
  memory.fill(end, 0, PAD);
  let p = input;
  if (skipping) {
    let nl = findByte(p, end, 0x0a);
    if (nl >= end) return 0;
    skipping = false;
    p = nl + 1;
  }
  let clf = format == Format.Clf;
  let fast: u32 = 0;
  while (true) {
    if (clf) {
      if (fastRest > 0) {
        fastRest--;
      } else {
        // the usual combined line is read while its end is looked for (the CR of a CRLF is not in it)
        let le = parseCombined(p, end);
        if (le != 0 && <i32>(le - p) <= MAX_LINE) {
          fastMisses = 0;
          fast++;
          handleLine(p, le, true);
          p = le + (load<u8>(le) == 0x0d ? 2 : 1);
          continue;
        }
        if (++fastMisses >= MISS_RUN) {
          fastMisses = 0;
          fastRest = REST_LINES;
        }
      }
    }
    let nl = findByteFar(p, end, 0x0a);
    if (nl >= end) break;
    handleLine(p, nl, false);
    p = nl + 1;
  }
  countRequests(fast);
  let tail = <i32>(end - p);
  if (tail == 0) return 0;
  if (final) {
    handleLine(p, end, false);
    return 0;
  }
  if (tail > MAX_LINE) {
    // The line is already over the limit and its end is not in sight: parse its cut now.
    handleLine(p, p + <usize>MAX_LINE + 1, false);
    skipping = true;
    return 0;
  }
  memory.copy(input, p, tail);
  return tail;
}

/** Closes every open session: all are then pieces (for JS to take, see pieceColumn); returns how many. */
export function finish(): i32 {
  return ses.finishSessions();
}

export function lateRequests(): i32 { return ses.late; }
export function openPeak(): i32 { return ses.openPeak; }

/** Session pieces closed since the last resetPieces() (src/lib/core/pieces.ts takes them). */
export function pieceCount(): i32 { return ses.cStart.len; }
export function setArenaPtr(): usize { return ses.setArena.ptr; }
export function setArenaLength(): i32 { return ses.setArena.len; }
export function resetPieces(): void { ses.resetPieces(); }

/** Pointers of the piece columns, in this order (see src/lib/core/pieces.ts). */
export function pieceColumn(i: i32): usize {
  switch (i) {
    case 0: return ses.cStart.ptr;
    case 1: return ses.cEnd.ptr;
    case 2: return ses.cCount.ptr;
    case 3: return ses.cKey.ptr;
    case 4: return ses.cKind.ptr;
    case 5: return ses.cFirstIp.ptr;
    case 6: return ses.cFirstUa.ptr;
    case 7: return ses.cUser.ptr;
    case 8: return ses.cBytes.ptr;
    case 9: return ses.cStatus.ptr;
    case 10: return ses.cDurSum.ptr;
    case 11: return ses.cDurCount.ptr;
    case 12: return ses.cDurMax.ptr;
    case 13: return ses.cFirstEp.ptr;
    case 14: return ses.cLastEp.ptr;
    case 15: return ses.cSets.ptr;
    case 16: return ses.cId.ptr;
    case 17: return ses.cAttacks.ptr;
    case 18: return ses.cAuthFail.ptr;
    case 19: return ses.cNotFound.ptr;
    case 20: return ses.cGapN.ptr;
    case 21: return ses.cGapSum.ptr;
    case 22: return ses.cGapSq.ptr;
    case 23: return ses.cSlow.ptr;
    case 24: return ses.cBurst.ptr;
  }
  return 0;
}

// The merge (merge.ts; its protocol there, driven by src/lib/core/pieces.ts).
/** Input slot i of the merge, with room for `bytes`. */
export function mergeInput(i: i32, bytes: i32): usize { return merge.input(i, bytes); }
/** Groups the n pieces in slots 0..3 into sessions; returns how many. */
export function mergeGroup(n: i32, inactivity: f64, maxLength: f64): i32 {
  // the input buffer and the open sessions are done with: their room goes to the merge
  if (input != 0) heap.free(input);
  input = 0;
  ses.releaseOpen();
  return merge.group(<u32>n, inactivity, maxLength);
}
/** Makes merged-session column i (merge.Col order) and returns where it is, until the next call. */
export function mergedColumn(i: i32): usize { return merge.column(i); }
/** After a set column: how many values, and per session its start offset (one more) and size. */
export function mergedSetLength(): i32 { return <i32>merge.setLength; }
export function mergedSetStartsPtr(): usize { return merge.setStartsPtr(); }
export function mergedSetSizesPtr(): usize { return merge.setSizesPtr(); }
/** After the user agent (0) or user (1) column: the table ids kept, in order of first reference. */
export function keptCount(i: i32): i32 { return i == 0 ? merge.keptAgents.len : merge.keptUsers.len; }
export function keptPtr(i: i32): usize { return i == 0 ? merge.keptAgents.ptr : merge.keptUsers.ptr; }
/** After the endpoint set column: sessions per endpoint (by table id). */
export function endpointSessionsPtr(): usize { return merge.endpointSessions; }
/** The merge's inputs let go. */
export function mergeRelease(): void { merge.release(); }

/** String tables: 0 IPs, 1 user agents, 2 users, 3 hosts, 4 endpoints. */
function table(i: i32): Interner {
  switch (i) {
    case 0: return ips;
    case 1: return agents;
    case 2: return users;
    case 3: return hosts;
  }
  return ep.templates;
}
export function tableCount(i: i32): i32 { return table(i).count; }
export function tableSpanPtr(i: i32): usize { return table(i).spans.ptr; }
export function tableArenaPtr(i: i32): usize { return table(i).arena.ptr; }

/** Endpoint statistics columns: 0 requests, 1 status (6 per), 2 bytes, 3 first, 4 last, 5 sketch, 6 attacks. */
export function endpointColumn(i: i32): usize {
  switch (i) {
    case 0: return ep.epRequests.ptr;
    case 1: return ep.epStatus.ptr;
    case 2: return ep.epBytes.ptr;
    case 3: return ep.epFirst.ptr;
    case 4: return ep.epLast.ptr;
    case 5: return ep.epSketch.ptr;
    case 6: return ep.epAttacks.ptr;
  }
  return 0;
}
export function sketchesPtr(): usize { return ep.sketches.ptr; }
export function sketchBuckets(): i32 { return ep.SKETCH_BUCKETS; }

/** Request columns (assembly/requests.ts): off until enabled; JS takes them per chunk, then resets. */
export function enableRequests(on: bool): void { req.enable(on); }
export function requestCount(): i32 { return req.time.len; }
export function requestColumn(i: i32): usize { return req.column(i); }
export function resetRequests(): void { req.reset(); }

export function malformedSampleCount(): i32 { return sampleCount; }
export function malformedSamplesPtr(): usize { return samples; }
export function malformedTextPtr(): usize { return sampleText; }

export function previewCount(): i32 { return preview.entries.len; }
export function previewEntryWords(): i32 { return preview.ENTRY_WORDS; }
export function previewEntriesPtr(): usize { return preview.entries.ptr; }
export function previewTextPtr(): usize { return preview.text.ptr; }
