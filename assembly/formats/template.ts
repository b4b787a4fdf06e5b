import { findByte, digit } from '../scan';
import { Slot, Conv, Reason, assign, finalize } from '../fields';
import { CLF_TIME_LEN } from '../time';

// User-supplied formats: an nginx `log_format` or an Apache `LogFormat`, compiled by the JS side
// (src/lib/core/formats/template.ts) into a small program of literals and captures that this
// file runs over each line:
//   LIT  [1][len u16][bytes]                      the line must continue with these bytes
//   CAP  [2][slot u8][conv u8][nameId u16][mode]  a field up to the next literal (or line end)
// mode 1: inside quotes, where \" does not end the field; mode 2: a request line ending at the
// first quote followed by " NNN" (scanners put raw quotes in their requests).

const OP_LIT: u8 = 1;
const OP_CAP: u8 = 2;

let program: usize = 0;
let programLen: i32 = 0;

export function setProgram(ptr: usize, len: i32): void {
  program = heap.alloc(<usize>len + 16);
  memory.copy(program, ptr, len);
  programLen = len;
}

@inline function matches(p: usize, e: usize, lit: usize, n: i32): bool {
  if (p + <usize>n > e) return false;
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != load<u8>(lit + <usize>i)) return false;
  return true;
}

/** Where the literal [lit, lit+n) next occurs at or after p, honouring the capture mode. */
function findLiteral(p: usize, e: usize, lit: usize, n: i32, mode: u8): usize {
  let first = load<u8>(lit);
  while (p < e) {
    let q = findByte(p, e, first);
    if (q >= e) return e;
    if (mode == 1 && first == 0x22 && q > p && load<u8>(q - 1) == 0x5c) {
      // an escaped quote, unless the backslash is itself escaped
      let bs = 0;
      let r = q;
      while (r > p && load<u8>(r - 1) == 0x5c) { bs++; r--; }
      if (bs & 1) { p = q + 1; continue; }
    }
    if (mode == 2 && !(q + 4 < e && load<u8>(q + 1) == 0x20 && digit(q + 2) <= 9 && digit(q + 3) <= 9 && digit(q + 4) <= 9)) {
      p = q + 1;
      continue;
    }
    if (matches(q, e, lit, n)) return q;
    p = q + 1;
  }
  return e;
}

export function parseTemplate(s: usize, e: usize): i32 {
  let p = s;
  let pc = program;
  let end = program + <usize>programLen;
  while (pc < end) {
    let op = load<u8>(pc);
    if (op == OP_LIT) {
      let n = <i32>load<u16>(pc + 1);
      if (!matches(p, e, pc + 3, n)) return p == s ? Reason.NoFields : Reason.TooFewFields;
      p += <usize>n;
      pc += 3 + <usize>n;
      continue;
    }
    // OP_CAP
    let slot = <i32>load<u8>(pc + 1);
    let conv = <i32>load<u8>(pc + 2);
    let nameId = <i32>load<u16>(pc + 3);
    let mode = load<u8>(pc + 5);
    pc += 6;
    let fe: usize;
    if (slot == Slot.Time && conv == Conv.Clf) {
      // "dd/Mon/yyyy:HH:MM:SS +hhmm" has a space of its own: its length, not the next literal, ends it
      fe = p + CLF_TIME_LEN + (p < e && load<u8>(p) == 0x5b ? 2 : 0);
      if (fe > e) return Reason.BadTimestamp;
    } else if (pc >= end) {
      fe = e;
    } else {
      // the next op is a literal (the compiler never puts two captures side by side)
      let n = <i32>load<u16>(pc + 1);
      fe = findLiteral(p, e, pc + 3, n, mode);
      if (fe >= e) return Reason.TooFewFields;
    }
    if (slot != Slot.None) assign(slot, conv, nameId, p, fe);
    p = fe;
  }
  return finalize();
}
