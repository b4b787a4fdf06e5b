import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { ok, run, memorySource, root, sharedData, hasSharedData, type RunOptions } from '../helpers/core';
import { sessionAt, sessionJson } from '../../src/lib/core/sessions';
import { SessionLines } from '../../src/lib/core/session-lines';
import { ByteWriter } from '../../src/lib/core/byte-writer';
import { parseKeys } from '../../src/lib/core/keys';
import type { SessionColumns } from '../../src/lib/core/types';
import { mulberry32 } from '../../scripts/gen-log.js';

// The CLI writes `sessions` lines straight from the columns (session-lines.ts); they must be the
// bytes of JSON.stringify(sessionJson(sessionAt(cols, i))), the page's export, on any input.

/** The reference: the objects, stringified, as UTF-8. */
const expected = (cols: SessionColumns) => Buffer.from(Array.from({ length: cols.count }, (_, i) => JSON.stringify(sessionJson(sessionAt(cols, i))) + '\n').join(''));

/** SessionLines' bytes, taken every `every` lines (the CLI takes them every 64 KiB). */
function written(cols: SessionColumns, every: number): Buffer {
  const lines = new SessionLines(cols);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < cols.count; i++) {
    lines.add(i);
    if ((i + 1) % every === 0) parts.push(lines.take());
  }
  parts.push(lines.take());
  return Buffer.concat(parts);
}

async function check(name: string, bytes: Uint8Array | string, opts: RunOptions = {}) {
  const { sessions } = await ok([memorySource(name, bytes)], opts);
  const want = expected(sessions);
  expect(written(sessions, 1e9).equals(want)).toBe(true);
  expect(written(sessions, 7).equals(want)).toBe(true);
  return sessions;
}

const keys = (text: string) => {
  const k = parseKeys(text);
  if (typeof k === 'string') throw new Error(k);
  return k;
};

/** Strings a log may hold: quotes, backslashes, control chars, U+2028, lone surrogates, long ones. */
const HOSTILE = ['"q"', 'a\\b', '\u0001\u001f\u007f', 'tab\t', 'x\u2028y\u2029', 'café 日本 😀', '\ud800', 'a\udfffb', '\ud83d', '</script>', '', '-', 'curl/8.0', 'sqlmap/1.7', 'nikto', 'M'.repeat(300), '\u0001'.repeat(9000), 'é'.repeat(40), '\u00a0', '\\x22'];

