import { findByte, findEither, copyBytes } from './scan';
import { hashBytes } from './hash';
import { agentVerdictOf, setAgentVerdict, agentHashOf } from './actors';

// Attack signatures per request (SPEC §3) on the decoded path, query, user agent and referrer.
// Text is percent-decoded repeatedly (attackers double-encode), '+' read as a space, lower-cased,
// SQL comments turned into spaces, then searched for keyword patterns that need their context
// ("union" then "select", a quote then "or 1=1") so that benign look-alikes — a product called
// "select", a search for "union station", app.js — are not flagged. A cheap pre-check skips the
// decoding for the plain text most requests are.

export const enum Attack {
  Sqli = 1,
  Xss = 2,
  Traversal = 4,
  Cmdi = 8,
  Jndi = 16,
  FileInclusion = 32,
  Scanner = 64,
}

const BUF: i32 = 8192;
// static (memory.data, zeroed): a constant address, where a heap.alloc'd one is a global to load
const buf = memory.data(BUF + 64, 16);
const tmp = memory.data(BUF + 64, 16);
let len: i32 = 0;

// Which byte pairs the loaded text has (hashed into 4096 slots): a needle with a pair the text
// lacks cannot be in it, so most of the hundreds of keyword searches end before any scan. A slot
// holds the number of the last text that had the pair, so nothing is cleared per text.
const pairs = memory.data(4096, 16);
let textNo: u32 = 0;

@inline function pairBit(a: u32, b: u32): u32 { return ((a * 31) ^ b) & 4095; }

function indexPairs(): void {
  if (++textNo > 255) { memory.fill(pairs, 0, 4096); textNo = 1; }
  let g = <u8>textNo;
  let m31 = v128.load(TABLES, I16_31), mask = v128.load(TABLES, I16_4095);
  // 16 pairs at a time (pairBit in 16-bit lanes); the pairs past the end, with the zeros after
  // the text, only add false positives
  for (let i = 0; i + 1 < len; i += 16) {
    let v = v128.load(buf + <usize>i), w = v128.load(buf + <usize>i, 1);
    let lo = v128.and(v128.xor(i16x8.mul(i16x8.extend_low_i8x16_u(v), m31), i16x8.extend_low_i8x16_u(w)), mask);
    let hi = v128.and(v128.xor(i16x8.mul(i16x8.extend_high_i8x16_u(v), m31), i16x8.extend_high_i8x16_u(w)), mask);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(lo, 0), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(lo, 1), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(lo, 2), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(lo, 3), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(lo, 4), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(lo, 5), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(lo, 6), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(lo, 7), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(hi, 0), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(hi, 1), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(hi, 2), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(hi, 3), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(hi, 4), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(hi, 5), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(hi, 6), g);
    store<u8>(pairs + <usize>i16x8.extract_lane_u(hi, 7), g);
  }
}

/** Code unit k of a needle (the needles are static ASCII strings; k < length, unchecked). */
@inline function code(needle: string, k: i32): u32 {
  return <u32>load<u16>(changetype<usize>(needle) + (<usize>k << 1));
}

@inline function pairSeen(a: u32, b: u32): bool {
  return <u32>load<u8>(pairs + <usize>pairBit(a, b)) == textNo;
}

/** False when the needle surely is not in the text (a byte pair of it is absent). */
function maybeHas(needle: string): bool {
  let n = needle.length;
  for (let k = 0; k + 1 < n; k++) {
    if (!pairSeen(code(needle, k), code(needle, k + 1))) return false;
  }
  return true;
}

@inline function hexVal(c: u32): i32 {
  if (c - 48 <= 9) return <i32>(c - 48);
  let l = c | 0x20;
  if (l - 97 <= 5) return <i32>(l - 87);
  return -1;
}

/** One round of %XX decoding of buf into tmp, then back; true when something was decoded. */
function decodeRound(plus: bool): bool {
  let n = 0;
  let changed = false;
  let pct = i8x16.splat(0x25), back = i8x16.splat(0x5c), sign = plus ? i8x16.splat(0x2b) : pct;
  let i = 0;
  while (i < len) {
    // a run of bytes that are none of % \ (+), copied 16 at a time (buf and tmp have room past len)
    let v = v128.load(buf + <usize>i);
    let m = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, pct), i8x16.eq(v, back)), i8x16.eq(v, sign)));
    if ((m & 1) == 0) {
      let run = m != 0 ? <i32>ctz(m) : 16;
      if (run > len - i) run = len - i;
      v128.store(tmp + <usize>n, v);
      i += run;
      n += run;
      continue;
    }
    let c = <u32>load<u8>(buf + <usize>i);
    if (c == 0x25 && i + 2 < len) {
      let h = hexVal(load<u8>(buf + <usize>(i + 1))), l = hexVal(load<u8>(buf + <usize>(i + 2)));
      if (h >= 0 && l >= 0) {
        store<u8>(tmp + <usize>(n++), <u8>((h << 4) | l));
        i += 3;
        changed = true;
        continue;
      }
      // %u00XX (IIS)
      if ((load<u8>(buf + <usize>(i + 1)) | 0x20) == 0x75 && i + 5 < len) {
        let a = hexVal(load<u8>(buf + <usize>(i + 4))), b = hexVal(load<u8>(buf + <usize>(i + 5)));
        if (a >= 0 && b >= 0 && load<u8>(buf + <usize>(i + 2)) == 0x30 && load<u8>(buf + <usize>(i + 3)) == 0x30) {
          store<u8>(tmp + <usize>(n++), <u8>((a << 4) | b));
          i += 6;
          changed = true;
          continue;
        }
      }
    }
    if (plus && c == 0x2b) {
      store<u8>(tmp + <usize>(n++), 0x20);
      i++;
      changed = true;
      continue;
    }
    // \u006a (Java, JSON escapes of ASCII)
    if (c == 0x5c && i + 5 < len && load<u8>(buf + <usize>(i + 1)) == 0x75 && load<u8>(buf + <usize>(i + 2)) == 0x30 && load<u8>(buf + <usize>(i + 3)) == 0x30) {
      let a = hexVal(load<u8>(buf + <usize>(i + 4))), b = hexVal(load<u8>(buf + <usize>(i + 5)));
      if (a >= 0 && b >= 0) {
        store<u8>(tmp + <usize>(n++), <u8>((a << 4) | b));
        i += 6;
        changed = true;
        continue;
      }
    }
    store<u8>(tmp + <usize>(n++), <u8>c);
    i++;
  }
  copyBytes(buf, tmp, n);
  len = n;
  return changed;
}

/** Loads [s, e) into buf: decoded (up to 3 rounds), lower-cased, SQL comments as spaces. */
function load_(s: usize, e: usize, plus: bool): void {
  let n = <i32>(e - s);
  if (n > BUF) n = BUF;
  // inline 16-byte copies (the source has PAD after it, buf 64 spare bytes)
  copyBytes(buf, s, n);
  len = n;
  for (let r = 0; r < 3; r++) {
    // another round only while a percent sign or backslash (or, first, a plus) is left to decode
    if (!(plus && r == 0) && findEither(buf, buf + <usize>len, 0x25, 0x5c) >= buf + <usize>len) break;
    if (!decodeRound(plus && r == 0)) break;
  }
  normalise();
}

/**
 * Lower-case; NUL bytes dropped (".%00./" is "../"); newlines as ";" (a shell separator);
 * overlong UTF-8 and Unicode look-alikes of "." "/" "\\" as themselves (IIS decoded them).
 */
function normalise(): void {
  let n = 0;
  let i = 0;
  while (i < len) {
    // 16 bytes at a time while none is a control byte or a UTF-8 lead (>= 0xc0): then only A-Z
    // change. The store at n <= i never reaches bytes not yet read.
    // The last block too when its bytes in range qualify (those past len are read, not used).
    let left = len - i < 16 ? len - i : 16;
    let v = v128.load(buf + <usize>i);
    if ((i8x16.bitmask(v128.or(i8x16.lt_u(v, i8x16.splat(0x20)), i8x16.ge_u(v, i8x16.splat(<i8>0xc0)))) & ((<i32>1 << left) - 1)) == 0) {
      let upper = v128.and(i8x16.ge_u(v, i8x16.splat(0x41)), i8x16.le_u(v, i8x16.splat(0x5a)));
      v128.store(buf + <usize>n, v128.or(v, v128.and(upper, i8x16.splat(0x20))));
      i += left;
      n += left;
      continue;
    }
    let c = <u32>load<u8>(buf + <usize>i);
    if (c == 0) { i++; continue; }
    if (c == 0x0a || c == 0x0d) c = 0x3b;
    else if (c == 0x09) c = 0x20;
    else if (c - 0x41 <= 25) c |= 0x20;
    else if (c >= 0xc0 && i + 1 < len) {
      let d = <u32>load<u8>(buf + <usize>(i + 1));
      let e = i + 2 < len ? <u32>load<u8>(buf + <usize>(i + 2)) : 0;
      let step = c == 0xe0 ? 2 : 1;
      if ((c == 0xc0 && (d == 0xae || d == 0x2e)) || (c == 0xe0 && d == 0x80 && e == 0xae)) { c = 0x2e; i += step; }
      else if ((c == 0xc0 && (d == 0xaf || d == 0x2f)) || (c == 0xe0 && d == 0x80 && e == 0xaf)) { c = 0x2f; i += step; }
      else if ((c == 0xc1 && (d == 0x9c || d == 0x1c)) || (c == 0xc0 && d == 0x5c)) { c = 0x5c; i += 1; }
      else if (c == 0xe2 && d == 0x88 && (e == 0x95 || e == 0x96)) { c = e == 0x95 ? 0x2f : 0x5c; i += 2; }
    }
    store<u8>(buf + <usize>(n++), <u8>c);
    i++;
  }
  len = n;
  // zeros past the text: suspicious() reads whole blocks
  v128.store(buf + <usize>n, i8x16.splat(0));
  v128.store(buf + <usize>n, i8x16.splat(0), 16);
  indexPairs();
}

// SQL comments as spaces ("union" comment "select"); MySQL's version comments keep their content.
function stripComments(): void {
  if (find('/*', 0, -1) < 0) return;
  stripCommentsIn();
  indexPairs();
}

