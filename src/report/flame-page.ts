// A whole flame graph page for one profile (flame -o, profile -o): one flame section in
// the self-contained page.
import type { FlameInput } from '../analysis/flame/input.js';
import { buildFlameTree, flameNodeCount } from '../shared/flame-tree.js';
import { flameSectionHtml, htmlPage } from './html.js';

/** The page's HTML (a diff when the input has a base) and how many frames its tree has. */
export function flamePage(input: FlameInput, title: string): { html: string; nodes: number } {
  const tree = buildFlameTree(input.stacks, input.base ? { base: input.base } : undefined);
  return {
    html: htmlPage({ title, body: flameSectionHtml({ id: 'flame', title, unit: input.unit, sampleType: input.sampleType, tree }) }),
    nodes: flameNodeCount(tree),
  };
}
