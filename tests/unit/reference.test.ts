// Tests of the brute-force reference itself (tests/reference), so that comparing the core with
// it means something.
import { describe, expect, it } from 'vitest';
import { parseCombined, parseLog, sessionize, unescapeField, type RefRequest } from '../reference/reference';

const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 4, 10, 0, 0);

function req(ip: string, time: number, userAgent = 'UA', user = '-'): RefRequest {
  return { ip, time, userAgent, user };
}

describe('parseCombined', () => {
  it('reads a combined line and converts local time to UTC', () => {
    const r = parseCombined(
      '203.0.113.9 - - [04/Mar/2024:11:00:05 +0100] "GET /api/v1/users/12345?x=1 HTTP/1.1" 200 512 "https://a.example/" "Mozilla/5.0 (X11)"'
    );
    expect(r).toEqual({ ip: '203.0.113.9', user: '-', time: T0 + 5000, userAgent: 'Mozilla/5.0 (X11)' });
  });

  it('applies negative offsets and crosses the day', () => {
    const r = parseCombined('198.51.100.1 - - [03/Mar/2024:23:30:00 -0700] "GET / HTTP/1.1" 304 - "-" "curl/8.5.0"');
    expect(r?.time).toBe(Date.UTC(2024, 2, 4, 6, 30, 0));
    const h = parseCombined('198.51.100.1 - - [04/Mar/2024:15:30:00 +0530] "GET / HTTP/1.1" 200 1 "-" "x"');
    expect(h?.time).toBe(T0);
  });

  it('keeps a remote user, and `-` as is', () => {
    const withUser = parseCombined('192.0.2.4 - alice [04/Mar/2024:10:00:00 +0000] "GET /admin/ HTTP/1.1" 200 9 "-" "UA"');
    expect(withUser?.user).toBe('alice');
    const noUser = parseCombined('192.0.2.4 - - [04/Mar/2024:10:00:00 +0000] "GET /admin/ HTTP/1.1" 401 381 "-" "UA"');
    expect(noUser?.user).toBe('-');
  });

  it('reads IPv6 clients', () => {
    const r = parseCombined('2001:41d0:8:f69::1 - - [29/Oct/2015:06:47:36 +0100] "GET / HTTP/1.1" 200 20526 "http://niels.basjes.nl/" "Mozilla/5.0"');
    expect(r?.ip).toBe('2001:41d0:8:f69::1');
    expect(r?.time).toBe(Date.UTC(2015, 9, 29, 5, 47, 36));
  });

  it('unescapes Apache \\" and \\\\ in the user agent', () => {
    const r = parseCombined(
      String.raw`192.0.2.1 - - [04/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "Mozilla/5.0 \"Brave\" C:\\Kiosk"`
    );
    expect(r?.userAgent).toBe('Mozilla/5.0 "Brave" C:\\Kiosk');
  });

  it('unescapes nginx \\xHH bytes as UTF-8', () => {
    const r = parseCombined(
      String.raw`192.0.2.1 - - [04/Mar/2024:10:00:00 +0000] "GET / HTTP/2.0" 200 10 "-" "Redmi \xD0\x9F\xD1\x80\xD0\xBE \x22q\x22"`
    );
    expect(r?.userAgent).toBe('Redmi Про "q"');
    // An escaped byte that is not valid UTF-8 becomes U+FFFD, never an exception.
    expect(unescapeField(String.raw`a\xffb`)).toBe('a\uFFFDb');
    // A backslash that escapes nothing known stays.
    expect(unescapeField(String.raw`a\qb\x4`)).toBe(String.raw`a\qb\x4`);
  });

  it('reads a common line (no referrer, no user agent) with an empty user agent', () => {
    const r = parseCombined('192.0.2.1 - - [04/Mar/2024:10:00:00 +0000] "GET / HTTP/1.0" 200 -');
    expect(r).toEqual({ ip: '192.0.2.1', user: '-', time: T0, userAgent: '' });
  });

  it('rejects lines that are not combined', () => {
    const bad = [
      'xxxxxxxxxxxx',
      '',
      // unterminated user agent (elastic apache_logs line 8899 has one)
      '46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /x HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1',
      // bad month, bad hour, impossible date
      '192.0.2.1 - - [04/Foo/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
      '192.0.2.1 - - [04/Mar/2024:24:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
      '192.0.2.1 - - [31/Feb/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
      // a bare quote inside the request
      '192.0.2.1 - - [04/Mar/2024:10:00:00 +0000] "GET /a"b HTTP/1.1" 200 1 "-" "x"'
    ];
    for (const line of bad) expect(parseCombined(line), line).toBeNull();
  });
});