function stripCommentsIn(): void {
  for (let i = 0; i + 1 < len; i++) {
    if (load<u8>(buf + <usize>i) == 0x2f && load<u8>(buf + <usize>(i + 1)) == 0x2a) {
      let j = i + 2;
      while (j + 1 < len && !(load<u8>(buf + <usize>j) == 0x2a && load<u8>(buf + <usize>(j + 1)) == 0x2f)) j++;
      let end = j + 1 < len ? j + 2 : len;
      // keep the MySQL version comment's content: /*!50000select*/
      if (i + 2 < len && load<u8>(buf + <usize>(i + 2)) == 0x21) {
        store<u8>(buf + <usize>i, 0x20);
        store<u8>(buf + <usize>(i + 1), 0x20);
        store<u8>(buf + <usize>(i + 2), 0x20);
        let k = i + 3;
        while (k < len && <u32>load<u8>(buf + <usize>k) - 48 <= 9) { store<u8>(buf + <usize>k, 0x20); k++; }
        if (j + 1 < len) { store<u8>(buf + <usize>j, 0x20); store<u8>(buf + <usize>(j + 1), 0x20); }
      } else {
        for (let k = i; k < end; k++) store<u8>(buf + <usize>k, 0x20);
      }
      i = end - 1;
    }
  }
}

/** Position of the ASCII needle in buf[from, to), or -1. */
function find(needle: string, from: i32, to: i32): i32 {
  if (to < 0 || to > len) to = len;
  let n = needle.length;
  if (n == 0) return from;
  if (!maybeHas(needle)) return -1;
  let first = <u8>code(needle, 0);
  let p = buf + <usize>from;
  let end = buf + <usize>to;
  while (p + <usize>n <= end) {
    let q = findByte(p, end, first);
    if (q + <usize>n > end) return -1;
    let ok = true;
    for (let k = 1; k < n; k++) {
      if (<u32>load<u8>(q + <usize>k) != code(needle, k)) { ok = false; break; }
    }
    if (ok) return <i32>(q - buf);
    p = q + 1;
  }
  return -1;
}

/**
 * Whether buf holds the needle. Its first byte pair is tested here, inline: most of the hundreds
 * of searches a text gets end there, and a call to find costs more than the test.
 */
@inline function has(needle: string): bool {
  return (needle.length < 2 || pairSeen(code(needle, 0), code(needle, 1))) && find(needle, 0, -1) >= 0;
}

@inline function at(i: i32): u32 { return i >= 0 && i < len ? <u32>load<u8>(buf + <usize>i) : 0; }
@inline function isWord(c: u32): bool { return c - 97 <= 25 || c - 48 <= 9 || c == 0x5f; }
@inline function skipSpaces(i: i32): i32 {
  while (i < len && (at(i) == 0x20 || at(i) == 0x28 || at(i) == 0x29)) i++;
  return i;
}

/** The word needle at i..: not preceded or followed by a word character. */
function word(needle: string, from: i32 = 0, to: i32 = -1): i32 {
  let i = from;
  while (true) {
    i = find(needle, i, to);
    if (i < 0) return -1;
    if (!isWord(at(i - 1)) && !isWord(at(i + needle.length))) return i;
    i++;
  }
  return -1;
}

function sqli(): bool {
  // UNION [ALL|DISTINCT] SELECT
  let u = word('union');
  while (u >= 0) {
    let s = word('select', u + 5, u + 22);
    if (s >= 0) return true;
    u = word('union', u + 5);
  }
  // SELECT … FROM with SQL punctuation around
  let s = word('select');
  if (s >= 0 && word('from', s + 6, s + 120) >= 0 && (has("'") || has('(') || has('*') || has(',') || has('--') || has(';'))) return true;
  // a quote closing a string, then a boolean test or a comment
  // the quotes found 16 bytes at a time (a mark past len, where a longer text was before decoding,
  // comes to nothing: at() reads 0 there and find() stops at len)
  for (let b = 0; b < len; b += 16) {
    let v = v128.load(buf + <usize>b);
    let marks = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, i8x16.splat(0x27)), i8x16.eq(v, i8x16.splat(0x22))), i8x16.eq(v, i8x16.splat(0x60))));
    while (marks) {
      let q = b + <i32>ctz(marks);
      marks &= marks - 1;
      let i = skipSpaces(q + 1);
      if ((at(i) == 0x6f && at(i + 1) == 0x72 && !isWord(at(i + 2))) || (at(i) == 0x61 && at(i + 1) == 0x6e && at(i + 2) == 0x64 && !isWord(at(i + 3))) || (at(i) == 0x7c && at(i + 1) == 0x7c) || (at(i) == 0x26 && at(i + 1) == 0x26)) {
        // ' or 1=1, ' and 'a'='a, ' or sleep(5)
        let end = i + 40 < len ? i + 40 : len;
        for (let k = i + 2; k < end; k++) {
          let d = at(k);
          if (d == 0x3d || d == 0x3c || d == 0x3e || d == 0x28) return true;
        }
        if (word('like', i, end) >= 0 || word('is', i, end) >= 0 && word('null', i, end) >= 0 || word('between', i, end) >= 0 || word('exists', i, end) >= 0) return true;
      }
      if ((at(i) == 0x2d && at(i + 1) == 0x2d) || at(i) == 0x23 || at(i) == 0x3b) {
        // ' -- , '# , '; followed by SQL
        if (at(i) != 0x3b || word('select', i) >= 0 || word('drop', i) >= 0 || word('insert', i) >= 0 || word('update', i) >= 0 || word('delete', i) >= 0 || word('exec', i) >= 0 || word('waitfor', i) >= 0 || word('shutdown', i) >= 0) return true;
      }
      if (word('union', i, i + 10) >= 0 || word('order', i, i + 10) >= 0 || word('group', i, i + 10) >= 0 || word('having', i, i + 10) >= 0 || word('waitfor', i, i + 10) >= 0 || word('procedure', i, i + 12) >= 0) return true;
    }
  }
  // or 1=1 / and (3020=3020) / )and(1)=(1) without a quote
  if (boolTest('or') || boolTest('and') || boolTest('xor') || boolTest('rlike') || boolTest('&&') || boolTest('||')) return true;
  if (has('case when') || has('iif(') || has('make_set(') || has('elt(') || has('regexp_substring(') || has('current_setting(') || has('current_user') && has('select') || has('version()') || has('database()') || has('user()') && has('select') || has('substring(') && has('select') || has('ascii(') && has('select') || has('mid(') && has('select') || has('ord(') && has('select') || has('rlike') && has('select')) return true;
  // a number glued to UNION: ".1union select", "1union select"
  let gu = find('union', 0, -1);
  if (gu > 0 && (at(gu - 1) - 48 <= 9 || at(gu - 1) == 0x2e || at(gu - 1) == 0x29) && word('select', gu + 5, gu + 22) >= 0) return true;
  // functions and objects no benign query names
  if (has('sleep(') || has('benchmark(') || has('pg_sleep') || has('waitfor delay') || has('extractvalue(') || has('updatexml(') || has('load_file(') || has('into outfile') || has('into dumpfile') || has('information_schema') || has('@@version') || has('xp_cmdshell') || has('sysobjects') || has('dbms_pipe') || has('utl_inaddr') || has('group_concat(') || has('concat(0x') || has('char(') && (has("'") || has('select')) || has('cast(') && has('select') || has('drop table') || has('insert into') && has('values') || has('delete from') || has('truncate table') || has('declare @') || has('exec(') || has('execute(') || has('sqlite_master') || has('pg_catalog') || has('mysql.user') || has('randomblob(') || has('dbms_') || has('0x7e') && has('(')) return true;
  // ORDER BY n with a quote or a comment (column count probing)
  let ob = word('order');
  if (ob >= 0 && word('by', ob + 5, ob + 12) >= 0 && (has("'") || has('--') || has('#'))) {
    let i = skipSpaces(find('by', ob, -1) + 2);
    if (at(i) - 48 <= 9) return true;
  }
  return false;
}

/** A boolean test after op: "or 1=1", "and (3020=3020)", "and 1>0". */
function boolTest(op: string): bool {
  let o = find(op, 0, -1);
  while (o >= 0) {
    let wordy = op.charCodeAt(0) >= 0x61;
    if (!wordy || (!isWord(at(o - 1)) && !isWord(at(o + op.length)))) {
      let i = o + op.length;
      while (at(i) == 0x20 || at(i) == 0x28) i++;
      let a = i;
      while (at(i) - 48 <= 9) i++;
      if (i > a) {
        while (at(i) == 0x20 || at(i) == 0x29) i++;
        let c = at(i);
        if (c == 0x3d) {
          // an equality of numbers, e.g. 1=1 or 3020=3020 (prose compares with < and >)
          i++;
          while (at(i) == 0x20 || at(i) == 0x28 || at(i) == 0x3d) i++;
          if (at(i) - 48 <= 9) return true;
        }
      }
    }
    o = find(op, o + op.length, -1);
  }
  return false;
}

function xss(): bool {
  if (has('<script') || has('</script') || scheme('javascript:') || scheme('vbscript:') || scheme('livescript:') || has('datasrc=') || has('<style') && has('@import') || has('document.cookie') || has('document.domain') || has('document.write') || has('window.location') || has('document.location') || has('fromcharcode') || has('expression(') || has('srcdoc=') || has('formaction=') || has('<svg') || has('<iframe') || has('<object') || has('<embed') || has('<frameset') || has('<applet') || has('<meta') || has('<base') || has('<isindex') || has('<marquee') || has('<details') || has('<math') || has('<xss') || has('data:text/html') || has('-moz-binding') || has('<!--') && has('-->') && has('<')) return true;
  // an HTML tag with an event handler: <img src=x onerror=…>
  let lt = find('<', 0, -1);
  while (lt >= 0) {
    let c = at(lt + 1);
    if (c - 97 <= 25 || c == 0x2f) {
      let i = lt + 1;
      while (i < len && at(i) != 0x3e) {
        if (at(i) == 0x6f && at(i + 1) == 0x6e && !isWord(at(i - 1))) {
          let k = i + 2;
          while (at(k) - 97 <= 25) k++;
          while (at(k) == 0x20) k++;
          if (k - i >= 5 && at(k) == 0x3d) return true;
        }
        i++;
      }
      // <img src=…> and friends with a script-ish payload
      if (word('img', lt + 1, lt + 5) >= 0 || word('body', lt + 1, lt + 6) >= 0 || word('a', lt + 1, lt + 3) >= 0 || word('input', lt + 1, lt + 7) >= 0 || word('video', lt + 1, lt + 7) >= 0 || word('style', lt + 1, lt + 7) >= 0 || word('link', lt + 1, lt + 6) >= 0 || word('div', lt + 1, lt + 5) >= 0) {
        if (has('alert') || has('prompt') || has('confirm') || has('eval') || has('src=') || has('href=')) return true;
      }
    }
    lt = find('<', lt + 1, -1);
  }
  // attribute breaking: "><, ' onmouseover=
  if ((has('"><') || has("'><")) ) return true;
  let on = find(' on', 0, -1);
  while (on >= 0) {
    let k = on + 3;
    while (at(k) - 97 <= 25) k++;
    if (k - on >= 7 && at(k) == 0x3d && (has('alert') || has('prompt') || has('confirm') || has('eval') || has('(') || at(on - 1) == 0x22 || at(on - 1) == 0x27)) return true;
    on = find(' on', on + 1, -1);
  }
  if ((has('alert(') || has('prompt(') || has('confirm(')) && (has('<') || has('"') || has("'") || has(';') || has('javascript'))) return true;
  return false;
}

