#!/usr/bin/env node
// Throughput of the CLI per log format (a benchmark, not a test), after `npm run build:core`.
//
//   node scripts/bench-formats.js [--runs 3] [--lines 200000] [--only NAME[,NAME…]] [--regen]
//
// For each format it writes bench-data/formats/<name>.log (gitignored): a real sample of that
// format from ../shared/data (SOURCES.md) repeated to about --lines lines (a built-in sample when
// ../shared/data is missing), then runs `node bin/sessionlens.js summary --format F FILE` --runs
// times and prints the median wall time, lines/s and MB/s per format as a table. Every run must
// parse the file fully (requests + blank = lines, no malformed) or the bench stops: a fast parser
// that reads nothing is no result. Numbers depend on the machine; compare them on one machine.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATA = path.join(ROOT, '../shared/data/access');
const OUT = path.join(ROOT, 'bench-data/formats');
const CLI = path.join(ROOT, 'bin/sessionlens.js');

const COMBINED_NGINX = 'nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';
const COMBINED_APACHE = 'apache:LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined';
const CADDY_MAP = 'time=ts,ip=request.client_ip,method=request.method,uri=request.uri,host=request.host,status=status,bytes=size,duration_s=duration,user_agent=request.headers.User-Agent';

/**
 * @typedef {{ name: string, format: string, map?: string, files: string[], header?: (lines: string[]) => string[], keep?: (line: string) => boolean, fallback: string[], file?: string }} Bench
 * `file` names a bench file shared with another format read from the same sample.
 */

/** Lines that are records (not blank, not comments). */
const records = (/** @type {string} */ l) => l.trim() !== '' && !l.startsWith('#');

