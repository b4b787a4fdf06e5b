import { describe, expect, it } from 'vitest';
import config from '../../../svelte.config.js';
import { CONNECT_SRC, urlSource } from './url';

const PAGE = 'https://logs.example.org';

describe('urlSource', () => {
  it('takes https anywhere, naming it without query or fragment', () => {
    expect(urlSource('  https://bucket.s3.amazonaws.com/logs/access.log?X-Amz-Signature=abc#top ', PAGE)).toEqual({
      ok: true,
      value: {
        url: 'https://bucket.s3.amazonaws.com/logs/access.log?X-Amz-Signature=abc#top',
        name: 'https://bucket.s3.amazonaws.com/logs/access.log'
      }
    });
  });

  it('takes plain http from this machine and from the page’s own origin', () => {
    for (const u of ['http://localhost:8000/a.log', 'http://127.0.0.1:9/a.log', 'http://localhost/a.log']) {
      expect(urlSource(u, PAGE), u).toEqual({ ok: true, value: { url: u, name: u } });
    }
    expect(urlSource('http://10.0.0.5:4173/sample/demo.log', 'http://10.0.0.5:4173').ok).toBe(true);
  });

  it('refuses plain http to another host, saying why', () => {
    const r = urlSource('http://logs.example.com/a.log?token=secret', PAGE);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toContain('http://logs.example.com/a.log is plain http on another host');
    expect(r.error, 'the query is not repeated').not.toContain('secret');
    // Another port of the page's host is another origin.
    expect(urlSource('http://10.0.0.5:80/a.log', 'http://10.0.0.5:4173').ok).toBe(false);
    // *.localhost is not in the policy.
    expect(urlSource('http://canary.localhost:80/a.log', PAGE).ok).toBe(false);
  });

  it('refuses what is not an absolute http(s) address, or carries credentials', () => {
    expect(urlSource('   ', PAGE)).toEqual({ ok: false, error: 'Type or paste the address of a log.' });
    expect(urlSource('example.com/access.log', PAGE)).toEqual({
      ok: false,
      error: 'example.com/access.log is not a full address: give one starting with https://.'
    });
    expect(urlSource('file:///var/log/nginx/access.log', PAGE)).toEqual({
      ok: false,
      error: 'Only http and https addresses can be streamed (not file:).'
    });
    expect(urlSource('ftp://example.com/a.log', PAGE).ok).toBe(false);
    expect(urlSource('javascript:alert(1)', PAGE).ok).toBe(false);
    const creds = urlSource('https://admin:hunter2@example.com/a.log', PAGE);
    expect(creds.ok).toBe(false);
    if (!creds.ok) expect(creds.error).not.toContain('hunter2');
  });
});

describe('CONNECT_SRC', () => {
  it('is the connect-src of the built page’s policy (svelte.config.js)', () => {
    const directives = (config.kit?.csp?.directives ?? {}) as Record<string, unknown>;
    expect(directives['connect-src']).toEqual([...CONNECT_SRC]);
  });
});
