// Jaeger's query API JSON (`/api/traces/{id}` and the `/api/traces?service=…` search, both
// `{data:[{traceID, spans, processes}]}`) -> the model. Jaeger stores OTLP spans through
// the collector's translator (pkg/translator/jaeger), which folds OTLP fields into tags;
// this undoes that folding so a span read from Jaeger equals the span goscope received:
//   span.kind -> kind; otel.status_code / otel.status_description (+ error=true) -> status;
//   otel.scope.name / otel.scope.version (otel.library.*) -> scope; w3c.tracestate ->
//   traceState; the first CHILD_OF reference in the same trace -> parent, the others ->
//   links; logs -> events (the `event` field is the name).
// What Jaeger does not keep cannot come back: times are whole microseconds, link
// attributes are dropped, and array or map attributes are JSON strings.

import { FormatError } from '../../errors.js';
import type { AttrValue, Attributes, Resource, Scope, Span, SpanKindCode, StatusCodeValue } from './model.js';
import { toBigInt, type JsonContext } from './json.js';

type Obj = Record<string, unknown>;

/** True when a parsed JSON document looks like a Jaeger API reply. */
export function isJaegerReply(doc: unknown): boolean {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return false;
  const data = (doc as Obj).data;
  if (!Array.isArray(data)) return false;
  const first = data[0] as Obj | undefined;
  return first === undefined || (typeof first === 'object' && first !== null && ('spans' in first || 'traceID' in first));
}

/**
 * Jaeger writes int64 tag values as JSON numbers, which JSON.parse rounds past 2^53:
 * quote long integer values first so they reach toBigInt exact.
 */
export function parseJaegerJson(text: string, ctx: JsonContext): unknown {
  const quoted = text.replace(/(?<!\\)"value":\s*(-?\d{16,})(?=\s*[,}])/g, '"value":"$1"');
  try {
    return JSON.parse(quoted);
  } catch (e) {
    throw new FormatError(ctx.input, ctx.where, `not valid JSON (${(e as Error).message})`);
  }
}

function tagValue(t: Obj, ctx: JsonContext): AttrValue {
  const v = t.value;
  switch (t.type) {
    case 'int64': {
      const b = toBigInt(typeof v === 'number' ? Math.trunc(v) : v, ctx, `tag ${String(t.key)}`);
      return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
    }
    case 'float64':
      return typeof v === 'number' ? v : Number(v);
    case 'bool':
      return v === true || v === 'true';
    case 'binary':
      // The query API writes binary values base64-encoded.
      return new Uint8Array(Buffer.from(typeof v === 'string' ? v : '', 'base64'));
    default:
      return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
  }
}

function tagsOf(tags: unknown, ctx: JsonContext): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(tags)) return out;
  for (const t of tags as Obj[]) {
    if (t && typeof t === 'object' && typeof t.key === 'string') out[t.key] = tagValue(t, ctx);
  }
  return out;
}

const KINDS: Record<string, SpanKindCode> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

function padTraceId(id: unknown, ctx: JsonContext, what: string): string {
  if (typeof id !== 'string' || !/^[0-9a-fA-F]{1,32}$/.test(id)) {
    throw new FormatError(ctx.input, ctx.where, `${what} ${JSON.stringify(String(id).slice(0, 40))} is not a hex trace id`);
  }
  return id.toLowerCase().padStart(32, '0');
}

function padSpanId(id: unknown, ctx: JsonContext, what: string): string {
  if (typeof id !== 'string' || !/^[0-9a-fA-F]{1,16}$/.test(id)) {
    throw new FormatError(ctx.input, ctx.where, `${what} ${JSON.stringify(String(id).slice(0, 40))} is not a hex span id`);
  }
  return id.toLowerCase().padStart(16, '0');
}

