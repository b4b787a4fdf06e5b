import { describe, it, expect } from 'vitest';
import { gzipSync } from 'node:zlib';
import { ok, run, memorySource } from '../helpers/core';
import { sessionAt } from '../../src/lib/core/sessions';
import type { SessionColumns } from '../../src/lib/core/types';

/** Sessions as rows: actor and user indices are internal and follow the input order. */
const rows = (c: SessionColumns) => Array.from({ length: c.count }, (_, i) => sessionAt(c, i));

// The core through its one entry point (analyse), on small hand-written logs.

const line = (ip: string, time: string, path = '/', ua = 'Mozilla/5.0', user = '-') =>
  `${ip} - ${user} [${time}] "GET ${path} HTTP/1.1" 200 512 "-" "${ua}"`;

describe('line splitting', () => {
  const text = [
    line('10.0.0.1', '10/Oct/2000:13:55:36 -0700'),
    '',
    '   ',
    line('10.0.0.2', '10/Oct/2000:13:56:00 -0700', '/a', 'curl/8.0'),
    'not a log line at all',
    line('10.0.0.1', '10/Oct/2000:13:57:00 -0700', '/b')
  ].join('\r\n');

  it('counts every record, the unterminated last line included', async () => {
    const { summary } = await ok([memorySource('a.log', text)]);
    expect(summary).toMatchObject({ lines: 6, blank: 2, requests: 3, malformed: 1, sessions: 2, format: 'combined' });
  });

  it('gives the same result for every chunk size, cuts anywhere', async () => {
    const whole = await ok([memorySource('a.log', text)]);
    for (const chunkSize of [1, 2, 3, 7, 16, 64, 101]) {
      for (const piece of [1, 5, 13]) {
        const r = await ok([memorySource('a.log', text, piece)], { chunkSize });
        expect(r.summary).toEqual(whole.summary);
        expect(rows(r.sessions)).toEqual(rows(whole.sessions));
      }
    }
  });

  it('keeps malformed lines with their file and line number', async () => {
    const { summary } = await ok([memorySource('a.log', text), memorySource('b.log', text)]);
    expect(summary.malformedSamples.map((s) => `${s.file}:${s.line}`)).toEqual(['a.log:5', 'b.log:5']);
    expect(summary.malformedSamples[0].text).toBe('not a log line at all');
    expect(summary.malformedSamples[0].reason).toBe('no [timestamp]');
  });

  it('keeps at most 20 malformed samples but counts them all', async () => {
    const lines = [line('10.0.0.1', '10/Oct/2000:13:55:36 -0700')];
    for (let i = 0; i < 30; i++) lines.push(`junk ${i}`);
    for (let i = 0; i < 300; i++) lines.push(line('10.0.0.1', '10/Oct/2000:13:55:36 -0700'));
    const { summary } = await ok([memorySource('a.log', lines.join('\n'))]);
    expect(summary.malformed).toBe(30);
    expect(summary.malformedSamples).toHaveLength(20);
    expect(summary.malformedSamples[19].line).toBe(21);
  });

  it('cuts lines over 64 KiB, counts them, and goes on', async () => {
    const long = line('10.0.0.9', '10/Oct/2000:13:55:36 -0700', '/' + 'x'.repeat(70_000));
    const text2 = [line('10.0.0.1', '10/Oct/2000:13:55:36 -0700'), long, line('10.0.0.2', '10/Oct/2000:13:55:37 -0700')].join('\n') + '\n';
    for (const chunkSize of [1000, 65_536, 1 << 20]) {
      const { summary } = await ok([memorySource('a.log', text2, 4096)], { chunkSize });
      expect(summary).toMatchObject({ lines: 3, truncated: 1, requests: 2, malformed: 1 });
    }
  });
});

