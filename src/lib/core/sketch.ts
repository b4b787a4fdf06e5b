// The latency sketch of endpoints (assembly/endpoints.ts): log buckets of ratio GAMMA above
// MIN_MS, bucket 0 for anything below. Sketches merge by adding counts, so percentiles combine
// across files and imports; any percentile is within about 2% of the true value.

export const GAMMA = 1.04;
export const MIN_MS = 0.01;

/** Sparse sketch: bucket index → count. */
export type Sketch = Record<number, number>;

/** A value representative of bucket b (the geometric middle of its range). */
export function bucketValue(b: number): number {
  if (b <= 0) return MIN_MS / 2;
  return MIN_MS * Math.pow(GAMMA, b - 0.5);
}

export function mergeSketches(a: Sketch, b: Sketch): Sketch {
  const out: Sketch = { ...a };
  for (const [k, v] of Object.entries(b)) out[Number(k)] = (out[Number(k)] ?? 0) + v;
  return out;
}

/** The q-quantile (0..1) of a sketch, in ms, rounded to 3 decimals; null when empty. */
export function quantile(sketch: Sketch, q: number): number | null {
  const entries = Object.entries(sketch)
    .map(([k, v]) => [Number(k), v] as const)
    .sort((x, y) => x[0] - y[0]);
  const total = entries.reduce((n, [, v]) => n + v, 0);
  if (total === 0) return null;
  // nearest rank
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [b, v] of entries) {
    seen += v;
    if (seen >= rank) return Math.round(bucketValue(b) * 1000) / 1000;
  }
  return Math.round(bucketValue(entries[entries.length - 1][0]) * 1000) / 1000;
}
