// What the page's format controls hold, and the FormatChoice the worker reads from them.
import type { FilePreview, FormatChoice } from '../worker/api';

/** The format controls: the list choice, a pasted server format string, a JSON field mapping. */
export interface FormatDraft {
  /** 'auto' or a FORMAT_CHOICES name. */
  select: string;
  /** A pasted nginx `log_format` or Apache `LogFormat`; when set, it wins over `select`. */
  pasted: string;
  /** `time=ts,ip=client.addr,…`; read only when `select` is 'json'. */
  mapping: string;
}

export const AUTO_DRAFT: Readonly<FormatDraft> = { select: 'auto', pasted: '', mapping: '' };

/** Does the list choice take a field mapping? */
export function takesMapping(draft: FormatDraft): boolean {
  return draft.select === 'json' && draft.pasted.trim() === '';
}

/** The choice the worker gets: undefined fields detect each file's format. */
export function choiceOf(draft: FormatDraft): FormatChoice {
  const pasted = draft.pasted.trim();
  if (pasted) return { format: pastedFormat(pasted) };
  const mapping = takesMapping(draft) ? draft.mapping.trim() : '';
  if (draft.select === 'auto') return {};
  return mapping ? { format: draft.select, mapping } : { format: draft.select };
}

/** A stable key of a choice: two drafts meaning the same thing have the same key. */
export function choiceKey(choice: FormatChoice): string {
  return JSON.stringify([choice.format ?? 'auto', choice.mapping ?? '']);
}

/**
 * A pasted format with its flavour: kept as is when it says `nginx:` or `apache:`, else told by its
 * look — nginx's `log_format` directive or `$variables`, Apache's `LogFormat` or `%directives`.
 * Anything else is passed on as a format name ("combined", "w3c", …).
 */
export function pastedFormat(text: string): string {
  const t = text.trim();
  if (/^(nginx|apache):/i.test(t)) return t;
  if (/^log_format\s/.test(t) || /\$\{?[a-z_]\w*/i.test(t)) return `nginx:${t}`;
  if (/^(Custom)?LogFormat\s/i.test(t) || /%(?:[<>]|!?[\d,]+)*(?:\{[^}]*\})?[a-zA-Z]/.test(t)) return `apache:${t}`;
  return t;
}

/**
 * A file that has a format, yet not one line of its start parses in it: importing it would only fail.
 * (An empty file is let through: the import says why it stops.)
 */
export function parsesNothing(p: FilePreview): boolean {
  return p.format !== null && p.lines > 0 && p.requests.length === 0;
}

/** The file can be imported as previewed. */
export function importable(p: FilePreview): boolean {
  return p.format !== null && !p.error && !parsesNothing(p);
}
