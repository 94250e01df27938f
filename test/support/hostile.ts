// A service that misbehaves on purpose, for the tests (and bench/hostile.ts) that hold
// every command to one clear line, the right exit code, bounded time and memory, and
// nothing written outside the capture folder. The first path segment picks the
// behaviour, so one server serves them all and a service base URL is
// `${server.url}/<mode>` (pprof under `/<mode>/debug/pprof/`):
//
//   html        200 with an HTML login page (a proxy or SSO in front of the service)
//   status500   500 with a text body
//   redirect    302 to itself, for ever
//   noanswer    accepts the request and never answers
//   stall       sends the headers (200, chunked), then nothing
//   endless     200 with a body that never ends, as fast as the client reads
//   drip        200 with one byte every `dripMs` (default 1 s), never ending
//   bomb        200 with a small gzip stream that inflates to `bombBytes` of zeros
//   lying       200 with Content-Length `lyingBytes` (default 48 MiB, under the profile cap), 1 KiB sent, then silence
//   lyinghuge   200 with Content-Length 1 TiB, then silence
//   bigheader   200 with 64 KiB of headers
//   ok          what `serve` returns for the path (404 if nothing): real captures
//   xss         what `xss` returns for the path: real captures edited to carry HTML payloads
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGzip } from 'node:zlib';

export const HOSTILE_MODES = ['html', 'status500', 'redirect', 'noanswer', 'stall', 'endless', 'drip', 'bomb', 'lying', 'lyinghuge', 'bigheader'] as const;
export type HostileMode = (typeof HOSTILE_MODES)[number];

export interface HostileOptions {
  /** For `ok`: the body for a pprof path ("/debug/pprof/heap", with its query), or undefined for a 404. */
  serve?: (path: string, query: URLSearchParams) => Buffer | undefined;
  /** For `xss`: the same, with hostile content. */
  xss?: (path: string, query: URLSearchParams) => Buffer | undefined;
  /** Interval between the bytes of `drip` (default 1000 ms). */
  dripMs?: number;
  /** What `bomb` inflates to (default 1 GiB). */
  bombBytes?: number;
  /** The Content-Length `lying` announces (default 48 MiB: under the profile cap). */
  lyingBytes?: number;
}

export interface HostileServer {
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** The service URL of a mode, as a user would give it: `${url}/${mode}/debug/pprof/`. */
  base(mode: HostileMode | 'ok' | 'xss'): string;
  /** Every request's path, in order. */
  requests: string[];
  /** Requests whose response is still being written (a client that gave up closes it). */
  open(): number;
  close(): Promise<void>;
}

export const HTML_PAGE =
  '<!doctype html>\n<html><head><title>Sign in</title><script>var tracking = 1;</script></head>\n<body><h1>Please sign in to continue</h1><form method="post"><input name="user"></form></body></html>\n';

const bombs = new Map<number, Promise<Buffer>>();

/** gzip of `n` zero bytes, made as a stream (never `n` bytes in memory), cached per size. */
export function gzipBomb(n: number): Promise<Buffer> {
  let p = bombs.get(n);
  if (!p) {
    p = new Promise<Buffer>((resolve, reject) => {
      const gz = createGzip({ level: 9 });
      const out: Buffer[] = [];
      gz.on('data', (c: Buffer) => out.push(c));
      gz.on('end', () => resolve(Buffer.concat(out)));
      gz.on('error', reject);
      const zeros = Buffer.alloc(1 << 20);
      let left = n;
      const pump = (): void => {
        while (left > 0) {
          const c = left >= zeros.length ? zeros : zeros.subarray(0, left);
          left -= c.length;
          if (!gz.write(c)) {
            gz.once('drain', pump);
            return;
          }
        }
        gz.end();
      };
      pump();
    });
    bombs.set(n, p);
  }
  return p;
}

export async function startHostile(opts: HostileOptions = {}): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: string[] = [];
  let writing = 0;
  const dripMs = opts.dripMs ?? 1000;
  const bomb = await gzipBomb(opts.bombBytes ?? 1024 ** 3);

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push(u.pathname + u.search);
    const [, mode = '', ...rest] = u.pathname.split('/');
    const path = '/' + rest.join('/');
    res.on('error', () => {});
    writing++;
    res.once('close', () => writing--);
    switch (mode) {
      case 'html':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        return res.end(HTML_PAGE);
      case 'status500':
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        return res.end('internal error: database unavailable\n');
      case 'redirect':
        res.writeHead(302, { Location: u.pathname + u.search });
        return res.end();
      case 'noanswer':
        return; // the socket stays open until the client gives up
      case 'stall':
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.flushHeaders();
        return;
      case 'endless': {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 'goroutine 1 [running]:\n');
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return;
      }
      case 'drip': {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.flushHeaders();
        const t = setInterval(() => {
          if (res.destroyed) return stop();
          res.write('g');
        }, dripMs);
        const stop = (): void => {
          clearInterval(t);
          timers.delete(t);
        };
        timers.add(t);
        res.once('close', stop);
        return;
      }
      case 'bomb':
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bomb.length });
        return res.end(bomb);
      case 'lying':
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': opts.lyingBytes ?? 48 * 1024 * 1024 });
        res.write(Buffer.alloc(1024, 0x1f));
        return;
      case 'lyinghuge':
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 1024 ** 4 });
        res.flushHeaders();
        return;
      case 'bigheader':
        res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Padding': 'a'.repeat(64 * 1024) });
        return res.end('ok\n');
      case 'ok':
      case 'xss': {
        const body = (mode === 'ok' ? opts.serve : opts.xss)?.(path, u.searchParams);
        if (!body) {
          res.writeHead(404, { 'Content-Type': 'text/plain' });
          return res.end('404 page not found\n');
        }
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
        return res.end(body);
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return res.end('404 page not found\n');
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_e, s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    base: (mode) => `${url}/${mode}/debug/pprof/`,
    requests,
    open: () => writing,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
