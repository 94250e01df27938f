// Fetching profiles from a live service with one-line, actionable failures.
// node:http/https directly (not global fetch) so that timeouts, error codes, truncation
// and redirects are under our control. Bytes are passed through untouched: pprof
// handlers gzip debug=0 output themselves, and we never ask for Content-Encoding.

import http from 'node:http';
import https from 'node:https';
import { UserError } from '../errors.js';
import { formatBytes, limit, limitHint, LIMIT_WHAT, type LimitKind } from '../lib/limits.js';
import { oneLine } from '../lib/text.js';

export interface FetchOptions {
  /**
   * The whole request's deadline, as Go's http.Client.Timeout: connecting, redirects, the
   * headers and the entire body must be done within it (a body that drips or never ends
   * fails at the deadline). For a CPU profile or trace the caller adds the capture length.
   * Default 30000.
   */
  timeoutMs?: number;
  /** What the body is, for its size cap (lib/limits.ts) and the hint when it is exceeded. Default 'profile'. */
  limit?: LimitKind;
  /** Largest body accepted; default: the cap of `limit`. */
  maxBytes?: number;
  /** Aborting rejects with `signal.reason` (not a UserError). */
  signal?: AbortSignal;
  /** Request headers to add or replace (e.g. Accept, Accept-Encoding for /metrics). */
  headers?: Record<string, string>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_REDIRECTS = 5;

export type FetchErrorCode =
  | 'REFUSED'
  | 'DNS'
  | 'TIMEOUT'
  | 'STALLED'
  | 'DEADLINE'
  | 'RESET'
  | 'UNREACHABLE'
  | 'TLS'
  | 'BAD_RESPONSE'
  | 'REDIRECTS'
  | 'TOO_LARGE'
  | 'TRUNCATED'
  | 'HTTP_STATUS'
  | 'NETWORK';

/** Any failure of fetchBytes/fetchStream that the user can cause or fix. */
export class FetchError extends UserError {
  /** The URL that failed (credentials redacted). */
  readonly url: string;
  readonly code: FetchErrorCode;
  constructor(url: string, code: FetchErrorCode, message: string) {
    super(message);
    this.name = 'FetchError';
    this.url = url;
    this.code = code;
  }
}

/** A non-2xx (non-redirect) response. */
export class HttpStatusError extends FetchError {
  readonly status: number;
  /** First non-empty line of the body, sanitised, at most 200 chars ("" if none). */
  readonly bodyLine: string;
  constructor(url: string, status: number, bodyLine: string, message: string) {
    super(url, 'HTTP_STATUS', message);
    this.name = 'HttpStatusError';
    this.status = status;
    this.bodyLine = bodyLine;
  }
}

/**
 * A 404. `reason`: 'unknown-profile' when net/http/pprof answered but does not know the
 * profile (e.g. /debug/pprof/goroutineleak without Go 1.26+ GOEXPERIMENT=goroutineleakprofile),
 * 'no-pprof' for a /debug/pprof/ path the service does not route to pprof at all,
 * 'not-found' for any other path.
 */
export class NotFoundError extends HttpStatusError {
  readonly reason: 'unknown-profile' | 'no-pprof' | 'not-found';
  constructor(url: string, reason: NotFoundError['reason'], bodyLine: string, message: string) {
    super(url, 404, bodyLine, message);
    this.name = 'NotFoundError';
    this.reason = reason;
  }
}

export function isNotFound(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError;
}

/**
 * Fetch a whole body into memory: at most the cap of `opts.limit` (a profile: 64 MiB by
 * default), so an endless body or a lying Content-Length costs that much at worst.
 */
export async function fetchBytes(url: URL, opts: FetchOptions = {}): Promise<Buffer> {
  const open = await openResponse(url, opts);
  const chunks = readBody(open, opts);
  const len = open.contentLength;
  if (len !== undefined) {
    // Content-Length was checked against the cap: preallocating it is bounded.
    const buf = Buffer.allocUnsafe(len);
    let off = 0;
    for await (const chunk of chunks) {
      // readBody guarantees the total never exceeds Content-Length.
      chunk.copy(buf, off);
      off += chunk.length;
    }
    return buf;
  }
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * Fetch with the body as a stream of chunks, for huge dumps. Status, redirect and
 * connection errors reject here; truncation, the deadline and size overruns throw from the
 * iteration. Iterate the result promptly (or break out of it) so the connection is released.
 */
export async function fetchStream(url: URL, opts: FetchOptions = {}): Promise<AsyncIterable<Buffer>> {
  const open = await openResponse(url, opts);
  return readBody(open, opts);
}

/** fetchStream with the response's headers and final URL (after redirects), for callers that read Content-Type. */
export async function fetchWithHeaders(
  url: URL,
  opts: FetchOptions = {},
): Promise<{ url: string; headers: http.IncomingHttpHeaders; body: AsyncIterable<Buffer> }> {
  const open = await openResponse(url, opts);
  return { url: open.shown, headers: open.res.headers, body: readBody(open, opts) };
}

// ---------------------------------------------------------------------------------------

interface Open {
  url: URL;
  shown: string;
  req: http.ClientRequest;
  res: http.IncomingMessage;
  contentLength?: number;
  /** Epoch ms by which the whole request must be done. */
  deadline: number;
  /** The whole request's time allowed, for messages. */
  timeoutMs: number;
  release(): void;
}

/** A sentinel passed to destroy() so we can tell our own timeouts from network errors. */
class Timeout extends Error {}

function capOf(opts: FetchOptions): { max: number; kind: LimitKind } {
  const kind = opts.limit ?? 'profile';
  return { max: opts.maxBytes ?? limit(kind), kind };
}

async function openResponse(url: URL, opts: FetchOptions): Promise<Open> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const cap = capOf(opts);
  const first = url;
  let current = url;
  for (let redirects = 0; ;) {
    const open = await requestOnce(current, sameOrigin(current, first) ? authOf(first) : undefined, deadline, timeoutMs, opts.signal, opts.headers);
    const { res } = open;
    const status = res.statusCode ?? 0;

    if (status === 301 || status === 302 || status === 303 || status === 307 || status === 308) {
      const location = res.headers.location;
      open.release();
      if (!location) {
        throw new FetchError(open.shown, 'BAD_RESPONSE', `${open.shown}: ${status} redirect without a Location header`);
      }
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new FetchError(open.shown, 'BAD_RESPONSE', `${open.shown}: ${status} redirect to an invalid URL "${oneLine(location, 100)}"`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new FetchError(open.shown, 'BAD_RESPONSE', `${open.shown}: redirected to unsupported URL ${display(next)}`);
      }
      if (redirects >= MAX_REDIRECTS) {
        const s = display(first);
        throw new FetchError(s, 'REDIRECTS', `${s}: too many redirects (more than ${MAX_REDIRECTS}; the last one to ${display(next)}): check the URL`);
      }
      redirects++;
      current = next;
      continue;
    }

    if (status < 200 || status >= 300) {
      const line = await firstBodyLine(open, Math.max(0, Math.min(deadline - Date.now(), 5000)));
      open.release();
      throw statusError(open.url, open.shown, status, line, res.headers);
    }

    const cl = res.headers['content-length'];
    if (cl !== undefined && /^\d+$/.test(cl)) {
      open.contentLength = Number(cl);
      if (open.contentLength > cap.max) {
        open.release();
        throw tooLarge(open.shown, cap.max, cap.kind, open.contentLength);
      }
    }
    return open;
  }
}

function requestOnce(
  url: URL,
  auth: string | undefined,
  deadline: number,
  timeoutMs: number,
  signal?: AbortSignal,
  extra?: Record<string, string>,
): Promise<Open> {
  const shown = display(url);
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port || undefined,
      path: url.pathname + url.search,
      method: 'GET',
      auth,
      headers: { 'User-Agent': 'goscope', Accept: '*/*', ...extra },
      // A fresh non-keep-alive agent: one connection per request, closed afterwards, so a
      // stale pooled socket can never fail a request and nothing keeps the process alive.
      agent: false,
      // Pinned at Node's default whatever --max-http-header-size says, so a header flood
      // fails at the 16 KiB that networkError's message names.
      maxHeaderSize: 16 * 1024,
    });
    const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => req.destroy(new Timeout()), Math.max(0, deadline - Date.now()));
    let settled = false;

    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (settled) return; // after the response, errors surface through the body reader
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason);
      else if (err instanceof Timeout) reject(new FetchError(shown, 'TIMEOUT', `${shown}: no response within ${seconds(timeoutMs)} (raise --timeout)`));
      else reject(networkError(url, shown, err));
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      settled = true;
      res.on('error', () => {}); // reported by the body reader
      resolve({
        url,
        shown,
        req,
        res,
        deadline,
        timeoutMs,
        release() {
          signal?.removeEventListener('abort', onAbort);
          res.destroy();
          req.destroy();
        },
      });
    });
    req.end();
  });
}

