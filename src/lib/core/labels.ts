import type { SessionColumns, Label, LabelName, RiskPart, AttackType, Baseline, EndpointStats } from './types';
import { ATTACK_TYPES, LABELS } from './types';

// Behaviour labels and risk (SPEC §3), from each session's figures and the dataset's own baseline.
// Every label carries its evidence — the numbers that triggered it — and a risk score is the sum
// of named parts, so the page can explain both. Thresholds are named here, in one place.

export const THRESHOLDS = {
  /** Scanner probes (or a scanner's user agent) that make a security crawler. */
  probes: 5,
  /** 401/403 answers on login-like endpoints for brute force. */
  authFailures: 10,
  /** Not-found answers, and their share of the session, for forced browsing. */
  notFound: 20,
  notFoundShare: 0.5,
  /** Distinct object ids on id endpoints, and their share of the session, for enumeration. */
  idPaths: 20,
  idShare: 0.5,
  /** Sessions at least this large are compared with the dataset's 99th percentiles. */
  scrapingMinRequests: 100,
  /** Successive gaps, their least mean (ms) and greatest coefficient of variation for machine timing. */
  timingGaps: 10,
  timingMinMeanMs: 500,
  timingMaxCv: 0.1,
  /** Slow requests (for their endpoint) that mark a session; server errors within a minute for a burst. */
  slowRequests: 3,
  errorBurst: 5
} as const;

const SCANNER_UA = /sqlmap|nikto|nuclei|zgrab|masscan|nmap|acunetix|wpscan|dirbuster|gobuster|dirb\/|ffuf|wfuzz|nessus|openvas|w3af|burp|arachni|skipfish|zmeu|netsparker|qualys|jaeles|commix|whatweb|hydra|zap\//i;
const LIBRARY_UA = /^(curl|wget|python-requests|python-urllib|python\/|aiohttp|httpx|go-http-client|java\/|okhttp|apache-httpclient|axios|node-fetch|undici|got |libwww-perl|lwp::|ruby|php\/|guzzlehttp|powershell|postmanruntime|insomnia|restsharp|dart:io|reqwest|http\.rb|scrapy|mechanize|winhttp)/i;

/** Points of each attack type and label in a session's risk. */
const ATTACK_POINTS: Record<AttackType, number> = { jndi: 45, cmdi: 40, sqli: 35, 'file-inclusion': 35, traversal: 30, xss: 30, scanner: 15 };
const LABEL_POINTS: Record<LabelName, number> = {
  'security-crawler': 20,
  'brute-force': 30,
  'forced-browsing': 15,
  enumeration: 25,
  scraping: 15,
  'machine-timing': 5,
  'library-agent': 5,
  // performance, not threat: shown, but no risk
  'slow-requests': 0,
  'error-burst': 0
};

/** Below this many values percentile() sorts them all. */
const SAMPLED_MIN = 4096;
const SAMPLES = 1024;

/**
 * The q-quantile of `values` (a scratch array: it may sort it): the value at index ⌊q·n⌋ in
 * ascending order. Sorting 44k values took ~5 ms, three times an import; for a high q only the
 * values from a threshold up are sorted, the threshold read a little below q in a sorted sample.
 * Exact: the count of values under the threshold says whether the answer is among those sorted,
 * and when it is not (an unlucky sample) all are sorted.
 */
export function percentile(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return Infinity;
  const k = Math.min(n - 1, Math.floor(q * n));
  if (n >= SAMPLED_MIN && q >= 0.5) {
    const sample = new Float64Array(SAMPLES);
    const step = n / SAMPLES;
    for (let i = 0; i < SAMPLES; i++) sample[i] = values[Math.floor(i * step)];
    sample.sort();
    // ~3% of the sample below q's place: the share of values above it is then ~1 − q + 3%
    const t = sample[Math.max(0, Math.floor(q * SAMPLES) - 32)];
    let below = 0;
    for (let i = 0; i < n; i++) if (values[i] < t) below++;
    if (below <= k) {
      const top = new Float64Array(n - below);
      let j = 0;
      for (let i = 0; i < n; i++) if (!(values[i] < t)) top[j++] = values[i];
      top.sort();
      return top[k - below];
    }
  }
  values.sort();
  return values[k];
}

const perMinute = (requests: number, start: number, end: number) => requests / Math.max(1, (end - start) / 60_000);

