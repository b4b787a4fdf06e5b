import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core, memorySource, sharedData } from '../helpers/core';
import { analyse } from '../../src/lib/core/analyse';
import { sessionAt } from '../../src/lib/core/sessions';
import { keyHashAt, type RequestColumns } from '../../src/lib/core/requests';
import { parseKeys } from '../../src/lib/core/keys';
import { formatByName } from '../../src/lib/core/formats/index';
import { generateLog, mulberry32 } from '../../scripts/gen-log.js';
import { parseCombined } from '../reference/reference';
import { sessionizeBy, type KeyedRequest } from '../reference/keyed';

// A bounded fuzz test of the sessionizer (issue 8): real combined/common lines of
// ../shared/data/access (generated ones when it is absent) rewritten to a few actors whose clocks
// step by gaps around the inactivity timeout (equal, one second under, one over), in any time
// zone, some lines mutated byte-wise, some shuffled, blank lines among them, cut into files and
// chunks at random, read with random timeouts, grouping keys and maximum lengths. Checked:
// - every line accounted for; every parsed request delivered once, with its file and line;
// - requests conserved: the sessions' requests add up to the parsed requests;
// - the sessions equal the brute-force reference (tests/reference/keyed.ts) run on the requests
//   the core parsed (so parsing and sessionizing are judged apart): start, end, requests, bytes,
//   status classes, distinct IPs and endpoints;
// - the timeout rule on the core's output itself: inside a session no gap exceeds the timeout,
//   between two sessions of a key there is one that does (or the maximum length cut them);
// - a line the reference parser reads is read by the core, at the same time;
// - the same sessions with the lines in another order, in one file, cut into other chunks.
// With a maximum session length the core places requests in time order (assembly/sessions.ts,
// "held"): the sessions equal the reference whatever the order, unless requests came later than
// the timeout plus the disorder allowance (summary.late); such cases are checked for
// conservation only.
//
// FUZZ_SECONDS (default 3) sets the budget, FUZZ_SEED the first case's seed, FUZZ_CASE=<seed>
// replays one case. `node scripts/fuzz.js --only sessions --seconds 60` runs it longer.

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
const FIRST_SEED = Number(process.env.FUZZ_SEED ?? 20240308);
const ONLY_CASE = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);

const S = 1000;
const MIN = 60 * S;

function prng(seed: number) {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)], chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

// ---------------------------------------------------------------- material

/** Real logs in combined or common format (SOURCES.md §1). */
const REAL = ['access/logparser/hackers-access.log', 'access/elastic-examples/apache_logs', 'access/lnav/shop_access_log.0', 'access/ita-usask/usask_access_log'];

/** Lines as latin1 strings (one char per byte, so rewriting keeps every other byte as it was). */
const POOL: string[] = (() => {
  const lines: string[] = [];
  for (const rel of REAL) {
    const file = join(sharedData, rel);
    if (!existsSync(file)) continue;
    const all = readFileSync(file).toString('latin1').split('\n').filter((l) => l.trim() !== '');
    // a spread of each file, so the pool holds its odd lines too
    for (let i = 0; i < all.length; i += Math.max(1, Math.floor(all.length / 1500))) lines.push(all[i]);
  }
  if (lines.length === 0) console.warn(`fuzz-sessions: ${sharedData} is missing, fuzzing generated lines only`);
  return [...lines, ...generateLog({ lines: 1500, seed: 77 }).trimEnd().split('\n')];
})();

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "[dd/Mon/yyyy:HH:MM:SS +hhmm]" of UTC ms `t` written in a zone `offsetMin` minutes east. */
function clfTime(t: number, offsetMin: number): string {
  const d = new Date(t + offsetMin * MIN);
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}]`;
}

const Q = String.raw`"(?:[^"\\]|\\.)*"`;
/** ip, ident, user, [time], "request" status bytes, then "referer" "ua" and anything after. */
const SHAPE = new RegExp(String.raw`^(\S+) (\S+) (\S+) \[[^\]]*\]( ${Q} \S+ \S+)(?: (${Q}) (${Q}))?(.*)$`);

