// Findings across one trace (timeout, budget-exceeded, outlived-parent) and across traces
// (context-break). Each names the service and operation to look at and carries its numbers.
//
// A request's budget is what the spans show: the outermost client span that failed with a
// deadline (its duration is the timeout its caller set); where the client's own request is
// joined (--http) and its timeout fired, the client's timeout. The words are report/traces.ts'. Clock skew between hosts is not
// corrected: spans of one request are compared as their hosts stamped them, with SLACK_NS
// of tolerance for cancellation to travel down the hops.
import { SpanKind, StatusCode } from '../../formats/otlp/model.js';
import { nsToMs, type BudgetHop, type ContextBreakFinding, type Finding, type SpanNode, type SpanRec, type TraceTree } from './model.js';

/** How long after its caller ended a span may still run before it counts (cancellation in flight). */
export const SLACK_NS = 50_000_000n;

const DEADLINE = /deadline exceeded|deadline_exceeded|timed? ?out\b|timeout/i;

/** The span failed because a deadline passed (its own or its caller's). */
export function isDeadline(r: SpanRec): boolean {
  if (saysDeadline(r)) return true;
  return r.httpStatus === 504 || r.httpStatus === 408;
}

/** Its status or an exception names a deadline (not only a 504/408 answer from further down). */
function saysDeadline(r: SpanRec): boolean {
  if (r.status !== StatusCode.error && r.exceptions.length === 0) return false;
  if (DEADLINE.test(r.statusMessage)) return true;
  for (const m of r.exceptions) if (DEADLINE.test(m)) return true;
  return false;
}

/** The span failed: status error, an exception event, or a 5xx answer on a server span. */
export function isError(r: SpanRec): boolean {
  return r.status === StatusCode.error || r.exceptions.length > 0 || (r.kind === SpanKind.server && r.httpStatus !== null && r.httpStatus >= 500);
}

const ms = (ns: bigint): number => Math.round(nsToMs(ns) * 1000) / 1000;

/** Self time of `n` inside [lo, hi] (its clipped duration minus its clipped children). */
function selfWithin(n: SpanNode, lo: bigint, hi: bigint): bigint {
  const s0 = n.rec.start > lo ? n.rec.start : lo;
  const e0 = n.rec.end < hi ? n.rec.end : hi;
  if (e0 <= s0) return 0n;
  let covered = 0n;
  let cs = -1n;
  let ce = -1n;
  for (const c of n.children) {
    const s = c.rec.start > s0 ? c.rec.start : s0;
    const e = c.rec.end < e0 ? c.rec.end : e0;
    if (e <= s) continue;
    if (ce < 0n || s > ce) {
      if (ce > cs) covered += ce - cs;
      cs = s;
      ce = e;
    } else if (e > ce) ce = e;
  }
  if (ce > cs) covered += ce - cs;
  return e0 - s0 - covered;
}

function descendants(n: SpanNode): SpanNode[] {
  const out: SpanNode[] = [];
  const stack = [...n.children];
  while (stack.length) {
    const c = stack.pop()!;
    out.push(c);
    stack.push(...c.children);
  }
  return out;
}

/**
 * The outermost span that failed on a deadline, preferring one whose own status says so over
 * one that only received a 504/408 (a caller above the timeout: its deadline did not fire),
 * then client spans (they hold the timeout).
 */
function budgetSpan(t: TraceTree): SpanNode | null {
  let best: SpanNode | null = null;
  let bestRank = -1;
  for (const n of t.nodes) {
    if (!isDeadline(n.rec)) continue;
    const rank = (saysDeadline(n.rec) ? 2 : 0) + (n.rec.kind === SpanKind.client ? 1 : 0);
    if (!best || rank > bestRank || (rank === bestRank && n.depth < best.depth)) {
      best = n;
      bestRank = rank;
    }
  }
  return best;
}

/** The budget ledger of a timed-out request: who had how much left, and who spent it. */
export function budgetLedger(b: SpanNode): {
  budgetMs: number;
  consumer: SpanNode;
  consumedMs: number;
  hops: BudgetHop[];
} {
  const lo = b.rec.start;
  // A known timeout (the client's) is the budget; otherwise the span's length is.
  const hi = b.rec.budgetNs !== undefined ? lo + b.rec.budgetNs : b.rec.end;
  let consumer = b;
  let best = selfWithin(b, lo, hi);
  for (const d of descendants(b)) {
    const v = selfWithin(d, lo, hi);
    if (v > best) {
      best = v;
      consumer = d;
    }
  }
  const chain: SpanNode[] = [];
  for (let a: SpanNode | null = consumer; a; a = a.parent) {
    chain.push(a);
    if (a === b) break;
  }
  chain.reverse();
  return {
    budgetMs: ms(hi - lo),
    consumer,
    consumedMs: ms(best),
    hops: chain.map((n) => ({
      service: n.rec.service,
      operation: n.rec.name,
      kind: n.rec.kind,
      enteredAtMs: ms(n.rec.start - lo),
      leftMs: ms(hi - n.rec.start),
    })),
  };
}

