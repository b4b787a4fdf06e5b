import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, sharedData, hasSharedData } from '../helpers/core';

// The CLI's format options as a user types them: --format (names and pasted nginx/Apache
// formats), --map, `preview`, `summary --verbose` with malformed samples, and the refusals
// (unsupported compression, a format not recognised) with their exit codes.

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(root, 'bin/sessionlens.js'), ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const dir = mkdtempSync(join(tmpdir(), 'sessionlens-cli-formats-'));
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

const combined = file(
  'access.log',
  [
    '203.0.113.7 - - [04/Mar/2024:10:00:00 +0100] "GET /a?x=1 HTTP/1.1" 200 512 "-" "Mozilla/5.0 \\"X\\""',
    'this line is junk',
    '',
    '203.0.113.7 - - [04/Mar/2024:10:05:00 +0100] "POST /b HTTP/1.1" 201 12 "https://r/" "Mozilla/5.0 \\"X\\""',
    'more junk here',
    '198.51.100.2 - bob [04/Mar/2024:09:00:00 +0000] "GET /c HTTP/1.1" 404 0 "-" "curl/8.0"'
  ].join('\n') + '\n'
);
const caddy = file(
  'caddy.json',
  '{"level":"info","ts":1709546400.5,"logger":"http.log.access","msg":"handled request","request":{"client_ip":"203.0.113.5","proto":"HTTP/2.0","method":"GET","host":"ex.com","uri":"/p?q=1","headers":{"User-Agent":["UA 1"]}},"duration":0.0123,"size":42,"status":200}\n'
);
const custom = file('custom.json', '{"ts":"2024-03-04T10:00:00Z","client":{"addr":"198.51.100.9"},"req":{"url":"/v1/items/42"},"code":204,"lat":37.5}\n');
const piped = file('piped.log', '2024-03-04T10:00:00+01:00|198.51.100.3|GET /x?y=1 HTTP/1.1|200|0.075|K1\n2024-03-04T10:00:01+01:00|198.51.100.3|GET /z HTTP/1.1|404|0.001|K1\n');
const apacheLog = file('vhost_custom.log', 'ex.com:443 10.0.0.1 - - [04/Mar/2024:10:00:00 -0500] "POST /login HTTP/1.1" 302 - "-" "UA" 2500\n');
const haproxy = file('haproxy.log', 'Sep 25 06:05:27 hostname haproxy[6801]: 4.3.2.1:55008 [25/Sep/2018:06:05:27.584] ft_https~ bk_https/abc 0/0/0/72/72 200 7456 - - ---- 5/4/0/1/0 0/0 "POST /user/ HTTP/1.1"\n'.repeat(3));
// only the magic number matters: the CLI must refuse bzip2 before reading further
const bz2 = file('tiny.log.bz2', Uint8Array.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 1, 2, 3]));

