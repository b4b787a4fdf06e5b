import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { core, memorySource } from '../helpers/core';
import { analyse } from '../../src/lib/core/analyse';
import { formatByName } from '../../src/lib/core/formats/index';
import type { FormatSpec } from '../../src/lib/core/formats/spec';

// A bounded fuzz test of every parser: real-looking lines of each format, mutated (byte flips,
// truncations, duplicated quotes and brackets, huge fields, NUL and 0xFF bytes, CR/LF mixes,
// lines over 64 KiB) or plain random bytes, read with each format forced (and detected), cut at
// random chunk sizes. The core must never throw or hang; a success must account for every line
// and not depend on where the input was cut; a failure must be an error value naming the file.
//
// FUZZ_SECONDS (default 3) sets the budget, FUZZ_SEED the first case's seed; a failing case prints
// its seed, and FUZZ_CASE=<seed> replays that case alone. `node scripts/fuzz.js --seconds 60`
// runs this file for longer.

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
const FIRST_SEED = Number(process.env.FUZZ_SEED ?? 20240304);
const ONLY_CASE = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);

/** mulberry32: small, fast, seeded. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)], chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const NGINX = "nginx:log_format main '$remote_addr - $remote_user [$time_local] \"$request\" ' '$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time $http_x_api_key $cookie_sid $upstream_addr';";
const APACHE = 'apache:LogFormat "%v %h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\" %D %{X-Api-Key}i %{sid}C" vhost_custom';
const MAP = 'time=ts,ip=client.addr,uri=req.url,method=req.verb,user_agent=req.ua,status=code,duration_ms=lat,header:X-Api-Key=h.key,cookie:sid=c.sid';

/** Lines that parse in each format: the material the mutations start from. */
const SEEDS: Record<string, string[]> = {
  combined: [
    '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/kibana-search.png?x=1 HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) \\"q\\" \\x22"',
    'example.com:443 10.0.0.2, 10.0.0.1 - bob [07/Dec/2016:11:05:07 +0100] "POST /ocelot HTTP/1.1" 302 - "-" "curl/8" "203.0.113.9"',
    '::1 - - [26/Dec/2016:16:16:48 +0200] "-" 408 -',
    '172.17.0.1 - - [08/Dec/2021:09:16:05 +0000] "GET /scripts/cpshost.dll HTTP/1.1" 200 414 "-" "-" 500 "test@docker" "http://172.17.0.3:80" 12ms'
  ],
  json: [
    '{"time_iso8601":"2024-03-04T10:00:00+02:00","remote_addr":"10.0.0.1","request":"GET /a?x=1 HTTP/1.1","status":200,"body_bytes_sent":5,"request_time":0.25,"http_user_agent":"a \\"b\\" \\u00e9"}',
    '2024-03-04T10:00:00.1Z stdout F {"msec":"1709546400.123","remote_addr":"[2001:db8::1]:8443","request_uri":"/b","status":"404","http_x_forwarded_for":"198.51.100.1, 10.0.0.1"}'
  ],
  'json:caddy': [
    '{"level":"info","ts":1709546400.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"10.0.0.1","client_ip":"203.0.113.5","proto":"HTTP/2.0","method":"GET","host":"ex.com","uri":"/p?q=1","headers":{"User-Agent":["UA 1"],"Cookie":["sid=abc"]}},"user_id":"","duration":0.0123,"size":42,"status":200}'
  ],
  'json:traefik': [
    '{"ClientAddr":"172.17.0.1:39490","ClientHost":"172.17.0.1","ClientUsername":"-","DownstreamContentSize":356,"DownstreamStatus":404,"Duration":215563,"RequestHost":"test.docker.localhost","RequestMethod":"GET","RequestPath":"/594VAEoi.dtd","RequestProtocol":"HTTP/1.1","StartUTC":"2021-12-08T14:02:43.464Z","request_User-Agent":"Nikto"}'
  ],
  'json:envoy': [
    '{"start_time":"2024-03-04T10:00:00.000Z","method":"PUT","path":"/e?a=1","protocol":"HTTP/1.1","response_code":503,"bytes_sent":7,"duration":12,"user-agent":"envoy-ua","downstream_remote_address":"[fd00::1]:43000",":authority":"svc"}'
  ],
  'json:gcp': [
    '{"httpRequest":{"requestMethod":"GET","requestUrl":"http://81.2.69.193:8080/static/a.jpg","status":304,"responseSize":"157","userAgent":"UA","remoteIp":"89.160.20.156:9989"},"timestamp":"2020-06-08T23:41:30.078651Z"}'
  ],
  'json:cloudflare': [
    '{"ClientIP":"89.163.242.206","ClientRequestHost":"www.example.com","ClientRequestMethod":"GET","ClientRequestURI":"/","ClientRequestUserAgent":"UA","EdgeResponseBytes":12480,"EdgeResponseStatus":200,"EdgeStartTimestamp":1712790000100000000,"RayID":"87a1"}'
  ],
  alb: [
    'h2 2024-03-04T10:00:02.123456Z app/lb/1 [2001:db8::9]:4444 10.0.0.1:80 0.5 0.25 0.125 200 200 1 2 "GET https://api.example.com:443/v1/x?a=b HTTP/2.0" "UA \\"q\\"" ECDHE TLSv1.2 arn "Root=1" "api.example.com" "arn:cert" 0 2024-03-04T10:00:02Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"',
    'tls 2.0 2018-12-20T02:59:40 net/my-nlb/c6e7 g3d4b5e8 192.168.131.39:2817 10.0.0.1:80 5 2 98 246 - arn - ECDHE tlsv12 - host - - - 2018-12-20T02:59:30'
  ],
  elb: [
    '2015-05-13T23:39:43.945958Z my-loadbalancer 1.2.3.4:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/path/index.html HTTP/1.1" "Mozilla/5.0" DHE-RSA-AES128-SHA TLSv1.2'
  ],
  cloudfront: [
    '#Version: 1.0',
    '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken',
    '2014-05-23\t01:13:11\tFRA2\t182\t192.0.2.10\tGET\td111.cloudfront.net\t/view/my/file.html\t200\thttps://example.com/\tMozilla/5.0%2520(Windows;%2520U)\t-\t-\tMiss\tid==\texample.com\thttps\t217\t0.001'
  ],
  w3c: [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
    '2024-03-04 10:00:00 10.0.0.1 GET /a x=1 443 DOM\\bob 2001:db8::7 Mozilla/5.0+(Windows+NT+10.0) https://r/ 200 0 0 15',
    '#Fields: time date c-ip sc-status cs-method cs-uri-stem sc-bytes time-taken cs(User-Agent) "cs(Cookie)"',
    '10:00:01 2024-03-04 198.51.100.4 404 POST /b 123 7 curl/8.0 "a=b; c=d"'
  ],
  [NGINX]: ['10.0.0.1 - alice [04/Mar/2024:10:00:00 +0100] "GET /a?x=1 HTTP/1.1" 200 512 "https://r/" "UA \\x22q\\x22" 0.123 K1 S1 10.1.1.1:80'],
  [APACHE]: ['ex.com:443 10.0.0.1 - - [04/Mar/2024:10:00:00 -0500] "POST /login HTTP/1.1" 302 - "-" "Mozilla \\"x\\"" 2500 K2 S2'],
  'json+map': ['{"ts":"2024-03-04T10:00:00Z","client":{"addr":"198.51.100.9:5000"},"req":{"url":"/v1/items/42?expand=1","verb":"DELETE","ua":"sdk/1.0"},"code":204,"lat":37.5,"h":{"key":"abc"},"c":{"sid":"s9"}}']
};

