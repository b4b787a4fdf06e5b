import { describe, expect, it } from 'vitest';
import type { ParsedRequest } from './core/types';
import { isSecretField, previewColumns, previewMs, previewTime } from './preview-columns';

function req(over: Partial<ParsedRequest> = {}): ParsedRequest {
  return {
    attacks: [],
    file: 'a.log',
    line: 1,
    time: '2024-01-31T23:59:59.000Z',
    ip: '192.0.2.1',
    user: null,
    method: 'GET',
    path: '/a',
    query: null,
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 10,
    durationMs: null,
    userAgent: 'curl/8',
    referer: null,
    host: null,
    cookie: null,
    xff: null,
    fields: {},
    ...over
  };
}

const labels = (rows: ParsedRequest[], max?: number) => previewColumns(rows, max).columns.map((c) => c.label);
const BASE = ['Line', 'Time (UTC)', 'IP', 'Method', 'Path', 'Query', 'Status', 'Bytes', 'Duration ms', 'User agent'];

describe('previewColumns', () => {
  it('shows the common fields, as text, with a dash for what is missing', () => {
    const { columns, hiddenFields } = previewColumns([req({ line: 7, query: 'q=1', bytes: null, durationMs: 1.23456 })]);
    expect(columns.map((c) => c.label)).toEqual(BASE);
    expect(hiddenFields).toBe(0);
    const row = req({ line: 7, query: 'q=1', bytes: null, durationMs: 1.23456 });
    expect(columns.map((c) => c.value(row))).toEqual(['7', '2024-01-31 23:59:59', '192.0.2.1', 'GET', '/a', 'q=1', '200', '—', '1.235', 'curl/8']);
  });

  it('adds host, user and referrer only when a row has them', () => {
    const withHost = [...BASE];
    withHost.splice(3, 0, 'Host');
    expect(labels([req(), req({ host: 'example.com' })])).toEqual(withHost);
    const withUser = [...BASE, 'Referrer'];
    withUser.splice(3, 0, 'User');
    expect(labels([req({ user: 'bob', referer: 'https://x/' })])).toEqual(withUser);
  });

  it('puts optional columns by their kin and named fields last', () => {
    const all = labels([req({ user: 'u', host: 'h', referer: 'r', fields: { 'field:x': '1' } })]);
    expect(all).toEqual(['Line', 'Time (UTC)', 'IP', 'User', 'Host', 'Method', 'Path', 'Query', 'Status', 'Bytes', 'Duration ms', 'User agent', 'Referrer', 'field:x']);
  });

  it('adds named fields up to the cap and counts the rest', () => {
    const fields = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`field:f${i}`, String(i)]));
    const { columns, hiddenFields } = previewColumns([req({ fields }), req({ fields: { 'field:late': 'x' } })], 4);
    expect(columns.slice(BASE.length).map((c) => c.label)).toEqual(['field:f0', 'field:f1', 'field:f2', 'field:f3']);
    expect(hiddenFields).toBe(2);
    expect(columns.at(-1)!.value(req())).toBe('—');
  });

  it('never shows a cookie or a credential header in clear', () => {
    const fields = { 'cookie:sid': 'abc123', 'header:authorization': 'Bearer xyz', 'header:x-request-id': 'r-1' };
    const { columns } = previewColumns([req({ fields })]);
    const values = columns.slice(BASE.length).map((c) => c.value(req({ fields })));
    expect(values).toEqual(['hidden (6 characters)', 'hidden (10 characters)', 'r-1']);
    expect(isSecretField('header:x-api-key')).toBe(true);
    expect(isSecretField('field:upstream_status')).toBe(false);
  });
});

describe('preview values', () => {
  it('shows times in UTC, with milliseconds when there are any', () => {
    expect(previewTime('2023-12-23T23:17:54.815Z')).toBe('2023-12-23 23:17:54.815');
    expect(previewTime('2023-12-23T23:17:54.000Z')).toBe('2023-12-23 23:17:54');
    expect(previewTime(null)).toBe('—');
  });

  it('rounds durations to microseconds', () => {
    expect(previewMs(242.57)).toBe('242.57');
    expect(previewMs(0.0004)).toBe('0');
    expect(previewMs(null)).toBe('—');
  });
});
