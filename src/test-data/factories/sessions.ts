// Test factories: small, deterministic SessionColumns and Summaries in the core's shapes.
import type { SessionColumns, Summary } from '../../lib/core/types';

/** `n` sessions, one a minute from `start`, alternating between two actors; every third has a user. */
export function makeColumns(n: number, start = Date.UTC(2024, 0, 1), idPrefix = 'a'): SessionColumns {
  const cols: SessionColumns = {
    count: n,
    start: new Float64Array(n),
    end: new Float64Array(n),
    requests: new Uint32Array(n),
    actor: new Uint32Array(n),
    user: new Int32Array(n),
    id: [],
    actors: [
      { keyKind: 'ip+ua', keyHash: '00000000000000a1', ip: '192.0.2.1', userAgent: 'curl/8.0' },
      { keyKind: 'ip+ua', keyHash: '00000000000000a2', ip: '2001:db8::2', userAgent: 'Mozilla/5.0 <b>x</b>' }
    ],
    users: ['alice']
  };
  for (let i = 0; i < n; i++) {
    cols.start[i] = start + i * 60_000;
    cols.end[i] = start + i * 60_000 + 30_000;
    cols.requests[i] = 1 + (i % 5);
    cols.actor[i] = i % 2;
    cols.user[i] = i % 3 === 0 ? 0 : -1;
    cols.id.push(idPrefix + i.toString(16).padStart(15, '0'));
  }
  return cols;
}

export function makeSummary(cols: SessionColumns, over: Partial<Summary> = {}): Summary {
  let requests = 0;
  for (let i = 0; i < cols.count; i++) requests += cols.requests[i];
  return {
    files: 1,
    bytes: requests * 100,
    lines: requests + 2,
    blank: 1,
    requests,
    malformed: 1,
    truncated: 0,
    sessions: cols.count,
    format: 'combined',
    malformedSamples: [{ file: 'access.log', line: 3, reason: 'bad request line', text: 'garbage' }],
    ...over
  };
}
