import { describe, it, expect } from 'vitest';
import { core, memorySource } from '../helpers/core';
import { analyse, type Analysis } from '../../src/lib/core/analyse';
import { formatByName } from '../../src/lib/core/formats/index';
import { sessionAt } from '../../src/lib/core/sessions';
import type { ParsedRequest } from '../../src/lib/core/types';

// Hand-written one-line cases for every SPEC §1 format and the quirks real logs have, each with
// the exact fields expected (worked out from the line, not copied from the core's output).
// The last block holds cases the core gets wrong today: they fail on purpose until it is fixed.

const FILE = 't.log';

interface Opts {
  /** A format name for formatByName (CLI --format); detection when absent. */
  format?: string;
  map?: string;
  chunkSize?: number;
  piece?: number;
}

async function parse(text: string, o: Opts = {}): Promise<Analysis> {
  let format;
  if (o.format !== undefined || o.map !== undefined) {
    const spec = formatByName(o.format ?? 'json', o.map);
    if (typeof spec === 'string') throw new Error(spec);
    format = spec;
  }
  const r = await analyse(await core(), [memorySource(FILE, text, o.piece)], { previewLimit: 100, format, chunkSize: o.chunkSize });
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  const s = r.value.summary;
  expect(s.requests + s.malformed + s.blank).toBe(s.lines);
  return r.value;
}

/** The only request of a one-line log. */
async function one(line: string, o: Opts = {}): Promise<ParsedRequest> {
  const a = await parse(line, o);
  expect(a.summary.requests, JSON.stringify(a.summary.malformedSamples)).toBe(1);
  return a.preview[0];
}

/** A full ParsedRequest: everything absent unless given. */
function req(p: Partial<ParsedRequest>): ParsedRequest {
  return {
    attacks: [],
    file: FILE,
    line: 1,
    time: null,
    ip: null,
    user: null,
    method: null,
    path: null,
    query: null,
    protocol: null,
    status: 0,
    bytes: null,
    durationMs: null,
    userAgent: null,
    referer: null,
    host: null,
    cookie: null,
    xff: null,
    fields: {},
    ...p
  };
}

