// The request a parser just read, as byte ranges into the input buffer. One set of globals,
// overwritten per line: parsers fill it, the sessionizer reads it; nothing is allocated per line.

export let time: f64 = 0;
export let ipStart: usize = 0;
export let ipEnd: usize = 0;
/** Remote user; empty when the log has "-". */
export let userStart: usize = 0;
export let userEnd: usize = 0;
/** Whole request line between its quotes ("GET /x HTTP/1.1"). */
export let lineStart: usize = 0;
export let lineEnd: usize = 0;
export let status: i32 = 0;
/** Response bytes, or -1 when logged as "-". */
export let bytes: f64 = -1;
/** User agent; `hasAgent` is false for formats without it (common). */
export let agentStart: usize = 0;
export let agentEnd: usize = 0;
export let hasAgent: bool = false;

export function setIp(s: usize, e: usize): void { ipStart = s; ipEnd = e; }
export function setUser(s: usize, e: usize): void { userStart = s; userEnd = e; }
export function setLine(s: usize, e: usize): void { lineStart = s; lineEnd = e; }
export function setAgent(s: usize, e: usize, has: bool): void { agentStart = s; agentEnd = e; hasAgent = has; }
export function setTime(t: f64): void { time = t; }
export function setStatus(s: i32, b: f64): void { status = s; bytes = b; }

/** Why a line did not parse (the JS side names them; keep in step with src/lib/core/reasons.ts). */
export const enum Reason {
  None = 0,
  NoClient = 1,
  NoTimestamp = 2,
  BadTimestamp = 3,
  NoRequest = 4,
  BadStatus = 5,
  BadBytes = 6,
  BadQuotedField = 7,
}
