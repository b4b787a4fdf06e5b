import { describe, it, expect } from 'vitest';
import { ok, memorySource } from '../helpers/core';
import { sessionAt } from '../../src/lib/core/sessions';
import type { SessionColumns } from '../../src/lib/core/types';
import { parseKeys } from '../../src/lib/core/keys';
import { generateLog, mulberry32 } from '../../scripts/gen-log.js';
import { parseCombined } from '../reference/reference';
import { sessionizeBy, templatePath, type KeyedRequest } from '../reference/keyed';

// Order independence (SPEC §2, issue 4): the core's sessions and their figures equal the
// brute-force reference whatever the order of lines and files, however the input is cut.

const MIN = 60_000;

/** Requests of a combined log for the keyed reference (key ip+ua). */
function referenceRequests(text: string): KeyedRequest[] {
  const out: KeyedRequest[] = [];
  for (const line of text.split('\n')) {
    const r = parseCombined(line);
    if (!r) continue;
    const m = /\] "(\S+) ([^ ?"]*)[^"]*" (\d{3}) (\d+|-)/.exec(line)!;
    out.push({ key: `${r.ip}\0${r.userAgent}`, time: r.time, ip: r.ip, userAgent: r.userAgent, endpoint: templatePath(m[1], m[2]), status: +m[3], bytes: m[4] === '-' ? -1 : +m[4] });
  }
  return out;
}