describe('combined / common (Apache, nginx)', () => {
  it('applies a negative offset and splits the query', async () => {
    const r = await one('10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?a=1&b=2 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"');
    expect(r).toEqual(
      req({
        time: '2000-10-10T20:55:36.000Z',
        ip: '10.0.0.1',
        user: 'frank',
        method: 'GET',
        path: '/apache_pb.gif',
        query: 'a=1&b=2',
        protocol: 'HTTP/1.0',
        status: 200,
        bytes: 2326,
        userAgent: 'Mozilla/4.08 [en] (Win98; I ;Nav)',
        referer: 'http://www.example.com/start.html'
      })
    );
  });

  it('applies odd offsets (+0545, +0330, -1200) across day, month and leap day', async () => {
    const times = (await parse(
      [
        '10.0.0.1 - - [01/Jan/2024:03:00:00 +0545] "GET / HTTP/1.1" 200 1',
        '10.0.0.1 - - [22/Jan/2019:03:56:14 +0330] "GET / HTTP/1.1" 200 1',
        '10.0.0.1 - - [29/Feb/2024:23:59:59 -1200] "GET / HTTP/1.1" 200 1',
        '10.0.0.1 - - [31/Dec/1999:23:30:00 -0100] "GET / HTTP/1.1" 200 1'
      ].join('\n')
    )).preview.map((p) => p.time);
    expect(times).toEqual(['2023-12-31T21:15:00.000Z', '2019-01-22T00:26:14.000Z', '2024-03-01T11:59:59.000Z', '2000-01-01T00:30:00.000Z']);
  });

  it("undoes Apache's \\\" and \\\\ escapes in the user agent", async () => {
    const r = await one('10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 \\"quoted\\" back\\\\slash"');
    expect(r.userAgent).toBe('Mozilla/5.0 "quoted" back\\slash');
  });

  it("undoes nginx's \\xHH escapes, UTF-8 sequences included", async () => {
    const r = await one('10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "say \\x22hi\\x22 caf\\xC3\\xA9"');
    expect(r.userAgent).toBe('say "hi" café');
  });

  it('reads common lines, "-" bytes, and requests without a protocol (HTTP/0.9 style)', async () => {
    const r = await one('ix-or7-27.ix.netcom.com - - [01/Jun/1995:00:02:51 -0600] "GET /~ladd/ostriches.html" 302 -');
    expect(r).toEqual(req({ time: '1995-06-01T06:02:51.000Z', ip: 'ix-or7-27.ix.netcom.com', method: 'GET', path: '/~ladd/ostriches.html', status: 302 }));
    const a = await parse('ix-or7-27.ix.netcom.com - - [01/Jun/1995:00:02:51 -0600] "GET /~ladd/ostriches.html" 302 -');
    expect(a.summary.format).toBe('common');
  });

  it('keeps raw spaces inside the request target', async () => {
    const r = await one('10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a b/c d?x=1 y HTTP/1.1" 404 0 "-" "curl/8"');
    expect([r.method, r.path, r.query, r.protocol]).toEqual(['GET', '/a b/c d', 'x=1 y', 'HTTP/1.1']);
  });

  it('reads a "-" request line (408) as a request with no method', async () => {
    const r = await one('::1 - - [26/Dec/2016:16:16:48 +0200] "-" 408 -');
    expect(r).toEqual(req({ time: '2016-12-26T14:16:48.000Z', ip: '::1', status: 408 }));
  });

  it('reads IPv6 clients', async () => {
    const r = await one('2001:0db8:85a3:0000:0000:8a2e:0370:7334 - - [29/Sep/2021:14:11:34 +0200] "HEAD / HTTP/1.1" 200 0 "-" "Nikto"');
    expect([r.ip, r.time, r.method]).toEqual(['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2021-09-29T12:11:34.000Z', 'HEAD']);
  });

  it('takes a leading virtual host (vcombined), with or without a port', async () => {
    const a = await parse(
      [
        'www.example.com 1.2.3.4 - theuser [10/Feb/2012:16:42:07 -0500] "GET / HTTP/1.0" 301 368 "-" "UA"',
        'example.com:443 2001:db8::2 - - [10/Feb/2012:16:42:08 -0500] "GET /b HTTP/1.1" 200 1 "-" "UA"'
      ].join('\n')
    );
    expect(a.summary.format).toBe('vcombined');
    expect(a.preview.map((p) => [p.host, p.ip, p.user])).toEqual([
      ['www.example.com', '1.2.3.4', 'theuser'],
      ['example.com:443', '2001:db8::2', null]
    ]);
  });

  it('reads X-Forwarded-For chains in the client field: the first address is the client', async () => {
    const a = await parse(
      [
        '10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "UA"',
        '"10.5.102.222, 199.96.1.1, 204.246.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /assets HTTP/1.1" 200 25507 "-" "Amazon CloudFront"',
        'example.com 2a02:cf40::8000, 10.225.192.17 10.2.2.121 - - [30/Dec/2016:06:47:09 +0000] "GET /test.html HTTP/1.1" 404 8571 "-" "UA"'
      ].join('\n')
    );
    expect(a.preview.map((p) => [p.ip, p.xff, p.host])).toEqual([
      ['10.0.0.2', '10.0.0.2, 10.0.0.1, 127.0.0.1', null],
      ['10.5.102.222', '10.5.102.222, 199.96.1.1, 204.246.1.1', null],
      ['2a02:cf40::8000', '2a02:cf40::8000, 10.225.192.17', 'example.com']
    ]);
  });

  it("reads nginx's trailing \"$http_x_forwarded_for\" (\"-\" is none)", async () => {
    const a = await parse(
      [
        '54.36.149.41 - - [22/Jan/2019:03:56:14 +0330] "GET /p HTTP/1.1" 200 30577 "-" "AhrefsBot" "-"',
        '10.0.0.5 - - [22/Jan/2019:03:56:15 +0330] "GET /q HTTP/1.1" 200 1 "-" "UA" "203.0.113.50"'
      ].join('\n')
    );
    expect(a.preview.map((p) => [p.ip, p.xff])).toEqual([
      ['54.36.149.41', null],
      ['10.0.0.5', '203.0.113.50']
    ]);
  });

  it("reads Traefik's CLF with its trailing duration in ms", async () => {
    const r = await one('192.168.33.1 - - [02/Oct/2017:20:22:07 +0000] "GET /ui/favicon.png HTTP/1.1" 304 0 "http://example.com/login" "Mozilla/5.0" 262 "Host-host-1" "http://172.19.0.3:5601" 2ms');
    expect([r.status, r.bytes, r.durationMs, r.referer]).toEqual([304, 0, 2, 'http://example.com/login']);
  });

  it('passes over a syslog or CRI prefix', async () => {
    const a = await parse(
      [
        'Sep 15 16:13:46 ip-172-31-43-28 nginx[2869]: 81.150.104.130 - - [15/Sep/2021:16:13:46 +0000] "POST /wp-login.php HTTP/1.1" 200 5364 "-" "Firefox"',
        '2022-01-28T16:04:05.413656027Z stdout F 172.18.0.1 - - [28/Jan/2022:16:04:05 +0000] "GET / HTTP/1.1" 200 13 "-" "curl/7.68.0" 80 0.000'
      ].join('\n')
    );
    expect(a.preview.map((p) => [p.ip, p.time, p.method, p.path])).toEqual([
      ['81.150.104.130', '2021-09-15T16:13:46.000Z', 'POST', '/wp-login.php'],
      ['172.18.0.1', '2022-01-28T16:04:05.000Z', 'GET', '/']
    ]);
  });

  it('keeps the method as logged (lowercase, WebDAV, CONNECT)', async () => {
    const a = await parse(
      [
        '10.0.0.1 - - [10/Oct/2004:13:55:36 -0400] "get /x HTTP/1.0" 404 1',
        '10.0.0.1 - - [10/Oct/2004:13:55:36 -0400] "PROPFIND /dav HTTP/1.1" 405 1',
        '10.0.0.1 - - [10/Oct/2004:13:55:36 -0400] "CONNECT foo.com:25 HTTP/1.1" 400 1'
      ].join('\n')
    );
    expect(a.preview.map((p) => [p.method, p.path])).toEqual([
      ['get', '/x'],
      ['PROPFIND', '/dav'],
      ['CONNECT', 'foo.com:25']
    ]);
  });

  it('replaces invalid UTF-8 instead of failing', async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('10.0.0.1 - - [10/Oct/2004:13:55:36 +0000] "GET /'),
      0xb0,
      0xa1,
      0xff,
      ...new TextEncoder().encode(' HTTP/1.0" 200 1\n')
    ]);
    const r = await analyse(await core(), [memorySource(FILE, bytes)], { previewLimit: 1 });
    expect(r.ok && r.value.preview[0].path).toBe('/\uFFFD\uFFFD\uFFFD');
  });
});

