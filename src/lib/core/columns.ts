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

/**
 * Hands the memory of a table's typed arrays back at once, instead of at the next full garbage
 * collection (a worker left idle may run none for a long while): their buffers are detached, so
 * the table must not be read again. Buffers `keep` also uses are left alone.
 */
export function releaseColumns(cols: SessionColumns, keep?: SessionColumns): void {
  const kept = new Set(keep ? Object.values(keep).filter(ArrayBuffer.isView).map((v) => v.buffer) : []);
  detach(Object.values(cols).filter(ArrayBuffer.isView).map((v) => v.buffer).filter((b) => !kept.has(b)) as ArrayBuffer[]);
}

/**
 * Detaches buffers, which frees their memory at once (ArrayBuffer.prototype.transfer where the
 * engine has it; else a transfer by structuredClone, whose unreferenced result dies young).
 */
export function detach(buffers: ArrayBuffer[]): void {
  const unique = [...new Set(buffers)].filter((b) => b.byteLength > 0);
  const transfer = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer, n: number) => ArrayBuffer }).transfer;
  if (transfer) for (const b of unique) transfer.call(b, 0);
  else if (unique.length) structuredClone(null, { transfer: unique });
}

/** Tables made by the core for one caller (see markDisposable). */
const disposable = new WeakSet<SessionColumns>();

/**
 * Marks a table as its receiver's alone: whoever it is handed on to may consume it (cut it up,
 * detach its arrays) once done. Tables not marked are never touched by their readers.
 */
export function markDisposable(cols: SessionColumns): SessionColumns {
  disposable.add(cols);
  return cols;
}

export function isDisposable(cols: SessionColumns): boolean {
  return disposable.has(cols);
}