async function* readBody(open: Open, opts: FetchOptions): AsyncGenerator<Buffer, void, undefined> {
  const { res, shown, contentLength, deadline, timeoutMs } = open;
  const cap = capOf(opts);
  const it = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let received = 0;
  let lastData = Date.now();
  // One timer for the whole body: the request's deadline, whoever is slow (a drip, an
  // endless body, a stall, or a consumer that never finishes).
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      res.destroy(new Timeout());
    },
    Math.max(0, deadline - Date.now()),
  );
  try {
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        if (timedOut) throw overdue(shown, timeoutMs, received, Date.now() - lastData);
        throw truncated(shown, received, contentLength);
      }
      if (r.done) break;
      if (timedOut) throw overdue(shown, timeoutMs, received, Date.now() - lastData);
      const chunk = r.value;
      if (received + chunk.length > cap.max) throw tooLarge(shown, cap.max, cap.kind);
      if (contentLength !== undefined && received + chunk.length > contentLength) {
        throw new FetchError(shown, 'BAD_RESPONSE', `${shown}: the service sent more than its Content-Length of ${formatBytes(contentLength)}`);
      }
      received += chunk.length;
      lastData = Date.now();
      yield chunk;
    }
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (!res.complete || (contentLength !== undefined && received !== contentLength)) {
      throw timedOut ? overdue(shown, timeoutMs, received, Date.now() - lastData) : truncated(shown, received, contentLength);
    }
  } finally {
    clearTimeout(timer);
    open.release();
  }
}

