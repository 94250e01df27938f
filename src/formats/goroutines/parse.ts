// One entry point for every goroutine dump form: sniffs gzip, debug=1 text, pprof protobuf
// and traceback text, and streams goroutine records to `emit`.
import { FormatError } from '../../errors.js';
import { collect, DEFAULT_MAX_INFLATED, gunzipCapped, isGzip, maxInflatedFromEnv, peek, type Chunks } from '../input.js';
import { decodeProfile } from '../pprof/decode.js';
import { limit } from '../../lib/limits.js';
import { parseDebug1 } from './debug1.js';
import type { DumpInfo, Goroutine } from './model.js';
import { goroutinesFromProfile } from './pprof.js';
import { parseTextDump } from './text.js';

export interface ParseOptions {
  /** Accept a dump cut off mid-goroutine (analyse the complete part). */
  allowPartial?: boolean;
  /** Cap on decompressed bytes (gzip bombs). */
  maxInflatedBytes?: number;
  /** Keep frames' argument text (default true). */
  args?: boolean;
}

export async function parseGoroutines(chunks: Chunks, input: string, emit: (g: Goroutine) => void, opts: ParseOptions = {}): Promise<DumpInfo> {
  let { head, rest } = await peek(chunks, 64);
  if (head.length === 0) throw new FormatError(input, '', 'empty input', 'expected a goroutine dump or profile');
  let gzipped = false;
  if (isGzip(head)) {
    gzipped = true;
    const max = opts.maxInflatedBytes ?? maxInflatedFromEnv(DEFAULT_MAX_INFLATED);
    ({ head, rest } = await peek(gunzipCapped(rest, input, max), 4096));
    if (head.length === 0) throw new FormatError(input, '', 'empty input after decompression');
  } else {
    ({ head, rest } = await peek(rest, 4096));
  }
  const info: DumpInfo = {
    input,
    format: 'text',
    gzipped,
    leakProfile: false,
    total: 0,
    records: 0,
    crash: null,
    signal: null,
    skipped: null,
    lines: 0,
    bytes: 0,
    truncated: false,
  };
  const start = head.subarray(0, 64).toString('latin1').trimStart();
  if (start.startsWith('goroutine profile: total') || start.startsWith('goroutineleak profile: total')) {
    const r = await parseDebug1(rest, input, emit, opts);
    return { ...info, format: 'debug1', leakProfile: r.leakProfile, total: r.total, records: r.records, bytes: r.bytes, truncated: r.truncated };
  }
  if (!looksLikeText(head)) {
    // Decoded in memory: the protobuf cap (lib/limits.ts), not the streamed-text one.
    const max = Math.min(opts.maxInflatedBytes ?? limit('inflate'), limit('inflate'));
    const bytes = await collect(rest, input, max);
    const p = decodeProfile(bytes, input);
    const r = goroutinesFromProfile(p, input, emit);
    return { ...info, format: 'pprof', leakProfile: r.leakProfile, total: r.total, records: r.records, bytes: bytes.length };
  }
  const r = await parseTextDump(rest, input, emit, opts);
  return {
    ...info,
    total: r.total,
    records: r.records,
    crash: r.crash,
    signal: r.signal,
    skipped: r.skipped,
    lines: r.lines,
    bytes: r.bytes,
    truncated: r.truncated,
  };
}

/**
 * Text or a (gunzipped) protobuf? A profile's bytes are mostly control bytes (tags,
 * lengths, small varints); text has few, and a real dump may well have some: a log line
 * with colour codes or a stray control character, a label value. So text is what is
 * valid UTF-8 with at most one control byte in ten (tab, line breaks and ESC not counted).
 */
export function looksLikeText(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096);
  if (n === 0) return false;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i]!;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 11 && c !== 12 && c !== 13 && c !== 27) || c === 127) bad++;
  }
  // Invalid UTF-8 (a character cut at the end of the head aside) decodes to U+FFFD.
  const text = Buffer.from(head.buffer, head.byteOffset, n).toString('utf8');
  for (let i = text.indexOf('\ufffd'); i >= 0 && i < text.length - 1; i = text.indexOf('\ufffd', i + 1)) bad++;
  return bad * 10 <= n;
}

/**
 * Whether the first bytes of a reply could be some goroutine dump at all (gzip, a
 * protobuf, a debug=1 or traceback text): when not, a failed parse is better reported as
 * "the service answered something else".
 */
export function mayBeGoroutineDump(head: Uint8Array): boolean {
  if (isGzip(head)) return true;
  if (!looksLikeText(head)) return head[0] === 0x0a; // profile.proto starts with sample_type (field 1)
  return /(?:^|\n)\s*goroutine(?:leak)? (?:\d|profile:)/.test(Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1'));
}

/** Convenience for small inputs and tests: all records in memory. */
export async function parseGoroutinesAll(chunks: Chunks, input: string, opts: ParseOptions = {}): Promise<{ info: DumpInfo; goroutines: Goroutine[] }> {
  const goroutines: Goroutine[] = [];
  const info = await parseGoroutines(chunks, input, (g) => goroutines.push(g), opts);
  return { info, goroutines };
}
