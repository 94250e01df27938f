// Everything `goscope traces` computes, from compact span records (and optionally logs and
// the client's side of requests): trees, findings, the many-trace summary, and one
// request's joined view.
import type { LogEntry } from '../../formats/logs/model.js';
import type { ClientRequest } from '../../formats/http/saved.js';
import { contextBreaks, isError, traceFindings } from './findings.js';
import { attachLogs, logCoverage, logFindings, type AttachedLog, type ServiceLogCoverage } from './logs.js';
import { nsToMs, type Finding, type SpanRec, type TraceTree } from './model.js';
import { summarise, type Summary } from './summary.js';
import { buildTrees } from './tree.js';

export interface ServiceStat {
  service: string;
  spans: number;
  traces: number;
  errors: number;
}

export interface ViewRow {
  spanId: string;
  parentId: string;
  depth: number;
  service: string;
  name: string;
  kind: number;
  /** From the trace's first span start. */
  offsetMs: number;
  durationMs: number;
  selfMs: number;
  critical: boolean;
  error: boolean;
  orphan: boolean;
  statusMessage: string;
}

export interface RequestView {
  traceId: string;
  startUnixNs: bigint;
  durationMs: number;
  services: string[];
  rows: ViewRow[];
  logs: AttachedLog[];
  /** The client's side (from --http), when its trace id is this one. */
  client: ClientRequest | null;
  /** Where the client's request started relative to the first span (negative: before it). */
  clientOffsetMs: number | null;
  findings: Finding[];
}

export interface RequestsAnalysis {
  traces: number;
  spans: number;
  /** Spans whose parent was never received. */
  orphans: number;
  services: ServiceStat[];
  findings: Finding[];
  summary: Summary;
  logCoverage: ServiceLogCoverage[] | null;
  /** With traceId: that request; null when it is not among the spans. */
  view: RequestView | null;
}

export interface AnalyseOptions {
  logs?: LogEntry[];
  traceId?: string;
  client?: ClientRequest[];
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export function analyseRequests(recs: Iterable<SpanRec>, opts: AnalyseOptions = {}): RequestsAnalysis {
  const trees = buildTrees(recs);
  const findings: Finding[] = [];
  for (const t of trees) findings.push(...traceFindings(t));
  findings.push(...contextBreaks(trees));
  let coverage: ServiceLogCoverage[] | null = null;
  if (opts.logs) {
    coverage = logCoverage(trees, opts.logs);
    findings.push(...logFindings(coverage));
  }
  const svc = new Map<string, ServiceStat & { lastTrace: string }>();
  let spans = 0;
  let orphans = 0;
  for (const t of trees) {
    for (const n of t.nodes) {
      spans++;
      if (n.orphan) orphans++;
      let s = svc.get(n.rec.service);
      if (!s) svc.set(n.rec.service, (s = { service: n.rec.service, spans: 0, traces: 0, errors: 0, lastTrace: '' }));
      s.spans++;
      if (s.lastTrace !== t.traceId) {
        s.traces++;
        s.lastTrace = t.traceId;
      }
      if (isError(n.rec)) s.errors++;
    }
  }
  const services = [...svc.values()].map(({ lastTrace: _, ...s }) => s).sort((a, b) => b.spans - a.spans || a.service.localeCompare(b.service));
  let view: RequestView | null = null;
  if (opts.traceId) {
    const t = trees.find((x) => x.traceId === opts.traceId);
    if (t) view = requestView(t, findings, opts.logs ?? [], opts.client ?? []);
  }
  return { traces: trees.length, spans, orphans, services, findings, summary: summarise(trees), logCoverage: coverage, view };
}

export function requestView(t: TraceTree, findings: Finding[], logs: LogEntry[], clients: ClientRequest[]): RequestView {
  const rows: ViewRow[] = [];
  const stack = [...t.roots].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    const r = n.rec;
    rows.push({
      spanId: r.spanId,
      parentId: r.parentId,
      depth: n.depth,
      service: r.service,
      name: r.name,
      kind: r.kind,
      offsetMs: r3(nsToMs(r.start - t.startNs)),
      durationMs: r3(nsToMs(r.end - r.start)),
      selfMs: r3(nsToMs(n.selfNs)),
      critical: n.critical,
      error: isError(r),
      orphan: n.orphan,
      statusMessage: r.statusMessage,
    });
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  const client = clients.find((c) => c.traceId === t.traceId) ?? null;
  const startMs = Number(t.startNs / 1000n) / 1000;
  return {
    traceId: t.traceId,
    startUnixNs: t.startNs,
    durationMs: r3(nsToMs(t.endNs - t.startNs)),
    services: t.services,
    rows,
    logs: attachLogs(t, logs),
    client,
    clientOffsetMs: client?.startedAtUnixMs != null ? r3(client.startedAtUnixMs - startMs) : null,
    findings: findings.filter((f) => f.traceId === t.traceId || (f.kind === 'context-break' && f.evidence.callerTraceId === t.traceId)),
  };
}
