// pprof's report graph (internal/graph newGraph and report.newTrimmedGraph): flat and cum
// per node, edges between nodes, the node-fraction cut, the node order and the node count
// limit, computed the way `go tool pprof` computes them.
//
// Per sample, frames are walked root to leaf (inlined lines of a location outermost first);
// every node on the stack gets the sample's value in cum once, however often it recurs;
// the leaf-most node gets it in flat. Values add in float64 when every partial sum is
// provably exact (the sum of |values| is below 2^53), otherwise in int64 with wrap-around,
// exactly like pprof's int64 arithmetic.
import type { Int64, Profile } from '../../formats/pprof/index.js';
import type { SampleView } from './filter.js';
import { infoString, type NodeTable } from './nodes.js';

/** Sample values of the kept samples, in one of two exact representations. */
export interface Weights {
  big: boolean;
  f: Float64Array; // when !big
  b: BigInt64Array; // when big
}

export interface NodeValues {
  big: boolean;
  flatF: Float64Array;
  cumF: Float64Array;
  flatB: BigInt64Array;
  cumB: BigInt64Array;
}

export interface EdgeSet {
  src: Int32Array;
  dst: Int32Array;
  weights: Int64[];
  inline: boolean[];
}

const MAX_EXACT = 2 ** 53;