interface Actor {
  ip: string;
  ua: string | null;
  user: string;
  clock: number;
}

const AGENTS = ['"Mozilla/5.0 (X11; Linux x86_64)"', '"curl/8.4.0"', '"Mozilla/5.0 \\"quoted\\" \\x22hex\\x22"', '"-"', '""', '"Go-http-client/1.1"'];
const USERS = ['-', '-', '-', 'alice', 'bob', 'svc\\x20account'];

/** A case's log: lines of a few actors, times stepping around the timeout. */
function makeLog(rng: Rng, timeoutMs: number): string[] {
  const actors: Actor[] = [];
  const start = Date.UTC(1996 + rng.int(34), rng.int(12), 1 + rng.int(28), rng.int(24), rng.int(60), rng.int(60));
  const nActors = 1 + rng.int(6);
  for (let i = 0; i < nActors; i++) {
    const shared = i > 0 && rng.chance(0.3) ? actors[rng.int(i)] : null;
    actors.push({
      // some actors share an address (NAT) or an agent with another
      ip: shared && rng.chance(0.5) ? shared.ip : rng.chance(0.2) ? `2001:db8::${i.toString(16)}` : `198.51.100.${10 + i}`,
      ua: shared && rng.chance(0.5) ? shared.ua : rng.chance(0.5) ? null : rng.pick(AGENTS),
      user: rng.pick(USERS),
      clock: start + rng.int(2 * timeoutMs + 1)
    });
  }
  // gaps that land on either side of the timeout rule (timestamps have whole seconds)
  const gaps = [0, 0, S, 7 * S, timeoutMs - S, timeoutMs, timeoutMs, timeoutMs + S, 2 * timeoutMs + S, rng.int(3 * timeoutMs + 1), 36 * 60 * MIN];
  const n = 1 + rng.int(rng.chance(0.2) ? 600 : 80);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const template = rng.pick(POOL);
    const m = SHAPE.exec(template);
    if (!m || rng.chance(0.05)) {
      lines.push(template); // as logged, its own time
      continue;
    }
    const a = rng.pick(actors);
    a.clock += Math.floor(rng.pick(gaps) / S) * S;
    const offset = rng.pick([0, 0, 60, -420, 330, 825, -600, rng.int(24 * 60) - 12 * 60]);
    const ua = a.ua ?? m[6] ?? null;
    const tail = ua === null ? '' : ` ${m[5] ?? '"-"'} ${ua}${m[7]}`;
    lines.push(`${rng.chance(0.9) ? a.ip : m[1]} ${m[2]} ${rng.chance(0.8) ? a.user : m[3]} ${clfTime(a.clock, offset)}${m[4]}${tail}`);
  }
  return lines;
}

// no NUL: an early one makes the file "binary" before the sessionizer sees it (fuzz.test.ts has them)
const JUNK = ['"', '[', ']', '\\', '\\"', '\\x', ' ', '\t', '-', '\u00e9', '\u0001', '\u00ff', '\r'];

/** Byte-level damage to a line (as latin1). */
function mutate(rng: Rng, line: string): string {
  const at = rng.int(line.length + 1);
  switch (rng.int(6)) {
    case 0: {
      const chars = [...line];
      for (let k = 1 + rng.int(3); k > 0 && chars.length; k--) chars[rng.int(chars.length)] = String.fromCharCode(1 + rng.int(255));
      return chars.join('');
    }
    case 1:
      return line.slice(0, at);
    case 2:
      return line.slice(0, at) + rng.pick(JUNK).repeat(1 + rng.int(3)) + line.slice(at);
    case 3:
      return line.slice(0, at) + line.slice(Math.min(line.length, at + 1 + rng.int(12)));
    case 4:
      return line.slice(0, at) + line.slice(at, at + 1 + rng.int(30)) + line.slice(at);
    default:
      return line.slice(0, at) + 'A'.repeat(rng.chance(0.2) ? 65_536 + rng.int(2000) : 1 + rng.int(3000)) + line.slice(at);
  }
}

