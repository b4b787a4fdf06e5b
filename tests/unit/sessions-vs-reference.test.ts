// The core against the brute-force reference (tests/reference): same sessions, as a set of
// (ip, userAgent, start, end, requests, user), on generated logs, on real logs, on shuffled lines
// and on text fed in tiny pieces. Disagreements are reported line by line.
import { beforeAll, describe, expect, it } from 'vitest';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { analyse, compileCore } from '../../src/lib/core/analyse';
import { sessionAt } from '../../src/lib/core/sessions';
import type { LogSource } from '../../src/lib/core/api';
import type { Session, Summary } from '../../src/lib/core/types';
import { mulberry32, generateLog } from '../../scripts/gen-log.js';
import { parseLog, sessionize, type RefSession } from '../reference/reference';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WASM = path.join(ROOT, 'dist/core.wasm');
const SHARED = path.resolve(ROOT, '../shared/data');
const HAS_SHARED = existsSync(SHARED);
const MIN = 60_000;

let mod: WebAssembly.Module;
beforeAll(async () => {
  if (!existsSync(WASM)) throw new Error(`${WASM} is missing: run \`npm run build:wasm\` first`);
  mod = await compileCore(readFileSync(WASM));
});

// ---------------------------------------------------------------- sources and runs

/** Bytes in memory, streamed in pieces of `piece` bytes. */
function bytesSource(name: string, content: string | Uint8Array, piece = 1 << 16): LogSource {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    name,
    size: bytes.length,
    stream() {
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (at >= bytes.length) {
            c.close();
            return;
          }
          c.enqueue(bytes.slice(at, at + piece));
          at += piece;
        }
      });
    }
  };
}

/** A file on disk, streamed as Node reads it. */
function fileSource(file: string): LogSource {
  return {
    name: path.basename(file),
    size: readFileSync(file).length,
    stream: () => Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>
  };
}

interface CoreRun {
  summary: Summary;
  sessions: Session[];
}

async function runCore(sources: LogSource[], opts: { inactivityMs?: number; chunkSize?: number } = {}): Promise<CoreRun> {
  const r = await analyse(mod, sources, opts);
  if (!r.ok) throw new Error(`the core refused the input: ${r.error.kind}: ${r.error.message}`);
  const cols = r.value.sessions;
  const sessions = Array.from({ length: cols.count }, (_, i) => sessionAt(cols, i));
  return { summary: r.value.summary, sessions };
}

// ---------------------------------------------------------------- comparison

type Comparable = Pick<RefSession, 'ip' | 'userAgent' | 'start' | 'end' | 'requests' | 'user'>;
const tuple = (s: Comparable) => JSON.stringify([s.ip, s.userAgent, s.start, s.end, s.requests, s.user ?? null]);

/** Multiset difference, both ways. */
function diff(core: Comparable[], ref: Comparable[]) {
  const count = new Map<string, number>();
  for (const s of ref) count.set(tuple(s), (count.get(tuple(s)) ?? 0) + 1);
  const onlyCore: string[] = [];
  for (const s of core) {
    const k = tuple(s);
    const n = count.get(k) ?? 0;
    if (n > 0) count.set(k, n - 1);
    else onlyCore.push(k);
  }
  const onlyRef: string[] = [];
  for (const [k, n] of count) for (let i = 0; i < n; i++) onlyRef.push(k);
  return { onlyCore, onlyRef };
}

function expectSameSessions(core: Comparable[], ref: Comparable[], label: string) {
  const { onlyCore, onlyRef } = diff(core, ref);
  if (onlyCore.length || onlyRef.length) {
    const show = (xs: string[]) => xs.slice(0, 10).join('\n  ') + (xs.length > 10 ? `\n  … ${xs.length - 10} more` : '');
    throw new Error(
      `${label}: ${core.length} sessions from the core, ${ref.length} from the reference\n` +
        `only in the core (${onlyCore.length}), [ip, ua, start, end, requests, user]:\n  ${show(onlyCore)}\n` +
        `only in the reference (${onlyRef.length}):\n  ${show(onlyRef)}`
    );
  }
  expect(core.length).toBe(ref.length);
}