const FORMATS = Object.keys(SEEDS);

function specFor(name: string): FormatSpec {
  const spec = name === 'json+map' ? formatByName('json', MAP) : formatByName(name);
  if (typeof spec === 'string') throw new Error(`${name}: ${spec}`);
  return spec;
}

const enc = new TextEncoder();
const JUNK = ['"', '"', '[', ']', '{', '}', '\\', '\\"', '\\x', '%', '%2', '\t', ' ', ',', ':', '-', '#Fields: x', '\u00e9', '\uFFFD'];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One mutation of a line's bytes. */
function mutate(rng: Rng, line: Uint8Array): Uint8Array {
  const at = rng.int(line.length + 1);
  switch (rng.int(10)) {
    case 0: {
      // byte flips
      const out = line.slice();
      for (let k = 1 + rng.int(4); k > 0 && out.length; k--) out[rng.int(out.length)] = rng.int(256);
      return out;
    }
    case 1:
      // truncation
      return line.slice(0, at);
    case 2: {
      // duplicated quotes, brackets, escapes
      const j = enc.encode(rng.pick(JUNK).repeat(1 + rng.int(3)));
      return concat([line.subarray(0, at), j, line.subarray(at)]);
    }
    case 3: {
      // a huge field (sometimes past the 64 KiB line limit)
      const n = rng.chance(0.3) ? 65_536 + rng.int(80_000) : 1 + rng.int(5_000);
      return concat([line.subarray(0, at), new Uint8Array(n).fill(rng.pick([0x41, 0x22, 0x20, 0x5b, 0x25, 0x5c])), line.subarray(at)]);
    }
    case 4:
      // NUL and 0xFF bytes
      return concat([line.subarray(0, at), Uint8Array.from({ length: 1 + rng.int(4) }, () => rng.pick([0, 0xff, 0xfe, 0xc3, 0x80])), line.subarray(at)]);
    case 5:
      // a stray CR or LF inside the line
      return concat([line.subarray(0, at), enc.encode(rng.pick(['\r', '\n', '\r\n', '\n\r'])), line.subarray(at)]);
    case 6:
      // a piece deleted
      return concat([line.subarray(0, at), line.subarray(Math.min(line.length, at + 1 + rng.int(20)))]);
    case 7:
      // a piece repeated
      return concat([line.subarray(0, at), line.subarray(at, at + 1 + rng.int(40)), line.subarray(at)]);
    case 8:
      // random bytes
      return Uint8Array.from({ length: rng.int(300) }, () => rng.int(256));
    default:
      return line;
  }
}