describe('parseLog', () => {
  it('counts lines, blanks and malformed lines with their numbers', () => {
    const text = [
      '192.0.2.1 - - [04/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
      '',
      'junk',
      '192.0.2.1 - - [04/Mar/2024:10:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "x"\r',
      '   ',
      '192.0.2.1 - - [04/Mar/2024:10:00:02 +0000] "GET / HTTP/1.1" 200 1 "-" "x"' // unterminated
    ].join('\n');
    const p = parseLog(text);
    expect(p.lines).toBe(6);
    expect(p.blank).toBe(2);
    expect(p.requests.length).toBe(3);
    expect(p.malformed).toEqual([{ line: 3, text: 'junk' }]);
    expect(parseLog(text + '\n').lines).toBe(6);
  });
});

describe('sessionize', () => {
  it('keeps a gap equal to the timeout in the session and splits on a greater one', () => {
    const s = sessionize([
      req('a', T0),
      req('a', T0 + 30 * MIN), // equal: same session
      req('a', T0 + 60 * MIN + 1) // 30 min + 1 ms: new session
    ]);
    expect(s.map((x) => [x.start, x.end, x.requests])).toEqual([
      [T0, T0 + 30 * MIN, 2],
      [T0 + 60 * MIN + 1, T0 + 60 * MIN + 1, 1]
    ]);
  });

  it('honours another timeout', () => {
    const rs = [req('a', T0), req('a', T0 + 5 * MIN), req('a', T0 + 11 * MIN)];
    expect(sessionize(rs, 5 * MIN).map((x) => x.requests)).toEqual([2, 1]);
    expect(sessionize(rs).map((x) => x.requests)).toEqual([3]);
  });

  it('gives the same sessions whatever the input order', () => {
    const rs: RefRequest[] = [];
    for (let i = 0; i < 40; i++) rs.push(req(i % 3 === 0 ? 'b' : 'a', T0 + i * 7 * MIN, i % 2 ? 'UA1' : 'UA2'));
    const sorted = sessionize(rs);
    const reversed = sessionize([...rs].reverse());
    const shuffled = sessionize([...rs].sort((x, y) => ((x.time * 7919) % 13) - ((y.time * 7919) % 13)));
    expect(reversed).toEqual(sorted);
    expect(shuffled).toEqual(sorted);
  });

  it('keys on ip and user agent, and sorts sessions by start, ip, user agent', () => {
    const s = sessionize([req('10.0.0.2', T0, 'B'), req('10.0.0.1', T0, 'B'), req('10.0.0.1', T0, 'A'), req('10.0.0.1', T0 - 1, 'Z')]);
    expect(s.map((x) => `${x.ip}/${x.userAgent}`)).toEqual(['10.0.0.1/Z', '10.0.0.1/A', '10.0.0.1/B', '10.0.0.2/B']);
  });

  it('takes the first remote user that is not `-`, else null', () => {
    const s = sessionize([
      req('a', T0 + 2000, 'UA', 'bob'),
      req('a', T0, 'UA', '-'),
      req('a', T0 + 1000, 'UA', 'alice'),
      req('b', T0, 'UA', '-')
    ]);
    expect(s.map((x) => [x.ip, x.user])).toEqual([
      ['a', 'alice'],
      ['b', null]
    ]);
  });
});
