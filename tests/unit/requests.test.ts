// The request columns (EngineOptions.requests, analyse's onRequests): every parsed request handed
// back once, in blocks, with the session key the sessions carry and its target/referrer as sent.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { run, core, memorySource, sharedData, hasSharedData, type RunOptions } from '../helpers/core';
import { Engine } from '../../src/lib/core/engine';
import { sessionAt } from '../../src/lib/core/sessions';
import { formatByName } from '../../src/lib/core/formats';
import { KEY_KINDS } from '../../src/lib/core/types';
import { type RequestColumns, targetAt, referrerAt, keyHashAt } from '../../src/lib/core/requests';
import type { Analysis } from '../../src/lib/core/analyse';
import type { FormatSpec } from '../../src/lib/core/formats/spec';
import type { LogSource } from '../../src/lib/core/api';

const ACCESS = path.join(sharedData, 'access');

/** A request with its dictionary values resolved: comparable across blocks. */
function rowsOf(b: RequestColumns) {
  return Array.from({ length: b.count }, (_, i) => ({
    time: b.time[i],
    key: `${KEY_KINDS[b.keyKind[i]]}:${keyHashAt(b, i)}`,
    ip: b.dict.ips[b.ip[i]],
    userAgent: b.dict.userAgents[b.userAgent[i]],
    user: b.user[i] ? b.dict.users[b.user[i] - 1] : null,
    host: b.host[i] ? b.dict.hosts[b.host[i] - 1] : null,
    endpoint: b.dict.endpoints[b.endpoint[i]],
    status: b.status[i],
    bytes: b.bytes[i],
    duration: b.duration[i],
    attacks: b.attacks[i],
    file: b.file[i],
    line: b.line[i],
    target: targetAt(b, i),
    referrer: referrerAt(b, i)
  }));
}
type Row = ReturnType<typeof rowsOf>[number];

interface Collected {
  analysis: Analysis;
  blocks: RequestColumns[];
  rows: Row[];
}

async function collect(sources: LogSource[], opts: RunOptions = {}): Promise<Collected> {
  const blocks: RequestColumns[] = [];
  const r = await run(sources, { ...opts, onRequests: (b) => void blocks.push(b) });
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return { analysis: r.value, blocks, rows: blocks.flatMap(rowsOf) };
}

function fileSource(file: string): LogSource {
  return memorySource(path.basename(file), readFileSync(file));
}

/** Every log under the shared access folder (INDEX.tsv and the like excluded). */
function accessLogs(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.(tsv|md|bz2)$/.test(name)) out.push(p);
    }
  };
  walk(ACCESS);
  return out;
}

/** The rows of one line, by file index and 1-based line number. */
const at = (rows: Row[], file: number, line: number) => rows.filter((r) => r.file === file && r.line === line);

