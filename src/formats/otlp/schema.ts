// The OTLP messages (opentelemetry-proto v1: common, resource, trace, logs, metrics and the
// collector's Export*ServiceRequest/Response) as tables, field number -> JSON name and type,
// so one table-driven decoder turns protobuf into the protobuf JSON mapping that OTLP/JSON
// and the collector's file exporter use: lowerCamelCase names, trace/span ids as hex,
// 64-bit integers as decimal strings, enums as numbers, other bytes as base64.

export type FieldType =
  | 'string'
  | 'bytes' // base64 in JSON
  | 'id' // trace_id, span_id, parent_span_id: hex in OTLP/JSON
  | 'bool'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'enum'
  | 'fixed32'
  | 'int64'
  | 'uint64'
  | 'fixed64'
  | 'sfixed64'
  | 'double'
  | 'msg';

export interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  msg?: Message;
  /** A oneof member or proto3 `optional`: present even at its default (intValue 0 is not "no value"). */
  keep?: boolean;
}

export interface Message {
  name: string;
  fields: Map<number, Field>;
}

function message(name: string): Message {
  return { name, fields: new Map() };
}

function def(m: Message, fields: Array<[number, string, FieldType, Message?, ('repeated' | 'keep')?]>): void {
  for (const [no, name, type, msg, opt] of fields) {
    const f: Field = { name, type };
    if (msg) f.msg = msg;
    if (opt === 'repeated') f.repeated = true;
    if (opt === 'keep') f.keep = true;
    m.fields.set(no, f);
  }
}

const R = 'repeated' as const;
const K = 'keep' as const;

// common/v1, resource/v1
export const AnyValue = message('AnyValue');
export const ArrayValue = message('ArrayValue');
export const KeyValueList = message('KeyValueList');
export const KeyValue = message('KeyValue');
export const InstrumentationScope = message('InstrumentationScope');
export const EntityRef = message('EntityRef');
export const Resource = message('Resource');
def(AnyValue, [
  [1, 'stringValue', 'string', undefined, K],
  [2, 'boolValue', 'bool', undefined, K],
  [3, 'intValue', 'int64', undefined, K],
  [4, 'doubleValue', 'double', undefined, K],
  [5, 'arrayValue', 'msg', ArrayValue],
  [6, 'kvlistValue', 'msg', KeyValueList],
  [7, 'bytesValue', 'bytes', undefined, K],
]);
def(ArrayValue, [[1, 'values', 'msg', AnyValue, R]]);
def(KeyValueList, [[1, 'values', 'msg', KeyValue, R]]);
def(KeyValue, [
  [1, 'key', 'string'],
  [2, 'value', 'msg', AnyValue],
]);
def(InstrumentationScope, [
  [1, 'name', 'string'],
  [2, 'version', 'string'],
  [3, 'attributes', 'msg', KeyValue, R],
  [4, 'droppedAttributesCount', 'uint32'],
]);
def(EntityRef, [
  [1, 'schemaUrl', 'string'],
  [2, 'type', 'string'],
  [3, 'idKeys', 'string', undefined, R],
  [4, 'descriptionKeys', 'string', undefined, R],
]);
def(Resource, [
  [1, 'attributes', 'msg', KeyValue, R],
  [2, 'droppedAttributesCount', 'uint32'],
  [3, 'entityRefs', 'msg', EntityRef, R],
]);

