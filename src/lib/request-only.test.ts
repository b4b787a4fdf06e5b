import { describe, expect, it } from 'vitest';
import { cleanOnly, isPreset, onlyFilter, onlyLabel, onlyOf, onlySlug } from './request-only';

describe('show only', () => {
  it('reads presets and picked values, and refuses anything else', () => {
    expect(cleanOnly('4xx')).toBe('4xx');
    expect(cleanOnly('attacks')).toBe('attacks');
    expect(cleanOnly('all')).toBeUndefined();
    expect(cleanOnly('ip:203.0.113.9')).toBe('ip:203.0.113.9');
    expect(cleanOnly('endpoint:GET /a:b/{int}')).toBe('endpoint:GET /a:b/{int}');
    expect(cleanOnly('status:abc')).toBeUndefined();
    expect(cleanOnly('owner:bob')).toBeUndefined();
    expect(cleanOnly('ip:')).toBeUndefined();
    expect(cleanOnly(null)).toBeUndefined();
  });

  it('gives the worker filter of each', () => {
    expect(onlyFilter(undefined)).toEqual({});
    expect(onlyFilter('4xx')).toEqual({ statusClass: '4xx' });
    expect(onlyFilter('auth')).toEqual({ statuses: [401, 403] });
    expect(onlyFilter(onlyOf('status', '404'))).toEqual({ statuses: [404] });
    expect(onlyFilter(onlyOf('ip', '::1'))).toEqual({ ip: '::1' });
    expect(onlyFilter(onlyOf('method', 'POST'))).toEqual({ method: 'POST' });
    expect(onlyFilter(onlyOf('endpoint', 'GET /x:y'))).toEqual({ endpoint: 'GET /x:y' });
    expect(onlyFilter(onlyOf('attack', 'sqli'))).toEqual({ attack: 'sqli' });
    expect(onlyFilter('nonsense')).toEqual({});
  });

  it('names it and makes a safe file-name part', () => {
    expect(onlyLabel('ip:1.2.3.4')).toBe('IP 1.2.3.4');
    expect(onlyLabel('auth')).toBe('401 and 403');
    expect(isPreset('5xx')).toBe(true);
    expect(isPreset('method:GET')).toBe(false);
    expect(onlySlug('endpoint:GET /../etc/passwd?x=<script>')).toBe('endpoint-GET-..-etc-passwd-x-script');
    expect(onlySlug(undefined)).toBe('');
  });
});

describe('only, in privacy mode', () => {
  it('shows and names files with the masked address', () => {
    expect(onlyLabel('ip:203.0.113.9', true)).toBe('IP 203.0.x.x');
    expect(onlyLabel('ip:203.0.113.9')).toBe('IP 203.0.113.9');
    expect(onlySlug('ip:203.0.113.9', true)).toBe('ip-203.0.x.x');
  });
});
