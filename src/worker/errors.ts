// Failures as values (the worker never rejects for bad input): an error kind, the file it concerns
// and a sentence for the user.
import type { InputError } from '../lib/core/types';

export function fail(kind: InputError['kind'], file: string, message: string): { ok: false; error: InputError } {
  return { ok: false, error: { kind, file, message } };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A write refused for want of space (IndexedDB's QuotaExceededError, however it is wrapped). */
export function isQuotaError(err: unknown): boolean {
  const e = err as { name?: string; inner?: { name?: string } } | null;
  return e?.name === 'QuotaExceededError' || e?.inner?.name === 'QuotaExceededError' || /quota/i.test(messageOf(err));
}

/** A browser File whose file on disk changed (or went) after it was picked: Chromium's NotReadableError. */
export function isFileChanged(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'NotReadableError';
}
