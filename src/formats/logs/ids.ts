// Trace and span ids as logs carry them, to W3C's form (32 and 16 lowercase hex digits).
// Keys seen in the wild: trace_id, traceID, traceId, trace.id (ECS, slog groups),
// otelTraceID, dd.trace_id (Datadog: the lower 64 bits in decimal, string or number) and
// the same for spans. A 64-bit trace id (Datadog, old Jaeger) becomes 16 zeros and its 16
// digits: W3C ids are matched to it by their low half (sameTrace).

/** A key, lower case, without separators: "trace.id", "traceId", "trace_id" → "traceid". */
export function squash(key: string): string {
  return key.toLowerCase().replace(/[._\-@]/g, '');
}

const TRACE_KEYS = new Set(['traceid', 'oteltraceid', 'ddtraceid', 'loggingtraceid']);
const SPAN_KEYS = new Set(['spanid', 'otelspanid', 'ddspanid', 'loggingspanid']);

export type IdKind = 'trace' | 'span' | null;

/** Whether a (flattened, dotted) key holds a trace or span id: the whole key, or its last part ("otel.trace_id"). */
export function idKind(key: string): IdKind {
  const s = squash(key);
  if (TRACE_KEYS.has(s)) return 'trace';
  if (SPAN_KEYS.has(s)) return 'span';
  const dot = key.lastIndexOf('.');
  if (dot > 0) {
    const last = squash(key.slice(dot + 1));
    if (last === 'traceid') return 'trace';
    if (last === 'spanid') return 'span';
  }
  return null;
}

import type { Needle } from './search.js';

const HEX = /^[0-9a-fA-F]+$/;
const DEC = /^[0-9]+$/;
const ZERO16 = '0000000000000000';
const MAX64 = (1n << 64n) - 1n;

/**
 * A trace id in W3C form, or '' when the value is not one: 32 hex digits; 16 hex digits
 * (a 64-bit id); decimal (Datadog's lower 64 bits; "decimal" keys are read as decimal
 * first, others only when they are not hex). All zeros is "no id", as in W3C.
 */
export function traceIdOf(value: string, key = ''): string {
  let v = value.trim();
  if (v.length === 0 || v.length > 40) return '';
  if (v.includes('-') && v.length === 36) v = v.replace(/-/g, ''); // UUID-shaped
  const decimalKey = squash(key).startsWith('dd');
  let id = '';
  if (decimalKey && DEC.test(v) && v.length <= 20) id = dec64(v);
  else if (HEX.test(v) && v.length === 32) id = v.toLowerCase();
  else if (HEX.test(v) && v.length === 16) id = ZERO16 + v.toLowerCase();
  else if (DEC.test(v) && v.length <= 20) id = dec64(v);
  return id && !/^0+$/.test(id) ? id : '';
}

/** A span id in W3C form (16 hex), or ''. */
export function spanIdOf(value: string, key = ''): string {
  const v = value.trim();
  if (v.length === 0 || v.length > 20) return '';
  let id = '';
  if (squash(key).startsWith('dd') && DEC.test(v)) id = dec64(v).slice(16);
  else if (HEX.test(v) && v.length === 16) id = v.toLowerCase();
  else if (DEC.test(v)) id = dec64(v).slice(16);
  return id && !/^0+$/.test(id) ? id : '';
}

function dec64(v: string): string {
  const n = BigInt(v);
  if (n > MAX64) return '';
  return ZERO16 + n.toString(16).padStart(16, '0');
}

/** A trace id the user typed (W3C hex, 16 hex or Datadog decimal), in W3C form; '' when it is none of these. */
export function parseTraceIdArg(arg: string): string {
  const v = arg.trim();
  if (DEC.test(v) && !(HEX.test(v) && (v.length === 32 || v.length === 16))) return traceIdOf(v, 'dd.trace_id');
  return traceIdOf(v);
}

/** The same trace: equal ids, or a 64-bit id equal to the other's low half. */
export function sameTrace(a: string, b: string): boolean {
  if (a === b) return a !== '';
  if (!a || !b) return false;
  const a64 = a.startsWith(ZERO16);
  const b64 = b.startsWith(ZERO16);
  return (a64 || b64) && a.slice(16) === b.slice(16);
}

/**
 * What a line holding this trace must contain, in one form or another: the low 64 bits in
 * hex, in either case (found inside a 32-digit id as W3C and the OpenTelemetry SDKs write
 * it, in a 16-digit one as old Jaeger and 64-bit tracers do, and in ids written with %X),
 * and in decimal (Datadog). All are searched in one pass (search.ts); the lines found are
 * then parsed and kept only when their id is the same trace (sameTrace).
 */
export function traceNeedles(id: string): Needle[] {
  const low = id.slice(16);
  return [
    { bytes: Buffer.from(low, 'latin1'), fold: true },
    { bytes: Buffer.from(BigInt('0x' + low).toString(10), 'latin1'), fold: false },
  ];
}
