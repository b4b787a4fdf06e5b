import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ok, run, memorySource, root, sharedData, hasSharedData } from '../helpers/core';
import type { Analysis } from '../../src/lib/core/analyse';
import type { LogSource } from '../../src/lib/core/api';

// With `detect: false` (the CLI's summary) the core looks for no attack signatures: everything
// else it reports must be what it reports with detection on, and every attack count 0.

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const TARGETS = ['/', '/item?id=1%27%20or%201=1', '/search?q=<script>alert(1)</script>', '/../../etc/passwd', '/api/users/42', '/wp-login.php'];

function attackLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) {
    const t = `04/Mar/2024:10:${String(Math.floor(i / 20) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000`;
    lines.push(`10.0.0.${i % 7} - - [${t}] "GET ${TARGETS[i % TARGETS.length]} HTTP/1.1" ${i % 5 ? 200 : 404} ${i} "-" "${i % 3 ? UA : 'sqlmap/1.7'}"`);
  }
  return lines.join('\n') + '\n';
}

/** The analysis with its attack counts taken out, to compare the rest. */
function withoutAttacks(a: Analysis) {
  const { attacks, ...sessions } = a.sessions;
  return {
    summary: a.summary,
    sessions,
    endpoints: a.endpoints.map(({ attacks: _, risk: __, ...rest }) => rest),
    preview: a.preview.map(({ attacks: _, ...rest }) => rest),
    attacks: [...attacks]
  };
}

async function compare(sources: () => LogSource[]): Promise<{ on: number; off: number }> {
  const opts = { scores: false, previewLimit: 50 };
  const on = withoutAttacks(await ok(sources(), opts));
  const off = withoutAttacks(await ok(sources(), { ...opts, detect: false }));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  expect(off.attacks.length).toBe(on.attacks.length);
  expect({ ...off, attacks: [] }).toEqual({ ...on, attacks: [] });
  return { on: sum(on.attacks), off: sum(off.attacks) };
}

describe('detection off', () => {
  it('changes nothing but the attack counts, which are all 0', async () => {
    const { on, off } = await compare(() => [memorySource('attacks.log', attackLog())]);
    // the log holds attacks: detection on finds them
    expect(on).toBeGreaterThan(100);
    expect(off).toBe(0);
  });

  it('gives the bundled sample the same sessions', async () => {
    const sample = readFileSync(join(root, 'static/sample/demo-access.log'));
    const { off } = await compare(() => [memorySource('demo-access.log', sample)]);
    expect(off).toBe(0);
  });

  it.skipIf(!hasSharedData)('gives every real log the same sessions', async () => {
    const dir = join(sharedData, 'access');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(log|gz|txt|json)$|access/.test(f) && statSync(p).size < 8 << 20) files.push(p);
      }
    };
    walk(dir);
    expect(files.length).toBeGreaterThan(20);
    let compared = 0;
    for (const p of files) {
      const bytes = readFileSync(p);
      const src = () => [memorySource(p, bytes)];
      // logs no format reads are another test's business
      if (!(await run(src())).ok) continue;
      const { off } = await compare(src);
      expect(off, p).toBe(0);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  }, 120_000);
});
