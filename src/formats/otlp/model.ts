// Spans and log records as goscope reads them, whatever the source: OTLP/HTTP or gRPC
// protobuf, OTLP JSON (one request per line: the collector's file exporter format) or
// Jaeger's trace JSON. The shape follows OTLP's data model (opentelemetry-proto
// trace/v1 and logs/v1), flattened: every span and record points at its resource and scope
// (shared objects, not copies), so a reader can stream them one at a time.
//
// Times are Unix nanoseconds as bigint: OTLP's fixed64 times exceed 2^53, and the critical
// path and budget arithmetic must not round (float64 keeps only ~256 ns at today's epoch).
// Jaeger gives microseconds: its reader multiplies by 1000.

/** An attribute value (OTLP AnyValue); int64 values that do not fit a double stay bigint. */
export type AttrValue = string | number | bigint | boolean | null | Uint8Array | AttrValue[] | { [key: string]: AttrValue };

export type Attributes = Record<string, AttrValue>;

/** Where telemetry came from: one process (OTLP Resource). */
export interface Resource {
  /** `service.name`, or "unknown_service" (the SDK default's prefix) when absent. */
  service: string;
  attributes: Attributes;
}

/** The instrumentation library (OTLP InstrumentationScope). */
export interface Scope {
  name: string;
  version: string;
}

/** OTLP Span.SpanKind numbers. */
export const SpanKind = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
export type SpanKindCode = (typeof SpanKind)[keyof typeof SpanKind];

/** OTLP Status.StatusCode numbers. */
export const StatusCode = { unset: 0, ok: 1, error: 2 } as const;
export type StatusCodeValue = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanEvent {
  timeNs: bigint;
  name: string;
  attributes: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface Span {
  /** 32 lowercase hex digits (W3C trace-id). */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: SpanKindCode;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
  status: { code: StatusCodeValue; message: string };
  resource: Resource;
  scope: Scope;
}

/** One OTLP log record (logs/v1 LogRecord). */
export interface OtlpLogRecord {
  /** 0n when the producer did not set it (then observedNs is the time to use). */
  timeNs: bigint;
  observedNs: bigint;
  /** OTLP SeverityNumber, 0 when unset (1-4 TRACE … 21-24 FATAL). */
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: Attributes;
  /** '' when the record carries none. */
  traceId: string;
  spanId: string;
  resource: Resource;
  scope: Scope;
}