/**
 * The deadline passed with the body unfinished: "stalled" when nothing came for most of
 * the time allowed, else the body is still arriving (a drip, or a body without end).
 */
function overdue(shown: string, timeoutMs: number, received: number, quietMs: number): FetchError {
  if (quietMs >= timeoutMs / 2) {
    return new FetchError(shown, 'STALLED', `${shown}: response stalled: no data for ${seconds(quietMs)} after ${formatBytes(received)} (raise --timeout)`);
  }
  return new FetchError(
    shown,
    'DEADLINE',
    `${shown}: response not complete within ${seconds(timeoutMs)}: ${formatBytes(received)} received and still arriving (the service sends too slowly or without end; raise --timeout if it is just slow)`,
  );
}

/** First non-empty line of an error body: at most 16 KiB read, tags and control chars removed, <= 200 chars. */
async function firstBodyLine(open: Open, timeoutMs: number): Promise<string> {
  const { res } = open;
  const parts: Buffer[] = [];
  let n = 0;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      res.off('data', onData);
      resolve();
    }
    function onData(chunk: Buffer) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= 16 * 1024) done();
    }
    res.on('data', onData);
    res.once('end', done);
    res.once('error', done);
    res.once('close', done);
  });
  let text = Buffer.concat(parts).toString('utf8');
  if (/html/i.test(String(open.res.headers['content-type'] ?? '')) || /^\s*<(!doctype|html)/i.test(text)) {
    text = text
      .replace(/<(script|style|title)[^>]*>[\s\S]*?<\/\1>/gi, '\n')
      .replace(/<[^>]*>/g, '\n')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
  for (const line of text.split(/\r?\n/)) {
    const clean = oneLine(line, 200);
    if (clean) return clean;
  }
  return '';
}

