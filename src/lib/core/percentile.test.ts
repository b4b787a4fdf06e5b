import { describe, expect, it } from 'vitest';
import { percentile } from './labels';

// percentile() sorts only the values above a sampled threshold when there are many: it must give
// the value a full sort gives, whatever the distribution (ties, skew, sorted or reversed input).
const fullSort = (xs: Float64Array, q: number) => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** A small seeded generator (mulberry32): the same values every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('percentile', () => {
  const r = random(42);
  const shapes: Record<string, (n: number) => Float64Array> = {
    uniform: (n) => Float64Array.from({ length: n }, () => r() * 1000),
    'few values (ties)': (n) => Float64Array.from({ length: n }, () => Math.floor(r() * 4)),
    'heavy tail': (n) => Float64Array.from({ length: n }, () => Math.floor(1 / (r() + 1e-6))),
    ascending: (n) => Float64Array.from({ length: n }, (_, i) => i),
    descending: (n) => Float64Array.from({ length: n }, (_, i) => n - i),
    'one large run at the top': (n) => Float64Array.from({ length: n }, (_, i) => (i % 50 === 0 ? 1e9 : r())),
    'zeros and negatives': (n) => Float64Array.from({ length: n }, () => (r() < 0.5 ? 0 : -r() * 10)),
    // the places percentile() samples (every n/1024th) hold the largest values: the threshold is
    // then too high, and it must notice and sort them all
    'an unlucky sample': (n) => {
      const xs = Float64Array.from({ length: n }, () => r());
      for (let i = 0; i < 1024; i++) xs[Math.floor((i * n) / 1024)] = 100 + i;
      return xs;
    }
  };
  for (const [name, make] of Object.entries(shapes)) {
    it(`${name}: as a full sort, for small and large arrays`, () => {
      for (const n of [1, 7, 100, 4095, 4096, 10_000, 44_267]) {
        for (const q of [0.5, 0.9, 0.99, 0.999, 1]) {
          const xs = make(n);
          expect(percentile(Float64Array.from(xs), q), `${name}, n=${n}, q=${q}`).toBe(fullSort(xs, q));
        }
      }
    });
  }
  it('no values: Infinity', () => {
    expect(percentile(new Float64Array(0), 0.99)).toBe(Infinity);
  });
});
