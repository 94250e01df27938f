// Sample stacks for flame graphs: each kept sample's frames as function names, root
// first, inlined frames expanded, after the same drop_frames pruning and filters as top.
import { int64ToNumber, type Int64, type Profile, type ValueType } from '../../formats/pprof/index.js';
import { filterSamples, type FilterOptions } from './filter.js';
import { computeTotal, sampleWeights } from './graph.js';
import { buildNodes } from './nodes.js';
import { selectSampleIndex } from './sample-index.js';

export interface StackOptions extends FilterOptions {
  sampleIndex?: string;
}

export interface SampleStack {
  /** Function names (pprof's node names at "functions" granularity), root first. */
  frames: string[];
  value: number;
}

export interface SampleStacks {
  sampleType: ValueType;
  sampleIndex: number;
  /** pprof's report total (Σ |value| before filters), as top reports it. */
  total: Int64;
  stacks: SampleStack[];
  /** What pprof would print on stderr about the filters (SampleView.warnings). */
  warnings: string[];
}

/**
 * One stack per kept sample with a non-zero value (identical stacks are not merged:
 * the flame tree does that). Frame names are shared strings, one per function.
 */
export function sampleStacks(p: Profile, opts: StackOptions = {}): SampleStacks {
  const sampleIndex = selectSampleIndex(p, opts.sampleIndex);
  const view = filterSamples(p, opts);
  const nodes = buildNodes(view, 'functions');
  const w = sampleWeights(view, sampleIndex);
  const { locStart, locNodes, names } = nodes;
  const stacks: SampleStack[] = [];
  for (let k = 0; k < view.samples.length; k++) {
    const value = w.big ? int64ToNumber(w.b[k]!) : w.f[k]!;
    if (value === 0) continue;
    const si = view.samples[k]!;
    const ids = p.samples[si]!.locationIds;
    const start = view.stackStart[si]!;
    let n = 0;
    for (let j = start; j < ids.length; j++) {
      const pos = view.locIndex.pos(ids[j]!);
      if (!view.hidden[pos]) n += locStart[pos + 1]! - locStart[pos]!;
    }
    const frames = new Array<string>(n);
    let f = 0;
    for (let j = ids.length - 1; j >= start; j--) {
      const pos = view.locIndex.pos(ids[j]!);
      if (view.hidden[pos]) continue;
      for (let q = locStart[pos + 1]! - 1; q >= locStart[pos]!; q--) frames[f++] = names[locNodes[q]!]!;
    }
    stacks.push({ frames, value });
  }
  return { sampleType: p.sampleTypes[sampleIndex]!, sampleIndex, total: computeTotal(p, sampleIndex), stacks, warnings: view.warnings };
}
