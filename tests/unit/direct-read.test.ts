import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ok, run, memorySource, root } from '../helpers/core';
import { sessionAt, sessionJson } from '../../src/lib/core/sessions';
import type { LogSource, DirectReader } from '../../src/lib/core/api';
import type { Analysis } from '../../src/lib/core/analyse';

// A source the platform reads itself (the CLI's files, LogSource.readAt): its head is read
// directly, with no stream, unless it is compressed, and the rest straight into the core. The
// results must be those of the same bytes as a stream.

const sample = readFileSync(`${root}static/sample/demo-access.log`);

/** `bytes` as a file: a stream, and readAt reads of at most `most` bytes each (a short read now and then). */
function fileSource(name: string, bytes: Uint8Array, opts: { most?: number; failOpen?: boolean } = {}): LogSource & { reads: number } {
  const src = {
    ...memorySource(name, bytes),
    reads: 0,
    readAt(offset: number): DirectReader {
      if (opts.failOpen) throw new Error('EACCES: permission denied');
      let at = offset;
      return {
        read(into) {
          src.reads++;
          const n = Math.min(into.length, bytes.length - at, opts.most ?? Infinity);
          into.set(bytes.subarray(at, at + n));
          at += n;
          return n;
        },
        close() {}
      };
    }
  };
  return src;
}

/** `n` bytes of the sample's lines, repeated, the last line cut where n ends. */
function logOf(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += sample.length) out.set(sample.subarray(0, Math.min(sample.length, n - at)), at);
  return out;
}

function digest(a: Analysis) {
  const sessions = Array.from({ length: a.sessions.count }, (_, i) => sessionJson(sessionAt(a.sessions, i)));
  return { summary: a.summary, sessions, endpoints: a.endpoints };
}

describe('files read directly', () => {
  const HEAD = 1 << 20;
  for (const [what, size] of [
    ['smaller than the head', 300_000],
    ['exactly the head', HEAD],
    ['one byte past the head', HEAD + 1],
    ['several chunks past the head', 3 * HEAD + 12_345]
  ] as const) {
    it(`give the stream's results: a file ${what}`, async () => {
      const bytes = logOf(size);
      const direct = fileSource('a.log', bytes, { most: 700_001 });
      const streamed = await ok([memorySource('a.log', bytes)], { chunkSize: 1 << 18 });
      const read = await ok([direct], { chunkSize: 1 << 18 });
      expect(direct.reads).toBeGreaterThan(1);
      expect(read.summary.lines).toBeGreaterThan(1000);
      expect(digest(read)).toEqual(digest(streamed));
    });
  }

  it('a gzip file is inflated through the stream', async () => {
    const bytes = logOf(HEAD + 5000);
    const gz = fileSource('a.log.gz', gzipSync(bytes));
    const plain = await ok([memorySource('a.log', bytes)]);
    const read = await ok([gz]);
    expect(read.summary.lines).toBe(plain.summary.lines);
    expect(read.summary.sessions).toBe(plain.summary.sessions);
  });

  it('a file the platform cannot open directly is read through the stream', async () => {
    const bytes = logOf(200_000);
    const opened = await ok([fileSource('a.log', bytes, { failOpen: true })]);
    expect(opened.summary.lines).toBe((await ok([memorySource('a.log', bytes)])).summary.lines);
  });

  it('a binary file is refused by name, from its direct head', async () => {
    const bytes = logOf(HEAD * 2);
    bytes[3000] = 0;
    const r = await run([fileSource('bin.log', bytes)]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^bin\.log: binary data, not a text log \(a NUL byte on line \d+, byte 3001\)/);
  });
});
