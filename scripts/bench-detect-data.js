// The labelled data of scripts/bench-detect.js, read from ../shared/data (SOURCES.md §1.8, §3),
// turned into rows: one request each, with the attack type it is expected to carry.
//
// A row is { group, expect, shown, line } where `expect` is one of TYPES (the request must be
// flagged with that type), null (benign: any flag is a false positive) or '*' (an attack that is
// no SPEC §3 type, or a label that names no type: any flag counts as "flagged", nothing is
// scored), `shown` is what a human reads in a report (the payload), and `line` is the log line
// fed to the core. Files (crowdsec, fail2ban, benign logs) are fed whole instead: see `files`.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The attack types of the core's ParsedRequest.attacks (SPEC §3). */
export const TYPES = ['sqli', 'xss', 'traversal', 'cmdi', 'jndi', 'file-inclusion', 'scanner'];
/** The types the recall target (≥ 0.9) is about. */
export const INJECTION = ['sqli', 'xss', 'traversal', 'cmdi', 'jndi', 'file-inclusion'];

/** @typedef {{ group: string, expect: string | null, shown: string, line: string }} Row */

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BASE = Date.UTC(2024, 0, 1);
const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');

/**
 * One combined log line for synthetic request number `i`: its own client IP (so every row is its
 * own session), a time one second after the previous row's, a browser user agent (so scanner
 * user agents do not leak into payload rows).
 * @param {number} i @param {string} method @param {string} target @param {string} [ua]
 */
