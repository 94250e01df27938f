// The flame graph's call tree is built by src/shared/flame-tree.ts (the page builds its
// sandwich trees with it too); re-exported here for the commands and reports.
export { buildFlameTree, findFlameNode, flameNodeCount, flamePath, subtreeTotals } from '../../shared/flame-tree.js';
export type { BuildFlameTreeOptions, FlameStack, FlameTree } from '../../shared/flame-tree.js';
