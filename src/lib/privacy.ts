// Privacy mode (SPEC §7: "an optional privacy mode masks IPs"): IP addresses are shown and exported
// cut to their network — IPv4 keeps its first two octets (203.0.x.x), IPv6 its first 32 bits
// (2001:db8:x:x:x:x:x:x) — so a screen or a CSV can be shared without naming hosts. Display only:
// the worker keeps, filters and groups by the real addresses.
//
// Kept in localStorage, not in the database's meta: it is this browser's display preference, read
// synchronously before the first row is drawn (no flash of real addresses while the worker starts),
// and it holds where nothing else is kept (`?store=none`, or storage refused).

const KEY = 'sessionlens-privacy';

/** What stands for a masked address part. */
const X = 'x';

/**
 * An IP address as privacy mode shows it (unchanged when `masked` is false). Anything that is not an
 * address (a host name, a garbled field) is masked whole: it may name the client just as well.
 */
export function displayIp(ip: string | null | undefined, masked: boolean): string {
  const s = ip ?? '';
  if (!masked || s === '') return s;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}(:\d+)?$/.exec(s);
  if (v4) return `${v4[1]}.${v4[2]}.${X}.${X}`;
  // IPv6, possibly bracketed with a port, or IPv4-mapped (::ffff:1.2.3.4)
  const bare = s.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/i.exec(bare);
  if (mapped) return `::ffff:${mapped[1]}.${mapped[2]}.${X}.${X}`;
  if (bare.includes(':') && /^[0-9a-f:.]+$/i.test(bare)) {
    const groups = expandV6(bare);
    if (groups) return [...groups.slice(0, 2), ...Array(6).fill(X)].join(':');
  }
  return '(masked)';
}

/** The 8 groups of an IPv6 address ("::" expanded, leading zeros dropped), or null. */
function expandV6(s: string): string[] | null {
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (h: string) => (h === '' ? [] : h.split(':'));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  // an embedded IPv4 tail counts as two groups
  const groupsOf = (g: string[]) => g.reduce((n, x) => n + (x.includes('.') ? 2 : 1), 0);
  const missing = 8 - groupsOf(head) - groupsOf(tail);
  if (halves.length === 1 ? missing !== 0 : missing < 0) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!all.slice(0, 2).every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => (g.includes('.') ? g : g.replace(/^0+(?=.)/, '').toLowerCase()));
}

/** The privacy mode kept in this browser (off when nothing is kept or storage is refused). */
export function savedPrivacy(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

export function savePrivacy(on: boolean): void {
  try {
    if (on) localStorage.setItem(KEY, 'on');
    else localStorage.removeItem(KEY);
  } catch {
    // not kept: this tab still masks
  }
}