function toInt64(v: bigint): Int64 {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** The value at `index` of each kept sample. */
export function sampleWeights(view: SampleView, index: number): Weights {
  const samples = view.profile.samples;
  const k = view.samples.length;
  let big = false;
  let absSum = 0;
  for (let i = 0; i < k; i++) {
    const v = samples[view.samples[i]!]!.values[index]!;
    if (typeof v !== 'number') {
      big = true;
      break;
    }
    absSum += v < 0 ? -v : v;
  }
  if (absSum >= MAX_EXACT) big = true;
  if (!big) {
    const f = new Float64Array(k);
    for (let i = 0; i < k; i++) f[i] = samples[view.samples[i]!]!.values[index] as number;
    return { big, f, b: new BigInt64Array(0) };
  }
  const b = new BigInt64Array(k);
  for (let i = 0; i < k; i++) b[i] = BigInt(samples[view.samples[i]!]!.values[index]!);
  return { big, f: new Float64Array(0), b };
}

/**
 * report.computeTotal: the sum of |value| over all samples, or over the diff base's
 * samples (label pprof::base=true) when there are any. Taken before any filter.
 */
export function computeTotal(p: Profile, index: number): Int64 {
  let total = 0n;
  let diffTotal = 0n;
  let fast = 0;
  let fastDiff = 0;
  for (const s of p.samples) {
    let v = s.values[index]!;
    if (v < 0) v = typeof v === 'bigint' ? -v : -v;
    let isBase = false;
    for (const l of s.labels) {
      if (l.key === 'pprof::base' && l.str === 'true') {
        isBase = true;
        break;
      }
    }
    if (typeof v === 'number' && fast + v < MAX_EXACT) {
      fast += v;
      if (isBase) fastDiff += v;
    } else {
      total += BigInt(v);
      if (isBase) diffTotal += BigInt(v);
    }
  }
  // int64 like pprof (a wrap-around would need 2^63 of samples).
  const all = BigInt.asIntN(64, total + BigInt(fast));
  const diff = BigInt.asIntN(64, diffTotal + BigInt(fastDiff));
  return toInt64(diff > 0n ? diff : all);
}

/** What to collect while walking the samples. */
export interface WalkOptions {
  /** Only these nodes exist (others are skipped, making residual edges): pprof's KeptNodes. */
  kept?: Uint8Array;
  /** Collect the edges for which this returns true (src, dst node ids). */
  edges?: (src: number, dst: number) => boolean;
}

export interface WalkResult {
  values: NodeValues;
  edges: EdgeSet | null;
}

/**
 * The common case of walkSamples (no kept set, no edges, float64 values), kept small so
 * the JIT makes the most of it: the inner loop runs once per frame of every sample.
 */
function walkNodesFast(view: SampleView, nodes: NodeTable, wf: Float64Array): NodeValues {
  const n = nodes.count;
  const flatF = new Float64Array(n);
  const cumF = new Float64Array(n);
  const stamp = new Int32Array(n).fill(-1);
  const samples = view.profile.samples;
  const sampleIds = view.samples;
  const starts = view.stackStart;
  const hidden = view.hidden;
  const locIndex = view.locIndex;
  const locStart = nodes.locStart;
  const locNodes = nodes.locNodes;
  for (let k = 0; k < sampleIds.length; k++) {
    const wk = wf[k]!;
    if (wk === 0) continue;
    const si = sampleIds[k]!;
    const ids = samples[si]!.locationIds;
    const start = starts[si]!;
    let leaf = -1;
    for (let j = ids.length - 1; j >= start; j--) {
      const pos = locIndex.pos(ids[j]!);
      if (hidden[pos] !== 0) continue;
      const a = locStart[pos]!;
      for (let q = locStart[pos + 1]! - 1; q >= a; q--) {
        const node = locNodes[q]!;
        if (stamp[node] !== k) {
          stamp[node] = k;
          cumF[node]! += wk;
        }
        leaf = node;
      }
    }
    if (leaf >= 0) flatF[leaf]! += wk;
  }
  return { big: false, flatF, cumF, flatB: new BigInt64Array(0), cumB: new BigInt64Array(0) };
}

/** graph.newGraph over the view's kept samples. */
export function walkSamples(view: SampleView, nodes: NodeTable, w: Weights, opts: WalkOptions = {}): WalkResult {
  if (!w.big && !opts.kept && !opts.edges) return { values: walkNodesFast(view, nodes, w.f), edges: null };
  const n = nodes.count;
  const big = w.big;
  const flatF = new Float64Array(big ? 0 : n);
  const cumF = new Float64Array(big ? 0 : n);
  const flatB = new BigInt64Array(big ? n : 0);
  const cumB = new BigInt64Array(big ? n : 0);
  const stamp = new Int32Array(n).fill(-1);
  const kept = opts.kept ?? null;
  const wantEdge = opts.edges ?? null;
  const edgeIds = new Map<number, number>();
  const eSrc: number[] = [];
  const eDst: number[] = [];
  const eInline: boolean[] = [];
  const eStamp: number[] = [];
  const eWeightF: number[] = [];
  const eWeightB: bigint[] = [];

  const samples = view.profile.samples;
  const sampleIds = view.samples;
  const starts = view.stackStart;
  const hidden = view.hidden;
  const locIndex = view.locIndex;
  const locStart = nodes.locStart;
  const locNodes = nodes.locNodes;
  const wf = w.f;
  const wb = w.b;
  for (let k = 0; k < sampleIds.length; k++) {
    if (big ? wb[k] === 0n : wf[k] === 0) continue;
    const si = sampleIds[k]!;
    const ids = samples[si]!.locationIds;
    const start = starts[si]!;
    let parent = -1;
    let residual = false;
    for (let j = ids.length - 1; j >= start; j--) {
      const pos = locIndex.pos(ids[j]!);
      if (hidden[pos]) continue;
      const a = locStart[pos]!;
      const b = locStart[pos + 1]!;
      for (let q = b - 1; q >= a; q--) {
        const node = locNodes[q]!;
        if (kept !== null && kept[node] === 0) {
          residual = true;
          continue;
        }
        if (stamp[node] !== k) {
          stamp[node] = k;
          if (big) cumB[node]! += wb[k]!;
          else cumF[node]! += wf[k]!;
        }
        if (wantEdge !== null && parent >= 0 && node !== parent && wantEdge(parent, node)) {
          const key = parent * n + node;
          let e = edgeIds.get(key);
          const inline = q !== b - 1;
          if (e === undefined) {
            e = eSrc.length;
            edgeIds.set(key, e);
            eSrc.push(parent);
            eDst.push(node);
            eInline.push(inline);
            eStamp.push(-1);
            eWeightF.push(0);
            eWeightB.push(0n);
          }
          // Once per sample, like pprof's seenEdge.
          if (eStamp[e] !== k) {
            eStamp[e] = k;
            if (big) eWeightB[e] = BigInt.asIntN(64, eWeightB[e]! + wb[k]!);
            else eWeightF[e]! += wf[k]!;
            if (!inline) eInline[e] = false;
          }
        }
        parent = node;
        residual = false;
      }
    }
    if (parent >= 0 && !residual) {
      if (big) flatB[parent]! += wb[k]!;
      else flatF[parent]! += wf[k]!;
    }
  }
  let edges: EdgeSet | null = null;
  if (wantEdge !== null) {
    edges = {
      src: Int32Array.from(eSrc),
      dst: Int32Array.from(eDst),
      weights: big ? eWeightB.map(toInt64) : eWeightF,
      inline: eInline,
    };
  }
  return { values: { big, flatF, cumF, flatB, cumB }, edges };
}

/** Exact value accessors over NodeValues. */
export function flatOf(v: NodeValues, node: number): Int64 {
  return v.big ? toInt64(v.flatB[node]!) : v.flatF[node]!;
}
export function cumOf(v: NodeValues, node: number): Int64 {
  return v.big ? toInt64(v.cumB[node]!) : v.cumF[node]!;
}

function abs(v: Int64): Int64 {
  return v < 0 ? (typeof v === 'bigint' ? -v : -v) : v;
}

/** Go's string order (UTF-8 bytes, i.e. code points) on JavaScript strings. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (astral code points) sort after U+E000…U+FFFF in code point order.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The graph's nodes (pprof drops nodes whose flat and cum are both 0). */
export function graphNodes(values: NodeValues, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (values.big ? values.flatB[i] !== 0n || values.cumB[i] !== 0n : values.flatF[i] !== 0 || values.cumF[i] !== 0) out.push(i);
  }
  return out;
}

