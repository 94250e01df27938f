// Logs joined to traces: by trace and span id where the line carries them, otherwise by
// service and time window (marked as such: another request of the same service running at
// the same moment would match too). A line with only the low 64 bits of the id (Datadog's
// decimal dd.trace_id, a 16-digit hex id) joins the trace whose low half it is, as
// sameTrace says everywhere else. logs-without-trace-id: per service, the share of lines
// written inside that service's spans that carry no trace id.
import { sameTrace } from '../../formats/logs/ids.js';
import type { LogEntry } from '../../formats/logs/model.js';
import type { LogsWithoutTraceIdFinding, SpanNode, TraceTree } from './model.js';

const ZERO16 = '0000000000000000';

export type LogMatch = 'span-id' | 'trace-id' | 'time-window';

export interface AttachedLog {
  entry: LogEntry;
  /** The span it belongs to ('' : the trace, no span said). */
  spanId: string;
  how: LogMatch;
}

/** Merges sorted-by-start [s, e] pairs into a flat [s0, e0, s1, e1, …] list. */
function mergeSorted(pairs: [bigint, bigint][]): bigint[] {
  const flat: bigint[] = [];
  for (const [s, e] of pairs) {
    if (flat.length && s <= flat[flat.length - 1]!) {
      if (e > flat[flat.length - 1]!) flat[flat.length - 1] = e;
    } else flat.push(s, e);
  }
  return flat;
}

const byFirst = (a: [bigint, bigint], b: [bigint, bigint]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Per service, the merged [start, end] intervals of its spans, from traces added one at a
 * time: raw intervals are merged into the service's list every 65,536, so memory follows
 * the merged list (busy services collapse into few intervals), not the span count.
 */
export class ServiceIntervals {
  private readonly raw = new Map<string, [bigint, bigint][]>();
  private readonly merged = new Map<string, bigint[]>();

  add(t: TraceTree): void {
    for (const n of t.nodes) {
      if (n.rec.client) continue;
      let l = this.raw.get(n.rec.service);
      if (!l) this.raw.set(n.rec.service, (l = []));
      l.push([n.rec.start, n.rec.end]);
      if (l.length >= 65_536) this.fold(n.rec.service, l);
    }
  }

  private fold(svc: string, l: [bigint, bigint][]): void {
    const flat = this.merged.get(svc) ?? [];
    for (let i = 0; i < flat.length; i += 2) l.push([flat[i]!, flat[i + 1]!]);
    l.sort(byFirst);
    this.merged.set(svc, mergeSorted(l));
    this.raw.set(svc, []);
  }

  finish(): Map<string, bigint[]> {
    for (const [svc, l] of this.raw) this.fold(svc, l);
    return this.merged;
  }
}

function inside(flat: bigint[], t: bigint): boolean {
  // Binary search over interval starts (even indexes).
  let lo = 0;
  let hi = flat.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (flat[mid * 2]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && t <= flat[(lo - 1) * 2 + 1]!;
}

export interface ServiceLogCoverage {
  service: string;
  /** Lines with a time inside one of the service's spans. */
  inside: number;
  withoutTraceId: number;
  /** Lines that carry a trace id of a trace that was not received. */
  unknownTraceId: number;
}

/** Per service: how many of its lines inside its spans lack a trace id. */
export function logCoverage(trees: TraceTree[], logs: Iterable<LogEntry>): ServiceLogCoverage[] {
  const iv = new ServiceIntervals();
  for (const t of trees) iv.add(t);
  return logCoverageOf(iv.finish(), new Set(trees.map((t) => t.traceId)), logs);
}

/** logCoverage from the services' merged intervals and the trace ids received. */
export function logCoverageOf(intervals: Map<string, bigint[]>, known: Set<string>, logs: Iterable<LogEntry>): ServiceLogCoverage[] {
  // A 64-bit id (16 zeros, then the low half) is known when a trace has that low half.
  const knownLow = new Set<string>();
  for (const id of known) knownLow.add(id.slice(16));
  const isKnown = (id: string): boolean => known.has(id) || (id.startsWith(ZERO16) && knownLow.has(id.slice(16)));
  const by = new Map<string, ServiceLogCoverage>();
  for (const e of logs) {
    if (!e.service || e.timeNs === null) continue;
    const flat = intervals.get(e.service);
    if (!flat || !inside(flat, e.timeNs)) continue;
    let c = by.get(e.service);
    if (!c) by.set(e.service, (c = { service: e.service, inside: 0, withoutTraceId: 0, unknownTraceId: 0 }));
    c.inside++;
    if (!e.traceId) c.withoutTraceId++;
    else if (!isKnown(e.traceId)) c.unknownTraceId++;
  }
  return [...by.values()].sort((a, b) => a.service.localeCompare(b.service));
}

export function logFindings(cov: ServiceLogCoverage[]): LogsWithoutTraceIdFinding[] {
  return cov
    .filter((c) => c.withoutTraceId > 0)
    .map((c) => {
      const share = Math.round((c.withoutTraceId / c.inside) * 1000) / 1000;
      return {
        kind: 'logs-without-trace-id' as const,
        service: c.service,
        operation: '',
        traceId: '',
        spanId: '',
        evidence: { linesInside: c.inside, withoutTraceId: c.withoutTraceId, share },
      };
    });
}

/** The log lines of one request, each placed under a span. */
export function attachLogs(tree: TraceTree, logs: Iterable<LogEntry>): AttachedLog[] {
  const byId = new Map<string, SpanNode>();
  for (const n of tree.nodes) byId.set(n.rec.spanId, n);
  const out: AttachedLog[] = [];
  for (const e of logs) {
    if (e.traceId) {
      if (!sameTrace(e.traceId, tree.traceId)) continue;
      out.push(byId.has(e.spanId) ? { entry: e, spanId: e.spanId, how: 'span-id' } : { entry: e, spanId: '', how: 'trace-id' });
      continue;
    }
    if (!e.service || e.timeNs === null) continue;
    // The deepest span of the line's service open at its time.
    let best: SpanNode | null = null;
    for (const n of tree.nodes) {
      if (n.rec.service !== e.service || e.timeNs < n.rec.start || e.timeNs > n.rec.end) continue;
      if (!best || n.depth > best.depth) best = n;
    }
    if (best) out.push({ entry: e, spanId: best.rec.spanId, how: 'time-window' });
  }
  out.sort((a, b) => {
    const x = a.entry.timeNs ?? 0n;
    const y = b.entry.timeNs ?? 0n;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return out;
}
