// Everything `goscope traces` computes, from compact span records (and optionally logs and
// the client's side of requests): trees, findings, the many-trace summary, and one
// request's joined view. Traces are added one at a time (RequestsAccumulator), so a spilled
// analysis (store.ts) holds one partition of traces, not every span; the result is the
// same whatever order the traces come in (each carries its order in the input, `seq`).
import type { LogEntry } from '../../formats/logs/model.js';
import type { ClientRequest } from '../../formats/http/saved.js';
import { clientRecsByTrace } from './client.js';
import { ContextBreaks, isError, traceFindings } from './findings.js';
import { attachLogs, logCoverageOf, logFindings, ServiceIntervals, type AttachedLog, type ServiceLogCoverage } from './logs.js';
import { nsToMs, type Finding, type SpanRec, type TraceTree } from './model.js';
import { SummaryAccumulator, type Summary } from './summary.js';
import { buildTree, groupByTrace } from './tree.js';

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
  /** 'client': the client's request (--http), not a received span. */
  origin: 'span' | 'client';
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
  /** The client's request is a row of the waterfall (joined by its span id). */
  clientJoined: boolean;
  /** Where the client's request started relative to the first received span (negative: before it). */
  clientOffsetMs: number | null;
  /** First received span's start to the last one's end (the client's request not counted). */
  spansDurationMs: number;
  findings: Finding[];
}

export interface RequestsAnalysis {
  traces: number;
  spans: number;
  /** Spans whose parent was never received (a span whose parent is the --http client's is not). */
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

/** One trace's records and its order in the input (the index of its first span). */
export interface TraceGroup {
  traceId: string;
  recs: SpanRec[];
  seq: number;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export class RequestsAccumulator {
  private readonly opts: AnalyseOptions;
  private readonly clients: Map<string, SpanRec[]>;
  private readonly perTrace: { seq: number; findings: Finding[] }[] = [];
  private readonly breaks = new ContextBreaks();
  private readonly summary = new SummaryAccumulator();
  private readonly intervals: ServiceIntervals | null;
  private readonly known: Set<string> | null;
  private readonly svc = new Map<string, ServiceStat>();
  private traces = 0;
  private spans = 0;
  private orphans = 0;
  private viewTree: TraceTree | null = null;

  constructor(opts: AnalyseOptions = {}) {
    this.opts = opts;
    this.clients = clientRecsByTrace(opts.client ?? []);
    this.intervals = opts.logs ? new ServiceIntervals() : null;
    this.known = opts.logs ? new Set() : null;
  }

  /** One trace's records: its tree (the client's request joined above it), then everything that needs it. */
  addGroup(g: TraceGroup): void {
    const extra = this.clients.get(g.traceId);
    this.add(buildTree(g.traceId, extra ? [...extra, ...g.recs] : g.recs), g.seq);
  }

  add(t: TraceTree, seq: number): void {
    this.traces++;
    const f = traceFindings(t);
    if (f.length) this.perTrace.push({ seq, findings: f });
    this.breaks.add(t, seq);
    this.summary.add(t, seq);
    this.intervals?.add(t);
    this.known?.add(t.traceId);
    for (const n of t.nodes) {
      if (n.rec.client) continue;
      this.spans++;
      if (n.orphan) this.orphans++;
      let s = this.svc.get(n.rec.service);
      if (!s) this.svc.set(n.rec.service, (s = { service: n.rec.service, spans: 0, traces: 0, errors: 0 }));
      s.spans++;
      if (isError(n.rec)) s.errors++;
    }
    for (const name of t.services) {
      const s = this.svc.get(name);
      if (s) s.traces++;
    }
    if (this.opts.traceId === t.traceId) this.viewTree = t;
  }

  finish(): RequestsAnalysis {
    const findings: Finding[] = [];
    this.perTrace.sort((a, b) => a.seq - b.seq);
    for (const p of this.perTrace) findings.push(...p.findings);
    findings.push(...this.breaks.finish());
    let coverage: ServiceLogCoverage[] | null = null;
    if (this.opts.logs) {
      coverage = logCoverageOf(this.intervals!.finish(), this.known!, this.opts.logs);
      findings.push(...logFindings(coverage));
    }
    const services = [...this.svc.values()].sort((a, b) => b.spans - a.spans || a.service.localeCompare(b.service));
    const view = this.viewTree ? requestView(this.viewTree, findings, this.opts.logs ?? [], this.opts.client ?? []) : null;
    return {
      traces: this.traces,
      spans: this.spans,
      orphans: this.orphans,
      services,
      findings,
      summary: this.summary.finish(),
      logCoverage: coverage,
      view,
    };
  }
}

/** Trace groups of records held in memory, in order of first appearance. */
export function* groupsOf(recs: Iterable<SpanRec>): Generator<TraceGroup> {
  const first = new Map<string, number>();
  let i = 0;
  const by = groupByTrace(
    (function* () {
      for (const r of recs) {
        if (!first.has(r.traceId)) first.set(r.traceId, i);
        i++;
        yield r;
      }
    })(),
  );
  for (const [traceId, list] of by) yield { traceId, recs: list, seq: first.get(traceId)! };
}

export function analyseGroups(groups: Iterable<TraceGroup>, opts: AnalyseOptions = {}): RequestsAnalysis {
  const acc = new RequestsAccumulator(opts);
  for (const g of groups) acc.addGroup(g);
  return acc.finish();
}

export function analyseRequests(recs: Iterable<SpanRec>, opts: AnalyseOptions = {}): RequestsAnalysis {
  return analyseGroups(groupsOf(recs), opts);
}

export function requestView(t: TraceTree, findings: Finding[], logs: LogEntry[], clients: ClientRequest[]): RequestView {
  const rows: ViewRow[] = [];
  const stack = [...t.roots].reverse();
  let firstSpanNs: bigint | null = null;
  let lastSpanNs: bigint | null = null;
  let joined = false;
  while (stack.length) {
    const n = stack.pop()!;
    const r = n.rec;
    if (r.client) joined = true;
    else {
      if (firstSpanNs === null || r.start < firstSpanNs) firstSpanNs = r.start;
      if (lastSpanNs === null || r.end > lastSpanNs) lastSpanNs = r.end;
    }
    rows.push({
      spanId: r.spanId,
      parentId: r.parentId,
      depth: n.depth,
      service: r.service,
      name: r.name,
      kind: r.kind,
      origin: r.client ? 'client' : 'span',
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
  const startMs = Number((firstSpanNs ?? t.startNs) / 1000n) / 1000;
  return {
    traceId: t.traceId,
    startUnixNs: t.startNs,
    durationMs: r3(nsToMs(t.endNs - t.startNs)),
    services: t.services,
    rows,
    logs: attachLogs(t, logs),
    client,
    clientJoined: joined,
    clientOffsetMs: client?.startedAtUnixMs != null ? r3(client.startedAtUnixMs - startMs) : null,
    spansDurationMs: firstSpanNs !== null && lastSpanNs !== null ? r3(nsToMs(lastSpanNs - firstSpanNs)) : 0,
    findings: findings.filter((f) => f.traceId === t.traceId || (f.kind === 'context-break' && f.evidence.callerTraceId === t.traceId)),
  };
}