function statusError(url: URL, shown: string, status: number, line: string, headers: http.IncomingHttpHeaders): HttpStatusError {
  const text = http.STATUS_CODES[status] ?? 'HTTP error';
  if (status === 404) {
    const inPprof = /\/debug\/pprof(\/|$)/.test(url.pathname);
    if (inPprof && (headers['x-go-pprof'] !== undefined || /^unknown profile/i.test(line))) {
      const hint = /\/debug\/pprof\/goroutineleak$/.test(url.pathname)
        ? 'this service does not offer the goroutineleak profile (it needs Go 1.26+ built with GOEXPERIMENT=goroutineleakprofile)'
        : 'the service serves net/http/pprof but its Go runtime has no such profile (check the profile name)';
      return new NotFoundError(shown, 'unknown-profile', line, `${shown}: 404 Unknown profile: ${hint}`);
    }
    if (inPprof) {
      return new NotFoundError(
        shown,
        'no-pprof',
        line,
        `${shown}: 404 Not Found: the service does not serve net/http/pprof at this path (import _ "net/http/pprof" or mount pprof.Handler)`,
      );
    }
    return new NotFoundError(shown, 'not-found', line, `${shown}: 404 Not Found${line ? ': ' + line : ''}`);
  }
  return new HttpStatusError(shown, status, line, `${shown}: ${status} ${text}${line ? ': ' + line : ''}`);
}

function networkError(url: URL, shown: string, err: NodeJS.ErrnoException): FetchError {
  const code = String(err.code ?? '');
  const host = url.hostname;
  switch (code) {
    case 'ECONNREFUSED':
      return new FetchError(shown, 'REFUSED', `${shown}: connection refused: is the service running and listening on that address?`);
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'EAI_FAIL':
    case 'EAI_AGAIN':
      return new FetchError(shown, 'DNS', `${shown}: cannot resolve host "${host}" (${code}): check the host name or use an IP address`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new FetchError(
        shown,
        'RESET',
        `${shown}: the connection was closed before a response (${code}): is this the right port, and is the service healthy?`,
      );
    case 'ETIMEDOUT':
      return new FetchError(shown, 'TIMEOUT', `${shown}: connecting timed out: is the host reachable and the port open (firewall)?`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return new FetchError(shown, 'UNREACHABLE', `${shown}: host unreachable (${code}): check the address and your network`);
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new FetchError(shown, 'BAD_RESPONSE', `${shown}: the reply's headers are larger than 16 KiB: is this the right port and path?`);
  }
  if (code.startsWith('HPE_')) {
    return new FetchError(shown, 'BAD_RESPONSE', `${shown}: the reply is not valid HTTP (${code}): is this the right port (and http vs https)?`);
  }
  if (code.startsWith('CERT_') || code.startsWith('UNABLE_TO_') || code.includes('SELF_SIGNED') || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new FetchError(
      shown,
      'TLS',
      `${shown}: TLS certificate not trusted (${code}): set NODE_EXTRA_CA_CERTS=<ca.pem> to trust its CA, or use the matching host name`,
    );
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL') || /ssl|tls/i.test(err.message)) {
    return new FetchError(
      shown,
      'TLS',
      `${shown}: TLS handshake failed (${code || oneLine(err.message, 80)}): does the service really serve https? try http://`,
    );
  }
  return new FetchError(shown, 'NETWORK', `${shown}: request failed: ${code || oneLine(err.message, 120)}`);
}

function truncated(shown: string, received: number, contentLength: number | undefined): FetchError {
  const of = contentLength !== undefined ? ` of ${formatBytes(contentLength)}` : '';
  return new FetchError(
    shown,
    'TRUNCATED',
    `${shown}: response ended early after ${formatBytes(received)}${of}: the service closed the connection (retry; a short http.Server WriteTimeout can cut off large profiles)`,
  );
}

/** The body is larger than `kind` can be: refused (up front when Content-Length says so). */
export function tooLarge(shown: string, maxBytes: number, kind: LimitKind, announced?: number): FetchError {
  const size = announced !== undefined ? `announces ${formatBytes(announced)}, more than` : 'exceeds';
  return new FetchError(
    shown,
    'TOO_LARGE',
    `${shown}: response ${size} the ${formatBytes(maxBytes)} limit for ${LIMIT_WHAT[kind]}: stopped reading (is this the right endpoint? ${limitHint(kind, maxBytes)})`,
  );
}

// ---------------------------------------------------------------------------------------

/** The URL for messages, with any password redacted. */
export function display(url: URL): string {
  if (!url.password) return url.href;
  const u = new URL(url.href);
  u.password = '***';
  return u.href;
}

function authOf(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
}

function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
