// HTTP/2 (negotiated with ALPN, or h2c with prior knowledge) on one session from node:http2. Requests take turns on it
// like on an HTTP/1.1 connection, so -c C still means C connections. GotFirstResponseByte
// is the arrival of the response HEADERS frame; WroteRequest is when the request's
// frames are queued on the session (Node reports no earlier or later point).
import http2 from 'node:http2';
import type net from 'node:net';
import type { TlsFacts } from '../../formats/http/exchange.js';
import type { HeaderList } from '../../formats/http/h1.js';
import { BodyCapture, type Conn, type ExchangeHooks, type InResponse, type OutRequest } from './conn.js';
import type { Interrupt } from './dial.js';
import { fail, fromSystemError, type ExchangeFailed } from './failure.js';
import { now, type HopTimer } from './timer.js';

/** Connection-specific fields that HTTP/2 forbids (RFC 9113 8.2.2); Host becomes :authority. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

export class H2Conn implements Conn {
  readonly protocol = 'HTTP/2';
  idleSince = 0;

  get tls(): TlsFacts | null {
    return this.tlsFacts?.() ?? null;
  }
  private dead = false;
  private busy = false;
  private readonly session: http2.ClientHttp2Session;
  /** h2c: HTTP/2 with prior knowledge, no TLS. */
  private readonly plain: boolean;

  constructor(
    readonly id: number,
    socket: net.Socket,
    authority: string,
    readonly remote: string,
    readonly local: string,
    private readonly tlsFacts: (() => TlsFacts | null) | null,
    private readonly keepAlive: boolean,
  ) {
    this.plain = authority.startsWith('http:');
    this.session = http2.connect(authority, { createConnection: () => socket });
    this.session.on('error', () => {
      this.dead = true;
    });
    this.session.on('goaway', () => {
      this.dead = true;
    });
    this.session.on('close', () => {
      this.dead = true;
    });
  }

  usable(): boolean {
    return !this.dead && this.keepAlive && !this.busy && !this.session.destroyed && !this.session.closed;
  }

  close(): void {
    this.dead = true;
    this.session.destroy();
  }

  exchange(req: OutRequest, t: HopTimer, hooks: ExchangeHooks, intr: Interrupt): Promise<InResponse> {
    const what = `${req.method} ${req.url.href}`;
    return new Promise<InResponse>((resolve, reject) => {
      const headers: http2.OutgoingHttpHeaders = {
        ':method': req.method,
        ':scheme': req.url.protocol === 'http:' ? 'http' : 'https',
        ':authority': req.url.host,
        ':path': (req.url.pathname || '/') + req.url.search,
      };
      const sent: HeaderList = [];
      for (const [n, value] of req.headers) {
        const name = n.toLowerCase();
        const v = name === 'traceparent' && value === '' ? req.traceparent : value;
        if (DROPPED.has(name)) continue;
        const prev = headers[name];
        headers[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
        sent.push([name, v]);
      }
      const dump = req.captureHeads
        ? [':method: ' + req.method, `:scheme: ${headers[':scheme']}`, ':authority: ' + req.url.host, ':path: ' + headers[':path']]
            .concat(sent.map(([n, v]) => `${n}: ${v}`))
            .join('\r\n') + '\r\n\r\n'
        : null;
      let settled = false;
      this.busy = true;
      const done = (err: ExchangeFailed | null, res?: InResponse) => {
        if (settled) return;
        settled = true;
        this.busy = false;
        intr.abort = null;
        if (err) reject(err);
        else resolve(res!);
      };
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.session.request(headers, { endStream: !req.body || req.body.length === 0 });
      } catch (e) {
        this.dead = true;
        done(fromSystemError(what, 'requestWrite', e as NodeJS.ErrnoException, this.remote));
        return;
      }
      intr.abort = (err) => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        done(err);
      };
      const capture = req.bodyCap > 0 ? new BodyCapture(req.bodyCap) : null;
      let status = 0;
      let resHeaders: HeaderList = [];
      let responseDump = '';
      let bytes = 0;
      const wrote = () => {
        if (Number.isNaN(t.wrote)) t.wrote = now();
        hooks.wrote();
      };
      // Without a body the HEADERS frame is queued by request() itself; Node emits 'ready'
      // only once the session flushes, which can be after the response.
      if (req.body && req.body.length > 0) stream.end(req.body, wrote);
      else wrote();
      stream.on('headers', (h: http2.IncomingHttpHeaders) => {
        // 1xx informational responses.
        if (Number.isNaN(t.firstByte)) t.firstByte = now();
        if (req.captureHeads) responseDump += dumpHead(h);
      });
      stream.on('response', (h: http2.IncomingHttpHeaders) => {
        if (Number.isNaN(t.firstByte)) t.firstByte = now();
        if (Number.isNaN(t.wrote)) t.wrote = t.firstByte;
        status = Number(h[':status']);
        resHeaders = headerList(h);
        if (req.captureHeads) responseDump += dumpHead(h);
        hooks.head();
      });
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        capture?.add(chunk, 0, chunk.length);
      });
      stream.on('end', () => {
        // Ended without a response head: 'close' reports it (with the reset code).
        if (!status) return;
        t.end = now();
        this.idleSince = t.end;
        if (!this.keepAlive) this.close();
        done(null, {
          protocol: 'HTTP/2',
          status,
          reason: '',
          headers: resHeaders,
          bodyBytes: bytes,
          body: capture?.result() ?? null,
          bodyTruncated: capture?.truncated ?? false,
          requestDump: dump,
          responseDump: req.captureHeads ? responseDump : null,
        });
      });
      stream.on('error', (err: NodeJS.ErrnoException) => {
        this.dead = this.dead || this.session.destroyed;
        done(fromSystemError(what, t.phase(), err, this.remote));
      });
      stream.on('close', () => {
        if (settled) return;
        const code = stream.rstCode;
        if (status)
          done(fail('truncated', 'transfer', `${what}: the HTTP/2 stream was reset after ${bytes} body bytes (RST_STREAM code ${code})`, `H2_${code}`));
        else if (this.plain)
          done(
            fail(
              'protocol',
              t.phase(),
              `${what}: no HTTP/2 response (the stream was closed, code ${code}): does the server speak HTTP/2 without TLS? drop --http2-prior-knowledge`,
              `H2_${code}`,
            ),
          );
        else done(fail('reset', t.phase(), `${what}: the HTTP/2 stream was closed without a response (RST_STREAM code ${code})`, `H2_${code}`));
      });
    });
  }
}

function headerList(h: http2.IncomingHttpHeaders): HeaderList {
  const out: HeaderList = [];
  for (const [n, v] of Object.entries(h)) {
    if (n.startsWith(':') || v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push([n, x]);
    else out.push([n, String(v)]);
  }
  return out;
}

function dumpHead(h: http2.IncomingHttpHeaders): string {
  let s = `HTTP/2 ${h[':status']}\r\n`;
  for (const [n, v] of headerList(h)) s += `${n}: ${v}\r\n`;
  return s + '\r\n';
}
