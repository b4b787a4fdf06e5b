// The SessionLens core: the boundary between JS and the byte-level parser and sessionizer.
//
// Protocol (see src/lib/core/engine.ts): JS calls init(capacity) once, then for each file
// beginFile(); copies bytes to inputPtr() after the `carry` bytes left by the previous call and
// calls parse(length, final). parse() handles every complete line, moves the unfinished tail to
// the start of the buffer and returns its length (the next carry). finish() sessionizes; results
// are read as typed arrays over the pointers below. No per-line calls cross the boundary.

import { Vec } from './vec';
import { PAD, findByte } from './scan';
import { hashBytes, combine } from './hash';
import { Interner } from './intern';
import * as req from './request';
import { Reason } from './request';
import { parseClf, agentLines } from './formats/clf';
import { addRequest, sessionize, sesStart, sesEnd, sesCount, sesActor, sesUser, sesId } from './sessions';

/** Lines longer than this are cut and counted (SPEC §1). */
const MAX_LINE: i32 = 64 * 1024;
/** Malformed lines kept for the user, and how much of each. */
const MAX_SAMPLES: i32 = 20;
const SAMPLE_BYTES: i32 = 512;

let input: usize = 0;
let inputCapacity: i32 = 0;
let salt: u64 = 0x5e551011;
let inactivityMs: f64 = 30 * 60 * 1000;

const actors = new Interner();
const users = new Interner();

// Counters: [0] lines [1] blank [2] requests [3] malformed [4] truncated, per file and in total.
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
export function init(capacity: i32, saltLo: u32, saltHi: u32, inactivity: f64): void {
  inputCapacity = capacity;
  input = heap.alloc(<usize>capacity + PAD);
  memory.fill(input + <usize>capacity, 0, PAD);
  salt = (<u64>saltHi << 32) | <u64>saltLo;
  inactivityMs = inactivity;
  memory.fill(totalCounts, 0, 32);
}

export function inputPtr(): usize { return input; }
export function fileCountsPtr(): usize { return fileCounts; }
export function totalCountsPtr(): usize { return totalCounts; }
export function agentLineCount(): i32 { return agentLines; }

export function beginFile(): void {
  fileNo++;
  lineNo = 0;
  skipping = false;
  memory.fill(fileCounts, 0, 32);
}

@inline function count(i: i32): void {
  let f = fileCounts + (<usize>i << 2);
  store<u32>(f, load<u32>(f) + 1);
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

function handleLine(s: usize, e: usize): void {
  lineNo++;
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
  let reason = parseClf(s, e);
  if (reason != Reason.None) {
    count(3);
    keepSample(s, e, reason);
    return;
  }
  count(2);
  let ipLen = <i32>(req.ipEnd - req.ipStart);
  let uaLen = req.hasAgent ? <i32>(req.agentEnd - req.agentStart) : 0;
  let key = combine(hashBytes(req.ipStart, ipLen, salt), hashBytes(req.agentStart, uaLen, salt));
  let actor = actors.intern(key, req.ipStart, ipLen, req.agentStart, uaLen);
  let user = -1;
  if (req.userEnd > req.userStart) {
    let un = <i32>(req.userEnd - req.userStart);
    user = users.intern(hashBytes(req.userStart, un, salt), req.userStart, un, 0, -1);
  }
  addRequest(req.time, actor, user);
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
  while (true) {
    let nl = findByte(p, end, 0x0a);
    if (nl >= end) break;
    handleLine(p, nl);
    p = nl + 1;
  }
  let tail = <i32>(end - p);
  if (tail == 0) return 0;
  if (final) {
    handleLine(p, end);
    return 0;
  }
  if (tail > MAX_LINE) {
    // The line is already over the limit and its end is not in sight: parse its cut now.
    handleLine(p, p + <usize>MAX_LINE + 1);
    skipping = true;
    return 0;
  }
  memory.copy(input, p, tail);
  return tail;
}

/** Sessionizes every request read so far; returns the number of sessions. */
export function finish(): i32 {
  return sessionize(actors.count, actors.hashes, inactivityMs);
}

export function sessionCount(): i32 { return sesStart.len; }
export function sessionStartPtr(): usize { return sesStart.ptr; }
export function sessionEndPtr(): usize { return sesEnd.ptr; }
export function sessionRequestsPtr(): usize { return sesCount.ptr; }
export function sessionActorPtr(): usize { return sesActor.ptr; }
export function sessionUserPtr(): usize { return sesUser.ptr; }
export function sessionIdPtr(): usize { return sesId.ptr; }

export function actorCount(): i32 { return actors.count; }
export function actorHashPtr(): usize { return actors.hashes.ptr; }
export function actorSpanPtr(): usize { return actors.spans.ptr; }
export function actorArenaPtr(): usize { return actors.arena.ptr; }

export function userCount(): i32 { return users.count; }
export function userSpanPtr(): usize { return users.spans.ptr; }
export function userArenaPtr(): usize { return users.arena.ptr; }

export function malformedSampleCount(): i32 { return sampleCount; }
export function malformedSamplesPtr(): usize { return samples; }
export function malformedTextPtr(): usize { return sampleText; }
