// Issue 8, "Bad input", on the command line: each case gives an exit code and a message naming the
// file (and the line, where there is one), never a crash (exit 70, "internal error") or a hang;
// a bad file after a good one prints nothing on stdout. Inputs are made in a temp dir at test time
// (tests/helpers/bad-inputs.ts); the 200 MB line is read with its peak memory measured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, createWriteStream, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { root } from '../helpers/core';
import { writeLog } from '../../scripts/gen-log.js';
import {
  BLANK_LINES,
  NULS,
  garbageGz,
  goodLog,
  mixedFormats,
  mixedMostlyJson,
  nulEarly,
  nulsInside,
  png,
  put,
  truncatedGz,
  utf16,
  w3cHeaderInCombined,
  writeLongLine
} from '../helpers/bad-inputs';

const BIN = join(root, 'bin/sessionlens.js');
/** The CLI run in a node that, on exit, reports its peak resident memory on stderr. */
const PROBE = `process.on('exit', () => require('node:fs').writeSync(2, '\\nmaxrss-kb=' + process.resourceUsage().maxRSS + '\\n')); import(${JSON.stringify(pathToFileURL(BIN).href)});`;
/** Well under what holding a 200 MB line would take; a run of the CLI on a small log is ~60–120 MB. */
const RSS_LIMIT_MB = 400;
const MB200 = 200 * 1024 * 1024;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
  rssMb: number;
}

/** Runs `sessionlens ARGS…`; killed (signal SIGKILL) after `limitMs`. `whileRunning` gets the pid. */
function cli(args: string[], opts: { limitMs?: number; whileRunning?: (pid: number) => Promise<void> } = {}): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', PROBE, BIN, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.limitMs ?? 30_000);
  const meanwhile = opts.whileRunning?.(child.pid!);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      await meanwhile;
      const m = /\nmaxrss-kb=(\d+)\n$/.exec(err);
      resolve({ code, signal, out, err: m ? err.slice(0, m.index) : err, ms: performance.now() - t0, rssMb: m ? Number(m[1]) / 1024 : NaN });
    });
  });
}

/** A refusal: exit 1, nothing on stdout, one `sessionlens: FILE: …` line matching `message`. */
function expectRefused(r: Run, file: string, message: RegExp): void {
  expect(r.signal, `killed: ${r.err}`).toBeNull();
  expect(r.err).not.toMatch(/internal error/);
  expect(r.code, r.err).toBe(1);
  expect(r.out).toBe('');
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toContain(`sessionlens: ${file}: `);
  expect(r.err).toMatch(message);
}

/** A success: exit 0, the summary's lines all accounted for. */
function summaryOf(r: Run): Record<string, number | string> & { lines: number; requests: number; malformed: number; blank: number; truncated: number } {
  expect(r.signal, `killed: ${r.err}`).toBeNull();
  expect(r.code, r.err).toBe(0);
  const s = JSON.parse(r.out.split('\n')[0]);
  expect(s.requests + s.malformed + s.blank).toBe(s.lines);
  return s;
}