describe('json (nginx variable names and synonyms)', () => {
  it('reads $time_iso8601 with an offset, $request and $request_time in seconds', async () => {
    const r = await one('{"time_iso8601":"2024-03-04T10:00:00+02:00","remote_addr":"10.0.0.1","remote_user":"-","request":"GET /a?x=1 HTTP/1.1","status":200,"body_bytes_sent":5,"request_time":0.25,"http_user_agent":"curl/8","http_referer":"https://r/"}');
    expect(r).toEqual(
      req({
        time: '2024-03-04T08:00:00.000Z',
        ip: '10.0.0.1',
        method: 'GET',
        path: '/a',
        query: 'x=1',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 5,
        durationMs: 250,
        userAgent: 'curl/8',
        referer: 'https://r/'
      })
    );
  });

  it('reads ISO times with fractional seconds and a half-hour offset, and numbers given as strings', async () => {
    const r = await one('{"time":"2024-03-04T10:00:00.123-05:30","remote_addr":"10.0.0.2","request_method":"POST","request_uri":"/b?c=d","status":"201","body_bytes_sent":"0","request_time":"0.001"}');
    expect([r.time, r.method, r.path, r.query, r.status, r.bytes, r.durationMs]).toEqual(['2024-03-04T15:30:00.123Z', 'POST', '/b', 'c=d', 201, 0, 1]);
  });

  it('reads $msec and epoch times in seconds, ms, µs and ns', async () => {
    const a = await parse(
      [
        '{"msec":"1709546400.123","remote_addr":"10.0.0.3","request_uri":"/s","status":200}',
        '{"timestamp":1709546400,"ip":"10.0.0.4","uri":"/s","status":200}',
        '{"timestamp":1709546400123,"ip":"10.0.0.5","uri":"/ms","status":200}',
        '{"timestamp":"1709546400123456","ip":"10.0.0.6","uri":"/us","status":200}',
        '{"timestamp":1709546400123456789,"ip":"10.0.0.7","uri":"/ns","status":200}'
      ].join('\n')
    );
    expect(a.preview.map((p) => p.time)).toEqual([
      '2024-03-04T10:00:00.123Z',
      '2024-03-04T10:00:00.000Z',
      '2024-03-04T10:00:00.123Z',
      '2024-03-04T10:00:00.123Z',
      '2024-03-04T10:00:00.123Z'
    ]);
  });

  it('reads $time_local, a bracketed IPv6 with port, and X-Forwarded-For after a CRI prefix', async () => {
    const r = await one('2024-03-04T10:00:00.1Z stdout F {"time_local":"04/Mar/2024:10:00:00 +0100","remote_addr":"[2001:db8::1]:8443","request":"GET / HTTP/2.0","status":204,"http_x_forwarded_for":"198.51.100.1, 10.0.0.1"}');
    expect(r).toEqual(req({ time: '2024-03-04T09:00:00.000Z', ip: '2001:db8::1', method: 'GET', path: '/', protocol: 'HTTP/2.0', status: 204, xff: '198.51.100.1, 10.0.0.1' }));
  });

  it('reads a docker compose prefix ("name  | {…}")', async () => {
    const r = await one('web  | {"time_iso8601":"2024-03-04T10:00:00Z","remote_addr":"10.0.0.8","request":"GET /d HTTP/1.1","status":200}');
    expect([r.ip, r.path, r.time]).toEqual(['10.0.0.8', '/d', '2024-03-04T10:00:00.000Z']);
  });

  it('undoes JSON string escapes', async () => {
    const r = await one('{"time_iso8601":"2024-03-04T10:00:00Z","remote_addr":"10.0.0.9","request":"GET / HTTP/1.1","status":200,"http_user_agent":"a \\"b\\" \\u00e9 \\\\ c"}');
    expect(r.userAgent).toBe('a "b" é \\ c');
  });

  it('skips JSON records that are not requests as blank', async () => {
    const a = await parse(
      ['{"level":"info","msg":"server started"}', '{"time_iso8601":"2024-03-04T10:00:00Z","remote_addr":"10.0.0.1","request":"GET / HTTP/1.1","status":200}', '{"level":"warn","msg":"x"}'].join('\n')
    );
    expect([a.summary.lines, a.summary.blank, a.summary.requests, a.summary.malformed]).toEqual([3, 2, 1, 0]);
    expect(a.preview[0].line).toBe(2);
  });
});

