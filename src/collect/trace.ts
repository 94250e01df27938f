// Capturing an execution trace from a live service: GET /debug/pprof/trace?seconds=N.
// The handler answers only when the trace ends, so the request's deadline is the trace
// length plus --timeout (as for a CPU profile). The body is the raw trace (not gzip): it
// is streamed byte for byte to `<dir>/trace.out` (never held in memory: traces are large;
// capped by GOSCOPE_MAX_TRACE) before anything checks it, so a wrong reply is kept for
// the user to look at. Readers stream it back from that file.
import { UserError } from '../errors.js';
import { formatBytes, limit, limitHint } from '../lib/limits.js';
import { saveCaptureStream } from './capture.js';
import { DEFAULT_TIMEOUT_MS, FetchError, HttpStatusError, fetchStream } from './fetch.js';
import { profileUrl } from './source.js';
import { startTicker } from './profiles.js';
import { notWhatWasAsked } from '../formats/reply.js';
import { readHead } from './reply.js';

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
  /** Where the bytes were saved (read the trace from there). */
  path: string;
  /** Size in bytes. */
  size: number;
  requestedAt: Date;
  fetchedAt: Date;
}

export const DEFAULT_TRACE_SECONDS = 1;

/** The trace endpoint of a service. */
export function traceEndpoint(base: URL, seconds: number): URL {
  return profileUrl({ kind: 'service', input: base.href, url: base }, 'trace', { seconds: String(seconds) });
}

/** Fetches a trace and saves it (streamed to disk) before returning where it is. */
export async function captureTrace(base: URL, opts: CaptureTraceOptions): Promise<CapturedTrace> {
  const seconds = opts.seconds ?? DEFAULT_TRACE_SECONDS;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`trace seconds must be positive, got ${seconds}`);
  const url = traceEndpoint(base, seconds);
  const timeoutMs = Math.ceil(seconds * 1000) + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const requestedAt = new Date();
  const ticker = opts.onTick ? startTicker(Math.ceil(seconds), opts.onTick) : undefined;
  let file: string;
  try {
    const body = await fetchStream(url, { timeoutMs, limit: 'trace', signal: opts.signal });
    file = await saveCaptureStream(opts.dir, opts.name ?? 'trace.out', body);
  } catch (e) {
    throw explain(e, seconds, timeoutMs);
  } finally {
    ticker?.stop();
  }
  const fetchedAt = new Date();
  // The file is the reply, byte for byte: its size is the reply's.
  const { head, size } = await readHead(file, 40);
  if (!head.subarray(0, 5).equals(Buffer.from('go 1.'))) {
    throw new UserError(notWhatWasAsked(url.href, 'a Go execution trace', head, size, file));
  }
  return { url: url.href, path: file, size, requestedAt, fetchedAt };
}

function explain(e: unknown, seconds: number, timeoutMs: number): unknown {
  if (!(e instanceof FetchError)) return e;
  if (e instanceof HttpStatusError) {
    if (e.status === 500 && /tracing is already enabled/i.test(e.bodyLine)) {
      return new HttpStatusError(
        e.url,
        e.status,
        e.bodyLine,
        `${e.url}: 500: a trace is already running in the service (another goscope, go tool trace, or the service's own tracing): wait for it to finish and retry`,
      );
    }
    if (e.status === 400 && /WriteTimeout/i.test(e.bodyLine)) {
      return new HttpStatusError(
        e.url,
        e.status,
        e.bodyLine,
        `${e.url}: 400: the ${seconds}s trace is not shorter than the service's http.Server WriteTimeout: use a smaller --seconds`,
      );
    }
    return e;
  }
  if (e.code === 'TOO_LARGE') {
    const max = limit('trace');
    return new FetchError(
      e.url,
      e.code,
      `${e.url}: the ${seconds}s trace is larger than the ${formatBytes(max)} limit for a trace: stopped reading, nothing kept (trace fewer seconds, or ${limitHint('trace', max)})`,
    );
  }
  if (e.code === 'TIMEOUT') {
    return new FetchError(
      e.url,
      e.code,
      `${e.url}: no response within ${Math.round(timeoutMs / 1000)}s for a ${seconds}s trace: the service may be overloaded or stuck (raise --timeout)`,
    );
  }
  return e;
}
