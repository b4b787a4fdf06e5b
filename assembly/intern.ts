import { Vec } from './vec';

// Interns byte strings by their 64-bit hash: the first time a hash is seen its bytes are copied
// into an arena and it gets the next id. Lookups never compare bytes: with 64-bit hashes the
// chance of a collision among a million keys is about 3e-8, far below any other error in a log.

export class Interner {
  /**
   * Open-addressing table of 16-byte slots: hash (0 = empty) and id side by side, so a lookup
   * touches one cache line (the tables outgrow the caches: one miss a lookup, not two).
   */
  private slots: usize = 0;
  private mask: u32 = 0;
  count: i32 = 0;
  /** Per id: the hash, and [offset, length] of its bytes in `arena`. */
  hashes: Vec = new Vec(8, 1024);
  spans: Vec = new Vec(4, 2048);
  arena: Vec = new Vec(1, 1 << 16);

  constructor() {
    this.alloc(1 << 12);
  }

  private alloc(slots: u32): void {
    this.mask = slots - 1;
    this.slots = heap.alloc(<usize>slots << 4);
    memory.fill(this.slots, 0, <usize>slots << 4);
  }


  /**
   * The id of `hash`; on first sight, stores a tag byte (how the value is escaped), the bytes
   * [a, a+an) then, if `bn >= 0`, a 0 byte and [b, b+bn). Two parts so an IP and a user agent
   * intern as one key without a copy.
   */
  intern(hash: u64, tag: u8, a: usize, an: i32, b: usize, bn: i32): i32 {
    let h = hash | 1;
    let i = <u32>h & this.mask;
    while (true) {
      let slot = this.slots + (<usize>i << 4);
      let k = load<u64>(slot);
      if (k == h) return load<i32>(slot, 8);
      if (k == 0) {
        let id = this.count++;
        store<u64>(slot, h);
        store<i32>(slot, id, 8);
        this.hashes.pushU64(hash);
        let off = this.arena.len;
        store<u8>(this.arena.reserve(1), tag);
        this.arena.len++;
        this.arena.pushBytes(a, an);
        if (bn >= 0) {
          store<u8>(this.arena.reserve(1), 0);
          this.arena.len++;
          this.arena.pushBytes(b, bn);
        }
        this.spans.pushU32(<u32>off);
        this.spans.pushU32(<u32>(this.arena.len - off));
        if (<u32>this.count * 2 > this.mask) this.rehash();
        return id;
      }
      i = (i + 1) & this.mask;
    }
  }

  private rehash(): void {
    let old = this.slots;
    let oldSlots = this.mask + 1;
    this.alloc(oldSlots << 1);
    for (let j: u32 = 0; j < oldSlots; j++) {
      let k = load<u64>(old + (<usize>j << 4));
      if (k == 0) continue;
      let i = <u32>k & this.mask;
      while (load<u64>(this.slots + (<usize>i << 4)) != 0) i = (i + 1) & this.mask;
      store<u64>(this.slots + (<usize>i << 4), k);
      store<i32>(this.slots + (<usize>i << 4), load<i32>(old + (<usize>j << 4), 8), 8);
    }
    heap.free(old);
  }
}

/**
 * A map from 64-bit hashes to i32 with deletion (linear probing, backward-shift delete): the open
 * sessions by key.
 */
export class U64Map {
  /** 16-byte slots: hash (0 = empty) and value side by side (one cache line a probe). */
  private slots: usize = 0;
  private mask: u32 = 0;
  size: i32 = 0;

  constructor(slots: u32 = 1 << 12) {
    this.alloc(slots);
  }

  private alloc(slots: u32): void {
    this.mask = slots - 1;
    this.slots = heap.alloc(<usize>slots << 4);
    memory.fill(this.slots, 0, <usize>slots << 4);
  }

  /** Empties the map and gives its table back, but for a small one. */
  release(): void {
    heap.free(this.slots);
    this.size = 0;
    this.alloc(16);
  }

  @inline private at(i: u32): usize { return this.slots + (<usize>i << 4); }

  get(hash: u64): i32 {
    let h = hash | 1;
    let i = <u32>h & this.mask;
    while (true) {
      let k = load<u64>(this.at(i));
      if (k == h) return load<i32>(this.at(i), 8);
      if (k == 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  set(hash: u64, v: i32): void {
    let h = hash | 1;
    let i = <u32>h & this.mask;
    while (true) {
      let slot = this.at(i);
      let k = load<u64>(slot);
      if (k == h) {
        store<i32>(slot, v, 8);
        return;
      }
      if (k == 0) {
        store<u64>(slot, h);
        store<i32>(slot, v, 8);
        this.size++;
        if (<u32>this.size * 2 > this.mask) this.rehash();
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(hash: u64): void {
    let h = hash | 1;
    let i = <u32>h & this.mask;
    while (true) {
      let k = load<u64>(this.at(i));
      if (k == 0) return;
      if (k == h) break;
      i = (i + 1) & this.mask;
    }
    // backward-shift: move later entries of the probe run into the hole
    let hole = i;
    let j = i;
    while (true) {
      j = (j + 1) & this.mask;
      let k = load<u64>(this.at(j));
      if (k == 0) break;
      let home = <u32>k & this.mask;
      // k may move to the hole if its home is not in (hole, j]
      let between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        store<u64>(this.at(hole), k);
        store<i32>(this.at(hole), load<i32>(this.at(j), 8), 8);
        hole = j;
      }
    }
    store<u64>(this.at(hole), 0);
    this.size--;
  }

  private rehash(): void {
    let old = this.slots;
    let oldSlots = this.mask + 1;
    this.alloc(oldSlots << 1);
    this.size = 0;
    for (let j: u32 = 0; j < oldSlots; j++) {
      let k = load<u64>(old + (<usize>j << 4));
      if (k != 0) this.set(k, load<i32>(old + (<usize>j << 4), 8));
    }
    heap.free(old);
  }
}

/**
 * A fixed-size cache from 64-bit hashes to i32, direct-mapped: a new entry replaces whatever held
 * its slot. Memory stays the same whatever the input (a log full of ids in paths has millions of
 * distinct raw paths); the hot ones (assets, fixed routes) stay cached.
 */
export class LossyCache {
  /** 16-byte slots: hash and value side by side (one cache line a probe). */
  private slots: usize;
  private mask: u32;

  constructor(slots: u32) {
    this.mask = slots - 1;
    this.slots = heap.alloc(<usize>slots << 4);
    memory.fill(this.slots, 0, <usize>slots << 4);
  }

  @inline private slot(h: u64): usize {
    return this.slots + (<usize>(<u32>(h ^ (h >> 32)) & this.mask) << 4);
  }

  /** The value cached for `hash`, or -1. */
  get(hash: u64): i32 {
    let p = this.slot(hash | 1);
    return load<u64>(p) == (hash | 1) ? load<i32>(p, 8) : -1;
  }

  set(hash: u64, v: i32): void {
    let p = this.slot(hash | 1);
    store<u64>(p, hash | 1);
    store<i32>(p, v, 8);
  }
}
