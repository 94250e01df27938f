// An OTLP receiver: OTLP/HTTP (/v1/traces, /v1/logs, /v1/metrics; protobuf or JSON; gzip)
// on node:http and OTLP/gRPC (the three Export methods; gzip grpc-encoding) on node:http2
// cleartext. Every accepted request is appended to disk (store.ts) before it is answered.
//
// Bounds, so no exporter can make it run out of memory:
//   - a request body over `maxRequestBytes` (on the wire or once inflated) gets 413 /
//     RESOURCE_EXHAUSTED and is not read further;
//   - at most `maxInFlight` requests are read at once, and none while more than
//     `maxPendingBytes` wait to be written: the others get 429 with Retry-After /
//     RESOURCE_EXHAUSTED with a RetryInfo, which OTLP exporters retry.
// Status codes and bodies follow the OTLP spec: 200 (with partial_success when spans were
// rejected), 400 bad data, 404, 405, 413, 415, 429; errors carry a google.rpc.Status in the
// request's encoding.

import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { UserError } from '../../errors.js';
import { encodeExportResponse, encodeRpcStatus } from '../../formats/otlp/protobuf.js';
import { SIGNAL_KEYS, type Signal } from '../../formats/otlp/schema.js';
import { BadRequest, ingest, newSummaryState, type Encoding, type ReceiverSummaryState } from './ingest.js';
import { OtlpStore } from './store.js';

const gunzipAsync = promisify(gunzip);

export const DEFAULT_HTTP_LISTEN = '127.0.0.1:4318';
export const DEFAULT_GRPC_LISTEN = '127.0.0.1:4317';

export interface ReceiverOptions {
  /** host:port for OTLP/HTTP; null: none. */
  httpListen: string | null;
  /** host:port for OTLP/gRPC; null: none. */
  grpcListen: string | null;
  outDir: string;
  /** Largest request body, compressed or not (default 16 MiB; the collector's is 20 MiB). */
  maxRequestBytes?: number;
  /** Bytes waiting to be written beyond which requests are refused as overload (default 64 MiB). */
  maxPendingBytes?: number;
  /** Requests read at once (default 64). */
  maxInFlight?: number;
  /** Seconds an overloaded exporter is told to wait (default 1). */
  retryAfterS?: number;
}

export interface Receiver {
  httpAddress: string | null;
  grpcAddress: string | null;
  state: ReceiverSummaryState;
  store: OtlpStore;
  /** Stops listening, lets requests in progress finish (up to `graceMs`), flushes and closes the files. */
  close(graceMs?: number): Promise<void>;
}

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };
const GRPC_PATHS: Record<string, Signal> = {
  '/opentelemetry.proto.collector.trace.v1.TraceService/Export': 'traces',
  '/opentelemetry.proto.collector.logs.v1.LogsService/Export': 'logs',
  '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export': 'metrics',
};

