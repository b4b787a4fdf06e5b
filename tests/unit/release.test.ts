import { describe, expect, it } from 'vitest';
import { ok, memorySource } from '../helpers/core';
import { detach, isDisposable, releaseColumns } from '../../src/lib/core/columns';
import { releaseRequests, type RequestColumns } from '../../src/lib/core/requests';
import { generateLog } from '../../scripts/gen-log.js';

// Tables and blocks let go at once (their buffers detached) rather than at the next full garbage
// collection, which a worker left idle may not run.

describe('letting memory go', () => {
  it('detaches buffers, once each', () => {
    const a = new Float64Array(10);
    const b = new Uint32Array(a.buffer, 8, 2);
    detach([a.buffer, b.buffer]);
    expect([a.length, b.length, a.buffer.byteLength]).toEqual([0, 0, 0]);
    detach([a.buffer]);
  });

  it('releases a table but for what another table shares with it', async () => {
    const { sessions } = await ok([memorySource('a.log', generateLog({ lines: 2000, seed: 3 }))]);
    expect(isDisposable(sessions)).toBe(true);
    const n = sessions.count;
    // another table sharing all but `start`
    const other = { ...sessions, start: sessions.start.slice() };
    releaseColumns(sessions, other);
    expect([sessions.start.length, other.start.length, sessions.end.length]).toEqual([0, n, n]);
    releaseColumns(sessions);
    expect([sessions.end.length, sessions.ipSet.length]).toEqual([0, 0]);
  });

  it('releases the request blocks given to onRequests, which analyse keeps no reference to', async () => {
    const blocks: RequestColumns[] = [];
    const r = await ok([memorySource('a.log', generateLog({ lines: 3000, seed: 3 }))], {
      chunkSize: 64 << 10,
      onRequests: (b) => {
        blocks.push(b);
        releaseRequests(b);
      }
    });
    expect(blocks.length).toBeGreaterThan(2);
    expect(blocks.every((b) => b.time.length === 0 && b.target.length === 0)).toBe(true);
    expect(r.summary.requests).toBe(3000);
  });
});
