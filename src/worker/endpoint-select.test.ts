import { describe, expect, it } from 'vitest';
import { ATTACK_TYPES, STATUS_CLASSES, type EndpointStats } from '../lib/core/types';
import { ENDPOINT_SORT_KEYS } from '../lib/endpoint-query';
import { endpointOrder, selectEndpoints } from './endpoint-select';

function ep(endpoint: string, over: Partial<EndpointStats> = {}): EndpointStats {
  const [method, path] = endpoint.split(' ');
  return {
    endpoint,
    method,
    path,
    requests: 1,
    sessions: 1,
    status: Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0])) as EndpointStats['status'],
    bytes: 0,
    p50: null,
    p95: null,
    p99: null,
    firstSeen: '2024-01-01T00:00:00.000Z',
    lastSeen: '2024-01-01T00:00:00.000Z',
    sketch: {},
    attacks: Object.fromEntries(ATTACK_TYPES.map((t) => [t, 0])) as EndpointStats['attacks'],
    risk: 0,
    ...over
  };
}

const LIST = [
  ep('GET /api/users/{int}', { requests: 50, sessions: 9, p99: 120, status: { '1xx': 0, '2xx': 45, '3xx': 0, '4xx': 5, '5xx': 0, other: 0 }, lastSeen: '2024-01-03T00:00:00.000Z' }),
  ep('POST /api/users/{int}/orders', { requests: 7, sessions: 3, p99: 900, status: { '1xx': 0, '2xx': 2, '3xx': 0, '4xx': 0, '5xx': 5, other: 0 }, bytes: 9000 }),
  ep('GET /.env', { requests: 3, sessions: 3, attacks: { ...ep('x y').attacks, scanner: 3 }, risk: 80, status: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 3, '5xx': 0, other: 0 } }),
  ep('GET /', { requests: 50, sessions: 40, firstSeen: '2023-12-31T00:00:00.000Z' })
];
const names = (idx: Uint32Array) => Array.from(idx, (i) => LIST[i].endpoint);

describe('selectEndpoints', () => {
  it('lists by requests, most first, ties by endpoint', () => {
    expect(names(selectEndpoints(LIST))).toEqual(['GET /', 'GET /api/users/{int}', 'POST /api/users/{int}/orders', 'GET /.env']);
  });

  it('sorts on every column both ways, rows without a value last', () => {
    for (const key of ENDPOINT_SORT_KEYS) {
      const up = names(endpointOrder(LIST, key));
      const down = names(endpointOrder(LIST, `-${key}`));
      expect(up.length, key).toBe(4);
      expect(new Set(up).size, key).toBe(4);
      if (key === 'p50' || key === 'p95') continue; // all without a value: endpoint order both ways
      expect(up, key).not.toEqual(down);
    }
    expect(names(endpointOrder(LIST, 'p99'))).toEqual(['GET /api/users/{int}', 'POST /api/users/{int}/orders', 'GET /', 'GET /.env']);
    expect(names(endpointOrder(LIST, '-p99'))).toEqual(['POST /api/users/{int}/orders', 'GET /api/users/{int}', 'GET /', 'GET /.env']);
    expect(names(endpointOrder(LIST, '-errors'))[0]).toBe('GET /.env');
    expect(names(endpointOrder(LIST, 'first'))[0]).toBe('GET /');
    expect(names(endpointOrder(LIST, '-last'))[0]).toBe('GET /api/users/{int}');
  });

  it('filters by wildcard text, a whole path, method, status class, attacks and requests', () => {
    expect(names(selectEndpoints(LIST, { search: '/api/*/orders' }))).toEqual(['POST /api/users/{int}/orders']);
    expect(names(selectEndpoints(LIST, { search: 'users' }))).toEqual(['GET /api/users/{int}', 'POST /api/users/{int}/orders']);
    expect(names(selectEndpoints(LIST, { search: '"/api/users/{int}"' }))).toEqual(['GET /api/users/{int}']);
    expect(names(selectEndpoints(LIST, { search: 'GET /api' }))).toEqual(['GET /api/users/{int}']);
    expect(names(selectEndpoints(LIST, { method: 'post' }))).toEqual(['POST /api/users/{int}/orders']);
    expect(names(selectEndpoints(LIST, { status: '4xx' }))).toEqual(['GET /api/users/{int}', 'GET /.env']);
    expect(names(selectEndpoints(LIST, { attacked: true }))).toEqual(['GET /.env']);
    expect(names(selectEndpoints(LIST, { minRequests: 8 }))).toEqual(['GET /', 'GET /api/users/{int}']);
    expect(names(selectEndpoints(LIST, { method: 'GET', status: '4xx', sort: 'endpoint' }))).toEqual(['GET /.env', 'GET /api/users/{int}']);
  });

  it('sorts once per list and direction', () => {
    expect(endpointOrder(LIST, 'bytes')).toBe(endpointOrder(LIST, 'bytes'));
    expect(endpointOrder([...LIST], 'bytes')).not.toBe(endpointOrder(LIST, 'bytes'));
  });
});
