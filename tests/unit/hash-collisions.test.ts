// Regression: the core's 64-bit hash let sequential IPv4 addresses collide (10.0.168.102 and
// 10.0.160.109 hashed alike: a lane's top-byte difference cancelled against the next lane's), so
// in large logs different actors were merged and requests shown with another actor's address.
// Every address of a /15 (131,072), one request each, must stay its own actor and keep its address.
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/lib/core/analyse';
import { core, memorySource } from '../helpers/core';

describe('hashing of sequential addresses', () => {
  it('131,072 addresses: as many sessions, each request with its own address', async () => {
    const n = 1 << 17;
    const lines: string[] = [];
    for (let s = 0; s < n; s++) {
      const sec = String(s % 60).padStart(2, '0');
      const min = String(Math.floor(s / 60) % 60).padStart(2, '0');
      lines.push(`10.${s >> 16}.${(s >> 8) & 255}.${s & 255} - - [06/May/2024:10:${min}:${sec} +0000] "GET /a HTTP/1.1" 200 5 "-" "curl/8.4.0"`);
    }
    let wrong = 0;
    let seen = 0;
    const res = await analyse(await core(), [memorySource('seq.log', lines.join('\n') + '\n', 1 << 20)], {
      onRequests: async (r) => {
        for (let i = 0; i < r.count; i++) {
          seen++;
          if (r.dict.ips[r.ip[i]] !== lines[r.line[i] - 1].slice(0, lines[r.line[i] - 1].indexOf(' '))) wrong++;
        }
      }
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(seen).toBe(n);
    expect(wrong, 'requests shown with another address').toBe(0);
    expect(res.value.sessions.count, 'one session per address').toBe(n);
    expect(new Set(res.value.sessions.keyHash).size).toBe(n);
  }, 60_000);
});

// The default key is the client IP and the user agent: agents that differ in a single byte, alike
// in length, head, middle and tail, must stay different actors however often each comes back.
describe('user agents that differ in one byte', () => {
  it('agents alike in length, head, middle and tail stay apart', async () => {
    const base = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36';
    // one byte changed at each of several places outside the probed words (0..8, n/2..n/2+8, n-8..n)
    const spots = [9, 20, 30, 45, 60, 75, 90];
    const agents = [base, ...spots.map((i) => base.slice(0, i) + (base[i] === 'x' ? 'y' : 'x') + base.slice(i + 1))];
    expect(new Set(agents).size).toBe(agents.length);
    const lines: string[] = [];
    for (let round = 0; round < 50; round++) {
      const sec = String(round % 60).padStart(2, '0');
      agents.forEach((ua, k) => lines.push(`10.9.9.9 - - [06/May/2024:10:00:${sec} +0000] "GET /a/${k} HTTP/1.1" 200 5 "-" "${ua}"`));
    }
    const res = await analyse(await core(), [memorySource('agents.log', lines.join('\n') + '\n')]);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const s = res.value.sessions;
    expect(s.count, 'one session per agent (ip+ua key)').toBe(agents.length);
    const shown = Array.from({ length: s.count }, (_, i) => s.userAgents[s.userAgent[i]]).sort();
    expect(shown).toEqual([...agents].sort());
    for (let i = 0; i < s.count; i++) expect(s.requests[i]).toBe(50);
  });
});
