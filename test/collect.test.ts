import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, writeFile, readFile, readdir, rm, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { resolveSource, profileUrl } from '../src/collect/source.js';
import { fetchBytes, fetchStream, FetchError, HttpStatusError, NotFoundError, isNotFound } from '../src/collect/fetch.js';
import { captureDir, saveCapture, saveCaptureStream, safeName, serviceLabel, timestamp } from '../src/collect/capture.js';
import { progress } from '../src/report/progress.js';
import { limit, parseSize } from '../src/lib/limits.js';
import { startHostile, type HostileServer } from './support/hostile.js';
import { UserError, UsageError } from '../src/errors.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'goscope-collect-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('resolveSource', () => {
  test('- is stdin', () => {
    assert.deepEqual(resolveSource('-'), { kind: 'stdin', input: '-' });
  });

  test('http base URL is a service', () => {
    for (const arg of ['http://127.0.0.1:6060', 'http://127.0.0.1:6060/', 'http://127.0.0.1:6060/debug/pprof', 'http://127.0.0.1:6060/debug/pprof/']) {
      const s = resolveSource(arg);
      assert.equal(s.kind, 'service', arg);
      assert.equal(s.input, arg);
      assert.equal(s.url?.href, 'http://127.0.0.1:6060/', arg);
    }
    assert.equal(resolveSource('https://example.com').url?.href, 'https://example.com/');
  });

  test('a prefix before /debug/pprof is kept', () => {
    const s = resolveSource('http://h:8080/admin/debug/pprof/');
    assert.equal(s.kind, 'service');
    assert.equal(s.url?.href, 'http://h:8080/admin');
    assert.equal(profileUrl(s, 'goroutine', { debug: '1' }).href, 'http://h:8080/admin/debug/pprof/goroutine?debug=1');
  });

  test('a full profile URL is a url', () => {
    const s = resolveSource('http://h:6060/debug/pprof/goroutine?debug=2');
    assert.equal(s.kind, 'url');
    assert.equal(s.url?.href, 'http://h:6060/debug/pprof/goroutine?debug=2');
    // other profiles of the same service can still be derived
    assert.equal(profileUrl(s, 'goroutineleak', { debug: '1' }).href, 'http://h:6060/debug/pprof/goroutineleak?debug=1');
    assert.throws(() => profileUrl(resolveSource('http://h:6060/metrics'), 'heap', {}), UsageError);
  });

  test('bare host:port forms', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1:6060', 'http://127.0.0.1:6060/'],
      ['localhost:8080', 'http://localhost:8080/'],
      ['[::1]:6060', 'http://[::1]:6060/'],
      [':6060', 'http://127.0.0.1:6060/'],
      ['localhost:6060/debug/pprof', 'http://localhost:6060/'],
    ];
    for (const [arg, href] of cases) {
      const s = resolveSource(arg);
      assert.equal(s.kind, 'service', arg);
      assert.equal(s.input, arg);
      assert.equal(s.url?.href, href, arg);
    }
    assert.equal(profileUrl(resolveSource('[::1]:6060'), 'heap', {}).href, 'http://[::1]:6060/debug/pprof/heap');
    const full = resolveSource('localhost:6060/debug/pprof/goroutine?debug=2');
    assert.equal(full.kind, 'url');
    assert.equal(full.url?.href, 'http://localhost:6060/debug/pprof/goroutine?debug=2');
  });

  test('profileUrl builds base + /debug/pprof/<profile>?params', () => {
    const s = resolveSource('http://127.0.0.1:6060');
    assert.equal(profileUrl(s, 'goroutine', { debug: '1' }).href, 'http://127.0.0.1:6060/debug/pprof/goroutine?debug=1');
    assert.equal(profileUrl(s, 'profile', { seconds: '5' }).href, 'http://127.0.0.1:6060/debug/pprof/profile?seconds=5');
    assert.equal(profileUrl(s, 'heap', {}).href, 'http://127.0.0.1:6060/debug/pprof/heap');
  });

  test('an existing file', async () => {
    const f = path.join(tmp, 'dump.txt');
    await writeFile(f, 'goroutine 1 [running]:\n');
    assert.deepEqual(resolveSource(f), { kind: 'file', input: f, path: f });
    assert.throws(() => profileUrl(resolveSource(f), 'heap', {}), UsageError);
  });

  test('a missing file is a one-line UserError naming it', () => {
    const f = path.join(tmp, 'nope.txt');
    assert.throws(
      () => resolveSource(f),
      (e: unknown) =>
        e instanceof UserError &&
        !(e instanceof UsageError) &&
        e.message === `${f}: no such file (give a file, '-' for stdin, or a service URL like http://127.0.0.1:6060)`,
    );
  });

  test('a directory is rejected', () => {
    assert.throws(
      () => resolveSource(tmp),
      (e: unknown) => e instanceof UserError && e.message.startsWith(`${tmp}: is a directory`),
    );
  });

  test('malformed URLs are UsageErrors naming the argument', () => {
    for (const arg of ['ftp://h/x', 'http://h:99999', 'http://h:0', '127.0.0.1:70000', 'http://', 'gopher://x']) {
      assert.throws(
        () => resolveSource(arg),
        (e: unknown) => e instanceof UsageError && e.exitCode === 2 && e.message.startsWith(arg + ':') && !e.message.includes('\n'),
        arg,
      );
    }
  });
});