/** timeout, budget-exceeded and outlived-parent in one trace. */
export function traceFindings(t: TraceTree): Finding[] {
  const out: Finding[] = [];
  for (const n of t.nodes) {
    const p = n.parent;
    if (!p || n.rec.end - p.rec.end <= SLACK_NS) continue;
    const overrunMs = ms(n.rec.end - p.rec.end);
    if (isDeadline(p.rec)) {
      // The caller gave up on a deadline and this hop kept going: its deadline did not shrink.
      const leftMs = ms(p.rec.end - n.rec.start);
      let waitedOn: SpanNode | null = null;
      for (const c of n.children)
        if (c.rec.kind === SpanKind.client && (!waitedOn || c.rec.end - c.rec.start > waitedOn.rec.end - waitedOn.rec.start)) waitedOn = c;
      out.push({
        kind: 'budget-exceeded',
        service: n.rec.service,
        operation: n.rec.name,
        traceId: t.traceId,
        spanId: n.rec.spanId,
        evidence: {
          callerService: p.rec.service,
          callerOperation: p.rec.name,
          callerSpanId: p.rec.spanId,
          callerBudgetMs: ms(p.rec.end - p.rec.start),
          leftAtStartMs: leftMs,
          ranMs: ms(n.rec.end - n.rec.start),
          exceededByMs: overrunMs,
          waitedOn: waitedOn
            ? { service: waitedOn.rec.service, operation: waitedOn.rec.name, spanId: waitedOn.rec.spanId, ms: ms(waitedOn.rec.end - waitedOn.rec.start) }
            : null,
        },
      });
    } else {
      out.push({
        kind: 'outlived-parent',
        service: n.rec.service,
        operation: n.rec.name,
        traceId: t.traceId,
        spanId: n.rec.spanId,
        evidence: {
          parentService: p.rec.service,
          parentOperation: p.rec.name,
          parentSpanId: p.rec.spanId,
          parentEndedAtMs: ms(p.rec.end - t.startNs),
          endedAtMs: ms(n.rec.end - t.startNs),
          overrunMs,
        },
      });
    }
  }
  // A timeout explained by a hop that ignored the deadline is reported once, as that hop.
  if (!out.some((f) => f.kind === 'budget-exceeded')) {
    const b = budgetSpan(t);
    if (b) {
      const l = budgetLedger(b);
      const c = l.consumer.rec;
      out.unshift({
        kind: 'timeout',
        service: c.service,
        operation: c.name,
        traceId: t.traceId,
        spanId: c.spanId,
        evidence: {
          budgetSource: b.rec.client ? 'client' : 'span',
          budgetService: b.rec.service,
          budgetOperation: b.rec.name,
          budgetSpanId: b.rec.spanId,
          budgetMs: l.budgetMs,
          consumedMs: l.consumedMs,
          share: l.budgetMs > 0 ? Math.round((l.consumedMs / l.budgetMs) * 1000) / 1000 : 0,
          hops: l.hops,
        },
      });
    }
  }
  return out;
}

/** What context-break keeps of a span: a compact copy, so the trees can go. */
interface BreakSpan {
  traceId: string;
  spanId: string;
  service: string;
  name: string;
  peer: string;
  start: bigint;
  end: bigint;
  /** The trace's order in the input, and the root's within it (roots only). */
  seq: number;
  idx: number;
}

const breakSpan = (n: SpanNode, seq: number, idx: number): BreakSpan => ({
  traceId: n.rec.traceId,
  spanId: n.rec.spanId,
  service: n.rec.service,
  name: n.rec.name,
  peer: n.rec.peer,
  start: n.rec.start,
  end: n.rec.end,
  seq,
  idx,
});

/**
 * context-break: a server span that starts a new trace (no parent at all) while a client
 * span of another trace, calling the same host:port, is open around it and has no server
 * span of its own trace under it. Traces are added one at a time (a spilled analysis never
 * holds them all); only the candidate spans are kept.
 */
export class ContextBreaks {
  private readonly clients = new Map<string, BreakSpan[]>();
  private readonly roots: BreakSpan[] = [];

  add(t: TraceTree, seq: number): void {
    for (const n of t.nodes) {
      if (n.rec.kind !== SpanKind.client || !n.rec.peer) continue;
      if (n.children.some((c) => c.rec.kind === SpanKind.server)) continue;
      let list = this.clients.get(n.rec.peer);
      if (!list) this.clients.set(n.rec.peer, (list = []));
      list.push(breakSpan(n, seq, 0));
    }
    t.roots.forEach((r, i) => {
      if (r.orphan || r.rec.kind !== SpanKind.server || !r.rec.peer) return;
      this.roots.push(breakSpan(r, seq, i));
    });
  }

  finish(): ContextBreakFinding[] {
    const byStart = (a: BreakSpan, b: BreakSpan): number => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.seq - b.seq);
    for (const list of this.clients.values()) list.sort(byStart);
    this.roots.sort((a, b) => a.seq - b.seq || a.idx - b.idx);
    const out: ContextBreakFinding[] = [];
    for (const r of this.roots) {
      const list = this.clients.get(r.peer);
      if (!list) continue;
      // The tightest client span around the server span.
      let best: BreakSpan | null = null;
      for (let i = upperBound(list, r.start) - 1; i >= 0; i--) {
        const c = list[i]!;
        if (c.traceId === r.traceId || c.end < r.end) continue;
        if (!best || c.end - c.start < best.end - best.start) best = c;
        if (best && r.start - c.start > best.end - best.start) break;
      }
      if (!best) continue;
      const b = best;
      out.push({
        kind: 'context-break',
        service: r.service,
        operation: r.name,
        traceId: r.traceId,
        spanId: r.spanId,
        evidence: {
          callerTraceId: b.traceId,
          callerSpanId: b.spanId,
          callerService: b.service,
          callerOperation: b.name,
          peer: r.peer,
          startedAfterCallerMs: ms(r.start - b.start),
          endedBeforeCallerMs: ms(b.end - r.end),
        },
      });
    }
    return out;
  }
}

export function contextBreaks(trees: TraceTree[]): ContextBreakFinding[] {
  const c = new ContextBreaks();
  trees.forEach((t, i) => c.add(t, i));
  return c.finish();
}

function upperBound(list: BreakSpan[], t: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.start <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