/** A log: seed lines of one format (or all), mutated, joined with mixed line ends. */
function makeLog(rng: Rng, format: string): Uint8Array {
  const pool = rng.chance(0.8) ? SEEDS[format] : FORMATS.flatMap((f) => SEEDS[f]);
  const parts: Uint8Array[] = [];
  const n = 1 + rng.int(rng.chance(0.2) ? 400 : 40);
  for (let i = 0; i < n; i++) {
    let line: Uint8Array = enc.encode(rng.pick(pool));
    const m = rng.chance(0.5) ? rng.int(4) : 0;
    for (let k = 0; k < m; k++) line = mutate(rng, line);
    if (rng.chance(0.05)) line = new Uint8Array(0);
    parts.push(line);
    if (i < n - 1 || rng.chance(0.7)) parts.push(enc.encode(rng.pick(['\n', '\n', '\n', '\r\n', '\r\n', '\n\n', '\r\r\n'])));
  }
  return concat(parts);
}

/** Records as the SPEC counts them: newline-separated, an unterminated last one included. */
function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b === 10) n++;
  return bytes.length && bytes[bytes.length - 1] !== 10 ? n + 1 : n;
}

const KINDS = ['empty', 'binary', 'not-a-log', 'not-recognised', 'bad-format', 'unsupported-compression', 'read-failed', 'cancelled'];

/** Outcomes seen, to show the cases reach the parsers and not only the error paths. */
const outcomes: Record<string, number> = {};

