#!/usr/bin/env node
// Quality of the per-request attack detection (SPEC §3): precision and recall per attack type on
// labelled data, and the false-positive rate on normal traffic (a benchmark, not a test: it
// measures and reports; tests/unit/detect.test.ts holds the clear cases that must pass).
//
//   node scripts/bench-detect.js [--only openappsec,httpparams,csic,crowdsec,fail2ban,benign]
//                                [--show 5] [--top 20] [--json FILE]
//
// Needs the built core (`npm run build:core`: dist/core.wasm) and ../shared/data (SOURCES.md).
// The core is run in-process, as the tests run it: the TypeScript of src/lib/core is loaded with
// vite's module runner (a devDependency already), the wasm from dist/. The CLI's `preview` is no
// way in: it reads only the first 64 KiB of a file.
//
// Payload sets become synthetic combined log lines (scripts/bench-detect-data.js says how), one
// request per payload, each from its own client IP; the per-request verdict is
// ParsedRequest.attacks of `analyse(...).preview`. Scored per type t over the labelled rows:
//   TP  rows labelled t and flagged t          FN  rows labelled t, not flagged t
//   FP  benign rows flagged t                  cross  rows labelled with another type, flagged t
//   precision = TP / (TP + FP)  (cross is shown apart: payloads often carry two kinds of attack)
// The issue's target: recall ≥ 0.9 on injection types, false positives ≤ 1% of normal requests.

import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TYPES, INJECTION, BENIGN_LOGS, openappsec, httpparams, csic, crowdsec, fail2ban } from './bench-detect-data.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATA = path.resolve(ROOT, '../shared/data');
const WASM = path.join(ROOT, 'dist/core.wasm');
const DATASETS = ['openappsec', 'httpparams', 'csic', 'crowdsec', 'fail2ban', 'benign'];
/** The issue's targets. */
const RECALL_TARGET = 0.9;
const FP_TARGET = 0.01;

/** @typedef {import('./bench-detect-data.js').Row} Row */
/** @typedef {import('./bench-detect-data.js').LabelledFile} LabelledFile */
/** @typedef {{ attacks?: string[], line: number, method: string | null, path: string | null, query: string | null, userAgent: string | null, referer: string | null }} Req */

function parseArgs(/** @type {string[]} */ argv) {
  const o = { only: DATASETS, show: 5, top: 20, json: /** @type {string | null} */ (null) };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--only') o.only = String(value()).split(',');
    else if (flag === '--show') o.show = Number(value());
    else if (flag === '--top') o.top = Number(value());
    else if (flag === '--json') o.json = String(value());
    else if (flag === '-h' || flag === '--help') {
      console.log('usage: node scripts/bench-detect.js [--only ' + DATASETS.join(',') + '] [--show N] [--top N] [--json FILE]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${argv[i]}`);
      process.exit(2);
    }
  }
  const bad = o.only.filter((d) => !DATASETS.includes(d));
  if (bad.length) (console.error(`unknown dataset ${bad.join(', ')} (known: ${DATASETS.join(', ')})`), process.exit(2));
  if (!(o.show >= 0 && o.top >= 0)) (console.error('--show and --top take counts'), process.exit(2));
  return o;
}

