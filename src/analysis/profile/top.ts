// `go tool pprof -top`: the report rows (flat, cum and their shares per node) for a
// sample type, granularity and filters, with pprof's node trimming and order.
import { UsageError } from '../../errors.js';
import { normalizeInt64, type Int64, type Profile, type ValueType } from '../../formats/pprof/index.js';
import { filterSamples, type FilterOptions } from './filter.js';
import { aboveCutoff, computeTotal, cumOf, cutoff, flatOf, flatSum, graphNodes, sampleWeights, sortFlatName, walkSamples } from './graph.js';
import { buildNodes, GRANULARITIES, type Granularity } from './nodes.js';
import { selectOutputUnit } from './output-unit.js';
import { selectSampleIndex } from './sample-index.js';
import { percentRatio } from '../../shared/units.js';

export type { Granularity } from './nodes.js';

export interface TopOptions extends FilterOptions {
  /** Sample type name ("alloc_space") or index; default: pprof's default for the profile. */
  sampleIndex?: string;
  /** Default "functions". */
  granularity?: Granularity;
  /** Show at most this many nodes; undefined or 0 = all (pprof's default for -top). */
  nodecount?: number;
  /** Drop nodes whose |cum| is below this fraction of the total; default 0.005. */
  nodefraction?: number;
}

export interface TopRow {
  name: string;
  flat: Int64;
  cum: Int64;
  /** |flat| / total × 100 (pprof's ratio; text renders it with formatPercent). */
  flatPct: number;
  /** |Σ flat of this and the rows above| / total × 100. */
  sumPct: number;
  cumPct: number;
  /** pprof's marker: every call into the node was inlined, or only some were. */
  inline: '' | 'inline' | 'partial-inline';
}

export interface TopReport {
  sampleType: ValueType;
  sampleIndex: number;
  granularity: Granularity;
  /** pprof's report total: Σ |value| over all samples (or over the diff base's), before filters. */
  total: Int64;
  /** Σ flat of the rows shown. */
  shown: Int64;
  /** Nodes dropped by the node fraction ("Dropped N nodes (cum <= X)"). */
  droppedNodes: number;
  /** The X of that line (total × nodefraction), null when nothing was dropped. */
  droppedBelow: Int64 | null;
  /** "Showing top N nodes out of M" when the node count cut rows. */
  showingTop: { count: number; of: number } | null;
  /** The unit pprof prints every value in (its -unit=minimum choice), e.g. "ms", "kB", "count". */
  outputUnit: string;
  rows: TopRow[];
  /** "focus=…" etc., as pprof lists them under "Active filters:". */
  activeFilters: string[];
  /** What pprof prints on stderr about the filters ("Focus expression matched no samples"). */
  warnings: string[];
}

const DEFAULT_NODE_FRACTION = 0.005;
const DEFAULT_EDGE_FRACTION = 0.001;

export function checkGranularity(g: string | undefined): Granularity {
  if (g === undefined) return 'functions';
  if (!(GRANULARITIES as readonly string[]).includes(g)) {
    throw new UsageError(`granularity: expected one of ${GRANULARITIES.join(', ')}, got ${JSON.stringify(g)}`);
  }
  return g as Granularity;
}

/** The report `go tool pprof -top [-sample_index] [-<granularity>] [filters] [-nodecount] [-nodefraction]` prints. */
export function top(p: Profile, opts: TopOptions = {}): TopReport {
  const sampleIndex = selectSampleIndex(p, opts.sampleIndex);
  const granularity = checkGranularity(opts.granularity);
  const nodeCount = opts.nodecount ?? 0;
  if (!Number.isSafeInteger(nodeCount) || nodeCount < 0) throw new UsageError(`nodecount: expected a whole number >= 0, got ${nodeCount}`);
  const nodeFraction = opts.nodefraction ?? DEFAULT_NODE_FRACTION;
  if (!Number.isFinite(nodeFraction)) throw new UsageError(`nodefraction: expected a number, got ${nodeFraction}`);
  const total = computeTotal(p, sampleIndex);
  const view = filterSamples(p, opts);
  const nodes = buildNodes(view, granularity);
  const weights = sampleWeights(view, sampleIndex);
  const { values } = walkSamples(view, nodes, weights);

  let list = graphNodes(values, nodes.count);
  const graphFlat = flatSum(values, list);
  const nodeCutoff = cutoff(graphFlat, nodeFraction);
  const edgeCutoff = cutoff(graphFlat, DEFAULT_EDGE_FRACTION);
  let droppedNodes = 0;
  if (nodeCutoff > 0) {
    const keptList = aboveCutoff(values, list, nodeCutoff);
    droppedNodes = list.length - keptList.length;
    list = keptList;
  }
  const origCount = list.length;
  list = sortFlatName(values, nodes, list);
  const cut = nodeCount > 0 && nodeCount < list.length;
  if (cut) list = list.slice(0, nodeCount);

  // pprof's "(inline)" marker depends on the calls into each node that survive its edge
  // cut; only nodes that are an inlined line somewhere can get one. When nodes were
  // dropped, pprof rebuilds the graph from the kept ones: calls then bridge the dropped
  // nodes. Otherwise every node stays in place, even those whose values sum to 0.
  const kept = new Uint8Array(nodes.count);
  let needEdges = false;
  for (const i of list) {
    kept[i] = 1;
    if (nodes.inlinedSomewhere[i]) needEdges = true;
  }
  const inlineIn = new Uint8Array(nodes.count);
  const plainIn = new Uint8Array(nodes.count);
  if (needEdges) {
    const { edges } = walkSamples(view, nodes, weights, {
      kept: droppedNodes > 0 || cut ? kept : undefined,
      edges: (_src, dst) => kept[dst] === 1 && nodes.inlinedSomewhere[dst] === 1,
    });
    for (let e = 0; e < edges!.src.length; e++) {
      const wgt = edges!.weights[e]!;
      if ((wgt < 0 ? -wgt : wgt) < edgeCutoff) continue;
      if (edges!.inline[e]) inlineIn[edges!.dst[e]!] = 1;
      else plainIn[edges!.dst[e]!] = 1;
    }
  }

  const rows: TopRow[] = [];
  let sum: Int64 = 0;
  let sumBig = 0n;
  for (const i of list) {
    const flat = flatOf(values, i);
    const cum = cumOf(values, i);
    if (values.big) {
      sumBig = BigInt.asIntN(64, sumBig + BigInt(flat));
      sum = normalizeInt64(sumBig);
    } else {
      sum = (sum as number) + (flat as number);
    }
    rows.push({
      name: nodes.names[i]!,
      flat,
      cum,
      flatPct: percentRatio(flat, total),
      sumPct: percentRatio(sum, total),
      cumPct: percentRatio(cum, total),
      inline: inlineIn[i] ? (plainIn[i] ? 'partial-inline' : 'inline') : '',
    });
  }
  const sampleType = p.sampleTypes[sampleIndex]!;
  return {
    sampleType,
    sampleIndex,
    granularity,
    total,
    shown: sum,
    droppedNodes: total !== 0 ? droppedNodes : 0,
    droppedBelow: total !== 0 && droppedNodes > 0 ? cutoff(total, nodeFraction) : null,
    showingTop: total !== 0 && nodeCount > 0 && nodeCount < origCount ? { count: nodeCount, of: origCount } : null,
    outputUnit: selectOutputUnit(
      sampleType.unit,
      rows.map((r) => [r.flat, r.cum]),
      total,
    ),
    rows,
    activeFilters: view.activeFilters,
    warnings: view.warnings,
  };
}