let dir: string;
let good: string;
const files: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sessionlens-bad-input-'));
  good = put(dir, 'good.log', goodLog());
  files.empty = put(dir, 'empty.log', '');
  files.png = put(dir, 'holiday.png', png());
  files.truncatedGz = put(dir, 'cut-in-half.log.gz', truncatedGz());
  files.garbageGz = put(dir, 'garbage.log.gz', garbageGz());
  files.blank = put(dir, 'blank-lines.log', BLANK_LINES);
  files.nuls = put(dir, 'nuls.log', NULS);
  files.nulEarly = put(dir, 'nul-on-line-4.log', nulEarly());
  files.utf16le = put(dir, 'utf16le.log', utf16('le'));
  files.utf16be = put(dir, 'utf16be.log', utf16('be'));
  files.utf16noBom = put(dir, 'utf16le-no-bom.log', utf16('le', false));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bad input on the command line: a clear message naming the file, never a crash', () => {
  const refusals: [string, string, RegExp][] = [
    ['an empty file', 'empty', /the file is empty/],
    ['a PNG picture', 'png', /binary data, not a text log \(a NUL byte on line \d+, byte \d+\)/],
    ['a .gz cut in half', 'truncatedGz', /cannot read: the gzip data is truncated or corrupt/],
    ['a .gz of garbage (gzip magic, then junk)', 'garbageGz', /cannot read: the gzip data is truncated or corrupt/],
    ['only blank lines', 'blank', /the file has only blank lines/],
    ['a file of NUL bytes', 'nuls', /binary data, not a text log \(a NUL byte on line 1, byte 1\)/],
    ['a log with a NUL byte on line 4 (in the first 4 KiB)', 'nulEarly', /binary data, not a text log \(a NUL byte on line 4, byte \d+\)/],
    ['UTF-16 little-endian with a byte order mark', 'utf16le', /UTF-16 text \(little-endian\), which SessionLens does not read: convert it to UTF-8/],
    ['UTF-16 big-endian with a byte order mark', 'utf16be', /UTF-16 text \(big-endian\), which SessionLens does not read: convert it to UTF-8/],
    ['UTF-16 little-endian without a byte order mark', 'utf16noBom', /UTF-16 text \(little-endian\)/]
  ];

  it.each(refusals)('%s: refused by name, alone and after a good log', async (_, key, message) => {
    const file = files[key];
    expectRefused(await cli(['summary', file]), file, message);
    // after a good file: the import as a whole fails, nothing is printed, the good file is not blamed
    const after = await cli(['sessions', good, file]);
    expectRefused(after, file, message);
    expect(after.err).not.toContain(good);
  });

  it('the same refusals from standard input name "(stdin)"', async () => {
    for (const key of ['png', 'utf16le', 'truncatedGz']) {
      const r = await new Promise<Run>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'summary', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        child.on('close', (code, signal) => resolve({ code, signal, out, err, ms: 0, rssMb: 0 }));
        child.stdin.on('error', () => {}); // the CLI may stop reading early
        child.stdin.end(readFileSync(files[key]));
      });
      expectRefused(r, '(stdin)', refusals.find(([, k]) => k === key)![2]);
    }
  });

  describe('NUL bytes inside lines (after the first 4 KiB)', () => {
    it('are read: a NUL in a user agent parses, a NUL in a timestamp and a line of NULs are malformed, by line number', async () => {
      const { bytes, lines, malformed } = nulsInside();
      const file = put(dir, 'nuls-inside.log', bytes);
      const r = await cli(['summary', '--verbose', file]);
      const s = summaryOf(r);
      expect([s.lines, s.requests, s.malformed, s.blank]).toEqual([lines, lines - 2, 2, 0]);
      const samples = s.malformedSamples as unknown as { file: string; line: number }[];
      expect(samples.map((m) => [m.file, m.line])).toEqual(malformed.map((line) => [file, line]));
    });
  });

  describe('several formats in one file', () => {
    it('combined + JSON lines + a W3C block: read as combined (the most lines), the others malformed by line number', async () => {
      const { text, combined, other } = mixedFormats();
      const file = put(dir, 'mixed.log', text);
      const s = summaryOf(await cli(['summary', '--verbose', file]));
      expect(s.format).toBe('combined');
      expect([s.requests, s.malformed, s.blank]).toEqual([combined, other.length, 0]);
      const samples = s.malformedSamples as unknown as { file: string; line: number; reason: string }[];
      expect(samples.map((m) => m.line)).toEqual(other);
      expect(samples.every((m) => m.file === file && m.reason.length > 0)).toBe(true);
    });

    it('mostly JSON lines with a few combined lines: read as json, the combined lines malformed', async () => {
      const { text, json, combinedLines } = mixedMostlyJson();
      const file = put(dir, 'mostly-json.log', text);
      const s = summaryOf(await cli(['summary', '--verbose', file]));
      expect(s.format).toBe('json');
      expect([s.requests, s.malformed]).toEqual([json, combinedLines.length]);
      expect((s.malformedSamples as unknown as { line: number }[]).map((m) => m.line)).toEqual(combinedLines);
    });

    it('a W3C header block near the start of a combined log does not make it "not an access log" (regression)', async () => {
      const { text, combined } = w3cHeaderInCombined();
      const file = put(dir, 'w3c-header-in-combined.log', text);
      const s = summaryOf(await cli(['summary', file]));
      expect(s.format).toBe('combined');
      expect([s.requests, s.malformed]).toEqual([combined, 7]);
    });
  });

  describe('a single 200 MB line with no newline', () => {
    let alone: string;
    let between: string;
    beforeAll(() => {
      alone = join(dir, 'one-200mb-line.log');
      writeLongLine(alone, MB200, null);
      // a request line whose path runs on for 200 MB, between two good lines
      const [l1, l2] = goodLog(2, 14).trimEnd().split('\n');
      between = join(dir, 'a-200mb-line-between-good-ones.log');
      writeLongLine(between, MB200, { before: l1 + '\n' + l1.slice(0, l1.indexOf('"') + 6), after: l2 + '\n' });
    }, 60_000);

    it('alone, detected: refused from its first 64 KiB, naming the file', async () => {
      const r = await cli(['summary', alone]);
      expectRefused(r, alone, /not an access log: no line ends in its first 64 KiB/);
      expect(r.rssMb).toBeLessThan(RSS_LIMIT_MB);
    });

    it('alone, with --format combined: read to its end, cut at 64 KiB and counted, memory bounded', async () => {
      const r = await cli(['summary', '--format', 'combined', alone], { limitMs: 60_000 });
      expectRefused(r, alone, /not an access log .*\(0 of 1 lines parse; one line was longer than 64 KiB and cut\)/);
      expect(r.rssMb, 'peak RSS (MB)').toBeLessThan(RSS_LIMIT_MB);
      expect(r.ms).toBeLessThan(30_000);
      console.log(`200 MB line alone, --format combined: peak RSS ${Math.round(r.rssMb)} MB, ${Math.round(r.ms)} ms`);
    });

    it('between good lines: the good lines parse, the long one is cut (truncated 1) and malformed at line 2, memory bounded', async () => {
      const r = await cli(['summary', '--verbose', between], { limitMs: 60_000 });
      const s = summaryOf(r);
      expect([s.lines, s.requests, s.malformed, s.truncated]).toEqual([3, 2, 1, 1]);
      const [sample] = s.malformedSamples as unknown as { file: string; line: number; text: string }[];
      expect([sample.file, sample.line]).toEqual([between, 2]);
      expect(sample.text.length).toBeLessThanOrEqual(512);
      expect(s.bytes).toBeGreaterThan(MB200);
      expect(r.rssMb, 'peak RSS (MB)').toBeLessThan(RSS_LIMIT_MB);
      expect(r.ms).toBeLessThan(30_000);
      console.log(`200 MB line between good lines: peak RSS ${Math.round(r.rssMb)} MB, ${Math.round(r.ms)} ms`);
    });
  });

  it.runIf(process.platform === 'linux')('a named pipe (what `<(zcat log.gz)` passes): read in order to its end, plain or gzip, with no warning', async () => {
    // more than the 8 MiB read for the head, so the rest is read as a pipe is: in order, size unknown
    const log = join(dir, 'piped.log');
    const out = createWriteStream(log);
    await writeLog({ lines: 60_000, seed: 5 }, out);
    out.end();
    await finished(out);
    const file = summaryOf(await cli(['summary', log]));
    expect(file.lines).toBe(60_000);
    for (const [name, body] of [['plain', readFileSync(log)], ['gzip', gzipSync(readFileSync(log))]] as const) {
      const fifo = join(dir, `pipe-${name}`);
      execFileSync('mkfifo', [fifo]);
      const writer = createWriteStream(fifo);
      writer.on('error', () => {});
      writer.end(body);
      const r = await cli(['summary', fifo]);
      expect(r.err, name).toBe('');
      const piped = summaryOf(r);
      expect({ ...piped, files: 0 }, name).toEqual({ ...file, files: 0 });
    }
  });

  describe('a file that changes while it is read', () => {
    /** ~94 MB: the CLI reads it in 8 MiB steps over about a second. */
    let big: string;
    let bigLines: number;
    beforeAll(async () => {
      big = join(dir, 'big.log');
      const out = createWriteStream(big);
      await writeLog({ lines: 400_000, seed: 3 }, out);
      out.end();
      await finished(out);
      bigLines = 400_000;
    }, 60_000);

    /** Whether `pid` has `file` open (Linux /proc). */
    function isOpen(pid: number, file: string): boolean {
      try {
        for (const fd of readdirSync(`/proc/${pid}/fd`)) {
          try {
            if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) return true;
          } catch {
            continue;
          }
        }
      } catch {
        // the process is gone
      }
      return false;
    }

    /** Bytes `pid` has read so far, by any read call (Linux /proc: the CLI reads at offsets, so its file position says nothing), or -1. */
    function bytesRead(pid: number): number {
      try {
        return Number(/rchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
      } catch {
        return -1;
      }
    }

    /** How far `pid` has read since `file` was first seen open (at most its read position), or -1 while it is not open. */
    function readProgress(pid: number, file: string, base: { at: number }): number {
      if (!isOpen(pid, file)) return -1;
      const now = bytesRead(pid);
      if (base.at < 0) base.at = now;
      return now - base.at;
    }

    /** Runs the CLI on a copy of `source` and calls `change` once it has read some but not all. */
    async function changedMidRead(source: string, name: string, change: (file: string, at: number) => void, args: string[] = []) {
      const file = join(dir, name);
      copyFileSync(source, file);
      const size = statSync(file).size;
      let changedAt = -1;
      const r = await cli(['summary', ...args, file], {
        limitMs: 60_000,
        whileRunning: async (pid) => {
          const t0 = Date.now();
          const base = { at: -1 };
          for (let at = -1; Date.now() - t0 < 20_000; await new Promise((res) => setTimeout(res, 1))) {
            at = readProgress(pid, file, base);
            if (at > 0 && at < size) {
              change(file, at);
              changedAt = at;
              return;
            }
          }
        }
      });
      expect(changedAt, 'the file was changed while the CLI had read part of it').toBeGreaterThan(0);
      return { r, file, size, changedAt };
    }

    it.runIf(process.platform === 'linux')('truncated mid-read: a consistent summary of what was read, and a warning naming the file', async () => {
      const { r, file, size, changedAt } = await changedMidRead(big, 'shrinks.log', (f, at) => truncateSync(f, Math.floor(at / 2) + 17));
      const s = summaryOf(r);
      expect(s.bytes).toBeLessThan(size);
      expect(s.lines).toBeLessThan(bigLines);
      // the read stopped mid-line at most once: every other line parses
      expect(s.malformed).toBeLessThanOrEqual(1);
      expect(r.err).toMatch(new RegExp(`^sessionlens: warning: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed while it was read \\(${size} bytes at the start, ${Math.floor(changedAt / 2) + 17} at the end\\)`));
    });

    it.runIf(process.platform === 'linux')('appended to mid-read: the appended lines are read too, and a warning names the file', async () => {
      const extra = goodLog(500, 15);
      const { r, file } = await changedMidRead(big, 'grows.log', (f) => appendFileSync(f, extra));
      const s = summaryOf(r);
      expect([s.lines, s.requests, s.malformed]).toEqual([bigLines + 500, bigLines + 500, 0]);
      expect(r.err).toContain(`sessionlens: warning: ${file} changed while it was read`);
    });

    it.runIf(process.platform === 'linux')('a .gz truncated mid-read: refused as truncated gzip, naming the file', async () => {
      const gz = join(dir, 'big.log.gz');
      // stored, not compressed, so the .gz is as large as the log and is read in several steps
      writeFileSync(gz, gzipSync(readFileSync(big), { level: 0 }));
      const { r, file } = await changedMidRead(gz, 'shrinks.log.gz', (f, at) => truncateSync(f, at));
      expectRefused(
        { ...r, err: r.err.replace(/^sessionlens: warning: .*\n/m, '') },
        file,
        /cannot read: the gzip data is truncated or corrupt/
      );
    });
  });
});