describe('json:caddy, json:traefik, json:envoy, json:gcp, json:cloudflare', () => {
  it('caddy: client_ip before remote_ip, epoch seconds, duration in seconds, header arrays', async () => {
    const a = await parse(
      '{"level":"info","ts":1709546400.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"10.0.0.1","client_ip":"203.0.113.5","proto":"HTTP/2.0","method":"GET","host":"ex.com","uri":"/p?q=1","headers":{"User-Agent":["UA 1"],"Cookie":["sid=abc"],"Authorization":["Bearer xyz"],"Referer":["https://r/"]}},"user_id":"alice","duration":0.0123,"size":42,"status":200}'
    );
    expect(a.summary.format).toBe('json:caddy');
    expect(a.preview[0]).toEqual(
      req({
        time: '2024-03-04T10:00:00.500Z',
        ip: '203.0.113.5',
        user: 'alice',
        method: 'GET',
        path: '/p',
        query: 'q=1',
        protocol: 'HTTP/2.0',
        status: 200,
        bytes: 42,
        durationMs: 12.3,
        userAgent: 'UA 1',
        referer: 'https://r/',
        host: 'ex.com',
        cookie: 'sid=abc',
        fields: { 'header:authorization': 'Bearer xyz' }
      })
    );
  });

  it('traefik: Duration in nanoseconds, StartUTC, IPv6 ClientHost, "-" user', async () => {
    const a = await parse(
      '{"ClientAddr":"[2001:db8::5]:39490","ClientHost":"2001:db8::5","ClientUsername":"-","DownstreamContentSize":10,"DownstreamStatus":502,"Duration":1500000,"RequestMethod":"GET","RequestPath":"/t?x=y","RequestProtocol":"HTTP/1.1","RequestHost":"h","StartUTC":"2024-03-04T10:00:00.5Z","StartLocal":"2024-03-04T11:00:00.5+01:00","request_User-Agent":"UA","RouterName":"r@docker"}'
    );
    expect(a.summary.format).toBe('json:traefik');
    expect(a.preview[0]).toEqual(
      req({
        time: '2024-03-04T10:00:00.500Z',
        ip: '2001:db8::5',
        method: 'GET',
        path: '/t',
        query: 'x=y',
        protocol: 'HTTP/1.1',
        status: 502,
        bytes: 10,
        durationMs: 1.5,
        userAgent: 'UA',
        host: 'h',
        fields: { 'field:RouterName': 'r@docker' }
      })
    );
  });

  it('envoy: duration in ms, [IPv6]:port stripped, :authority as host', async () => {
    const a = await parse(
      '2025-12-31T17:37:40.49+01:00 stdout F {"start_time":"2024-03-04T10:00:00.250Z","method":"PUT","path":"/e?a=1","protocol":"HTTP/1.1","response_code":503,"bytes_sent":7,"duration":12,"user-agent":"envoy-ua","downstream_remote_address":"[fd00::1]:43000",":authority":"svc","x-forwarded-for":"198.51.100.7"}'
    );
    expect(a.summary.format).toBe('json:envoy');
    expect(a.preview[0]).toEqual(
      req({ time: '2024-03-04T10:00:00.250Z', ip: 'fd00::1', method: 'PUT', path: '/e', query: 'a=1', protocol: 'HTTP/1.1', status: 503, bytes: 7, durationMs: 12, userAgent: 'envoy-ua', host: 'svc', xff: '198.51.100.7' })
    );
  });

  it('gcp: httpRequest with remoteIp:port and an absolute requestUrl', async () => {
    const a = await parse(
      '{"insertId":"x","httpRequest":{"requestMethod":"GET","requestUrl":"http://81.2.69.193:8080/static/a.jpg?v=2","status":304,"responseSize":"157","userAgent":"UA","remoteIp":"89.160.20.156:9989","protocol":"HTTP/2.0","referer":"https://r/"},"timestamp":"2020-06-08T23:41:30.078651Z"}'
    );
    expect(a.summary.format).toBe('json:gcp');
    expect(a.preview[0]).toEqual(
      req({ time: '2020-06-08T23:41:30.078Z', ip: '89.160.20.156', method: 'GET', path: '/static/a.jpg', query: 'v=2', protocol: 'HTTP/2.0', status: 304, bytes: 157, userAgent: 'UA', referer: 'https://r/', host: '81.2.69.193:8080' })
    );
  });

  it('cloudflare: EdgeStartTimestamp in nanoseconds or RFC 3339', async () => {
    const a = await parse(
      [
        '{"ClientIP":"89.163.242.206","ClientRequestHost":"www.example.com","ClientRequestMethod":"GET","ClientRequestURI":"/a?b=c","ClientRequestUserAgent":"UA","ClientRequestReferer":"","EdgeResponseBytes":12480,"EdgeResponseStatus":200,"EdgeStartTimestamp":1712790000100000000,"RayID":"87a1","ClientRequestProtocol":"HTTP/2"}',
        '{"ClientIP":"87.226.160.250","ClientRequestHost":"www.ripe.net","ClientRequestMethod":"HEAD","ClientRequestURI":"/","EdgeResponseBytes":570,"EdgeResponseStatus":301,"EdgeStartTimestamp":"2022-10-30T00:00:02Z","RayID":"761f"}'
      ].join('\n')
    );
    expect(a.summary.format).toBe('json:cloudflare');
    expect(a.preview).toEqual([
      req({ time: '2024-04-10T23:00:00.100Z', ip: '89.163.242.206', method: 'GET', path: '/a', query: 'b=c', protocol: 'HTTP/2', status: 200, bytes: 12480, userAgent: 'UA', host: 'www.example.com', fields: { 'field:RayID': '87a1' } }),
      req({ line: 2, time: '2022-10-30T00:00:02.000Z', ip: '87.226.160.250', method: 'HEAD', path: '/', status: 301, bytes: 570, host: 'www.ripe.net', fields: { 'field:RayID': '761f' } })
    ]);
  });
});