async function runCase(seed: number): Promise<void> {
  const rng = prng(seed);
  const format = rng.pick(FORMATS);
  let bytes = rng.chance(0.03) ? Uint8Array.from({ length: rng.int(20_000) }, () => rng.int(256)) : makeLog(rng, format);
  // a NUL early in a file makes it "binary" before any parser sees it: keep them to some cases
  if (!rng.chance(0.15)) bytes = bytes.map((b) => (b === 0 ? 0xff : b));
  const plain = bytes;
  let name = 'fuzz.log';
  if (rng.chance(0.05)) {
    bytes = gzipSync(bytes);
    name = 'fuzz.log.gz';
    if (rng.chance(0.3)) bytes = bytes.subarray(0, rng.int(bytes.length)); // corrupt: cut
  }
  const forced = rng.chance(0.85);
  // tiny chunks and stream pieces cost a call each: keep them for small inputs
  const small = bytes.length < 8_000;
  const chunkSize = rng.pick(small ? [1, 2, 3, 7, 13, 64, 100, 1000, 4096, 1 << 20] : [61, 1000, 4096, 65_536, 1 << 20]);
  const piece = rng.pick(small ? [1, 3, 17, 512, 1 << 16] : [509, 4096, 1 << 16]);
  const where = `case ${seed} (format ${forced ? format : 'detected'}, chunk ${chunkSize}, piece ${piece}, ${bytes.length} bytes${name.endsWith('.gz') ? ', gzip' : ''})`;
  let result;
  try {
    result = await analyse(await core(), [memorySource(name, bytes, piece)], { format: forced ? specFor(format) : undefined, chunkSize, previewLimit: 5 });
  } catch (e) {
    const dump = join(tmpdir(), `sessionlens-fuzz-${seed}.bin`);
    writeFileSync(dump, bytes);
    throw new Error(`${where}: threw ${e instanceof Error ? e.stack : String(e)} (input in ${dump})`);
  }
  // the same input cut elsewhere must give the same answer
  if (rng.chance(0.5)) {
    const chunk2 = rng.pick(small ? [1, 5, 31, 256, 1 << 20] : [97, 3000, 1 << 20]);
    const again = await analyse(await core(), [memorySource(name, bytes, rng.pick(small ? [2, 64, 1 << 16] : [509, 1 << 16]))], { format: forced ? specFor(format) : undefined, chunkSize: chunk2, previewLimit: 5 });
    expect(again, `${where}, again with chunk ${chunk2}`).toEqual(result);
  }
  const outcome = result.ok ? 'ok' : result.error.kind;
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  if (result.ok) {
    const s = result.value.summary;
    expect(s.requests + s.malformed + s.blank, where).toBe(s.lines);
    if (!name.endsWith('.gz')) expect(s.lines, where).toBe(countLines(plain));
    expect(s.truncated, where).toBeLessThanOrEqual(s.lines);
    for (const p of result.value.preview) {
      expect(p.file, where).toBe(name);
      expect(p.line, where).toBeGreaterThanOrEqual(1);
      expect(p.line, where).toBeLessThanOrEqual(s.lines);
    }
  } else {
    expect(KINDS, where).toContain(result.error.kind);
    expect(typeof result.error.message, where).toBe('string');
    expect(result.error.message.length, where).toBeGreaterThan(0);
    expect(result.error.file, where).toBe(name);
  }
}

describe('fuzz: every parser on mutated and random input', () => {
  it(`survives ${ONLY_CASE === undefined ? `${SECONDS} s of cases from seed ${FIRST_SEED}` : `case ${ONLY_CASE}`}`, { timeout: SECONDS * 1000 + 60_000 }, async () => {
    if (ONLY_CASE !== undefined) return runCase(ONLY_CASE);
    const deadline = Date.now() + SECONDS * 1000;
    let cases = 0;
    for (let seed = FIRST_SEED; Date.now() < deadline; seed++, cases++) await runCase(seed);
    console.log(`fuzz: ${cases} cases in ${SECONDS} s, seeds ${FIRST_SEED}..${FIRST_SEED + cases - 1}, outcomes ${JSON.stringify(outcomes)}`);
    expect(cases).toBeGreaterThan(0);
  });
});
