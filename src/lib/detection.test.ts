import { describe, expect, it } from 'vitest';
import { ATTACK_NAMES, ATTACK_TYPES, LABEL_NAMES, LABELS, attackList, formatAttacks, riskLevel } from './detection';

describe('detection wording', () => {
  it('lists attacks largest first, zero types left out', () => {
    expect(formatAttacks({ scanner: 3, traversal: 12, sqli: 0 })).toBe('traversal 12 · scanner 3');
    expect(formatAttacks({ cmdi: 2, traversal: 2 })).toBe('traversal 2 · cmdi 2');
    expect(formatAttacks({})).toBe('');
    expect(attackList({ sqli: 0, xss: 0, traversal: 0, cmdi: 0, jndi: 0, 'file-inclusion': 0, scanner: 0 })).toEqual([]);
  });

  it('gives risk a level', () => {
    expect([0, 5, 29, 30, 59, 60, 100, NaN].map(riskLevel)).toEqual(['none', 'low', 'low', 'medium', 'medium', 'high', 'high', 'none']);
  });

  it('names every attack type and label the core knows', () => {
    expect(Object.keys(ATTACK_NAMES).sort()).toEqual([...ATTACK_TYPES].sort());
    expect(Object.keys(LABEL_NAMES).sort()).toEqual([...LABELS].sort());
  });
});
