import { describe, expect, it } from 'vitest';
import { makeColumns } from '../../test-data/factories/sessions';
import { sessionAt } from './sessions';
import { concatSessions, compactTables, dayOf, DAY_MS, pickSessions, splitByEndDay } from './session-rows';
import type { SessionColumns } from './types';

const rowsOf = (c: SessionColumns) => Array.from({ length: c.count }, (_, i) => sessionAt(c, i));

/** Sessions over several days, with sets and tables that differ row by row. */
function varied(): SessionColumns {
  const cols = makeColumns(6);
  cols.ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
  cols.endpoints = ['GET /', 'GET /a', 'POST /b'];
  cols.hosts = ['h1', 'h2'];
  cols.ipSet = Uint32Array.from([0, 1, 1, 2, 0, 2, 1, 0]);
  cols.ipSetStart = Uint32Array.from([0, 2, 3, 4, 5, 6, 8]);
  cols.endpointSet = Uint32Array.from([0, 2, 1, 1, 0, 2, 1]);
  cols.endpointSetStart = Uint32Array.from([0, 1, 2, 3, 4, 6, 7]);
  cols.hostSet = Uint32Array.from([1, 0]);
  cols.hostSetStart = Uint32Array.from([0, 1, 1, 1, 1, 2, 2]);
  cols.idPathSet = Uint32Array.from([7, 8, 9]);
  cols.idPathSetStart = Uint32Array.from([0, 0, 2, 2, 3, 3, 3]);
  for (let i = 0; i < 6; i++) {
    cols.start[i] = Date.UTC(2024, 0, 1) + i * 0.6 * DAY_MS;
    cols.end[i] = cols.start[i] + 3_600_000;
    cols.ip[i] = [0, 1, 1, 2, 0, 1][i];
    cols.firstEndpoint[i] = [0, 2, 1, 1, 0, 1][i];
    cols.lastEndpoint[i] = cols.firstEndpoint[i];
    cols.attacks[i * 7 + (i % 7)] = i + 1;
    cols.status[i * 6 + 3] = i;
  }
  return cols;
}

describe('session rows', () => {
  it('picks rows with their sets, figures and strings', () => {
    const cols = varied();
    const picked = pickSessions(cols, [4, 1, 5]);
    expect(rowsOf(picked)).toEqual([4, 1, 5].map((i) => sessionAt(cols, i)));
    expect(Array.from(picked.ipSet)).toEqual([2, 1, 1, 0]);
    expect(Array.from(picked.idPathSet)).toEqual([7, 8]);
  });

  it('splits by the day of the last request and puts the days back together as they were', () => {
    const cols = varied();
    const days = splitByEndDay(cols);
    expect(days.map((d) => d.day)).toEqual([...new Set(Array.from(cols.end, dayOf))]);
    for (const d of days) for (let i = 0; i < d.sessions.count; i++) expect(dayOf(d.sessions.end[i])).toBe(d.day);
    // each day's tables hold only what its rows use
    for (const d of days) expect(d.sessions.ips.length).toBeLessThanOrEqual(3);
    const back = concatSessions(days.map((d) => d.sessions));
    expect(rowsOf(back)).toEqual(rowsOf(cols));
    expect(back.endpointSetStart[back.count]).toBe(cols.endpointSet.length);
  });

  it('compacts string tables without changing any row', () => {
    const cols = varied();
    cols.userAgents.push('unused agent');
    cols.endpoints.push('GET /unused');
    const c = compactTables(cols);
    expect(c.userAgents).not.toContain('unused agent');
    expect(c.endpoints).not.toContain('GET /unused');
    expect(rowsOf(c)).toEqual(rowsOf(cols));
  });
});