/** The newest mtime of the files under a folder. */
function newest(/** @type {string} */ dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

async function loadCore() {
  if (!existsSync(WASM)) (console.error('dist/core.wasm is missing: run `npm run build:core` first'), process.exit(70));
  if (newest(path.join(ROOT, 'assembly')) > statSync(WASM).mtimeMs) console.log('warning: assembly/ is newer than dist/core.wasm: run `npm run build:core` for current numbers\n');
  const { runnerImport } = await import('vite');
  const cfg = { configFile: /** @type {false} */ (false), root: ROOT, logLevel: /** @type {'error'} */ ('error') };
  const { module: a } = await runnerImport(path.join(ROOT, 'src/lib/core/analyse.ts'), cfg);
  const { module: s } = await runnerImport(path.join(ROOT, 'src/lib/core/sessions.ts'), cfg);
  const wasm = await a.compileCore(readFileSync(WASM));
  return {
    /** @param {string} name @param {string} text */
    async run(name, text) {
      const bytes = new TextEncoder().encode(text);
      const source = {
        name,
        size: bytes.length,
        stream: () =>
          new ReadableStream({
            start(c) {
              c.enqueue(bytes);
              c.close();
            }
          })
      };
      const lines = text.split('\n').length;
      const r = await a.analyse(wasm, [source], { previewLimit: lines + 1 });
      if (!r.ok) return { error: /** @type {string} */ (r.error.message), byLine: new Map(), labels: /** @type {string[]} */ ([]) };
      /** @type {Req[]} */
      const preview = r.value.preview;
      if (preview.length > 0 && !Array.isArray(preview[0].attacks)) {
        console.error('The core reports no attacks: ParsedRequest has no `attacks` array yet (src/lib/core/types.ts). Nothing to measure.');
        process.exit(3);
      }
      /** @type {string[]} */
      const labels = [];
      for (let i = 0; i < r.value.sessions.count; i++) for (const l of s.sessionAt(r.value.sessions, i).labels ?? []) labels.push(l.name);
      return { error: null, byLine: new Map(preview.map((p) => [p.line, p])), labels };
    }
  };
}

/** @typedef {Awaited<ReturnType<typeof loadCore>>} Core */

const pct = (/** @type {number} */ n, /** @type {number} */ d) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(2)}%`);
const ratio = (/** @type {number} */ n, /** @type {number} */ d) => (d === 0 ? '-' : (n / d).toFixed(3));
const cut = (/** @type {string} */ s, n = 150) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
/** A payload as printed: control characters as \xHH so the line stays one line. */
const shown = (/** @type {string} */ s) => cut(s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));

/** Prints rows of cells as an aligned table, numbers right-aligned. */
function table(/** @type {(string | number)[][]} */ rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const [i, r] of rows.entries()) {
    console.log('  ' + r.map((v, c) => (typeof v === 'number' || /^[\d.%-]+$/.test(String(v)) ? String(v).padStart(widths[c]) : String(v).padEnd(widths[c]))).join('  ').trimEnd());
    if (i === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** "sqli 3, xss 1": counts of flags, most first. */
function flagList(/** @type {Map<string, number>} */ counts) {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ') || '-';
}

/** Evenly spread picks of up to n items (the sets are sorted, so the first n are all alike). */
function spread(/** @type {any[]} */ items, /** @type {number} */ n) {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]);
}

/** @typedef {{ dataset: string, row: Row, flags: string[] | null }} Scored */

/** Runs rows through the core as one log, line i+1 for row i. @param {Core} core @param {string} dataset @param {Row[]} rows */
async function detectRows(core, dataset, rows) {
  const r = await core.run(`${dataset}.log`, rows.map((x) => x.line).join('\n') + '\n');
  if (r.error) throw new Error(`${dataset}: ${r.error}`);
  return rows.map((row, i) => ({ dataset, row, flags: r.byLine.get(i + 1)?.attacks ?? null }));
}

/**
 * Per group and per type tables of scored rows, and examples of what went wrong.
 * @param {Scored[]} scored @param {number} show
 */
function report(scored, show) {
  /** @type {Map<string, Scored[]>} */
  const groups = new Map();
  for (const s of scored) groups.set(s.row.group, [...(groups.get(s.row.group) ?? []), s]);
  const head = ['group', 'expect', 'n', 'hit', 'recall', 'any flag', 'unparsed', 'flags (requests per type)'];
  /** @type {(string | number)[][]} */
  const out = [head];
  for (const [group, ss] of groups) {
    const expect = ss[0].row.expect;
    const counts = new Map();
    for (const s of ss) for (const t of s.flags ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
    const any = ss.filter((s) => s.flags?.length).length;
    const unparsed = ss.filter((s) => s.flags === null).length;
    const hit = expect && expect !== '*' ? ss.filter((s) => s.flags?.includes(expect)).length : null;
    out.push([
      group,
      expect === null ? 'benign' : expect === '*' ? 'any' : expect,
      ss.length,
      hit ?? '-',
      hit === null ? '-' : ratio(hit, ss.length - unparsed),
      `${any} (${pct(any, ss.length)})`,
      unparsed,
      flagList(counts)
    ]);
  }
  table(out);

  // unparsed rows (a line the core does not read as a request) are counted apart, not as misses
  const labelled = scored.filter((s) => s.row.expect !== '*');
  const types = TYPES.filter((t) => labelled.some((s) => s.row.expect === t || s.flags?.includes(t)));
  if (types.length) {
    console.log('');
    /** @type {(string | number)[][]} */
    const byType = [['type', 'TP', 'FN', 'FP', 'cross', 'precision', 'recall']];
    for (const t of types) {
      const tp = labelled.filter((s) => s.row.expect === t && s.flags?.includes(t)).length;
      const fn = labelled.filter((s) => s.row.expect === t && s.flags !== null && !s.flags.includes(t)).length;
      const fp = labelled.filter((s) => s.row.expect === null && s.flags?.includes(t)).length;
      const cross = labelled.filter((s) => s.row.expect !== null && s.row.expect !== t && s.flags?.includes(t)).length;
      byType.push([t, tp, fn, fp, cross, ratio(tp, tp + fp), ratio(tp, tp + fn)]);
    }
    table(byType);
  }
  const benign = scored.filter((s) => s.row.expect === null && s.flags !== null);
  if (benign.length) {
    const fp = benign.filter((s) => s.flags?.length).length;
    console.log(`\n  benign rows flagged: ${fp} of ${benign.length} (${pct(fp, benign.length)})`);
  }
  if (show === 0) return;
  for (const [group, ss] of groups) {
    const expect = ss[0].row.expect;
    const parsed = ss.filter((s) => s.flags !== null);
    const wrong =
      expect === null ? parsed.filter((s) => s.flags?.length) : expect === '*' ? parsed.filter((s) => !s.flags?.length) : parsed.filter((s) => !s.flags?.includes(expect));
    const unparsed = ss.filter((s) => s.flags === null);
    if (wrong.length) {
      console.log(`\n  ${group}: ${expect === null ? 'flagged' : 'missed'} ${wrong.length}, e.g.`);
      for (const s of spread(wrong, show)) console.log(`    [${s.flags?.join(',') || '-'}] ${shown(s.row.shown)}`);
    }
    if (unparsed.length) {
      console.log(`\n  ${group}: not read as requests ${unparsed.length} (not counted), e.g.`);
      for (const s of spread(unparsed, Math.min(show, 2))) console.log(`    ${shown(s.row.shown)}`);
    }
  }
}

/**
 * Labelled files (crowdsec, fail2ban): each file through the core on its own, its format
 * detected. A file is a hit for type t when some line of it is flagged t.
 * @param {Core} core @param {LabelledFile[]} files @param {number} show
 */
async function reportFiles(core, files, show) {
  /** @type {(string | number)[][]} */
  const out = [['file', 'scenario', 'expect', 'requests', 'flagged', 'types seen', 'result', 'session labels']];
  /** @type {Map<string, { tp: number, fn: number }>} */
  const perType = new Map();
  let benignLines = 0;
  let benignFlagged = 0;
  /** @type {string[]} */
  const notes = [];
  /** @type {any[]} */
  const json = [];
  for (const f of files) {
    const r = await core.run(f.name, f.text);
    const reqs = [...r.byLine.values()];
    const flagged = reqs.filter((q) => q.attacks?.length);
    const seen = new Set(flagged.flatMap((q) => q.attacks ?? []));
    let result = '-';
    if (r.error) result = 'not read';
    else if (f.expect === null) {
      benignLines += reqs.length;
      benignFlagged += flagged.length;
      result = flagged.length ? `FP ${flagged.length}` : 'ok';
    } else if (Array.isArray(f.expect)) {
      const missing = f.expect.filter((t) => !seen.has(t));
      for (const t of f.expect) {
        const c = perType.get(t) ?? { tp: 0, fn: 0 };
        seen.has(t) ? c.tp++ : c.fn++;
        perType.set(t, c);
      }
      result = missing.length ? `MISS ${missing.join('+')}` : 'hit';
    }
    const labels = [...new Set(r.labels)].join(', ') || '-';
    out.push([f.name, cut(f.scenarios.replace(/crowdsecurity\//g, ''), 40), f.expect === null ? 'benign' : f.expect === '*' ? 'any' : f.expect.join('+'), reqs.length, flagged.length, [...seen].join(',') || '-', result, labels]);
    if (r.error) notes.push(`    ${f.name}: not read: ${cut(r.error.replace(`${f.name}: `, ''), 160)}`);
    else if ((result.startsWith('MISS') || result.startsWith('FP') || (f.group.startsWith('unlabelled') && flagged.length)) && show > 0) {
      const lines = f.text.split('\n');
      const sample = result.startsWith('MISS') ? reqs : flagged;
      notes.push(`    ${f.name} (${result === '-' ? 'unlabelled, flagged' : result}):`);
      for (const q of spread(sample, show)) notes.push(`      [${q.attacks?.join(',') || '-'}] ${shown(lines[q.line - 1] ?? '')}`);
    }
    json.push({ file: f.name, scenarios: f.scenarios, expect: f.expect, requests: reqs.length, error: r.error, result, labels: [...new Set(r.labels)], lines: reqs.map((q) => ({ line: q.line, attacks: q.attacks })) });
  }
  table(out);
  console.log('');
  /** @type {(string | number)[][]} */
  const byType = [['type', 'files hit', 'files missed', 'recall (files)']];
  for (const [t, c] of [...perType].sort()) byType.push([t, c.tp, c.fn, ratio(c.tp, c.tp + c.fn)]);
  if (byType.length > 1) table(byType);
  console.log(`\n  whitelists: ${benignFlagged} of ${benignLines} requests flagged (${pct(benignFlagged, benignLines)})`);
  if (notes.length) console.log('\n' + notes.join('\n'));
  return { json, benign: { n: benignLines, flagged: benignFlagged }, perType };
}

/**
 * Real logs taken as benign: every flag a false positive; the flagged requests grouped by what
 * was flagged (types, method, path, query, user agent), most frequent first, for a human to judge.
 * @param {Core} core @param {number} top
 */
async function reportBenign(core, top) {
  const results = [];
  for (const rel of BENIGN_LOGS) {
    const file = path.join(DATA, rel);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const r = await core.run(path.basename(file), text);
    if (r.error) throw new Error(`${rel}: ${r.error}`);
    const reqs = [...r.byLine.values()];
    const flagged = reqs.filter((q) => q.attacks?.length);
    const counts = new Map();
    for (const q of flagged) for (const t of q.attacks ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
    console.log(`  ${rel}: ${flagged.length} of ${reqs.length} requests flagged (${pct(flagged.length, reqs.length)}); ${flagList(counts)}`);
    /** @type {Map<string, { n: number, first: number }>} */
    const kinds = new Map();
    for (const q of flagged) {
      const key = `[${q.attacks?.join(',')}] ${q.method} ${q.path}${q.query ? '?' + q.query : ''}  UA: ${q.userAgent ?? '-'}`;
      const k = kinds.get(key) ?? { n: 0, first: q.line };
      k.n++;
      kinds.set(key, k);
    }
    for (const [key, k] of [...kinds].sort((a, b) => b[1].n - a[1].n).slice(0, top)) console.log(`    ${String(k.n).padStart(4)} × line ${k.first}: ${cut(key, 200)}`);
    results.push({ file: rel, n: reqs.length, flagged: flagged.length, lines: flagged.map((q) => ({ line: q.line, attacks: q.attacks })) });
  }
  return results;
}

/** One recall line against the target: "ok" or "BELOW". */
function recallLine(/** @type {string} */ what, /** @type {string} */ type, /** @type {number} */ tp, /** @type {number} */ n) {
  if (n === 0) return;
  const r = tp / n;
  const verdict = !INJECTION.includes(type) ? '(no target: not an injection type)' : r >= RECALL_TARGET ? 'ok' : `BELOW ${RECALL_TARGET}`;
  console.log(`  ${what.padEnd(50)} recall  ${r.toFixed(3).padStart(6)} (${tp}/${n})  ${verdict}`);
}
function fpLine(/** @type {string} */ what, /** @type {number} */ fp, /** @type {number} */ n) {
  if (n === 0) return;
  console.log(`  ${what.padEnd(50)} FP rate ${pct(fp, n).padStart(7)} (${fp}/${n})  ${fp / n <= FP_TARGET ? 'ok' : `ABOVE ${FP_TARGET * 100}%`}`);
}

function describeBuild() {
  try {
    /** @type {import('node:child_process').ExecFileSyncOptionsWithStringEncoding} */
    const opts = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] };
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'assembly', 'src/lib/core'], opts).trim() !== '';
    return `${head}${dirty ? ' + uncommitted changes in assembly/ or src/lib/core' : ''}, dist/core.wasm of ${statSync(WASM).mtime.toISOString()}`;
  } catch {
    return `dist/core.wasm of ${statSync(WASM).mtime.toISOString()}`;
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(DATA)) (console.error(`${DATA} is missing: the bench reads the labelled data there (SOURCES.md)`), process.exit(2));
  const core = await loadCore();
  console.log(`$ node scripts/bench-detect.js ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(`core: ${describeBuild()}; data: ${DATA}\n`);
  /** @type {Record<string, unknown>} */
  const json = {};
  /** @type {(() => void)[]} */
  const summary = [];
  const on = (/** @type {string} */ d) => o.only.includes(d);

  const recallOf = (/** @type {Scored[]} */ scored, /** @type {string} */ label) => {
    for (const t of TYPES) {
      const rows = scored.filter((s) => s.row.expect === t && s.flags !== null);
      recallLine(`${label} ${t}`, t, rows.filter((s) => s.flags?.includes(t)).length, rows.length);
    }
  };
  const benignOf = (/** @type {Scored[]} */ scored, /** @type {string} */ label, /** @type {(s: Scored) => boolean} */ keep = () => true) => {
    const rows = scored.filter((s) => s.row.expect === null && s.flags !== null && keep(s));
    fpLine(label, rows.filter((s) => s.flags?.length).length, rows.length);
  };

  if (on('openappsec')) {
    const rows = openappsec(DATA);
    console.log(`== openappsec payloads (attacks/openappsec-payloads: ${rows.length} requests; GET /search?q=<payload>, traversal also GET /static/<payload>)`);
    const scored = await detectRows(core, 'openappsec', rows);
    report(scored, o.show);
    json.openappsec = scored.map((s) => ({ group: s.row.group, expect: s.row.expect, payload: s.row.shown, attacks: s.flags }));
    summary.push(() => {
      recallOf(scored, 'openappsec');
      benignOf(scored, 'openappsec look-alikes (adversarial benign)');
    });
    console.log('');
  }
  if (on('httpparams')) {
    const rows = httpparams(DATA);
    console.log(`== HttpParamsDataset (attacks/httpparams/payload_full.csv: ${rows.length} requests; GET /search?q=<payload>, path-traversal also GET /static/<payload>)`);
    const scored = await detectRows(core, 'httpparams', rows);
    report(scored, o.show);
    json.httpparams = scored.map((s) => ({ group: s.row.group, expect: s.row.expect, payload: s.row.shown, attacks: s.flags }));
    summary.push(() => {
      recallOf(scored, 'httpparams');
      benignOf(scored, 'httpparams norm (CSIC parameter values)');
    });
    console.log('');
  }
  if (on('csic')) {
    const rows = csic(DATA);
    console.log(`== CSIC 2010 (attacks/csic2010, first 10,000 requests of each test file: ${rows.length} log lines; labels are normal/anomalous only, no types;`);
    console.log('   anomalous includes non-injection anomalies (parameter tampering, overflows, typos), so its detection rate is no recall of our types)');
    const scored = await detectRows(core, 'csic', rows);
    report(scored, o.show);
    json.csic = scored.map((s) => ({ group: s.row.group, expect: s.row.expect, request: s.row.shown, attacks: s.flags }));
    summary.push(() => {
      benignOf(scored, 'CSIC normal, request lines', (s) => !s.row.group.includes('body in query'));
      benignOf(scored, 'CSIC normal, bodies in the query', (s) => !s.row.group.includes('line only'));
    });
    console.log('');
  }
  if (on('crowdsec')) {
    const files = crowdsec(DATA);
    console.log(`== CrowdSec hub test logs (access/crowdsec-hub, ${files.length} files, labels from INDEX.tsv; a file is a hit when a line of it is flagged with its type)`);
    const r = await reportFiles(core, files, o.show);
    json.crowdsec = r.json;
    summary.push(() => {
      for (const [t, c] of [...r.perType].sort()) recallLine(`crowdsec ${t} (files)`, t, c.tp, c.tp + c.fn);
      fpLine('crowdsec whitelists (requests)', r.benign.flagged, r.benign.n);
    });
    console.log('');
  }
  if (on('fail2ban')) {
    const files = fail2ban(DATA);
    console.log(`== fail2ban test logs (attacks/fail2ban, each line labelled by its # failJSON; each line read on its own, its format detected)`);
    /** @type {Scored[]} */
    const scored = [];
    for (const f of files) {
      const lines = f.text.split('\n').filter((l) => l !== '');
      for (const [i, line] of lines.entries()) {
        const r = await core.run(f.name, line + '\n');
        const expect = f.lineLabels?.[i] ?? null;
        scored.push({ dataset: 'fail2ban', row: { group: `${f.group} (${expect === null ? 'match=false' : 'match=true'})`, expect, shown: line, line }, flags: r.byLine.get(1)?.attacks ?? null });
      }
    }
    report(scored, o.show);
    summary.push(() => recallOf(scored, 'fail2ban'));
    json.fail2ban = scored.map((s) => ({ group: s.row.group, expect: s.row.expect, line: s.row.shown, attacks: s.flags }));
    console.log('');
  }
  if (on('benign')) {
    console.log(`== Real logs taken as benign (every flag counted as a false positive; top ${o.top} flagged kinds per file for a human to judge)`);
    const r = await reportBenign(core, o.top);
    json.benign = r;
    summary.push(() => {
      for (const f of r) fpLine(`${path.basename(f.file)} (real traffic)`, f.flagged, f.n);
    });
    console.log('');
  }

  console.log(`== Against the issue's target (recall ≥ ${RECALL_TARGET} on injection types, false positives ≤ ${FP_TARGET * 100}% of normal requests)`);
  for (const s of summary) s();
  if (o.json) {
    writeFileSync(o.json, JSON.stringify(json, null, 1));
    console.log(`\nper-request results written to ${o.json}`);
  }
}

await main();