describe('json:mapped (an explicit mapping, CLI --map)', () => {
  const map = 'time=ts,ip=client.addr,uri=req.url,method=req.verb,user_agent=req.ua,status=code,duration_ms=lat,header:X-Api-Key=h.key,cookie:sid=c.sid';

  it('maps nested keys, named headers and cookies', async () => {
    const a = await parse(
      '{"ts":"2024-03-04T10:00:00Z","client":{"addr":"198.51.100.9:5000"},"req":{"url":"/v1/items/42?expand=1","verb":"DELETE","ua":"sdk/1.0"},"code":204,"lat":37.5,"h":{"key":"abc"},"c":{"sid":"s9"}}',
      { format: 'json', map }
    );
    expect(a.summary.format).toBe('json:mapped');
    expect(a.preview[0]).toEqual(
      req({
        time: '2024-03-04T10:00:00.000Z',
        ip: '198.51.100.9',
        method: 'DELETE',
        path: '/v1/items/42',
        query: 'expand=1',
        status: 204,
        durationMs: 37.5,
        userAgent: 'sdk/1.0',
        fields: { 'header:x-api-key': 'abc', 'cookie:sid': 's9' }
      })
    );
  });

  it('refuses a mapping without a time, or with an unknown field', () => {
    expect(formatByName('json', 'ip=a')).toMatch(/time/);
    expect(formatByName('json', 'time=t,colour=c')).toMatch(/unknown field "colour"/);
  });
});

describe('alb, elb', () => {
  it('alb: sums the three timings, strips the port of an IPv6 client, splits an absolute URI', async () => {
    const a = await parse(
      'h2 2024-03-04T10:00:02.123456Z app/lb/1 [2001:db8::9]:4444 10.0.0.1:80 0.5 0.25 0.125 200 200 1 2 "GET https://api.example.com:443/v1/x?a=b HTTP/2.0" "UA \\"q\\"" ECDHE TLSv1.2 arn:tg "Root=1" "api.example.com" "arn:cert" 0 2024-03-04T10:00:02.000000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"'
    );
    expect(a.summary.format).toBe('alb');
    const r = a.preview[0];
    expect([r.time, r.ip, r.method, r.path, r.query, r.protocol, r.status, r.bytes, r.durationMs, r.userAgent, r.host]).toEqual([
      '2024-03-04T10:00:02.123Z',
      '2001:db8::9',
      'GET',
      '/v1/x',
      'a=b',
      'HTTP/2.0',
      200,
      2,
      875,
      'UA "q"',
      'api.example.com'
    ]);
  });

  it('alb: a timing of -1 means no duration; the host comes from the URL when domain_name is absent', async () => {
    const a = await parse(
      [
        'https 2024-03-04T10:00:00.000000Z app/lb/1 198.51.100.2:1 - -1 -1 -1 502 - 10 20 "GET https://h.example:443/p HTTP/1.1" "ua" - - - "Root=1" "-" "-" 0 2024-03-04T10:00:00.000000Z "forward" "-" "-" "-" "-" "-" "-"',
        'http 2024-03-04T10:00:01.000000Z app/lb/1 198.51.100.3:1 10.0.0.1:80 0.001 -1 0.002 200 200 1 2 "POST http://h:80/q HTTP/1.1" "-" - -'
      ].join('\n'),
      { format: 'alb' }
    );
    expect(a.preview.map((p) => [p.durationMs, p.status, p.path, p.host, p.userAgent])).toEqual([
      [null, 502, '/p', 'h.example:443', 'ua'],
      [null, 200, '/q', 'h:80', null]
    ]);
  });

  it('alb: NLB and connection-log records in the same file are skipped as blank', async () => {
    const a = await parse(
      [
        'http 2018-07-02T22:23:00.186641Z app/my-lb/50dc 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - -',
        'tls 2.0 2018-12-20T02:59:40 net/my-nlb/c6e7 g3d4b5e8 192.168.131.39:2817 10.0.0.1:80 5 2 98 246 - arn - ECDHE-RSA-AES128-SHA tlsv12 - my-nlb.elb.amazonaws.com - - - 2018-12-20T02:59:30',
        '2024-10-04T17:05:15.514108Z 192.168.131.39 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 "CN=x" NotBefore=2023-09-21T22:43:21Z FEF257372D5C14D4 Success'
      ].join('\n'),
      { format: 'alb' }
    );
    expect([a.summary.requests, a.summary.blank, a.summary.malformed]).toEqual([1, 2, 0]);
  });

  it('elb: classic ELB, the three timings summed', async () => {
    const a = await parse('2015-05-13T23:39:43.945958Z my-loadbalancer 1.2.3.4:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/path/index.html HTTP/1.1" "Mozilla/5.0" DHE-RSA-AES128-SHA TLSv1.2');
    expect(a.summary.format).toBe('elb');
    expect(a.preview[0]).toEqual(
      req({
        time: '2015-05-13T23:39:43.945Z',
        ip: '1.2.3.4',
        method: 'GET',
        path: '/path/index.html',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 57,
        durationMs: 2.471,
        userAgent: 'Mozilla/5.0',
        host: 'www.example.com:443',
        fields: { 'field:elb': 'my-loadbalancer', 'field:backend:port': '10.0.0.1:80', 'field:backend_status_code': '200', 'field:received_bytes': '0' }
      })
    );
  });
});

