// The flame graph's call tree (see tree.ts for its layout).
export { buildFlameTree, findFlameNode, flameNodeCount, flamePath, subtreeTotals } from './tree.js';
export type { BuildFlameTreeOptions, FlameStack, FlameTree } from './tree.js';
export { flameInput, type FlameInput } from './input.js';
