// Byte-stream plumbing shared by every parser: sniffing the first bytes, transparent gzip
// with a cap on the inflated size (gzip bombs), and line splitting that never holds more
// than one chunk plus one line in memory.
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import { isAscii } from 'node:buffer';
import { FormatError } from '../errors.js';
import { LIMIT_ENV, limitHint, parseSize } from '../lib/limits.js';

export const DEFAULT_MAX_INFLATED = 4 * 1024 ** 3; // streamed text: memory stays bounded anyway
export const DEFAULT_MAX_LINE = 1024 * 1024;

export type Chunks = AsyncIterable<Uint8Array>;

export async function* fromBuffer(buf: Uint8Array, chunkSize = 1 << 20): Chunks {
  for (let i = 0; i < buf.length; i += chunkSize) yield buf.subarray(i, Math.min(buf.length, i + chunkSize));
}

export interface Peeked {
  head: Buffer; // at least `want` bytes unless the stream is shorter
  rest: Chunks; // the whole stream again, head included
}

/** Reads the first `want` bytes so a format can be sniffed, without losing them. */
export async function peek(chunks: Chunks, want = 4096): Promise<Peeked> {
  const it = chunks[Symbol.asyncIterator]();
  const got: Buffer[] = [];
  let n = 0;
  let done = false;
  while (n < want) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    got.push(b);
    n += b.length;
  }
  const head = Buffer.concat(got);
  async function* rest(): Chunks {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, rest: rest() };
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * A zlib failure as one line. `at` is the position (e.g. "byte 4096 of the decompressed
 * data" while streaming, "byte N (gzip stream)" for a whole buffer).
 */
export function gzipError(input: string, err: unknown, at: string): FormatError {
  const code = (err as { code?: string }).code;
  const msg = (err as Error).message ?? String(err);
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(msg)) {
    return new FormatError(input, at, 'truncated gzip data', 'the file was cut short: capture it again');
  }
  return new FormatError(input, at, `corrupt gzip data (${msg})`);
}

export function bombError(input: string, max: number, at: string, hint = limitHint('inflate', max)): FormatError {
  return new FormatError(input, at, `decompressed size exceeds ${max} bytes (possible gzip bomb)`, hint);
}

/** GOSCOPE_MAX_INFLATE (bytes, or with a unit: 512MiB) if set, else `fallback`. */
export function maxInflatedFromEnv(fallback: number): number {
  const v = process.env[LIMIT_ENV.inflate];
  return (v ? parseSize(v) : undefined) ?? fallback;
}

/** Inflates a gzip stream chunk by chunk, failing once more than `max` bytes come out. */
export async function* gunzipCapped(chunks: Chunks, input: string, max: number): Chunks {
  const gz = createGunzip({ chunkSize: 1 << 20 });
  let out = 0;
  let failure: unknown = null;
  const feeder = (async () => {
    try {
      for await (const c of chunks) {
        if (gz.destroyed) return;
        if (!gz.write(c)) await new Promise<void>((r) => gz.once('drain', r));
      }
      gz.end();
    } catch (e) {
      failure = e;
      gz.destroy();
    }
  })();
  try {
    for await (const c of gz as AsyncIterable<Buffer>) {
      out += c.length;
      if (out > max) {
        gz.destroy();
        throw bombError(input, max, `byte ${max} of the decompressed data`);
      }
      yield c;
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    if (failure) throw failure;
    throw gzipError(input, e, `byte ${out} of the decompressed data`);
  } finally {
    gz.destroy();
  }
  await feeder;
  if (failure) throw failure;
}

/** Reads a whole stream into one buffer, refusing it once more than `max` bytes came (for formats parsed in memory, like protobuf). */
export async function collect(chunks: Chunks, input: string, max: number, hint = limitHint('inflate', max)): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of chunks) {
    n += c.byteLength;
    if (n > max) throw new FormatError(input, '', `input exceeds ${max} bytes`, hint);
    parts.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  }
  return Buffer.concat(parts, n);
}

export interface LineStats {
  bytes: number;
  lines: number;
  /** The last line ended with '\n' (a cut-off dump usually does not). */
  endedWithNewline: boolean;
}

/**
 * Calls `onLine(s, start, end, lineNo, unterminated)` for every line: the line is
 * s[start, end), without '\n' or a trailing '\r'; `unterminated` marks a last line with no
 * newline (where a cut-off input ends). Lines are passed by index, not sliced, so hot
 * parsers copy only what they keep. Holds one decoded chunk and one partial line at a time;
 * pure-ASCII chunks skip UTF-8 decoding; a line longer than `maxLine` is a format error,
 * which also stops binary garbage from accumulating.
 */
export async function scanLines(
  chunks: Chunks,
  input: string,
  onLine: (s: string, start: number, end: number, lineNo: number, unterminated: boolean) => void,
  maxLine = DEFAULT_MAX_LINE,
): Promise<LineStats> {
  const dec = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  let bytes = 0;
  let decoding = false; // the decoder may hold the start of a multi-byte character
  const tooLong = () => new FormatError(input, `line ${lineNo + 1}`, `line longer than ${maxLine} bytes`, 'this does not look like a goroutine dump');
  const scan = (s: string, pos: number): number => {
    for (;;) {
      const nl = s.indexOf('\n', pos);
      if (nl < 0) return pos;
      let end = nl;
      if (end > pos && s.charCodeAt(end - 1) === 13) end--;
      onLine(s, pos, end, ++lineNo, false);
      pos = nl + 1;
    }
  };
  for await (const chunk of chunks) {
    bytes += chunk.byteLength;
    const buf = chunk as Buffer;
    let s: string;
    if (!decoding && isAscii(buf)) s = buf.toString('latin1');
    else {
      s = dec.write(buf);
      decoding = !isAscii(buf);
    }
    let pos = 0;
    if (carry) {
      // The line split across chunks is joined on its own, so `s` stays a flat string.
      const nl = s.indexOf('\n');
      if (nl < 0) {
        carry += s;
        if (carry.length > maxLine) throw tooLong();
        continue;
      }
      const line = carry + s.slice(0, nl + 1);
      carry = '';
      scan(line, 0);
      pos = nl + 1;
    }
    pos = scan(s, pos);
    if (pos < s.length) {
      carry = s.slice(pos);
      if (carry.length > maxLine) throw tooLong();
    }
  }
  carry += dec.end();
  const endedWithNewline = carry.length === 0;
  if (carry.length) {
    let end = carry.length;
    if (carry.charCodeAt(end - 1) === 13) end--;
    onLine(carry, 0, end, ++lineNo, true);
  }
  return { bytes, lines: lineNo, endedWithNewline };
}

/**
 * Throws the gzip-bomb error when `bytes` (gzip) inflate to more than `max`, finding out
 * as a stream that keeps nothing: a bomb costs CPU up to the cap, never memory. Callers
 * run it before a profile is inflated whole for decoding; anything that is not gzip, or
 * is corrupt, is left to the decoder and its exact error.
 */
export async function checkInflatedSize(bytes: Uint8Array, input: string, max: number, hint?: string): Promise<void> {
  if (!isGzip(bytes)) return;
  try {
    for await (const _ of gunzipCapped(fromBuffer(bytes), input, max)) {
      // counted and dropped by gunzipCapped
    }
  } catch (e) {
    if (e instanceof FormatError && /possible gzip bomb/.test(e.message)) {
      throw hint ? bombError(input, max, `byte ${max} of the decompressed data`, hint) : e;
    }
  }
}