/** A URL scheme used as one: "javascript:alert(1)", not the prose "JavaScript: Basics". */
function scheme(s: string): bool {
  let i = find(s, 0, -1);
  while (i >= 0) {
    let c = at(i + s.length);
    if (c != 0x20 && c != 0) return true;
    i = find(s, i + 1, -1);
  }
  return false;
}

function traversal(): bool {
  if (has('../') || has('..\\') || has('..;/') || has('..%5c') || has('/..') && (has('/etc/') || has('/windows/')) || has('0x2e0x2e') || has('.../')) return true;
  // the usual targets with whatever separator an encoding trick left: "etc0x2fpasswd", "etc%bg%qfissue"
  let e = find('etc', 0, -1);
  while (e >= 0) {
    let to = e + 16 < len ? e + 16 : len;
    if (find('passwd', e + 3, to) >= 0 || find('shadow', e + 3, to) >= 0 || find('issue', e + 3, to) >= 0 || find('hosts', e + 3, to) >= 0 && at(e - 1) != 0x74) return true;
    e = find('etc', e + 3, -1);
  }
  let wi = find('web-inf', 0, -1);
  if (wi >= 0 && find('web.xml', wi, wi + 20) >= 0) return true;
  if (has('....') && (has('/') || has('\\')) || has('global.asa') || has('c:/inetpub') || has('c:\\inetpub') || has('0x2f..') || has('..0x2f') || has('..0x5c')) return true;
  if (has('web-inf') || has(':oot.ini') || has('.oot.ini')) return true;
  if (has('/etc/passwd') || has('/etc/shadow') || has('/etc/hosts') || has('/etc/group') || has('/etc/issue') || has('win.ini') || has('boot.ini') || has('system32') || has('/proc/self/') || has('c:\\windows') || has('c:/windows') || has('web-inf/web.xml') || has('.htpasswd') || has('/var/log/')) return true;
  return false;
}

/** Commands an injection runs (allocated once: a static array of static strings); "x.exe" is x. */
const COMMANDS: StaticArray<string> = ['cat', 'ls', 'id', 'whoami', 'uname', 'wget', 'curl', 'nc', 'ncat', 'netcat', 'bash', 'sh', 'zsh', 'ping', 'echo', 'rm', 'chmod', 'python', 'python3', 'perl', 'php', 'ruby', 'nslookup', 'dig', 'sleep', 'cmd', 'powershell', 'ifconfig', 'ipconfig', 'netstat', 'busybox', 'tftp', 'telnet', 'passwd', 'pwd', 'ps', 'mkfifo', 'nohup', 'sudo', 'base64', 'xxd', 'crontab', 'systeminfo', 'hostname', 'reboot', 'shutdown', 'certutil', 'bitsadmin', 'mshta', 'rundll32', 'regsvr32', 'cscript', 'wscript', 'tasklist', 'taskkill', 'expr', 'true', 'false', 'dir', 'net'];

/** Per word length (< 17) and first letter, a bit per command of them (by index in COMMANDS). */
const commandIndex = heap.alloc(17 * 26 * 8);
function indexCommands(): void {
  memory.fill(commandIndex, 0, 17 * 26 * 8);
  for (let k = 0; k < COMMANDS.length; k++) {
    let c = unchecked(COMMANDS[k]);
    let p = commandIndex + <usize>((c.length * 26 + c.charCodeAt(0) - 0x61) << 3);
    store<u64>(p, load<u64>(p) | (<u64>1 << <u64>k));
  }
}
indexCommands();

/** commandAt's word bytes: 1 for a-z, 0-9, "_", "."; 2 for "/". */
const wordClass = heap.alloc(256);
memory.fill(wordClass, 0, 256);
for (let c = 0; c < 256; c++) if (isWord(c) || c == 0x2e) store<u8>(wordClass + <usize>c, 1);
store<u8>(wordClass + 0x2f, 2);

/** Where the word commandAt last looked at starts and ends (a ".exe" and a path included). */
let cmdStart: i32 = 0;
let cmdEnd: i32 = 0;

/** A command after a shell separator: ;cat /etc/passwd, |id, $(whoami), `uname -a`, ping.exe. */
function commandAt(i: i32): bool {
  while (at(i) == 0x20 || at(i) == 0x7b) i++;
  let start = i;
  let slash = false;
  // by a byte-class table, reading buf directly: i >= 0, and the zero after the text ends the word
  while (true) {
    let k = load<u8>(wordClass + <usize>load<u8>(buf + <usize>i));
    if (k == 0) break;
    if (k == 2) slash = true;
    i++;
  }
  cmdStart = start;
  cmdEnd = i;
  let w = i - start;
  if (w < 2) return false;
  // a query parameter named like a command ("&id=5") is not one
  if (at(i) == 0x3d) return false;
  let c0 = at(start);
  // a path to a binary: /bin/sh, /usr/bin/id, /sbin/ifconfig, usr/bin/id (its first slash lost)
  if (slash) {
    let b = find('bin/', start, i);
    if (b >= 0 && b + 4 < i && (b == start || at(b - 1) == 0x2f || at(b - 1) == 0x73 && (b - 1 == start || at(b - 2) == 0x2f))) return true;
    if (c0 == 0x2f && find('/tmp/', start, i) >= 0) return true;
  }
  // Windows runs "ping.exe" as "ping"
  if (w >= 6 && at(i - 4) == 0x2e && at(i - 3) == 0x65 && at(i - 2) == 0x78 && at(i - 1) == 0x65) w -= 4;
  // only the commands of this length and first letter (every command starts with a-z)
  if (w > 16 || c0 - 0x61 > 25) return false;
  let m = load<u64>(commandIndex + <usize>((w * 26 + <i32>c0 - 0x61) << 3));
  while (m) {
    let cand = unchecked(COMMANDS[<i32>ctz(m)]);
    let ok = true;
    for (let j = 1; j < w; j++) if (at(start + j) != <u32>cand.charCodeAt(j)) { ok = false; break; }
    if (ok) return true;
    m &= m - 1;
  }
  return false;
}

/**
 * What follows a command word at k makes it a command line: options ("ls -la", "ping -n 3")
 * or a system path as its argument ("cat /etc/passwd", "dir c:\", "dir c: |").
 */
function commandArgs(k: i32): bool {
  if (at(k) != 0x20) return false;
  let c = at(k + 1);
  if (c == 0x2d) return at(k + 2) - 97 <= 25;
  if (c == 0x2f) {
    let d = at(k + 2);
    // /etc/ /bin/ /usr/ /tmp/ /var/ /dev/ /proc/ /home/ /root/ /sbin/ /opt/ /boot/
    if (d != 0x65 && d != 0x62 && d != 0x75 && d != 0x74 && d != 0x76 && d != 0x64 && d != 0x70 && d != 0x68 && d != 0x72 && d != 0x73 && d != 0x6f) return false;
    let p = k + 2;
    let e = p;
    while (at(e) - 97 <= 25) e++;
    if (at(e) != 0x2f && at(e) != 0 && at(e) != 0x20) return false;
    let n = e - p;
    if (n == 3) return find('etc', p, e) == p || find('bin', p, e) == p || find('usr', p, e) == p || find('tmp', p, e) == p || find('var', p, e) == p || find('dev', p, e) == p || find('opt', p, e) == p;
    if (n == 4) return find('proc', p, e) == p || find('home', p, e) == p || find('root', p, e) == p || find('sbin', p, e) == p || find('boot', p, e) == p;
    return false;
  }
  // a drive: "c:", "c:\", "c:/", "c: |" (not "echo a: b")
  if (c - 97 <= 25 && at(k + 2) == 0x3a) {
    let d = at(k + 3);
    if (d == 0x20) d = at(k + 4);
    return d == 0 || d == 0x5c || d == 0x2f || d == 0x7c || d == 0x26 || d == 0x3b;
  }
  return false;
}

/** The command word [cmdStart, cmdEnd) is "true" or "false": alone, a cookie's or a form's flag. */
function booleanWord(): bool {
  let n = cmdEnd - cmdStart;
  return n == 4 && find('true', cmdStart, cmdEnd) == cmdStart || n == 5 && find('false', cmdStart, cmdEnd) == cmdStart;
}

