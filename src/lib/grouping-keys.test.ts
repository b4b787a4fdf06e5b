import { describe, expect, it } from 'vitest';
import { keysToString } from './core/keys';
import { addKey, keyList, makeKey, moveKey, removeKey, unreachableFrom } from './grouping-keys';

const text = (l: ReturnType<typeof keyList>) => keysToString(l);

describe('grouping keys as a list', () => {
  it('reads the stored text, and nothing from text that does not parse', () => {
    expect(text(keyList('cookie:sid, IP+UA'))).toBe('cookie:sid,ip+ua');
    expect(keyList('cookie:')).toEqual([]);
  });

  it('makes keys through parseKeys, with its sentences', () => {
    expect(makeKey('cookie', 'sid')).toEqual({ kind: 'cookie', name: 'sid' });
    expect(makeKey('header', 'X-Api-Key')).toEqual({ kind: 'header', name: 'x-api-key' });
    expect(makeKey('jwt', 'sub', 'cookie:token')).toEqual({ kind: 'jwt', claim: 'sub', from: { kind: 'cookie', name: 'token' } });
    expect(makeKey('ip', 'ignored')).toEqual({ kind: 'ip' });
    expect(makeKey('cookie', '  ')).toBe('give the cookie name');
    expect(makeKey('cookie', 'a b')).toMatch(/bad key/);
    expect(makeKey('jwt', 'sub', 'body:x')).toMatch(/header:NAME or cookie:NAME/);
  });

  it('adds, moves and removes', () => {
    let l = keyList('ip+ua');
    l = addKey(l, makeKey('cookie', 'sid') as never) as never;
    expect(text(l)).toBe('ip+ua,cookie:sid');
    expect(addKey(l, { kind: 'cookie', name: 'sid' })).toBe('cookie:sid is already in the list');
    l = moveKey(l, 1, -1);
    expect(text(l)).toBe('cookie:sid,ip+ua');
    expect(moveKey(l, 0, -1)).toBe(l);
    expect(text(moveKey(l, 0, 1))).toBe('ip+ua,cookie:sid');
    expect(text(removeKey(l, 0))).toBe('ip+ua');
  });

  it('says where keys stop being used', () => {
    expect(unreachableFrom(keyList('cookie:a,ip+ua,ip'))).toBe(2);
    expect(unreachableFrom(keyList('cookie:a,ip'))).toBe(2);
  });
});
