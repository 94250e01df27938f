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

export interface Finding {
  kind: FindingKind;
  service: string;
  operation: string;
  /** '' for per-service findings (logs-without-trace-id). */
  traceId: string;
  spanId: string;
  /** One line for the verdict. */
  summary: string;
  /** The numbers behind it (ms unless named otherwise). */
  evidence: Record<string, unknown>;
}

/** ns (bigint) to ms (number), exact to the ns at any span length a request has. */
export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;