function shuffleSome(rng: Rng, lines: string[]): string[] {
  const a = [...lines];
  if (rng.chance(0.3)) {
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
  } else {
    for (let k = rng.int(1 + Math.floor(a.length / 10)); k > 0; k--) {
      const i = rng.int(a.length);
      const j = rng.int(a.length);
      [a[i], a[j]] = [a[j], a[i]];
    }
  }
  return a;
}

/** Lines into 1–3 files (at line ends), each ending with a newline or not. */
function intoFiles(rng: Rng, lines: string[]): Buffer[] {
  const cuts = Array.from({ length: rng.int(3) }, () => rng.int(lines.length + 1)).sort((x, y) => x - y);
  const files: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, lines.length]) {
    const part = lines.slice(from, to);
    from = to;
    if (part.length === 0) continue;
    const eol = rng.pick(['\n', '\n', '\r\n']);
    files.push(Buffer.from(part.join(eol) + (rng.chance(0.8) ? eol : ''), 'latin1'));
  }
  return files;
}

// ---------------------------------------------------------------- one case

interface Row extends KeyedRequest {
  file: number;
  line: number;
  user: string;
}

/** The requests as the core parsed them, strings resolved through each block's dictionaries. */
function rowsOf(blocks: RequestColumns[]): Row[] {
  const out: Row[] = [];
  for (const b of blocks) {
    for (let i = 0; i < b.count; i++) {
      const ep = b.dict.endpoints[b.endpoint[i]];
      out.push({
        key: `${b.keyKind[i]}:${keyHashAt(b, i)}`,
        time: b.time[i],
        ip: b.dict.ips[b.ip[i]],
        userAgent: b.dict.userAgents[b.userAgent[i]],
        status: b.status[i],
        bytes: b.bytes[i],
        endpoint: ep,
        file: b.file[i],
        line: b.line[i],
        user: b.user[i] ? b.dict.users[b.user[i] - 1] : ''
      });
    }
  }
  return out;
}

const COMBINED = (() => {
  const spec = formatByName('combined');
  if (typeof spec === 'string') throw new Error(spec);
  return spec;
})();

const KEY_CHOICES = ['ip+ua', 'ip+ua', 'ip', 'user,ip+ua', 'user,ip'];

async function run(files: Buffer[], opts: { inactivityMs: number; maxSessionMs?: number; disorderMs?: number; keys: string; chunkSize: number; piece: number }) {
  const keys = parseKeys(opts.keys);
  if (typeof keys === 'string') throw new Error(keys);
  const blocks: RequestColumns[] = [];
  const sources = files.map((f, i) => memorySource(`part-${i}.log`, f, opts.piece));
  const r = await analyse(await core(), sources, {
    format: COMBINED,
    inactivityMs: opts.inactivityMs,
    maxSessionMs: opts.maxSessionMs,
    disorderMs: opts.disorderMs,
    keys,
    chunkSize: opts.chunkSize,
    onRequests: (b) => void blocks.push(b)
  });
  return { r, rows: rowsOf(blocks) };
}

