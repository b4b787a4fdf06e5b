import { describe, expect, it } from 'vitest';
import { ipBytes, ipMatcher, ipv4Int } from './filters';

describe('IP filter', () => {
  it('reads dotted quads as integers and nothing else', () => {
    expect(ipv4Int('0.0.0.0')).toBe(0);
    expect(ipv4Int('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4Int('10.1.2.3')).toBe((10 << 24) + (1 << 16) + (2 << 8) + 3);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', '.1.2.3', '1.2.3.4 ', 'a.b.c.d', '1234.1.1.1', '::1']) expect(ipv4Int(bad), bad).toBe(-1);
  });

  it('an IPv4 block matches as the byte-wise comparison does, on random addresses and masks', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 255;
    for (let n = 0; n < 2000; n++) {
      const net = [rnd(), rnd(), rnd(), rnd()];
      const bits = rnd() % 33;
      const ip = [...net];
      // often inside the block, sometimes a bit flipped somewhere
      if (rnd() < 128) ip[rnd() % 4] ^= 1 << rnd() % 8;
      const match = ipMatcher(`${net.join('.')}/${bits}`)!;
      const a = ipBytes(ip.join('.'))!;
      const b = Uint8Array.from(net);
      let want = true;
      for (let k = 0; k < bits; k++) if (((a[k >> 3] >> (7 - (k & 7))) & 1) !== ((b[k >> 3] >> (7 - (k & 7))) & 1)) want = false;
      expect(match(ip.join('.')), `${ip.join('.')} in ${net.join('.')}/${bits}`).toBe(want);
    }
  });

  it('IPv4-mapped IPv6 addresses are their IPv4 one; IPv4 never matches an IPv6 block', () => {
    expect(ipMatcher('198.51.100.0/24')!('::ffff:198.51.100.7')).toBe(true);
    expect(ipMatcher('2001:db8::/32')!('10.0.0.1')).toBe(false);
    expect(ipMatcher('2001:db8::/32')!('2001:db8:1::5')).toBe(true);
    expect(ipMatcher('10.1.')!('10.1.9.9')).toBe(true); // the start of an address
  });
});
