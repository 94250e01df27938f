// The sandwich view of one function: its callers (inverted: the function is the root, its
// callers below it) and its callees, every occurrence in the tree merged, recursion
// counted once. Both trees are built by the flame tree builder (CallTrie, levelOrder)
// over the tree's own name table.
import { CallTrie, levelOrder } from './flame-tree.js';
import { viewOfFlameTree, type ViewTree } from './view-tree.js';

/**
 * Nodes named `name` that have no ancestor of the same name: each sample passing through
 * the function is under exactly one of them, so recursion is counted once.
 */
export function outermost(t: ViewTree, name: number): number[] {
  const covered = new Uint8Array(t.n);
  const out: number[] = [];
  const parent = t.parent;
  for (let i = 1; i < t.n; i++) {
    const p = parent[i]!;
    const c = covered[p]! | (p > 0 && t.nameIdx[p] === name ? 1 : 0);
    covered[i] = c;
    if (!c && t.nameIdx[i] === name) out.push(i);
  }
  return out;
}

export interface Sandwich {
  callers: ViewTree;
  callees: ViewTree;
  /** Sum of self over every node of the function (pprof's flat). */
  self: number;
  baseSelf: number;
}

/** Callers and callees of the function with name index `name`, all occurrences merged. */
export function sandwich(t: ViewTree, name: number): Sandwich {
  const diff = t.baseSelf !== null;
  const occ = outermost(t, name);
  const parent = t.parent;
  const callers = new CallTrie(t.names, name);
  const callees = new CallTrie(t.names, name);
  const stackT: number[] = [];
  const stackB: number[] = [];
  for (const o of occ) {
    let b = 0;
    for (let p = parent[o]!; p > 0; p = parent[p]!) b = callers.child(b, t.nameIdx[p]!);
    callers.add(b, t.total[o]!, t.baseTotal ? t.baseTotal[o]! : 0);

    stackT.push(o);
    stackB.push(0);
    while (stackT.length > 0) {
      const u = stackT.pop()!;
      const ub = stackB.pop()!;
      callees.add(ub, t.self[u]!, t.baseSelf ? t.baseSelf[u]! : 0);
      const end = t.firstChild[u]! + t.childCount[u]!;
      for (let c = t.firstChild[u]!; c < end; c++) {
        stackT.push(c);
        stackB.push(callees.child(ub, t.nameIdx[c]!));
      }
    }
  }
  let self = 0;
  let baseSelf = 0;
  for (let i = 1; i < t.n; i++) {
    if (t.nameIdx[i] === name) {
      self += t.self[i]!;
      if (t.baseSelf) baseSelf += t.baseSelf[i]!;
    }
  }
  return { callers: viewOfFlameTree(levelOrder(callers, diff)), callees: viewOfFlameTree(levelOrder(callees, diff)), self, baseSelf };
}
