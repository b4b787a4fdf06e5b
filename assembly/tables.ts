import { Interner } from './intern';

// The string tables of an import: each distinct value's bytes kept once, ids per request.
export const ips = new Interner();
export const agents = new Interner();
export const users = new Interner();
export const hosts = new Interner();

// The user agent of the request being added: interned only if a session shows it (its first).
export let uaPtr: usize = 0;
export let uaLen: i32 = 0;
export let uaHash: u64 = 0;
export let uaTag: u8 = 0;

export function setAgent(p: usize, n: i32, h: u64, tag: u8): void {
  uaPtr = p;
  uaLen = n;
  uaHash = h;
  uaTag = tag;
}

/** The id of the current request's user agent (interning it on first use). */
export function agentId(): u32 {
  return <u32>agents.intern(uaHash, uaTag, uaPtr, uaLen, 0, -1);
}
