import { describe, expect, it } from 'vitest';
import { parseKeys, type GroupingKey } from '../lib/core/keys';
import { hashText, ipKey, ipUaKey, toHex, valueKey } from '../lib/core/key-hash';
import { KEY_KINDS } from '../lib/core/types';
import { regroupKeys } from './regroup-keys';

const keys = (s: string) => parseKeys(s) as GroupingKey[];
const SALT = 0x0123456789abcdefn;
const unknown = (from: string, to: string) => {
  const r = regroupKeys(keys(from), keys(to), SALT);
  return r.ok ? [] : r.unknown;
};
const kind = (k: string) => KEY_KINDS.indexOf(k as never);

describe('which new keys the stored requests can be grouped by', () => {
  it('any order of ip, ip+ua and user: always', () => {
    expect(unknown('ip+ua', 'ip')).toEqual([]);
    expect(unknown('ip', 'user,ip+ua')).toEqual([]);
  });

  it('a cookie, header, JWT or query key not among the old keys: never', () => {
    expect(unknown('ip+ua', 'cookie:sid,ip+ua')).toEqual(['cookie:sid']);
    expect(unknown('ip+ua', 'header:x-api-key,jwt:sub,query:token,ip')).toEqual(['header:x-api-key', 'jwt:sub', 'query:token']);
  });

  it('an old key after one that may have decided first: its values are unknown there', () => {
    expect(unknown('user,cookie:sid,ip+ua', 'cookie:sid,ip+ua')).toEqual(['cookie:sid']);
    expect(unknown('user,cookie:sid,ip+ua', 'user,cookie:sid,ip')).toEqual([]);
    expect(unknown('ip+ua,cookie:sid', 'cookie:sid,ip+ua')).toEqual(['cookie:sid']);
  });

  it('keys after ip+ua are never reached, so never unknown', () => {
    expect(unknown('ip+ua', 'ip+ua,cookie:sid')).toEqual([]);
  });

  it('two old keys of one kind: which decided a request is not known', () => {
    expect(unknown('cookie:a,cookie:b,ip+ua', 'cookie:b,cookie:a,ip+ua')).toEqual(['cookie:b', 'cookie:a']);
    expect(unknown('cookie:a,cookie:b,ip+ua', 'ip')).toEqual([]);
  });
});

describe('the key a stored request gets', () => {
  const req = (over: Partial<Parameters<Extract<ReturnType<typeof regroupKeys>, { ok: true }>['keyOf']>[0]>) => ({
    keyKind: kind('ip+ua'),
    keyHash: '00000000000000aa',
    ip: '203.0.113.7',
    userAgent: 'curl/8.0',
    user: '',
    ...over
  });
  const keyOf = (from: string, to: string) => {
    const r = regroupKeys(keys(from), keys(to), SALT);
    if (!r.ok) throw new Error('expected possible');
    return r.keyOf;
  };
  const hIp = hashText('203.0.113.7', SALT);

  it('ip and user from their text, ip+ua kept as stored where it decided', () => {
    expect(keyOf('ip+ua', 'ip')(req({}))).toEqual({ kind: kind('ip'), hash: toHex(ipKey(hIp)), approximate: false });
    expect(keyOf('ip+ua', 'user,ip+ua')(req({ user: 'bob' }))).toEqual({ kind: kind('user'), hash: toHex(valueKey(hashText('bob', SALT), 0)), approximate: false });
    expect(keyOf('ip', 'user,ip+ua')(req({ keyKind: kind('ip') }))).toEqual({ kind: kind('ip+ua'), hash: toHex(ipUaKey(hIp, hashText('curl/8.0', SALT))), approximate: false });
    expect(keyOf('ip+ua', 'user,ip+ua')(req({}))).toEqual({ kind: kind('ip+ua'), hash: '00000000000000aa', approximate: false });
  });

  it('a cookie that decided keeps its hash at its place, moved with it; absent where a later key decided', () => {
    const cookie = toHex(valueKey(0x42n, 0));
    const of = keyOf('cookie:sid,ip+ua', 'user,cookie:sid,ip');
    expect(of(req({ keyKind: kind('cookie'), keyHash: cookie }))).toEqual({ kind: kind('cookie'), hash: toHex(valueKey(0x42n, 1)), approximate: false });
    expect(of(req({}))).toEqual({ kind: kind('ip'), hash: toHex(ipKey(hIp)), approximate: false });
  });

  it('escaped text is flagged approximate', () => {
    expect(keyOf('ip', 'ip+ua')(req({ keyKind: kind('ip'), userAgent: 'X "quoted"' })).approximate).toBe(true);
  });
});
