// OTLP protobuf -> the OTLP/JSON object (protobuf JSON mapping), driven by the tables in
// schema.ts, with the project's wire reader. One decoder serves the receiver (which stores
// what it received as OTLP JSON Lines) and the readers (which build the model from that
// JSON), so a span read from a .pb file, from a JSON line or off the wire is the same span.
//
// Unknown fields are skipped, as protobuf requires. Fields set to their default are left
// out, as the JSON mapping does; a present sub-message is kept even when empty
// (`"status":{}`), as the collector writes it.

import { Buffer } from 'node:buffer';
import { Reader, Writer, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, combineSigned, combineUnsigned } from '../protobuf/wire.js';
import type { Field, Message, Signal } from './schema.js';
import { REQUEST } from './schema.js';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** Decodes one Export{Trace,Logs,Metrics}ServiceRequest into its OTLP/JSON object. */
export function decodeRequest(signal: Signal, bytes: Uint8Array, input: string): JsonObject {
  const r = new Reader(bytes, input);
  r.notFormat = `not an OTLP ${signal} request`;
  return decodeMessage(r, REQUEST[signal], 0);
}

const MAX_DEPTH = 64; // AnyValue nests; a hostile input must not blow the stack

function decodeMessage(r: Reader, m: Message, depth: number): JsonObject {
  if (depth > MAX_DEPTH) r.fail(r.pos, `malformed OTLP: messages nested deeper than ${MAX_DEPTH}`);
  const out: JsonObject = {};
  while (r.pos < r.end) {
    const at = r.pos;
    const t = r.tag();
    const f = m.fields.get(t >>> 3);
    if (!f) {
      r.skip(t, at);
      continue;
    }
    const wt = t & 7;
    if (f.repeated && wt === WIRE_LEN && f.type !== 'msg' && f.type !== 'string' && f.type !== 'bytes' && f.type !== 'id') {
      // packed scalars
      const n = r.len();
      const end = r.pos + n;
      const saved = r.end;
      r.end = end;
      const arr = (out[f.name] as Json[] | undefined) ?? (out[f.name] = []);
      while (r.pos < end) (arr as Json[]).push(scalar(r, f, expectedWire(f.type), at));
      r.end = saved;
      continue;
    }
    const v = f.type === 'msg' ? sub(r, f, wt, at, depth) : scalar(r, f, wt, at);
    if (f.repeated) {
      const arr = out[f.name] as Json[] | undefined;
      if (arr) arr.push(v);
      else out[f.name] = [v];
    } else if (f.type === 'msg' || f.keep || !isDefault(f, v)) {
      out[f.name] = v;
    } else {
      // proto3: a later default value overrides an earlier one
      delete out[f.name];
    }
  }
  return out;
}

function sub(r: Reader, f: Field, wt: number, at: number, depth: number): JsonObject {
  if (wt !== WIRE_LEN) r.fail(at, `malformed OTLP: field ${f.name} has wire type ${wt}, want 2`);
  const n = r.len();
  const saved = r.end;
  r.end = r.pos + n;
  const v = decodeMessage(r, f.msg!, depth + 1);
  r.pos = r.end;
  r.end = saved;
  return v;
}

function isDefault(f: Field, v: Json): boolean {
  switch (f.type) {
    case 'string':
    case 'bytes':
    case 'id':
      return v === '';
    case 'int64':
    case 'uint64':
    case 'fixed64':
    case 'sfixed64':
      return v === '0';
    default:
      return v === 0 || v === false;
  }
}

function expectedWire(t: Field['type']): number {
  switch (t) {
    case 'fixed64':
    case 'sfixed64':
    case 'double':
      return WIRE_FIXED64;
    case 'fixed32':
      return WIRE_FIXED32;
    case 'string':
    case 'bytes':
    case 'id':
    case 'msg':
      return WIRE_LEN;
    default:
      return WIRE_VARINT;
  }
}

