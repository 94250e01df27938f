// Synthetic stacks for the flame graph benchmark: they build a call tree of exactly
// `nodes` nodes below the root (see bench/flame.ts for the shape).
import type { FlameStack } from '../../src/shared/flame-tree.js';
import { mulberry32 as rng } from '../../scripts/prng.js';

const FUNCTIONS = 20_000;
const PACKAGES = 400;

export function* syntheticStacks(nodes: number, seed = 1): Generator<FlameStack> {
  const rand = rng(seed);
  const names: string[] = [];
  for (let f = 0; f < FUNCTIONS; f++) {
    const pkg = f % PACKAGES;
    names.push(`github.com/acme/svc${pkg % 40}/pkg${pkg}.(*T${f % 17}).Func${f}`);
  }
  const parent = new Int32Array(nodes + 1);
  const name = new Int32Array(nodes + 1);
  const kids = new Int32Array(nodes + 1);
  parent[0] = -1;
  for (let i = 1; i <= nodes; i++) {
    // Half uniform attachment (bushy), half to a recent node (deep).
    const p = rand() < 0.5 ? Math.floor(rand() * i) : Math.max(0, i - 1 - Math.floor(rand() * 64));
    parent[i] = p;
    // Child k of p gets (p * 131 + k * 7919) mod FUNCTIONS: distinct for all siblings
    // (7919 is prime to 20,000), so no two siblings merge and the tree keeps every node.
    name[i] = (p * 131 + kids[p]! * 7919) % FUNCTIONS;
    kids[p]!++;
  }
  if (kids[0] === 0) throw new Error('synthetic tree without nodes');
  const path: string[] = [];
  for (let i = 1; i <= nodes; i++) {
    const leaf = kids[i] === 0;
    if (!leaf && rand() >= 0.2) continue;
    // Heavy-tailed values: leaves 1 to ~160,000, inner selfs 1 to ~3,000.
    const value = Math.floor(Math.exp(rand() * (leaf ? 12 : 8)));
    path.length = 0;
    for (let p = i; p > 0; p = parent[p]!) path.push(names[name[p]!]!);
    yield { frames: path.slice().reverse(), value };
  }
}
