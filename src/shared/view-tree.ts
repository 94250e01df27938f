// The flame tree as the page draws it: FlameTree's level-order columns plus what drawing
// needs (node count, weight), with the two arrays the first paint can do without made on
// first use: the parent array, and the name indexes when the data block has them in
// fixed-width varints (nameOf reads one node's without decoding the rest).
import { childTotals, type FlameTree } from './flame-tree.js';
import { decodeInts, fixedValueAt } from './varint.js';

export interface ViewTree extends FlameTree {
  n: number;
  /** Decoded on first use when the data block has fixed-width name indexes (see nameOf). */
  readonly nameIdx: Int32Array;
  /** nameIdx[node], without decoding the whole array. */
  nameOf(node: number): number;
  /** Computed on first use (the first paint does not need it). */
  readonly parent: Int32Array;
  /** total + baseTotal in a diff (both sides take room, as in pprof), else total. */
  weight: Float64Array;
}

/** Name indexes to decode on first use: `w` digits a value (fixed-width varints), stored +1. */
export interface LazyNames {
  src: string;
  w: number;
}

class ViewTreeImpl implements ViewTree {
  private parentArr: Int32Array | null;
  private nameArr: Int32Array | null;
  private lazyNames: LazyNames | null;
  readonly total: Float64Array;
  readonly baseTotal: Float64Array | null;
  readonly weight: Float64Array;

  constructor(
    readonly n: number,
    readonly names: string[],
    nameIdx: Int32Array | LazyNames,
    readonly firstChild: Int32Array,
    readonly childCount: Int32Array,
    readonly self: Float64Array,
    readonly baseSelf: Float64Array | null,
    known: { parent: Int32Array; total: Float64Array; baseTotal: Float64Array | null } | null,
  ) {
    if (nameIdx instanceof Int32Array) {
      this.nameArr = nameIdx;
      this.lazyNames = null;
    } else {
      this.nameArr = null;
      this.lazyNames = nameIdx;
    }
    this.parentArr = known ? known.parent : null;
    this.total = known ? known.total : childTotals(firstChild, childCount, self);
    this.baseTotal = known ? known.baseTotal : baseSelf ? childTotals(firstChild, childCount, baseSelf) : null;
    let weight = this.total;
    if (this.baseTotal) {
      weight = new Float64Array(n);
      for (let i = 0; i < n; i++) weight[i] = this.total[i]! + this.baseTotal[i]!;
    }
    this.weight = weight;
  }

  get nameIdx(): Int32Array {
    if (!this.nameArr) {
      this.nameArr = decodeInts(this.lazyNames!.src, this.n, -1);
      this.lazyNames = null;
    }
    return this.nameArr;
  }

  nameOf(node: number): number {
    const a = this.nameArr;
    if (a) return a[node]!;
    const { src, w } = this.lazyNames!;
    return fixedValueAt(src, w, node) - 1;
  }

  get parent(): Int32Array {
    if (this.parentArr) return this.parentArr;
    const { n, firstChild, childCount } = this;
    const parent = new Int32Array(n);
    parent[0] = -1;
    for (let i = 0; i < n; i++) {
      const end = firstChild[i]! + childCount[i]!;
      for (let c = firstChild[i]!; c < end; c++) parent[c] = i;
    }
    return (this.parentArr = parent);
  }
}

function checkLengths(n: number, nameIdx: Int32Array | LazyNames, childCount: Int32Array, self: Float64Array, baseSelf: Float64Array | null): void {
  if (
    (nameIdx instanceof Int32Array && nameIdx.length !== n) ||
    childCount.length !== n ||
    self.length !== n ||
    (baseSelf && baseSelf.length !== n) ||
    n === 0
  ) {
    throw new Error('flame data: arrays of different lengths');
  }
}

/** The first child of each node from the child counts, checking the level-order layout. */
export function firstChildren(childCount: Int32Array): Int32Array {
  const n = childCount.length;
  const firstChild = new Int32Array(n);
  let next = 1;
  for (let i = 0; i < n; i++) {
    firstChild[i] = next;
    const c = childCount[i]!;
    if (c > 0 && next <= i) throw new Error('flame data: child ranges are not in level order');
    next += c;
    if (next > n) throw new Error('flame data: child ranges are not in level order');
  }
  if (next !== n) throw new Error('flame data: child counts do not add up to the node count');
  return firstChild;
}

/** A view tree of decoded columns (the layout is checked; totals are summed as FlameTree's). */
export function makeViewTree(
  names: string[],
  nameIdx: Int32Array | LazyNames,
  childCount: Int32Array,
  self: Float64Array,
  baseSelf: Float64Array | null,
): ViewTree {
  const n = childCount.length;
  checkLengths(n, nameIdx, childCount, self, baseSelf);
  return new ViewTreeImpl(n, names, nameIdx, firstChildren(childCount), childCount, self, baseSelf, null);
}

/** A tree built in this process (levelOrder) as a view tree: its arrays are shared, not copied. */
export function viewOfFlameTree(t: FlameTree): ViewTree {
  const n = t.nameIdx.length;
  return new ViewTreeImpl(n, t.names, t.nameIdx, t.firstChild, t.childCount, t.self, t.baseSelf, { parent: t.parent, total: t.total, baseTotal: t.baseTotal });
}

/** The name of a node ("root" for a profile's root). */
export function nodeName(t: ViewTree, node: number): string {
  const k = t.nameOf(node);
  return k < 0 ? 'root' : t.names[k]!;
}
