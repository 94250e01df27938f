// The request analysis' own shapes: a compact span (what the analysis keeps of a Span, so a
// million of them fit in memory without their attribute maps), the per-trace tree, and the
// findings. Times stay bigint Unix nanoseconds; durations handed to reports are ms numbers.

export interface SpanRec {
  traceId: string;
  spanId: string;
  /** '' for a root. */
  parentId: string;
  name: string;
  service: string;
  /** OTLP SpanKind number (2 server, 3 client). */
  kind: number;
  start: bigint;
  end: bigint;
  /** OTLP status code (2 = error). */
  status: number;
  statusMessage: string;
  /** Messages (or types) of the span's `exception` events. */
  exceptions: string[];
  /** http.response.status_code (or the older http.status_code), null when absent. */
  httpStatus: number | null;
  /** "host:port" the span talks to or serves (server.address:server.port), '' when unknown. */
  peer: string;
  /**
   * Not a received span: the client's request from a saved `goscope http --json` (--http),
   * joined above the server span it called (its span id is the traceparent's parent-id).
   */
  client?: true;
  /** The deadline the span was given, when known (the client's timeout): its budget. */
  budgetNs?: bigint;
}

export interface SpanNode {
  rec: SpanRec;
  parent: SpanNode | null;
  children: SpanNode[];
  depth: number;
  /** The span names a parent that was never received. */
  orphan: boolean;
  /** Own duration minus the union of its children's intervals within it, ns. */
  selfNs: bigint;
  /** On the trace's critical path (some part of it). */
  critical: boolean;
}

export interface TraceTree {
  traceId: string;
  /** Spans without a parent in this trace, by start time: the root and any orphans. */
  roots: SpanNode[];
  nodes: SpanNode[];
  startNs: bigint;
  endNs: bigint;
  /** Services in the order the request reached them (first span start). */
  services: string[];
  /** Critical path segments of the main root, latest first. */
  criticalPath: PathSegment[];
}

export interface PathSegment {
  node: SpanNode;
  startNs: bigint;
  endNs: bigint;
}

export type FindingKind = 'timeout' | 'budget-exceeded' | 'outlived-parent' | 'context-break' | 'logs-without-trace-id';

/** One hop of a timed-out request's budget ledger. */
export interface BudgetHop {
  service: string;
  operation: string;
  /** OTLP SpanKind number. */
  kind: number;
  /** When the hop started, from the start of the budget. */
  enteredAtMs: number;
  /** What was left of the budget when it started. */
  leftMs: number;
}

export interface TimeoutEvidence {
  /** Who set the budget: the span that failed on its deadline, or the client (goscope http). */
  budgetSource: 'span' | 'client';
  budgetService: string;
  budgetOperation: string;
  budgetSpanId: string;
  budgetMs: number;
  /** Own time of the consumer inside the budget window. */
  consumedMs: number;
  share: number;
  hops: BudgetHop[];
}

export interface BudgetExceededEvidence {
  callerService: string;
  callerOperation: string;
  callerSpanId: string;
  callerBudgetMs: number;
  leftAtStartMs: number;
  ranMs: number;
  exceededByMs: number;
  /** The longest client call the hop was waiting on, if any. */
  waitedOn: { service: string; operation: string; spanId: string; ms: number } | null;
}

export interface OutlivedParentEvidence {
  parentService: string;
  parentOperation: string;
  parentSpanId: string;
  /** From the trace's first span start. */
  parentEndedAtMs: number;
  endedAtMs: number;
  overrunMs: number;
}

export interface ContextBreakEvidence {
  callerTraceId: string;
  callerSpanId: string;
  callerService: string;
  callerOperation: string;
  /** host:port both spans name. */
  peer: string;
  startedAfterCallerMs: number;
  endedBeforeCallerMs: number;
}

export interface LogsWithoutTraceIdEvidence {
  linesInside: number;
  withoutTraceId: number;
  share: number;
}

interface FindingOf<K extends FindingKind, E> {
  kind: K;
  service: string;
  /** '' for per-service findings (logs-without-trace-id). */
  operation: string;
  /** '' for per-service findings (logs-without-trace-id). */
  traceId: string;
  spanId: string;
  /** The numbers and sites behind it (ms unless named otherwise); report/traces.ts writes the words. */
  evidence: E;
}

export type TimeoutFinding = FindingOf<'timeout', TimeoutEvidence>;
export type BudgetExceededFinding = FindingOf<'budget-exceeded', BudgetExceededEvidence>;
export type OutlivedParentFinding = FindingOf<'outlived-parent', OutlivedParentEvidence>;
export type ContextBreakFinding = FindingOf<'context-break', ContextBreakEvidence>;
export type LogsWithoutTraceIdFinding = FindingOf<'logs-without-trace-id', LogsWithoutTraceIdEvidence>;

/** The evidence of each kind of finding. */
export interface EvidenceOf {
  timeout: TimeoutEvidence;
  'budget-exceeded': BudgetExceededEvidence;
  'outlived-parent': OutlivedParentEvidence;
  'context-break': ContextBreakEvidence;
  'logs-without-trace-id': LogsWithoutTraceIdEvidence;
}

export type Finding = TimeoutFinding | BudgetExceededFinding | OutlivedParentFinding | ContextBreakFinding | LogsWithoutTraceIdFinding;

/** ns (bigint) to ms (number), exact to the ns at any span length a request has. */
export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;
