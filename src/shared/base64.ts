// Typed-array columns as base64 of their bytes, for the trace timeline's data block: the
// bytes are the platform's (little-endian on every platform Node and browsers run on),
// so the page views them as typed arrays again without parsing a value.
import { asciiString } from './ascii.js';
import { Encoded } from './encoded.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = 61; // '='
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// Two output characters for each 12 bits, as a 16-bit word whose bytes are in text order.
const PAIRS = new Uint16Array(4096);
for (let i = 0; i < 4096; i++) {
  const hi = CODES[i >> 6]!;
  const lo = CODES[i & 63]!;
  PAIRS[i] = LITTLE_ENDIAN ? hi | (lo << 8) : (hi << 8) | lo;
}

// Uint8Array.prototype.toBase64 (ECMAScript 2026) where the platform has it: several
// times faster than the loop below, which serves the others (Node 20 among them).
const nativeToBase64 = (Uint8Array.prototype as unknown as { toBase64?: (this: Uint8Array) => string }).toBase64;

/** The base64 text of the bytes of a typed array (or a part of one). */
export function toBase64(a: ArrayBufferView): Encoded {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (nativeToBase64) return Encoded.of(nativeToBase64.call(b));
  const n = b.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  // Four characters at a time.
  const words = new Uint32Array(out.buffer, 0, out.length >> 2);
  let i = 0;
  let k = 0;
  for (; i + 2 < n; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    words[k++] = LITTLE_ENDIAN ? PAIRS[v >> 12]! | (PAIRS[v & 4095]! << 16) : (PAIRS[v >> 12]! << 16) | PAIRS[v & 4095]!;
  }
  let j = k * 4;
  if (i < n) {
    const two = i + 1 < n;
    const v = (b[i]! << 16) | ((two ? b[i + 1]! : 0) << 8);
    out[j++] = CODES[v >> 18]!;
    out[j++] = CODES[(v >> 12) & 63]!;
    out[j++] = two ? CODES[(v >> 6) & 63]! : PAD;
    out[j++] = PAD;
  }
  return Encoded.of(asciiString(out));
}

// Browsers and Node have atob (not in this folder's type libraries); newer ones also
// Uint8Array.fromBase64, which skips the binary string.
const g = globalThis as unknown as { atob: (s: string) => string };
const U8 = Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array };

/** The bytes of base64 text, in a buffer of their own (so any typed array can view it aligned). */
export function fromBase64(s: string): Uint8Array {
  if (typeof U8.fromBase64 === 'function') return U8.fromBase64(s);
  const bin = g.atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function float64sFromBase64(s: string): Float64Array {
  const b = fromBase64(s);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

export function int32sFromBase64(s: string): Int32Array {
  const b = fromBase64(s);
  return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}
