// Re-grouping the stored requests with new grouping settings (SPEC §5 Settings: "changing keys or
// timeout re-sessionizes the stored requests"). Each complete import is read back as a log
// (replay.ts) with the key each request gets under the new keys (regroup-keys.ts), analysed by the
// core as an import is, its new request blocks staged under a 'pending' ledger record; the
// sessions of all imports are merged as imports merge, and one transaction swaps the lot in
// (store.ts commitRegroup). Cancelled or failed, the staged records are discarded and the stored
// data is exactly as before. Imports read before requests were kept have none to re-read: refused.
import { emptyColumns } from '../lib/core/columns';
import { parseKeys } from '../lib/core/keys';
import { saltOf } from '../lib/core/key-hash';
import { mergeSessions } from '../lib/core/merge';
import { splitRequestsByDay } from '../lib/core/request-rows';
import { releaseRequests, type RequestColumns } from '../lib/core/requests';
import { jsonMappingSpec } from '../lib/core/formats/json';
import type { SessionColumns } from '../lib/core/types';
import type { GroupingSettings } from '../lib/grouping';
import {
  beginImport,
  commitRegroup,
  discardImport,
  importsWithBlocks,
  listImports,
  putRequestBlocks,
  saltWords,
  type ImportRecord,
  type Store
} from '../lib/storage/store';
import type { RegroupCheck, RegroupProgress, RegroupReport } from './api';
import { planCommit, type Plan } from './commit';
import { regroupKeys, type RegroupKeys } from './regroup-keys';
import { ContextCarry } from './carry-context';
import { GIVEN_KEYS, durationUnitOf, replayMapping, replaySources } from './replay';
import type { Analyse } from './service';

/** Whether the stored sessions can be grouped again with `next`, and if not why and what to re-import. */
export async function checkRegroup(db: Store, current: GroupingSettings, next: GroupingSettings, salt: string): Promise<RegroupCheck & { keys?: RegroupKeys }> {
  const ledger = await listImports(db);
  const complete = ledger.filter((r) => r.status === 'complete');
  const files = [...new Set(complete.flatMap((r) => r.files.map((f) => f.name)))];
  const from = parseKeys(current.keys);
  const to = parseKeys(next.keys);
  if (typeof from === 'string' || typeof to === 'string') return { possible: false, unknownKeys: [], files, reason: 'The grouping keys cannot be read.' };
  const keys = regroupKeys(from, to, saltOf(saltWords(salt)));
  if (!keys.ok) {
    return {
      possible: false,
      unknownKeys: keys.unknown,
      files,
      reason: `The values of ${keys.unknown.join(', ')} were not stored (only the hash of the key that grouped each request is kept), so the stored requests cannot be grouped by ${keys.unknown.length > 1 ? 'them' : 'it'}.`
    };
  }
  const withBlocks = await importsWithBlocks(db);
  const bare = complete.filter((r) => r.id !== undefined && !withBlocks.has(r.id) && r.requests > 0);
  if (bare.length > 0) {
    return {
      possible: false,
      unknownKeys: [],
      files: [...new Set(bare.flatMap((r) => r.files.map((f) => f.name)))],
      reason: 'Some sessions were imported before requests were kept: they cannot be grouped again.'
    };
  }
  return { possible: true, unknownKeys: [], files, reason: '', keys };
}

/** Progress is sent at most this often (each message costs a render), and at each import and the write. */
const PROGRESS_INTERVAL_MS = 100;

export interface RegroupDeps {
  db: Store;
  analyse: Analyse;
  salt: string;
  /** The data generation the re-grouping starts from: the commit refuses if it moved. */
  generation: number;
  /** Requests the stored sessions hold (for progress; more than stored when days were pruned). */
  heldRequests: number;
  sessionsBefore: number;
  now: () => number;
  signal: AbortSignal;
  onProgress?: (p: RegroupProgress) => void;
}

