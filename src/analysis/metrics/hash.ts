// Sets of 64-bit hashes, so that a family of a million series costs 16 MB to count
// exactly instead of a million strings. Two independent 32-bit lanes make a 64-bit
// hash: a false match between two of a million series has a chance of about 3 in 10^8.
// Past a cap a set turns into a HyperLogLog estimate (about 1.6% error) so that even a
// label with millions of values stays small.

const EMPTY = 0;

/** 32-bit FNV-1a over UTF-16 code units, from `seed`. */
export function hashA(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** A second, independent lane (murmur-style multiplier, other seed). */
export function hashB(s: string, seed = 0x9747b28c): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995) ^ (h >>> 15);
  return h;
}

/** Murmur3's finaliser: spreads every input bit over the output. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Combines a running lane with the next element's hash (order matters). */
export function fold(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193) + 0x9e3779b9;
}

/** An exact set of 64-bit hashes (open addressing, grows at half full). */
export class HashSet64 {
  private lo: Uint32Array;
  private hi: Uint32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 16) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.lo = new Uint32Array(n);
    this.hi = new Uint32Array(n);
    this.mask = n - 1;
  }

  /** Adds (a, b); true when it was not there. */
  add(a: number, b: number): boolean {
    a >>>= 0;
    b >>>= 0;
    if (a === EMPTY && b === EMPTY) a = 1;
    const lo = this.lo;
    const hi = this.hi;
    let i = fmix(a ^ Math.imul(b, 0x27d4eb2d)) & this.mask;
    for (;;) {
      const x = lo[i]!;
      const y = hi[i]!;
      if (x === EMPTY && y === EMPTY) break;
      if (x === a && y === b) return false;
      i = (i + 1) & this.mask;
    }
    lo[i] = a;
    hi[i] = b;
    if (++this.size * 2 > lo.length) this.grow();
    return true;
  }

  has(a: number, b: number): boolean {
    a >>>= 0;
    b >>>= 0;
    if (a === EMPTY && b === EMPTY) a = 1;
    let i = fmix(a ^ Math.imul(b, 0x27d4eb2d)) & this.mask;
    for (;;) {
      const x = this.lo[i]!;
      const y = this.hi[i]!;
      if (x === EMPTY && y === EMPTY) return false;
      if (x === a && y === b) return true;
      i = (i + 1) & this.mask;
    }
  }

  /** Calls fn for every member. */
  forEach(fn: (a: number, b: number) => void): void {
    for (let i = 0; i < this.lo.length; i++) {
      const x = this.lo[i]!;
      const y = this.hi[i]!;
      if (x !== EMPTY || y !== EMPTY) fn(x, y);
    }
  }

  /** Bytes held. */
  get bytes(): number {
    return this.lo.byteLength * 2;
  }

  private grow(): void {
    const oldLo = this.lo;
    const oldHi = this.hi;
    const n = oldLo.length * 2;
    this.lo = new Uint32Array(n);
    this.hi = new Uint32Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldLo.length; i++) {
      const x = oldLo[i]!;
      const y = oldHi[i]!;
      if (x !== EMPTY || y !== EMPTY) this.add(x, y);
    }
  }
}

const HLL_P = 12;
const HLL_M = 1 << HLL_P;

/** Distinct count: exact up to `cap` members, a HyperLogLog estimate beyond. */
export class Distinct {
  private set: HashSet64 | null = new HashSet64();
  private regs: Uint8Array | null = null;
  private readonly cap: number;

  constructor(cap = 1 << 16) {
    this.cap = cap;
  }

  /** Adds; true when certainly new (always false once estimating). */
  add(a: number, b: number): boolean {
    if (this.set) {
      const added = this.set.add(a, b);
      if (added && this.set.size > this.cap) this.toEstimate();
      return added;
    }
    this.hll(a, b);
    return false;
  }

  get estimated(): boolean {
    return this.set === null;
  }

  get size(): number {
    if (this.set) return this.set.size;
    const regs = this.regs!;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < HLL_M; i++) {
      sum += 2 ** -regs[i]!;
      if (regs[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / HLL_M);
    let e = (alpha * HLL_M * HLL_M) / sum;
    if (e <= 2.5 * HLL_M && zeros > 0) e = HLL_M * Math.log(HLL_M / zeros);
    return Math.round(e);
  }

  private toEstimate(): void {
    this.regs = new Uint8Array(HLL_M);
    this.set!.forEach((a, b) => this.hll(a, b));
    this.set = null;
  }

  private hll(a: number, b: number): void {
    const h = fmix(a ^ Math.imul(b, 0x9e3779b1));
    const h2 = fmix(b ^ Math.imul(a, 0x85ebca6b));
    const idx = h >>> (32 - HLL_P);
    const rank = Math.clz32(h2) + 1;
    if (rank > this.regs![idx]!) this.regs![idx] = rank;
  }
}