/** Sessions as comparable rows: key (kind:hash), start, end, requests, bytes, status, ips, endpoints. */
function coreSessions(r: Awaited<ReturnType<typeof run>>['r']) {
  if (!r.ok) throw new Error(r.error.message);
  const cols = r.value.sessions;
  return Array.from({ length: cols.count }, (_, i) => {
    const s = sessionAt(cols, i);
    return { key: `${cols.keyKind[i]}:${s.keyHash}`, start: s.start, end: s.end, requests: s.requests, bytes: s.bytes, status: s.status, ips: s.ips, endpoints: s.endpoints };
  }).sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const outcomes: Record<string, number> = {};

async function runCase(seed: number): Promise<void> {
  const rng = prng(seed);
  const inactivityMs = rng.pick([0, S, MIN, 5 * MIN, 30 * MIN, 30 * MIN, (1 + rng.int(120)) * MIN]);
  const maxSessionMs = rng.chance(0.3) ? rng.pick([S, 10 * MIN, 2 * 60 * MIN]) : undefined;
  // with a maximum length, half the cases allow any disorder: nothing is late, every order must agree
  const disorderMs = maxSessionMs !== undefined && rng.chance(0.5) ? 1e13 : undefined;
  const keys = rng.pick(KEY_CHOICES);
  let lines = makeLog(rng, inactivityMs);
  if (rng.chance(0.5)) lines = lines.map((l) => (rng.chance(0.1) ? mutate(rng, l) : l));
  if (rng.chance(0.2)) lines = lines.flatMap((l) => (rng.chance(0.05) ? [l, rng.pick(['', '  ', '\t'])] : [l]));
  lines = shuffleSome(rng, lines);
  const files = intoFiles(rng, lines);
  const small = files.reduce((n, f) => n + f.length, 0) < 20_000;
  const chunkSize = rng.pick(small ? [1, 7, 100, 4096, 1 << 20] : [97, 4096, 65_536, 1 << 20]);
  const piece = rng.pick(small ? [1, 13, 512, 1 << 16] : [509, 1 << 16]);
  const where = `case ${seed} (keys ${keys}, timeout ${inactivityMs} ms, max ${maxSessionMs ?? '-'}, disorder ${disorderMs ?? 'default'}, ${lines.length} lines in ${files.length} files, chunk ${chunkSize}, piece ${piece})`;
  /** Writes the case's files to the temp dir, for a look at a failure; returns where. */
  const dump = (): string => {
    const base = join(tmpdir(), `sessionlens-fuzz-sessions-${seed}`);
    files.forEach((f, i) => writeFileSync(`${base}-part-${i}.log`, f));
    return `${base}-part-*.log`;
  };
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what} (input in ${dump()})`);
  };

  let first;
  try {
    first = await run(files, { inactivityMs, maxSessionMs, disorderMs, keys, chunkSize, piece });
  } catch (e) {
    return fail(`threw ${e instanceof Error ? e.stack : String(e)}`);
  }
  const { r, rows } = first;
  // a case whose lines were all damaged may be refused; it must say so by name
  if (!r.ok) {
    outcomes[r.error.kind] = (outcomes[r.error.kind] ?? 0) + 1;
    expect(['not-a-log', 'empty'], where).toContain(r.error.kind);
    expect(r.error.message, where).toContain(r.error.file);
    return;
  }
  const s = r.value.summary;

  // every line accounted for, every parsed request delivered once
  const records = files.reduce((n, f) => n + f.toString('latin1').split('\n').length - (f.at(-1) === 10 ? 1 : 0), 0);
  expect(s.lines, where).toBe(records);
  expect(s.requests + s.malformed + s.blank, where).toBe(s.lines);
  expect(rows.length, `${where}: rows delivered`).toBe(s.requests);
  expect(new Set(rows.map((q) => `${q.file}:${q.line}`)).size, `${where}: (file, line) of each row`).toBe(rows.length);

  // requests conserved
  const sessions = coreSessions(r);
  expect(sessions.reduce((n, x) => n + x.requests, 0), `${where}: requests in sessions`).toBe(s.requests);
  expect(sessions.length, where).toBe(s.sessions);

  for (const x of sessions) if (x.start > x.end || x.requests < 1) fail(`session ${JSON.stringify(x)} is empty or ends before it starts`);
  // A maximum length's cuts depend on every earlier request of a key: exact for requests placed in
  // time order, which all are but late ones (assembly/sessions.ts, "held").
  const lastTime = new Map<string, number>();
  const inOrder = rows.every((q) => {
    const ok = q.time >= (lastTime.get(q.key) ?? -Infinity);
    lastTime.set(q.key, q.time);
    return ok;
  });
  if (maxSessionMs !== undefined && s.late > 0) {
    outcomes['ok, conservation only (max length, late requests)'] = (outcomes['ok, conservation only (max length, late requests)'] ?? 0) + 1;
    return;
  }
  const kind = maxSessionMs === undefined ? 'ok' : inOrder ? 'ok, max length' : 'ok, max length, out of order';
  outcomes[kind] = (outcomes[kind] ?? 0) + 1;

  // the reference sessionizer on the core's own requests
  const expected = sessionizeBy(rows, inactivityMs, maxSessionMs);
  if (JSON.stringify(sessions) !== JSON.stringify(expected)) {
    expect(sessions, `${where}: sessions vs the reference (input in ${dump()})`).toEqual(expected);
  }

  // the timeout rule, on the core's output alone
  const byKey = new Map<string, number[]>();
  for (const q of rows) byKey.set(q.key, [...(byKey.get(q.key) ?? []), q.time]);
  for (const t of byKey.values()) t.sort((x, y) => x - y);
  let prev: (typeof sessions)[number] | undefined;
  for (const x of [...sessions].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.start - b.start))) {
    if (maxSessionMs !== undefined && x.end - x.start > maxSessionMs) fail(`session ${JSON.stringify(x)} is longer than the maximum ${maxSessionMs}`);
    const times = byKey.get(x.key)!.filter((t) => t >= x.start && t <= x.end);
    if (times.length !== x.requests) fail(`session ${JSON.stringify(x)} holds ${times.length} requests of its key in its time span`);
    for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] > inactivityMs) fail(`session ${JSON.stringify(x)} spans a gap of ${times[i] - times[i - 1]} ms`);
    if (prev && prev.key === x.key) {
      const cutByMax = maxSessionMs !== undefined && x.start - prev.start > maxSessionMs;
      if (!(x.start - prev.end > inactivityMs || cutByMax)) fail(`sessions ${JSON.stringify(prev)} and ${JSON.stringify(x)} of one key are not cut by the timeout`);
    }
    prev = x;
  }

  // what the reference parser reads, the core reads, at the same time
  const parsed = new Map(rows.map((q) => [`${q.file}:${q.line}`, q]));
  files.forEach((f, fi) => {
    f.toString('latin1')
      .split('\n')
      .forEach((line, li) => {
        const ref = parseCombined(line);
        // the reference takes any token as client, ident and user; the core refuses a stray quote
        // there, and reads " [" as the time's start
        if (!ref || line.length > 65_536 || !/^[\w.:-]+ [^\s"[]+ [^\s"[]+ \[/.test(line)) return;
        const got = parsed.get(`${fi}:${li + 1}`);
        if (!got) fail(`line ${li + 1} of part ${fi} parses in the reference but not in the core: ${JSON.stringify(line.slice(0, 300))}`);
        if (got!.time !== ref.time) fail(`line ${li + 1} of part ${fi}: time ${got!.time} in the core, ${ref.time} in the reference: ${JSON.stringify(line.slice(0, 300))}`);
      });
  });

  // the same sessions in another order, cut elsewhere
  if (rng.chance(maxSessionMs === undefined ? 0.5 : 1)) {
    // one file: cut into others, a part of only damaged lines would be refused on its own
    const again = await run([Buffer.from(shuffleSome(rng, lines).join('\n'), 'latin1')], { inactivityMs, maxSessionMs, disorderMs, keys, chunkSize: rng.pick([61, 4096, 1 << 20]), piece: rng.pick([17, 4096, 1 << 16]) });
    if (!again.r.ok) throw new Error(again.r.error.message);
    // with a maximum length, only when this order brought no late request either
    if (maxSessionMs === undefined || again.r.value.summary.late === 0) expect(coreSessions(again.r), `${where}: reordered`).toEqual(sessions);
  }
}

describe('fuzz: the sessionizer on rewritten, mutated and shuffled real lines', () => {
  it(
    `agrees with the reference for ${ONLY_CASE === undefined ? `${SECONDS} s of cases from seed ${FIRST_SEED}` : `case ${ONLY_CASE}`}`,
    { timeout: SECONDS * 1000 + 60_000 },
    async () => {
      if (ONLY_CASE !== undefined) return runCase(ONLY_CASE);
      const deadline = Date.now() + SECONDS * 1000;
      let cases = 0;
      for (let seed = FIRST_SEED; Date.now() < deadline; seed++, cases++) await runCase(seed);
      console.log(`fuzz-sessions: ${cases} cases in ${SECONDS} s, seeds ${FIRST_SEED}..${FIRST_SEED + cases - 1}, outcomes ${JSON.stringify(outcomes)}`);
      expect(cases).toBeGreaterThan(0);
    }
  );
});