/** @type {Bench[]} */
const BENCHES = [
  {
    name: 'combined',
    format: 'combined',
    files: ['elastic-examples/apache_logs'],
    // line 8899 has an unterminated user agent: it would count as malformed
    keep: (l) => records(l) && l.endsWith('"'),
    fallback: ['83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"']
  },
  {
    name: 'common',
    format: 'common',
    files: ['ita-usask/usask_access_log'],
    fallback: ['ix-or7-27.ix.netcom.com - - [01/Jun/1995:00:02:51 -0600] "GET /~ladd/ostriches.html" 200 205908']
  },
  {
    name: 'vcombined',
    format: 'vcombined',
    files: ['formats/elastic-beats/nginx_access_test-with-host.log', 'formats/matomo/static_ignores.log', 'lnav/regexp_access_log.0'],
    fallback: ['www.example.com 1.2.3.4 - theuser [10/Feb/2012:16:41:07 -0500] "GET / HTTP/1.0" 200 368 "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/535.11 (KHTML, like Gecko) Chrome/17.0.963.56 Safari/535.11"']
  },
  {
    name: 'json (nginx keys)',
    format: 'json',
    files: ['formats/matomo/nginx_json.log', 'crowdsec-hub/fastly-logs.log'],
    fallback: ['{"time_iso8601":"2024-03-04T10:00:00+02:00","remote_addr":"10.0.0.1","request":"GET /a?x=1 HTTP/1.1","status":200,"body_bytes_sent":5,"request_time":0.25,"http_user_agent":"curl/8"}']
  },
  {
    name: 'json:caddy',
    format: 'json:caddy',
    files: ['lnav/caddy_log.1', 'formats/matomo/caddy_json.log'],
    fallback: ['{"level":"info","ts":1709546400.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"10.0.0.1","client_ip":"203.0.113.5","proto":"HTTP/2.0","method":"GET","host":"ex.com","uri":"/p?q=1","headers":{"User-Agent":["UA 1"]}},"duration":0.0123,"size":42,"status":200}']
  },
  {
    name: 'json:traefik',
    format: 'json:traefik',
    files: ['crowdsec-hub/traefik_base-http-scenario.log'],
    fallback: ['{"ClientAddr":"172.17.0.1:39490","ClientHost":"172.17.0.1","DownstreamContentSize":356,"DownstreamStatus":404,"Duration":215563,"RequestHost":"test.docker.localhost","RequestMethod":"GET","RequestPath":"/594VAEoi.dtd","RequestProtocol":"HTTP/1.1","StartUTC":"2021-12-08T14:02:43.464Z","request_User-Agent":"Nikto"}']
  },
  {
    name: 'json:envoy',
    format: 'json:envoy',
    files: ['crowdsec-hub/envoy-http-crawl-non_statics.log'],
    fallback: ['{"start_time":"2024-03-04T10:00:00.000Z","method":"PUT","path":"/e?a=1","protocol":"HTTP/1.1","response_code":503,"bytes_sent":7,"duration":12,"user-agent":"envoy-ua","downstream_remote_address":"[fd00::1]:43000",":authority":"svc"}']
  },
  {
    name: 'json:gcp',
    format: 'json:gcp',
    files: ['formats/elastic-integrations/gcp_loadbalancing_test-load-balancer.log'],
    fallback: ['{"httpRequest":{"requestMethod":"GET","requestUrl":"http://81.2.69.193:8080/static/a.jpg","status":304,"responseSize":"157","userAgent":"UA","remoteIp":"89.160.20.156:9989"},"timestamp":"2020-06-08T23:41:30.078651Z"}']
  },
  {
    name: 'json:cloudflare',
    format: 'json:cloudflare',
    files: ['lnav/cloudflare.1'],
    fallback: ['{"ClientIP":"89.163.242.206","ClientRequestHost":"www.example.com","ClientRequestMethod":"GET","ClientRequestURI":"/","ClientRequestUserAgent":"UA","EdgeResponseBytes":12480,"EdgeResponseStatus":200,"EdgeStartTimestamp":1712790000100000000,"RayID":"87a1"}']
  },
  {
    name: 'json:mapped (--map)',
    format: 'json',
    map: CADDY_MAP,
    file: 'json-caddy.log',
    files: ['lnav/caddy_log.1', 'formats/matomo/caddy_json.log'],
    fallback: ['{"level":"info","ts":1709546400.5,"request":{"client_ip":"203.0.113.5","method":"GET","host":"ex.com","uri":"/p?q=1","headers":{"User-Agent":["UA 1"]}},"duration":0.0123,"size":42,"status":200}']
  },
  {
    name: 'alb',
    format: 'alb',
    files: ['crowdsec-hub/aws-alb-logs.log', 'crowdsec-hub/aws-alb-http-bad-user-agent.log'],
    fallback: ['https 2020-01-01T00:55:04.127531Z app/my-alb/abcdef 1.2.3.4:2817 10.0.0.1:80 0.001 0.102 0.000 200 200 225 24950 "GET https://www.example.com:443/path/index.html HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:tg "Root=1-abcdef123-abcdef123" "www.example.com" "arn:cert" 0 2020-01-01T00:55:04.023000Z "forward" "-" "-" "10.1.1.1:80" "200"']
  },
  {
    name: 'elb',
    format: 'elb',
    files: ['formats/matomo/elb.log'],
    // the TCP listener line is not an HTTP request
    keep: (l) => records(l) && l.includes('"GET '),
    fallback: ['2015-05-13T23:39:43.945958Z my-loadbalancer 1.2.3.4:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/path/index.html HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64)" DHE-RSA-AES128-SHA TLSv1.2']
  },
  {
    name: 'cloudfront',
    format: 'cloudfront',
    files: ['formats/matomo/amazon_cloudfront_web.log', 'crowdsec-hub/aws-cloudfront-logs.log'],
    header: () => [
      '#Version: 1.0',
      '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields'
    ],
    fallback: ['2014-05-23\t01:13:11\tFRA2\t182\t192.0.2.10\tGET\td111111abcdef8.cloudfront.net\t/view/my/file.html\t200\thttps://example.com/\tMozilla/5.0%2520(Windows;%2520U)\t-\t-\tMiss\tMRVMF7KydIvxMWfJIglgwHQwZsbG2IhRJ07sn9AkKUFSHS9EXAMPLE==\texample.com\thttps\t217\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tMiss\tHTTP/1.1\t-\t-']
  },
  {
    name: 'w3c (IIS)',
    format: 'w3c',
    files: ['lnav/w3c_big.0'],
    header: () => ['#Software: Microsoft Internet Information Services 8.5', '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken'],
    fallback: ['2015-01-13 00:32:17 100.79.192.81 GET /robots.txt - 80 - 157.55.39.146 Mozilla/5.0+(compatible;+bingbot/2.0;++http://www.bing.com/bingbot.htm) - 404 0 2 1405 242 283']
  },
  {
    name: 'nginx:<log_format>',
    format: COMBINED_NGINX,
    file: 'combined.log',
    files: ['elastic-examples/apache_logs'],
    keep: (l) => records(l) && l.endsWith('"'),
    fallback: ['83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"']
  },
  {
    name: 'apache:<LogFormat>',
    format: COMBINED_APACHE,
    file: 'combined.log',
    files: ['elastic-examples/apache_logs'],
    keep: (l) => records(l) && l.endsWith('"'),
    fallback: ['83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"']
  }
];