function cmdi(): bool {
  // code execution in the application's language
  if (has('eval(') || has('assert(') || has('passthru(') || has('shell_exec(') || has('proc_open(') || has('popen(') || has('phpinfo()') || has('<!--#exec') || has('system(') && (has("'") || has('"')) || has('runtime.getruntime') || has('processbuilder') || has('/usr/bin/') || has('/usr/sbin/')) return true;
  // a shell command handed to exec() (PHP, Perl, Node): exec('whoami'), exec("ls -la")
  let x = find('exec(', 0, -1);
  while (x >= 0) {
    if ((at(x + 5) == 0x27 || at(x + 5) == 0x22) && commandAt(x + 6)) return true;
    x = find('exec(', x + 5, -1);
  }
  // OGNL / EL expression injection running commands (Confluence, Struts)
  if ((has('${(#') || has('%{(#') || has('%{#') || has('${#')) && (has('@java.lang') || has('runtime') || has('exec') || has('ognl') || has('#context') || has('#_memberaccess'))) return true;
  // shellshock
  if (has('() {') && (has(':;') || has('; };') || has(';};'))) return true;
  if (has('/bin/sh') || has('/bin/bash') || has('/bin/busybox') || has('cmd.exe') || has('cmd /c') || has('powershell') || has('${ifs}') || has('$ifs$') || has('nc -e') || has('/dev/tcp/') || has('chmod +x') || has('chmod 777') || has('rm -rf') || has('| sh') || has('|sh') || has('wget http') && (has(';') || has('|') || has('`') || has('$(')) || has('curl http') && (has(';') || has('|') || has('`') || has('$('))) return true;
  if (bareCommand()) return true;
  // the separators found 16 bytes at a time (one past len comes to nothing: at() reads 0 there)
  for (let b = 0; b < len; b += 16) {
    let v = v128.load(buf + <usize>b);
    let marks = i8x16.bitmask(v128.or(
      v128.or(v128.or(i8x16.eq(v, i8x16.splat(0x3b)), i8x16.eq(v, i8x16.splat(0x7c))), v128.or(i8x16.eq(v, i8x16.splat(0x60)), i8x16.eq(v, i8x16.splat(0x0a)))),
      v128.or(i8x16.eq(v, i8x16.splat(0x26)), i8x16.eq(v, i8x16.splat(0x24)))));
    while (marks) {
      let i = b + <i32>ctz(marks);
      marks &= marks - 1;
      let c = at(i);
      if (c == 0x3b || c == 0x7c || c == 0x60 || c == 0x0a) {
        if (commandAt(i + 1)) return true;
      } else if (c == 0x26 && at(i + 1) == 0x26) {
        if (commandAt(i + 2)) return true;
      } else if (c == 0x26 && at(i + 1) == 0x20) {
        // "& ping -n 30 …", "& dir c:\": a command line after a lone ampersand ("LC & NC - Boys" is
        // prose); "=& id": a command alone right after the ampersand that opens a value
        if (commandAt(i + 2)) {
          if (commandArgs(cmdEnd)) return true;
          let b = i - 1;
          while (at(b) == 0x20) b--;
          if ((b < 0 || at(b) == 0x3d) && !booleanWord()) {
            let d = at(cmdEnd);
            if (d == 0 || d == 0x26 || d == 0x3b || d == 0x7c || d == 0x20) return true;
          }
        }
      } else if (c == 0x26 && at(i + 1) != 0x20) {
        // "&id" is a query parameter unless a command follows ("&whoami"); "& sleep" is prose
        if (commandAt(i + 1)) return true;
      } else if (c == 0x24 && at(i + 1) == 0x28) {
        if (commandAt(i + 2)) return true;
      }
    }
  }
  return false;
}

function jndi(): bool {
  // Log4Shell lookups, and Text4Shell's ${script:…}/${dns:…}/${url:…} interpolations
  // obfuscated: ${j${k8s:k5:-nd}i:…}, ${jnd${123%ff:-i}:…}
  if (has('${') && has(':-') && (has('ldap') || has('rmi:') || has('dns:') || has('iiop') || has('${j'))) return true;
  return has('${script:') || has('${dns:') || has('${url:') || has('${jndi:') || has('${${') || has('${lower:') || has('${upper:') || has('${::-') || has('${env:') || has('${sys:') || has('${date:') || has('${base64:') || has('${main:') || has('${java:') || has('jndi:ldap') || has('jndi:rmi') || has('jndi:dns');
}

function fileInclusion(): bool {
  if (has('php://') || has('phar://') || has('zip://') || has('data://') || has('expect://') || has('file://') || has('glob://') || has('ogg://') || has('rar://') || has('compress.zlib://') || has('/proc/self/environ') || has('php://input')) return true;
  // a parameter whose value is a remote URL ending like an include: ?page=http://evil/shell.txt?
  let eq = find('=', 0, -1);
  while (eq >= 0) {
    let i = eq + 1;
    if (find('http://', i, i + 7) == i || find('https://', i, i + 8) == i || find('ftp://', i, i + 6) == i) {
      let amp = find('&', i, -1);
      let end = amp < 0 ? len : amp;
      if (at(end - 1) == 0x3f || find('.txt', i, end) >= 0 || find('shell', i, end) >= 0 || find('.php?', i, end) >= 0) return true;
      // the parameter's name
      let n = eq;
      while (n > 0 && isWord(at(n - 1))) n--;
      if (word('page', n, eq) == n || word('file', n, eq) == n || word('include', n, eq) == n || word('inc', n, eq) == n || word('path', n, eq) == n || word('template', n, eq) == n || word('doc', n, eq) == n || word('document', n, eq) == n || word('root', n, eq) == n || word('pg', n, eq) == n || word('lang', n, eq) == n || word('mod', n, eq) == n || word('conf', n, eq) == n || word('dir', n, eq) == n) return true;
    }
    eq = find('=', eq + 1, -1);
  }
  return false;
}

/** Probes for files and panels scanners look for (on the path). */
function probe(): bool {
  if (has('/.env') || has('/.git/') || (len >= 5 && find('/.git', len - 5, -1) == len - 5) || has('/.svn/') || has('/.hg/') || has('/.ds_store') || has('/.aws/') || has('/.ssh/') || has('/.htaccess') || has('/.htpasswd') || has('/.vscode/') || has('/.idea/') || has('/.docker') || has('/.npmrc') || has('/.bash_history')) return true;
  if (has('wp-login.php') || has('/xmlrpc.php') || has('wp-config') || has('/wp-admin/setup') || has('/wp-includes/wlwmanifest') || has('phpmyadmin') || has('/pma/') || has('/myadmin/') || has('/mysqladmin') || has('/adminer') || has('/phpinfo') || has('/server-status') || has('/server-info') || has('/actuator') || has('/vendor/phpunit') || has('eval-stdin.php') || has('/boaform') || has('/hnap1') || has('/solr/admin') || has('/jmx-console') || has('/manager/html') || has('/invoker/') || has('/console/login') || has('/cgi-bin/') || has('/_ignition/') || has('/telescope/') || has('/debug/default/view') || has('/tmui/') || has('/remote/fgt_lang') || has('/dana-na/') || has('/owa/auth/x.js') || has('/autodiscover.xml') && has('@') || has('/setup.cgi') || has('shell.php') || has('w00tw00t') || has('/cmd.php') || has('/c99.php') || has('/r57.php') || has('/webshell') || has('/config.json') || has('/backup.sql') || has('/dump.sql') || has('/database.sql') || has('/db.sql') || has('.sql.gz') || has('/wallet.dat') || has('/id_rsa') || has('/etc/passwd') || has('/sftp-config.json') || has('/.well-known/../')) return true;
  // backup copies of scripts: index.php.bak, config.php~, web.config.old
  if (find('.php.bak', 0, -1) >= 0 || find('.php~', 0, -1) >= 0 || find('.php.old', 0, -1) >= 0 || find('.config.old', 0, -1) >= 0 || find('.bak', len - 4, -1) == len - 4 && len > 4 || find('.swp', len - 4, -1) == len - 4 && len > 4) return true;
  return false;
}

/** Scanner user agents. */
function scannerAgent(): bool {
  return has('sqlmap') || has('nikto') || has('nuclei') || has('zgrab') || has('masscan') || has('nmap') || has('acunetix') || has('wpscan') || has('dirbuster') || has('gobuster') || has('dirb/') || has('ffuf') || has('wfuzz') || has('nessus') || has('openvas') || has('w3af') || has('burp') || has('arachni') || has('skipfish') || has('zmeu') || has('netsparker') || has('qualys') || has('jaeles') || has('httpx - open-source') || has('l9explore') || has('l9tcpid') || has('morfeus') || has('fuzz faster') || has('commix') || has('whatweb') || has('hydra') || has('medusa') || has('zap/') || has('owasp') || has('censysinspect') || has('expanse') || has('internet-measurement');
}

// Verdicts cached by the raw bytes' hash: paths and user agents repeat (most of a log's lines
// share a few thousand of each), so each distinct one is examined once.
/** The path verdict the last detect() had to compute (to be cached by the caller), or -1. */
export let computedPath: i32 = -1;

/**
 * Direct-mapped verdict caches (a slot per hash, overwritten on a miss): no growth and one probe,
 * for values that mostly repeat (user agents) or mostly do not (plain queries).
 */
const SLOTS: u32 = 1 << 14;
const agentCache = memory.data(<i32>SLOTS * 12, 16);
const queryCache = memory.data(<i32>SLOTS * 12, 16);
const refererCache = memory.data(<i32>SLOTS * 12, 16);

/** The cached verdict of hash h, or -1. Hash 0 marks an empty slot (h | 1 is stored). */
@inline function cached(cache: usize, h: u64): i32 {
  let p = cache + <usize>(<u32>h & (SLOTS - 1)) * 12;
  return load<u64>(p) == (h | 1) ? load<i32>(p, 8) : -1;
}

@inline function remember(cache: usize, h: u64, v: i32): void {
  let p = cache + <usize>(<u32>h & (SLOTS - 1)) * 12;
  store<u64>(p, h | 1);
  store<i32>(p, v, 8);
}

/**
 * Raw bytes with nothing an attack needs: no quote, bracket, shell sign, escape, percent, "@",
 * "..", "://", "+" (an encoded space), control or 8-bit byte. 16 bytes at a time (SIMD): it runs
 * on most paths and queries.
 */