describe.skipIf(!hasSharedData)('request columns on the shared real logs', () => {
  it('hands back every request once, and each session finds exactly its requests', async () => {
    let files = 0;
    for (const file of accessLogs()) {
      const blocks: RequestColumns[] = [];
      const r = await run([fileSource(file)], { onRequests: (b) => void blocks.push(b) });
      if (!r.ok) continue; // not a log this core reads: not the subject here
      files++;
      const name = path.relative(ACCESS, file);
      const { summary, sessions } = r.value;
      expect(blocks.reduce((n, b) => n + b.count, 0), name).toBe(summary.requests);
      // times per key, sorted, to count a session's requests by binary search
      const byKey = new Map<string, number[]>();
      for (const b of blocks) {
        for (let i = 0; i < b.count; i++) {
          const k = `${b.keyKind[i]}:${keyHashAt(b, i)}`;
          let t = byKey.get(k);
          if (!t) byKey.set(k, (t = []));
          t.push(b.time[i]);
        }
      }
      for (const t of byKey.values()) t.sort((a, b) => a - b);
      /** How many of the sorted `t` are below `v` (or at it, with `orEqual`). */
      const below = (t: number[], v: number, orEqual: boolean) => {
        let lo = 0, hi = t.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (t[mid] < v || (orEqual && t[mid] === v)) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      for (let i = 0; i < sessions.count; i++) {
        const s = sessionAt(sessions, i);
        const t = byKey.get(`${sessions.keyKind[i]}:${s.keyHash}`) ?? [];
        const n = below(t, s.end, true) - below(t, s.start, false);
        expect(n, `${name}: session ${s.id}`).toBe(s.requests);
      }
    }
    expect(files).toBeGreaterThan(50);
  });

  it('keeps targets and referrers as the client sent them (escapes undone, bytes kept)', async () => {
    const probing = await collect([fileSource(path.join(ACCESS, 'crowdsec-hub/apache-http-probing.log'))]);
    // line 45: "GET /sys/code/box.inc.php?config[\\\"sipssys\\\"]=http://cirt.net/rfiinc.txt? HTTP/1.1"
    expect(at(probing.rows, 0, 45).map((r) => r.target)).toEqual(['/sys/code/box.inc.php?config[\\"sipssys\\"]=http://cirt.net/rfiinc.txt?']);

    const think = await collect([fileSource(path.join(ACCESS, 'crowdsec-hub/thinkphp-cve-2018-20062.log'))]);
    // line 7: nginx's \x5C for a backslash
    expect(at(think.rows, 0, 7)[0].target).toBe('/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP21');

    // CloudFront: stem and query are two columns
    const cf = await collect([fileSource(path.join(ACCESS, 'crowdsec-hub/aws-cloudfront-logs.log'))]);
    expect(at(cf.rows, 0, 1)[0]).toMatchObject({ target: '/testseb?query_param=42', referrer: '', status: 400, userAgent: 'curl/7.81.0', host: 'hub-cdn.crowdsec.net' });

    const apache = await collect([fileSource(path.join(ACCESS, 'elastic-examples/apache_logs'))]);
    const first = at(apache.rows, 0, 1)[0];
    expect(first).toMatchObject({
      target: '/presentations/logstash-monitorama-2013/images/kibana-search.png',
      referrer: 'http://semicomplete.com/presentations/logstash-monitorama-2013/',
      ip: '83.149.9.216',
      status: 200,
      bytes: 203023,
      endpoint: 'GET /presentations/{token}/images/kibana-search.png',
      time: Date.UTC(2015, 4, 17, 10, 5, 3)
    });
    expect(first.duration).toBeNaN();
    // line 5851: a cp1251 referrer logged as \xHH: the raw bytes come back, not their escapes
    const b = apache.blocks.find((b) => Array.from(b.line).includes(5851))!;
    const i = Array.from(b.line).indexOf(5851);
    const ref = b.referrer.subarray(b.referrerEnd[i - 1] ?? 0, b.referrerEnd[i]);
    expect(Array.from(ref)).toEqual([...Buffer.from('http://'), 0xe4, 0xe5, 0xe3, 0xf2, 0xff, 0xf0, 0xed, 0xee, 0xe5, 0x2d, 0xec, 0xfb, 0xeb, 0xee, 0x2e, 0xf0, 0xf4, 0x2f]);
  });

  it('gives the same rows whatever the chunk size', async () => {
    const files = ['elastic-examples/apache_logs', 'crowdsec-hub/traefik_json.log', 'lnav/w3c_big.0'].map((f) => path.join(ACCESS, f));
    for (const f of files) {
      const whole = await collect([fileSource(f)]);
      const small = await collect([fileSource(f)], { chunkSize: 4096 });
      expect(whole.rows.length, f).toBeGreaterThan(0);
      expect(small.blocks.length, f).toBeGreaterThan(whole.blocks.length - 1);
      expect(small.rows, f).toEqual(whole.rows);
      // a block holds one chunk's lines at most (a chunk plus the line carried into it)
      const lines = readFileSync(f, 'latin1').split('\n').filter((l) => l.trim());
      const shortest = Math.min(...lines.map((l) => l.length + 1));
      const longest = Math.max(...lines.map((l) => l.length + 1));
      for (const b of small.blocks) expect(b.count).toBeLessThanOrEqual(Math.floor((4096 + longest) / shortest));
    }
  });
});

// ---- hand-written lines -------------------------------------------------------------------------

const clf = (ip: string, request: string, referrer = '-', time = '10/Oct/2000:13:55:36 +0000') =>
  `${ip} - - [${time}] "${request}" 200 512 "${referrer}" "Mozilla/5.0"`;

describe('request columns on hand-written lines', () => {
  it('are kept only when asked for, and taken once', async () => {
    const bytes = new TextEncoder().encode(clf('10.0.0.1', 'GET / HTTP/1.1') + '\n');
    const off = new Engine(await core());
    off.beginFile('a.log');
    off.push(bytes);
    off.endFile();
    expect(off.takeRequests()).toBeNull();
    const on = new Engine(await core(), { requests: true });
    on.beginFile('a.log');
    on.push(bytes);
    on.endFile();
    expect(on.takeRequests()?.count).toBe(1);
    expect(on.takeRequests()).toBeNull();
  });

  it('undo Apache \\" and \\\\, nginx \\x22, JSON \\u002f and \\/', async () => {
    const text = [clf('10.0.0.1', 'GET /a?q=\\"x\\" HTTP/1.1', 'http://r/\\"q\\"'), clf('10.0.0.2', 'GET /b?q=\\x22y\\x22&p=\\\\ HTTP/1.1', 'http://r/\\x22')].join('\n');
    const { rows } = await collect([memorySource('a.log', text)]);
    expect(rows.map((r) => [r.target, r.referrer])).toEqual([
      ['/a?q="x"', 'http://r/"q"'],
      ['/b?q="y"&p=\\', 'http://r/"']
    ]);
    const json = [
      '{"time_local":"10/Oct/2000:13:55:36 +0000","remote_addr":"10.0.0.3","request_method":"GET","request_uri":"\\u002fapi\\/v1?q=\\"\\u00e9\\ud83d\\ude00\\"","status":200,"http_referer":"https:\\/\\/x\\u002f"}',
      '{"time_local":"10/Oct/2000:13:55:37 +0000","remote_addr":"10.0.0.3","request_method":"GET","request_uri":"/plain","status":200,"http_referer":"-"}'
    ].join('\n');
    const j = await collect([memorySource('a.json', json)]);
    expect(j.rows.map((r) => [r.target, r.referrer])).toEqual([
      ['/api/v1?q="é😀"', 'https://x/'],
      ['/plain', '']
    ]);
  });

  it('join a logged path and query with "?" and skip an absent query', async () => {
    const w3c = [
      '#Software: Microsoft Internet Information Services 10.0',
      '#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status',
      '2024-03-04 12:00:00 10.0.0.1 GET /a/b x=1&y=2 200',
      '2024-03-04 12:00:01 10.0.0.1 GET /c - 404'
    ].join('\n');
    const { rows } = await collect([memorySource('u_ex.log', w3c)]);
    expect(rows.map((r) => [r.target, r.line, r.status])).toEqual([
      ['/a/b?x=1&y=2', 3, 200],
      ['/c', 4, 404]
    ]);
  });

  it('number files and lines, and renumber strings per block', async () => {
    const a = [clf('10.0.0.1', 'GET /1 HTTP/1.1'), '', 'junk', clf('10.0.0.2', 'GET /2 HTTP/1.1')].join('\n');
    const b = clf('10.0.0.1', 'GET /3 HTTP/1.1');
    const { rows, blocks } = await collect([memorySource('a.log', a), memorySource('b.log', b)]);
    expect(rows.map((r) => [r.file, r.line, r.ip, r.target])).toEqual([
      [0, 1, '10.0.0.1', '/1'],
      [0, 4, '10.0.0.2', '/2'],
      [1, 1, '10.0.0.1', '/3']
    ]);
    // the second file's block has its own dictionary: one IP, at index 0
    expect(blocks.at(-1)!.dict.ips).toEqual(['10.0.0.1']);
    expect(Array.from(blocks.at(-1)!.ip)).toEqual([0]);
  });

  it('cut a target at 4 KiB on a character boundary, also from a line cut at 64 KiB', async () => {
    // the URI is the last field, so the line still parses once cut at 64 KiB
    const format = formatByName('nginx:$remote_addr [$time_local] $status $request_uri') as FormatSpec;
    expect(typeof format).toBe('object');
    const long = '/' + 'é'.repeat(40_000);
    const text = `10.0.0.1 [10/Oct/2000:13:55:36 +0000] 200 ${long}\n10.0.0.1 [10/Oct/2000:13:55:37 +0000] 200 /short?x=1\n`;
    const { rows, analysis } = await collect([memorySource('a.log', text)], { format, chunkSize: 1000 });
    expect(analysis.summary).toMatchObject({ requests: 2, truncated: 1 });
    // "/" and 2047 "é" fill 4095 bytes; half an "é" more would not decode
    expect(rows[0].target).toBe(long.slice(0, 2048));
    expect(rows[1].target).toBe('/short?x=1');
  });

  it('hold the reading while the consumer is busy, and pass its error through', async () => {
    const text = Array.from({ length: 10_000 }, (_, i) => clf(`10.0.0.${i % 7}`, `GET /p/${i} HTTP/1.1`)).join('\n');
    const pieces = Math.ceil(text.length / 1000);
    let pulls = 0;
    const source: LogSource = {
      name: 'a.log',
      stream: () => {
        const inner = memorySource('a.log', text, 1000).stream().getReader();
        return new ReadableStream<Uint8Array>(
          {
            async pull(c) {
              pulls++;
              const r = await inner.read();
              if (r.done) c.close();
              else c.enqueue(r.value);
            }
          },
          { highWaterMark: 0 }
        );
      }
    };
    let release = () => {};
    let busy = () => {};
    const isBusy = new Promise<void>((r) => (busy = r));
    let rows = 0;
    let held = false;
    const done = run([source], {
      chunkSize: 4096,
      onRequests: async (b) => {
        // once, well after the 64 KiB head (~700 lines) was fed
        if (rows >= 1500 && !held) {
          held = true;
          busy();
          await new Promise<void>((r) => (release = r));
        }
        rows += b.count;
      }
    });
    await isBusy;
    const pulled = pulls;
    await new Promise((r) => setTimeout(r, 50));
    expect(pulls).toBe(pulled);
    expect(pulled).toBeLessThan(pieces / 2);
    release();
    expect((await done).ok).toBe(true);
    expect(rows).toBe(10_000);
    await expect(run([memorySource('a.log', text)], { chunkSize: 1000, onRequests: () => Promise.reject(new Error('quota')) })).rejects.toThrow('quota');
  });
});
