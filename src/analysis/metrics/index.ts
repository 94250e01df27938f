// goscope metrics' analysis: read one exposition as a stream and lint it.
import { readExposition, type ReadOptions } from '../../formats/prometheus/index.js';
import { MetricsAnalyzer, type AnalyseOptions, type MetricsAnalysis } from './analyze.js';

export * from './analyze.js';
export * from './rules.js';
export { Scrapes } from './scrapes.js';
export type { RuntimeFacts, GcPauses } from './runtime.js';
export type { FamilySummary, LabelSummary } from './families.js';

/** Parses and analyses one exposition in a single streaming pass. */
export async function analyseExposition(chunks: AsyncIterable<Uint8Array>, read: ReadOptions, opts: AnalyseOptions = {}): Promise<MetricsAnalysis> {
  const an = new MetricsAnalyzer(opts);
  const parse = await readExposition(chunks, read, an);
  return an.finish(parse);
}
