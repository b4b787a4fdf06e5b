import { describe, expect, it } from 'vitest';
import { wildcard } from './filters';
import { cleanEndpointQuery, endpointQueryFromParams, endpointViewQuery, nextEndpointSort, setEndpointParams } from './endpoint-query';

describe('the endpoints view query', () => {
  it('drops empty and odd conditions and the default sort', () => {
    expect(cleanEndpointQuery({ search: ' ', method: 'get', status: '9xx', attacked: false, minRequests: 1, sort: '-requests' })).toEqual({ method: 'GET' });
    expect(cleanEndpointQuery({ sort: 'nope' as never, minRequests: 2.2, status: '4XX' })).toEqual({ status: '4xx', minRequests: 3 });
  });

  it('goes into the URL under its own names and back, leaving the others alone', () => {
    const q = new URLSearchParams('tab=endpoints&attack=sqli&store=none');
    const query = { search: '/api/*/orders', method: 'POST', status: '5xx', attacked: true, minRequests: 10, sort: 'p99' as const };
    setEndpointParams(q, query);
    expect(q.toString()).toBe('tab=endpoints&attack=sqli&store=none&ep=%2Fapi%2F*%2Forders&ep-method=POST&ep-status=5xx&ep-attacked=1&ep-min=10&ep-sort=p99');
    expect(endpointQueryFromParams(q)).toEqual(query);
    setEndpointParams(q, {});
    expect(q.toString()).toBe('tab=endpoints&attack=sqli&store=none');
  });

  it('links to exactly one endpoint', () => {
    const link = endpointViewQuery('GET /api/users/{int}');
    const q = new URLSearchParams(link);
    expect(q.get('tab')).toBe('endpoints');
    const parsed = endpointQueryFromParams(q);
    expect(parsed.method).toBe('GET');
    const re = wildcard(parsed.search!)!;
    expect(re.test('/api/users/{int}')).toBe(true);
    expect(re.test('/api/users/{int}/orders')).toBe(false);
    expect(re.test('/v2/api/users/{int}')).toBe(false);
    expect(re.test('/API/users/{int}')).toBe(false);
  });

  it('sorts a column its first way, then the other', () => {
    expect(nextEndpointSort('-requests', 'p99')).toBe('-p99');
    expect(nextEndpointSort('-p99', 'p99')).toBe('p99');
    expect(nextEndpointSort('p99', 'p99')).toBe('-p99');
    expect(nextEndpointSort('-requests', 'endpoint')).toBe('endpoint');
  });
});
