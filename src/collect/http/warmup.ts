// One throw-away exchange with an in-process loopback server before the real request, so
// that V8 compiling goscope's client code and Node loading its socket internals (about
// 15 ms on a cold process) are not counted in the first request's phases. Go's client has
// no such start-up cost, and the probe comparison in the tests must not see one.
import { lookup } from 'node:dns';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { HttpClient } from './client.js';
import { lookupHostsFile } from './hosts.js';
import { H2Conn } from './h2conn.js';
import { HopTimer } from './timer.js';

const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok';

export async function warmUp(opts: { tls: boolean; h2c?: boolean }): Promise<void> {
  await warmH1();
  if (opts.tls) await warmTls().catch(() => {});
  if (opts.tls || opts.h2c) await warmH2().catch(() => {});
  // Let the warm-up's sockets and servers finish closing, so their events do not land
  // inside the real request's phases.
  await new Promise((resolve) => setTimeout(resolve, 10));
}

async function warmH1(): Promise<void> {
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    let seen = '';
    sock.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      while (seen.includes('\r\n\r\n')) {
        seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
        sock.write(RESPONSE);
      }
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    // The resolver's first call loads its machinery (NSS modules, libuv's thread pool).
    await new Promise<void>((resolve) => lookup('localhost', () => resolve()));
    lookupHostsFile('localhost');
    const client = new HttpClient({
      method: 'GET',
      url: new URL(`http://warmup.invalid:${port}/`),
      headers: [['traceparent', '']],
      body: null,
      keepAlive: true,
      maxRedirects: 0,
      timeouts: { connect: 1000, tls: 0, header: 1000, total: 2000 },
      capture: true,
      bodyCap: 1024,
      traceparent: true,
      failStatus: false,
      family: 0,
      resolve: new Map([[`warmup.invalid:${port}`, '127.0.0.1']]),
      insecure: false,
      ca: null,
      alpn: ['http/1.1'],
      h2c: false,
    });
    for (let i = 0; i < 3; i++) await client.send(i, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    client.close();
  } catch {
    // Warming up is an optimisation only.
  } finally {
    server.close();
  }
}

/** A TLS handshake with a pre-shared key (no certificate needed) loads Node's TLS layer and OpenSSL's state. */
async function warmTls(): Promise<void> {
  const key = Buffer.alloc(32, 7);
  const server = tls.createServer({ pskCallback: () => key, ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => {});
    s.end('ok');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => {
      const c = tls.connect({
        host: '127.0.0.1',
        port,
        pskCallback: () => ({ psk: key, identity: 'goscope' }),
        ciphers: 'PSK-AES128-GCM-SHA256',
        maxVersion: 'TLSv1.2',
        checkServerIdentity: () => undefined,
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      c.on('error', () => resolve());
      c.on('secureConnect', () => {
        c.getPeerCertificate();
        c.getCipher();
        c.getProtocol();
      });
      c.on('data', () => {});
      c.on('close', () => resolve());
    });
  } finally {
    server.close();
  }
}

/** Two requests on an HTTP/2 session (cleartext, to an in-process server) load node:http2's client paths. */
async function warmH2(): Promise<void> {
  const server = http2.createServer((_req, res) => res.end('ok'));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const conn = new H2Conn(0, socket, `http://127.0.0.1:${port}`, '', '', null, true);
    const url = new URL(`http://127.0.0.1:${port}/`);
    for (let i = 0; i < 2; i++) {
      await conn.exchange(
        {
          method: 'GET',
          url,
          headers: [
            ['Host', url.host],
            ['traceparent', ''],
          ],
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          body: null,
          template: null,
          captureHeads: true,
          keepHeaders: true,
          bodyCap: 16,
        },
        new HopTimer(),
        { wrote() {}, head() {} },
        { abort: null },
      );
    }
    conn.close();
  } finally {
    server.close();
  }
}
