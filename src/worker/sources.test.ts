import { describe, expect, it } from 'vitest';
import { analyse } from '../lib/core/analyse';
import { core } from '../../tests/helpers/core';
import { generateLog } from '../../scripts/gen-log.js';
import { checkedLength, openSources } from './sources';

// A File cut short on disk after it was picked: Chromium ends its stream early without an error
// (seen in tests/e2e/bad-input.test.ts); the page must not store part of it as the whole.

const text = new TextEncoder().encode(generateLog({ lines: 200, seed: 3 }));

/** A File whose stream gives only `given` of its `size` bytes, as a file truncated meanwhile does. */
function shrunkFile(name: string, size: number, given: Uint8Array): File {
  return {
    name,
    size,
    stream: () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(given);
          c.close();
        }
      })
  } as unknown as File;
}

describe('files read against the size they had when picked', () => {
  it('a file read whole passes unchanged', async () => {
    const out = new Uint8Array(await new Response(checkedLength('a.log', text.length, new Blob([text]).stream())).arrayBuffer());
    expect(out).toEqual(text);
  });

  it('a file that ends short is an error naming it, not a shorter file', async () => {
    const read = new Response(checkedLength('a.log', text.length, new Blob([text.subarray(0, 1000)]).stream())).arrayBuffer();
    await expect(read).rejects.toMatchObject({ name: 'NotReadableError', message: `a.log ended after 1000 of its ${text.length} bytes` });
  });

  it('the core refuses such a file with a clear message, and keeps nothing of it', async () => {
    const opened = await openSources([{ kind: 'file', file: shrunkFile('access.log', text.length, text.subarray(0, text.length >> 1)) }], fetch);
    if (!opened.ok) throw new Error(opened.error.message);
    const r = await analyse(await core(), opened.value);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('read-failed');
    expect(r.error.message).toMatch(/^access\.log: cannot read: the file changed or was removed after it was picked; pick it again \(access\.log ended after \d+ of its \d+ bytes\)$/);
  });
});
