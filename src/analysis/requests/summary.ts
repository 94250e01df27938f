// Over many traces: the slowest operations by p99 self time, where errors concentrate, and
// the latency of each service-to-service call (caller-seen, callee-seen, and the gap).
import { nearestRank } from '../../lib/quantile.js';
import { isError } from './findings.js';
import { nsToMs, type TraceTree } from './model.js';

export interface OperationStat {
  service: string;
  operation: string;
  /** OTLP SpanKind: a client and a server span may share a name (otelhttp's "GET /path"). */
  kind: number;
  count: number;
  selfP50Ms: number;
  selfP99Ms: number;
  durationP99Ms: number;
  maxMs: number;
}

export interface ErrorSpot {
  service: string;
  operation: string;
  kind: number;
  errors: number;
  count: number;
  /** The most frequent status/exception message and how often it came. */
  topMessage: string;
  topMessageCount: number;
  exampleTraceId: string;
}

export interface PairStat {
  caller: string;
  callee: string;
  calls: number;
  /** Client span durations (what the caller waited). */
  p50Ms: number;
  p99Ms: number;
  /** Client minus server span: network, queueing and the callee's work outside its span. */
  gapP50Ms: number;
  errors: number;
}

export interface Summary {
  operations: OperationStat[];
  errors: ErrorSpot[];
  pairs: PairStat[];
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;
const asc = (a: number, b: number): number => a - b;

/**
 * Adds traces one at a time (the many-trace summary of a spilled analysis sees one partition
 * of traces at a time); keeps two numbers per span. `seq` orders traces (first appearance in
 * the input): the example trace of an error is the first one, whatever the order of adding.
 */
export class SummaryAccumulator {
  private readonly ops = new Map<string, { service: string; operation: string; kind: number; self: number[]; dur: number[] }>();
  private readonly errs = new Map<
    string,
    { service: string; operation: string; kind: number; errors: number; count: number; msgs: Map<string, number>; trace: string; traceSeq: number }
  >();
  private readonly pairs = new Map<string, { caller: string; callee: string; dur: number[]; gap: number[]; errors: number }>();

  add(t: TraceTree, seq: number): void {
    const { ops, errs, pairs } = this;
    for (const n of t.nodes) {
      const r = n.rec;
      // The client's request joined from --http is not a span of the services.
      if (r.client) continue;
      const key = r.service + '\0' + r.name + '\0' + r.kind;
      let o = ops.get(key);
      if (!o) ops.set(key, (o = { service: r.service, operation: r.name, kind: r.kind, self: [], dur: [] }));
      o.self.push(nsToMs(n.selfNs));
      o.dur.push(nsToMs(r.end - r.start));
      let e = errs.get(key);
      if (!e) errs.set(key, (e = { service: r.service, operation: r.name, kind: r.kind, errors: 0, count: 0, msgs: new Map(), trace: '', traceSeq: -1 }));
      e.count++;
      if (isError(r)) {
        e.errors++;
        if (!e.trace || seq < e.traceSeq) {
          e.trace = t.traceId;
          e.traceSeq = seq;
        }
        const m = r.statusMessage || r.exceptions[0] || (r.httpStatus !== null ? `HTTP ${r.httpStatus}` : 'error');
        e.msgs.set(m, (e.msgs.get(m) ?? 0) + 1);
      }
      // A call between services: a span whose child runs in another service.
      for (const c of n.children) {
        if (c.rec.service === r.service) continue;
        const pk = r.service + '\0' + c.rec.service;
        let p = pairs.get(pk);
        if (!p) pairs.set(pk, (p = { caller: r.service, callee: c.rec.service, dur: [], gap: [], errors: 0 }));
        const d = nsToMs(r.end - r.start);
        p.dur.push(d);
        p.gap.push(Math.max(0, d - nsToMs(c.rec.end - c.rec.start)));
        if (isError(r)) p.errors++;
      }
    }
  }

  finish(limit = 10): Summary {
    const operations: OperationStat[] = [];
    for (const o of this.ops.values()) {
      o.self.sort(asc);
      o.dur.sort(asc);
      operations.push({
        service: o.service,
        operation: o.operation,
        kind: o.kind,
        count: o.self.length,
        selfP50Ms: r3(nearestRank(o.self, 50)),
        selfP99Ms: r3(nearestRank(o.self, 99)),
        durationP99Ms: r3(nearestRank(o.dur, 99)),
        maxMs: r3(o.dur[o.dur.length - 1]!),
      });
    }
    // Total orders (ties broken down to the kind): the same spans give the same lists
    // whatever order the traces were added in.
    operations.sort((a, b) => b.selfP99Ms - a.selfP99Ms || cmp(a.service, b.service) || cmp(a.operation, b.operation) || a.kind - b.kind);
    const errors: ErrorSpot[] = [];
    for (const e of this.errs.values()) {
      if (!e.errors) continue;
      let top = '';
      let topN = 0;
      for (const [m, k] of e.msgs) if (k > topN || (k === topN && m < top)) [top, topN] = [m, k];
      errors.push({
        service: e.service,
        operation: e.operation,
        kind: e.kind,
        errors: e.errors,
        count: e.count,
        topMessage: top,
        topMessageCount: topN,
        exampleTraceId: e.trace,
      });
    }
    errors.sort((a, b) => b.errors - a.errors || cmp(a.service, b.service) || cmp(a.operation, b.operation) || a.kind - b.kind);
    const pairList: PairStat[] = [];
    for (const p of this.pairs.values()) {
      p.dur.sort(asc);
      p.gap.sort(asc);
      pairList.push({
        caller: p.caller,
        callee: p.callee,
        calls: p.dur.length,
        p50Ms: r3(nearestRank(p.dur, 50)),
        p99Ms: r3(nearestRank(p.dur, 99)),
        gapP50Ms: r3(nearestRank(p.gap, 50)),
        errors: p.errors,
      });
    }
    pairList.sort((a, b) => b.p99Ms - a.p99Ms || cmp(a.caller, b.caller) || cmp(a.callee, b.callee));
    return { operations: operations.slice(0, limit), errors: errors.slice(0, limit), pairs: pairList };
  }
}

const cmp = (a: string, b: string): number => a.localeCompare(b);

export function summarise(trees: Iterable<TraceTree>, limit = 10): Summary {
  const acc = new SummaryAccumulator();
  let seq = 0;
  for (const t of trees) acc.add(t, seq++);
  return acc.finish(limit);
}
