// Test factory: request blocks in the core's shape (src/lib/core/requests.ts), from plain rows.
import type { RequestColumns } from '../../lib/core/requests';

export interface RequestRow {
  time: number;
  /** 16 hex digits, as SessionColumns.keyHash. */
  key?: string;
  endpoint?: string;
  status?: number;
  bytes?: number;
  duration?: number;
  target?: string;
  attacks?: number;
}

export function makeRequests(rows: RequestRow[]): RequestColumns {
  const n = rows.length;
  const endpoints: string[] = [];
  const enc = new TextEncoder();
  const targets = rows.map((r) => enc.encode(r.target ?? r.endpoint?.split(' ')[1] ?? '/'));
  const target = new Uint8Array(targets.reduce((s, t) => s + t.length, 0));
  const targetEnd = new Uint32Array(n);
  let at = 0;
  const out: RequestColumns = {
    count: n,
    time: new Float64Array(n),
    keyKind: new Uint8Array(n).fill(6),
    keyHash: new Uint32Array(2 * n),
    ip: new Uint32Array(n),
    userAgent: new Uint32Array(n),
    user: new Uint32Array(n),
    host: new Uint32Array(n),
    endpoint: new Uint32Array(n),
    status: new Uint16Array(n),
    bytes: new Float64Array(n),
    duration: new Float32Array(n),
    attacks: new Uint16Array(n),
    file: new Uint16Array(n),
    line: new Uint32Array(n),
    target,
    targetEnd,
    referrer: new Uint8Array(0),
    referrerEnd: new Uint32Array(n),
    dict: { ips: ['192.0.2.1'], userAgents: ['curl/8.0'], users: [], hosts: [], endpoints }
  };
  rows.forEach((r, i) => {
    const key = (r.key ?? '1').padStart(16, '0');
    out.time[i] = r.time;
    out.keyHash[2 * i] = parseInt(key.slice(8), 16);
    out.keyHash[2 * i + 1] = parseInt(key.slice(0, 8), 16);
    const ep = r.endpoint ?? 'GET /';
    let e = endpoints.indexOf(ep);
    if (e < 0) e = endpoints.push(ep) - 1;
    out.endpoint[i] = e;
    out.status[i] = r.status ?? 200;
    out.bytes[i] = r.bytes ?? 100;
    out.duration[i] = r.duration ?? NaN;
    out.attacks[i] = r.attacks ?? 0;
    out.line[i] = i + 1;
    target.set(targets[i], at);
    at += targets[i].length;
    targetEnd[i] = at;
  });
  return out;
}
