// Profile analysis with `go tool pprof`'s semantics: sample types, filters, top, peek and
// the sample stacks flame graphs are drawn from.
export { selectSampleIndex } from './sample-index.js';
export { filterSamples, LocationIndex } from './filter.js';
export type { FilterOptions, SampleView } from './filter.js';
export { compileTagFilter, numLabelUnits, parseTagFilterRange } from './tag-filter.js';
export { compileGoRegexp } from './regexp.js';
export { pprofFunctionName } from './names.js';
export { buildNodes, cleanPath, GRANULARITIES, printableName } from './nodes.js';
export type { Granularity, NodeInfo, NodeTable } from './nodes.js';
export { computeTotal } from './graph.js';
export { top, checkGranularity } from './top.js';
export type { TopOptions, TopReport, TopRow } from './top.js';
export { peek } from './peek.js';
export type { PeekEdge, PeekEntry, PeekReport } from './peek.js';
export { sampleStacks } from './stacks.js';
export type { SampleStack, SampleStacks, StackOptions } from './stacks.js';
export { selectOutputUnit } from './output-unit.js';
export * from './merge.js';
export * from './diff.js';
export * from './delta.js';
