// OTLP/JSON (the protobuf JSON mapping) -> the model. Accepts what the mapping allows and
// what producers write: lowerCamelCase or snake_case names, ids as hex (OTLP's rule) or
// base64 (the generic mapping), 64-bit integers as strings or numbers, enums as numbers or
// their names. Every span and record shares its Resource and Scope objects.

import { FormatError } from '../../errors.js';
import type { AttrValue, Attributes, OtlpLogRecord, Resource, Scope, Span, SpanEvent, SpanKindCode, StatusCodeValue } from './model.js';

type Obj = Record<string, unknown>;

const snakeCache = new Map<string, string>();
function snake(k: string): string {
  let s = snakeCache.get(k);
  if (s === undefined) {
    s = k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
    snakeCache.set(k, s);
  }
  return s;
}

/** Field `k` (lowerCamelCase) or its snake_case spelling. */
function get(o: Obj, k: string): unknown {
  const v = o[k];
  return v !== undefined ? v : o[snake(k)];
}

function arr(o: Obj, k: string): Obj[] {
  const v = get(o, k);
  return Array.isArray(v) ? (v as Obj[]) : [];
}

function obj(o: Obj, k: string): Obj | undefined {
  const v = get(o, k);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(o: Obj, k: string): string {
  const v = get(o, k);
  return typeof v === 'string' ? v : '';
}

/** Where in the input, for errors: "line 12" or "byte 0". */
export interface JsonContext {
  input: string;
  where: string;
}

function bad(ctx: JsonContext, problem: string): never {
  throw new FormatError(ctx.input, ctx.where, problem);
}

/** A fixed64/int64 time or count: decimal string or number -> bigint. */
export function toBigInt(v: unknown, ctx: JsonContext, what: string): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'string') {
    if (!/^-?\d+$/.test(v)) bad(ctx, `${what} is ${JSON.stringify(v.slice(0, 40))}, not an integer`);
    return BigInt(v);
  }
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return bad(ctx, `${what} is not an integer`);
}

const B64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A trace or span id: hex (OTLP/JSON), or base64 (the generic protobuf JSON mapping). */
export function toHexId(v: unknown, bytes: 8 | 16, ctx: JsonContext, what: string): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string') bad(ctx, `${what} is not a string`);
  if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
  const b64len = Math.ceil(bytes / 3) * 4;
  if ((v.length === b64len || v.length === Math.ceil((bytes * 4) / 3)) && B64.test(v)) {
    const b = Buffer.from(v, 'base64');
    if (b.length === bytes) return b.toString('hex');
  }
  return bad(ctx, `${what} ${JSON.stringify(v.slice(0, 40))} is not ${bytes} bytes of hex`);
}

const KIND_NAMES: Record<string, SpanKindCode> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, StatusCodeValue> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function enumOf<T extends number>(v: unknown, names: Record<string, T>, max: number): T {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return v as T;
  if (typeof v === 'string' && v in names) return names[v]!;
  return 0 as T;
}

const SEVERITY_NAMES = [
  'UNSPECIFIED',
  'TRACE',
  'TRACE2',
  'TRACE3',
  'TRACE4',
  'DEBUG',
  'DEBUG2',
  'DEBUG3',
  'DEBUG4',
  'INFO',
  'INFO2',
  'INFO3',
  'INFO4',
  'WARN',
  'WARN2',
  'WARN3',
  'WARN4',
  'ERROR',
  'ERROR2',
  'ERROR3',
  'ERROR4',
  'FATAL',
  'FATAL2',
  'FATAL3',
  'FATAL4',
];

function severityOf(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 24) return v;
  if (typeof v === 'string') {
    const i = SEVERITY_NAMES.indexOf(v.replace(/^SEVERITY_NUMBER_/, ''));
    if (i >= 0) return i;
  }
  return 0;
}

/** An AnyValue object -> AttrValue. */
export function anyValue(v: unknown, ctx: JsonContext, depth = 0): AttrValue {
  if (v === null || typeof v !== 'object') return null;
  if (depth > 64) bad(ctx, 'attribute values nested deeper than 64');
  const o = v as Obj;
  let x = get(o, 'stringValue');
  if (x !== undefined) return typeof x === 'string' ? x : String(x);
  x = get(o, 'intValue');
  if (x !== undefined) {
    const b = toBigInt(x, ctx, 'intValue');
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
  }
  x = get(o, 'doubleValue');
  if (x !== undefined) return typeof x === 'number' ? x : Number(x); // "NaN", "Infinity"
  x = get(o, 'boolValue');
  if (x !== undefined) return x === true;
  x = get(o, 'arrayValue');
  if (x !== undefined) return arr((x ?? {}) as Obj, 'values').map((e) => anyValue(e, ctx, depth + 1));
  x = get(o, 'kvlistValue');
  if (x !== undefined) return attributes(arr((x ?? {}) as Obj, 'values'), ctx, depth + 1);
  x = get(o, 'bytesValue');
  if (x !== undefined) return new Uint8Array(Buffer.from(typeof x === 'string' ? x : '', 'base64'));
  return null;
}

/** A KeyValue list -> Attributes (a later duplicate key wins, as in the SDKs). */
export function attributes(kvs: unknown, ctx: JsonContext, depth = 0): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(kvs)) return out;
  for (const kv of kvs as Obj[]) {
    if (kv === null || typeof kv !== 'object') continue;
    const k = kv.key;
    if (typeof k !== 'string') continue;
    out[k] = anyValue(kv.value, ctx, depth);
  }
  return out;
}

