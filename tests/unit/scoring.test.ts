import { describe, expect, it } from 'vitest';
import { ok, memorySource } from '../helpers/core';
import { labelsOf, riskOf, scoreRows } from '../../src/lib/core/labels';
import { LABELS } from '../../src/lib/core/types';
import { generateLog } from '../../scripts/gen-log.js';

// Scoring many sessions (scoreSessions, scoreRows) makes no evidence sentences and judges each
// user agent once: its label bits and risk must be those labelsOf and riskOf explain.

describe('scoring', () => {
  it('gives every session the labels and risk that labelsOf and riskOf explain', async () => {
    const { sessions: c } = await ok([memorySource('a.log', generateLog({ lines: 30_000, seed: 4 }))]);
    let labelled = 0;
    for (let i = 0; i < c.count; i++) {
      const labels = labelsOf(c, i);
      const bits = labels.reduce((b, l) => b | (1 << LABELS.indexOf(l.name)), 0);
      expect([bits, c.risk[i]]).toEqual([c.labelBits[i], riskOf(c, i, labels).risk]);
      if (bits) labelled++;
    }
    expect(labelled).toBeGreaterThan(10);
  });

  it('scores some rows as a table of those rows alone would be scored', async () => {
    const { sessions: c } = await ok([memorySource('a.log', generateLog({ lines: 20_000, seed: 8 }))]);
    const rows = Uint32Array.from({ length: Math.floor(c.count / 3) }, (_, k) => 3 * k + 1);
    const s = scoreRows(c, rows);
    const alone = await ok([memorySource('a.log', generateLog({ lines: 20_000, seed: 8 }))]);
    // the same rows, judged against their own baseline
    const t = alone.sessions;
    t.baseline = s.baseline;
    for (let k = 0; k < rows.length; k++) {
      const labels = labelsOf(t, rows[k]);
      expect([s.labelBits[k], s.risk[k]]).toEqual([labels.reduce((b, l) => b | (1 << LABELS.indexOf(l.name)), 0), riskOf(t, rows[k], labels).risk]);
    }
  });
});
