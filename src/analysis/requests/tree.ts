// Spans to trees: compact records, one tree per trace (orphans whose parent never arrived
// become extra roots), self time, and the service path.
import type { AttrValue, Span } from '../../formats/otlp/model.js';
import { criticalPath } from './critical.js';
import type { SpanNode, SpanRec, TraceTree } from './model.js';

function attrString(v: AttrValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return '';
}

function attrInt(v: AttrValue | undefined): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
}

/** What the analysis keeps of a span; the attribute maps are dropped here. */
export function toRec(s: Span): SpanRec {
  const a = s.attributes;
  const exceptions: string[] = [];
  for (const e of s.events) {
    if (e.name !== 'exception') continue;
    exceptions.push(attrString(e.attributes['exception.message']) || attrString(e.attributes['exception.type']) || 'exception');
  }
  const host = attrString(a['server.address']) || attrString(a['net.peer.name']) || attrString(a['net.host.name']);
  const port = attrString(a['server.port']) || attrString(a['net.peer.port']) || attrString(a['net.host.port']);
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentId: s.parentSpanId,
    name: s.name,
    service: s.resource.service,
    kind: s.kind,
    start: s.startNs,
    end: s.endNs < s.startNs ? s.startNs : s.endNs,
    status: s.status.code,
    statusMessage: s.status.message,
    exceptions,
    httpStatus: attrInt(a['http.response.status_code']) ?? attrInt(a['http.status_code']),
    peer: host ? (port ? `${host}:${port}` : host) : '',
  };
}

/** Groups records by trace id (insertion order of first appearance). */
export function groupByTrace(recs: Iterable<SpanRec>): Map<string, SpanRec[]> {
  const by = new Map<string, SpanRec[]>();
  for (const r of recs) {
    let list = by.get(r.traceId);
    if (!list) by.set(r.traceId, (list = []));
    list.push(r);
  }
  return by;
}

const byStart = (a: SpanNode, b: SpanNode): number => (a.rec.start < b.rec.start ? -1 : a.rec.start > b.rec.start ? 1 : 0);

/** One trace's tree. A span id seen twice keeps its first record (a duplicate export). */
export function buildTree(traceId: string, recs: SpanRec[]): TraceTree {
  const byId = new Map<string, SpanNode>();
  const nodes: SpanNode[] = [];
  for (const rec of recs) {
    if (byId.has(rec.spanId)) continue;
    const n: SpanNode = { rec, parent: null, children: [], depth: 0, orphan: false, selfNs: 0n, critical: false };
    byId.set(rec.spanId, n);
    nodes.push(n);
  }
  const roots: SpanNode[] = [];
  for (const n of nodes) {
    const p = n.rec.parentId ? byId.get(n.rec.parentId) : undefined;
    if (p && p !== n && !isAncestor(n, p)) {
      n.parent = p;
      p.children.push(n);
    } else {
      n.orphan = n.rec.parentId !== '';
      roots.push(n);
    }
  }
  roots.sort(byStart);
  let startNs = nodes[0]!.rec.start;
  let endNs = nodes[0]!.rec.end;
  // Depth-first from each root, iteratively (traces can be deep).
  const stack: SpanNode[] = [...roots].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    n.depth = n.parent ? n.parent.depth + 1 : 0;
    n.children.sort(byStart);
    n.selfNs = selfTime(n);
    if (n.rec.start < startNs) startNs = n.rec.start;
    if (n.rec.end > endNs) endNs = n.rec.end;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  const services: string[] = [];
  const seen = new Set<string>();
  for (const n of [...nodes].sort(byStart)) {
    if (!seen.has(n.rec.service)) {
      seen.add(n.rec.service);
      services.push(n.rec.service);
    }
  }
  const main = roots.reduce((a, b) => (b.rec.end - b.rec.start > a.rec.end - a.rec.start ? b : a), roots[0]!);
  const path = criticalPath(main);
  for (const seg of path) seg.node.critical = true;
  return { traceId, roots, nodes, startNs, endNs, services, criticalPath: path };
}

// Guards against parent cycles in hostile input: linking n under p must not make n its own
// ancestor. Only p's chain as linked so far is walked.
function isAncestor(n: SpanNode, p: SpanNode): boolean {
  for (let a: SpanNode | null = p; a; a = a.parent) if (a === n) return true;
  return false;
}

/**
 * Own duration minus the union of the children's intervals clipped to the span: overlapping
 * children (parallel calls) are not subtracted twice, and a child that outlived its parent
 * only counts while the parent was open. Children must be sorted by start.
 */
export function selfTime(n: SpanNode): bigint {
  const { start, end } = n.rec;
  let covered = 0n;
  let curS = -1n;
  let curE = -1n;
  for (const c of n.children) {
    const s = c.rec.start < start ? start : c.rec.start;
    const e = c.rec.end > end ? end : c.rec.end;
    if (e <= s) continue;
    if (curE < 0n || s > curE) {
      if (curE > curS) covered += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) {
      curE = e;
    }
  }
  if (curE > curS) covered += curE - curS;
  return end - start - covered;
}

/** Every trace's tree, from compact records. */
export function buildTrees(recs: Iterable<SpanRec>): TraceTree[] {
  const out: TraceTree[] = [];
  for (const [id, list] of groupByTrace(recs)) out.push(buildTree(id, list));
  return out;
}