describe('cloudfront', () => {
  const header = [
    '#Version: 1.0',
    '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken'
  ];

  it('reads tab-separated columns, the double percent-encoded user agent, time-taken in seconds', async () => {
    const a = await parse(
      [...header, ['2014-05-23', '01:13:11', 'FRA2', '182', '2001:db8::1', 'GET', 'd111.cloudfront.net', '/view/my/file.html', '200', 'https://example.com/', 'Mozilla/5.0%2520(Windows;%2520U;%2520Windows%2520NT%25206.1)', '-', '-', 'Miss', 'id1==', 'example.com', 'https', '217', '0.250'].join('\t')].join('\n')
    );
    expect(a.summary.format).toBe('cloudfront');
    expect([a.summary.lines, a.summary.blank, a.summary.requests]).toEqual([3, 2, 1]);
    expect(a.preview[0]).toEqual(
      req({
        line: 3,
        time: '2014-05-23T01:13:11.000Z',
        ip: '2001:db8::1',
        method: 'GET',
        path: '/view/my/file.html',
        status: 200,
        bytes: 182,
        durationMs: 250,
        userAgent: 'Mozilla/5.0 (Windows; U; Windows NT 6.1)',
        referer: 'https://example.com/',
        host: 'example.com',
        fields: { 'field:x-edge-location': 'FRA2', 'field:distribution': 'd111.cloudfront.net', 'field:x-edge-result-type': 'Miss', 'field:x-edge-request-id': 'id1==' }
      })
    );
  });
});

describe('w3c (IIS, W3C extended)', () => {
  it("reads '+' for spaces in the user agent, a DOMAIN\\user, an IPv6 client, time-taken in ms", async () => {
    const a = await parse(
      [
        '#Software: Microsoft Internet Information Services 10.0',
        '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
        '2024-03-04 10:00:00 10.0.0.1 GET /a x=1 443 DOM\\bob 2001:db8::7 Mozilla/5.0+(Windows+NT+10.0;+Win64) https://r/?a=b 200 0 0 15'
      ].join('\n')
    );
    expect(a.summary.format).toBe('w3c');
    expect(a.preview[0]).toEqual(
      req({
        line: 3,
        time: '2024-03-04T10:00:00.000Z',
        ip: '2001:db8::7',
        user: 'DOM\\bob',
        method: 'GET',
        path: '/a',
        query: 'x=1',
        status: 200,
        durationMs: 15,
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64)',
        referer: 'https://r/?a=b',
        fields: { 'field:s-ip': '10.0.0.1', 'field:s-port': '443', 'field:sc-substatus': '0', 'field:sc-win32-status': '0' }
      })
    );
  });

  it('follows a #Fields line repeated mid-file with another column order', async () => {
    const a = await parse(
      [
        '#Fields: date time c-ip cs-method cs-uri-stem sc-status sc-bytes time-taken cs(User-Agent)',
        '2024-03-04 10:00:00 198.51.100.1 GET /first 200 10 5 UA+1',
        '#Software: Microsoft Internet Information Services 8.5',
        '#Fields: time date c-ip sc-status cs-method cs-uri-stem sc-bytes time-taken cs(User-Agent)',
        '10:00:01 2024-03-04 198.51.100.4 404 POST /second 123 7 curl/8.0',
        '',
        '10:00:02 2024-03-04 198.51.100.5 500 GET /third - - -'
      ].join('\n')
    );
    expect([a.summary.lines, a.summary.blank, a.summary.requests, a.summary.malformed]).toEqual([7, 4, 3, 0]);
    expect(a.preview.map((p) => [p.line, p.time, p.ip, p.method, p.path, p.status, p.bytes, p.durationMs, p.userAgent])).toEqual([
      [2, '2024-03-04T10:00:00.000Z', '198.51.100.1', 'GET', '/first', 200, 10, 5, 'UA 1'],
      [5, '2024-03-04T10:00:01.000Z', '198.51.100.4', 'POST', '/second', 404, 123, 7, 'curl/8.0'],
      [7, '2024-03-04T10:00:02.000Z', '198.51.100.5', 'GET', '/third', 500, null, null, null]
    ]);
  });
});

describe('pasted nginx log_format', () => {
  const directive = [
    "log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '",
    "    '$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" '",
    "    'rt=$request_time key=$http_x_api_key sid=$cookie_sid up=$upstream_addr';"
  ].join('\n');

  it("takes a whole `log_format main '…' '…';` directive: headers, cookies and unknown variables as named fields", async () => {
    const r = await one('10.0.0.1 - alice [04/Mar/2024:10:00:00 +0100] "GET /a?x=1 HTTP/1.1" 200 512 "https://r/" "UA \\x22q\\x22" rt=0.123 key=K1 sid=S1 up=10.1.1.1:80', {
      format: `nginx:${directive}`
    });
    expect(r).toEqual(
      req({
        time: '2024-03-04T09:00:00.000Z',
        ip: '10.0.0.1',
        user: 'alice',
        method: 'GET',
        path: '/a',
        query: 'x=1',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 512,
        durationMs: 123,
        userAgent: 'UA "q"',
        referer: 'https://r/',
        fields: { 'header:x-api-key': 'K1', 'cookie:sid': 'S1', 'field:upstream_addr': '10.1.1.1:80' }
      })
    );
  });

  it('reads $time_iso8601, $request_method/$request_uri/$server_protocol, $host and $msec', async () => {
    const a = await parse('2024-03-04T10:00:00-03:00 api.example.com 10.0.0.2 PATCH /v1/u/7?f=1 HTTP/2.0 201 0.050', {
      format: 'nginx:$time_iso8601 $host $remote_addr $request_method $request_uri $server_protocol $status $request_time'
    });
    expect(a.preview[0]).toEqual(
      req({ time: '2024-03-04T13:00:00.000Z', ip: '10.0.0.2', method: 'PATCH', path: '/v1/u/7', query: 'f=1', protocol: 'HTTP/2.0', status: 201, durationMs: 50, host: 'api.example.com' })
    );
    const m = await one('1709546400.250 10.0.0.3 "GET / HTTP/1.1" 200', { format: 'nginx:$msec $remote_addr "$request" $status' });
    expect(m.time).toBe('2024-03-04T10:00:00.250Z');
  });
});

