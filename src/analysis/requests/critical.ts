// The critical path of a request: the chain of work the end of the request waited for.
//
// Walk backwards from the span's end. At each point t, the span was waiting for the child
// that ends last among those that started before t (its end clipped to t: a sibling still
// running at t counts); the stretch between that child's end and t is the span's own time on
// the path. Recurse into the child from its (clipped) end, then continue in the span from the
// child's start. Children are clipped to their parent (work after the parent ended did not
// delay it; work before it started cannot have been waited for).
//
// Where Jaeger's UI is wrong (jaeger-ui CriticalPath, findLastFinishingChildSpan): on the
// way back from a child C, it only considers siblings that *ended before C started*. A
// sibling that was still running when C started (parallel calls: A 10-80 ms, C 60-95 ms
// under a parent 0-100 ms) is skipped, and the parent gets 0-60 ms of its own "self" time on
// the path that it spent waiting for A. Here A is on the path from 10 to 60 ms and the
// parent only from 0 to 10 and 95 to 100 ms. test/requests-analysis.test.ts pins the case.
import type { PathSegment, SpanNode } from './model.js';

/** The critical path under `root`, latest segment first. Iterative: traces can be deep. */
export function criticalPath(root: SpanNode): PathSegment[] {
  const out: PathSegment[] = [];
  // Each frame: a span, its clipped children by start with a running max of their ends,
  // the point t reached so far, and how many children are still candidates (start < t).
  interface Frame {
    node: SpanNode;
    lo: bigint;
    kids: { node: SpanNode; s: bigint; e: bigint }[];
    /** prefix[i] = index of the child with the latest end among kids[0..i]. */
    prefix: number[];
    t: bigint;
    n: number;
  }
  const open = (node: SpanNode, lo: bigint, hi: bigint, t: bigint): Frame => {
    const kids: Frame['kids'] = [];
    for (const c of node.children) {
      const s = c.rec.start < lo ? lo : c.rec.start;
      const e = c.rec.end > hi ? hi : c.rec.end;
      if (e > s || (e === s && c.rec.start >= lo && c.rec.end <= hi)) kids.push({ node: c, s, e });
    }
    kids.sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
    const prefix: number[] = new Array(kids.length);
    for (let i = 0; i < kids.length; i++) prefix[i] = i > 0 && kids[prefix[i - 1]!]!.e >= kids[i]!.e ? prefix[i - 1]! : i;
    return { node, lo, kids, prefix, t, n: kids.length };
  };
  const stack: Frame[] = [open(root, root.rec.start, root.rec.end, root.rec.end)];
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    // Children that started before t are the prefix kids[0..n).
    while (f.n > 0 && f.kids[f.n - 1]!.s >= f.t) f.n--;
    if (f.n === 0) {
      if (f.t > f.lo) out.push({ node: f.node, startNs: f.lo, endNs: f.t });
      stack.pop();
      continue;
    }
    const k = f.kids[f.prefix[f.n - 1]!]!;
    const e = k.e < f.t ? k.e : f.t;
    if (e < f.t) out.push({ node: f.node, startNs: e, endNs: f.t });
    f.t = k.s;
    stack.push(open(k.node, k.s, e, e));
  }
  return out;
}
