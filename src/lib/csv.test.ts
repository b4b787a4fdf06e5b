import { describe, expect, it } from 'vitest';
import type { RequestRow } from '../worker/api';
import { csvCell, parseCsv, requestsCsv, REQUEST_COLUMNS } from './csv';

const row = (over: Partial<RequestRow>): RequestRow => ({
  time: Date.UTC(2024, 0, 1, 12),
  method: 'GET',
  endpoint: 'GET /a',
  target: '/a',
  status: 200,
  bytes: 10,
  durationMs: null,
  ip: '192.0.2.1',
  userAgent: 'curl/8',
  referrer: '',
  host: null,
  user: null,
  attacks: [],
  file: 'access.log',
  line: 1,
  context: [],
  ...over
});

describe('CSV export', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    for (const bad of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      const cell = csvCell(bad);
      const back = parseCsv(cell + '\r\n')[0][0];
      expect(back.startsWith("'"), JSON.stringify(bad)).toBe(true);
      expect(back.slice(1)).toBe(bad);
    }
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('/search?q=1')).toBe('/search?q=1');
  });

  it('quotes commas, quotes and line breaks, and reads back every cell as written', () => {
    const hostile = row({
      target: '/x?a=1,b="2"',
      userAgent: 'Mozilla/5.0 <script>alert(1)</script>\r\nX-Injected: 1',
      referrer: '=cmd|" /C calc"!A0',
      attacks: ['xss', 'sqli'],
      user: '@admin'
    });
    const text = requestsCsv([row({}), hostile]);
    const cells = parseCsv(text);
    expect(cells[0]).toEqual(REQUEST_COLUMNS);
    expect(cells).toHaveLength(3);
    expect(cells[2][REQUEST_COLUMNS.indexOf('target')]).toBe('/x?a=1,b="2"');
    expect(cells[2][REQUEST_COLUMNS.indexOf('user_agent')]).toBe('Mozilla/5.0 <script>alert(1)</script>\r\nX-Injected: 1');
    expect(cells[2][REQUEST_COLUMNS.indexOf('referrer')]).toBe(`'=cmd|" /C calc"!A0`);
    expect(cells[2][REQUEST_COLUMNS.indexOf('user')]).toBe("'@admin");
    expect(cells[2][REQUEST_COLUMNS.indexOf('attacks')]).toBe('xss sqli');
    expect(cells[1][REQUEST_COLUMNS.indexOf('time')]).toBe('2024-01-01T12:00:00.000Z');
  });

  it('adds a column per context parameter, headed by its label, neutralised like the rest', () => {
    const context = [
      { field: 'header:x-tenant', label: 'Tenant', hashed: false },
      { field: 'cookie:role', label: '=Role', hashed: true }
    ];
    const text = requestsCsv([row({ context: ['=1+1', '0123456789abcdef'] }), row({ context: [null, null] }), row({})], context);
    const cells = parseCsv(text);
    expect(cells[0]).toEqual([...REQUEST_COLUMNS, 'Tenant', "'=Role"]);
    expect(cells[1].slice(-2)).toEqual(["'=1+1", '0123456789abcdef']);
    expect(cells[2].slice(-2)).toEqual(['', '']);
    // a row read before the parameters existed (no context): empty cells, not a shifted line
    expect(cells[3]).toHaveLength(REQUEST_COLUMNS.length + 2);
  });
});
