// Compact numbers for the flame graph's data block: most tree arrays hold small
// non-negative integers (name indexes, child counts, sample values), written as
// variable-length base-64 digits (A-Z a-z 0-9 - _): 5 value bits per digit, least
// significant first, a digit >= 32 meaning "more digits follow". A million-node tree takes
// about half the bytes of JSON arrays, and the page decodes it into typed arrays in one
// loop over its bytes, in about a third of the time JSON.parse takes to build number
// arrays that the page would then copy (reading the digits from the text's bytes is
// about twice as fast as charCodeAt). Both directions live here, so the writer (Node) and
// the reader (the page) cannot disagree.

import { asciiBytes, asciiString } from './ascii.js';
import { Encoded } from './encoded.js';

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const CODES = Uint8Array.from(DIGITS, (c) => c.charCodeAt(0));

/** Digit value by character code (-1: not a digit). */
export const DIGIT = new Int8Array(256).fill(-1);
for (let i = 0; i < CODES.length; i++) DIGIT[CODES[i]!] = i;

/** `a[i] + offset` for every i as varints, or null when some value is not a safe non-negative integer. */
export function encodeVarints(a: Int32Array | Float64Array, offset = 0): Encoded | null {
  let bytes = new Uint8Array(a.length * 2 + 16);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let v = a[i]! + offset;
    if (!(v >= 0 && Number.isSafeInteger(v))) return null;
    if (n + 11 > bytes.length) {
      const b = new Uint8Array(bytes.length * 2);
      b.set(bytes);
      bytes = b;
    }
    while (v >= 32) {
      bytes[n++] = CODES[32 + (v % 32)]!;
      v = Math.floor(v / 32);
    }
    bytes[n++] = CODES[v]!;
  }
  return Encoded.of(asciiString(bytes.subarray(0, n)));
}

/**
 * `a[i] + offset` (non-negative int32s) as varints all of the same width (the smallest
 * that holds the largest value; shorter values padded with continuation digits of 0), so
 * that a reader can take any value at i * width without decoding the array first.
 */
export function encodeFixedVarints(a: Int32Array, offset = 0): { text: Encoded; width: number } {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, a[i]! + offset);
  let width = 1;
  while (max >= 2 ** (5 * width)) width++;
  const bytes = new Uint8Array(a.length * width);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let v = a[i]! + offset;
    for (let j = 1; j < width; j++) {
      bytes[n++] = CODES[32 + (v & 31)]!;
      v >>>= 5;
    }
    bytes[n++] = CODES[v]!;
  }
  return { text: Encoded.of(asciiString(bytes)), width };
}

/** A numeric column: varints when every value is a safe non-negative integer, else the numbers. */
export function encodeNumbers(a: Int32Array | Float64Array, offset = 0): Encoded | number[] {
  const v = encodeVarints(a, offset);
  if (v !== null) return v;
  return Array.from(a, (x) => x + offset);
}

export function malformed(): Error {
  return new Error('flame data: malformed number array');
}

/** `n` values below 2^31 (name indexes, child counts), each plus `offset`, with integer arithmetic. */
export function decodeInts(src: number[] | string, n: number, offset: number): Int32Array {
  const out = new Int32Array(n);
  if (typeof src !== 'string') {
    if (src.length !== n) throw malformed();
    for (let i = 0; i < n; i++) out[i] = src[i]! + offset;
    return out;
  }
  const b = asciiBytes(src);
  let k = 0;
  let v = 0;
  let shift = 0;
  for (let i = 0; i < b.length; i++) {
    const d = DIGIT[b[i]!]!;
    if (d >= 32) {
      if (shift > 25) throw malformed();
      v |= (d & 31) << shift;
      shift += 5;
    } else if (d >= 0 && k < n) {
      out[k++] = (v | (d << shift)) + offset;
      v = 0;
      shift = 0;
    } else throw malformed();
  }
  // A value cut short (continuation digits at the end) is malformed too.
  if (k !== n || shift !== 0) throw malformed();
  return out;
}

/** `n` safe non-negative integers (sample values): integer arithmetic up to 30 bits, float beyond. */
export function decodeNumbers(src: number[] | string, n: number): Float64Array {
  if (typeof src !== 'string') {
    if (src.length !== n) throw malformed();
    return new Float64Array(src);
  }
  const out = new Float64Array(n);
  const b = asciiBytes(src);
  let k = 0;
  let v = 0;
  let shift = 0;
  for (let i = 0; i < b.length; i++) {
    const d = DIGIT[b[i]!]!;
    if (d >= 32) {
      if (shift <= 25) v |= (d & 31) << shift;
      else v += (d & 31) * 2 ** shift;
      shift += 5;
    } else if (d >= 0 && k < n) {
      out[k++] = shift <= 25 ? v | (d << shift) : v + d * 2 ** shift;
      v = 0;
      shift = 0;
    } else throw malformed();
  }
  // A value cut short (continuation digits at the end) is malformed too.
  if (k !== n || shift !== 0) throw malformed();
  return out;
}

/** Number of values in a column. */
export function countValues(src: number[] | string): number {
  if (typeof src !== 'string') return src.length;
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const d = DIGIT[src.charCodeAt(i) & 255]!;
    if (d >= 0 && d < 32) n++;
  }
  return n;
}

/** The value at index i of fixed-width varints of width w. */
export function fixedValueAt(src: string, w: number, i: number): number {
  let v = 0;
  for (let j = 0, at = i * w; j < w; j++) v |= (DIGIT[src.charCodeAt(at + j) & 255]! & 31) << (5 * j);
  return v;
}

/** Every w-th digit ends a value and only those do (sampled: a cheap check; values are checked when decoded). */
export function fixedWidthOk(src: string, w: number): boolean {
  const n = src.length / w;
  const step = Math.max(1, Math.floor(n / 4096));
  for (let i = 0; i < n; i += step) {
    for (let j = 0; j < w; j++) {
      const d = DIGIT[src.charCodeAt(i * w + j) & 255]!;
      if (d < 0 || (j === w - 1 ? d >= 32 : d < 32)) return false;
    }
  }
  return true;
}
