// Protobuf wire format: a bounds-checked varint reader and a growable writer, shared by
// the pprof codec (profile.proto) and the Prometheus protobuf exposition (metrics.proto).
//
// Both are tuned for profile.proto: integers are `number` whenever they are safe
// integers and `bigint` otherwise (Int64). Varints of up to 4 bytes
// decode with int32 arithmetic and up to 7 bytes (49 bits) with float arithmetic; longer
// ones (large or negative values) go through a 32-bit lo/hi path and allocate a BigInt
// only when the value is not a safe integer.

import { Buffer } from 'node:buffer';
import { FormatError } from '../../errors.js';

/** A 64-bit integer: a `number` when Number.isSafeInteger, otherwise a `bigint` (as pprof's Int64). */
export type Int64 = number | bigint;

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

/** Buffer's native string codecs (present in every Node release, absent from @types/node). */
interface NodeBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  utf8Write(s: string, offset: number, length: number): number;
}

/** hi word (of a 64-bit value split into 32-bit halves) below which the value is < 2^53. */
const SAFE_HI = 0x200000;

/**
 * A cursor over protobuf bytes. `end` bounds the current message; reads never cross it.
 * Every failure throws FormatError naming `input` and the byte offset.
 */
export class Reader {
  readonly buf: Uint8Array;
  /** Node Buffer view of the same bytes, for native string decoding. */
  private readonly nb: NodeBuffer;
  pos: number;
  end: number;
  readonly input: string;
  /** Appended to "byte N" in error positions, e.g. " of the decompressed data". */
  readonly whereSuffix: string;

  constructor(buf: Uint8Array, input: string, whereSuffix = '') {
    this.buf = buf;
    this.nb = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as NodeBuffer;
    this.pos = 0;
    this.end = buf.length;
    this.input = input;
    this.whereSuffix = whereSuffix;
  }

  /**
   * Set while reading the top level of a message whose structural errors (not
   * truncation) mean the input is some other kind of data, e.g. "not a pprof profile":
   * such errors are prefixed with it.
   */
  notFormat = '';

  /** Throws a FormatError at byte `at`. */
  fail(at: number, problem: string, hint?: string): never {
    if (this.notFormat && !problem.startsWith('truncated') && !problem.startsWith(this.notFormat)) {
      problem = `${this.notFormat}: ${problem}`;
    }
    throw new FormatError(this.input, `byte ${at}${this.whereSuffix}`, problem, hint);
  }

  private truncatedVarint(start: number): never {
    this.fail(start, `truncated data: varint runs past the end of ${this.end === this.buf.length ? 'the input' : 'its enclosing message'}`);
  }

  /**
   * Reads a varint as an unsigned number. Exact below 2^53; larger values come back
   * inexact (but still >= 2^53), which is fine for tags and lengths that are then
   * checked against the remaining bytes.
   */
  uint(): number {
    const v = this.small();
    if (v >= 0) return v;
    this.slow(this.pos);
    return slowHi * TWO_32 + slowLo;
  }

  /** Reads a varint as uint64: a number when < 2^53, else a bigint. */
  uint64(): Int64 {
    const v = this.small();
    if (v >= 0) return v;
    this.slow(this.pos);
    return combineUnsigned(slowHi, slowLo);
  }

  /** Reads a varint as int64 (two's complement): a number when safe, else a bigint. */
  int64(): Int64 {
    const v = this.small();
    if (v >= 0) return v;
    this.slow(this.pos);
    return combineSigned(slowHi, slowLo);
  }

  /**
   * Reads a varint of up to 7 bytes (< 2^49) and advances; returns -1 without advancing
   * for longer ones. Up to 4 bytes it uses int32 arithmetic, so V8 keeps the result a
   * small integer (a float result would turn the arrays it lands in into double arrays).
   */
  private small(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (this.end - pos >= 4) {
      let b = buf[pos]!;
      let v = b & 0x7f;
      if (b < 0x80) {
        this.pos = pos + 1;
        return v;
      }
      b = buf[pos + 1]!;
      v |= (b & 0x7f) << 7;
      if (b < 0x80) {
        this.pos = pos + 2;
        return v;
      }
      b = buf[pos + 2]!;
      v |= (b & 0x7f) << 14;
      if (b < 0x80) {
        this.pos = pos + 3;
        return v;
      }
      b = buf[pos + 3]!;
      v |= (b & 0x7f) << 21;
      if (b < 0x80) {
        this.pos = pos + 4;
        return v;
      }
    }
    return this.smallChecked();
  }