describe('pasted Apache LogFormat', () => {
  it('takes a `LogFormat "…" nickname` directive with \\" escapes: %v, %D in µs, %{…}i, %{…}C', async () => {
    const r = await one('ex.com:443 10.0.0.1 - - [04/Mar/2024:10:00:00 -0500] "POST /login HTTP/1.1" 302 - "-" "Mozilla \\"x\\"" 2500 K2 S2', {
      format: 'apache:LogFormat "%v %h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\" %D %{X-Api-Key}i %{sid}C" vhost_combined'
    });
    expect(r).toEqual(
      req({
        time: '2024-03-04T15:00:00.000Z',
        ip: '10.0.0.1',
        method: 'POST',
        path: '/login',
        protocol: 'HTTP/1.1',
        status: 302,
        durationMs: 2.5,
        userAgent: 'Mozilla "x"',
        host: 'ex.com:443',
        fields: { 'header:x-api-key': 'K2', 'cookie:sid': 'S2' }
      })
    );
  });

  it('reads %T in seconds and %{X-Forwarded-For}i', async () => {
    const r = await one('10.0.0.1 [04/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 3 "203.0.113.1, 10.0.0.1"', { format: 'apache:%h %t "%r" %>s %T "%{X-Forwarded-For}i"' });
    expect([r.durationMs, r.xff, r.ip]).toEqual([3000, '203.0.113.1, 10.0.0.1', '10.0.0.1']);
  });

  it('refuses a format without a time, or with two fields touching', () => {
    expect(formatByName('apache:%h "%r" %>s')).toMatch(/no time field/);
    expect(formatByName('nginx:$remote_addr$status [$time_local]')).toMatch(/touch/);
  });
});

describe('lines cut between chunks parse once and correctly', () => {
  const samples: [string, string, string?][] = [
    [
      'combined',
      [
        '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a?x=1 HTTP/1.1" 200 2326 "-" "Mozilla \\"x\\" caf\\xC3\\xA9"',
        '',
        'example.com 10.0.0.2, 10.0.0.3 - bob [10/Oct/2000:13:56:36 -0700] "POST /b HTTP/1.1" 302 - "https://r/" "curl/8"',
        'junk line',
        '10.0.0.1 - - [10/Oct/2000:13:57:36 -0700] "GET /c HTTP/1.1" 200 1 "-" "Mozilla \\"x\\" caf\\xC3\\xA9"'
      ].join('\r\n')
    ],
    [
      'json',
      [
        '{"time_iso8601":"2024-03-04T10:00:00+02:00","remote_addr":"10.0.0.1","request":"GET /a HTTP/1.1","status":200,"request_time":0.25,"http_user_agent":"a \\"b\\""}',
        '{"level":"info"}',
        '{"msec":"1709546400.123","remote_addr":"10.0.0.2","request_uri":"/b","status":404}'
      ].join('\n')
    ],
    [
      'json:caddy',
      '{"ts":1709546400.5,"request":{"client_ip":"203.0.113.5","method":"GET","host":"ex.com","uri":"/p","headers":{"User-Agent":["UA"]}},"duration":0.01,"size":4,"status":200}\n'.repeat(3)
    ],
    [
      'alb',
      'h2 2024-03-04T10:00:02.123456Z app/lb/1 [2001:db8::9]:4444 10.0.0.1:80 0.5 0.25 0.125 200 200 1 2 "GET https://api.example.com:443/v1/x?a=b HTTP/2.0" "UA" - - arn "Root=1" "api.example.com" "-" 0 2024-03-04T10:00:02Z "forward" "-" "-" "-" "-" "-" "-"\n'.repeat(3)
    ],
    [
      'cloudfront',
      '#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query\n' +
        '2014-05-23\t01:13:11\tFRA2\t182\t192.0.2.10\tGET\td1.net\t/f.html\t200\t-\tMozilla/5.0%2520(X)\t-\n'.repeat(3)
    ],
    [
      'w3c',
      '#Fields: date time c-ip cs-method cs-uri-stem sc-status time-taken cs(User-Agent)\n2024-03-04 10:00:00 198.51.100.1 GET /a 200 5 UA+1\n#Fields: time date c-ip cs-method cs-uri-stem sc-status\n10:00:01 2024-03-04 198.51.100.4 POST /b 404\n'
    ],
    [
      'nginx:$remote_addr [$time_local] "$request" $status $request_time "$http_user_agent" $http_x_api_key',
      '10.0.0.1 [04/Mar/2024:10:00:00 +0100] "GET /a HTTP/1.1" 200 0.5 "UA" K1\n10.0.0.2 [04/Mar/2024:10:00:01 +0100] "GET /b HTTP/1.1" 500 1.5 "UA" K2\n',
      'nginx:$remote_addr [$time_local] "$request" $status $request_time "$http_user_agent" $http_x_api_key'
    ]
  ];

  for (const [name, text, format] of samples) {
    it(name, async () => {
      const whole = await parse(text, { format });
      expect(whole.summary.requests).toBeGreaterThan(0);
      const rows = (a: Analysis) => Array.from({ length: a.sessions.count }, (_, i) => sessionAt(a.sessions, i));
      for (const chunkSize of [1, 7, 64]) {
        for (const piece of [1, 5, 1 << 16]) {
          const cut = await parse(text, { format, chunkSize, piece });
          expect(cut.summary, `chunk ${chunkSize}, piece ${piece}`).toEqual(whole.summary);
          expect(cut.preview, `chunk ${chunkSize}, piece ${piece}`).toEqual(whole.preview);
          expect(rows(cut), `chunk ${chunkSize}, piece ${piece}`).toEqual(rows(whole));
        }
      }
    });
  }
});