function plainRaw(s: usize, e: usize): bool {
  // Byte classes by table lookups on the high and low nibble (two swizzles a table), not a
  // compare per byte value: the bad bytes, and the first and second bytes of the pairs that
  // start a needle of the exact checks below ("..", "0x", "etc/", ".ini", "passwd", "WEB-INF",
  // "web-inf", "://"): without any such pair, those checks cannot match. The tables are loaded
  // before the loop: V8 rebuilds a v128 constant at every use (~4 instructions).
  let nib = v128.load(TABLES, NIB), badLo = v128.load(TABLES, BAD_LO_URLS), badHi = v128.load(TABLES, BAD_HI);
  let firstLo = v128.load(TABLES, FIRST_LO_URLS), firstHi = v128.load(TABLES, FIRST_HI);
  let secondLo = v128.load(TABLES, SECOND_LO), secondHi = v128.load(TABLES, SECOND_HI);
  let bad = i8x16.splat(0), pairs = i8x16.splat(0);
  let p = s;
  // whole blocks whose pairs' second bytes are all in range
  while (e - p > 16) {
    let v = v128.load(p), w = v128.load(p, 1);
    let vLo = v128.and(v, nib), vHi = v128.and(i16x8.shr_u(v, 4), nib);
    let wLo = v128.and(w, nib), wHi = v128.and(i16x8.shr_u(w, 4), nib);
    bad = v128.or(bad, v128.and(i8x16.swizzle(badLo, vLo), i8x16.swizzle(badHi, vHi)));
    pairs = v128.or(pairs, v128.and(
      v128.and(i8x16.swizzle(firstLo, vLo), i8x16.swizzle(firstHi, vHi)),
      v128.and(i8x16.swizzle(secondLo, wLo), i8x16.swizzle(secondHi, wHi))
    ));
    p += 16;
  }
  if (p < e) {
    // the last 1..16 bytes: lanes past the end do not count (masks from the LANES table); in a
    // block of fewer than 16, DEL is bad too (as it always was there)
    let left = e - p;
    let v = v128.load(p), w = v128.load(p, 1);
    let vLo = v128.and(v, nib), vHi = v128.and(i16x8.shr_u(v, 4), nib);
    let wLo = v128.and(w, nib), wHi = v128.and(i16x8.shr_u(w, 4), nib);
    let m = v128.and(i8x16.swizzle(badLo, vLo), i8x16.swizzle(badHi, vHi));
    m = v128.or(m, v128.and(i8x16.eq(v, v128.load(TABLES, DEL)), v128.load(TABLES + ((left & 15) << 4), LANES)));
    bad = v128.or(bad, v128.and(m, v128.load(TABLES + (left << 4), LANES)));
    let q = v128.and(
      v128.and(i8x16.swizzle(firstLo, vLo), i8x16.swizzle(firstHi, vHi)),
      v128.and(i8x16.swizzle(secondLo, wLo), i8x16.swizzle(secondHi, wHi))
    );
    pairs = v128.or(pairs, v128.and(q, v128.load(TABLES + ((left - 1) << 4), LANES)));
  }
  if (v128.any_true(bad)) return false;
  if (!v128.any_true(pairs)) return true;
  // ".." and "://", rare enough for a plain search
  let d = findByte(s, e, 0x2e);
  while (d < e) {
    if (d + 1 < e && load<u8>(d + 1) == 0x2e) return false;
    d = findByte(d + 1, e, 0x2e);
  }
  // traversal targets and hex-spelled dots need no special character: "0x2e0x2e/etc/issue"
  if (rawHas(s, e, '0x2') || rawHas(s, e, '0x5') || rawHas(s, e, 'etc/') || rawHas(s, e, '.ini') || rawHas(s, e, 'passwd') || rawHas(s, e, 'WEB-INF') || rawHas(s, e, 'web-inf')) return false;
  let c = findByte(s, e, 0x3a);
  while (c < e) {
    if (c + 1 < e && load<u8>(c + 1) == 0x2f) return false;
    c = findByte(c + 1, e, 0x3a);
  }
  return true;
}

/**
 * A cheaper plainRaw for the many new raw paths (most are 9 to 48 bytes): true only when plainRaw
 * is, so plainRaw runs only when this is false. No bad byte, no DEL anywhere, and no first and
 * second byte of plainRaw's pairs at all, the pair that ends on the byte after e included. The
 * blocks at s, s + 16 and the one ending at e (overlapping: no lanes to mask but for a path
 * shorter than 16), straight-line: plainRaw's loop and masked tail cost about as much again.
 */
function plainFast(s: usize, e: usize): bool {
  let n = e - s;
  if (n > 48) return false;
  // the tables loaded once (V8 would load them again for each block)
  let nib = v128.load(TABLES, NIB), badLo = v128.load(TABLES, BAD_LO_URLS), badHi = v128.load(TABLES, BAD_HI);
  let firstLo = v128.load(TABLES, FIRST_LO_URLS), firstHi = v128.load(TABLES, FIRST_HI);
  let secondLo = v128.load(TABLES, SECOND_LO), secondHi = v128.load(TABLES, SECOND_HI), del = v128.load(TABLES, DEL);
  let m = plainBlock(s, nib, badLo, badHi, firstLo, firstHi, secondLo, secondHi, del);
  if (n < 16) m = v128.and(m, v128.load(TABLES + (n << 4), LANES));
  else if (n > 16) {
    m = v128.or(m, plainBlock(e - 16, nib, badLo, badHi, firstLo, firstHi, secondLo, secondHi, del));
    if (n > 32) m = v128.or(m, plainBlock(s + 16, nib, badLo, badHi, firstLo, firstHi, secondLo, secondHi, del));
  }
  return !v128.any_true(m);
}

/** plainFast's lanes at p: a bad byte or DEL, or the first byte of a pair. */
@inline function plainBlock(p: usize, nib: v128, badLo: v128, badHi: v128, firstLo: v128, firstHi: v128, secondLo: v128, secondHi: v128, del: v128): v128 {
  let v = v128.load(p), w = v128.load(p, 1);
  let vLo = v128.and(v, nib), vHi = v128.and(i16x8.shr_u(v, 4), nib);
  let wLo = v128.and(w, nib), wHi = v128.and(i16x8.shr_u(w, 4), nib);
  let m = v128.or(v128.and(i8x16.swizzle(badLo, vLo), i8x16.swizzle(badHi, vHi)), i8x16.eq(v, del));
  return v128.or(m, v128.and(
    v128.and(i8x16.swizzle(firstLo, vLo), i8x16.swizzle(firstHi, vHi)),
    v128.and(i8x16.swizzle(secondLo, wLo), i8x16.swizzle(secondHi, wHi))
  ));
}

/**
 * plainRaw for a referrer (only looked at for injections): no bad byte ("+" allowed) and no "..".
 * It runs on every line's referrer: cheaper than the hash of a verdict cache, and most are plain.
 */
function plainRef(s: usize, e: usize): bool {
  let nib = v128.load(TABLES, NIB), badLo = v128.load(TABLES, BAD_LO), badHi = v128.load(TABLES, BAD_HI);
  let dot = v128.load(TABLES, DOT);
  let bad = i8x16.splat(0);
  let p = s;
  while (e - p > 16) {
    let v = v128.load(p), w = v128.load(p, 1);
    let m = v128.and(i8x16.swizzle(badLo, v128.and(v, nib)), i8x16.swizzle(badHi, v128.and(i16x8.shr_u(v, 4), nib)));
    bad = v128.or(bad, v128.or(m, v128.and(i8x16.eq(v, dot), i8x16.eq(w, dot))));
    p += 16;
  }
  if (p < e) {
    let left = e - p;
    let v = v128.load(p), w = v128.load(p, 1);
    let m = v128.and(i8x16.swizzle(badLo, v128.and(v, nib)), i8x16.swizzle(badHi, v128.and(i16x8.shr_u(v, 4), nib)));
    m = v128.or(m, v128.and(i8x16.eq(v, v128.load(TABLES, DEL)), v128.load(TABLES + ((left & 15) << 4), LANES)));
    bad = v128.or(bad, v128.and(m, v128.load(TABLES + (left << 4), LANES)));
    bad = v128.or(bad, v128.and(v128.and(i8x16.eq(v, dot), i8x16.eq(w, dot)), v128.load(TABLES + ((left - 1) << 4), LANES)));
  }
  return !v128.any_true(bad);
}

// plainRaw's byte classes: a byte b is in a class when LO[b & 15] & HI[b >> 4] != 0; a bit per
// high nibble (or group of them) in HI, set in LO for the low nibbles that belong with it.
// Bad bytes: bit 0 every byte of 0x0_, 0x1_ (control) and 0x8_..0xf_ (8-bit); bit 1 of 0x2_:
// " $ % ' ( and, in URLs, + (an encoded space); bit 2 of 0x3_: ; < >; bit 3 @; bit 4 \; bit 5 `;
// bit 6 { |.
// Needle pairs, a bit each, as first byte / second byte: 0 "..", 1 "0x", 2 "tc", 3 ".i", 4 "pa",
// 5 "eb" in either case, 6 ":/".
//   first:  0 . (2e)  1 0 (30)  2 t (74)  3 . (2e)  4 p (70)  5 e E (65 45)  6 : (3a)
//   second: 0 . (2e)  1 x (78)  2 c (63)  3 i (69)  4 a (61)  5 b B (62 42)  6 / (2f)
const BAD_LO = 0, BAD_LO_URLS = 16, BAD_HI = 32, FIRST_LO_URLS = 48, FIRST_HI = 64, SECOND_LO = 80, SECOND_HI = 96, NIB = 112, DOT = 128;
// suspicious()'s bytes: bit 0 of 0x2_: " $ ' (; bit 1 of 0x3_: ; < >; bit 2 @; bit 3 \; bit 4 `; bit 5 { |
const SUS_LO = 144, SUS_HI = 160, AMP = 176, SPACE = 192, SLASH = 208, LETTER_U = 224;
// indexPairs()'s 16-bit lanes: 31 and 4095
const I16_31 = 240, I16_4095 = 256;
// DEL; then LANES + 16 * k: 0xff in lanes below k (k = 0..16)
const DEL = 272, LANES = 288;
const TABLES = memory.data<u8>([
  41, 1, 3, 1, 3, 3, 1, 3, 3, 1, 1, 69, 85, 1, 5, 1,
  41, 1, 3, 1, 3, 3, 1, 3, 3, 1, 1, 71, 85, 1, 5, 1,
  1, 1, 2, 4, 8, 16, 32, 64, 1, 1, 1, 1, 1, 1, 1, 1,
  2 | 16, 0, 0, 0, 4, 32, 0, 0, 0, 0, 64, 0, 0, 0, 1 | 8, 0,
  0, 0, 1 | 8, 2 | 64, 32, 0, 32, 4 | 16, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 16, 32, 4, 0, 0, 0, 0, 2, 8, 0, 0, 0, 0, 1, 64,
  0, 0, 1 | 64, 0, 32, 0, 4 | 8 | 16 | 32, 2, 0, 0, 0, 0, 0, 0, 0, 0,
  15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
  46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46,
  4 | 16, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 2 | 32, 2 | 8 | 32, 0, 2, 0,
  0, 0, 1, 2, 4, 8, 16, 32, 0, 0, 0, 0, 0, 0, 0, 0,
  38, 38, 38, 38, 38, 38, 38, 38, 38, 38, 38, 38, 38, 38, 38, 38,
  32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
  47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 47, 47,
  117, 117, 117, 117, 117, 117, 117, 117, 117, 117, 117, 117, 117, 117, 117, 117,
  31, 0, 31, 0, 31, 0, 31, 0, 31, 0, 31, 0, 31, 0, 31, 0,
  255, 15, 255, 15, 255, 15, 255, 15, 255, 15, 255, 15, 255, 15, 255, 15,
  127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
], 16);

