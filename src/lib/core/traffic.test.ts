import { describe, expect, it } from 'vitest';
import { makeRequests } from '../../test-data/factories/requests';
import { MINUTES, addTraffic, statusClass, sumTraffic, type DayTraffic } from './traffic';

const DAY = Date.UTC(2024, 0, 1);
const at = (t: DayTraffic, minute: number, cls: number) => t[minute * 6 + cls];

describe('requests per minute by status class', () => {
  it('counts each request in its day, minute and class', () => {
    const into = new Map<number, DayTraffic>();
    addTraffic(
      into,
      makeRequests([
        { time: DAY + 5_000, status: 200 },
        { time: DAY + 59_999, status: 404 },
        { time: DAY + 60_000, status: 503 },
        { time: DAY + 86_400_000 - 1, status: 0 },
        { time: DAY + 86_400_000 + 120_000, status: 302 }
      ])
    );
    const d = DAY / 86_400_000;
    expect([...into.keys()]).toEqual([d, d + 1]);
    const t = into.get(d)!;
    expect([at(t, 0, 1), at(t, 0, 3), at(t, 1, 4), at(t, MINUTES - 1, 5)]).toEqual([1, 1, 1, 1]);
    expect(t.reduce((a, b) => a + b, 0)).toBe(4);
    expect(at(into.get(d + 1)!, 2, 2)).toBe(1);
  });

  it('adds across blocks and sums days', () => {
    const into = new Map<number, DayTraffic>();
    addTraffic(into, makeRequests([{ time: DAY, status: 200 }]));
    addTraffic(into, makeRequests([{ time: DAY + 1, status: 200 }]));
    const t = into.get(DAY / 86_400_000)!;
    expect(at(t, 0, 1)).toBe(2);
    expect(at(sumTraffic(t, t), 0, 1)).toBe(4);
    expect(at(sumTraffic(undefined, t), 0, 1)).toBe(2);
    expect(at(t, 0, 1)).toBe(2); // not changed in place
  });

  it('classes codes outside 100..599 as other', () => {
    expect([statusClass(101), statusClass(299), statusClass(599), statusClass(0), statusClass(600)]).toEqual([0, 1, 4, 5, 5]);
  });
});