describe('sessions (SPEC §2, key ip+ua)', () => {
  const at = (min: number, sec = 0) => {
    const d = new Date(Date.UTC(2024, 2, 4, 12, min, sec));
    const mon = d.toLocaleString('en', { month: 'short', timeZone: 'UTC' });
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  };

  it('keeps a gap equal to the timeout, splits a longer one', async () => {
    const text = [line('1.1.1.1', at(0)), line('1.1.1.1', at(30)), line('1.1.1.1', at(60, 1))].join('\n');
    const { sessions } = await ok([memorySource('a.log', text)]);
    expect(sessions.count).toBe(2);
    expect(Array.from(sessions.requests)).toEqual([2, 1]);
    expect(new Date(sessions.end[0]).toISOString()).toBe('2024-03-04T12:30:00.000Z');
  });

  it('honours the inactivity option', async () => {
    const text = [line('1.1.1.1', at(0)), line('1.1.1.1', at(30)), line('1.1.1.1', at(60, 1))].join('\n');
    const { sessions } = await ok([memorySource('a.log', text)], { inactivityMs: 45 * 60_000 });
    expect(sessions.count).toBe(1);
  });

  it('does not depend on line order', async () => {
    const lines = [line('1.1.1.1', at(0)), line('1.1.1.1', at(20)), line('1.1.1.1', at(45)), line('1.1.1.1', at(80)), line('2.2.2.2', at(1))];
    const a = await ok([memorySource('a.log', lines.join('\n'))]);
    const b = await ok([memorySource('b.log', [...lines].reverse().join('\n'))]);
    expect(rows(b.sessions)).toEqual(rows(a.sessions));
    expect(Array.from(a.sessions.requests)).toEqual([3, 1, 1]);
  });

  it('separates user agents behind one IP and applies time-zone offsets', async () => {
    const text = [
      line('1.1.1.1', '04/Mar/2024:13:00:00 +0100', '/', 'A'),
      line('1.1.1.1', '04/Mar/2024:07:10:00 -0500', '/', 'A'),
      line('1.1.1.1', '04/Mar/2024:12:05:00 +0000', '/', 'B')
    ].join('\n');
    const { sessions } = await ok([memorySource('a.log', text)]);
    expect(rows(sessions).map((r) => [r.userAgent, r.requests, new Date(r.start).toISOString()])).toEqual([
      ['A', 2, '2024-03-04T12:00:00.000Z'],
      ['B', 1, '2024-03-04T12:05:00.000Z']
    ]);
  });

  it('unescapes user agents (Apache \\" and \\\\, nginx \\xHH) and keeps the first remote user', async () => {
    const text = [
      line('1.1.1.1', at(0), '/', 'Bot \\"quoted\\" \\\\ caf\\xC3\\xA9'),
      line('1.1.1.1', at(1), '/', 'Bot \\"quoted\\" \\\\ caf\\xC3\\xA9', 'alice')
    ].join('\n');
    const { sessions } = await ok([memorySource('a.log', text)]);
    expect(sessionAt(sessions, 0)).toMatchObject({ userAgent: 'Bot "quoted" \\ café', user: 'alice', ip: '1.1.1.1', requests: 2 });
  });

  it('reads several files as one log, and .gz like plain text', async () => {
    const one = line('1.1.1.1', at(0)) + '\n';
    const two = line('1.1.1.1', at(10));
    const { summary, sessions } = await ok([memorySource('a.log', one), memorySource('b.log.gz', gzipSync(two))]);
    expect(summary).toMatchObject({ files: 2, lines: 2, requests: 2, sessions: 1 });
    expect(sessions.requests[0]).toBe(2);
  });

  it('reads the common format (no referrer, no user agent)', async () => {
    const text = '1.1.1.1 - - [04/Mar/2024:12:00:00 +0000] "GET /~a/b.html" 200 -\nhost.example.com - - [04/Mar/2024:12:00:01 +0000] "GET / HTTP/1.0" 304 0';
    const { summary, sessions } = await ok([memorySource('a.log', text)]);
    expect(summary).toMatchObject({ requests: 2, format: 'common', sessions: 2 });
    expect(sessionAt(sessions, 1)).toMatchObject({ ip: 'host.example.com', userAgent: '' });
  });
});

describe('bad input is a value naming the file', () => {
  it.each([
    ['empty.log', new Uint8Array(0), 'empty'],
    ['blank.log', '\n\n  \n', 'empty'],
    ['image.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3]), 'binary'],
    ['junk.log', 'hello\nworld\nthis is not a log\n', 'not-a-log'],
    ['a.log.bz2', Uint8Array.from([0x42, 0x5a, 0x68, 0x39, 1, 2, 3, 4]), 'unsupported-compression'],
    ['a.zip', Uint8Array.from([0x50, 0x4b, 3, 4, 1, 2, 3, 4]), 'unsupported-compression'],
    ['cut.log.gz', gzipSync('1.1.1.1 - - [04/Mar/2024:12:00:00 +0000] "GET / HTTP/1.1" 200 1\n'.repeat(50)).subarray(0, 40), 'read-failed']
  ])('%s', async (name, content, kind) => {
    const r = await run([memorySource('good.log', line('1.1.1.1', '04/Mar/2024:12:00:00 +0000')), memorySource(name, content)]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe(kind);
      expect(r.error.file).toBe(name);
      expect(r.error.message).toContain(name);
    }
  });

  it('stops a large non-log early', async () => {
    let read = 0;
    const junk = new TextEncoder().encode('this is a line of prose, not a request\n'.repeat(200_000));
    const src = memorySource('novel.txt', junk, 1 << 16);
    const counting = { ...src, stream: () => src.stream().pipeThrough(new TransformStream({ transform(c, ctl) { read += c.length; ctl.enqueue(c); } })) };
    const r = await run([counting], { chunkSize: 1 << 20 });
    expect(r.ok).toBe(false);
    expect(read).toBeLessThan(junk.length);
  });

  it('reports cancellation', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const r = await run([memorySource('a.log', line('1.1.1.1', '04/Mar/2024:12:00:00 +0000'))], { signal: ctl.signal } as never);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('cancelled');
  });
});
