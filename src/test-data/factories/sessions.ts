// Test factories: small, deterministic SessionColumns and Summaries in the core's shapes.
import type { SessionColumns, Summary } from '../../lib/core/types';
import { emptyColumns } from '../../lib/core/columns';

/** `n` sessions, one a minute from `start`, alternating between two actors; every third has a user. */
export function makeColumns(n: number, start = Date.UTC(2024, 0, 1), idPrefix = 'a'): SessionColumns {
  const cols = emptyColumns(n, {
    ips: ['192.0.2.1', '2001:db8::2'],
    userAgents: ['curl/8.0', 'Mozilla/5.0 <b>x</b>'],
    users: ['alice'],
    hosts: [],
    endpoints: ['GET /']
  });
  cols.keyKind.fill(6);
  cols.distinctIps.fill(1);
  cols.distinctEndpoints.fill(1);
  cols.ipSet = Uint32Array.from({ length: n }, (_, i) => i % 2);
  cols.ipSetStart = Uint32Array.from({ length: n + 1 }, (_, i) => i);
  cols.endpointSet = new Uint32Array(n);
  cols.endpointSetStart = Uint32Array.from({ length: n + 1 }, (_, i) => i);
  cols.id = [];
  cols.keyHash = [];
  for (let i = 0; i < n; i++) {
    cols.start[i] = start + i * 60_000;
    cols.end[i] = start + i * 60_000 + 30_000;
    cols.requests[i] = 1 + (i % 5);
    cols.status[i * 6 + 1] = cols.requests[i];
    cols.ip[i] = i % 2;
    cols.userAgent[i] = i % 2;
    cols.user[i] = i % 3 === 0 ? 0 : -1;
    cols.id.push(idPrefix + i.toString(16).padStart(15, '0'));
    cols.keyHash.push((i % 2 ? 'a2' : 'a1').padStart(16, '0'));
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
    late: 0,
    sessions: cols.count,
    format: 'combined',
    malformedSamples: [{ file: 'access.log', line: 3, reason: 'bad request line', text: 'garbage' }],
    ...over
  };
}
