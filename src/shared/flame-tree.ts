// The flame graph's call tree: every distinct call path is a node holding the value of the
// samples whose stack passes through it (total) or ends in it (self).
//
// The layout is columnar and in LEVEL ORDER (breadth first) with each node's children
// contiguous and sorted by decreasing weight (ties by name). The browser relies on this:
// it finds children as a range, lays out x offsets in one pass, and stops visiting
// siblings at the first one too narrow to draw, since all later ones are narrower.
//
// One builder makes every tree: the Node side's tree of a profile's stacks
// (buildFlameTree) and the page's sandwich trees (sandwich.ts) both fill a CallTrie and
// lay it out with levelOrder.
//
// Diffs follow pprof's -diff_base convention: a stack value is "new minus base", so a
// negative value counts toward the base tree (as pprof's flame graph shows a diff
// profile's negated base samples). With `opts.base`, the base stacks fill the base side
// directly. A diff tree is the union of both trees: a node present on one side only has
// 0 on the other.
import { PairTable } from './pair-table.js';

export interface FlameStack {
  /** Function names, root first. */
  frames: string[];
  value: number;
}

export interface FlameTree {
  /** Distinct frame names; nameIdx indexes this. */
  names: string[];
  /** Name of each node; -1 for the root (node 0) of a profile's tree, which stands for the whole profile. */
  nameIdx: Int32Array;
  /** Parent node; -1 for the root. */
  parent: Int32Array;
  /** Children of node i are firstChild[i] .. firstChild[i] + childCount[i] - 1. */
  firstChild: Int32Array;
  childCount: Int32Array;
  /** New-side values (the only side when not a diff). */
  self: Float64Array;
  total: Float64Array;
  /** Base-side values in a diff tree, else null. */
  baseSelf: Float64Array | null;
  baseTotal: Float64Array | null;
}

export interface BuildFlameTreeOptions {
  /** Base stacks for a diff tree. */
  base?: Iterable<FlameStack>;
}

/**
 * A growable trie in creation order (a parent is always created before its children),
 * over a table of names: new names are added by nameId, or the table of an existing tree
 * is shared (the sandwich's tries).
 */
export class CallTrie {
  size = 1;
  parent = new Int32Array(1024);
  nameIdx = new Int32Array(1024);
  self = new Float64Array(1024);
  baseSelf = new Float64Array(1024);
  private readonly children = new PairTable(1024);
  private readonly nameIds = new Map<string, number>();
  sawNegative = false;

  /** `rootName`: the root's name index (-1: the whole profile). */
  constructor(
    readonly names: string[] = [],
    rootName = -1,
  ) {
    this.parent[0] = -1;
    this.nameIdx[0] = rootName;
  }

  /** The index of `name` in the table, added when new (a table built by this trie only). */
  nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  /** The child of `node` named `name` (a name index), created when missing. */
  child(node: number, name: number): number {
    let c = this.children.get(node, name);
    if (c >= 0) return c;
    c = this.size++;
    if (c === this.parent.length) this.grow();
    this.parent[c] = node;
    this.nameIdx[c] = name;
    this.children.insert(node, name, c);
    return c;
  }

  /** Adds to a node's self on each side. */
  add(node: number, value: number, baseValue: number): void {
    this.self[node]! += value;
    this.baseSelf[node]! += baseValue;
  }

  private grow(): void {
    const cap = this.parent.length * 2;
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.parent = i32(this.parent);
    this.nameIdx = i32(this.nameIdx);
    this.self = f64(this.self);
    this.baseSelf = f64(this.baseSelf);
  }

  // The previous stack and the nodes of its path: consecutive samples usually share a
  // prefix (runtime.main, main.main…), which is then walked without any lookup.
  private prevFrames: readonly string[] = [];
  private prevPath = new Int32Array(256);

  /** Adds a stack of names; `isBase` says which side a positive value belongs to. */
  addStack(stack: FlameStack, isBase: boolean): void {
    const v = stack.value;
    if (!Number.isFinite(v)) throw new TypeError(`flame stack value ${v} is not a finite number`);
    if (v === 0) return;
    const frames = stack.frames;
    const prev = this.prevFrames;
    const len = frames.length;
    if (len > this.prevPath.length) {
      const p = new Int32Array(Math.max(len, this.prevPath.length * 2));
      p.set(this.prevPath);
      this.prevPath = p;
    }
    const path = this.prevPath;
    let i = 0;
    // A caller refilling one array for every stack gets no reuse (prev would be itself).
    const shared = frames === prev ? 0 : Math.min(len, prev.length);
    while (i < shared && frames[i] === prev[i]) i++;
    let node = i > 0 ? path[i - 1]! : 0;
    for (; i < len; i++) {
      node = this.child(node, this.nameId(frames[i]!));
      path[i] = node;
    }
    this.prevFrames = frames;
    if (v < 0) this.sawNegative = true;
    if (v > 0 !== isBase) this.self[node]! += Math.abs(v);
    else this.baseSelf[node]! += Math.abs(v);
  }
}

/**
 * Builds the flame tree of `stacks` (and of `opts.base` for a diff tree). Stacks are read
 * as they come and not kept; a frames array must not change while the build runs.
 */