// gRPC status codes used here.
const GRPC = { OK: 0, INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** "host:port", "[::1]:port" or ":port" (loopback) -> listen arguments. */
export function parseListen(s: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UserError(`${flag} ${JSON.stringify(s)}: expected HOST:PORT, e.g. 127.0.0.1:4318 or [::1]:4318`, 2);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function addr(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

function listenError(what: string, listen: string, e: NodeJS.ErrnoException): UserError {
  const why = e.code === 'EADDRINUSE' ? 'the address is in use (another collector or goscope?)' : e.code === 'EACCES' ? 'permission denied' : e.message;
  return new UserError(`${what} ${listen}: cannot listen: ${why} (choose another address)`);
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const maxRequest = opts.maxRequestBytes ?? 16 * 1024 * 1024;
  const maxPending = opts.maxPendingBytes ?? 64 * 1024 * 1024;
  const maxInFlight = opts.maxInFlight ?? 64;
  const retryAfterS = opts.retryAfterS ?? 1;
  const state = newSummaryState();
  const store = new OtlpStore(opts.outDir);
  let inFlight = 0;
  const idle: Array<() => void> = [];
  const done = (): void => {
    inFlight--;
    if (inFlight === 0) for (const f of idle.splice(0)) f();
  };
  const overloaded = (): boolean => inFlight >= maxInFlight || store.pendingBytes > maxPending;

  /** Inflates (capped), ingests, stores. Resolves with the partial_success to answer. */
  async function handle(signal: Signal, body: Buffer, gzip: boolean, enc: Encoding): Promise<{ rejected: number; errorMessage: string }> {
    let data = body;
    if (gzip) {
      try {
        data = await gunzipAsync(body, { maxOutputLength: maxRequest });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
          throw new TooLarge(`the inflated body exceeds ${maxRequest} bytes`);
        throw new BadRequest(`corrupt gzip body (${(e as Error).message})`);
      }
    }
    const r = ingest(signal, data, enc, state);
    await store.append(signal, r.line);
    state.counts.requests++;
    return { rejected: r.rejected, errorMessage: r.errorMessage };
  }

  // ---- OTLP/HTTP
  let httpServer: http.Server | null = null;
  let httpAddress: string | null = null;
  if (opts.httpListen !== null) {
    const { host, port } = parseListen(opts.httpListen, '--listen');
    httpServer = http.createServer((req, res) => {
      const signal = PATHS[(req.url ?? '').split('?')[0]!];
      const reply = (status: number, enc: Encoding, code: number, message: string, headers: Record<string, string> = {}): void => {
        const body = enc === 'json' ? Buffer.from(JSON.stringify({ code, message })) : encodeRpcStatus(code, message);
        if (!req.complete) headers.connection = 'close'; // the rest of the body is not read
        res.writeHead(status, { 'content-type': enc === 'json' ? 'application/json' : 'application/x-protobuf', ...headers }).end(body);
        if (!req.complete) req.resume();
      };
      const ctype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const enc: Encoding = ctype === 'application/json' ? 'json' : 'protobuf';
      if (!signal) return reply(404, enc, 5, `no OTLP endpoint at ${req.url}; use /v1/traces, /v1/logs or /v1/metrics`);
      if (req.method !== 'POST') return reply(405, enc, 12, 'OTLP/HTTP takes POST', { allow: 'POST' });
      if (ctype !== 'application/x-protobuf' && ctype !== 'application/json' && ctype !== 'application/protobuf') {
        return reply(415, 'json', 3, `unsupported content type ${JSON.stringify(ctype)}: use application/x-protobuf or application/json`);
      }
      const ce = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (ce !== 'gzip' && ce !== 'identity') return reply(415, enc, 3, `unsupported content encoding ${JSON.stringify(ce)}: use gzip or none`);
      const announced = Number(req.headers['content-length'] ?? NaN);
      if (announced > maxRequest) {
        state.counts.rejectedRequests++;
        return reply(413, enc, 8, `request body of ${announced} bytes exceeds ${maxRequest}`);
      }
      if (overloaded()) {
        state.counts.rejectedRequests++;
        return reply(429, enc, 14, 'goscope is overloaded: retry later', { 'retry-after': String(retryAfterS) });
      }
      inFlight++;
      const parts: Buffer[] = [];
      let n = 0;
      let finished = false;
      const finish = (): void => {
        if (!finished) {
          finished = true;
          done();
        }
      };
      req.on('data', (b: Buffer) => {
        if (finished) return;
        n += b.length;
        state.counts.bytes += b.length;
        if (n > maxRequest) {
          finish();
          state.counts.rejectedRequests++;
          reply(413, enc, 8, `request body exceeds ${maxRequest} bytes`);
          parts.length = 0;
          return;
        }
        parts.push(b);
      });
      req.on('error', finish);
      res.on('close', finish);
      req.on('end', () => {
        if (finished) return;
        handle(signal, Buffer.concat(parts, n), ce === 'gzip', enc).then(
          ({ rejected, errorMessage }) => {
            const key = SIGNAL_KEYS[signal].rejected;
            const body =
              enc === 'json'
                ? Buffer.from(JSON.stringify(rejected || errorMessage ? { partialSuccess: { [key]: String(rejected), errorMessage } } : {}))
                : encodeExportResponse(rejected, errorMessage);
            res.writeHead(200, { 'content-type': enc === 'json' ? 'application/json' : 'application/x-protobuf' }).end(body);
            finish();
          },
          (e: unknown) => {
            state.counts.rejectedRequests++;
            if (e instanceof TooLarge) reply(413, enc, 8, e.message);
            else if (e instanceof BadRequest) reply(400, enc, 3, `bad OTLP ${signal} request: ${e.message}`);
            else reply(503, enc, 14, `goscope could not store the request: ${(e as Error).message}`, { 'retry-after': String(retryAfterS) });
            finish();
          },
        );
      });
    });
    httpServer.maxHeadersCount = 200;
    httpAddress = await listen(httpServer, host, port, 'OTLP/HTTP', opts.httpListen);
  }

  // ---- OTLP/gRPC
  let grpcServer: http2.Http2Server | null = null;
  let grpcAddress: string | null = null;
  const sessions = new Set<http2.ServerHttp2Session>();
  if (opts.grpcListen !== null) {
    const { host, port } = parseListen(opts.grpcListen, '--grpc-listen');
    grpcServer = http2.createServer({ maxSessionMemory: 64, settings: { maxConcurrentStreams: 100 } });
    grpcServer.on('session', (s) => {
      sessions.add(s);
      s.on('close', () => sessions.delete(s));
      s.on('error', () => {});
    });
    grpcServer.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      const fail = (code: number, message: string, retry?: number): void => {
        if (stream.destroyed || stream.closed) return;
        const h: http2.OutgoingHttpHeaders = {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': String(code),
          'grpc-message': encodeURIComponent(message),
        };
        if (retry !== undefined)
          h['grpc-status-details-bin'] = Buffer.from(encodeRpcStatus(code, message, retry))
            .toString('base64')
            .replace(/=+$/, '');
        if (!stream.headersSent) stream.respond(h, { endStream: true });
        else stream.close(http2.constants.NGHTTP2_CANCEL);
      };
      const signal = GRPC_PATHS[String(headers[':path'] ?? '')];
      if (!signal) return fail(GRPC.UNIMPLEMENTED, `unknown method ${String(headers[':path'])}`);
      const ctype = String(headers['content-type'] ?? '');
      if (!ctype.startsWith('application/grpc')) {
        stream.respond({ ':status': 415 }, { endStream: true });
        return;
      }
      const genc = String(headers['grpc-encoding'] ?? 'identity');
      if (overloaded()) {
        state.counts.rejectedRequests++;
        return fail(GRPC.RESOURCE_EXHAUSTED, 'goscope is overloaded: retry later', retryAfterS);
      }
      inFlight++;
      let finished = false;
      const finish = (): void => {
        if (!finished) {
          finished = true;
          done();
        }
      };
      stream.on('close', finish);
      const parts: Buffer[] = [];
      let n = 0;
      stream.on('data', (b: Buffer) => {
        if (finished) return;
        n += b.length;
        state.counts.bytes += b.length;
        if (n > maxRequest + 5) {
          state.counts.rejectedRequests++;
          fail(GRPC.RESOURCE_EXHAUSTED, `request message exceeds ${maxRequest} bytes`);
          finish();
          return;
        }
        parts.push(b);
      });
      stream.on('end', () => {
        if (finished) return;
        const buf = Buffer.concat(parts, n);
        if (buf.length < 5 || buf.readUInt32BE(1) !== buf.length - 5) {
          state.counts.rejectedRequests++;
          fail(GRPC.INVALID_ARGUMENT, 'expected exactly one length-prefixed gRPC message');
          return finish();
        }
        const compressed = buf[0] === 1;
        if (compressed && genc !== 'gzip') {
          state.counts.rejectedRequests++;
          fail(GRPC.UNIMPLEMENTED, `grpc-encoding ${genc} is not supported: use gzip or identity`);
          return finish();
        }
        handle(signal, buf.subarray(5), compressed, 'protobuf').then(
          ({ rejected, errorMessage }) => {
            if (stream.destroyed) return finish();
            const msg = encodeExportResponse(rejected, errorMessage);
            const frame = Buffer.alloc(5 + msg.length);
            frame.writeUInt32BE(msg.length, 1);
            frame.set(msg, 5);
            stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'gzip,identity' }, { waitForTrailers: true });
            stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GRPC.OK) }));
            stream.end(frame);
            finish();
          },
          (e: unknown) => {
            state.counts.rejectedRequests++;
            if (e instanceof TooLarge) fail(GRPC.RESOURCE_EXHAUSTED, e.message);
            else if (e instanceof BadRequest) fail(GRPC.INVALID_ARGUMENT, `bad OTLP ${signal} request: ${e.message}`);
            else fail(GRPC.UNAVAILABLE, `goscope could not store the request: ${(e as Error).message}`);
            finish();
          },
        );
      });
    });
    try {
      grpcAddress = await listen(grpcServer, host, port, 'OTLP/gRPC', opts.grpcListen);
    } catch (e) {
      httpServer?.close();
      throw e;
    }
  }

  return {
    httpAddress,
    grpcAddress,
    state,
    store,
    async close(graceMs = 5000) {
      httpServer?.close();
      grpcServer?.close();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, graceMs);
          idle.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      httpServer?.closeAllConnections();
      for (const s of sessions) s.destroy();
      await store.close();
    },
  };
}

class TooLarge extends Error {}

function listen(server: http.Server | http2.Http2Server, host: string, port: number, what: string, shown: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => reject(listenError(what, shown, e));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(addr(server.address() as AddressInfo));
    });
  });
}