/** Calls onSpan for every span of every trace in a Jaeger API reply. */
export function spansOfJaegerReply(doc: unknown, ctx: JsonContext, onSpan: (s: Span) => void): void {
  if (!isJaegerReply(doc)) throw new FormatError(ctx.input, ctx.where, 'not a Jaeger API reply (no "data" list of traces)');
  for (const tr of (doc as Obj).data as Obj[]) {
    if (!tr || typeof tr !== 'object') continue;
    const resources = new Map<string, Resource>();
    const procs = (tr.processes ?? {}) as Record<string, Obj>;
    const resourceFor = (pid: unknown): Resource => {
      const key = typeof pid === 'string' ? pid : '';
      let r = resources.get(key);
      if (!r) {
        const p = procs[key];
        const attributes = p ? tagsOf(p.tags, ctx) : {};
        const service = p && typeof p.serviceName === 'string' && p.serviceName ? p.serviceName : 'unknown_service';
        attributes['service.name'] = service;
        r = { service, attributes };
        resources.set(key, r);
      }
      return r;
    };
    const scopes = new Map<string, Scope>();
    for (const s of (Array.isArray(tr.spans) ? tr.spans : []) as Obj[]) {
      if (!s || typeof s !== 'object') continue;
      onSpan(spanOf(s, resourceFor(s.processID), scopes, ctx));
    }
  }
}

function spanOf(s: Obj, resource: Resource, scopes: Map<string, Scope>, ctx: JsonContext): Span {
  const traceId = padTraceId(s.traceID, ctx, 'traceID');
  const attrs = tagsOf(s.tags, ctx);
  const take = (k: string): AttrValue | undefined => {
    const v = attrs[k];
    delete attrs[k];
    return v;
  };
  const kindTag = take('span.kind');
  const statusTag = take('otel.status_code');
  const statusMsg = take('otel.status_description');
  let code: StatusCodeValue = statusTag === 'ERROR' ? 2 : statusTag === 'OK' ? 1 : 0;
  // The translator adds error=true for an ERROR status; a bare error tag (OpenTracing) means the same.
  if (attrs.error === true && (code === 2 || statusTag === undefined)) {
    delete attrs.error;
    code = 2;
  }
  const scopeName = take('otel.scope.name') ?? take('otel.library.name');
  const scopeVersion = take('otel.scope.version') ?? take('otel.library.version');
  const traceState = take('w3c.tracestate');
  const sk = `${String(scopeName ?? '')}\0${String(scopeVersion ?? '')}`;
  let scope = scopes.get(sk);
  if (!scope) {
    scope = { name: String(scopeName ?? ''), version: String(scopeVersion ?? '') };
    scopes.set(sk, scope);
  }

  let parentSpanId = '';
  const links: Span['links'] = [];
  for (const ref of (Array.isArray(s.references) ? s.references : []) as Obj[]) {
    const rt = padTraceId(ref.traceID, ctx, 'reference traceID');
    const rs = padSpanId(ref.spanID, ctx, 'reference spanID');
    if (!parentSpanId && ref.refType === 'CHILD_OF' && rt === traceId) parentSpanId = rs;
    else links.push({ traceId: rt, spanId: rs, attributes: {} });
  }
  // Old Jaeger clients set parentSpanID instead of a reference.
  if (!parentSpanId && typeof s.parentSpanID === 'string' && /^[0-9a-f]+$/i.test(s.parentSpanID) && !/^0+$/.test(s.parentSpanID)) {
    parentSpanId = padSpanId(s.parentSpanID, ctx, 'parentSpanID');
  }

  const startUs = toBigInt(s.startTime, ctx, 'startTime');
  const durUs = toBigInt(s.duration, ctx, 'duration');
  const events = ((Array.isArray(s.logs) ? s.logs : []) as Obj[]).map((l) => {
    const fields = tagsOf(l.fields, ctx);
    const name = fields.event;
    delete fields.event;
    return { timeNs: toBigInt(l.timestamp, ctx, 'log timestamp') * 1000n, name: typeof name === 'string' ? name : '', attributes: fields };
  });
  return {
    traceId,
    spanId: padSpanId(s.spanID, ctx, 'spanID'),
    parentSpanId,
    traceState: typeof traceState === 'string' ? traceState : '',
    name: typeof s.operationName === 'string' ? s.operationName : '',
    kind: typeof kindTag === 'string' ? (KINDS[kindTag] ?? 0) : 0,
    startNs: startUs * 1000n,
    endNs: (startUs + durUs) * 1000n,
    attributes: attrs,
    events,
    links,
    status: { code, message: typeof statusMsg === 'string' ? statusMsg : '' },
    resource,
    scope,
  };
}
