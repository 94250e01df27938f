// The flame tree in the browser: decoded from the section's JSON data block (the layout
// buildFlameTree in src/analysis/flame/tree.ts writes: level order, children contiguous
// and sorted heaviest first), plus what drawing needs, precomputed in typed arrays:
// first child, totals and weight (the width a node takes); the parent array is built on
// first use (the first paint does not need it). Also builds the sandwich view's trees.
namespace GoscopeFlame {
  /**
   * The JSON data block of a flame section (src/report/html.ts writes it). Each numeric
   * array is either a JSON array or a string of varints: base-64 digits
   * (A-Z a-z 0-9 - _), 5 value bits each, least significant first, a digit >= 32 meaning
   * "more digits follow". nameIdx is stored +1, so the root's -1 is 0.
   */
  export interface FlameData {
    v: 1;
    title: string;
    unit: string;
    sampleType: string;
    names: string[];
    nameIdx: number[] | string;
    childCount: number[] | string;
    self: number[] | string;
    baseSelf: number[] | string | null;
    /** Node count (html.ts writes it; counted from childCount when absent). */
    n?: number;
    /** When set, every nameIdx value takes exactly this many digits (padded with continuation digits). */
    nameW?: number;
  }

  const DIGIT = new Int8Array(256).fill(-1);
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => (DIGIT[c.charCodeAt(0)] = i));

  // Varints are decoded from bytes (TextEncoder is native), which is about twice as fast
  // as charCodeAt over the string; any non-ASCII character becomes bytes >= 128, which
  // are not digits.
  function bytesOf(s: string): Uint8Array {
    return new TextEncoder().encode(s);
  }

  function badData(): Error {
    return new Error('flame data: malformed number array');
  }

  /** Values below 2^31 (name indexes, child counts), with integer arithmetic. */
  function decodeInts(src: number[] | string, n: number, offset: number): Int32Array {
    const out = new Int32Array(n);
    if (typeof src !== 'string') {
      if (src.length !== n) throw badData();
      for (let i = 0; i < n; i++) out[i] = src[i]! + offset;
      return out;
    }
    const b = bytesOf(src);
    let k = 0;
    let v = 0;
    let shift = 0;
    for (let i = 0; i < b.length; i++) {
      const d = DIGIT[b[i]!]!;
      if (d >= 32) {
        if (shift > 25) throw badData();
        v |= (d & 31) << shift;
        shift += 5;
      } else if (d >= 0 && k < n) {
        out[k++] = (v | (d << shift)) + offset;
        v = 0;
        shift = 0;
      } else throw badData();
    }
    if (k !== n) throw badData();
    return out;
  }

  /** Any safe non-negative integers (sample values): integer arithmetic up to 30 bits, float beyond. */
  function decodeNumbers(src: number[] | string, n: number): Float64Array {
    if (typeof src !== 'string') {
      if (src.length !== n) throw badData();
      return new Float64Array(src);
    }
    const out = new Float64Array(n);
    const b = bytesOf(src);
    let k = 0;
    let v = 0;
    let shift = 0;
    for (let i = 0; i < b.length; i++) {
      const d = DIGIT[b[i]!]!;
      if (d >= 32) {
        if (shift <= 25) v |= (d & 31) << shift;
        else v += (d & 31) * 2 ** shift;
        shift += 5;
      } else if (d >= 0 && k < n) {
        out[k++] = shift <= 25 ? v | (d << shift) : v + d * 2 ** shift;
        v = 0;
        shift = 0;
      } else throw badData();
    }
    if (k !== n) throw badData();
    return out;
  }

  /** Number of values in an array field. */
  function countOf(src: number[] | string): number {
    if (typeof src !== 'string') return src.length;
    let n = 0;
    for (let i = 0; i < src.length; i++) {
      const d = DIGIT[src.charCodeAt(i) & 255]!;
      if (d >= 0 && d < 32) n++;
    }
    return n;
  }

  export interface Tree {
    n: number;
    names: string[];
    /** Decoded on first use when the data block has fixed-width name indexes (see nameOf). */
    readonly nameIdx: Int32Array;
    /** nameIdx[node], without decoding the whole array. */
    nameOf(node: number): number;
    /** Computed on first use (the first paint does not need it). */
    readonly parent: Int32Array;
    firstChild: Int32Array;
    childCount: Int32Array;
    self: Float64Array;
    total: Float64Array;
    baseSelf: Float64Array | null;
    baseTotal: Float64Array | null;
    /** total + baseTotal in a diff (both sides take room, as in pprof), else total. */
    weight: Float64Array;
  }

  /** Child counts and, in the same pass, the first child of each node (level order checked). */
  function decodeCounts(src: number[] | string, n: number): [Int32Array, Int32Array] {
    const childCount = decodeInts(src, n, 0);
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
    return [childCount, firstChild];
  }

  /**
   * Totals from selfs in reverse level order: the same sums, in the same order, as the
   * Node side (a node's self, then its children from the last to the first), walking
   * child ranges so that no parent array is needed.
   */
  function totals(firstChild: Int32Array, childCount: Int32Array, self: Float64Array): Float64Array {
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

  /** Name indexes to decode on first use: `w` digits a value (fixed-width varints), stored +1. */
  interface LazyNames {
    src: string;
    w: number;
  }

  class TreeImpl implements Tree {
    private parentArr: Int32Array | null = null;
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
    ) {
      if (nameIdx instanceof Int32Array) {
        this.nameArr = nameIdx;
        this.lazyNames = null;
      } else {
        this.nameArr = null;
        this.lazyNames = nameIdx;
      }
      this.total = totals(firstChild, childCount, self);
      this.baseTotal = baseSelf ? totals(firstChild, childCount, baseSelf) : null;
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
      let v = 0;
      for (let j = 0, at = node * w; j < w; j++) v |= (DIGIT[src.charCodeAt(at + j) & 255]! & 31) << (5 * j);
      return v - 1;
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
    if ((nameIdx instanceof Int32Array && nameIdx.length !== n) || childCount.length !== n || self.length !== n || (baseSelf && baseSelf.length !== n) || n === 0) {
      throw new Error('flame data: arrays of different lengths');
    }
  }

  export function makeTree(
    names: string[],
    nameIdx: Int32Array,
    childCount: Int32Array,
    self: Float64Array,
    baseSelf: Float64Array | null,
  ): Tree {
    const n = nameIdx.length;
    checkLengths(n, nameIdx, childCount, self, baseSelf);
    const firstChild = new Int32Array(n);
    let next = 1;
    for (let i = 0; i < n; i++) {
      firstChild[i] = next;
      const end = next + childCount[i]!;
      if (end > n || (end > next && next <= i)) throw new Error('flame data: child ranges are not in level order');
      next = end;
    }
    if (next !== n) throw new Error('flame data: child counts do not add up to the node count');
    return new TreeImpl(n, names, nameIdx, firstChild, childCount, self, baseSelf);
  }

  /**
   * The data block's text as FlameData. The big number fields come last and, as varints,
   * hold no quote or escape: they are cut out of the text as they are (no copy, no JSON
   * scan) and only the head (names, titles) goes through JSON.parse. Anything unexpected
   * falls back to JSON.parse of the whole text.
   */
  export function parseFlameData(text: string): FlameData {
    const at = text.indexOf(',"nameIdx":');
    if (at > 0) {
      const head = JSON.parse(text.slice(0, at) + '}') as FlameData;
      let i = at + 1;
      let ok = true;
      const fields: Record<string, unknown> = {};
      while (ok && text.charCodeAt(i) === 34 /* " */) {
        const q = text.indexOf('"', i + 1);
        const key = text.slice(i + 1, q);
        if (text.charCodeAt(q + 1) !== 58 /* : */) break;
        let j = q + 2;
        const c = text.charCodeAt(j);
        let end: number;
        if (c === 34) {
          end = text.indexOf('"', j + 1);
          if (end < 0) { ok = false; break; }
          fields[key] = text.slice(j + 1, end);
          end++;
        } else {
          end = j;
          while (end < text.length && text.charCodeAt(end) !== 44 && text.charCodeAt(end) !== 125) end++;
          if (c === 91 /* [ */) end = text.indexOf(']', j) + 1;
          if (end <= 0) { ok = false; break; }
          fields[key] = JSON.parse(text.slice(j, end));
        }
        const sep = text.charCodeAt(end);
        if (sep === 125 /* } */) {
          if (text.slice(end + 1).trim() !== '') ok = false;
          else return Object.assign(head, fields);
          break;
        }
        if (sep !== 44) ok = false;
        i = end + 1;
      }
    }
    return JSON.parse(text) as FlameData;
  }

  /** Every w-th digit ends a value and only those do (a cheap check; values are checked when decoded). */
  function fixedWidthOk(src: string, w: number): boolean {
    const n = src.length / w;
    // Sample the layout: the whole string is validated when nameIdx is decoded.
    const step = Math.max(1, Math.floor(n / 4096));
    for (let i = 0; i < n; i += step) {
      for (let j = 0; j < w; j++) {
        const d = DIGIT[src.charCodeAt(i * w + j) & 255]!;
        if (d < 0 || (j === w - 1 ? d >= 32 : d < 32)) return false;
      }
    }
    return true;
  }

  export function treeFromData(d: FlameData): Tree {
    const n = typeof d.n === 'number' ? d.n : countOf(d.childCount);
    const [childCount, firstChild] = decodeCounts(d.childCount, n);
    const self = decodeNumbers(d.self, n);
    const baseSelf = d.baseSelf ? decodeNumbers(d.baseSelf, n) : null;
    // Fixed-width name indexes are read where needed (the first paint needs only those of
    // the frames it draws), and decoded as a whole on first use of nameIdx.
    const w = d.nameW;
    const src = d.nameIdx;
    const nameIdx =
      typeof src === 'string' && typeof w === 'number' && w >= 1 && w <= 6 && src.length === n * w && fixedWidthOk(src, w)
        ? { src, w }
        : decodeInts(src, n, -1);
    checkLengths(n, nameIdx, childCount, self, baseSelf);
    return new TreeImpl(n, d.names, nameIdx, firstChild, childCount, self, baseSelf);
  }

  export function nodeName(t: Tree, node: number): string {
    const k = t.nameOf(node);
    return k < 0 ? 'root' : t.names[k]!;
  }

  /**
   * A trie over the same name table, turned into a Tree in the same layout as the Node
   * side's builder. Used for the sandwich view's callers and callees.
   */
  export class TrieBuilder {
    private parent: number[] = [-1];
    private nameIdx: number[];
    private self: number[] = [0];
    private baseSelf: number[] = [0];
    private readonly kids = new Map<number, number>();
    private readonly stride: number;

    constructor(
      private readonly names: string[],
      rootName: number,
      private readonly diff: boolean,
    ) {
      this.nameIdx = [rootName];
      this.stride = names.length + 1;
    }

    child(node: number, name: number): number {
      const key = node * this.stride + name + 1;
      let c = this.kids.get(key);
      if (c === undefined) {
        c = this.parent.length;
        this.parent.push(node);
        this.nameIdx.push(name);
        this.self.push(0);
        this.baseSelf.push(0);
        this.kids.set(key, c);
      }
      return c;
    }

    add(node: number, value: number, baseValue: number): void {
      this.self[node]! += value;
      this.baseSelf[node]! += baseValue;
    }

    build(): Tree {
      const n = this.parent.length;
      const { parent: tp, nameIdx: tn, self: ts, baseSelf: tb, names, diff } = this;
      const weight = new Float64Array(n);
      for (let i = 0; i < n; i++) weight[i] = ts[i]! + (diff ? tb[i]! : 0);
      for (let i = n - 1; i > 0; i--) weight[tp[i]!]! += weight[i]!;
      const start = new Int32Array(n + 1);
      for (let i = 1; i < n; i++) start[tp[i]! + 1]!++;
      for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
      const fill = start.slice(0, n);
      const kids = new Int32Array(Math.max(n - 1, 0));
      for (let i = 1; i < n; i++) kids[fill[tp[i]!]!++] = i;
      const byWeight = (a: number, b: number): number => {
        const d = weight[b]! - weight[a]!;
        if (d !== 0) return d;
        const na = names[tn[a]!]!;
        const nb = names[tn[b]!]!;
        return na < nb ? -1 : na > nb ? 1 : 0;
      };
      for (let i = 0; i < n; i++) if (start[i + 1]! - start[i]! > 1) kids.subarray(start[i]!, start[i + 1]!).sort(byWeight);
      const order = new Int32Array(n);
      let tail = 1;
      for (let head = 0; head < n; head++) {
        const t = order[head]!;
        for (let j = start[t]!; j < start[t + 1]!; j++) order[tail++] = kids[j]!;
      }
      const nameIdx = new Int32Array(n);
      const childCount = new Int32Array(n);
      const self = new Float64Array(n);
      const baseSelf = diff ? new Float64Array(n) : null;
      for (let k = 0; k < n; k++) {
        const t = order[k]!;
        nameIdx[k] = tn[t]!;
        childCount[k] = start[t + 1]! - start[t]!;
        self[k] = ts[t]!;
        if (baseSelf) baseSelf[k] = tb[t]!;
      }
      return makeTree(names, nameIdx, childCount, self, baseSelf);
    }
  }

  /**
   * Nodes named `name` that have no ancestor of the same name: each sample passing through
   * the function is under exactly one of them, so recursion is counted once.
   */
  export function outermost(t: Tree, name: number): number[] {
    const covered = new Uint8Array(t.n);
    const out: number[] = [];
    const parent = t.parent;
    for (let i = 1; i < t.n; i++) {
      const p = parent[i]!;
      const c = covered[p]! | (p > 0 && t.nameIdx[p] === name ? 1 : 0);
      covered[i] = c;
      if (!c && t.nameIdx[i] === name) out.push(i);
    }
    return out;
  }

  export interface Sandwich {
    callers: Tree;
    callees: Tree;
    /** Sum of self over every node of the function (pprof's flat). */
    self: number;
    baseSelf: number;
  }

  /** Callers (inverted: the function is the root, its callers below it) and callees of a function, all occurrences merged. */
  export function sandwich(t: Tree, name: number): Sandwich {
    const diff = t.baseSelf !== null;
    const occ = outermost(t, name);
    const parent = t.parent;
    const callers = new TrieBuilder(t.names, name, diff);
    const callees = new TrieBuilder(t.names, name, diff);
    const stackT: number[] = [];
    const stackB: number[] = [];
    for (const o of occ) {
      let b = 0;
      for (let p = parent[o]!; p > 0; p = parent[p]!) b = callers.child(b, t.nameIdx[p]!);
      callers.add(b, t.total[o]!, t.baseTotal ? t.baseTotal[o]! : 0);

      stackT.push(o);
      stackB.push(0);
      while (stackT.length > 0) {
        const u = stackT.pop()!;
        const ub = stackB.pop()!;
        callees.add(ub, t.self[u]!, t.baseSelf ? t.baseSelf[u]! : 0);
        const end = t.firstChild[u]! + t.childCount[u]!;
        for (let c = t.firstChild[u]!; c < end; c++) {
          stackT.push(c);
          stackB.push(callees.child(ub, t.nameIdx[c]!));
        }
      }
    }
    let self = 0;
    let baseSelf = 0;
    for (let i = 1; i < t.n; i++) {
      if (t.nameIdx[i] === name) {
        self += t.self[i]!;
        if (t.baseSelf) baseSelf += t.baseSelf[i]!;
      }
    }
    return { callers: callers.build(), callees: callees.build(), self, baseSelf };
  }
}