/** Whether the raw bytes [s, e) contain the ASCII needle (case as written). */
function rawHas(s: usize, e: usize, needle: string): bool {
  let n = <usize>needle.length;
  let first = <u8>needle.charCodeAt(0);
  let p = s;
  while (p + n <= e) {
    let q = findByte(p, e, first);
    if (q + n > e) return false;
    let ok = true;
    for (let k = 1; k < <i32>n; k++) if (load<u8>(q + <usize>k) != <u8>needle.charCodeAt(k)) { ok = false; break; }
    if (ok) return true;
    p = q + 1;
  }
  return false;
}

/** What loaded text of plain words can still carry: SQL objects, "or 1=1", bare commands. */
function plainWords(): u32 {
  let bits: u32 = 0;
  if (has('information_schema') || has('sysobjects') || has('pg_catalog') || has('sqlite_master') || word('union') >= 0 && word('select') >= 0 || boolTest('or') || boolTest('and')) bits |= Attack.Sqli;
  if (bareCommand()) bits |= Attack.Cmdi;
  return bits;
}

/**
 * A value that is a command line ("ls -l /", "cat /etc/passwd", " ping.exe -n 3"), a command closed by
 * a shell separator ("id;"), or an unmistakable one alone ("whoami", "ipconfig /all").
 */
function bareCommand(): bool {
  let v = 0;
  while (true) {
    // leading spaces and a quote meant to close the application's own: `" ping.exe -n 31 …`
    let s = v;
    while (at(s) == 0x20 || at(s) == 0x22 || at(s) == 0x27) s++;
    if (commandAt(s)) {
      let k = cmdEnd;
      if (commandArgs(k)) return true;
      // "id;", "uname|": a command closed by a shell separator ("=true;" is a flag)
      if ((at(k) == 0x3b || at(k) == 0x7c) && (at(k + 1) == 0 || at(k + 1) == 0x26 || at(k + 1) == 0x20) && !booleanWord()) return true;
      let c = cmdStart;
      if (k - c >= 6 && (at(k) == 0 || at(k) == 0x26 || at(k) == 0x20 && at(k + 1) == 0x2f && at(k + 2) - 97 <= 25)) {
        if (find('whoami', c, k) == c || find('ipconfig', c, k) == c || find('ifconfig', c, k) == c || find('netstat', c, k) == c || find('systeminfo', c, k) == c) return true;
      }
    }
    let eq = find('=', v, -1);
    if (eq < 0) break;
    v = eq + 1;
  }
  return false;
}

/**
 * Scanner probes by endpoint template ("GET /wp-login.php"): templates are few, and a probe's
 * path has no id in it, so each template is looked at once (from endpoints.ts).
 */
export function probeBits(s: usize, e: usize): u32 {
  load_(s, e, false);
  return probe() ? Attack.Scanner : 0;
}

// A path whose template hides part of it (an id in hex, a token) is judged on every new raw path:
// most are like /api/v1/invoices/8197eb3614672bbccb77e5b2, which pathBits() always finds clean,
// at thousands of instructions. quietText() sees that for a fraction: the bytes are letters,
// digits and / . - _ ~ only (so nothing is decoded and suspicious() can only see "/usr"), there
// is no "..", and no three bytes (case folded) of QUIET_PATH occur. Each needle of traversal(),
// probe() and fileInclusion() that such text can hold has one of them (those with "..", ":", "@",
// "\", "%" cannot occur), so none of them can match. A new needle there needs its triple here.
const QUIET_PATH: StaticArray<string> = [
  // traversal(): 0x2e0x2e, etc (passwd, shadow, …), web-inf, global.asa, *.ini, system32,
  // /proc/self/, .htpasswd, /var/log/
  '0x2', 'etc', 'b-i', 'l.a', '.in', 'm32', 'lf/', '.ht', 'r/l',
  // probe(): /.env /.git /.svn /.ssh /.hg /.htaccess /.ds_store /.docker /.aws /.vscode /.idea
  // /.npmrc /.bash_history /.well-known
  '/.e', '/.g', '/.s', '/.h', '/.d', '/.a', '/.v', '/.i', '/.n', '/.b', '/.w',
  // wp-*, xmlrpc, phpmyadmin, /pma/, /myadmin/, *.sql (mysqladmin too), adminer, phpinfo,
  // server-status, server-info, actuator, phpunit, eval-stdin, boaform, hnap1, solr, jmx-console,
  // manager/html, invoker, console/login, cgi-bin and setup.cgi, _ignition, telescope, debug/default,
  // tmui, fgt_lang, dana-na, owa, autodiscover, shell.php, w00tw00t, cmd.php, c99, r57, webshell,
  // config.json, wallet.dat, id_rsa, *.php.bak *.php~ *.php.old, .config.old, .bak, .swp
  'wp-', 'rpc', 'hpm', 'pma', 'mya', 'sql', 'dmi', 'hpi', 'r-s', 'r-i', 'uat', 'hpu', 'l-s', 'oaf',
  'ap1', 'olr', 'jmx', 'r/h', 'vok', 'e/l', 'cgi', '/_i', 'esc', 'g/d', 'tmu', 'fgt', 'a-n', 'owa',
  'odi', 'l.p', 'w00', 'cmd', 'c99', 'r57', 'bsh', 'g.j', 't.d', 'd_r', 'php', 'g.o', 'bak', 'swp',
  // fileInclusion(): /proc/self/environ (lf/ above); suspicious(): /usr
  'usr',
];
// The same for a query (most are new: ?v=2&sid=…, ?category=…&page=2), where "=" and "&" are
// allowed too. Such text is plainRaw() (it has no bad byte, "..", "://", and no triple of its
// needles 0x2 0x5 etc/ .ini passwd web-inf), so queryBits() is plainWords(): its four SQL objects,
// "union", and (no space, no separator) a bare command alone: whoami ipconfig ifconfig netstat
// systeminfo; boolTest() needs a space or "(" after "or"/"and".
const QUIET_QUERY: StaticArray<string> = [
  '0x2', '0x5', 'etc', '.in', 'ssw', 'b-i',
  'n_s', 'sob', 'g_c', 'e_m', 'uni', 'hoa', 'nfi', 'tst', 'yst',
];

/** Three bytes (the low ones of w, the case bit 0x20 set in each) hashed to 16 bits. */
@inline function tripleSlot(w: u32): usize {
  return <usize>(((w & 0xffffff) * 0x9e3779b1) >>> 16);
}

/** Per triple hash, bit 1 when a QUIET_PATH triple has it, bit 2 for QUIET_QUERY. */
const quietTriples = memory.data(65536, 16);
function indexTriples(list: StaticArray<string>, bit: u8): void {
  for (let k = 0; k < list.length; k++) {
    let t = unchecked(list[k]);
    let p = quietTriples + tripleSlot(0x202020 | <u32>t.charCodeAt(0) | (<u32>t.charCodeAt(1) << 8) | (<u32>t.charCodeAt(2) << 16));
    store<u8>(p, load<u8>(p) | bit);
  }
}
indexTriples(QUIET_PATH, 1);
indexTriples(QUIET_QUERY, 2);
// Which byte pairs (case folded) start a triple of QUIET_PATH (bytes 0..63) or QUIET_QUERY
// (64..127), as plainRaw's classes: a pair (a, b) may when FIRST_LO[a & 15] & FIRST_HI[a >> 4] &
// SECOND_LO[b & 15] & SECOND_HI[b >> 4] is not 0, a bit per group of first bytes (a & 7): more
// pairs than listed, never fewer. Only where one starts is a triple looked up.
const quietPairs = memory.data(128, 16);
function indexQuietPairs(list: StaticArray<string>, at: usize): void {
  for (let k = 0; k < list.length; k++) {
    let t = unchecked(list[k]);
    let a = 0x20 | <u32>t.charCodeAt(0), b = 0x20 | <u32>t.charCodeAt(1);
    let bit = <u8>(<u32>1 << (a & 7));
    let p = quietPairs + at;
    store<u8>(p + <usize>(a & 15), load<u8>(p + <usize>(a & 15)) | bit);
    store<u8>(p + 16 + <usize>(a >> 4), load<u8>(p + 16 + <usize>(a >> 4)) | bit);
    store<u8>(p + 32 + <usize>(b & 15), load<u8>(p + 32 + <usize>(b & 15)) | bit);
    store<u8>(p + 48 + <usize>(b >> 4), load<u8>(p + 48 + <usize>(b >> 4)) | bit);
  }
}
indexQuietPairs(QUIET_PATH, 0);
indexQuietPairs(QUIET_QUERY, 64);

/** The lanes of the class table pair at t (low nibbles, then high) for the nibbles lo and hi. */
@inline function nibbleClass(t: usize, lo: v128, hi: v128): v128 {
  return v128.and(i8x16.swizzle(v128.load(t), lo), i8x16.swizzle(v128.load(t, 16), hi));
}

// quietText reads the high nibble of a byte with its case bit set (hi | 2): the high-nibble
// tables are kept so indexed (entry h holds what entry h | 2 did), which saves the OR.
function caseFoldHigh(t: usize): void {
  for (let h = 0; h < 16; h++) store<u8>(t + <usize>h, load<u8>(t + <usize>(h | 2)));
}
caseFoldHigh(quietPairs + 16);
caseFoldHigh(quietPairs + 48);
caseFoldHigh(quietPairs + 64 + 16);
caseFoldHigh(quietPairs + 64 + 48);

/**
 * True when pathBits(s, e) (query false) or queryBits(s, e) (query true) is surely 0: see
 * QUIET_PATH and QUIET_QUERY. The bytes after e (" HTTP", "?", a quote) may add pairs and
 * triples: more "not sure", never a missed one.
 */
