// Undo the escapes servers put in logged strings, on bytes, before UTF-8 decoding:
// Apache writes \" and \\ (and \xHH for other control bytes), nginx writes \xHH.
// Runs once per actor or user, never per line.

const decoder = new TextDecoder('utf-8', { fatal: false });

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

export function unescapeLogBytes(src: Uint8Array): Uint8Array {
  if (src.indexOf(0x5c) < 0) return src;
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === 0x5c && i + 1 < src.length) {
      const next = src[i + 1];
      if (next === 0x22 || next === 0x5c) {
        out[n++] = next;
        i++;
        continue;
      }
      if (next === 0x78 && i + 3 < src.length) {
        const hi = hexValue(src[i + 2]);
        const lo = hexValue(src[i + 3]);
        if (hi >= 0 && lo >= 0) {
          out[n++] = (hi << 4) | lo;
          i += 3;
          continue;
        }
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

/** Logged bytes to text: escapes undone, invalid UTF-8 replaced (never fatal). */
export function logText(src: Uint8Array): string {
  return decoder.decode(unescapeLogBytes(src));
}

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes that every escaping reads as themselves — ASCII without a backslash, `+` or `%` — as text, or
 * null: a string table of such entries (IPs, templates, most agents) is decoded in one call and
 * cut, instead of a call per entry. ASCII is told by the length: any other UTF-8 is shorter as
 * text, and invalid UTF-8 throws.
 */
export function plainText(src: Uint8Array): string | null {
  if (src.indexOf(0x5c) >= 0 || src.indexOf(0x2b) >= 0 || src.indexOf(0x25) >= 0) return null;
  try {
    const text = strict.decode(src);
    return text.length === src.length ? text : null;
  } catch {
    return null;
  }
}

/** Raw bytes to text, invalid UTF-8 replaced. */
export function rawText(src: Uint8Array): string {
  return decoder.decode(src);
}

/** JSON string content (without its quotes) to text; invalid escapes are kept as written. */
export function jsonText(src: Uint8Array): string {
  const raw = decoder.decode(src);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function percentDecodeBytes(src: Uint8Array): Uint8Array {
  if (src.indexOf(0x25) < 0) return src;
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]);
      const lo = hexValue(src[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

/** CloudFront percent-encodes its strings, user agents twice ("%2520" for a space). */
export function percentText(src: Uint8Array): string {
  return decoder.decode(percentDecodeBytes(percentDecodeBytes(src)));
}

/** W3C / IIS logs write '+' for a space in user agents; some W3C writers percent-encode. */
export function plusText(src: Uint8Array): string {
  return decoder.decode(percentDecodeBytes(src)).replaceAll('+', ' ');
}

/** A stored value to text, by the escaping of the format it came from (the Enc of slots.ts). */
export function valueText(enc: number, src: Uint8Array): string {
  switch (enc) {
    case 1:
      return jsonText(src);
    case 2:
      return plusText(src);
    case 3:
      return percentText(src);
    default:
      return logText(src);
  }
}
