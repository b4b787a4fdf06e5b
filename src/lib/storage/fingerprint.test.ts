import { describe, expect, it } from 'vitest';
import { FingerprintTap, fingerprintBlob } from './fingerprint';

function bytes(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

async function tapped(data: Uint8Array<ArrayBuffer>, chunk: number): Promise<string> {
  const tap = new FingerprintTap();
  for (let i = 0; i < data.length; i += chunk) tap.see(data.subarray(i, i + chunk));
  return tap.fingerprint();
}

describe('fingerprint', () => {
  it('is the same for a blob and for its bytes streamed in any chunking', async () => {
    for (const size of [0, 10, 64 * 1024, 64 * 1024 + 5, 128 * 1024 + 7, 700_000]) {
      const data = bytes(size, size + 1);
      const whole = await fingerprintBlob(new Blob([data]));
      for (const chunk of [1000, 65_536, 100_003, 1 << 20]) expect(await tapped(data, chunk)).toBe(whole);
    }
  });

  it('tells apart files that differ in the middle only by their size, and in head or tail by content', async () => {
    const a = bytes(500_000, 3);
    const tail = a.slice();
    tail[499_000] ^= 1;
    const head = a.slice();
    head[10] ^= 1;
    const middle = a.slice();
    middle[200_000] ^= 1;
    const fp = await fingerprintBlob(new Blob([a]));
    expect(await fingerprintBlob(new Blob([tail]))).not.toBe(fp);
    expect(await fingerprintBlob(new Blob([head]))).not.toBe(fp);
    // the middle is not read: a log that differs only there is taken for the same (lines carry times)
    expect(await fingerprintBlob(new Blob([middle]))).toBe(fp);
    expect(await fingerprintBlob(new Blob([a.subarray(0, 499_999)]))).not.toBe(fp);
  });

  it('passes a stream through unchanged', async () => {
    const data = bytes(300_000, 9);
    const tap = new FingerprintTap();
    const out = new Uint8Array(await new Response(tap.wrap(new Blob([data]).stream())).arrayBuffer());
    expect(out).toEqual(data);
    expect(tap.size).toBe(data.length);
    expect(await tap.fingerprint()).toBe(await fingerprintBlob(new Blob([data])));
  });
});