/** @param {string[]} argv */
function parseArgs(argv) {
  const o = { runs: 3, lines: 200_000, only: /** @type {string[] | null} */ (null), regen: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--runs') o.runs = Number(value());
    else if (flag === '--lines') o.lines = Number(value());
    else if (flag === '--only') o.only = String(value()).split(',');
    else if (flag === '--regen') o.regen = true;
    else if (flag === '-h' || flag === '--help') {
      console.log('usage: node scripts/bench-formats.js [--runs 3] [--lines 200000] [--only NAME[,NAME…]] [--regen]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(o.runs) || o.runs < 1 || !Number.isInteger(o.lines) || o.lines < 1) {
    console.error('--runs and --lines take positive integers');
    process.exit(2);
  }
  return o;
}

/** The sample's record lines: from the real files when present, else the built-in line. */
function sample(/** @type {Bench} */ b) {
  const present = b.files.filter((f) => existsSync(path.join(DATA, f)));
  if (present.length === 0) return { lines: b.fallback, from: 'built-in sample' };
  const lines = present.flatMap((f) => {
    const raw = readFileSync(path.join(DATA, f));
    const text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    return text.split('\n').map((l) => l.replace(/\r$/, '')).filter(b.keep ?? records);
  });
  return { lines, from: present.join(' + ') };
}

const fileName = (/** @type {Bench} */ b) => b.file ?? b.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') + '.log';

/** Bench files written by this run (a shared one is written once). */
const written = new Set();

/** Writes the bench file once: the sample repeated to `total` lines, after its header. */
function ensureFile(/** @type {Bench} */ b, /** @type {number} */ total, /** @type {boolean} */ regen) {
  const file = path.join(OUT, fileName(b));
  const { lines, from } = sample(b);
  if (existsSync(file) && (!regen || written.has(file))) return { file, from };
  written.add(file);
  mkdirSync(OUT, { recursive: true });
  const part = `${file}.part`;
  const fd = openSync(part, 'w');
  const head = b.header?.(lines) ?? [];
  if (head.length) writeSync(fd, head.join('\n') + '\n');
  const block = lines.join('\n') + '\n';
  const records = total - head.length;
  for (let n = 0; n + lines.length <= records; n += lines.length) writeSync(fd, block);
  const rest = records % lines.length;
  if (rest) writeSync(fd, lines.slice(0, rest).join('\n') + '\n');
  closeSync(fd);
  renameSync(part, file);
  return { file, from };
}

/** One run of the CLI: wall seconds and its summary. */
async function run(/** @type {string[]} */ args) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c) => (err += c));
  const [code] = await once(child, 'close');
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`sessionlens ${args.join(' ')} exited with ${code}: ${err.trim()}`);
  return { wall, summary: JSON.parse(out) };
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist/cli.js')) || !existsSync(path.join(ROOT, 'dist/core.wasm'))) {
    console.error('the CLI is not built: run `npm run build:core` first');
    process.exit(1);
  }
  const benches = o.only ? BENCHES.filter((b) => o.only?.some((n) => b.name === n || b.name.startsWith(n))) : BENCHES;
  if (benches.length === 0) {
    console.error(`no format matches --only ${o.only?.join(',')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
    process.exit(2);
  }
  if (!existsSync(DATA)) console.log(`(${DATA} is missing: built-in one-line samples are repeated instead)`);

  /** @type {string[][]} */
  const rows = [];
  for (const b of benches) {
    const { file, from } = ensureFile(b, o.lines, o.regen);
    const bytes = statSync(file).size;
    const args = ['summary', '--format', b.format, ...(b.map ? ['--map', b.map] : []), file];
    /** @type {number[]} */
    const walls = [];
    /** @type {{ lines: number, blank: number, requests: number, malformed: number, format: string } | undefined} */
    let s;
    for (let i = 0; i < o.runs; i++) {
      const r = await run(args);
      s = r.summary;
      walls.push(r.wall);
    }
    if (!s) continue;
    if (s.malformed !== 0 || s.requests + s.blank !== s.lines) throw new Error(`${b.name}: ${file} did not parse fully: ${JSON.stringify(s)}`);
    const wall = median(walls);
    console.log(`  ${b.name}: ${s.lines.toLocaleString('en')} lines from ${from}; runs ${walls.map((w) => w.toFixed(2)).join(', ')} s`);
    rows.push([b.name, s.lines.toLocaleString('en'), (bytes / 1e6).toFixed(1), wall.toFixed(2), Math.round(s.lines / wall).toLocaleString('en'), (bytes / 1e6 / wall).toFixed(1)]);
  }

  console.log('');
  const head = ['format', 'lines', 'MB', 'median s', 'lines/s', 'MB/s'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (/** @type {string[]} */ cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
  console.log(`\nmedian of ${o.runs} run${o.runs > 1 ? 's' : ''} of \`sessionlens summary --format F FILE\` (process start, wasm compile and sessions included); MB = 10^6 bytes.`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
