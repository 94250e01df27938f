// One entry point for every goroutine dump form: sniffs gzip, debug=1 text, pprof protobuf
// and traceback text, and streams goroutine records to `emit`.
import { FormatError } from '../../errors.js';
import { collect, DEFAULT_MAX_INFLATED, gunzipCapped, isGzip, looksBinary, maxInflatedFromEnv, peek, type Chunks } from '../input.js';
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
  const info: DumpInfo = { input, format: 'text', gzipped, leakProfile: false, total: 0, records: 0, crash: null, bytes: 0, truncated: false };
  const start = head.subarray(0, 64).toString('latin1').trimStart();
  if (start.startsWith('goroutine profile: total') || start.startsWith('goroutineleak profile: total')) {
    const r = await parseDebug1(rest, input, emit, opts);
    return { ...info, format: 'debug1', leakProfile: r.leakProfile, total: r.total, records: r.records, bytes: r.bytes, truncated: r.truncated };
  }
  if (looksBinary(head)) {
    // Decoded in memory: the protobuf cap (lib/limits.ts), not the streamed-text one.
    const max = Math.min(opts.maxInflatedBytes ?? limit('inflate'), limit('inflate'));
    const bytes = await collect(rest, input, max);
    const p = decodeProfile(bytes, input);
    const r = goroutinesFromProfile(p, input, emit);
    return { ...info, format: 'pprof', leakProfile: r.leakProfile, total: r.total, records: r.records, bytes: bytes.length };
  }
  const r = await parseTextDump(rest, input, emit, opts);
  return { ...info, total: r.total, records: r.records, crash: r.crash, bytes: r.bytes, truncated: r.truncated };
}

/** Convenience for small inputs and tests: all records in memory. */
export async function parseGoroutinesAll(chunks: Chunks, input: string, opts: ParseOptions = {}): Promise<{ info: DumpInfo; goroutines: Goroutine[] }> {
  const goroutines: Goroutine[] = [];
  const info = await parseGoroutines(chunks, input, (g) => goroutines.push(g), opts);
  return { info, goroutines };
}
