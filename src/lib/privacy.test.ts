import { afterEach, describe, expect, it, vi } from 'vitest';
import { displayIp, savePrivacy, savedPrivacy } from './privacy';

describe('displayIp', () => {
  it('shows addresses as they are when privacy mode is off', () => {
    expect(displayIp('203.0.113.7', false)).toBe('203.0.113.7');
    expect(displayIp(null, false)).toBe('');
  });

  it('keeps the first two octets of IPv4', () => {
    expect(displayIp('203.0.113.7', true)).toBe('203.0.x.x');
    expect(displayIp('10.1.2.3:8080', true)).toBe('10.1.x.x');
    expect(displayIp('::ffff:192.168.1.20', true)).toBe('::ffff:192.168.x.x');
  });

  it('keeps the /32 of IPv6', () => {
    expect(displayIp('2001:db8:85a3::8a2e:370:7334', true)).toBe('2001:db8:x:x:x:x:x:x');
    expect(displayIp('2001:0db8:0000:0000:0000:0000:0000:0001', true)).toBe('2001:db8:x:x:x:x:x:x');
    expect(displayIp('::1', true)).toBe('0:0:x:x:x:x:x:x');
    expect(displayIp('[2600:1700::1]:443', true)).toBe('2600:1700:x:x:x:x:x:x');
    expect(displayIp('fe80::1%eth0', true)).toBe('fe80:0:x:x:x:x:x:x');
  });

  it('masks whole what is not an address', () => {
    expect(displayIp('client.example.com', true)).toBe('(masked)');
    expect(displayIp('1:2:3', true)).toBe('(masked)');
    expect(displayIp('<script>', true)).toBe('(masked)');
    expect(displayIp('', true)).toBe('');
  });
});

describe('saved privacy mode', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is kept in localStorage, and off when storage is refused', () => {
    const store = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => store.set(k, v), removeItem: (k: string) => store.delete(k) });
    expect(savedPrivacy()).toBe(false);
    savePrivacy(true);
    expect(savedPrivacy()).toBe(true);
    savePrivacy(false);
    expect(savedPrivacy()).toBe(false);
    vi.stubGlobal('localStorage', { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } });
    expect(savedPrivacy()).toBe(false);
    expect(() => savePrivacy(true)).not.toThrow();
  });
});
