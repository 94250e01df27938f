// Capturing an execution trace from a live service: GET /debug/pprof/trace?seconds=N.
// The handler answers only when the trace ends, so the request timeout is the trace
// length plus a margin (as for a CPU profile). The body is the raw trace (not gzip): it is
// saved byte for byte to `<dir>/trace.out` before anything checks it, so a wrong reply is
// kept for the user to look at.
import { UserError } from '../errors.js';
import { saveCapture } from './capture.js';
import { DEFAULT_TIMEOUT_MS, FetchError, HttpStatusError, fetchBytes } from './http.js';
import { profileUrl } from './source.js';
import { startTicker } from './profiles.js';

export interface CaptureTraceOptions {
  /** The capture folder (must exist). */
  dir: string;
  /** File name in `dir` (default trace.out). */
  name?: string;
  /** Trace length in seconds (default 1, as net/http/pprof). */
  seconds?: number;
  /** Margin after the trace length, in ms (default 30 s). */
  timeoutMs?: number;
  /** Called with the seconds left, at once and then every second. */
  onTick?: (remainingSeconds: number) => void;
  signal?: AbortSignal;
}

export interface CapturedTrace {
  url: string;
  /** Where the bytes were saved. */
  path: string;
  bytes: Buffer;
  requestedAt: Date;
  fetchedAt: Date;
}

export const DEFAULT_TRACE_SECONDS = 1;

/** The trace endpoint of a service. */
export function traceEndpoint(base: URL, seconds: number): URL {
  return profileUrl({ kind: 'service', input: base.href, url: base }, 'trace', { seconds: String(seconds) });
}

/** Fetches a trace and saves it before returning it. */
export async function captureTrace(base: URL, opts: CaptureTraceOptions): Promise<CapturedTrace> {
  const seconds = opts.seconds ?? DEFAULT_TRACE_SECONDS;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`trace seconds must be positive, got ${seconds}`);
  const url = traceEndpoint(base, seconds);
  const timeoutMs = Math.ceil(seconds * 1000) + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const requestedAt = new Date();
  const ticker = opts.onTick ? startTicker(Math.ceil(seconds), opts.onTick) : undefined;
  let bytes: Buffer;
  try {
    bytes = await fetchBytes(url, { timeoutMs, signal: opts.signal });
  } catch (e) {
    throw explain(e, seconds, timeoutMs);
  } finally {
    ticker?.stop();
  }
  const fetchedAt = new Date();
  const file = await saveCapture(opts.dir, opts.name ?? 'trace.out', bytes);
  if (!Buffer.from(bytes.subarray(0, 5)).equals(Buffer.from('go 1.'))) {
    const head = Buffer.from(bytes.subarray(0, 40))
      .toString('latin1')
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim();
    const what = bytes.length === 0 ? 'an empty reply' : head ? `a reply starting ${JSON.stringify(head)}` : `${bytes.length} bytes of binary data`;
    throw new UserError(`${url.href}: not a Go execution trace but ${what} (saved to ${file}): is this a Go service serving net/http/pprof?`);
  }
  return { url: url.href, path: file, bytes, requestedAt, fetchedAt };
}

function explain(e: unknown, seconds: number, timeoutMs: number): unknown {
  if (!(e instanceof FetchError)) return e;
  if (e instanceof HttpStatusError) {
    if (e.status === 500 && /tracing is already enabled/i.test(e.bodyLine)) {
      return new HttpStatusError(e.url, e.status, e.bodyLine, `${e.url}: 500: a trace is already running in the service (another goscope, go tool trace, or the service's own tracing): wait for it to finish and retry`);
    }
    if (e.status === 400 && /WriteTimeout/i.test(e.bodyLine)) {
      return new HttpStatusError(e.url, e.status, e.bodyLine, `${e.url}: 400: the ${seconds}s trace is not shorter than the service's http.Server WriteTimeout: use a smaller --seconds`);
    }
    return e;
  }
  if (e.code === 'TIMEOUT') {
    return new FetchError(e.url, e.code, `${e.url}: no response within ${Math.round(timeoutMs / 1000)}s for a ${seconds}s trace: the service may be overloaded or stuck (raise --timeout)`);
  }
  return e;
}
