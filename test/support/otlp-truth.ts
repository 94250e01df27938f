// otlpgen's truth file: the spans and log records the OpenTelemetry SDK exported, one JSON
// line each, and the model's spans and records in the same shape. Pure (no Go): the
// checked-in fixtures' unit tests read it too.
import { readFileSync } from 'node:fs';
import type { AttrValue, Attributes, OtlpLogRecord, Span } from '../../src/formats/otlp/model.js';

/** A span as the SDK ended it, in the model's terms (only what the truth file records). */
export interface TruthSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: Array<{ name: string; timeNs: bigint; attributes: Attributes }>;
  links: Array<{ traceId: string; spanId: string; attributes: Attributes }>;
  status: { code: number; message: string };
  service: string;
  scope: { name: string; version: string };
}

export interface TruthLog {
  timeNs: bigint;
  observedNs: bigint;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: Attributes;
  traceId: string;
  spanId: string;
}

type Typed = { type: string; value: unknown };

function int(s: unknown): number | bigint {
  const b = BigInt(s as string);
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

function typed(t: Typed): AttrValue {
  switch (t.type) {
    case 'INT64':
      return int(t.value);
    case 'INT64SLICE':
      return (t.value as string[]).map(int);
    default:
      return t.value as AttrValue;
  }
}

function typedAttrs(m: Record<string, Typed>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(m)) out[k] = typed(v);
  return out;
}

export function readTruth(file: string): { spans: TruthSpan[]; logs: TruthLog[] } {
  const spans: TruthSpan[] = [];
  const logs: TruthLog[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o.log) {
      logs.push({
        timeNs: BigInt(o.timeNs),
        observedNs: BigInt(o.observedNs),
        severityNumber: o.severityNumber,
        severityText: o.severityText,
        body: o.body,
        attributes: typedAttrs(o.attributes),
        traceId: o.traceId,
        spanId: o.spanId,
      });
      continue;
    }
    spans.push({
      traceId: o.traceId,
      spanId: o.spanId,
      parentSpanId: o.parentSpanId,
      name: o.name,
      kind: o.kind,
      startNs: BigInt(o.startNs),
      endNs: BigInt(o.endNs),
      attributes: typedAttrs(o.attributes),
      events: o.events.map((e: { name: string; timeNs: string; attributes: Record<string, Typed> }) => ({
        name: e.name,
        timeNs: BigInt(e.timeNs),
        attributes: typedAttrs(e.attributes),
      })),
      links: o.links.map((l: { traceId: string; spanId: string; attributes: Record<string, Typed> }) => ({
        traceId: l.traceId,
        spanId: l.spanId,
        attributes: typedAttrs(l.attributes),
      })),
      status: { code: o.statusCode, message: o.statusMessage },
      service: o.service,
      scope: { name: o.scope, version: o.scopeVersion },
    });
  }
  return { spans, logs };
}

/** A model span in the truth's shape. */
export function asTruth(s: Span): TruthSpan {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    startNs: s.startNs,
    endNs: s.endNs,
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, timeNs: e.timeNs, attributes: e.attributes })),
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
    status: { code: s.status.code, message: s.status.message },
    service: s.resource.service,
    scope: { name: s.scope.name, version: s.scope.version },
  };
}

export function logAsTruth(r: OtlpLogRecord): TruthLog {
  return {
    timeNs: r.timeNs,
    observedNs: r.observedNs,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    attributes: r.attributes,
    traceId: r.traceId,
    spanId: r.spanId,
  };
}

export function bySpanId<T extends { spanId: string }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
}

export function byTimeAndBody<T extends { timeNs: bigint; body: AttrValue }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : String(a.body) < String(b.body) ? -1 : 1));
}
