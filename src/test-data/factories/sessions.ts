// Test factories: small, deterministic SessionColumns and Summaries in the core's shapes.
import type { SessionColumns, Summary } from '../../lib/core/types';

/** `n` sessions, one a minute from `start`, alternating between two actors; every third has a user. */
export function makeColumns(n: number, start = Date.UTC(2024, 0, 1), idPrefix = 'a'): SessionColumns {
  const cols: SessionColumns = {
    count: n,
    id: [],
    keyKind: new Uint8Array(n).fill(6),
    keyHash: [],
    start: new Float64Array(n),
    end: new Float64Array(n),
    requests: new Uint32Array(n),
    bytes: new Float64Array(n),
    status: new Uint32Array(n * 6),
    durationSum: new Float64Array(n),
    durationCount: new Uint32Array(n),
    durationMax: new Float64Array(n),
    ip: new Uint32Array(n),
    userAgent: new Uint32Array(n),
    user: new Int32Array(n),
    firstEndpoint: new Uint32Array(n),
    lastEndpoint: new Uint32Array(n),
    distinctIps: new Uint32Array(n).fill(1),
    distinctEndpoints: new Uint32Array(n).fill(1),
    distinctHosts: new Uint32Array(n),
    ipSet: Uint32Array.from({ length: n }, (_, i) => i % 2),
    ipSetStart: Uint32Array.from({ length: n + 1 }, (_, i) => i),
    endpointSet: new Uint32Array(n),
    endpointSetStart: Uint32Array.from({ length: n + 1 }, (_, i) => i),
    hostSet: new Uint32Array(0),
    hostSetStart: new Uint32Array(n + 1),
    attacks: new Uint32Array(n * 7),
    authFailures: new Uint32Array(n),
    notFound: new Uint32Array(n),
    gapCount: new Uint32Array(n),
    gapSum: new Float64Array(n),
    gapSumSq: new Float64Array(n),
    idPaths: new Uint32Array(n),
    idPathSet: new Uint32Array(0),
    idPathSetStart: new Uint32Array(n + 1),
    slowRequests: new Uint32Array(n),
    errorBurst: new Uint32Array(n),
    labelBits: new Uint16Array(n),
    risk: new Uint8Array(n),
    baseline: { requestsP99: 0, rateP99: 0, bytesP99: 0 },
    ips: ['192.0.2.1', '2001:db8::2'],
    userAgents: ['curl/8.0', 'Mozilla/5.0 <b>x</b>'],
    users: ['alice'],
    hosts: [],
    endpoints: ['GET /']
  };
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