  /** small() near the end of the message, or for varints of 5+ bytes. */
  private smallChecked(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    const start = pos;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= end) this.truncatedVarint(start);
      const b = buf[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return v;
      }
      mul *= 128;
    }
    return -1;
  }

  /** Decodes the varint at `start` into slowHi/slowLo (32-bit halves); advances pos. */
  private slow(start: number): void {
    const buf = this.buf;
    const end = this.end;
    let pos = start;
    let lo = 0;
    let hi = 0;
    // Bytes 0..3 fill lo bits 0..27.
    for (let i = 0; i < 4; i++) {
      if (pos >= end) this.truncatedVarint(start);
      const b = buf[pos++]!;
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return this.slowDone(pos, hi, lo);
    }
    // Byte 4: lo bits 28..31 and hi bits 0..2.
    if (pos >= end) this.truncatedVarint(start);
    let b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    if (b < 0x80) return this.slowDone(pos, hi, lo);
    // Bytes 5..8: hi bits 3..30.
    for (let i = 0; i < 4; i++) {
      if (pos >= end) this.truncatedVarint(start);
      b = buf[pos++]!;
      hi |= (b & 0x7f) << (7 * i + 3);
      if (b < 0x80) return this.slowDone(pos, hi, lo);
    }
    // Byte 9: hi bit 31 only.
    if (pos >= end) this.truncatedVarint(start);
    b = buf[pos++]!;
    if (b > 1) {
      if (b >= 0x80) this.fail(start, 'malformed varint: longer than 10 bytes');
      this.fail(start, 'malformed varint: value overflows 64 bits');
    }
    hi |= b << 31;
    return this.slowDone(pos, hi, lo);
  }

  private slowDone(pos: number, hi: number, lo: number): void {
    this.pos = pos;
    slowHi = hi >>> 0;
    slowLo = lo >>> 0;
  }

  /** Reads a tag; returns field number * 8 + wire type, validating both. */
  tag(): number {
    const at = this.pos;
    const t = this.uint();
    if (t < 8 || t > 0xffffffff) this.fail(at, t < 8 ? 'malformed protobuf: field number 0' : 'malformed protobuf: field number too large');
    const wt = t & 7;
    if (wt > 5) this.fail(at, `malformed protobuf: invalid wire type ${wt} (field ${Math.floor(t / 8)})`);
    return t;
  }

  /** Reads a length prefix and checks it against the bytes left in the current message. */
  len(): number {
    const at = this.pos;
    const n = this.uint();
    const left = this.end - this.pos;
    if (n > left) {
      this.fail(
        at,
        `truncated data: length ${n > Number.MAX_SAFE_INTEGER ? 'prefix ≥ 2^53' : n} exceeds the ${left} byte${left === 1 ? '' : 's'} left in ${this.end === this.buf.length ? 'the input' : 'the enclosing message'}`,
      );
    }
    return n;
  }

  /** Skips a field's payload given its tag (whose bytes started at `tagAt`). */
  skip(t: number, tagAt: number): void {
    switch (t & 7) {
      case WIRE_VARINT: {
        const end = this.end;
        const buf = this.buf;
        let pos = this.pos;
        const start = pos;
        for (let i = 0; ; i++) {
          if (pos >= end) this.truncatedVarint(start);
          if (i >= 10) this.fail(start, 'malformed varint: longer than 10 bytes');
          if (buf[pos++]! < 0x80) break;
        }
        this.pos = pos;
        return;
      }
      case WIRE_FIXED64:
        this.fixed(8);
        return;
      case WIRE_LEN: {
        const n = this.len();
        this.pos += n;
        return;
      }
      case WIRE_FIXED32:
        this.fixed(4);
        return;
      case WIRE_START_GROUP:
        this.fail(tagAt, `unsupported protobuf: field ${Math.floor(t / 8)} uses groups (wire type 3), which neither profile.proto nor metrics.proto uses`);
      // eslint-disable-next-line no-fallthrough
      case WIRE_END_GROUP:
        this.fail(tagAt, `malformed protobuf: unexpected end-group tag (field ${Math.floor(t / 8)})`);
      // eslint-disable-next-line no-fallthrough
      default:
        this.fail(tagAt, `malformed protobuf: invalid wire type ${t & 7} (field ${Math.floor(t / 8)})`);
    }
  }

  /** Reads a fixed64 field as an IEEE 754 double (little-endian), as protobuf's `double`. */
  double(): number {
    const at = this.pos;
    this.fixed(8);
    return this.nb.readDoubleLE(at);
  }

  /** Reads a varint as a zigzag-encoded sint32/sint64 (exact within ±2^53). */
  sint(): number {
    const v = this.uint64();
    if (typeof v === 'number') return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    return Number((v >> 1n) ^ -(v & 1n));
  }

  private fixed(n: number): void {
    if (this.end - this.pos < n) {
      this.fail(this.pos, `truncated data: fixed${n * 8} field needs ${n} bytes, ${this.end - this.pos} left`);
    }
    this.pos += n;
  }

  /** Decodes `n` bytes at pos as UTF-8 (invalid sequences become U+FFFD) and advances. */
  string(n: number): string {
    const start = this.pos;
    this.pos = start + n;
    if (n === 0) return '';
    if (n === 1 && this.buf[start]! < 0x80) return ASCII1[this.buf[start]!]!;
    // Node's native slice has its own ASCII fast path: measured faster than TextDecoder
    // (which needs a subarray per string) and than building strings in JS.
    return this.nb.utf8Slice(start, start + n);
  }

  /** Decodes the strings at the [start, end) pairs in `spans[0 .. n)`. */
  strings(spans: Float64Array, n: number): string[] {
    const out: string[] = new Array(n / 2);
    for (let i = 0, j = 0; i < n; i += 2, j++) {
      this.pos = spans[i]!;
      out[j] = this.string(spans[i + 1]! - spans[i]!);
    }
    return out;
  }
}

