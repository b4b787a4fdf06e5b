// A brute-force reference for sessions with any grouping key and their figures (SPEC §2), and for
// endpoint templates. Obviously right, not fast; shares no code with the core.

export interface KeyedRequest {
  key: string;
  time: number;
  ip: string;
  userAgent: string;
  status: number;
  /** -1 when logged as "-". */
  bytes: number;
  endpoint: string;
}

export interface KeyedSession {
  key: string;
  start: number;
  end: number;
  requests: number;
  bytes: number;
  status: Record<string, number>;
  ips: number;
  endpoints: number;
}

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];

/** Per key, by time; a gap over the timeout cuts; an optional maximum length cuts too. */
export function sessionizeBy(requests: readonly KeyedRequest[], inactivityMs: number, maxLengthMs = 0): KeyedSession[] {
  const groups = new Map<string, KeyedRequest[]>();
  for (const r of requests) {
    const g = groups.get(r.key) ?? [];
    g.push(r);
    groups.set(r.key, g);
  }
  const out: KeyedSession[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.time - b.time);
    let cur: (KeyedSession & { ipSet: Set<string>; epSet: Set<string> }) | null = null;
    for (const r of g) {
      if (!cur || r.time - cur.end > inactivityMs || (maxLengthMs > 0 && r.time - cur.start > maxLengthMs)) {
        cur = { key: r.key, start: r.time, end: r.time, requests: 0, bytes: 0, status: Object.fromEntries(CLASSES.map((c) => [c, 0])), ips: 0, endpoints: 0, ipSet: new Set(), epSet: new Set() };
        out.push(cur);
      }
      cur.end = r.time;
      cur.requests++;
      if (r.bytes > 0) cur.bytes += r.bytes;
      const cls = r.status >= 100 && r.status < 600 ? CLASSES[Math.floor(r.status / 100) - 1] : 'other';
      cur.status[cls]++;
      cur.ipSet.add(r.ip);
      cur.epSet.add(r.endpoint);
      cur.ips = cur.ipSet.size;
      cur.endpoints = cur.epSet.size;
    }
  }
  return out
    .map(({ key, start, end, requests, bytes, status, ips, endpoints }) => ({ key, start, end, requests, bytes, status, ips, endpoints }))
    .sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** SPEC §2 path templates, written from the spec with regular expressions. */
export function templatePath(method: string, path: string): string {
  const segs = path.split('/').map((seg) => {
    if (seg === '') return seg;
    const ext = /^(.+?)(\.[A-Za-z0-9]{1,5})$/.exec(seg);
    const stems = ext ? [[ext[1], ext[2]], [seg, '']] : [[seg, '']];
    for (const [stem, suffix] of stems) {
      const kind = classify(stem);
      if (kind) return `{${kind}}${suffix}`;
    }
    return seg;
  });
  return `${method} ${segs.join('/')}`;
}

function classify(s: string): string | null {
  if (/^(19|20)\d\d-\d\d-\d\d$/.test(s) || (/^(19|20)\d{6}$/.test(s) && +s.slice(4, 6) >= 1 && +s.slice(4, 6) <= 12 && +s.slice(6, 8) >= 1 && +s.slice(6, 8) <= 31)) return 'date';
  if (/^\d[\d._-]*$/.test(s)) return 'int';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) return 'uuid';
  if (/^[^@]+(@|%40).*\.[^.]/.test(s)) return 'email';
  if (/^[0-9a-f]{12,}$/i.test(s) && /\d/.test(s)) return 'hex';
  if (s.length >= 20 && /^[A-Za-z0-9._~=+%-]+$/.test(s) && /\d/.test(s) && /[A-Za-z]/.test(s)) return 'token';
  return null;
}
