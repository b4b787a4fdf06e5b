import { describe, expect, it } from 'vitest';
import { makeColumns } from '../../test-data/factories/sessions';
import { computeOrders, ipRanks } from './orders';

describe('session orders', () => {
  it('orders by start, end and IP ascending, by requests and risk descending, ties by start', () => {
    const cols = makeColumns(5);
    cols.start.set([50, 10, 30, 10, 20]);
    cols.end.set([60, 100, 35, 11, 90]);
    cols.requests.set([3, 1, 3, 9, 1]);
    cols.risk.set([0, 40, 40, 5, 90]);
    cols.ips = ['10.0.0.10', '10.0.0.9', '2001:db8::1'];
    cols.ip.set([0, 1, 2, 1, 0]);
    cols.id = ['e', 'b', 'd', 'a', 'c'];
    const o = computeOrders(cols);
    expect(Array.from(o.byStart)).toEqual([3, 1, 4, 2, 0]);
    expect(Array.from(o.byEnd)).toEqual([3, 2, 0, 4, 1]);
    expect(Array.from(o.byRequests)).toEqual([3, 2, 0, 1, 4]);
    expect(Array.from(o.byIp)).toEqual([3, 1, 4, 0, 2]);
    expect(Array.from(o.byRisk)).toEqual([4, 1, 2, 3, 0]);
  });

  it('ranks addresses as numbers: IPv4 by octets, then IPv6 by groups, then anything else', () => {
    const ips = ['10.0.0.10', '9.255.0.1', '::1', '2001:db8::2', 'unknown', '10.0.0.9', '2001:db8:0:0:0:0:0:1'];
    const rank = ipRanks(ips);
    const sorted = [...ips].sort((a, b) => rank[ips.indexOf(a)] - rank[ips.indexOf(b)]);
    expect(sorted).toEqual(['9.255.0.1', '10.0.0.9', '10.0.0.10', '::1', '2001:db8:0:0:0:0:0:1', '2001:db8::2', 'unknown']);
  });

  it('reads IPv4 as four groups of 1–3 digits (leading zeros as numbers; anything else is not IPv4)', () => {
    const ips = ['1.2.3.4.5', '010.0.0.1', '999.0.0.0', '9.0.0.1', '1..2.3', '1234.1.1.1', ' 1.2.3.4', '10.0.0.1'];
    const rank = ipRanks(ips);
    const sorted = [...ips].sort((a, b) => rank[ips.indexOf(a)] - rank[ips.indexOf(b)]);
    // equal addresses keep their order
    expect(sorted).toEqual(['9.0.0.1', '010.0.0.1', '10.0.0.1', '999.0.0.0', ' 1.2.3.4', '1..2.3', '1.2.3.4.5', '1234.1.1.1']);
  });
});
