// `go tool pprof -peek REGEX`: every node whose printable name matches, with the nodes
// that call it and the nodes it calls, and the value flowing along each of those edges.
// Like pprof, peek never trims nodes or edges (its -nodecount/-nodefraction are ignored).
import { UserError } from '../../errors.js';
import type { Int64, Profile, ValueType } from '../../formats/pprof/index.js';
import { filterSamples } from './filter.js';
import { computeTotal, cumOf, flatOf, flatSum, graphNodes, sampleWeights, sortEdges, sortFlatName, walkSamples } from './graph.js';
import { buildNodes, type Granularity } from './nodes.js';
import { selectOutputUnit } from './output-unit.js';
import { compileGoRegexp } from './regexp.js';
import { selectSampleIndex } from './sample-index.js';
import { checkGranularity, type TopOptions } from './top.js';
import { percentRatio } from '../../shared/units.js';

export interface PeekEdge {
  /** The caller (for callers) or callee (for callees). */
  name: string;
  value: Int64;
  /** |value| / the peeked node's cum × 100. */
  pct: number;
  /** The call was inlined. */
  inline: boolean;
}

export interface PeekEntry {
  name: string;
  flat: Int64;
  cum: Int64;
  flatPct: number;
  /** Running |Σ flat| over the entries so far, / total × 100. */
  sumPct: number;
  cumPct: number;
  callers: PeekEdge[];
  callees: PeekEdge[];
}

export interface PeekReport {
  sampleType: ValueType;
  sampleIndex: number;
  granularity: Granularity;
  regex: string;
  total: Int64;
  /** Σ flat over every node of the graph (pprof's "Showing nodes accounting for"). */
  shown: Int64;
  outputUnit: string;
  entries: PeekEntry[];
  activeFilters: string[];
  warnings: string[];
}

/** The report of `go tool pprof -peek REGEX` with the same options as top (nodecount/nodefraction ignored). */
export function peek(p: Profile, regex: string, opts: TopOptions = {}): PeekReport {
  const sampleIndex = selectSampleIndex(p, opts.sampleIndex);
  const granularity = checkGranularity(opts.granularity);
  const rx = compileGoRegexp(regex, 'argument');
  const total = computeTotal(p, sampleIndex);
  const view = filterSamples(p, opts);
  const nodes = buildNodes(view, granularity);
  const weights = sampleWeights(view, sampleIndex);
  const matched = new Uint8Array(nodes.count);
  for (let i = 0; i < nodes.count; i++) if (rx.test(nodes.names[i]!)) matched[i] = 1;
  const { values, edges } = walkSamples(view, nodes, weights, { edges: (src, dst) => matched[src] === 1 || matched[dst] === 1 });

  const all = sortFlatName(values, nodes, graphNodes(values, nodes.count));
  const callers = new Map<number, number[]>();
  const callees = new Map<number, number[]>();
  const add = (m: Map<number, number[]>, k: number, e: number): void => {
    const l = m.get(k);
    if (l) l.push(e);
    else m.set(k, [e]);
  };
  for (let e = 0; e < edges!.src.length; e++) {
    // An edge to a node pprof leaves out of the graph (flat and cum 0, e.g. a diff that
    // cancels out) still shows, as in pprof.
    add(callers, edges!.dst[e]!, e);
    add(callees, edges!.src[e]!, e);
  }
  const edgeList = (list: number[] | undefined, end: 'src' | 'dst', cum: Int64): PeekEdge[] =>
    sortEdges(edges!, list ?? [], nodes.names).map((e) => ({
      name: nodes.names[edges![end][e]!]!,
      value: edges!.weights[e]!,
      pct: percentRatio(edges!.weights[e]!, cum),
      inline: edges!.inline[e]!,
    }));

  const entries: PeekEntry[] = [];
  let sum = 0n;
  for (const i of all) {
    if (!matched[i]) continue;
    const flat = flatOf(values, i);
    const cum = cumOf(values, i);
    sum = BigInt.asIntN(64, sum + BigInt(flat));
    entries.push({
      name: nodes.names[i]!,
      flat,
      cum,
      flatPct: percentRatio(flat, total),
      sumPct: percentRatio(sum, total),
      cumPct: percentRatio(cum, total),
      callers: edgeList(callers.get(i), 'src', cum),
      callees: edgeList(callees.get(i), 'dst', cum),
    });
  }
  if (entries.length === 0) {
    // pprof prints its filter warnings before this error: they are often the reason.
    throw new UserError([...view.warnings, `no matches found for regexp: ${regex}`].join('; '));
  }
  const sampleType = p.sampleTypes[sampleIndex]!;
  return {
    sampleType,
    sampleIndex,
    granularity,
    regex,
    total,
    shown: flatSum(values, all),
    outputUnit: selectOutputUnit(
      sampleType.unit,
      all.map((i) => [flatOf(values, i), cumOf(values, i)] as [Int64, Int64]),
      total,
    ),
    entries,
    activeFilters: view.activeFilters,
    warnings: view.warnings,
  };
}
