// W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent header,
// validated as the spec tells a receiver to, and fresh ids for every request.
import { randomFillSync } from 'node:crypto';

export interface TraceParent {
  version: string;
  traceId: string;
  parentId: string;
  flags: string;
  /** The sampled bit of trace-flags. */
  sampled: boolean;
  /** The header value exactly as it will be sent. */
  value: string;
}

const HEX = /^[0-9a-f]+$/;

/**
 * Parses a traceparent value; returns the reason when it is not valid. Uppercase hex is
 * invalid (the spec requires lowercase and tells receivers to ignore anything else), as
 * are all-zero ids, version ff, and for version 00 anything but exactly 55 characters.
 */
export function parseTraceparent(text: string): TraceParent | { error: string } {
  const v = text.trim();
  if (v.length < 55) return { error: `too short (${v.length} characters; version-traceid-parentid-flags is 55)` };
  const version = v.slice(0, 2);
  if (v[2] !== '-' || v[35] !== '-' || v[52] !== '-') return { error: 'expected version-traceid-parentid-flags: 2, 32, 16 and 2 hex digits joined by "-"' };
  const traceId = v.slice(3, 35);
  const parentId = v.slice(36, 52);
  const flags = v.slice(53, 55);
  for (const [name, field] of [
    ['version', version],
    ['trace-id', traceId],
    ['parent-id', parentId],
    ['trace-flags', flags],
  ] as const) {
    if (!HEX.test(field)) {
      return { error: /[A-F]/.test(field) && /^[0-9a-fA-F]+$/.test(field) ? `${name} must be lowercase hex` : `${name} "${field}" is not hex` };
    }
  }
  if (version === 'ff') return { error: 'version ff is forbidden' };
  if (version === '00' && v.length !== 55) return { error: 'version 00 must be exactly 55 characters (extra data after trace-flags)' };
  if (version !== '00' && v.length > 55 && v[55] !== '-') return { error: 'unexpected data after trace-flags' };
  if (/^0+$/.test(traceId)) return { error: 'trace-id is all zeros' };
  if (/^0+$/.test(parentId)) return { error: 'parent-id is all zeros' };
  return { version, traceId, parentId, flags, sampled: (parseInt(flags, 16) & 1) === 1, value: v };
}

/**
 * Random ids from a pooled crypto buffer: one randomFillSync per 256 traceparents, so a
 * 20,000-request run spends next to nothing on them. Never returns an all-zero id.
 */
export class TraceIdSource {
  private pool = Buffer.alloc(24 * 256);
  private off = this.pool.length;

  /** A fresh sampled version-00 traceparent. */
  traceparent(): string {
    for (;;) {
      if (this.off === this.pool.length) {
        randomFillSync(this.pool);
        this.off = 0;
      }
      const o = this.off;
      this.off += 24;
      if (zero(this.pool, o, o + 16) || zero(this.pool, o + 16, o + 24)) continue;
      return '00-' + this.pool.toString('hex', o, o + 16) + '-' + this.pool.toString('hex', o + 16, o + 24) + '-01';
    }
  }
}

/** Trace-id of a valid version-00-shaped traceparent value (no validation); '' for none. */
export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}

/** Parent-id (the sender's span id) of a valid version-00-shaped traceparent value; '' for none. */
export function spanIdOf(traceparent: string): string {
  return traceparent.slice(36, 52);
}

function zero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}