/** nginx JSON lines with hostile values everywhere, times across midnight and at the ends of the ISO range. */
function hostileJson(n: number): string {
  const rnd = mulberry32(42);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const jwt = (sub: string) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.c2ln`;
  const times = [Date.UTC(2024, 2, 4, 23, 50), 0, -1000, Date.UTC(9999, 11, 31, 23, 59, 59), Date.UTC(2000, 1, 29, 12)];
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    const t = (rnd() < 0.97 ? times[0] + Math.floor(rnd() * 4 * 3600) * 1000 + pick([0, 1, 999, 500]) : pick(times));
    const o: Record<string, unknown> = {
      time_iso8601: new Date(t).toISOString(),
      remote_addr: rnd() < 0.05 ? pick(HOSTILE) : `10.0.${Math.floor(rnd() * 3)}.${Math.floor(rnd() * 6)}`,
      remote_user: pick(['-', '-', 'alice', ...HOSTILE.slice(0, 9)]),
      request: `${pick(['GET', 'POST'])} ${pick(['/', '/login', '/p/7', '/etc/passwd?x=../../..', "/q?id=1' OR 1=1--", '/s?q=<script>', '/ü', '/${jndi:ldap://x}', '/.env'])} HTTP/1.1`,
      status: pick([200, 200, 301, 401, 403, 404, 500, 503, 0]),
      body_bytes_sent: pick([0, 10, 12345, 2 ** 31 + 5, 2 ** 40]),
      http_user_agent: pick(HOSTILE),
      http_host: pick(['h1', ...HOSTILE.slice(0, 8)]),
      http_cookie: `sid=${pick(['A', 'B', ...HOSTILE.slice(0, 8)])}`,
      request_time: pick(['0.001', '0.333', '12.345', '-'])
    };
    if (rnd() < 0.3) o.http_authorization = `Bearer ${jwt(pick(['u1', 'u2', ...HOSTILE.slice(0, 8)]))}`;
    lines.push(JSON.stringify(o));
  }
  // a library's burst of server errors: library-agent and error-burst, which labelsOf lists in
  // another order than LABELS
  for (let k = 0; k < 6; k++) {
    lines.push(JSON.stringify({ time_iso8601: new Date(Date.UTC(2024, 2, 5, 1, 0, k)).toISOString(), remote_addr: '10.9.9.9', request: 'GET /api HTTP/1.1', status: 500, body_bytes_sent: 1, http_user_agent: 'curl/8.0' }));
  }
  return lines.join('\n') + '\n';
}

/** Combined lines with raw bytes: escapes, control bytes, invalid UTF-8, U+2028, CESU surrogates. */
function hostileCombined(n: number): Uint8Array {
  const rnd = mulberry32(7);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const agents = ['"q\\" ua', 'back\\\\slash', '\\x22hex\\x5c', '\x01\x1f ctl\x7f', 'caf\xc3\xa9', 'bad \xff\xfe \xc3', 'sep \xe2\x80\xa8', 'cesu \xed\xa0\x80', 'emoji \xf0\x9f\x98\x80', 'curl/7.1', 'nikto/2.1', '-', ''];
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    const day = pick(['04/Mar/2024:23', '05/Mar/2024:00', '31/Dec/9999:23', '01/Jan/1970:00', '31/Dec/1969:23']);
    const stamp = `${day}:${String(Math.floor(rnd() * 60)).padStart(2, '0')}:${String(Math.floor(rnd() * 60)).padStart(2, '0')} ${pick(['+0000', '-0700', '+0530'])}`;
    const path = pick(['/', '/a%20b', '/\xc3\xbc', '/\xff', '/x\\"y', '/etc/passwd/../../', '/\xe2\x80\xa8', '/p/12345']);
    lines.push(`192.168.0.${Math.floor(rnd() * 8)} - ${pick(['-', 'bob', 'b\\"ob', '\xc3\xa9', '\xff'])} [${stamp}] "GET ${path} HTTP/1.1" ${pick(['200', '404', '500', '-'])} ${pick(['10', '-', '99999999999'])} "-" "${pick(agents)}"`);
  }
  // each char is one byte: latin1 keeps the raw bytes above
  return Buffer.from(lines.join('\n') + '\n', 'latin1');
}

describe('session lines written from the columns', () => {
  it('equal JSON.stringify(sessionJson(sessionAt())) on the sample, under several keys and limits', async () => {
    const sample = readFileSync(`${root}static/sample/demo-access.log`);
    const cols = await check('demo.log', sample);
    // the sample has labelled sessions, with more than one label (labelsOf's order is kept)
    expect(Array.from(cols.labelBits).some((b) => b & (b - 1))).toBe(true);
    await check('demo.log', sample, { inactivityMs: 5 * 60_000, maxSessionMs: 20 * 60_000 });
    await check('demo.log', sample, { keys: keys('ip') });
  });

  it('refuse unscored columns rather than print them without labels', async () => {
    const { sessions } = await ok([memorySource('demo.log', readFileSync(`${root}static/sample/demo-access.log`))], { scores: false });
    expect(() => new SessionLines(sessions)).toThrow(/labelBits disagree/);
  });

  it('equal it on hostile strings, times and numbers', async () => {
    const json = hostileJson(3000);
    for (const k of ['ip+ua', 'cookie:sid,ip+ua', 'jwt:sub,ip', 'user,ip', 'header:authorization']) {
      const cols = await check('hostile.json', json, { keys: keys(k) });
      expect(cols.count).toBeGreaterThan(5);
      expect(Array.from({ length: cols.count }, (_, i) => sessionAt(cols, i).labels.map((l) => l.name).join())).toContain('error-burst,library-agent');
    }
    const cols = await check('hostile.log', hostileCombined(3000));
    expect(cols.count).toBeGreaterThan(100);
    // what the inputs reach: escapes of every kind, durations, users, hosts, times out of the fast path
    const text = expected((await ok([memorySource('hostile.json', json)])).sessions).toString() + expected(cols).toString();
    for (const seen of ['\\ud800', '\\u0001', '\u2028', '\\"', '\\\\', '\ufffd', '"durationMs":{', '"durationMs":null', '"user":"', '"user":null', '"hosts":["', '"1969-', '"9999-', '"+010000-', '"attacks":{"', '"labels":["']) {
      expect(text, seen).toContain(seen);
    }
  });

  it.skipIf(!hasSharedData)('equal it on every real log', async () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = `${dir}/${f}`;
        if (statSync(p).isDirectory()) walk(p);
        else if (statSync(p).size < 20 << 20) files.push(p);
      }
    };
    walk(`${sharedData}/access`);
    walk(`${sharedData}/malformed`);
    let checked = 0;
    for (const f of files) {
      const r = await run([memorySource(f, readFileSync(f))]);
      if (!r.ok) continue;
      expect(written(r.value.sessions, 5).equals(expected(r.value.sessions)), f).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('ByteWriter', () => {
  const bytesOf = (write: (w: ByteWriter) => void) => {
    const w = new ByteWriter();
    write(w);
    return Buffer.from(w.take());
  };

  it('writes numbers as JSON.stringify does', () => {
    const values = [0, -0, 1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e21, 0.1, 1 / 3, 333.333, -5, 5e-7, NaN, Infinity, -Infinity];
    for (const n of values) expect(bytesOf((w) => w.number(n)).toString(), String(n)).toBe(JSON.stringify(n));
  });

  it('writes times as toISOString does', () => {
    const rnd = mulberry32(1);
    const values = [0, 1, 999, 1000, 86_399_999, 86_400_000, -1, -0.5, 0.5, 1.5, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), Date.UTC(2024, 1, 29, 23, 59, 59, 999)];
    for (let k = 0; k < 2000; k++) values.push(Math.floor((rnd() - 0.1) * 3e14));
    const w = new ByteWriter();
    for (const ms of values) w.time(ms);
    expect(Buffer.from(w.take()).toString()).toBe(values.map((ms) => new Date(ms).toISOString()).join(''));
    expect(() => bytesOf((w) => w.time(NaN))).toThrow(RangeError);
  });

  it('writes strings as JSON.stringify does, every UTF-16 code unit and hostile ones', () => {
    const strings = [...HOSTILE, 'x'.repeat(32), 'x'.repeat(33), `${'x'.repeat(31)}"`];
    for (let c = 0; c < 0x10000; c++) strings.push(String.fromCharCode(c), `ab${String.fromCharCode(c)}`);
    const w = new ByteWriter();
    for (const s of strings) w.jsonString(s);
    expect(Buffer.from(w.take()).equals(Buffer.from(strings.map((s) => JSON.stringify(s)).join('')))).toBe(true);
  });

  it('grows past its chunk and hands over what was written', () => {
    const long = '\u0001'.repeat(60_000);
    const w = new ByteWriter();
    for (let k = 0; k < 5; k++) w.jsonString(long);
    expect(w.length).toBe(5 * (6 * 60_000 + 2));
    expect(Buffer.from(w.take()).toString()).toBe(JSON.stringify(long).repeat(5));
    expect(w.length).toBe(0);
  });

  it('never writes again into bytes it handed over, taken many to a chunk or across chunks', () => {
    const w = new ByteWriter();
    const taken: Uint8Array[] = [];
    const want: string[] = [];
    for (let k = 0; k < 3000; k++) {
      // small takes share a chunk; a few large ones move the untaken bytes to fresh memory
      const s = k % 500 === 7 ? 'y'.repeat(700_000) : `line ${k}`;
      w.text(s);
      want.push(s);
      if (k % 3 === 2) {
        taken.push(w.take());
        expect(w.length).toBe(0);
      }
    }
    taken.push(w.take());
    expect(Buffer.concat(taken).toString()).toBe(want.join(''));
  });
});