function quietText(s: usize, e: usize, query: bool): bool {
  // every byte a letter, digit, "-" "." "/" "_" or "~", in a query "=" and "&" too (byte classes
  // by nibble, QUIET_BYTES); no ".."
  let nib = v128.load(TABLES, NIB), dot = v128.load(TABLES, DOT);
  let okLo = v128.load(QUIET_BYTES + (query ? 16 : 0)), okHi = v128.load(QUIET_BYTES, 32);
  let pairs = quietPairs + (query ? 64 : 0);
  let fLo = v128.load(pairs), fHi = v128.load(pairs, 16), sLo = v128.load(pairs, 32), sHi = v128.load(pairs, 48);
  let bad = i8x16.splat(0);
  let hit: u32 = 0;
  for (let p = s; p < e; p += 16) {
    let v = v128.load(p), w = v128.load(p, 1);
    let vLo = v128.and(v, nib), vHi = v128.and(i16x8.shr_u(v, 4), nib);
    let wLo = v128.and(w, nib), wHi = v128.and(i16x8.shr_u(w, 4), nib);
    let m = v128.or(
      i8x16.eq(v128.and(i8x16.swizzle(okLo, vLo), i8x16.swizzle(okHi, vHi)), i8x16.splat(0)),
      v128.and(i8x16.eq(v, dot), i8x16.eq(w, dot)));
    // lanes past e do not count
    let left = e - p < 16 ? e - p : 16;
    bad = v128.or(bad, v128.and(m, v128.load(TABLES + (left << 4), LANES)));
    // no triple of the list: looked up only where a pair that starts one is (case folded: the
    // low nibbles are the same, the high-nibble tables caseFoldHigh'ed)
    let pair = v128.and(
      v128.and(i8x16.swizzle(fLo, vLo), i8x16.swizzle(fHi, vHi)),
      v128.and(i8x16.swizzle(sLo, wLo), i8x16.swizzle(sHi, wHi)));
    let at = ~i8x16.bitmask(i8x16.eq(pair, i8x16.splat(0))) & ((1 << <i32>left) - 1);
    while (at) {
      hit |= <u32>load<u8>(quietTriples + tripleSlot(load<u32>(p + <usize>ctz(at)) | 0x202020));
      at &= at - 1;
    }
  }
  if (v128.any_true(bad)) return false;
  return (hit & (query ? 2 : 1)) == 0;
}
// quietText's bytes: a byte b is one when LO[b & 15] & HI[b >> 4] != 0; by high nibble, bit 0
// 0x2_: - . / (and & in a query); bit 1 0x3_: 0-9 (and =); bit 2 0x4_ and 0x6_: letters 1..f;
// bit 3 0x5_: P-Z and _; bit 4 0x7_: p-z and ~. LO for a path, LO for a query, HI.
const QUIET_BYTES = memory.data<u8>([
  2 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16,
  2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 4 | 8 | 16, 4, 4, 1 | 4, 1 | 4 | 16, 1 | 4 | 8,
  2 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 1 | 2 | 4 | 8 | 16, 2 | 4 | 8 | 16,
  2 | 4 | 8 | 16, 2 | 4 | 8 | 16, 4 | 8 | 16, 4, 4, 1 | 2 | 4, 1 | 4 | 16, 1 | 4 | 8,
  0, 0, 1, 2, 4, 8, 4, 16, 0, 0, 0, 0, 0, 0, 0, 0,
], 16);

function pathBits(ps: usize, pe: usize): u32 {
  let bits: u32 = 0;
  load_(ps, pe, false);
  if (traversal()) bits |= Attack.Traversal;
  if (probe()) bits |= Attack.Scanner;
  if (fileInclusion()) bits |= Attack.FileInclusion;
  if (suspicious()) bits |= inject();
  return bits;
}

function agentBits(us: usize, ue: usize): u32 {
  let bits: u32 = 0;
  load_(us, ue, false);
  if (scannerAgent()) bits |= Attack.Scanner;
  // user agents are prose ("; U; id)"): only shell syntax that cannot be, and shellshock
  if (suspicious()) {
    bits |= (jndi() ? Attack.Jndi : 0) | (has('<script') || scheme('javascript:') ? Attack.Xss : 0);
    if ((has('() {') && has(':;')) || has('$(') || has('`') || has('/bin/sh') || has('/bin/bash') || has('cmd.exe')) bits |= Attack.Cmdi;
    stripComments();
    if (sqli()) bits |= Attack.Sqli;
  }
  return bits;
}

function queryBits(qs: usize, qe: usize): u32 {
  let bits: u32 = 0;
  if (!plainRaw(qs, qe)) {
    load_(qs, qe, true);
    if (suspicious()) {
      if (traversal()) bits |= Attack.Traversal;
      if (fileInclusion()) bits |= Attack.FileInclusion;
      bits |= inject();
    } else {
      // decoded to plain words (most %-encoded queries are): the word-only checks
      bits |= plainWords();
      if (traversal()) bits |= Attack.Traversal;
      if (has('://') && fileInclusion()) bits |= Attack.FileInclusion;
    }
  } else {
    load_(qs, qe, false);
    bits |= plainWords();
  }
  return bits;
}

function refererBits(rs: usize, re: usize): u32 {
  let bits: u32 = 0;
  load_(rs, re, false);
  if (suspicious()) {
    bits |= (jndi() ? Attack.Jndi : 0) | (has('<script') || scheme('javascript:') ? Attack.Xss : 0);
    stripComments();
    if (sqli()) bits |= Attack.Sqli;
  }
  return bits;
}

/**
 * Attack bits of one request. Ranges may be empty (s == e). `cachedPath` is the raw path's verdict
 * if known (else -1); `actor` the request's recent-actor entry (actors.ts), which keeps its user
 * agent's verdict.
 */
@inline export function detect(ps: usize, pe: usize, qs: usize, qe: usize, us: usize, ue: usize, rs: usize, re: usize, cachedPath: i32, actor: usize, endpointBits: u32, opaque: bool): u32 {
  // a plain path's verdict is its template's (a probe), unless the template hides part of it
  let bits: u32 = endpointBits;
  computedPath = -1;
  if (pe > ps) {
    let v = cachedPath;
    if (v < 0) {
      // most new raw paths have the shape of one found plain (pathShapes)
      let n = pe - ps + 1;
      v = !opaque && n <= 64 && knownShape(pathShapes, PATH_SHAPE_BITS, ps, n) ? 0 : <i32>pathVerdict(ps, pe, opaque);
      computedPath = v;
    }
    bits |= <u32>v;
  }
  if (qe > qs) bits |= queryVerdict(qs, qe);
  if (ue > us) {
    // the entry's agent is these bytes: judged once while the entry lasts
    let v = agentVerdictOf(actor);
    if (v < 0) {
      v = agentVerdict(us, ue, agentHashOf(actor));
      setAgentVerdict(actor, v);
    }
    bits |= <u32>v;
  }
  let rn = re - rs;
  if (rn - 16 <= 48) {
    // 16 to 64 bytes (nearly all): the verdict of the same bytes seen last in the slot
    let slot = recentReferer(rs, rn);
    let v = load<i32>(slot, 4);
    if (!(load<u32>(slot) == <u32>rn && sameReferer(slot, rs, rn))) v = <i32>newReferer(rs, re, slot);
    bits |= <u32>v;
  } else if (re > rs && !(rn == 1 && load<u8>(rs) == 0x2d)) bits |= refererVerdict(rs, re);
  return bits;
}

/** A user agent's attack bits, by the hash of its bytes (`key`) if judged before. */
function agentVerdict(us: usize, ue: usize, key: u64): i32 {
  let v = cached(agentCache, key);
  if (v < 0) {
    v = <i32>agentBits(us, ue);
    remember(agentCache, key, v);
  }
  return v;
}

/**
 * The attack bits of a raw path not judged before. A path of a template that hides part of it is
 * judged by its bytes (pathBits) after quietText's screen; others after plainRaw's, unless a path
 * of the same shape was found plain (pathShapes).
 */
function pathVerdict(ps: usize, pe: usize, opaque: bool): u32 {
  if (opaque) return quietText(ps, pe, false) ? 0 : pathBits(ps, pe);
  // the shape of the path and the byte after it (plainFast reads it), not known (detect looked)
  let n = pe - ps + 1;
  if (n <= 64) {
    if (!(plainFast(ps, pe) || plainRaw(ps, pe))) return pathBits(ps, pe);
    keepShape(ps, n, true);
    return 0;
  }
  return plainFast(ps, pe) || plainRaw(ps, pe) ? 0 : pathBits(ps, pe);
}

/** A referrer of 16..64 bytes not in its recentReferers slot: judged, and kept there. */
function newReferer(rs: usize, re: usize, slot: usize): u32 {
  let n = re - rs;
  let v: u32 = 0;
  // plainRef depends on no digit: a referrer of a plain one's shape is plain
  if (!knownShape(refererShapes, REF_SHAPE_BITS, rs, n)) {
    if (plainRef(rs, re)) keepShape(rs, n, false);
    else v = judgedReferer(rs, re);
  }
  store<u32>(slot, <u32>n);
  store<u32>(slot, v, 4);
  copyBytes(slot + 16, rs, 64);
  return v;
}

// Shapes: most new raw paths and referrers differ from one seen before only in their digits
// (/products/60876 after /products/12345). A shape is the bytes with every digit as "0": two
// texts of one shape have the same bytes but digits, and digits at the same places. No digit is a
// byte plainRef() looks for, so a referrer of a plain one's shape is plain. plainFast() and
// plainRaw() look for a digit only as the "0" of "0x" (their pair "0x", needles "0x2", "0x5"),
// with the byte after the path (plainFast's last pair): a path (with that byte) of the shape of
// a plain one is plain too unless its shape has "0x" — such a shape is not kept.
// Direct-mapped tables of 80-byte slots: the shape (64 bytes), its length (u32 @64, 0: empty).
const SHAPE_SLOT: usize = 80;
const PATH_SHAPE_BITS: u64 = 11;
const pathShapes = memory.data(<i32>(SHAPE_SLOT << <usize>PATH_SHAPE_BITS), 16);
const REF_SHAPE_BITS: u64 = 12;
const refererShapes = memory.data(<i32>(SHAPE_SLOT << <usize>REF_SHAPE_BITS), 16);
/** The slot knownShape() looked at (keepShape() writes it). */
let shapeSlot: usize = 0;
// shapeOf's splats: 0x50 (digits to -128..-119), -118, 0x0f; keepShape's "0", "x"
const SHAPE_K = memory.data<u8>([
  0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50,
  0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a,
  0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
  0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
  0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
], 16);