// trace/v1
export const Status = message('Status');
export const SpanEvent = message('Span.Event');
export const SpanLink = message('Span.Link');
export const Span = message('Span');
export const ScopeSpans = message('ScopeSpans');
export const ResourceSpans = message('ResourceSpans');
export const ExportTraceServiceRequest = message('ExportTraceServiceRequest');
def(Status, [
  [2, 'message', 'string'],
  [3, 'code', 'enum'],
]);
def(SpanEvent, [
  [1, 'timeUnixNano', 'fixed64'],
  [2, 'name', 'string'],
  [3, 'attributes', 'msg', KeyValue, R],
  [4, 'droppedAttributesCount', 'uint32'],
]);
def(SpanLink, [
  [1, 'traceId', 'id'],
  [2, 'spanId', 'id'],
  [3, 'traceState', 'string'],
  [4, 'attributes', 'msg', KeyValue, R],
  [5, 'droppedAttributesCount', 'uint32'],
  [6, 'flags', 'fixed32'],
]);
def(Span, [
  [1, 'traceId', 'id'],
  [2, 'spanId', 'id'],
  [3, 'traceState', 'string'],
  [4, 'parentSpanId', 'id'],
  [16, 'flags', 'fixed32'],
  [5, 'name', 'string'],
  [6, 'kind', 'enum'],
  [7, 'startTimeUnixNano', 'fixed64'],
  [8, 'endTimeUnixNano', 'fixed64'],
  [9, 'attributes', 'msg', KeyValue, R],
  [10, 'droppedAttributesCount', 'uint32'],
  [11, 'events', 'msg', SpanEvent, R],
  [12, 'droppedEventsCount', 'uint32'],
  [13, 'links', 'msg', SpanLink, R],
  [14, 'droppedLinksCount', 'uint32'],
  [15, 'status', 'msg', Status],
]);
def(ScopeSpans, [
  [1, 'scope', 'msg', InstrumentationScope],
  [2, 'spans', 'msg', Span, R],
  [3, 'schemaUrl', 'string'],
]);
def(ResourceSpans, [
  [1, 'resource', 'msg', Resource],
  [2, 'scopeSpans', 'msg', ScopeSpans, R],
  [3, 'schemaUrl', 'string'],
]);
def(ExportTraceServiceRequest, [[1, 'resourceSpans', 'msg', ResourceSpans, R]]);

// logs/v1
export const LogRecord = message('LogRecord');
export const ScopeLogs = message('ScopeLogs');
export const ResourceLogs = message('ResourceLogs');
export const ExportLogsServiceRequest = message('ExportLogsServiceRequest');
def(LogRecord, [
  [1, 'timeUnixNano', 'fixed64'],
  [11, 'observedTimeUnixNano', 'fixed64'],
  [2, 'severityNumber', 'enum'],
  [3, 'severityText', 'string'],
  [5, 'body', 'msg', AnyValue],
  [6, 'attributes', 'msg', KeyValue, R],
  [7, 'droppedAttributesCount', 'uint32'],
  [8, 'flags', 'fixed32'],
  [9, 'traceId', 'id'],
  [10, 'spanId', 'id'],
  [12, 'eventName', 'string'],
]);
def(ScopeLogs, [
  [1, 'scope', 'msg', InstrumentationScope],
  [2, 'logRecords', 'msg', LogRecord, R],
  [3, 'schemaUrl', 'string'],
]);
def(ResourceLogs, [
  [1, 'resource', 'msg', Resource],
  [2, 'scopeLogs', 'msg', ScopeLogs, R],
  [3, 'schemaUrl', 'string'],
]);
def(ExportLogsServiceRequest, [[1, 'resourceLogs', 'msg', ResourceLogs, R]]);

