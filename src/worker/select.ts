// Which stored sessions a filter lets through, and in what order: read straight off the columns
// (attacks, labelBits, risk), so a million sessions are filtered without building a row object each.
import { ATTACK_TYPES, LABELS, type SessionColumns } from '../lib/core/types';
import { ANY_ATTACK } from '../lib/detection';
import type { SessionFilter, SessionSort } from './api';
import type { OrderName, Orders } from '../lib/storage/orders';

export { ANY_ATTACK };

/** The filter as the service applies it: empty strings and non-numbers are "no condition". */
export interface CheckedFilter {
  /** Index into ATTACK_TYPES, -1 for any attack type, -2 for no condition, -3 for an unknown type (nothing matches). */
  attack: number;
  /** Bit of the label in labelBits, 0 for no condition, -1 for an unknown label (nothing matches). */
  labelBit: number;
  /** Least risk, 0..101 (0: no condition; above 100: nothing matches). */
  minRisk: number;
}

export function checkFilter(filter: SessionFilter | undefined): CheckedFilter {
  const attackName = String(filter?.attack ?? '').trim();
  const labelName = String(filter?.label ?? '').trim();
  let attack = -2;
  if (attackName === ANY_ATTACK) attack = -1;
  else if (attackName !== '') {
    const i = (ATTACK_TYPES as readonly string[]).indexOf(attackName);
    attack = i >= 0 ? i : -3;
  }
  let labelBit = 0;
  if (labelName !== '') {
    const i = (LABELS as readonly string[]).indexOf(labelName);
    labelBit = i >= 0 ? 1 << i : -1;
  }
  const risk = Number(filter?.minRisk);
  const minRisk = Number.isFinite(risk) && risk > 0 ? Math.min(101, Math.ceil(risk)) : 0;
  return { attack, labelBit, minRisk };
}

/** True when the filter lets every session through. */
export function isOpen(f: CheckedFilter): boolean {
  return f.attack === -2 && f.labelBit === 0 && f.minRisk === 0;
}

/** Does session i pass the filter? */
export function passes(cols: SessionColumns, i: number, f: CheckedFilter): boolean {
  if (f.attack === -3 || f.labelBit === -1) return false;
  if (f.minRisk > 0 && cols.risk[i] < f.minRisk) return false;
  if (f.labelBit > 0 && (cols.labelBits[i] & f.labelBit) === 0) return false;
  if (f.attack >= 0) return cols.attacks[i * ATTACK_TYPES.length + f.attack] > 0;
  if (f.attack === -1) {
    for (let j = 0; j < ATTACK_TYPES.length; j++) if (cols.attacks[i * ATTACK_TYPES.length + j] > 0) return true;
    return false;
  }
  return true;
}

/** The stored order each sort reads. */
export const ORDER_OF: Record<SessionSort, OrderName> = { start: 'byStart', end: 'byEnd', requests: 'byRequests', ip: 'byIp', risk: 'byRisk' };

/**
 * The rows of the sessions that pass the filter, in the order asked for. With `orders` (the stored
 * orders of the held table) the sort picks one of them and the filter walks it. Without, the block
 * is taken to be in start order: 'start' is its own order, 'risk' a counting sort (other sorts need
 * orders). Null when that is every row in the block's order (nothing to select, nothing to sort).
 */
export function selectSessions(cols: SessionColumns, filter?: SessionFilter, sort: SessionSort = 'start', orders?: Orders | null): Uint32Array | null {
  const f = checkFilter(filter);
  if (orders) {
    const order = orders[ORDER_OF[sort] ?? 'byStart'];
    if (isOpen(f)) return order;
    const picked = new Uint32Array(order.length);
    let n = 0;
    for (const i of order) if (passes(cols, i, f)) picked[n++] = i;
    return picked.subarray(0, n);
  }
  const byRisk = sort === 'risk';
  if (isOpen(f) && !byRisk) return null;
  const picked = new Uint32Array(cols.count);
  let n = 0;
  for (let i = 0; i < cols.count; i++) if (passes(cols, i, f)) picked[n++] = i;
  const rows = picked.subarray(0, n);
  return byRisk ? byRiskDescending(cols, rows) : rows;
}

/** A counting sort on risk (0..100), highest first; stable, so ties keep their order by start. */
function byRiskDescending(cols: SessionColumns, rows: Uint32Array): Uint32Array {
  const counts = new Uint32Array(102);
  for (const i of rows) counts[100 - Math.min(100, cols.risk[i]) + 1]++;
  for (let r = 1; r < counts.length; r++) counts[r] += counts[r - 1];
  const out = new Uint32Array(rows.length);
  for (const i of rows) out[counts[100 - Math.min(100, cols.risk[i])]++] = i;
  return out;
}