// ---- regressions: core bugs found by these tests, fixed ----

describe('regressions (core bugs found and fixed)', () => {
  it('CLF: "-" is never read as the client (BunkerWeb "host ip - request-id - [time]")', async () => {
    // assembly/formats/clf.ts readClient: with three plain groups before ident and user, the last
    // one ("-") is taken as the client and the vhost is dropped. Either read 127.0.0.1 (and the
    // host) or call the line malformed; "-" as an IP merges every such line into one actor.
    const a = await parse(
      [
        'example.com 127.0.0.1 - abc123def456 - [29/Sep/2021:14:11:34 +0200] "HEAD / HTTP/1.1" 200 0 "-" "Nikto"',
        'example.com 127.0.0.1 - - [29/Sep/2021:14:11:34 +0200] "GET / HTTP/1.1" 200 10918 "-" "Nikto"'
      ].join('\n')
    );
    expect(a.preview.map((p) => p.ip)).not.toContain('-');
  });

  it('JSON: an address chain in the client field gives its first address (Traefik ClientHost "a,b")', async () => {
    // assembly/fields.ts finalize/trimIp: CLF splits chains, JSON keeps "192.168.1.100,10.0.0.50" as the IP.
    const r = await one('{"ClientHost":"192.168.1.100,10.0.0.50","DownstreamStatus":204,"Duration":1,"RequestMethod":"OPTIONS","RequestPath":"/","StartUTC":"2024-03-04T10:00:00Z"}');
    expect(r.ip).toBe('192.168.1.100');
  });

  it('ELB: a TCP listener record ("- - - ", status "-") is not an HTTP request', async () => {
    // assembly/fields.ts splitRequest: "- - -" becomes method/path/protocol "-", status 0.
    // Matomo skips such lines; ALB's non-HTTP records are already skipped as blank.
    const a = await parse(
      [
        '2015-05-13T23:39:43.945958Z my-lb 1.2.3.4:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/p HTTP/1.1" "UA" - -',
        '2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -'
      ].join('\n'),
      { format: 'elb' }
    );
    expect(a.summary.requests).toBe(1);
  });

  it('ALB: "-" in the request line is no method', async () => {
    const r = await one('http 2025-05-01T11:24:32.748149Z app/alb/abcd 127.0.0.1:57273 - -1 -1 -1 200 - 0 272 "- http://internal.example.com:80-/ " "-" - - - "-" "-" "-" - 2025-05-01T11:24:32.720000Z "-" "-" "-" "-" "-" "-" "-"', { format: 'alb' });
    expect(r.method).toBeNull();
  });

  it('W3C without #Fields: a line with more columns than the assumed IIS default is not misread', async () => {
    // src/lib/core/formats/columns.ts IIS_DEFAULT + assembly/formats/delimited.ts: extra columns
    // shift everything: ip "EXAMPLE\user01", method "10.44.0.131", path "POST", status 0.
    const a = await parse(
      [
        '2022-05-08 01:26:01 10.119.32.8 POST /NamingServiceANSWS/ANSWS.svc - 443 - 10.119.38.250 - - 200 0 0 232',
        '2023-08-28 07:37:00 exchange01 10.44.0.131 POST /EWS/Exchange.asmx &reqId=1; 443 EXAMPLE\\user01 10.119.1.75 OC/16.0+(Skype) - 200 0 0 52 10.10.10.7 59050'
      ].join('\n')
    );
    for (const p of a.preview) expect([p.method, p.status]).toEqual(['POST', 200]);
  });

  it("JSON: Matomo's generation_time_milli holds $request_time, in seconds", async () => {
    // Matomo's documented nginx log_format writes "generation_time_milli": $request_time, so
    // 0.008 is 8 ms (formats/matomo/nginx_json.log); src/lib/core/formats/json.ts reads it as ms.
    const r = await one('{"ip":"1.2.3.4","host":"www.piwik.org","path":"/piwik.php","status":"200","length":192,"generation_time_milli":0.008,"date":"2013-10-10T16:52:00+02:00"}');
    expect(r.durationMs).toBe(8);
  });

  it('CLF: a "-" status (Traefik, client gone before the response) is a request, as in ALB and JSON', async () => {
    const a = await parse(
      [
        '172.17.0.1 - - [08/Dec/2021:13:59:39 +0000] "GET /index?toto=tata HTTP/1.1" 200 352 "-" "Nikto" 242 "test@docker" "http://172.17.0.3:80" 1ms',
        '172.17.1.1 - - [28/Sep/2022:13:38:04 +0000] "GET /mobileadmin/home.cs HTTP/1.1" - - "-" "Nikto" 45640 "-" "-" 0ms'
      ].join('\n')
    );
    expect([a.summary.requests, a.summary.malformed]).toEqual([2, 0]);
  });

  it('CLF: a client with a port loses the port, as in JSON and ALB', async () => {
    const r = await one('10.0.0.1:5555 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "a"');
    expect(r.ip).toBe('10.0.0.1');
  });

  it('CLF: an empty request line "" gives no method (as "-" does), not ""', async () => {
    const r = await one('127.0.0.1 - - [12/Apr/2018:09:48:40 +0200] "" 400 0 "-" "-"');
    expect(r.method).toBeNull();
  });
});