describe('--format', () => {
  it('forces a named format and reports it', () => {
    const r = cli(['summary', '--format', 'json:caddy', caddy]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ lines: 1, requests: 1, malformed: 0, format: 'json:caddy' });
  });

  it('takes --format=NAME too, and a forced wrong format counts lines as malformed or refuses the file', () => {
    const ok = cli(['summary', '--format=combined', combined]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ lines: 6, blank: 1, requests: 3, malformed: 2, format: 'combined' });
    const wrong = cli(['summary', '--format', 'alb', combined]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(combined);
  });

  it('refuses an unknown format name with a usage error (exit 2) listing the known ones', () => {
    const r = cli(['summary', '--format', 'syslog', combined]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown format "syslog"');
    expect(r.err).toContain('json:caddy');
    expect(r.err).toContain('nginx:<log_format>');
    expect(r.out).toBe('');
  });

  it('reads a pasted nginx log_format', () => {
    const r = cli(['preview', '--format', 'nginx:$time_iso8601|$remote_addr|$request|$status|$request_time|$http_x_api_key', piped]);
    expect(r.code).toBe(0);
    const rows = ndjson(r.out);
    expect(rows.map((p) => [p.time, p.ip, p.method, p.path, p.query, p.status, p.durationMs, p.fields])).toEqual([
      ['2024-03-04T09:00:00.000Z', '198.51.100.3', 'GET', '/x', 'y=1', 200, 75, { 'header:x-api-key': 'K1' }],
      ['2024-03-04T09:00:01.000Z', '198.51.100.3', 'GET', '/z', null, 404, 1, { 'header:x-api-key': 'K1' }]
    ]);
    expect(rows[0].format).toBe('nginx:$time_iso8601|$remote_addr|$request|$status|$request_time|$http_x_api_key');
  });

  it('reads a pasted Apache LogFormat directive', () => {
    const r = cli(['preview', '--format', 'apache:LogFormat "%v %h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\" %D" vhost_custom', apacheLog]);
    expect(r.code).toBe(0);
    const [p] = ndjson(r.out);
    expect([p.host, p.ip, p.time, p.method, p.path, p.status, p.bytes, p.durationMs, p.userAgent]).toEqual(['ex.com:443', '10.0.0.1', '2024-03-04T15:00:00.000Z', 'POST', '/login', 302, null, 2.5, 'UA']);
  });

  it('explains a pasted format it cannot use (exit 2)', () => {
    const r = cli(['summary', '--format', 'nginx:$remote_addr $status', piped]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no time field');
  });
});

describe('--map', () => {
  it('maps any JSON (with or without --format json)', () => {
    for (const args of [['--format', 'json', '--map'], ['--map']]) {
      const r = cli(['preview', ...args, 'time=ts,ip=client.addr,uri=req.url,status=code,duration_ms=lat', custom]);
      expect(r.code, r.err).toBe(0);
      const [p] = ndjson(r.out);
      expect([p.format, p.time, p.ip, p.path, p.status, p.durationMs]).toEqual(['json:mapped', '2024-03-04T10:00:00.000Z', '198.51.100.9', '/v1/items/42', 204, 37.5]);
    }
  });

  it('without a mapping, unknown JSON keys are refused naming the file and asking for one', () => {
    const r = cli(['summary', custom]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(custom);
    expect(r.err).toContain('mapping');
  });

  it('refuses a mapping for a non-JSON format, or a mapping it cannot read (exit 2)', () => {
    const alb = cli(['summary', '--format', 'alb', '--map', 'time=ts', custom]);
    expect(alb.code).toBe(2);
    expect(alb.err).toContain('JSON logs only');
    const bad = cli(['summary', '--map', 'ip=client.addr', custom]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('time field');
  });
});

describe('preview', () => {
  it('prints the first parsed requests with every field, as NDJSON, --limit of them', () => {
    const r = cli(['preview', '--limit', '2', combined]);
    expect(r.code).toBe(0);
    const rows = ndjson(r.out);
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0]).sort()).toEqual(
      ['format', 'file', 'line', 'time', 'ip', 'user', 'method', 'path', 'query', 'protocol', 'status', 'bytes', 'durationMs', 'userAgent', 'referer', 'host', 'cookie', 'xff', 'fields', 'attacks'].sort()
    );
    expect(rows[0]).toMatchObject({ format: 'combined', file: combined, line: 1, time: '2024-03-04T09:00:00.000Z', ip: '203.0.113.7', method: 'GET', path: '/a', query: 'x=1', status: 200, bytes: 512, userAgent: 'Mozilla/5.0 "X"' });
    expect(rows[1]).toMatchObject({ line: 4, method: 'POST', path: '/b', referer: 'https://r/' });
  });

  it('previews several files, each with its own format, and fails (exit 1) on one it cannot read while showing the others', () => {
    const r = cli(['preview', '--limit', '1', combined, caddy, haproxy]);
    expect(r.code).toBe(1);
    expect(ndjson(r.out).map((p) => [p.file, p.format])).toEqual([
      [combined, 'combined'],
      [caddy, 'json:caddy']
    ]);
    expect(r.err).toContain(haproxy);
  });

  it('refuses a bad --limit (exit 2)', () => {
    expect(cli(['preview', '--limit', '0', combined]).code).toBe(2);
  });
});

describe('summary --verbose', () => {
  it('adds the first malformed lines with file, line number, reason and text', () => {
    const plain = JSON.parse(cli(['summary', combined]).out);
    expect(plain.malformedSamples).toBeUndefined();
    const r = cli(['summary', '--verbose', combined]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ lines: 6, blank: 1, requests: 3, malformed: 2 });
    expect(s.malformedSamples.map((m: { file: string; line: number; text: string }) => [m.file, m.line, m.text])).toEqual([
      [combined, 2, 'this line is junk'],
      [combined, 5, 'more junk here']
    ]);
    for (const m of s.malformedSamples) expect(typeof m.reason).toBe('string');
  });
});

describe('refusals', () => {
  it("says 'unsupported compression' for bzip2 (exit 1), naming the file", () => {
    const r = cli(['summary', bz2]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(bz2);
    expect(r.err).toMatch(/bzip2 compression is not supported/);
  });

  it.skipIf(!hasSharedData)('refuses the real matomo common.log.bz2 the same way', () => {
    const real = join(sharedData, 'access/formats/matomo/common.log.bz2');
    expect(existsSync(real)).toBe(true);
    const r = cli(['summary', real]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('common.log.bz2');
    expect(r.err).toMatch(/compression is not supported/);
  });

  it("says 'format not recognised' (exit 1), naming the file, and prints nothing on stdout", () => {
    for (const cmd of ['summary', 'sessions']) {
      const r = cli([cmd, combined, haproxy]);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toContain(haproxy);
      expect(r.err).toContain('format not recognised');
    }
  });
});
