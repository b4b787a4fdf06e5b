import type { RequestColumns, RequestContext } from './requests';

// Copies the core's request columns (assembly/requests.ts) into a self-contained block: typed
// arrays owned by JS (views on wasm memory go stale when it grows, and a block outlives the
// engine), with the core's global table indices renumbered into the block's own dictionaries.

interface RequestExports {
  memory: WebAssembly.Memory;
  requestColumn(i: number): number;
}

/** A core string table with its renumbering: `local[g]` is valid for the block in `stamp[g]`. */
export interface TableRemap {
  table: { size: number; get(k: number): string };
  local: Int32Array;
  stamp: Int32Array;
}
/** IPs, user agents, users, hosts, endpoints: the order of the core's tableCount(i). */
export type RequestTables = TableRemap[];

type ArrayKind<T> = { new (b: ArrayBufferLike, offset: number, length: number): T & { slice(): T } };

export function takeRequests(x: RequestExports, n: number, block: number, tables: RequestTables, context: string[] = []): RequestColumns {
  const mem = x.memory.buffer;
  const col = <T>(i: number, Kind: ArrayKind<T>, len = n): T => new Kind(mem, x.requestColumn(i) >>> 0, len).slice();
  const targetEnd = col(15, Uint32Array);
  const referrerEnd = col(17, Uint32Array);
  const ip = col(3, Uint32Array);
  const userAgent = col(4, Uint32Array);
  const user = col(5, Uint32Array);
  const host = col(6, Uint32Array);
  const endpoint = col(7, Uint32Array);
  const out: RequestColumns = {
    count: n,
    time: col(0, Float64Array),
    keyKind: col(1, Uint8Array),
    keyHash: col(2, Uint32Array, 2 * n),
    ip,
    userAgent,
    user,
    host,
    endpoint,
    status: col(8, Uint16Array),
    bytes: col(9, Float64Array),
    duration: col(10, Float32Array),
    attacks: col(11, Uint16Array),
    file: col(12, Uint16Array),
    line: col(13, Uint32Array),
    target: col(14, Uint8Array, targetEnd[n - 1]),
    targetEnd,
    referrer: col(16, Uint8Array, referrerEnd[n - 1]),
    referrerEnd,
    dict: {
      ips: renumber(ip, tables[0], block, false),
      userAgents: renumber(userAgent, tables[1], block, false),
      users: renumber(user, tables[2], block, true),
      hosts: renumber(host, tables[3], block, true),
      endpoints: renumber(endpoint, tables[4], block, false)
    }
  };
  if (context.length) out.context = takeContext(mem, x, n, context);
  return out;
}

const utf8 = new TextDecoder();

/**
 * The context columns (assembly/context.ts: per row and parameter, row-major, the end of its bytes)
 * as a dictionary per parameter: a tenant or a role repeats on every row, so each is stored once.
 */
function takeContext(mem: ArrayBuffer, x: RequestExports, n: number, names: string[]): RequestContext {
  const p = names.length;
  const ends = new Uint32Array(mem, x.requestColumn(18) >>> 0, n * p);
  const text = new Uint8Array(mem, x.requestColumn(19) >>> 0, ends[n * p - 1]);
  const values = names.map(() => new Uint32Array(n));
  const dict: string[][] = names.map(() => []);
  const index = names.map(() => new Map<string, number>());
  let from = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < p; j++) {
      const to = ends[r * p + j];
      if (to > from) {
        const s = utf8.decode(text.subarray(from, to));
        let k = index[j].get(s);
        if (k === undefined) index[j].set(s, (k = dict[j].push(s)));
        values[j][r] = k;
      }
      from = to;
    }
  }
  return { names: [...names], values, dict };
}

/**
 * Rewrites global ids to the block's (in place) and returns the block's strings, each decoded
 * once. `oneBased`: 0 means none and k the table's entry k - 1, before and after.
 */
function renumber(ids: Uint32Array, t: TableRemap, block: number, oneBased: boolean): string[] {
  if (t.stamp.length < t.table.size) {
    // stamps of earlier blocks are stale anyway: fresh arrays need no copy
    const size = Math.max(t.table.size, t.stamp.length * 2, 1024);
    t.local = new Int32Array(size);
    t.stamp = new Int32Array(size);
  }
  const out: string[] = [];
  const base = oneBased ? 1 : 0;
  for (let r = 0; r < ids.length; r++) {
    if (oneBased && ids[r] === 0) continue;
    const g = ids[r] - base;
    if (t.stamp[g] !== block) {
      t.stamp[g] = block;
      t.local[g] = out.push(t.table.get(g)) - 1;
    }
    ids[r] = t.local[g] + base;
  }
  return out;
}