export function combinedLine(i, method, target, ua = BROWSER_UA) {
  const d = new Date(BASE + i * 1000);
  const time = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return `${ip} - - [${time}] "${method} ${target} HTTP/1.1" 200 512 "-" "${ua.replace(/["\\]/g, '')}"`;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const UNRESERVED = /[A-Za-z0-9\-_.!~*'()+]/;

/**
 * Percent-encodes a payload as a client would send it: bytes outside the unreserved set (and
 * `keep`) become %XX, but the form encoding already in a payload stays as it is: a `%XX` (the
 * payload files hold many pre-encoded strings such as `..%2f` or `%0A%0D`, meant to reach the
 * server that way) and a `+` (a space in a query string: HttpParamsDataset's values come from
 * CSIC form data, `o+bispar`; FuzzDB's `;+$u+cat+/etc$u/passwd`). A `+` meant as a plus
 * (`$((50+41))`) is read as a space then; no payload here depends on it.
 * @param {string} payload @param {string} [keep]
 */
export function encodePayload(payload, keep = '') {
  const bytes = new TextEncoder().encode(payload);
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const c = String.fromCharCode(b);
    if (b < 0x80 && (UNRESERVED.test(c) || keep.includes(c))) out += c;
    else if (c === '%' && i + 2 < bytes.length && HEX.test(String.fromCharCode(bytes[i + 1], bytes[i + 2]))) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** A raw request target made safe for a quoted log field: no space, quote, backslash, control or 8-bit byte. */
function safeTarget(/** @type {string} */ target) {
  let out = '';
  for (const ch of target) {
    const code = ch.charCodeAt(0);
    out += code <= 0x20 || code >= 0x7f || ch === '"' || ch === '\\' ? encodePayload(ch) : ch;
  }
  return out;
}

const lines = (/** @type {string} */ file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');

/**
 * Rows for payloads: each in the query string (`GET /search?q=<payload>`), and when `inPath`,
 * a second row with the payload in the path (`GET /static/<payload>`, slashes kept).
 * @param {Row[]} rows @param {string} group @param {string | null} expect @param {string[]} payloads @param {boolean} inPath
 */
function addPayloads(rows, group, expect, payloads, inPath) {
  for (const p of payloads) rows.push({ group: inPath ? `${group} (query)` : group, expect, shown: p, line: combinedLine(rows.length, 'GET', `/search?q=${encodePayload(p)}`) });
  if (inPath) for (const p of payloads) rows.push({ group: `${group} (path)`, expect, shown: p, line: combinedLine(rows.length, 'GET', `/static/${encodePayload(p, '/')}`) });
}

/** openappsec/mgm-web-attack-payloads: category → the type expected (SOURCES.md §3.3). */
const OPENAPPSEC = [
  { category: 'sqli', expect: 'sqli' },
  { category: 'xss', expect: 'xss' },
  { category: 'traversal', expect: 'traversal', inPath: true },
  { category: 'cmdexe', expect: 'cmdi' },
  { category: 'log4shell', expect: 'jndi' },
  // Shellshock is command injection through a header; here it sits in the query string
  { category: 'shellshock', expect: 'cmdi' },
  // XXE is no SPEC §3 type: reported (what gets flagged), not scored
  { category: 'xxe', expect: '*' }
];

/** @param {string} data */
export function openappsec(data) {
  const dir = path.join(data, 'attacks/openappsec-payloads');
  /** @type {Row[]} */
  const rows = [];
  const files = readdirSync(dir);
  for (const { category, expect, inPath } of OPENAPPSEC) {
    const tp = files.find((f) => f.startsWith(`${category}.true-positives`));
    if (tp) addPayloads(rows, `${category} → ${expect === '*' ? 'not a type' : expect}`, expect, lines(path.join(dir, tp)), !!inPath);
  }
  for (const { category, inPath } of OPENAPPSEC) {
    const fp = files.find((f) => f.startsWith(`${category}.false-positives`));
    if (fp) addPayloads(rows, `${category} look-alikes`, null, lines(path.join(dir, fp)), !!inPath);
  }
  return rows;
}

/** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF, newlines inside quotes. */
export function parseCsv(/** @type {string} */ text) {
  /** @type {string[][]} */
  const out = [];
  /** @type {string[]} */
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), out.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length > 0) row.push(field), out.push(row);
  return out;
}

/** HttpParamsDataset attack_type → our type (SOURCES.md §3.2); `norm` rows are benign. */
const HTTPPARAMS = { sqli: 'sqli', xss: 'xss', 'path-traversal': 'traversal', cmdi: 'cmdi', norm: null };

/** @param {string} data */
export function httpparams(data) {
  const [header, ...records] = parseCsv(readFileSync(path.join(data, 'attacks/httpparams/payload_full.csv'), 'utf8'));
  const col = (/** @type {string} */ name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`payload_full.csv: no column ${name} in ${header.join(',')}`);
    return i;
  };
  const [payload, type, label] = [col('payload'), col('attack_type'), col('label')];
  /** @type {Map<string, string[]>} */
  const byType = new Map();
  for (const r of records) {
    if (r.length < header.length) continue;
    const t = r[type];
    if (!(t in HTTPPARAMS)) throw new Error(`payload_full.csv: unknown attack_type ${t}`);
    if ((t === 'norm') !== (r[label] === 'norm')) throw new Error(`payload_full.csv: attack_type ${t} with label ${r[label]}`);
    if (!byType.has(t)) byType.set(t, []);
    byType.get(t)?.push(r[payload]);
  }
  /** @type {Row[]} */
  const rows = [];
  for (const [t, payloads] of byType) {
    const expect = HTTPPARAMS[/** @type {keyof typeof HTTPPARAMS} */ (t)];
    if (expect !== 'traversal') {
      addPayloads(rows, expect ? `${t} → ${expect}` : 'norm (benign)', expect, payloads, false);
      continue;
    }
    // 247 of the 290 are fuzzing templates whose `{file}` was never filled in ("/../../{file}"):
    // apart, so the misses among them ("//{file}", "/i{file}": no traversal as written) show as theirs
    const template = payloads.filter((p) => p.includes('{file}'));
    addPayloads(rows, `${t} → ${expect}`, expect, payloads.filter((p) => !p.includes('{file}')), true);
    addPayloads(rows, `${t}, unfilled {file} → ${expect}`, expect, template, true);
  }
  return rows;
}

/**
 * CSIC 2010 raw requests: request line, headers, blank line, form body (POST/PUT). Mixed line
 * ends (SOURCES.md §3.1), so a request starts at a line that looks like a request line, and the
 * body is the non-blank lines after the headers' blank line.
 * @param {string} text
 */
export function csicRequests(text) {
  /** @type {{ method: string, target: string, ua: string, body: string }[]} */
  const out = [];
  /** @type {{ method: string, target: string, ua: string, body: string } | null} */
  let cur = null;
  let inBody = false;
  for (const raw of text.split('\n')) {
    const l = raw.replace(/\r$/, '');
    const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(l);
    if (m) {
      cur = { method: m[1], target: m[2].replace(/^https?:\/\/[^/]+/i, '') || '/', ua: '', body: '' };
      out.push(cur);
      inBody = false;
    } else if (!cur) continue;
    else if (l === '') inBody = true;
    else if (inBody) cur.body += l;
    else if (/^user-agent:/i.test(l)) cur.ua = l.slice(l.indexOf(':') + 1).trim();
  }
  return out;
}

/**
 * CSIC 2010 (SOURCES.md §3.1), labelled normal/anomalous only (no attack type): every request as
 * its request line; POST and PUT a second time with the form body appended to the query string,
 * since an access log never shows a body.
 * @param {string} data
 */
export function csic(data) {
  /** @type {Row[]} */
  const rows = [];
  for (const [file, kind] of [
    ['normalTrafficTest.first10000requests.txt.gz', 'normal'],
    ['anomalousTrafficTest.first10000requests.txt.gz', 'anomalous']
  ]) {
    const text = gunzipSync(readFileSync(path.join(data, 'attacks/csic2010', file))).toString('latin1');
    const expect = kind === 'normal' ? null : '*';
    for (const r of csicRequests(text)) {
      const target = safeTarget(r.target);
      const withBody = r.body === '' ? target : safeTarget(`${r.target}${r.target.includes('?') ? '&' : '?'}${r.body}`);
      if (r.method === 'GET') rows.push({ group: `${kind} GET`, expect, shown: `GET ${target}`, line: combinedLine(rows.length, 'GET', target, r.ua) });
      else {
        rows.push({ group: `${kind} ${r.method}, line only`, expect, shown: `${r.method} ${target}  [body: ${r.body}]`, line: combinedLine(rows.length, r.method, target, r.ua) });
        rows.push({ group: `${kind} ${r.method}, body in query`, expect, shown: `${r.method} ${withBody}`, line: combinedLine(rows.length, r.method, withBody, r.ua) });
      }
    }
  }
  return rows;
}

/**
 * CrowdSec hub scenario → the types a file's lines must show (any line of the file): only where
 * one of our per-request types clearly names the attack. Behaviour scenarios (brute force,
 * crawling, DoS, 404 probing) and exploits of one product's endpoint are '*': reported, not scored.
 */
const CROWDSEC_SCENARIOS = {
  'http-sqli-probing': 'sqli',
  'http-xss-probing': 'xss',
  'http-path-traversal-probing': 'traversal',
  'grafana-cve-2021-43798': 'traversal',
  'fortinet-cve-2018-13379': 'traversal',
  'pulse-secure-sslvpn-cve-2019-11510': 'traversal',
  'http-cve-2021-41773': 'traversal',
  'http-cve-2021-42013': 'traversal',
  'f5-big-ip-cve-2020-5902': 'traversal',
  'apache_log4j2_cve-2021-44228': 'jndi',
  'CVE-2022-44877': 'cmdi',
  netgear_rce: 'cmdi',
  'vmware-vcenter-vmsa-2021-0027': 'file-inclusion',
  'http-sensitive-files': 'scanner',
  'http-bad-user-agent': 'scanner',
  'http-backdoors-attempts': 'scanner',
  'http-admin-interface-probing': 'scanner',
  'http-wordpress-scan': 'scanner',
  'http-wordpress_wpconfig': 'scanner',
  'http-w00tw00t': 'scanner'
};

/**
 * @typedef {{ group: string, name: string, expect: string[] | null | '*', scenarios: string, text: string, lineLabels?: (string | null | '*')[] }} LabelledFile
 * `expect`: types that must appear on some line (null: benign, every flag a false positive;
 * '*': reported only). `lineLabels[n-1]`: the label of line n when lines are labelled one by one.
 */

/** @param {string} data @returns {LabelledFile[]} */
export function crowdsec(data) {
  const dir = path.join(data, 'access/crowdsec-hub');
  const index = readFileSync(path.join(dir, 'INDEX.tsv'), 'utf8').trim().split('\n');
  const header = index[0].split('\t');
  const at = (/** @type {string} */ name) => header.indexOf(name);
  /** @type {LabelledFile[]} */
  const out = [];
  for (const row of index.slice(1)) {
    const f = row.split('\t');
    const name = f[at('file')];
    const scenarios = f[at('scenarios_under_test')];
    const alerts = f[at('crowdsec_alerts_expected')];
    if (!existsSync(path.join(dir, name))) continue;
    const text = readFileSync(path.join(dir, name), 'utf8');
    if (scenarios === '-') {
      // Whitelist tests are benign application traffic (SOURCES.md §1.8). The other tests without
      // a scenario are parser tests: no scenario was run on them, so they are no benign label
      // (traefik_clf.log holds Nikto requests): reported, not scored.
      if (/whitelist/.test(name)) out.push({ group: 'benign (whitelists)', name, expect: null, scenarios: `whitelist, alerts ${alerts}`, text });
      else out.push({ group: 'unlabelled (parser tests)', name, expect: '*', scenarios: `parser test, alerts ${alerts}`, text });
      continue;
    }
    const types = [...new Set(scenarios.split(',').map((s) => CROWDSEC_SCENARIOS[/** @type {keyof typeof CROWDSEC_SCENARIOS} */ (s.replace(/^[^/]+\//, ''))]).filter(Boolean))];
    if (types.length === 0) out.push({ group: 'other scenarios (not scored)', name, expect: '*', scenarios, text });
    else out.push({ group: `→ ${types.join('+')}`, name, expect: types, scenarios, text });
  }
  // scored files first (by type), then whitelists, then what is only reported
  const rank = (/** @type {LabelledFile} */ f) => (Array.isArray(f.expect) ? 0 : f.expect === null ? 1 : f.group.startsWith('other') ? 2 : 3);
  return out.sort((a, b) => rank(a) - rank(b) || a.group.localeCompare(b.group) || a.name.localeCompare(b.name));
}

/** fail2ban filter → the type its `match: true` lines carry; `match: false` lines are benign. */
const FAIL2BAN = {
  'nginx-botsearch.log': 'scanner',
  'php-url-fopen.log': 'file-inclusion',
  // trackback spam bots: bad bots, but no security scanner
  'apache-badbots.log': '*'
};

/** fail2ban test logs (SOURCES.md §3.4): each `# failJSON` comment labels the next line. @param {string} data */
export function fail2ban(data) {
  /** @type {LabelledFile[]} */
  const out = [];
  for (const [name, type] of Object.entries(FAIL2BAN)) {
    const file = path.join(data, 'attacks/fail2ban', name);
    if (!existsSync(file)) continue;
    /** @type {string[]} */
    const kept = [];
    /** @type {(string | null | '*')[]} */
    const lineLabels = [];
    /** @type {boolean | null} */
    let match = null;
    for (const l of lines(file)) {
      const j = /^# failJSON: (.*)$/.exec(l);
      if (j) match = JSON.parse(j[1]).match;
      else if (!l.startsWith('#') && match !== null) {
        kept.push(l);
        lineLabels.push(match ? type : null);
        match = null;
      }
    }
    out.push({ group: `fail2ban ${name.replace(/\.log$/, '')}`, name, expect: type === '*' ? '*' : [type], scenarios: `failJSON match=true → ${type}`, text: kept.join('\n') + '\n', lineLabels });
  }
  return out;
}

/** Real logs with no attack known in them: every flag is a false positive (SOURCES.md §1.1, §1.4). */
export const BENIGN_LOGS = ['access/elastic-examples/apache_logs', 'access/lnav/shop_access_log.0'];