/** Runs a re-grouping to its commit; throws (after discarding what it staged) on failure or cancel. */
export async function regroup(deps: RegroupDeps, current: GroupingSettings, next: GroupingSettings): Promise<{ plan: Plan; generation: number; report: RegroupReport }> {
  const { db, signal } = deps;
  const t0 = deps.now();
  const checked = await checkRegroup(db, current, next, deps.salt);
  if (!checked.possible || !checked.keys?.ok) throw new NotPossible(checked);
  const keyOf = checked.keys.keyOf;
  const imports = (await listImports(db)).filter((r) => r.status === 'complete' && r.id !== undefined);
  const staged: number[] = [];
  const swaps: { from: number; to: number }[] = [];
  let done = 0;
  let approximate = 0;
  let last = -Infinity;
  const progress = (phase: RegroupProgress['phase'], importIndex: number, always = false) => {
    const t = deps.now();
    if (!always && t - last < PROGRESS_INTERVAL_MS) return;
    last = t;
    try {
      deps.onProgress?.({ phase, done, total: Math.max(done, deps.heldRequests), imports: imports.length, importIndex });
    } catch {
      // advisory: the page may have gone
    }
  };
  try {
    let merged: SessionColumns | null = null;
    for (const [n, rec] of imports.entries()) {
      progress('reading', n, true);
      const sessions = await replayImport(deps, next, rec, (r) => {
        const k = keyOf(r);
        if (k.approximate) approximate++;
        return k;
      }, (rows) => {
        done += rows;
        progress('reading', n);
      }, staged);
      swaps.push({ from: rec.id!, to: staged.at(-1)! });
      merged = merged ? mergeSessions(merged, sessions, { inactivityMs: next.inactivityMs }) : sessions;
    }
    if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
    progress('writing', imports.length, true);
    const table = merged;
    const { plan, generation } = await commitRegroup(db, swaps, next, deps.generation, (stored) =>
      planCommit({ ...stored, sessions: null }, { sessions: table ?? emptyColumns(0, { ips: [], userAgents: [], users: [], hosts: [], endpoints: [] }), endpointDays: new Map() }, deps.now())
    );
    const report: RegroupReport = {
      sessionsBefore: deps.sessionsBefore,
      sessionsAfter: plan.held?.count ?? 0,
      requests: done,
      missing: Math.max(0, deps.heldRequests - done),
      approximate,
      ms: deps.now() - t0
    };
    return { plan, generation, report };
  } catch (err) {
    for (const id of staged) await discardImport(db, id).catch(() => {});
    throw err;
  }
}

/** The replay of one import, its new request blocks staged; resolves to its sessions. */
async function replayImport(
  deps: RegroupDeps,
  next: GroupingSettings,
  rec: ImportRecord,
  keyOf: Parameters<typeof replaySources>[3]['keyOf'],
  onRows: (n: number) => void,
  staged: number[]
): Promise<SessionColumns> {
  const { db, signal } = deps;
  const unit = durationUnitOf(rec.format);
  const spec = jsonMappingSpec(replayMapping(unit));
  if (typeof spec === 'string') throw new Error(spec);
  // files that turn out to have no stored rows (retention dropped them) are left out and retried
  const skip = new Set<number>();
  for (;;) {
    const id = await beginImport(db, rec.files, rec.forced === true);
    staged.push(id);
    const included = rec.files.map((_, i) => i).filter((i) => !skip.has(i));
    const carry = new ContextCarry();
    const all = replaySources(db, rec.id!, rec.files.map((f, i) => `replay:${i}:${f.name}`), { keyOf, unit, onRows, signal, onRow: (b, i) => carry.fed(b, i) });
    const sources = included.map((i) => all[i]);
    let writing: Promise<void> | undefined;
    let rowsSeen = 0;
    const onRequests = async (block: RequestColumns) => {
      // back to the import's own file numbers
      for (let i = 0; i < block.count; i++) block.file[i] = included[block.file[i]] ?? block.file[i];
      carry.carry(block);
      rowsSeen += block.count;
      const parts = splitRequestsByDay(block);
      if (writing) await writing;
      writing = putRequestBlocks(db, id, parts);
      writing.catch(() => {});
      for (const p of parts) releaseRequests(p.requests);
      releaseRequests(block);
    };
    const res = await deps.analyse(sources, {
      format: spec,
      keys: GIVEN_KEYS,
      inactivityMs: next.inactivityMs,
      salt: saltWords(deps.salt),
      signal,
      onRequests
    });
    if (writing) await writing;
    if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
    if (res.ok) return res.value.sessions;
    const m = /^replay:(\d+):/.exec(res.error.file);
    if (res.error.kind === 'empty' && m && !skip.has(Number(m[1]))) {
      skip.add(Number(m[1]));
      await discardImport(db, id);
      staged.pop();
      continue;
    }
    throw new Error(res.error.message);
  }
}

/** A re-grouping the stored data does not allow (see checkRegroup). */
export class NotPossible extends Error {
  constructor(readonly check: RegroupCheck) {
    super(check.reason);
  }
}
