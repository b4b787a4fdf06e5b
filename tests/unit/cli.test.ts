import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root } from '../helpers/core';

// The command line as a user runs it: the bin script, real files, stdin, exit codes (SPEC §6).

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(root, 'bin/sessionlens.js'), ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'sessionlens-cli-'));
const day1 = [
  '203.0.113.7 - - [04/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 \\"X\\""',
  '203.0.113.7 - - [04/Mar/2024:10:05:00 +0000] "GET /a HTTP/1.1" 200 512 "-" "Mozilla/5.0 \\"X\\""',
  '198.51.100.2 - bob [04/Mar/2024:09:00:00 +0000] "GET /b HTTP/1.1" 200 10 "-" "curl/8.0"'
].join('\n');
const day2 = '203.0.113.7 - - [04/Mar/2024:10:20:00 +0000] "GET /c HTTP/1.1" 200 512 "-" "Mozilla/5.0 \\"X\\""\n';
writeFileSync(join(dir, 'access.log'), day1);
writeFileSync(join(dir, 'access.log.1.gz'), gzipSync(day2));
writeFileSync(join(dir, 'junk.txt'), 'lorem ipsum\ndolor sit amet\n');

describe('sessionlens CLI', () => {
  it('summary prints one JSON object with the SPEC §6 fields', () => {
    const r = cli(['summary', join(dir, 'access.log'), join(dir, 'access.log.1.gz')]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ files: 2, lines: 4, blank: 0, requests: 4, malformed: 0, sessions: 2, format: 'combined' });
    expect(s.bytes).toBe(Buffer.byteLength(day1) + Buffer.byteLength(day2));
  });

  it('sessions prints NDJSON sorted by start, unescaped, with ISO times', () => {
    const r = cli(['sessions', join(dir, 'access.log.1.gz'), join(dir, 'access.log')]);
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((s) => [s.ip, s.userAgent, s.user, s.start, s.end, s.requests])).toEqual([
      ['198.51.100.2', 'curl/8.0', 'bob', '2024-03-04T09:00:00.000Z', '2024-03-04T09:00:00.000Z', 1],
      ['203.0.113.7', 'Mozilla/5.0 "X"', null, '2024-03-04T10:00:00.000Z', '2024-03-04T10:20:00.000Z', 3]
    ]);
    for (const s of rows) {
      expect(s.id).toMatch(/^[0-9a-f]{16}$/);
      expect(s.key).toBe('ip+ua');
    }
  });

  it('reads standard input with -', () => {
    const r = cli(['summary', '-'], day1);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ requests: 3, sessions: 2 });
  });

  it('stops quietly, with status 0, when the reader closes the pipe (| head)', () => {
    const sample = join(root, 'static/sample/demo-access.log');
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" bin/sessionlens.js sessions "${sample}" | head -c 100`], { cwd: root, encoding: 'utf8' });
    expect(r.stdout).toHaveLength(100);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('takes --inactivity', () => {
    const r = cli(['summary', '--inactivity', '4m', join(dir, 'access.log')]);
    expect(JSON.parse(r.out).sessions).toBe(3);
  });

  it('exits non-zero naming the file that is not a log', () => {
    const r = cli(['summary', join(dir, 'access.log'), join(dir, 'junk.txt')]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('junk.txt');
    expect(r.err).toContain('not an access log');
  });

  it('explains usage errors and missing files', () => {
    expect(cli(['frobnicate', 'x']).code).toBe(2);
    const missing = cli(['summary', join(dir, 'nope.log')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nope.log: no such file');
  });
});