function coreRows(cols: SessionColumns) {
  return Array.from({ length: cols.count }, (_, i) => {
    const s = sessionAt(cols, i);
    return { key: `${s.ip}\0${s.userAgent}`, start: s.start, end: s.end, requests: s.requests, bytes: s.bytes, status: s.status, ips: s.ips, endpoints: s.endpoints };
  }).sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function shuffle<T>(items: T[], seed: number): T[] {
  const rnd = mulberry32(seed);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Cuts text into `parts` files at random byte positions (mid-line too). */
function cut(text: string, parts: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const points = Array.from({ length: parts - 1 }, () => Math.floor(rnd() * text.length)).sort((a, b) => a - b);
  const out: string[] = [];
  let at = 0;
  for (const p of [...points, text.length]) {
    out.push(text.slice(at, p));
    at = p;
  }
  return out;
}

describe('order independence against the brute-force reference', () => {
  for (const seed of [3, 11]) {
    const text = generateLog({ lines: 6000, seed });
    const lines = text.trimEnd().split('\n');
    const expected = sessionizeBy(referenceRequests(text), 30 * MIN);

    it(`seed ${seed}: lines in order`, async () => {
      const { sessions, summary } = await ok([memorySource('a.log', text)]);
      expect(summary.late).toBe(0);
      expect(coreRows(sessions)).toEqual(expected);
    });

    it(`seed ${seed}: lines shuffled (late requests merged back)`, async () => {
      const shuffled = shuffle(lines, seed).join('\n');
      const { sessions, summary } = await ok([memorySource('a.log', shuffled)], { chunkSize: 4096 });
      expect(summary.late).toBeGreaterThan(0);
      expect(coreRows(sessions)).toEqual(expected);
    });

    it(`seed ${seed}: the log cut mid-line into rotated files, read in reverse order`, async () => {
      // a line cut between two files is two broken lines, so cut at line ends for this one
      const parts = cut(text, 5, seed).map((p) => p);
      const whole: string[] = [];
      let carry = '';
      for (const p of parts) {
        const t = carry + p;
        const nl = t.lastIndexOf('\n');
        whole.push(t.slice(0, nl + 1));
        carry = t.slice(nl + 1);
      }
      whole[whole.length - 1] += carry;
      const sources = whole.map((t, i) => memorySource(`access.log.${i}`, t, 1 + (i * 977) % 5000)).reverse();
      const { sessions } = await ok(sources, { chunkSize: 1 + seed * 100 });
      expect(coreRows(sessions)).toEqual(expected);
    });
  }

  it('a line hours out of order is counted late and still lands in its session', async () => {
    const text = generateLog({ lines: 3000, seed: 5 });
    const lines = text.trimEnd().split('\n');
    // move an early line to the end: the stream's time is hours past it by then
    const moved = [...lines.slice(0, 10), ...lines.slice(11), lines[10]].join('\n');
    const { sessions, summary } = await ok([memorySource('a.log', moved)]);
    expect(summary.late).toBe(1);
    expect(coreRows(sessions)).toEqual(sessionizeBy(referenceRequests(text), 30 * MIN));
  });

  it('a maximum session length cuts long sessions', async () => {
    const text = generateLog({ lines: 4000, seed: 9 });
    const { sessions } = await ok([memorySource('a.log', text)], { maxSessionMs: 20 * MIN });
    expect(coreRows(sessions)).toEqual(sessionizeBy(referenceRequests(text), 30 * MIN, 20 * MIN));
  });

  it('a maximum session length cuts where the sorted times say, whatever the order within the allowance', async () => {
    // one actor at 0 s, 50 s, 65 s with a 60 s maximum: {0, 50} {65}. Read 0, 65, 50 the cut used
    // to follow the reading (65 cut first, 50 then joined it): {0} {50, 65}.
    const line = (s: number) => `10.0.0.1 - - [04/Mar/2024:10:0${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} +0000] "GET /a HTTP/1.1" 200 1 "-" "ua"`;
    const text = [0, 65, 50].map(line).join('\n');
    const { sessions, summary } = await ok([memorySource('a.log', text)], { maxSessionMs: 60_000 });
    expect(summary.late).toBe(0);
    expect(coreRows(sessions).map((r) => [r.start, r.end, r.requests])).toEqual([
      [Date.UTC(2024, 2, 4, 10, 0, 0), Date.UTC(2024, 2, 4, 10, 0, 50), 2],
      [Date.UTC(2024, 2, 4, 10, 1, 5), Date.UTC(2024, 2, 4, 10, 1, 5), 1]
    ]);
  });

  it('a maximum session length: shuffled lines and files read in reverse give the sorted log\'s sessions when nothing is late', async () => {
    const text = generateLog({ lines: 4000, seed: 9 });
    const expected = sessionizeBy(referenceRequests(text), 30 * MIN, 20 * MIN);
    const lines = text.trimEnd().split('\n');
    // an allowance longer than the log: no request is late, whatever the order
    const opts = { maxSessionMs: 20 * MIN, disorderMs: 10 * 24 * 60 * MIN };
    const shuffled = await ok([memorySource('a.log', shuffle(lines, 4).join('\n'))], { ...opts, chunkSize: 4096 });
    expect(shuffled.summary.late).toBe(0);
    expect(coreRows(shuffled.sessions)).toEqual(expected);
    const parts = [lines.slice(0, 1500), lines.slice(1500, 2500), lines.slice(2500)].map((p, i) => memorySource(`access.log.${i}`, p.join('\n') + '\n')).reverse();
    const reversed = await ok(parts, opts);
    expect(reversed.summary.late).toBe(0);
    expect(coreRows(reversed.sessions)).toEqual(expected);
  });

  it('holds only the open sessions: four days of log need no more than one', async () => {
    const day = (d: number) => generateLog({ lines: 15_000, seed: 2, start: new Date(Date.UTC(2024, 2, 4 + d)).toISOString() });
    const one = await ok([memorySource('a.log', day(0))], { chunkSize: 1 << 16 });
    const four = await ok([memorySource('b.log', [0, 1, 2, 3].map(day).join(''))], { chunkSize: 1 << 16 });
    expect(four.summary.requests).toBe(4 * one.summary.requests);
    expect(four.core.openPeak).toBeLessThanOrEqual(one.core.openPeak * 1.2);
    expect(four.core.memoryBytes).toBeLessThanOrEqual(one.core.memoryBytes * 2);
  });

  it('the core holds nothing per request, and at most the merge\'s work space per session', async () => {
    // 1,000 actors, each back every `gap` minutes: with 31, a new session per line after the first round
    const log = (rounds: number, gap: number) => {
      const lines: string[] = [];
      for (let r = 0; r < rounds; r++) {
        const t = new Date(Date.UTC(2024, 2, 4) + r * gap * MIN);
        const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/Mar/2024:${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}:00 +0000`;
        for (let a = 0; a < 1000; a++) lines.push(`10.0.${a >> 8}.${a & 255} - - [${stamp}] "GET /p/${a} HTTP/1.1" 200 10 "-" "agent"`);
      }
      return lines.join('\n');
    };
    const few = await ok([memorySource('a.log', log(1, 31))], { chunkSize: 1 << 18 });
    const long = await ok([memorySource('b.log', log(100, 1))], { chunkSize: 1 << 18 });
    const many = await ok([memorySource('c.log', log(100, 31))], { chunkSize: 1 << 18 });
    expect([few.summary.sessions, long.summary.sessions, many.summary.sessions]).toEqual([1000, 1000, 100_000]);
    expect(long.summary.requests).toBe(100_000);
    // 100 times the requests in as many sessions: not a byte more
    expect(long.core.memoryBytes).toBe(few.core.memoryBytes);
    // 100 times the sessions: the pieces wait in JS while reading; the core grows only by the
    // merge's work space (~76 bytes a piece at most), in a memory that doubles as it grows
    expect(many.core.memoryBytes - few.core.memoryBytes).toBeLessThanOrEqual(100_000 * 1024);
  });
});

// ---------------------------------------------------------------- grouping keys on JSON logs

const at = (min: number) => new Date(Date.UTC(2024, 2, 4, 10, min)).toISOString();
const json = (o: Record<string, unknown>) => JSON.stringify(o);

/** nginx JSON lines: browser A (sid=A) moves from 10.0.0.1 to 10.0.0.9; B (sid=B) shares 10.0.0.1. */
const browsers = [
  json({ time_iso8601: at(0), remote_addr: '10.0.0.1', request: 'GET /a HTTP/1.1', status: 200, body_bytes_sent: 10, http_user_agent: 'Firefox', http_cookie: 'theme=dark; sid=A' }),
  json({ time_iso8601: at(1), remote_addr: '10.0.0.1', request: 'GET /b HTTP/1.1', status: 200, body_bytes_sent: 10, http_user_agent: 'Firefox', http_cookie: 'sid=B' }),
  json({ time_iso8601: at(5), remote_addr: '10.0.0.9', request: 'GET /c HTTP/1.1', status: 404, body_bytes_sent: 10, http_user_agent: 'Firefox', http_cookie: 'sid=A' }),
  json({ time_iso8601: at(6), remote_addr: '10.0.0.1', request: 'GET /d HTTP/1.1', status: 200, body_bytes_sent: 10, http_user_agent: 'Firefox', http_cookie: 'sid=B; theme=light' }),
  json({ time_iso8601: at(7), remote_addr: '10.0.0.2', request: 'GET /e HTTP/1.1', status: 200, body_bytes_sent: 10, http_user_agent: 'curl/8' })
].join('\n');

function keysOf(text: string) {
  const k = parseKeys(text);
  if (typeof k === 'string') throw new Error(k);
  return k;
}

describe('grouping keys', () => {
  it('cookie:sid follows a browser across IPs and tells apart two behind one IP', async () => {
    const { sessions } = await ok([memorySource('a.json', browsers)], { keys: keysOf('cookie:sid,ip+ua') });
    const rows = Array.from({ length: sessions.count }, (_, i) => sessionAt(sessions, i));
    expect(rows.map((s) => [s.key, s.ip, s.requests, s.ips, s.endpoints])).toEqual([
      ['cookie', '10.0.0.1', 2, 2, 2], // A: 10.0.0.1 then 10.0.0.9
      ['cookie', '10.0.0.1', 2, 1, 2], // B
      ['ip+ua', '10.0.0.2', 1, 1, 1] // no cookie: the next key decides
    ]);
    expect(rows[0].status['4xx']).toBe(1);
    // the cookie value itself is nowhere in the result
    expect(JSON.stringify(rows)).not.toMatch(/"A"|sid=/);
  });

  it('with the default ip+ua, the same log gives other sessions', async () => {
    const { sessions } = await ok([memorySource('a.json', browsers)]);
    const rows = Array.from({ length: sessions.count }, (_, i) => sessionAt(sessions, i));
    expect(rows.map((s) => [s.ip, s.requests])).toEqual([
      ['10.0.0.1', 3], // A and B share IP and user agent
      ['10.0.0.9', 1],
      ['10.0.0.2', 1]
    ]);
  });

  const jwt = (claims: Record<string, unknown>) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

  it('jwt:sub reads the claim of a bearer token in a logged header, and in a cookie', async () => {
    const lines = [
      json({ time_iso8601: at(0), remote_addr: '1.1.1.1', request: 'GET /x HTTP/1.1', status: 200, http_authorization: `Bearer ${jwt({ sub: 'u-1', iat: 1 })}` }),
      json({ time_iso8601: at(1), remote_addr: '2.2.2.2', request: 'GET /y HTTP/1.1', status: 200, http_authorization: `Bearer ${jwt({ iat: 2, sub: 'u-1' })}` }),
      json({ time_iso8601: at(2), remote_addr: '3.3.3.3', request: 'GET /z HTTP/1.1', status: 200, http_authorization: `Bearer ${jwt({ sub: 'u-2' })}` })
    ].join('\n');
    const { sessions } = await ok([memorySource('a.json', lines)], { keys: keysOf('jwt:sub,ip') });
    const rows = Array.from({ length: sessions.count }, (_, i) => sessionAt(sessions, i));
    expect(rows.map((s) => [s.key, s.requests, s.ips])).toEqual([
      ['jwt', 2, 2],
      ['jwt', 1, 1]
    ]);

    const cookies = [
      json({ time_iso8601: at(0), remote_addr: '1.1.1.1', request: 'GET /x HTTP/1.1', status: 200, http_cookie: `token=${jwt({ sub: 'u-1' })}` }),
      json({ time_iso8601: at(1), remote_addr: '2.2.2.2', request: 'GET /y HTTP/1.1', status: 200, http_cookie: `a=b; token=${jwt({ sub: 'u-1' })}` })
    ].join('\n');
    const byCookie = await ok([memorySource('b.json', cookies)], { keys: keysOf('jwt:sub@cookie:token,ip') });
    expect(byCookie.sessions.count).toBe(1);
    expect(sessionAt(byCookie.sessions, 0)).toMatchObject({ key: 'jwt', requests: 2, ips: 2 });
  });

  it('header:NAME on Caddy JSON, query:NAME, user and ip', async () => {
    const caddy = (min: number, ip: string, key: string) =>
      json({ level: 'info', ts: Date.UTC(2024, 2, 4, 10, min) / 1000, logger: 'http.log.access', msg: 'handled request', request: { client_ip: ip, method: 'GET', uri: `/api?k=${key}`, host: 'h', headers: { 'User-Agent': ['ua'], 'X-Api-Key': [key] } }, status: 200, size: 1 });
    const text = [caddy(0, '1.1.1.1', 'k1'), caddy(1, '2.2.2.2', 'k1'), caddy(2, '1.1.1.1', 'k2')].join('\n');
    const byHeader = await ok([memorySource('c.json', text)], { keys: keysOf('header:x-api-key') });
    expect(Array.from(byHeader.sessions.requests)).toEqual([2, 1]);
    expect(sessionAt(byHeader.sessions, 0).key).toBe('header');
    const byQuery = await ok([memorySource('c.json', text)], { keys: keysOf('query:k') });
    expect(Array.from(byQuery.sessions.requests)).toEqual([2, 1]);
    const byIp = await ok([memorySource('c.json', text)], { keys: keysOf('ip') });
    expect(Array.from(byIp.sessions.requests)).toEqual([2, 1]);
    expect(sessionAt(byIp.sessions, 0).key).toBe('ip');
  });

  it('key values are salted: another salt, other hashes, same sessions', async () => {
    const a = await ok([memorySource('a.json', browsers)], { keys: keysOf('cookie:sid,ip+ua'), salt: [1, 2] });
    const b = await ok([memorySource('a.json', browsers)], { keys: keysOf('cookie:sid,ip+ua'), salt: [3, 4] });
    expect(Array.from(a.sessions.requests)).toEqual(Array.from(b.sessions.requests));
    expect(a.sessions.keyHash).not.toEqual(b.sessions.keyHash);
  });

  it('refuses a malformed key list', () => {
    expect(parseKeys('cookie:')).toMatch(/bad key/);
    expect(parseKeys('bogus:x')).toMatch(/unknown key kind/);
  });
});

// ---------------------------------------------------------------- across imports

import { mergeSessions, mergeEndpoints } from '../../src/lib/core/merge';

describe('imports merged as if read together', () => {
  const text = generateLog({ lines: 8000, seed: 21 });
  const lines = text.trimEnd().split('\n');

  for (const [name, cutAt] of [['today then yesterday', 3000], ['a small tail first', 7900]] as const) {
    it(name, async () => {
      const whole = await ok([memorySource('all.log', text)], { salt: [7, 7] });
      const first = lines.slice(0, cutAt).join('\n');
      const second = lines.slice(cutAt).join('\n');
      // the later part imported first, as an analyst dropping yesterday's file after today's
      const later = await ok([memorySource('b.log', second)], { salt: [7, 7] });
      const earlier = await ok([memorySource('a.log', first)], { salt: [7, 7] });
      const merged = mergeSessions(later.sessions, earlier.sessions, { inactivityMs: 30 * MIN });
      const rows = (c: SessionColumns) => Array.from({ length: c.count }, (_, i) => sessionAt(c, i));
      expect(rows(merged)).toEqual(rows(whole.sessions));
      const eps = mergeEndpoints(later.endpoints, earlier.endpoints, merged);
      const strip = (e: { endpoint: string; requests: number; sessions: number; status: object; bytes: number; firstSeen: string; lastSeen: string }) => [e.endpoint, e.requests, e.sessions, e.status, e.bytes, e.firstSeen, e.lastSeen];
      expect(eps.map(strip)).toEqual(whole.endpoints.map(strip));
    });
  }
});

// ---------------------------------------------------------------- performance labels

describe('slow requests and error bursts', () => {
  const line = (sec: number, ip: string, ms: number, status = 200) =>
    json({ time_iso8601: new Date(Date.UTC(2024, 2, 4, 10, 0, sec)).toISOString(), remote_addr: ip, request: 'GET /api/items HTTP/1.1', status, request_time: ms / 1000, http_user_agent: 'Firefox' });

  it('flags requests slow for their endpoint, and bursts of server errors', async () => {
    const lines: string[] = [];
    // a steady endpoint: 200 requests of ~10 ms from many clients
    for (let i = 0; i < 200; i++) lines.push(line(i, `10.0.1.${i % 50}`, 9 + (i % 3)));
    // one client gets four slow answers; another six 5xx within a minute
    for (let i = 0; i < 4; i++) lines.push(line(300 + i, '10.9.9.9', 900));
    for (let i = 0; i < 6; i++) lines.push(line(400 + i * 5, '10.8.8.8', 10, 503));
    const { sessions } = await ok([memorySource('perf.json', lines.join('\n'))]);
    const rows = Array.from({ length: sessions.count }, (_, i) => sessionAt(sessions, i));
    const slow = rows.find((s) => s.ip === '10.9.9.9')!;
    const burst = rows.find((s) => s.ip === '10.8.8.8')!;
    expect(slow.labels.map((l) => l.name)).toContain('slow-requests');
    expect(slow.labels.find((l) => l.name === 'slow-requests')!.evidence).toMatch(/^4 requests slower/);
    expect(burst.labels.map((l) => l.name)).toContain('error-burst');
    expect(burst.labels.find((l) => l.name === 'error-burst')!.evidence).toMatch(/^6 server errors/);
    // performance is shown, not scored as risk
    expect(slow.risk).toBe(0);
    expect(rows.filter((s) => s.ip.startsWith('10.0.1.')).every((s) => s.labels.length === 0)).toBe(true);
  });
});