export function buildFlameTree(stacks: Iterable<FlameStack>, opts: BuildFlameTreeOptions = {}): FlameTree {
  const trie = new CallTrie();
  for (const s of stacks) trie.addStack(s, false);
  if (opts.base) for (const s of opts.base) trie.addStack(s, true);
  const diff = opts.base !== undefined || trie.sawNegative;
  return levelOrder(trie, diff);
}

/** The trie's nodes in the tree layout: level order, children heaviest first (base + new in a diff), ties by name. */
export function levelOrder(trie: CallTrie, diff: boolean): FlameTree {
  const n = trie.size;
  const { parent: tParent, nameIdx: tName, self: tSelf, baseSelf: tBase, names } = trie;

  // Weights for ordering siblings: creation order puts children after parents, so one
  // backwards pass sums subtrees.
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) weight[i] = tSelf[i]! + (diff ? tBase[i]! : 0);
  for (let i = n - 1; i > 0; i--) weight[tParent[i]!]! += weight[i]!;

  // Children lists (CSR), each sorted heaviest first.
  const start = new Int32Array(n + 1);
  for (let i = 1; i < n; i++) start[tParent[i]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const kids = new Int32Array(Math.max(n - 1, 0));
  for (let i = 1; i < n; i++) kids[fill[tParent[i]!]!++] = i;
  const byWeight = (a: number, b: number): number => {
    const d = weight[b]! - weight[a]!;
    if (d !== 0) return d;
    const na = names[tName[a]!]!;
    const nb = names[tName[b]!]!;
    return na < nb ? -1 : na > nb ? 1 : 0;
  };
  for (let i = 0; i < n; i++) {
    const a = start[i]!;
    const b = start[i + 1]!;
    if (b - a > 16) kids.subarray(a, b).sort(byWeight);
    else if (b - a > 1) insertionSort(kids, a, b, byWeight);
  }

  // Breadth-first renumbering: order[k] = trie node at position k.
  const order = new Int32Array(n);
  const newIdx = new Int32Array(n);
  let tail = 1;
  for (let head = 0; head < n; head++) {
    const t = order[head]!;
    newIdx[t] = head;
    for (let j = start[t]!; j < start[t + 1]!; j++) order[tail++] = kids[j]!;
  }

  const nameIdx = new Int32Array(n);
  const parent = new Int32Array(n);
  const firstChild = new Int32Array(n);
  const childCount = new Int32Array(n);
  const self = new Float64Array(n);
  const baseSelf = diff ? new Float64Array(n) : null;
  let next = 1;
  for (let k = 0; k < n; k++) {
    const t = order[k]!;
    nameIdx[k] = tName[t]!;
    parent[k] = k === 0 ? -1 : newIdx[tParent[t]!]!;
    self[k] = tSelf[t]!;
    if (baseSelf) baseSelf[k] = tBase[t]!;
    const c = start[t + 1]! - start[t]!;
    firstChild[k] = next;
    childCount[k] = c;
    next += c;
  }
  const tree: FlameTree = {
    names,
    nameIdx,
    parent,
    firstChild,
    childCount,
    self,
    total: subtreeTotals(parent, self),
    baseSelf,
    baseTotal: baseSelf ? subtreeTotals(parent, baseSelf) : null,
  };
  return tree;
}

/** Sorts a[from..to) in place; most children lists are short, and this allocates nothing. */
function insertionSort(a: Int32Array, from: number, to: number, cmp: (x: number, y: number) => number): void {
  for (let i = from + 1; i < to; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= from && cmp(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * Totals from selfs, summed in reverse level order: a node's self, then its children from
 * the last to the first. The page sums the same way (childTotals), so both get
 * bit-identical totals even for non-integer values.
 */
export function subtreeTotals(parent: Int32Array, self: Float64Array): Float64Array {
  const total = Float64Array.from(self);
  for (let i = total.length - 1; i > 0; i--) total[parent[i]!]! += total[i]!;
  return total;
}

/** subtreeTotals walking child ranges instead of parents (the page has no parent array at first). */
export function childTotals(firstChild: Int32Array, childCount: Int32Array, self: Float64Array): Float64Array {
  const total = self.slice();
  for (let i = total.length - 1; i >= 0; i--) {
    const c = childCount[i]!;
    if (c === 0) continue;
    const f = firstChild[i]!;
    let s = total[i]!;
    for (let k = f + c - 1; k >= f; k--) s += total[k]!;
    total[i] = s;
  }
  return total;
}

/** Number of nodes, the root included. */
export function flameNodeCount(tree: FlameTree): number {
  return tree.nameIdx.length;
}

/** Frame names from the root's first child down to `node` (empty for the root). */
export function flamePath(tree: FlameTree, node: number): string[] {
  const out: string[] = [];
  for (let i = node; i > 0; i = tree.parent[i]!) out.push(tree.names[tree.nameIdx[i]!]!);
  return out.reverse();
}

/** The node reached by following `path` (root first) from the root, or -1. */
export function findFlameNode(tree: FlameTree, path: readonly string[]): number {
  let node = 0;
  for (const name of path) {
    const first = tree.firstChild[node]!;
    const end = first + tree.childCount[node]!;
    let found = -1;
    for (let c = first; c < end; c++) {
      if (tree.names[tree.nameIdx[c]!] === name) {
        found = c;
        break;
      }
    }
    if (found < 0) return -1;
    node = found;
  }
  return node;
}