/** The dataset's 99th percentiles of session size, rate and bytes (of the given rows; default all). */
export function baselineOf(cols: Pick<SessionColumns, 'count' | 'requests' | 'bytes' | 'start' | 'end'>, rows?: ArrayLike<number>): Baseline {
  // one plain loop, no call per session: this runs once per import, mostly in the interpreter
  const n = rows ? rows.length : cols.count;
  const requests = new Float64Array(n), rate = new Float64Array(n), bytes = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    const r = cols.requests[i];
    requests[k] = r;
    rate[k] = perMinute(r, cols.start[i], cols.end[i]);
    bytes[k] = cols.bytes[i];
  }
  return { requestsP99: percentile(requests, 0.99), rateP99: percentile(rate, 0.99), bytesP99: percentile(bytes, 0.99) };
}

/** What a user agent says of its sender: judged once per distinct agent, not once per session. */
interface AgentFacts {
  /** The scanner named in it, if any. */
  scanner: string | undefined;
  /** The library or tool named in it, if any. */
  library: string | undefined;
  /** No user agent at all ('' or '-'). */
  none: boolean;
}

function agentFacts(ua: string): AgentFacts {
  return { scanner: SCANNER_UA.exec(ua)?.[0], library: LIBRARY_UA.exec(ua)?.[0], none: ua === '' || ua === '-' };
}

/**
 * The labels of session i against `b`, each handed to `emit` with its evidence as a function: only
 * labelsOf() makes the sentences, scoring many sessions needs the names alone.
 */
function judge(cols: SessionColumns, i: number, b: Baseline, agent: AgentFacts, emit: (name: LabelName, evidence: () => string) => void): void {
  const t = THRESHOLDS;
  const n = cols.requests[i];
  const probes = cols.attacks[i * 7 + SCANNER];
  const scannerUa = agent.scanner;
  if (scannerUa || probes >= t.probes) {
    emit('security-crawler', () => {
      // with a scanner's user agent every request counts as scanner activity, not only the probes
      const what = scannerUa ? 'requests from a scanner or probing for files and panels' : 'requests probe for files or panels';
      return [scannerUa ? `scanner user agent "${scannerUa}"` : '', probes ? `${probes} of ${n} ${what}` : ''].filter(Boolean).join('; ');
    });
  }
  if (cols.authFailures[i] >= t.authFailures) {
    emit('brute-force', () => `${cols.authFailures[i]} requests answered 401/403 on login endpoints`);
  }
  const nf = cols.notFound[i];
  if (nf >= t.notFound && nf >= n * t.notFoundShare) {
    emit('forced-browsing', () => `${nf} of ${n} requests not found, over ${cols.distinctEndpoints[i]} distinct endpoints`);
  }
  const ids = cols.idPaths[i];
  if (ids >= t.idPaths && ids >= n * t.idShare) {
    emit('enumeration', () => `${ids} distinct object ids requested in ${n} requests`);
  }
  if (n >= t.scrapingMinRequests) {
    const rate = perMinute(n, cols.start[i], cols.end[i]);
    const bytes = cols.bytes[i];
    const byCount = n >= b.requestsP99;
    const byRate = rate >= b.rateP99;
    const byBytes = bytes >= b.bytesP99 && bytes > 0;
    if (byCount || byRate || byBytes) {
      emit('scraping', () => {
        const why: string[] = [];
        if (byCount) why.push(`${n} requests (99th percentile of sessions: ${Math.round(b.requestsP99)})`);
        if (byRate) why.push(`${rate.toFixed(1)} requests/min (99th percentile: ${b.rateP99.toFixed(1)})`);
        if (byBytes) why.push(`${Math.round(bytes / 1024)} KiB (99th percentile: ${Math.round(b.bytesP99 / 1024)} KiB)`);
        return why.join('; ');
      });
    }
  }
  const gaps = cols.gapCount[i];
  if (gaps >= t.timingGaps) {
    const mean = cols.gapSum[i] / gaps;
    const variance = Math.max(0, cols.gapSumSq[i] / gaps - mean * mean);
    const cv = Math.sqrt(variance) / mean;
    if (mean >= t.timingMinMeanMs && cv <= t.timingMaxCv) {
      emit('machine-timing', () => `${gaps} gaps of ${(mean / 1000).toFixed(1)} s on average, varying by ${(cv * 100).toFixed(1)}%`);
    }
  }
  if (cols.slowRequests[i] >= t.slowRequests) {
    emit('slow-requests', () => `${cols.slowRequests[i]} requests slower than their endpoint's 99th percentile and thrice its median`);
  }
  if (cols.errorBurst[i] >= t.errorBurst) {
    emit('error-burst', () => `${cols.errorBurst[i]} server errors (5xx) within a minute`);
  }
  if (agent.none || agent.library) {
    emit('library-agent', () => (agent.none ? 'no user agent' : `user agent of a library or tool: "${agent.library}"`));
  }
}