/** The core's rows must come sorted by start. */
function expectSortedByStart(sessions: Session[]) {
  for (let i = 1; i < sessions.length; i++) {
    if (sessions[i].start < sessions[i - 1].start) throw new Error(`core session ${i} starts before session ${i - 1}`);
  }
}

/** Both sides on one text (or several pieces of one log), all figures. */
async function compareOnText(
  label: string,
  sources: LogSource[],
  refText: string,
  opts: { inactivityMs?: number; chunkSize?: number } = {}
) {
  const ref = parseLog(refText);
  const refSessions = sessionize(ref.requests, opts.inactivityMs);
  const core = await runCore(sources, opts);
  expect(ref.malformed, `${label}: the reference rejects generated lines`).toEqual([]);
  expect(core.summary.requests, `${label}: requests`).toBe(ref.requests.length);
  expect(core.summary.malformed, `${label}: malformed`).toBe(0);
  expectSameSessions(core.sessions, refSessions, label);
  expect(core.summary.sessions).toBe(refSessions.length);
  expectSortedByStart(core.sessions);
  return { core, ref, refSessions };
}

/** Seeded Fisher–Yates. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const r = mulberry32(seed);
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const linesOf = (text: string) => text.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === ''));

// ---------------------------------------------------------------- (a) generated logs

describe('generated logs: core = reference', () => {
  const cases = [
    { lines: 20_000, seed: 1, flavour: 'apache' as const },
    { lines: 20_000, seed: 2, flavour: 'nginx' as const, tz: '-0700' },
    { lines: 8_000, seed: 42, flavour: 'apache' as const, tz: '+0530', start: '2023-12-31T22:30:00Z' },
    { lines: 4_000, seed: 7, flavour: 'apache' as const }
  ];
  for (const c of cases) {
    it(`${c.lines} lines, seed ${c.seed}, ${c.flavour}${c.tz ? `, ${c.tz}` : ''}`, async () => {
      const text = generateLog(c);
      const { core, refSessions } = await compareOnText(`seed ${c.seed}`, [bytesSource(`gen-${c.seed}.log`, text)], text);
      expect(core.summary.lines).toBe(c.lines);
      // The generator is meant to produce interesting data: make sure it did.
      expect(refSessions.length).toBeGreaterThan(c.lines / 100);
      expect(refSessions.some((s) => s.user !== null)).toBe(true);
      const perKey = new Map<string, number>();
      for (const s of refSessions) perKey.set(s.ip + '\0' + s.userAgent, (perKey.get(s.ip + '\0' + s.userAgent) ?? 0) + 1);
      expect([...perKey.values()].some((n) => n > 1), 'some actor has several sessions').toBe(true);
    });
  }

  it('the bundled demo log (static/sample/demo-access.log) is what `gen-log --lines 4000 --seed 7` writes', () => {
    const demo = readFileSync(path.join(ROOT, 'static/sample/demo-access.log'), 'utf8');
    expect(demo === generateLog({ lines: 4000, seed: 7 }), 'regenerate it: npm run sample').toBe(true);
  });

  it('the same with other inactivity timeouts (0, 5 min, 60 min)', async () => {
    const text = generateLog({ lines: 6_000, seed: 11 });
    for (const inactivityMs of [0, 5 * MIN, 60 * MIN]) {
      await compareOnText(`timeout ${inactivityMs}`, [bytesSource('t.log', text)], text, { inactivityMs });
    }
  });

  it('the same when the log comes as several files, in any order', async () => {
    const text = generateLog({ lines: 9_000, seed: 5, flavour: 'nginx' });
    const lines = linesOf(text);
    const parts = [lines.slice(0, 2500), lines.slice(2500, 6000), lines.slice(6000)].map((p) => p.join('\n') + '\n');
    await compareOnText('3 files, reversed', parts.map((p, i) => bytesSource(`part-${i}.log`, p)).reverse(), text);
  });
});

// ---------------------------------------------------------------- (c) shuffled lines

describe('shuffled lines: same sessions as the ordered log', () => {
  it('a generated log with its lines shuffled', async () => {
    const text = generateLog({ lines: 12_000, seed: 3 });
    const mixed = shuffled(linesOf(text), 99).join('\n') + '\n';
    // The reference on the ordered text, the core on the shuffled one.
    await compareOnText('shuffled', [bytesSource('shuffled.log', mixed)], text);
  });
});

// ---------------------------------------------------------------- (d) tiny pieces

describe('text fed in tiny pieces', () => {
  // Hand-written lines a generator does not write: raw UTF-8 (2-, 3- and 4-byte characters),
  // CRLF, blank lines, escapes of both servers, and no newline at the end.
  const extra = [
    '198.51.100.77 - - [04/Mar/2024:02:00:00 +0100] "GET /caf%C3%A9 HTTP/1.1" 200 10 "-" "Mözillä/5.0 (Ünïcödé; 日本語; 😀)"\r',
    '',
    '198.51.100.77 - - [04/Mar/2024:02:00:01 +0100] "GET /x HTTP/1.1" 200 10 "-" "Mözillä/5.0 (Ünïcödé; 日本語; 😀)"',
    '   ',
    String.raw`198.51.100.78 - carol [04/Mar/2024:02:10:00 +0100] "GET /y HTTP/1.1" 200 10 "-" "Kiosk \"A\" \\share"`,
    String.raw`198.51.100.78 - - [04/Mar/2024:02:41:00 +0100] "GET /y HTTP/1.1" 200 10 "-" "Kiosk \x22A\x22 \x5Cshare"`,
    String.raw`198.51.100.79 - - [04/Mar/2024:02:10:00 +0100] "GET /z HTTP/2.0" 200 10 "-" "Redmi \xD0\x9F\xD1\x80\xD0\xBE"`
  ].join('\n');
  const text = generateLog({ lines: 300, seed: 8, flavour: 'nginx' }) + extra;

  for (const piece of [1, 3, 7, 64]) {
    it(`pieces of ${piece} byte${piece > 1 ? 's' : ''}`, async () => {
      const { core } = await compareOnText(`pieces of ${piece}`, [bytesSource('tiny.log', text, piece)], text);
      expect(core.summary.blank).toBe(2);
      expect(core.summary.lines).toBe(307);
    });
  }

  it('tiny core chunks (chunkSize 1, 17, 200) and odd pieces', async () => {
    for (const chunkSize of [1, 17, 200]) {
      await compareOnText(`chunkSize ${chunkSize}`, [bytesSource('tiny.log', text, 5)], text, { chunkSize });
    }
  });
});

// ---------------------------------------------------------------- (b) real logs

/**
 * Real logs. `lenient`: the core reads some lines the reference's strict regular expression
 * rejects (the honeynet's raw quotes inside request lines, e.g. `"GET" /x' HTTP/1.0"`); there the
 * check is that every disagreement is such a line, and sessions are compared on the agreed lines.
 */
