import type { SessionColumns } from './types';
import { STATUS_CLASSES, ATTACK_TYPES } from './types';

/**
 * Session columns for n sessions, zeroed, with the given string tables. The sets (ipSet, …) start
 * empty with their start offsets zeroed: the filler assigns them when it knows their size.
 */
export function emptyColumns(
  n: number,
  tables: Pick<SessionColumns, 'ips' | 'userAgents' | 'users' | 'hosts' | 'endpoints'>
): SessionColumns {
  return {
    count: n,
    id: new Array<string>(n),
    keyKind: new Uint8Array(n),
    keyHash: new Array<string>(n),
    start: new Float64Array(n),
    end: new Float64Array(n),
    requests: new Uint32Array(n),
    bytes: new Float64Array(n),
    status: new Uint32Array(n * STATUS_CLASSES.length),
    durationSum: new Float64Array(n),
    durationCount: new Uint32Array(n),
    durationMax: new Float64Array(n),
    ip: new Uint32Array(n),
    userAgent: new Uint32Array(n),
    user: new Int32Array(n),
    firstEndpoint: new Uint32Array(n),
    lastEndpoint: new Uint32Array(n),
    distinctIps: new Uint32Array(n),
    distinctEndpoints: new Uint32Array(n),
    distinctHosts: new Uint32Array(n),
    ipSet: new Uint32Array(0),
    ipSetStart: new Uint32Array(n + 1),
    endpointSet: new Uint32Array(0),
    endpointSetStart: new Uint32Array(n + 1),
    hostSet: new Uint32Array(0),
    hostSetStart: new Uint32Array(n + 1),
    attacks: new Uint32Array(n * ATTACK_TYPES.length),
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
    ...tables
  };
}