/** Σ flat over `list` (graph.Nodes.Sum, int64). */
export function flatSum(values: NodeValues, list: readonly number[]): Int64 {
  if (!values.big) {
    let s = 0;
    for (const i of list) s += values.flatF[i]!;
    return s;
  }
  let s = 0n;
  for (const i of list) s += values.flatB[i]!;
  return toInt64(BigInt.asIntN(64, s));
}

/** abs64(int64(float64(total) × fraction)): pprof's node and edge cutoffs. */
export function cutoff(total: Int64, fraction: number): Int64 {
  const x = Math.trunc(Number(total) * fraction);
  const v = Number.isSafeInteger(x) ? x : toInt64(BigInt(x));
  return abs(v);
}

/** Nodes with |cum| >= cut (graph.getNodesAboveCumCutoff). */
export function aboveCutoff(values: NodeValues, list: readonly number[], cut: Int64): number[] {
  return list.filter((i) => {
    const c = cumOf(values, i);
    return abs(c) >= cut;
  });
}

/**
 * Sorts nodes in pprof's FlatNameOrder: |flat| descending, then printable name (addresses
 * numerically when both nodes have one), then |cum| descending, then the full node info.
 */
export function sortFlatName(values: NodeValues, nodes: NodeTable, list: number[]): number[] {
  const names = nodes.names;
  const info = nodes.info;
  const byName = (l: number, r: number): number => {
    const a = info[l]!.address;
    const b = info[r]!.address;
    if (a !== 0 && b !== 0 && a !== b) return a < b ? -1 : 1;
    return compareGoStrings(names[l]!, names[r]!);
  };
  const last = (l: number, r: number): number => compareGoStrings(infoString(info[l]!), infoString(info[r]!));
  if (!values.big) {
    const flat = values.flatF;
    const cum = values.cumF;
    return list.sort((l, r) => {
      const fl = Math.abs(flat[l]!);
      const fr = Math.abs(flat[r]!);
      if (fl !== fr) return fr - fl;
      const c = byName(l, r);
      if (c !== 0) return c;
      const cl = Math.abs(cum[l]!);
      const cr = Math.abs(cum[r]!);
      if (cl !== cr) return cr - cl;
      return last(l, r);
    });
  }
  const flat = values.flatB;
  const cum = values.cumB;
  const absB = (v: bigint): bigint => (v < 0n ? -v : v);
  return list.sort((l, r) => {
    const fl = absB(flat[l]!);
    const fr = absB(flat[r]!);
    if (fl !== fr) return fr > fl ? 1 : -1;
    const c = byName(l, r);
    if (c !== 0) return c;
    const cl = absB(cum[l]!);
    const cr = absB(cum[r]!);
    if (cl !== cr) return cr > cl ? 1 : -1;
    return last(l, r);
  });
}

/** Edge order of graph.EdgeMap.Sort: |weight| descending, then source and destination names. */
export function sortEdges(edges: EdgeSet, list: number[], names: readonly string[]): number[] {
  return list.sort((i, j) => {
    const a = edges.weights[i]!;
    const b = edges.weights[j]!;
    if (a !== b) {
      const aa = abs(a);
      const ab = abs(b);
      // pprof compares |weights| only when the weights differ; equal magnitudes of
      // opposite sign are then "equal" for its sort.
      if (aa !== ab) return aa > ab ? -1 : 1;
      return 0;
    }
    const c = compareGoStrings(names[edges.src[i]!]!, names[edges.src[j]!]!);
    if (c !== 0) return c;
    return compareGoStrings(names[edges.dst[i]!]!, names[edges.dst[j]!]!);
  });
}