const ASCII1: string[] = [];
for (let c = 0; c < 0x80; c++) ASCII1.push(String.fromCharCode(c));

// Results of Reader.slow (module-level to avoid allocating a pair).
let slowHi = 0;
let slowLo = 0;

/** Combines unsigned 32-bit halves into a uint64 Int64. */
export function combineUnsigned(hi: number, lo: number): Int64 {
  if (hi < SAFE_HI) return hi * TWO_32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Combines unsigned 32-bit halves (two's complement) into an int64 Int64. */
export function combineSigned(hi: number, lo: number): Int64 {
  if (hi < 0x80000000) return combineUnsigned(hi, lo);
  // Negative: magnitude = 2^64 - value.
  const nlo = (~lo + 1) >>> 0;
  const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
  if (nhi < SAFE_HI) return -(nhi * TWO_32 + nlo);
  return -((BigInt(nhi) << 32n) | BigInt(nlo));
}

const UINT64_LIMIT = 1n << 64n;
const INT64_MIN = -(1n << 63n);

/** A growable output buffer with protobuf primitives. */
export class Writer {
  buf: NodeBuffer;
  pos = 0;

  constructor(initial = 1 << 16) {
    this.buf = Buffer.allocUnsafeSlow(initial) as NodeBuffer;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = Buffer.allocUnsafeSlow(size) as NodeBuffer;
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  /** Writes a non-negative safe integer as a varint. */
  uint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (v < 0x80) {
      buf[pos++] = v;
    } else if (v <= 0x7fffffff) {
      while (v >= 0x80) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[pos++] = v;
    } else {
      while (v >= 0x80) {
        buf[pos++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      buf[pos++] = v;
    }
    this.pos = pos;
  }

  /** Writes 32-bit halves of a 64-bit value as a varint. */
  private hilo(hi: number, lo: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    hi >>>= 0;
    lo >>>= 0;
    while (hi !== 0 || lo >= 0x80) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /**
   * Writes an Int64 as a varint: negative values as 64-bit two's complement (10 bytes).
   * Accepts -2^63 <= v < 2^64, so it serves both int64 and uint64 fields.
   */
  int64(v: Int64): void {
    if (typeof v === 'number') {
      if (v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) {
        this.uint(v);
        return;
      }
      if (!Number.isSafeInteger(v)) {
        throw new RangeError(`pprof encode: ${v} is not an integer representable exactly (use bigint beyond 2^53)`);
      }
      // Negative safe integer.
      const hi = Math.floor(v / TWO_32);
      const lo = v - hi * TWO_32;
      this.hilo(hi, lo);
      return;
    }
    if (typeof v !== 'bigint') throw new TypeError(`pprof encode: expected number or bigint, got ${typeof v}`);
    if (v < INT64_MIN || v >= UINT64_LIMIT) throw new RangeError(`pprof encode: ${v} does not fit in 64 bits`);
    this.hilo(Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn));
  }

  /** Writes a tag for `field` with wire type `wt`. */
  tag(field: number, wt: number): void {
    this.uint(field * 8 + wt);
  }

  /** Writes a UTF-8 string with its length prefix. */
  string(s: string): void {
    const n = s.length;
    // Fast path: ASCII strings, length known up front.
    if (n < 0x80) {
      this.ensure(1 + n * 3);
      const buf = this.buf;
      let pos = this.pos + 1;
      let ascii = true;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        buf[pos++] = c;
      }
      if (ascii) {
        buf[this.pos] = n;
        this.pos = pos;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.uint(bytes);
    this.ensure(bytes);
    this.buf.utf8Write(s, this.pos, bytes);
    this.pos += bytes;
  }

  /** Reserves one byte for a length prefix; returns the position to pass to endLen. */
  beginLen(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Fills in the length reserved by beginLen, moving the body if the varint needs more bytes. */
  endLen(at: number): void {
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    let size = 1;
    for (let v = len; v >= 0x80; v = Math.floor(v / 128)) size++;
    this.ensure(size - 1);
    const buf = this.buf;
    buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = len;
    let p = at;
    while (v >= 0x80) {
      buf[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[p] = v;
  }

  /** The bytes written so far (a copy-free view). */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
  }
}
