// Growable arrays of raw elements in linear memory. Growing reallocates (the `minimal` runtime's
// TLSF allocator frees the old block for reuse). One core instance serves one import, then is
// dropped whole.

export class Vec {
  ptr: usize = 0;
  len: i32 = 0;
  cap: i32 = 0;
  constructor(public elemSize: i32, initial: i32 = 1024) {
    this.cap = initial;
    this.ptr = heap.alloc(<usize>initial * elemSize + 16);
  }

  /** Makes room for `n` more elements and returns the address of the first. */
  @inline reserve(n: i32): usize {
    if (this.len + n > this.cap) this.grow(this.len + n);
    return this.ptr + <usize>this.len * this.elemSize;
  }

  grow(need: i32): void {
    let cap = this.cap;
    while (cap < need) cap = cap < 1 << 20 ? cap << 1 : cap + (cap >> 1);
    this.ptr = heap.realloc(this.ptr, <usize>cap * this.elemSize + 16);
    this.cap = cap;
  }

  /** Empties the array and gives its memory back, but for room for one element. */
  release(): void {
    heap.free(this.ptr);
    this.ptr = heap.alloc(<usize>this.elemSize + 16);
    this.cap = 1;
    this.len = 0;
  }

  /** Appends one element of type T (sizeof<T>() must be elemSize). */
  @inline push<T>(v: T): void {
    store<T>(this.reserve(1), v);
    this.len++;
  }

  @inline pushU32(v: u32): void {
    store<u32>(this.reserve(1), v);
    this.len++;
  }

  @inline pushF64(v: f64): void {
    store<f64>(this.reserve(1), v);
    this.len++;
  }

  @inline pushU64(v: u64): void {
    store<u64>(this.reserve(1), v);
    this.len++;
  }

  @inline u32At(i: i32): u32 {
    return load<u32>(this.ptr + (<usize>i << 2));
  }

  @inline f64At(i: i32): f64 {
    return load<f64>(this.ptr + (<usize>i << 3));
  }

  @inline u64At(i: i32): u64 {
    return load<u64>(this.ptr + (<usize>i << 3));
  }

  /** Appends `n` raw bytes (elemSize must be 1). */
  pushBytes(src: usize, n: i32): void {
    memory.copy(this.reserve(n), src, n);
    this.len += n;
  }
}