const REAL: { rel: string; lenient?: boolean }[] = [
  { rel: 'access/logparser/hackers-access.log' },
  { rel: 'access/elastic-examples/apache_logs' },
  { rel: 'access/lnav/shop_access_log.0' },
  { rel: 'access/ita-usask/usask_access_log' },
  { rel: 'access/honeynet-2004/honeynet-redhat71_httpd_access_log_2004-04-21_to_2004-10-11.log.gz', lenient: true }
];

if (!HAS_SHARED) console.warn(`sessions-vs-reference: ${SHARED} is missing, the real-log comparisons are skipped`);

(HAS_SHARED ? describe : describe.skip)('real logs: core = reference', () => {
  const GOOD = '192.0.2.1 - - [04/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "probe"';

  /** Does the core parse this one line? (Run next to a good line so the file is a log.) */
  async function coreParses(line: string): Promise<boolean> {
    const r = await analyse(mod, [bytesSource('one.log', GOOD + '\n' + line + '\n')]);
    if (!r.ok) throw new Error(r.error.message);
    return r.value.summary.requests === 2;
  }

  for (const { rel, lenient } of REAL) {
    describe(rel, () => {
      const file = path.join(SHARED, rel);
      const raw = existsSync(file) ? readFileSync(file) : null;
      const bytes = raw && rel.endsWith('.gz') ? gunzipSync(raw) : raw;
      const ref = bytes ? parseLog(bytes) : null;
      const allLines = bytes ? linesOf(new TextDecoder().decode(bytes)) : [];

      /** Lines on which the two parsers disagree, found from both sides' rejects. */
      async function disagreements(summary: Summary) {
        const candidates = new Map<number, string>();
        for (const m of ref!.malformed) candidates.set(m.line, m.text);
        for (const s of summary.malformedSamples) candidates.set(s.line, allLines[s.line - 1] ?? s.text);
        const out: { line: number; text: string; reference: boolean; core: boolean }[] = [];
        for (const [line, text] of [...candidates].sort((a, b) => a[0] - b[0])) {
          const reference = ref!.malformed.every((m) => m.line !== line);
          const core = await coreParses(text);
          if (reference !== core) out.push({ line, text: text.length > 300 ? text.slice(0, 300) + '…' : text, reference, core });
        }
        const complete = summary.malformedSamples.length === summary.malformed;
        return { out, complete };
      }

      it('present', () => {
        expect(bytes, `${file} is missing`).not.toBeNull();
      });

      it('the parsers agree on which lines are requests', async () => {
        const core = await runCore([fileSource(file)]);
        expect(core.summary.lines).toBe(ref!.lines);
        expect(core.summary.blank).toBe(ref!.blank);
        if (lenient) {
          // the core's samples hold the first 20 malformed lines only: judge on the reference's rejects
          const out: { line: number; text: string }[] = [];
          for (const m of ref!.malformed) if (!(await coreParses(m.text))) out.push(m);
          expect(core.summary.malformed, 'the core rejects no more lines than the reference').toBeLessThanOrEqual(ref!.malformed.length);
          expect(core.summary.requests + core.summary.malformed).toBe(ref!.requests.length + ref!.malformed.length);
          expect(core.summary.requests - ref!.requests.length, 'lines only the core reads').toBe(ref!.malformed.length - out.length);
          return;
        }
        const { out, complete } = await disagreements(core.summary);
        // Each entry: 1-based line number, text, and whether each side parses it.
        expect(out, `lines parsed by one side only (core samples complete: ${complete})`).toEqual([]);
        expect(core.summary.requests, 'requests = lines the reference parses').toBe(ref!.requests.length);
      });

      it('same sessions (whole file)', async () => {
        if (lenient) return; // compared on the agreed lines below
        const core = await runCore([fileSource(file)]);
        expectSameSessions(core.sessions, sessionize(ref!.requests), rel);
        expect(core.summary.sessions).toBe(sessionize(ref!.requests).length);
        expectSortedByStart(core.sessions);
      });

      it('same sessions on the lines both parse, also shuffled and in small pieces', async () => {
        // Separates sessionizing from parsing: if the parsers disagree on a line, it is left out here.
        const core = await runCore([fileSource(file)]);
        const drop = new Set<number>();
        if (lenient) {
          // every line one side rejects
          for (const m of ref!.malformed) drop.add(m.line);
        } else {
          for (const d of (await disagreements(core.summary)).out) drop.add(d.line);
        }
        const kept = allLines.filter((_, i) => !drop.has(i + 1));
        const text = kept.join('\n') + '\n';
        const refSessions = sessionize(parseLog(text).requests);
        const ordered = await runCore([bytesSource(rel, text)]);
        expectSameSessions(ordered.sessions, refSessions, `${rel} (agreed lines)`);
        const mixed = shuffled(kept, 7).join('\n') + '\n';
        const shuffledRun = await runCore([bytesSource(rel, mixed, 4093)], { chunkSize: 1 << 12 });
        expectSameSessions(shuffledRun.sessions, refSessions, `${rel} (agreed lines, shuffled)`);
      });
    });
  }
});