const SCANNER = ATTACK_TYPES.indexOf('scanner');

/** The labels of session i, with their evidence. */
export function labelsOf(cols: SessionColumns, i: number): Label[] {
  const out: Label[] = [];
  judge(cols, i, cols.baseline, agentFacts(cols.userAgents[cols.userAgent[i]] ?? ''), (name, evidence) => out.push({ name, evidence: evidence() }));
  return out;
}

/** The risk of session i, 0..100, as the parts that make it. */
export function riskOf(cols: SessionColumns, i: number, labels: Label[]): { risk: number; parts: RiskPart[] } {
  const parts: RiskPart[] = [];
  ATTACK_TYPES.forEach((k, j) => {
    const count = cols.attacks[i * 7 + j];
    if (count > 0) parts.push({ part: `${count} ${k} request${count > 1 ? 's' : ''}`, points: ATTACK_POINTS[k] });
  });
  for (const l of labels) if (LABEL_POINTS[l.name] > 0) parts.push({ part: l.name, points: LABEL_POINTS[l.name] });
  const risk = Math.min(100, parts.reduce((s, p) => s + p.points, 0));
  return { risk, parts };
}

/** Baseline, label bits and risk of some rows of `cols` (in that order; default all), judged among those rows alone. */
export interface Scores {
  baseline: Baseline;
  labelBits: Uint16Array;
  risk: Uint8Array;
}

/**
 * Scores the given rows as scoreSessions would score a table of them alone, without making one:
 * the baseline is theirs, the labels and risk as riskOf(labelsOf()) gives them.
 */
export function scoreRows(cols: SessionColumns, rows?: ArrayLike<number>): Scores {
  const n = rows ? rows.length : cols.count;
  const baseline = baselineOf(cols, rows);
  const labelBits = new Uint16Array(n);
  const risk = new Uint8Array(n);
  const agents: (AgentFacts | undefined)[] = [];
  let bits = 0;
  let points = 0;
  const emit = (name: LabelName) => {
    bits |= LABEL_BIT[name];
    points += LABEL_POINTS[name];
  };
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    const ua = cols.userAgent[i];
    const agent = (agents[ua] ??= agentFacts(cols.userAgents[ua] ?? ''));
    bits = 0;
    points = 0;
    judge(cols, i, baseline, agent, emit);
    for (let j = 0; j < ATTACK_COUNT; j++) if (cols.attacks[i * ATTACK_COUNT + j] > 0) points += ATTACK_POINTS_BY_INDEX[j];
    labelBits[k] = bits;
    risk[k] = points < 100 ? points : 100;
  }
  return { baseline, labelBits, risk };
}

const LABEL_BIT = Object.fromEntries(LABELS.map((l, k) => [l, 1 << k])) as Record<LabelName, number>;
const ATTACK_COUNT = ATTACK_TYPES.length;
const ATTACK_POINTS_BY_INDEX = ATTACK_TYPES.map((t) => ATTACK_POINTS[t]);

/** Sets baseline, labelBits and risk of every session. Call after building or merging columns. */
export function scoreSessions(cols: SessionColumns): SessionColumns {
  const s = scoreRows(cols);
  cols.baseline = s.baseline;
  cols.labelBits = s.labelBits;
  cols.risk = s.risk;
  return cols;
}

/** An endpoint's risk: the share of its requests that are attacks, weighted by the worst type. */
export function endpointRisk(e: Pick<EndpointStats, 'requests' | 'attacks'>): number {
  let attacked = 0;
  let worst = 0;
  for (const k of ATTACK_TYPES) {
    const n = e.attacks[k] ?? 0;
    if (n > 0) {
      attacked += n;
      worst = Math.max(worst, ATTACK_POINTS[k]);
    }
  }
  if (attacked === 0) return 0;
  const share = Math.min(1, attacked / Math.max(1, e.requests));
  return Math.min(100, Math.round(worst + (100 - worst) * share));
}
