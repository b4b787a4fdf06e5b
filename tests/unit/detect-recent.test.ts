import { describe, it, expect } from 'vitest';
import { ok, memorySource } from '../helpers/core';

// detect.ts keeps the last query and referrer of a slot with its verdict and recognises a repeat
// by comparing bytes (the slot is chosen by the length and a few sampled 8-byte words), and
// screens new raw paths with plainFast before plainRaw. Texts built to share a slot (same length,
// same sampled words, different bytes elsewhere) must each get their own verdict, whatever came
// before them.

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

function line(i: number, target: string, referer = '-'): string {
  const s = String(i % 60).padStart(2, '0');
  const m = String(Math.floor(i / 60) % 60).padStart(2, '0');
  return `10.9.${i >> 8 & 255}.${i & 255} - - [04/Mar/2024:10:${m}:${s} +0000] "GET ${target} HTTP/1.1" 200 512 "${referer}" "${UA}"`;
}

/** Requests as [target, referrer, the attack type expected, null for none, undefined for any]. */
const CASES: [string, string, string | null | undefined][] = [];
// queries of 40 bytes alike but for bytes 8..15 (the key samples 0..7, 16..23 and 32..39)
for (const mid of ['zzzzzzzz', '<script>', 'yyyyyyyy', '../../..']) {
  CASES.push([`/search?q=abcdef${mid}&p=0123456789abcdefghijk`, '-', mid === '<script>' ? 'xss' : mid === '../../..' ? 'traversal' : null]);
}
// short queries a byte apart
for (const first of ["'", 'x', "'", 'y']) CASES.push([`/item?id=1${first} or 1=1`, '-', first === "'" ? 'sqli' : undefined]);
for (const last of ['<', 'b', '<', 'c']) CASES.push([`/item?v=${last}svg onload=alert(1)>`, '-', last === '<' ? 'xss' : undefined]);
// a path that is plain, then one a digit apart that is not
CASES.push(['/abcdefg/5x2e5x2e', '-', null], ['/abcdefg/0x2e0x2e', '-', 'traversal'], ['/abcdefg/7x2e7x2e', '-', null]);
// referrers of 40 bytes alike but for bytes 8..15
for (const mid of ['zzzzzzzz', '<script>', 'yyyyyyyy']) {
  CASES.push(['/', `https://${mid}.example.com/page/abcdefgh`, mid === '<script>' ? 'xss' : null]);
}

async function verdicts(order: number[]): Promise<Map<number, string[]>> {
  const log = order.map((k, i) => line(i, CASES[k][0], CASES[k][1])).join('\n') + '\n';
  const { preview } = await ok([memorySource('recent.log', log)], { previewLimit: order.length });
  expect(preview.length).toBe(order.length);
  const out = new Map<number, string[]>();
  preview.forEach((p, i) => {
    const k = order[p.line - 1];
    const seen = out.get(k);
    if (seen) expect(p.attacks, `case ${k} again (line ${i + 1})`).toEqual(seen);
    else out.set(k, p.attacks);
  });
  return out;
}

describe('verdicts kept in recent slots', () => {
  it('each text gets its own verdict, in any order and repeated', async () => {
    const n = CASES.length;
    const forward = [...Array(n).keys()];
    const orders = [forward, [...forward].reverse(), [...forward, ...forward, ...[...forward].reverse()]];
    let first: Map<number, string[]> | null = null;
    for (const order of orders) {
      const got = await verdicts(order);
      CASES.forEach(([target, referer, type], k) => {
        const attacks = got.get(k) ?? [];
        if (type) expect(attacks, `${target} ${referer}`).toContain(type);
        else if (type === null) expect(attacks, `${target} ${referer}`).toEqual([]);
        if (first) expect(attacks, `${target} ${referer} in another order`).toEqual(first.get(k));
      });
      first ??= got;
    }
  });
});
