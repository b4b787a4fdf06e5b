import { describe, expect, it } from 'vitest';
import { ATTACK_TYPES, LABELS, type AttackType, type LabelName } from '../lib/core/types';
import { makeColumns } from '../test-data/factories/sessions';
import { ANY_ATTACK, checkFilter, selectSessions } from './select';

/** Six sessions with set attacks, labels and risk: what select reads, nothing else. */
function columns() {
  const cols = makeColumns(6);
  const set = (i: number, attacks: Partial<Record<AttackType, number>>, labels: LabelName[], risk: number) => {
    for (const [k, n] of Object.entries(attacks)) cols.attacks[i * 7 + ATTACK_TYPES.indexOf(k as AttackType)] = n;
    cols.labelBits[i] = labels.reduce((bits, l) => bits | (1 << LABELS.indexOf(l)), 0);
    cols.risk[i] = risk;
  };
  set(0, {}, [], 0);
  set(1, { traversal: 12, scanner: 3 }, ['security-crawler'], 65);
  set(2, {}, ['library-agent'], 5);
  set(3, { sqli: 1 }, ['library-agent'], 40);
  set(4, { traversal: 1 }, [], 30);
  set(5, { jndi: 2, traversal: 4 }, ['security-crawler', 'library-agent'], 100);
  return cols;
}

const rows = (r: Uint32Array | null) => (r ? Array.from(r) : null);

describe('selectSessions', () => {
  it('lets every session through in start order without a filter (null: nothing to pick)', () => {
    const cols = columns();
    expect(selectSessions(cols)).toBeNull();
    expect(selectSessions(cols, {})).toBeNull();
    expect(selectSessions(cols, { attack: '', label: '', minRisk: 0 }, 'start')).toBeNull();
  });

  it('filters by attack type: sessions with at least one request of it', () => {
    const cols = columns();
    expect(rows(selectSessions(cols, { attack: 'traversal' }))).toEqual([1, 4, 5]);
    expect(rows(selectSessions(cols, { attack: 'sqli' }))).toEqual([3]);
    expect(rows(selectSessions(cols, { attack: 'xss' }))).toEqual([]);
    expect(rows(selectSessions(cols, { attack: ANY_ATTACK }))).toEqual([1, 3, 4, 5]);
  });

  it('filters by label, by least risk, and by all conditions at once', () => {
    const cols = columns();
    expect(rows(selectSessions(cols, { label: 'library-agent' }))).toEqual([2, 3, 5]);
    expect(rows(selectSessions(cols, { label: 'security-crawler' }))).toEqual([1, 5]);
    expect(rows(selectSessions(cols, { label: 'brute-force' }))).toEqual([]);
    expect(rows(selectSessions(cols, { minRisk: 40 }))).toEqual([1, 3, 5]);
    expect(rows(selectSessions(cols, { minRisk: 100 }))).toEqual([5]);
    expect(rows(selectSessions(cols, { minRisk: 1 }))).toEqual([1, 2, 3, 4, 5]);
    expect(rows(selectSessions(cols, { attack: 'traversal', label: 'security-crawler', minRisk: 70 }))).toEqual([5]);
    expect(rows(selectSessions(cols, { attack: 'traversal', label: 'library-agent' }))).toEqual([5]);
  });

  it('sorts by risk, highest first, ties by start', () => {
    const cols = columns();
    cols.risk[4] = 65; // ties with session 1, which starts first
    expect(rows(selectSessions(cols, {}, 'risk'))).toEqual([5, 1, 4, 3, 2, 0]);
    expect(rows(selectSessions(cols, { attack: 'traversal' }, 'risk'))).toEqual([5, 1, 4]);
  });

  it('matches nothing for an unknown attack type or label, and reads odd numbers as no condition', () => {
    const cols = columns();
    expect(rows(selectSessions(cols, { attack: 'bogus' }))).toEqual([]);
    expect(rows(selectSessions(cols, { label: 'bogus' }))).toEqual([]);
    expect(selectSessions(cols, { minRisk: NaN })).toBeNull();
    expect(selectSessions(cols, { minRisk: -5 })).toBeNull();
    expect(rows(selectSessions(cols, { minRisk: 101 }))).toEqual([]);
    expect(checkFilter({ minRisk: 39.2 }).minRisk).toBe(40);
    expect(checkFilter({ attack: ' traversal ' }).attack).toBe(ATTACK_TYPES.indexOf('traversal'));
  });
});