// metrics/v1: stored and counted, not analysed
export const Exemplar = message('Exemplar');
export const NumberDataPoint = message('NumberDataPoint');
export const HistogramDataPoint = message('HistogramDataPoint');
export const Buckets = message('ExponentialHistogramDataPoint.Buckets');
export const ExponentialHistogramDataPoint = message('ExponentialHistogramDataPoint');
export const ValueAtQuantile = message('SummaryDataPoint.ValueAtQuantile');
export const SummaryDataPoint = message('SummaryDataPoint');
export const Gauge = message('Gauge');
export const Sum = message('Sum');
export const Histogram = message('Histogram');
export const ExponentialHistogram = message('ExponentialHistogram');
export const Summary = message('Summary');
export const Metric = message('Metric');
export const ScopeMetrics = message('ScopeMetrics');
export const ResourceMetrics = message('ResourceMetrics');
export const ExportMetricsServiceRequest = message('ExportMetricsServiceRequest');
def(Exemplar, [
  [7, 'filteredAttributes', 'msg', KeyValue, R],
  [2, 'timeUnixNano', 'fixed64'],
  [3, 'asDouble', 'double', undefined, K],
  [6, 'asInt', 'sfixed64', undefined, K],
  [4, 'spanId', 'id'],
  [5, 'traceId', 'id'],
]);
def(NumberDataPoint, [
  [7, 'attributes', 'msg', KeyValue, R],
  [2, 'startTimeUnixNano', 'fixed64'],
  [3, 'timeUnixNano', 'fixed64'],
  [4, 'asDouble', 'double', undefined, K],
  [6, 'asInt', 'sfixed64', undefined, K],
  [5, 'exemplars', 'msg', Exemplar, R],
  [8, 'flags', 'uint32'],
]);
def(HistogramDataPoint, [
  [9, 'attributes', 'msg', KeyValue, R],
  [2, 'startTimeUnixNano', 'fixed64'],
  [3, 'timeUnixNano', 'fixed64'],
  [4, 'count', 'fixed64'],
  [5, 'sum', 'double', undefined, K],
  [6, 'bucketCounts', 'fixed64', undefined, R],
  [7, 'explicitBounds', 'double', undefined, R],
  [8, 'exemplars', 'msg', Exemplar, R],
  [10, 'flags', 'uint32'],
  [11, 'min', 'double', undefined, K],
  [12, 'max', 'double', undefined, K],
]);
def(Buckets, [
  [1, 'offset', 'sint32'],
  [2, 'bucketCounts', 'uint64', undefined, R],
]);
def(ExponentialHistogramDataPoint, [
  [1, 'attributes', 'msg', KeyValue, R],
  [2, 'startTimeUnixNano', 'fixed64'],
  [3, 'timeUnixNano', 'fixed64'],
  [4, 'count', 'fixed64'],
  [5, 'sum', 'double', undefined, K],
  [6, 'scale', 'sint32'],
  [7, 'zeroCount', 'fixed64'],
  [8, 'positive', 'msg', Buckets],
  [9, 'negative', 'msg', Buckets],
  [10, 'flags', 'uint32'],
  [11, 'exemplars', 'msg', Exemplar, R],
  [12, 'min', 'double', undefined, K],
  [13, 'max', 'double', undefined, K],
  [14, 'zeroThreshold', 'double'],
]);
def(ValueAtQuantile, [
  [1, 'quantile', 'double'],
  [2, 'value', 'double'],
]);
def(SummaryDataPoint, [
  [7, 'attributes', 'msg', KeyValue, R],
  [2, 'startTimeUnixNano', 'fixed64'],
  [3, 'timeUnixNano', 'fixed64'],
  [4, 'count', 'fixed64'],
  [5, 'sum', 'double', undefined, K],
  [6, 'quantileValues', 'msg', ValueAtQuantile, R],
  [8, 'flags', 'uint32'],
]);
def(Gauge, [[1, 'dataPoints', 'msg', NumberDataPoint, R]]);
def(Sum, [
  [1, 'dataPoints', 'msg', NumberDataPoint, R],
  [2, 'aggregationTemporality', 'enum'],
  [3, 'isMonotonic', 'bool'],
]);
def(Histogram, [
  [1, 'dataPoints', 'msg', HistogramDataPoint, R],
  [2, 'aggregationTemporality', 'enum'],
]);
def(ExponentialHistogram, [
  [1, 'dataPoints', 'msg', ExponentialHistogramDataPoint, R],
  [2, 'aggregationTemporality', 'enum'],
]);
def(Summary, [[1, 'dataPoints', 'msg', SummaryDataPoint, R]]);
def(Metric, [
  [1, 'name', 'string'],
  [2, 'description', 'string'],
  [3, 'unit', 'string'],
  [5, 'gauge', 'msg', Gauge],
  [7, 'sum', 'msg', Sum],
  [9, 'histogram', 'msg', Histogram],
  [10, 'exponentialHistogram', 'msg', ExponentialHistogram],
  [11, 'summary', 'msg', Summary],
  [12, 'metadata', 'msg', KeyValue, R],
]);
def(ScopeMetrics, [
  [1, 'scope', 'msg', InstrumentationScope],
  [2, 'metrics', 'msg', Metric, R],
  [3, 'schemaUrl', 'string'],
]);
def(ResourceMetrics, [
  [1, 'resource', 'msg', Resource],
  [2, 'scopeMetrics', 'msg', ScopeMetrics, R],
  [3, 'schemaUrl', 'string'],
]);
def(ExportMetricsServiceRequest, [[1, 'resourceMetrics', 'msg', ResourceMetrics, R]]);

/** The three signals, with their request message and what a rejection counts. */
export type Signal = 'traces' | 'logs' | 'metrics';

export const REQUEST: Record<Signal, Message> = {
  traces: ExportTraceServiceRequest,
  logs: ExportLogsServiceRequest,
  metrics: ExportMetricsServiceRequest,
};

/** The top-level JSON key of each request, and the partial_success counter of its response. */
export const SIGNAL_KEYS: Record<Signal, { top: string; rejected: string }> = {
  traces: { top: 'resourceSpans', rejected: 'rejectedSpans' },
  logs: { top: 'resourceLogs', rejected: 'rejectedLogRecords' },
  metrics: { top: 'resourceMetrics', rejected: 'rejectedDataPoints' },
};