// ---------------------------------------------------------------------------------------

describe('fetch', () => {
  let server: http.Server;
  let base: string;
  const sockets = new Set<Socket>();
  const BIG = 6 * 1024 * 1024;

  before(async () => {
    server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      switch (u.pathname) {
        case '/ok':
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('hello pprof');
          return;
        case '/gz': {
          // bytes must be passed through untouched, never decompressed
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip' });
          res.end(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
          return;
        }
        case '/debug/pprof/x':
          res.writeHead(404, { 'Content-Type': 'text/plain' });
          res.end('404 page not found\n');
          return;
        case '/debug/pprof/goroutineleak':
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Go-Pprof': '1' });
          res.end('Unknown profile\n');
          return;
        case '/elsewhere':
          res.writeHead(404);
          res.end();
          return;
        case '/fail':
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('\n  boom: ' + 'x'.repeat(300) + '\x1b[31m\nsecond line\n');
          return;
        case '/hang':
          return; // never answers
        case '/stall':
          res.writeHead(200, { 'Content-Length': '100' });
          res.write('x'.repeat(10)); // then nothing
          return;
        case '/trunc':
          res.writeHead(200, { 'Content-Length': '100000' });
          res.write('x'.repeat(1000), () => setTimeout(() => req.socket.destroy(), 20));
          return;
        case '/trunc-chunked':
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.write('goroutine 1 [running]:\n', () => setTimeout(() => req.socket.destroy(), 20));
          return;
        case '/big-cl':
          res.writeHead(200, { 'Content-Length': String(BIG) });
          res.end(Buffer.alloc(BIG, 0x61));
          return;
        case '/big-chunked': {
          res.writeHead(200);
          let left = BIG;
          const chunk = Buffer.alloc(64 * 1024, 0x62);
          const pump = () => {
            while (left > 0) {
              left -= chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          pump();
          return;
        }
        case '/redir':
          res.writeHead(302, { Location: '/ok' });
          res.end();
          return;
        case '/loop':
          res.writeHead(302, { Location: '/loop' });
          res.end();
          return;
        default:
          res.writeHead(418);
          res.end();
      }
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const u = (p: string) => new URL(base + p);

  async function rejects(p: Promise<unknown>, check: (e: FetchError) => void) {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof FetchError, `expected FetchError, got ${String(e)}`);
      assert.ok(e instanceof UserError);
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      check(e);
      return true;
    });
  }

  test('200 with body', async () => {
    assert.equal((await fetchBytes(u('/ok'))).toString(), 'hello pprof');
  });

  test('bytes pass through untouched (no auto-decompression)', async () => {
    assert.deepEqual([...(await fetchBytes(u('/gz')))], [0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]);
  });

  test('404 on a /debug/pprof path', async () => {
    const url = u('/debug/pprof/x');
    await rejects(fetchBytes(url), (e) => {
      assert.ok(e instanceof NotFoundError);
      assert.equal(e.reason, 'no-pprof');
      assert.equal(
        e.message,
        `${url.href}: 404 Not Found: the service does not serve net/http/pprof at this path (import _ "net/http/pprof" or mount pprof.Handler)`,
      );
    });
  });

  test('404 on goroutineleak is a distinguishable NotFoundError', async () => {
    const url = u('/debug/pprof/goroutineleak');
    await rejects(fetchBytes(url), (e) => {
      assert.ok(isNotFound(e));
      assert.equal(e.status, 404);
      assert.equal(e.reason, 'unknown-profile');
      assert.equal(
        e.message,
        `${url.href}: 404 Unknown profile: this service does not offer the goroutineleak profile (it needs Go 1.26+ built with GOEXPERIMENT=goroutineleakprofile)`,
      );
    });
    await rejects(fetchBytes(u('/elsewhere')), (e) => {
      assert.ok(isNotFound(e));
      assert.equal(e.reason, 'not-found');
      assert.equal(e.message, `${base}/elsewhere: 404 Not Found`);
    });
  });

  test('500 includes the status and the first body line, trimmed', async () => {
    await rejects(fetchBytes(u('/fail')), (e) => {
      assert.ok(e instanceof HttpStatusError);
      assert.ok(!(e instanceof NotFoundError));
      assert.equal(e.status, 500);
      assert.ok(e.message.startsWith(`${base}/fail: 500 Internal Server Error: boom: xxx`), e.message);
      assert.ok(e.bodyLine.length <= 200);
      assert.ok(!e.message.includes('\x1b'));
      assert.ok(!e.message.includes('second line'));
    });
  });

  test('a server that never answers times out', async () => {
    const t0 = Date.now();
    await rejects(fetchBytes(u('/hang'), { timeoutMs: 200 }), (e) => {
      assert.equal(e.code, 'TIMEOUT');
      assert.equal(e.message, `${base}/hang: no response within 0.2s (raise --timeout)`);
    });
    assert.ok(Date.now() - t0 < 2000);
  });

  test('a body that stops arriving is reported as stalled', async () => {
    await rejects(fetchBytes(u('/stall'), { timeoutMs: 200 }), (e) => {
      assert.equal(e.code, 'STALLED');
      // The deadline counts from the request: the 10 bytes came at once, then nothing.
      assert.match(e.message, /: response stalled: no data for 0\.[12]\d*s after 10 bytes \(raise --timeout\)$/);
    });
  });

  test('a socket destroyed mid-body is reported as truncated', async () => {
    await rejects(fetchBytes(u('/trunc')), (e) => {
      assert.equal(e.code, 'TRUNCATED');
      assert.match(e.message, /^http:\/\/127\.0\.0\.1:\d+\/trunc: response ended early after 1000 bytes of 97\.7 KiB: /);
    });
    await rejects(fetchBytes(u('/trunc-chunked')), (e) => {
      assert.equal(e.code, 'TRUNCATED');
      assert.match(e.message, /response ended early after 23 bytes: the service closed the connection/);
    });
  });

  test('connection refused', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const url = new URL(`http://127.0.0.1:${port}/debug/pprof/goroutine?debug=2`);
    await rejects(fetchBytes(url, { timeoutMs: 2000 }), (e) => {
      assert.equal(e.code, 'REFUSED');
      assert.equal(e.message, `${url.href}: connection refused: is the service running and listening on that address?`);
    });
  });

  test('maxBytes exceeded (Content-Length up front, and while streaming)', async () => {
    await rejects(fetchBytes(u('/big-cl'), { maxBytes: 1024 * 1024 }), (e) => {
      assert.equal(e.code, 'TOO_LARGE');
      assert.match(e.message, /\/big-cl: response announces 6 MiB, more than the 1 MiB limit for a profile: stopped reading/);
    });
    await rejects(fetchBytes(u('/big-chunked'), { maxBytes: 1024 * 1024 }), (e) => {
      assert.equal(e.code, 'TOO_LARGE');
    });
  });

  test('redirects are followed, loops are not', async () => {
    assert.equal((await fetchBytes(u('/redir'))).toString(), 'hello pprof');
    await rejects(fetchBytes(u('/loop')), (e) => {
      assert.equal(e.code, 'REDIRECTS');
      assert.ok(e.message.startsWith(`${base}/loop: too many redirects (more than 5`), e.message);
    });
  });

  test('fetchStream yields a multi-MB body in chunks', async () => {
    for (const p of ['/big-cl', '/big-chunked']) {
      const stream = await fetchStream(u(p));
      let total = 0;
      let chunks = 0;
      for await (const c of stream) {
        assert.ok(Buffer.isBuffer(c));
        total += c.length;
        chunks++;
      }
      assert.equal(total, BIG, p);
      assert.ok(chunks > 1, p);
    }
    // and fetchBytes gets the same bytes
    const all = await fetchBytes(u('/big-cl'));
    assert.equal(all.length, BIG);
    assert.equal(all[BIG - 1], 0x61);
  });

  test('fetchStream: status errors reject before streaming; breaking out releases the connection', async () => {
    await assert.rejects(fetchStream(u('/debug/pprof/x')), NotFoundError);
    const stream = await fetchStream(u('/big-chunked'));
    for await (const _ of stream) break;
  });

  test('an aborted signal rejects with its reason', async () => {
    const ac = new AbortController();
    const p = fetchBytes(u('/hang'), { signal: ac.signal, timeoutMs: 5000 });
    setTimeout(() => ac.abort(new Error('stop')), 50);
    await assert.rejects(p, { message: 'stop' });
  });

  describe('deadline and caps against a hostile service', () => {
    let h: HostileServer;
    before(async () => {
      h = await startHostile({ dripMs: 20, bombBytes: 1 << 20, lyingBytes: 2 << 20 });
    });
    after(() => h.close());
    const hu = (mode: Parameters<HostileServer['base']>[0], p = 'heap') => new URL(h.base(mode) + p);

    test('--timeout is the whole request: a drip that never stops fails at the deadline', async () => {
      const t0 = Date.now();
      await rejects(fetchBytes(hu('drip'), { timeoutMs: 1000 }), (e) => {
        // STALLED only if this process was starved of the CPU for half the deadline.
        if (e.code === 'STALLED') return assert.match(e.message, /response stalled: no data for [\d.]+s after [1-9]\d* bytes/);
        assert.equal(e.code, 'DEADLINE');
        assert.match(
          e.message,
          /^http:\/\/127\.0\.0\.1:\d+\/drip\/debug\/pprof\/heap: response not complete within 1s: \d+ bytes received and still arriving .*raise --timeout/,
        );
      });
      const took = Date.now() - t0;
      assert.ok(took >= 990 && took < 6000, `took ${took} ms`);
      // A streamed body is bound by the same deadline, whoever is slow.
      const t1 = Date.now();
      await rejects(
        (async () => {
          for await (const _ of await fetchStream(hu('drip'), { timeoutMs: 300 })) {
            // keep reading
          }
        })(),
        (e) => assert.ok(e.code === 'DEADLINE' || e.code === 'STALLED', e.code),
      );
      assert.ok(Date.now() - t1 < 5000);
    });

    test('size caps per kind: an endless body stops at the cap, a lying Content-Length is refused up front', async () => {
      await rejects(fetchBytes(hu('endless'), { maxBytes: 1 << 20 }), (e) => {
        assert.equal(e.code, 'TOO_LARGE');
        assert.match(
          e.message,
          /response exceeds the 1 MiB limit for a profile: stopped reading \(is this the right endpoint\? set GOSCOPE_MAX_PROFILE=2MiB to allow more\)$/,
        );
      });
      await rejects(fetchBytes(hu('endless', 'goroutine?debug=2'), { limit: 'dump', maxBytes: 1 << 20 }), (e) => {
        assert.match(e.message, /limit for a goroutine dump: .*GOSCOPE_MAX_DUMP=2MiB/);
      });
      const t0 = Date.now();
      await rejects(fetchBytes(hu('lyinghuge'), { timeoutMs: 10_000 }), (e) => {
        assert.equal(e.code, 'TOO_LARGE');
        assert.match(e.message, /response announces 1 TiB, more than the 64 MiB limit for a profile/);
      });
      assert.ok(Date.now() - t0 < 5000, 'refused from the headers, not at the deadline');
      // Under the cap, a lying Content-Length ends at the deadline with what came.
      await rejects(fetchBytes(hu('lying'), { timeoutMs: 300 }), (e) => assert.equal(e.code, 'STALLED'));
      assert.equal(limit('profile'), 64 * 1024 * 1024);
    });

    test('a body stopped for its size or at the deadline leaves no .partial; one the service cut short does', async () => {
      const dir = await mkdtemp(path.join(tmp, 'capped-'));
      await rejects(saveCaptureStream(dir, 'trace.out', await fetchStream(hu('endless', 'trace'), { limit: 'trace', maxBytes: 1 << 20 })), (e) =>
        assert.equal(e.code, 'TOO_LARGE'),
      );
      let code = '';
      await rejects(saveCaptureStream(dir, 'goroutines.txt', await fetchStream(hu('drip', 'goroutine'), { limit: 'dump', timeoutMs: 1000 })), (e) => {
        // A starved process may see a stall instead, whose bytes are kept as .partial.
        code = e.code;
        assert.ok(code === 'DEADLINE' || code === 'STALLED', code);
      });
      assert.deepEqual(await readdir(dir), code === 'DEADLINE' ? [] : ['goroutines.txt.partial']);
    });

    test('huge headers are one line', async () => {
      await rejects(fetchBytes(hu('bigheader')), (e) => assert.match(e.message, /the reply's headers are larger than 16 KiB/));
    });
  });

  test('sizes in GOSCOPE_MAX_* settings', () => {
    assert.equal(parseSize('1048576'), 1 << 20);
    assert.equal(parseSize('256MiB'), 256 * 1024 * 1024);
    assert.equal(parseSize('2g'), 2 * 1024 ** 3);
    assert.equal(parseSize('1.5GB'), 1.5e9);
    assert.equal(parseSize('lots'), undefined);
    assert.equal(parseSize('0'), undefined);
  });

  test('capturing a truncated stream keeps the partial bytes', async () => {
    const dir = await mkdtemp(path.join(tmp, 'partial-'));
    const stream = await fetchStream(u('/trunc'));
    await rejects(saveCaptureStream(dir, 'goroutine.txt', stream), (e) => {
      assert.equal(e.code, 'TRUNCATED');
      assert.match(e.message, /\(the 1000 bytes received were saved to .*goroutine\.txt\.partial\)$/);
    });
    assert.deepEqual(await readdir(dir), ['goroutine.txt.partial']);
    assert.equal((await readFile(path.join(dir, 'goroutine.txt.partial'))).length, 1000);
  });
});

// ---------------------------------------------------------------------------------------

describe('capture', () => {
  test('captureDir with an --out directory creates it', async () => {
    const out = path.join(tmp, 'out', 'nested');
    assert.equal(await captureDir(out), out);
    assert.equal(await captureDir(out), out); // existing is fine
    const file = path.join(tmp, 'afile');
    await writeFile(file, 'x');
    await assert.rejects(captureDir(file), (e: unknown) => e instanceof UserError && e.message.startsWith(file + ':'));
  });

  test('captureDir default: ./goscope-captures/<host_port>-<YYYYMMDD-HHMMSS>, unique', async () => {
    const cwd = process.cwd();
    const work = await mkdtemp(path.join(tmp, 'cwd-'));
    process.chdir(work);
    try {
      const when = new Date(2025, 0, 2, 3, 4, 5);
      const label = serviceLabel(new URL('http://127.0.0.1:6060/'));
      assert.equal(label, '127.0.0.1_6060');
      const a = await captureDir(undefined, label, when);
      const b = await captureDir(undefined, label, when);
      assert.equal(a, path.join('goscope-captures', '127.0.0.1_6060-20250102-030405'));
      assert.equal(b, a + '-2');
      assert.equal(serviceLabel(new URL('http://[::1]:6060')), 'ip6---1_6060');
      assert.equal(timestamp(when), '20250102-030405');
    } finally {
      process.chdir(cwd);
    }
  });

  test('saveCapture writes atomically and never overwrites', async () => {
    const dir = path.join(tmp, 'save');
    await mkdir(dir);
    const p1 = await saveCapture(dir, 'goroutine-debug2.txt', Buffer.from('one'));
    const p2 = await saveCapture(dir, 'goroutine-debug2.txt', Buffer.from('two'));
    assert.equal(p1, path.join(dir, 'goroutine-debug2.txt'));
    assert.equal(p2, path.join(dir, 'goroutine-debug2-2.txt'));
    assert.equal(await readFile(p1, 'utf8'), 'one');
    assert.equal(await readFile(p2, 'utf8'), 'two');
    const evil = await saveCapture(dir, '../../etc/passwd', Buffer.from('x'));
    assert.equal(path.dirname(evil), dir);
    assert.deepEqual((await readdir(dir)).sort(), ['etc_passwd', 'goroutine-debug2-2.txt', 'goroutine-debug2.txt']); // no temp files left
    await assert.rejects(
      saveCapture(path.join(tmp, 'missing-dir'), 'a.txt', Buffer.from('x')),
      (e: unknown) => e instanceof UserError && /cannot save capture: the directory does not exist/.test(e.message),
    );
  });

  test('safeName neutralises untrusted text', () => {
    assert.equal(safeName('../../etc/passwd'), 'etc_passwd');
    assert.equal(safeName('a\u0000b'), 'a_b');
    assert.equal(safeName('.hidden'), 'hidden');
    assert.equal(safeName('...'), 'unnamed');
    assert.equal(safeName(''), 'unnamed');
    assert.equal(safeName('goroutine-debug2.txt'), 'goroutine-debug2.txt');
    assert.equal(safeName('héllo wörld/é'), 'h_llo_w_rld_');
    assert.equal(safeName('CON'), '_CON');
    const long = safeName('x'.repeat(5000) + '.pb.gz');
    assert.ok(long.length <= 100, String(long.length));
    assert.ok(long.endsWith('.pb.gz'));
    assert.notEqual(long, safeName('x'.repeat(4999) + '.pb.gz')); // long names stay distinct
    for (const s of ['../../etc/passwd', '\u0000\u0000', 'a/b\\c:d*e?f"g<h>i|j', '\n\r\t', 'x'.repeat(300), '-rf', '..\\..\\win']) {
      const n = safeName(s);
      assert.match(n, /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/, JSON.stringify(s));
      assert.ok(!n.includes('..'));
    }
  });
});

// ---------------------------------------------------------------------------------------

describe('progress', () => {
  function fakeStream() {
    const writes: string[] = [];
    const stream = { columns: 40, isTTY: true, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream;
    return { writes, stream };
  }

  test('disabled: every call is a no-op', () => {
    const { writes, stream } = fakeStream();
    const p = progress({ enabled: false, stream });
    p.update('x');
    p.done('final');
    assert.deepEqual(writes, []);
  });

  test('enabled: redraws one line, throttled, cleared on done', async () => {
    const { writes, stream } = fakeStream();
    const p = progress({ enabled: true, stream });
    p.update('first');
    for (let i = 0; i < 100; i++) p.update(`step ${i}`);
    assert.deepEqual(writes, ['\r\x1b[2Kfirst']); // the rest is throttled
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(writes, ['\r\x1b[2Kfirst', '\r\x1b[2Kstep 99']); // latest text wins
    p.update('y'.repeat(200) + '\n\x1b[31m');
    p.done('fetched 3 profiles');
    p.update('ignored');
    assert.deepEqual(writes.slice(2), ['\r\x1b[2K', 'fetched 3 profiles\n']);
    const q = progress({ enabled: true, stream });
    q.update('z'.repeat(200));
    assert.ok(writes.at(-1)!.length <= '\r\x1b[2K'.length + 39);
    q.done();
  });
});