/** The 16 bytes at p with their digits as "0" (a digit's low nibble cleared). */
@inline function shapeAt(p: usize, k50: v128, k8a: v128, k0f: v128): v128 {
  let v = v128.load(p);
  return v128.andnot(v, v128.and(i8x16.lt_s(i8x16.add(v, k50), k8a), k0f));
}

/**
 * Whether the table's slot for the shape of the n (1..64) bytes at s holds that shape; the slot
 * goes to shapeSlot. Blocks from 0 and the last one ending at n (under 16 bytes, one masked).
 */
@inline function knownShape(table: usize, bits: u64, s: usize, n: usize): bool {
  let k50 = v128.load(SHAPE_K), k8a = v128.load(SHAPE_K, 16), k0f = v128.load(SHAPE_K, 32);
  let first = shapeAt(s, k50, k8a, k0f);
  let last = first;
  if (n < 16) first = last = v128.and(first, v128.load(TABLES + (n << 4), LANES));
  else last = shapeAt(s + n - 16, k50, k8a, k0f);
  // by the first and last 8 bytes and the length
  let h = <u64>i64x2.extract_lane(first, 0) ^ rotl<u64>(<u64>i64x2.extract_lane(last, 1), 29) ^ <u64>n;
  let slot = table + <usize>((h * 0x9e3779b97f4a7c15) >> (64 - bits)) * SHAPE_SLOT;
  shapeSlot = slot;
  if (load<u32>(slot, 64) != <u32>n) return false;
  let eq = v128.and(i8x16.eq(first, v128.load(slot)), i8x16.eq(last, v128.load(n < 16 ? slot : slot + n - 16)));
  if (n > 32) {
    eq = v128.and(eq, i8x16.eq(shapeAt(s + 16, k50, k8a, k0f), v128.load(slot, 16)));
    if (n > 48) eq = v128.and(eq, i8x16.eq(shapeAt(s + 32, k50, k8a, k0f), v128.load(slot, 32)));
  }
  return i8x16.bitmask(eq) == 0xffff;
}

/** Keeps the shape of the n (1..64) bytes at s in shapeSlot; with `path`, unless it has "0x". */
function keepShape(s: usize, n: usize, path: bool): void {
  let k50 = v128.load(SHAPE_K), k8a = v128.load(SHAPE_K, 16), k0f = v128.load(SHAPE_K, 32);
  let slot = shapeSlot;
  // zeros past n: the "0x" test below and a masked first block see none of the bytes after
  let zero = i8x16.splat(0);
  v128.store(slot, zero, 16);
  v128.store(slot, zero, 32);
  v128.store(slot, zero, 48);
  v128.store(slot, zero, 64);
  for (let i: usize = 0; i < n; i += 16) {
    let v = shapeAt(s + i, k50, k8a, k0f);
    if (n - i < 16) v = v128.and(v, v128.load(TABLES + ((n - i) << 4), LANES));
    v128.store(slot + i, v);
  }
  if (path) {
    let zeroChar = v128.load(SHAPE_K, 48), x = v128.load(SHAPE_K, 64);
    for (let i: usize = 0; i < n; i += 16) {
      if (v128.any_true(v128.and(i8x16.eq(v128.load(slot + i), zeroChar), i8x16.eq(v128.load(slot + i, 1), x)))) {
        store<u32>(slot, 0, 64);
        return;
      }
    }
  }
  store<u32>(slot, <u32>n, 64);
}

/**
 * A query's attack bits, which depend on its bytes only. Up to 64 bytes (nearly all), the last
 * query seen in a slot (by its length, first, middle and last 8 bytes) is kept with its verdict
 * and recognised by comparing the bytes: cheaper than a hash of them all. Longer ones are cached
 * by such a hash.
 */
function queryVerdict(qs: usize, qe: usize): u32 {
  let n = qe - qs;
  if (n > 64) {
    let h = hashBytes(qs, n, 0x7175);
    let v = cached(queryCache, h);
    if (v < 0) {
      v = quietText(qs, qe, true) ? 0 : <i32>queryBits(qs, qe);
      remember(queryCache, h, v);
    }
    return <u32>v;
  }
  let slot = recentQuery(qs, n);
  if (load<u32>(slot) == <u32>n && (n < 16 ? sameShort(slot, qs, n) : sameReferer(slot, qs, n))) return load<u32>(slot, 4);
  let v = quietText(qs, qe, true) ? 0 : queryBits(qs, qe);
  store<u32>(slot, <u32>n);
  store<u32>(slot, v, 4);
  copyBytes(slot + 16, qs, 64);
  return v;
}

// Recent queries of 1 to 64 bytes, as recentReferers: length (u32), verdict (u32), 8 spare bytes,
// the 64 bytes
const QUERY_BITS: u64 = 14;
const QUERY_SLOTS: usize = 1 << <usize>QUERY_BITS;
const QUERY_SLOT: usize = 80;
const recentQueries = memory.data(<i32>(QUERY_SLOTS * QUERY_SLOT), 16);

/** The slot of a query of n (1..64) bytes. */
@inline function recentQuery(s: usize, n: usize): usize {
  let k: u64;
  if (n >= 8) k = load<u64>(s) ^ rotr<u64>(load<u64>(s + n - 8), 23) ^ rotr<u64>(load<u64>(s + (n >> 1) - 4), 41);
  else k = load<u64>(s) & ((<u64>1 << (<u64>n << 3)) - 1);
  return recentQueries + <usize>(((k + <u64>n) * 0x9e3779b97f4a7c15) >> (64 - QUERY_BITS)) * QUERY_SLOT;
}

/** Whether the slot holds the n (1..15) bytes at s. */
@inline function sameShort(slot: usize, s: usize, n: usize): bool {
  return (~i8x16.bitmask(i8x16.eq(v128.load(s), v128.load(slot, 16))) & ((1 << <i32>n) - 1)) == 0;
}

/** A referrer's attack bits: none when plain (most), else judged once per distinct referrer. */
function refererVerdict(rs: usize, re: usize): u32 {
  return plainRef(rs, re) ? 0 : judgedReferer(rs, re);
}

/** A referrer's attack bits, judged once per distinct referrer (by a hash of its bytes). */
function judgedReferer(rs: usize, re: usize): u32 {
  let h = hashBytes(rs, re - rs, 0x7265);
  let v = cached(refererCache, h);
  if (v < 0) {
    v = <i32>refererBits(rs, re);
    remember(refererCache, h, v);
  }
  return <u32>v;
}

// Referrers repeat (a site's own pages): the last one of 16..64 bytes per slot of a table, kept
// with its verdict, is recognised by comparing its bytes — cheaper than plainRef() or a hash.
// Slot: length (u32), verdict (i32), 8 spare bytes, the 64 bytes.
const REF_SLOTS: usize = 4096;
const REF_SLOT: usize = 80;
const recentReferers = memory.data(<i32>(REF_SLOTS * REF_SLOT), 16);

/** The slot of a referrer of n (16..64) bytes: by its length, last and middle 8 bytes. */
@inline function recentReferer(rs: usize, n: usize): usize {
  let k = (load<u64>(rs + n - 8) ^ (load<u64>(rs + (n >> 1)) << 1)) + <u64>n;
  return recentReferers + <usize>((k * 0x9e3779b97f4a7c15) >> 52) * REF_SLOT;
}

/** Whether the slot holds the n (16..64) bytes at rs: 16-byte blocks from 0, the last one moved
 * back to end at n (bytes compared twice, never one past n); a block the others cover is skipped. */
@inline function sameReferer(slot: usize, rs: usize, n: usize): bool {
  let d = slot + 16, o = n - 16;
  let eq = v128.and(i8x16.eq(v128.load(rs), v128.load(d)), i8x16.eq(v128.load(rs + o), v128.load(d + o)));
  if (n > 32) {
    eq = v128.and(eq, i8x16.eq(v128.load(rs, 16), v128.load(d, 16)));
    if (n > 48) eq = v128.and(eq, i8x16.eq(v128.load(rs, 32), v128.load(d, 32)));
  }
  return i8x16.bitmask(eq) == 0xffff;
}

/**
 * Whether the loaded text has any character injections need (most requests have none): one of
 * ' " < > ( ; | ` $ { \ @, or "..", "&&", "& ", "/usr". 16 bytes at a time: the bytes past len are
 * zero (normalise), so no lane needs masking.
 */
function suspicious(): bool {
  let nib = v128.load(TABLES, NIB), lo = v128.load(TABLES, SUS_LO), hi = v128.load(TABLES, SUS_HI);
  let dot = v128.load(TABLES, DOT), amp = v128.load(TABLES, AMP), space = v128.load(TABLES, SPACE);
  let slash = v128.load(TABLES, SLASH), u = v128.load(TABLES, LETTER_U);
  for (let i = 0; i < len; i += 16) {
    let p = buf + <usize>i;
    let v = v128.load(p), w = v128.load(p, 1);
    let m = v128.and(i8x16.swizzle(lo, v128.and(v, nib)), i8x16.swizzle(hi, v128.and(i16x8.shr_u(v, 4), nib)));
    m = v128.or(m, v128.and(i8x16.eq(v, dot), i8x16.eq(w, dot)));
    m = v128.or(m, v128.and(i8x16.eq(v, amp), v128.or(i8x16.eq(w, amp), i8x16.eq(w, space))));
    if (v128.any_true(m)) return true;
    let us = i8x16.bitmask(v128.and(i8x16.eq(v, slash), i8x16.eq(w, u)));
    while (us) {
      if (load<u16>(p + <usize>ctz(us), 2) == 0x7273) return true;
      us &= us - 1;
    }
  }
  return false;
}

function inject(): u32 {
  let bits: u32 = 0;
  if (xss()) bits |= Attack.Xss;
  if (cmdi()) bits |= Attack.Cmdi;
  if (jndi()) bits |= Attack.Jndi;
  // last: it rewrites the text (comments out)
  stripComments();
  if (sqli()) bits |= Attack.Sqli;
  return bits;
}
