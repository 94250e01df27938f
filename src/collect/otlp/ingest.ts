// One OTLP request, whatever it came over: decoded (protobuf or JSON), checked, counted and
// turned into the JSON line the store appends. Spans whose trace or span id is not 16/8
// bytes are rejected (they could never be joined into a trace): they are left out of the
// line and reported to the exporter as partial_success, as the spec asks.

import { FormatError } from '../../errors.js';
import { decodeRequest, type Json, type JsonObject } from '../../formats/otlp/protobuf.js';
import { SIGNAL_KEYS, type Signal } from '../../formats/otlp/schema.js';
import { toHexId, type JsonContext } from '../../formats/otlp/json.js';

export type Encoding = 'protobuf' | 'json';

/** Counts shown live and in the summary. */
export interface ReceiverCounts {
  requests: number;
  spans: number;
  logs: number;
  metricPoints: number;
  /** Items refused inside accepted requests (partial_success), plus whole requests refused. */
  rejectedItems: number;
  rejectedRequests: number;
  /** Bytes received on the wire (before decompression). */
  bytes: number;
}

export interface ReceiverSummaryState {
  counts: ReceiverCounts;
  /** Spans (and log records) per service.name. */
  services: Map<string, { spans: number; logs: number }>;
  /** Distinct trace ids, kept up to `maxTraces`; beyond it `tracesCapped` says the count is a floor. */
  traces: Set<string>;
  tracesCapped: boolean;
  /** Earliest span start and latest span end, as decimal Unix ns strings ('' before any span). */
  firstNs: string;
  lastNs: string;
}

export function newSummaryState(): ReceiverSummaryState {
  return {
    counts: { requests: 0, spans: 0, logs: 0, metricPoints: 0, rejectedItems: 0, rejectedRequests: 0, bytes: 0 },
    services: new Map(),
    traces: new Set(),
    tracesCapped: false,
    firstNs: '',
    lastNs: '',
  };
}

export const MAX_TRACKED_TRACES = 1_000_000;

export interface Ingested {
  line: string;
  accepted: number;
  rejected: number;
  errorMessage: string;
}

/** Thrown for a request that cannot be read at all: 400 / INVALID_ARGUMENT. */
export class BadRequest extends Error {}

type Obj = Record<string, Json>;

function list(o: Obj, k: string, snake: string): Obj[] {
  const v = o[k] ?? o[snake];
  return Array.isArray(v) ? (v as Obj[]) : [];
}

function strField(o: Obj, k: string, snake: string): string {
  const v = o[k] ?? o[snake];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Decimal strings compared as numbers (no BigInt per span). */
function lessNs(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

function serviceOf(rs: Obj): string {
  const res = (rs.resource ?? {}) as Obj;
  for (const kv of list(res, 'attributes', 'attributes')) {
    if (kv.key === 'service.name') {
      const v = (kv.value ?? {}) as Obj;
      const s = v.stringValue ?? v.string_value;
      if (typeof s === 'string' && s) return s;
    }
  }
  return 'unknown_service';
}

/** Decodes, checks and counts one request body (already decompressed). */
export function ingest(signal: Signal, body: Uint8Array, enc: Encoding, state: ReceiverSummaryState): Ingested {
  let req: JsonObject;
  try {
    if (enc === 'protobuf') req = decodeRequest(signal, body, `${signal} request`);
    else {
      const doc: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new BadRequest('the body is not a JSON object');
      req = doc as JsonObject;
    }
  } catch (e) {
    if (e instanceof BadRequest) throw e;
    if (e instanceof FormatError || e instanceof SyntaxError) throw new BadRequest(e.message);
    throw e;
  }
  const top = SIGNAL_KEYS[signal].top;
  const snakeTop = top.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
  const other = Object.keys(req).filter((k) => k !== top && k !== snakeTop);
  if (other.length && !(top in req) && !(snakeTop in req)) throw new BadRequest(`not an OTLP ${signal} request (no ${top})`);

  let accepted = 0;
  let rejected = 0;
  let errorMessage = '';
  const ctx: JsonContext = { input: `${signal} request`, where: '' };
  if (signal === 'traces') {
    for (const rs of list(req, 'resourceSpans', 'resource_spans')) {
      const service = serviceOf(rs);
      let n = 0;
      for (const ss of list(rs, 'scopeSpans', 'scope_spans')) {
        const spans = list(ss, 'spans', 'spans');
        const keep: Obj[] = [];
        for (const s of spans) {
          let traceId: string;
          try {
            traceId = toHexId(s.traceId ?? s.trace_id, 16, ctx, 'traceId');
            const spanId = toHexId(s.spanId ?? s.span_id, 8, ctx, 'spanId');
            if (!traceId || !spanId || /^0+$/.test(traceId) || /^0+$/.test(spanId)) throw new BadRequest('empty or all-zero trace or span id');
          } catch (e) {
            rejected++;
            errorMessage ||= `span ${JSON.stringify(strField(s, 'name', 'name').slice(0, 80))}: ${(e as Error).message.replace(`${ctx.input}: `, '')}`;
            continue;
          }
          keep.push(s);
          n++;
          if (!state.tracesCapped) {
            state.traces.add(traceId);
            if (state.traces.size >= MAX_TRACKED_TRACES) state.tracesCapped = true;
          }
          const start = strField(s, 'startTimeUnixNano', 'start_time_unix_nano');
          const end = strField(s, 'endTimeUnixNano', 'end_time_unix_nano');
          if (start && start !== '0' && (!state.firstNs || lessNs(start, state.firstNs))) state.firstNs = start;
          if (end && (!state.lastNs || lessNs(state.lastNs, end))) state.lastNs = end;
        }
        if (keep.length !== spans.length) ss.spans = keep;
      }
      accepted += n;
      const svc = state.services.get(service) ?? { spans: 0, logs: 0 };
      svc.spans += n;
      state.services.set(service, svc);
    }
    state.counts.spans += accepted;
  } else if (signal === 'logs') {
    for (const rl of list(req, 'resourceLogs', 'resource_logs')) {
      let n = 0;
      for (const sl of list(rl, 'scopeLogs', 'scope_logs')) n += list(sl, 'logRecords', 'log_records').length;
      const service = serviceOf(rl);
      const svc = state.services.get(service) ?? { spans: 0, logs: 0 };
      svc.logs += n;
      state.services.set(service, svc);
      accepted += n;
    }
    state.counts.logs += accepted;
  } else {
    for (const rm of list(req, 'resourceMetrics', 'resource_metrics')) {
      for (const sm of list(rm, 'scopeMetrics', 'scope_metrics')) {
        for (const m of list(sm, 'metrics', 'metrics')) {
          for (const k of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) {
            const d = (m[k] ?? m[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())]) as Obj | undefined;
            if (d && typeof d === 'object') accepted += list(d, 'dataPoints', 'data_points').length;
          }
        }
      }
    }
    state.counts.metricPoints += accepted;
  }
  state.counts.rejectedItems += rejected;
  if (rejected) errorMessage = `${rejected} ${signal === 'traces' ? 'span' : 'item'}${rejected === 1 ? '' : 's'} rejected; first: ${errorMessage}`;
  return { line: JSON.stringify(req), accepted, rejected, errorMessage };
}