function scalar(r: Reader, f: Field, wt: number, at: number): Json {
  const want = expectedWire(f.type);
  if (wt !== want) r.fail(at, `malformed OTLP: field ${f.name} has wire type ${wt}, want ${want}`);
  switch (f.type) {
    case 'string':
      return r.string(r.len());
    case 'id': {
      const n = r.len();
      const s = Buffer.from(r.buf.buffer, r.buf.byteOffset + r.pos, n).toString('hex');
      r.pos += n;
      return s;
    }
    case 'bytes': {
      const n = r.len();
      const s = Buffer.from(r.buf.buffer, r.buf.byteOffset + r.pos, n).toString('base64');
      r.pos += n;
      return s;
    }
    case 'bool':
      return r.uint() !== 0;
    case 'enum':
    case 'int32': {
      // int32 and enums are sign-extended to 64 bits on the wire
      const v = r.int64();
      return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v;
    }
    case 'uint32':
      return r.uint() % 4294967296;
    case 'sint32':
      return r.sint();
    case 'int64':
      return String(r.int64());
    case 'uint64':
      return String(r.uint64());
    case 'fixed32': {
      need(r, 4, at);
      const v = (r.buf[r.pos]! | (r.buf[r.pos + 1]! << 8) | (r.buf[r.pos + 2]! << 16) | (r.buf[r.pos + 3]! << 24)) >>> 0;
      r.pos += 4;
      return v;
    }
    case 'fixed64':
    case 'sfixed64': {
      need(r, 8, at);
      const b = r.buf;
      const p = r.pos;
      const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
      const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
      r.pos = p + 8;
      return String(f.type === 'fixed64' ? combineUnsigned(hi, lo) : combineSigned(hi, lo));
    }
    case 'double': {
      const d = r.double();
      // The JSON mapping's spellings for what JSON numbers cannot hold.
      if (Number.isNaN(d)) return 'NaN';
      if (d === Infinity) return 'Infinity';
      if (d === -Infinity) return '-Infinity';
      return d;
    }
    default:
      return r.fail(at, `internal: field ${f.name} of type ${f.type}`);
  }
}

function need(r: Reader, n: number, at: number): void {
  if (r.end - r.pos < n) r.fail(at, `truncated data: fixed${n * 8} field needs ${n} bytes, ${r.end - r.pos} left`);
}

// ---------------------------------------------------------------------------
// Responses (the receiver's side)

/**
 * Export*ServiceResponse: empty on full success, else partial_success { rejected (field 1,
 * int64), error_message (field 2) } — the same layout for all three signals.
 */
export function encodeExportResponse(rejected: number, errorMessage: string): Uint8Array {
  const w = new Writer(64 + errorMessage.length * 3);
  if (rejected > 0 || errorMessage) {
    w.tag(1, WIRE_LEN);
    const at = w.beginLen();
    if (rejected > 0) {
      w.tag(1, WIRE_VARINT);
      w.uint(rejected);
    }
    if (errorMessage) {
      w.tag(2, WIRE_LEN);
      w.string(errorMessage);
    }
    w.endLen(at);
  }
  return Uint8Array.from(w.finish());
}

/**
 * google.rpc.Status { code, message, details } — OTLP/HTTP's error body, and gRPC's
 * grpc-status-details-bin. `retryAfterS` adds a google.rpc.RetryInfo detail, which OTLP
 * exporters read as "retry after this delay" (the Go SDK retries RESOURCE_EXHAUSTED only
 * when it is there).
 */
export function encodeRpcStatus(code: number, message: string, retryAfterS?: number): Uint8Array {
  const w = new Writer(128 + message.length * 3);
  if (code) {
    w.tag(1, WIRE_VARINT);
    w.uint(code);
  }
  if (message) {
    w.tag(2, WIRE_LEN);
    w.string(message);
  }
  if (retryAfterS !== undefined) {
    w.tag(3, WIRE_LEN); // details: google.protobuf.Any
    const any = w.beginLen();
    w.tag(1, WIRE_LEN);
    w.string('type.googleapis.com/google.rpc.RetryInfo');
    w.tag(2, WIRE_LEN);
    const info = w.beginLen();
    w.tag(1, WIRE_LEN); // retry_delay: google.protobuf.Duration
    const dur = w.beginLen();
    w.tag(1, WIRE_VARINT);
    w.uint(Math.max(0, Math.floor(retryAfterS)));
    w.endLen(dur);
    w.endLen(info);
    w.endLen(any);
  }
  return Uint8Array.from(w.finish());
}
