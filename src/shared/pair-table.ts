// An open-addressing hash map from (parent node, name index) to child node, for building
// tries of a million nodes without a JavaScript object per key.

const EMPTY = -1;

export class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private vals: Int32Array;
  private mask: number;
  private used = 0;

  constructor(capacityHint = 1024) {
    let cap = 1024;
    while (cap < capacityHint * 2) cap *= 2;
    this.keysA = new Int32Array(cap).fill(EMPTY);
    this.keysB = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private static hash(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 12);
  }

  /** The value stored for (a, b), or -1. `a` and `b` are non-negative int32s. */
  get(a: number, b: number): number {
    let i = PairTable.hash(a, b) & this.mask;
    for (;;) {
      const k = this.keysA[i]!;
      if (k === EMPTY) return -1;
      if (k === a && this.keysB[i] === b) return this.vals[i]!;
      i = (i + 1) & this.mask;
    }
  }

  /** Stores v (non-negative) for a key that is not present yet. */
  insert(a: number, b: number, v: number): void {
    if ((this.used + 1) * 2 > this.keysA.length) this.grow();
    let i = PairTable.hash(a, b) & this.mask;
    while (this.keysA[i] !== EMPTY) i = (i + 1) & this.mask;
    this.keysA[i] = a;
    this.keysB[i] = b;
    this.vals[i] = v;
    this.used++;
  }

  private grow(): void {
    const { keysA, keysB, vals } = this;
    const cap = keysA.length * 2;
    this.keysA = new Int32Array(cap).fill(EMPTY);
    this.keysB = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    this.used = 0;
    for (let i = 0; i < keysA.length; i++) {
      if (keysA[i] !== EMPTY) this.insert(keysA[i]!, keysB[i]!, vals[i]!);
    }
  }
}