export function resourceOf(o: Obj | undefined, ctx: JsonContext): Resource {
  const attrs = o ? attributes(get(o, 'attributes'), ctx) : {};
  const svc = attrs['service.name'];
  return { service: typeof svc === 'string' && svc !== '' ? svc : 'unknown_service', attributes: attrs };
}

export function scopeOf(o: Obj | undefined): Scope {
  return { name: o ? str(o, 'name') : '', version: o ? str(o, 'version') : '' };
}

/** Calls onSpan for every span of one ExportTraceServiceRequest (or TracesData) object. */
export function spansOfRequest(req: Obj, ctx: JsonContext, onSpan: (s: Span) => void): void {
  for (const rs of arr(req, 'resourceSpans')) {
    const resource = resourceOf(obj(rs, 'resource'), ctx);
    for (const ss of arr(rs, 'scopeSpans')) {
      const scope = scopeOf(obj(ss, 'scope'));
      for (const s of arr(ss, 'spans')) onSpan(spanOf(s, resource, scope, ctx));
    }
    // OTLP before 1.0 (and old collectors' files) called them instrumentationLibrarySpans.
    for (const ss of arr(rs, 'instrumentationLibrarySpans')) {
      const scope = scopeOf(obj(ss, 'instrumentationLibrary'));
      for (const s of arr(ss, 'spans')) onSpan(spanOf(s, resource, scope, ctx));
    }
  }
}

export function spanOf(s: Obj, resource: Resource, scope: Scope, ctx: JsonContext): Span {
  const st = obj(s, 'status');
  const events: SpanEvent[] = arr(s, 'events').map((e) => ({
    timeNs: toBigInt(get(e, 'timeUnixNano'), ctx, 'event timeUnixNano'),
    name: str(e, 'name'),
    attributes: attributes(get(e, 'attributes'), ctx),
  }));
  return {
    traceId: toHexId(get(s, 'traceId'), 16, ctx, 'traceId'),
    spanId: toHexId(get(s, 'spanId'), 8, ctx, 'spanId'),
    parentSpanId: toHexId(get(s, 'parentSpanId'), 8, ctx, 'parentSpanId'),
    traceState: str(s, 'traceState'),
    name: str(s, 'name'),
    kind: enumOf(get(s, 'kind'), KIND_NAMES, 5),
    startNs: toBigInt(get(s, 'startTimeUnixNano'), ctx, 'startTimeUnixNano'),
    endNs: toBigInt(get(s, 'endTimeUnixNano'), ctx, 'endTimeUnixNano'),
    attributes: attributes(get(s, 'attributes'), ctx),
    events,
    links: arr(s, 'links').map((l) => ({
      traceId: toHexId(get(l, 'traceId'), 16, ctx, 'link traceId'),
      spanId: toHexId(get(l, 'spanId'), 8, ctx, 'link spanId'),
      attributes: attributes(get(l, 'attributes'), ctx),
    })),
    status: { code: st ? enumOf(get(st, 'code'), STATUS_NAMES, 2) : 0, message: st ? str(st, 'message') : '' },
    resource,
    scope,
  };
}

/** Calls onLog for every record of one ExportLogsServiceRequest (or LogsData) object. */
export function logsOfRequest(req: Obj, ctx: JsonContext, onLog: (r: OtlpLogRecord) => void): void {
  for (const rl of arr(req, 'resourceLogs')) {
    const resource = resourceOf(obj(rl, 'resource'), ctx);
    for (const sl of arr(rl, 'scopeLogs')) {
      const scope = scopeOf(obj(sl, 'scope'));
      for (const r of arr(sl, 'logRecords')) {
        onLog({
          timeNs: toBigInt(get(r, 'timeUnixNano'), ctx, 'timeUnixNano'),
          observedNs: toBigInt(get(r, 'observedTimeUnixNano'), ctx, 'observedTimeUnixNano'),
          severityNumber: severityOf(get(r, 'severityNumber')),
          severityText: str(r, 'severityText'),
          body: anyValue(get(r, 'body'), ctx),
          attributes: attributes(get(r, 'attributes'), ctx),
          traceId: toHexId(get(r, 'traceId'), 16, ctx, 'traceId'),
          spanId: toHexId(get(r, 'spanId'), 8, ctx, 'spanId'),
          resource,
          scope,
        });
      }
    }
  }
}

/** Data points in one ExportMetricsServiceRequest object (metrics are stored and counted, not analysed). */
export function metricPointsOfRequest(req: Obj): number {
  let n = 0;
  for (const rm of arr(req, 'resourceMetrics')) {
    for (const sm of arr(rm, 'scopeMetrics')) {
      for (const m of arr(sm, 'metrics')) {
        for (const k of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) {
          const d = obj(m, k);
          if (d) n += arr(d, 'dataPoints').length;
        }
      }
    }
  }
  return n;
}

/** Which signal a request object carries, by its top-level key (undefined: none of OTLP's). */
export function signalOf(req: Obj): 'traces' | 'logs' | 'metrics' | undefined {
  if (get(req, 'resourceSpans') !== undefined) return 'traces';
  if (get(req, 'resourceLogs') !== undefined) return 'logs';
  if (get(req, 'resourceMetrics') !== undefined) return 'metrics';
  return undefined;
}
