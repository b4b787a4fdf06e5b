// The context parameters (lib/core/context.ts) a request was stored with, carried over to its
// re-grouped copy (regroup.ts): they do not depend on the grouping, and their raw values (a hashed
// parameter's above all) are not stored, so the replay cannot extract them again. The replay feeds
// requests in file and line order and the core hands them back in that order: a queue of the fed
// rows, matched by file and line, is all that is held (a group of blocks or two).
import type { RequestColumns, RequestContext } from '../lib/core/requests';

interface Fed {
  block: RequestColumns;
  row: number;
}

export class ContextCarry {
  #queue: Fed[] = [];
  #head = 0;

  /** A row fed to the replay; only rows of blocks with context columns are remembered. */
  fed(block: RequestColumns, row: number): void {
    if (block.context && block.context.names.length > 0) this.#queue.push({ block, row });
  }

  /**
   * Gives `out` (a block the core made from the replay, file numbers already the import's) the
   * context columns of the rows it came from, matched by file and line (one request per line).
   */
  carry(out: RequestColumns): void {
    const names: string[] = [];
    const index = new Map<string, number>();
    const values: Uint32Array[] = [];
    const dict: string[][] = [];
    const dictIndex: Map<string, number>[] = [];
    const pos = (f: Fed) => f.block.file[f.row] * 2 ** 32 + f.block.line[f.row];
    for (let i = 0; i < out.count; i++) {
      const at = out.file[i] * 2 ** 32 + out.line[i];
      while (this.#head < this.#queue.length && pos(this.#queue[this.#head]) < at) this.#head++;
      const src = this.#head < this.#queue.length && pos(this.#queue[this.#head]) === at ? this.#queue[this.#head++] : undefined;
      const c = src?.block.context;
      if (!src || !c) continue;
      for (let p = 0; p < c.names.length; p++) {
        const v = c.values[p][src.row];
        if (!v) continue;
        let k = index.get(c.names[p]);
        if (k === undefined) {
          index.set(c.names[p], (k = names.push(c.names[p]) - 1));
          values.push(new Uint32Array(out.count));
          dict.push([]);
          dictIndex.push(new Map());
        }
        const text = c.dict[p][v - 1];
        let d = dictIndex[k].get(text);
        if (d === undefined) dictIndex[k].set(text, (d = dict[k].push(text)));
        values[k][i] = d;
      }
    }
    // the fed rows handed back are let go (the blocks they hold)
    if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (names.length > 0) out.context = { names, values, dict } satisfies RequestContext;
  }
}
