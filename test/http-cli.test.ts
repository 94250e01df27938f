// goscope http end to end against the demo service: output, JSON, connection reuse, load
// percentiles, each timeout named with its phase, --slo exit codes, trace context,
// --dump, --echo-diff through a real reverse proxy, redirects, bodies and bad input.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { needGo, startDemo, type Demo } from './support/go.js';
import { goscope } from './support/cli.js';

let demo: Demo;
const port = (u: string) => new URL(u).port;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function json(args: string[], code = 0): Promise<Json> {
  const r = await goscope(['http', ...args, '--json'], { timeoutMs: 60_000 });
  assert.equal(r.code, code, r.stderr);
  return JSON.parse(r.stdout);
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one error line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
  return lines[0]!;
}

describe('goscope http', { skip: needGo, timeout: 300_000 }, () => {
  before(async () => {
    demo = await startDemo({ tls: true, stall: true });
  });
  after(async () => demo?.stop());

  test('one request: verdict, trace-id, waterfall; JSON phases and connection facts', async () => {
    const url = `http://localhost:${port(demo.url)}/delay?ms=120`;
    const r = await goscope(['http', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^200 OK in \d+ms: server processing took 1\d\dms \(\d+%\)$/m);
    assert.match(r.stdout, /^trace-id [0-9a-f]{32} /m);
    assert.match(r.stdout, /DNS Lookup\s+TCP Connection\s+Server Processing\s+Content Transfer/);
    assert.match(r.stdout, /total:\d/);
    const j = await json([url]);
    assert.equal(j.schema, 'goscope.http/v1');
    assert.deepEqual(Object.keys(j.phases), ['dns', 'connect', 'tls', 'requestWrite', 'serverProcessing', 'transfer', 'ttfb', 'total']);
    assert.equal(j.phases.tls, null);
    assert.ok(j.phases.dns !== null, 'localhost is looked up');
    assert.ok(j.phases.serverProcessing >= 120);
    assert.equal(j.connection.reused, false);
    assert.equal(j.connection.protocol, 'HTTP/1.1');
    assert.match(j.connection.remote, /^127\.0\.0\.1:\d+$/);
    assert.match(j.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(j.traceId, j.traceparent.slice(3, 35));
  });

  test('the traceparent arrives; a given one, tracestate and baggage pass through unchanged', async () => {
    const j = await json([`${demo.url}/echo`, '-o', '/dev/null']);
    const tp = (await json([`${demo.url}/echo`, '--echo-diff'])).echoDiff;
    assert.equal(tp.traceContext.verdict, 'intact');
    assert.equal(j.status, 200);
    const given = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const e = await json([`${demo.url}/echo`, '--echo-diff', '--traceparent', given, '--tracestate', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', '-H', 'baggage: userId=alice']);
    assert.equal(e.traceparent, given);
    assert.equal(e.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    const byName = Object.fromEntries(e.echoDiff.changes.map((c: Json) => [c.name, c]));
    assert.equal(byName.traceparent.received, given);
    assert.equal(byName.tracestate.change, 'unchanged');
    assert.equal(byName.baggage.received, 'userId=alice');
    assert.ok(e.echoDiff.changes.every((c: Json) => c.change === 'unchanged'), JSON.stringify(e.echoDiff.changes));
  });

  test('--echo-diff through the demo gateway: added, dropped and changed headers', async () => {
    const r = await goscope(['http', `${demo.url}/via/echo`, '--echo-diff', '-H', 'X-Debug-Token: secret', '-H', 'X-Forwarded-For: 10.0.0.1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}- x-debug-token\s+dropped\s+secret$/m);
    assert.match(r.stdout, /^ {2}~ user-agent\s+changed\s+goscope\/\S+ -> demo-gateway\/1 \(\+goscope\/\S+\)$/m);
    assert.match(r.stdout, /^ {2}~ x-forwarded-for\s+changed\s+10\.0\.0\.1 -> 10\.0\.0\.1, 127\.0\.0\.1$/m);
    assert.match(r.stdout, /^ {2}\+ x-request-id\s+added\s+[0-9a-f]{16}$/m);
    assert.match(r.stdout, /^ {2}\+ x-forwarded-proto\s+added\s+http$/m);
    assert.match(r.stdout, /^trace context: intact/m);
    const bad = await goscope(['http', `${demo.url}/healthz`, '--echo-diff']);
    assert.equal(bad.code, 0);
    assert.match(bad.stdout, /--echo-diff: the response body is not JSON; --echo-diff needs an endpoint that echoes/);
  });

  test('--dump shows the request as sent and the response head as received', async () => {
    const r = await goscope(['http', `${demo.url}/status?code=418`, '--dump', '-H', 'X-Test: 1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^> GET \/status\?code=418 HTTP\/1\.1$/m);
    assert.match(r.stdout, new RegExp(`^> Host: 127\\.0\\.0\\.1:${port(demo.url)}$`, 'm'));
    assert.match(r.stdout, /^> traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-01$/m);
    assert.match(r.stdout, /^> X-Test: 1$/m);
    assert.match(r.stdout, /^< HTTP\/1\.1 418 I'm a teapot$/m);
    assert.match(r.stdout, /^< Content-Length: \d+$/m);
  });

  test('HTTPS: HTTP/2 via ALPN with TLS facts; --http1.1; an untrusted certificate fails with a hint', async () => {
    const url = `https://localhost:${port(demo.httpsUrl!)}/healthz`;
    const j = await json([url, '--cacert', demo.certFile!]);
    assert.equal(j.protocol, 'HTTP/2');
    assert.equal(j.tls.alpn, 'h2');
    assert.match(j.tls.version, /^TLSv1\.[23]$/);
    assert.ok(j.tls.cipher.length > 0);
    assert.equal(j.tls.subject, 'CN=goscope-demo');
    assert.ok(j.tls.altNames.includes('DNS:localhost'));
    assert.ok(j.tls.expiresInDays > 2.9 && j.tls.expiresInDays <= 3, String(j.tls.expiresInDays));
    assert.equal(j.tls.verified, true);
    assert.ok(j.phases.tls > 0);
    const h1 = await json([url, '--cacert', demo.certFile!, '--http1.1']);
    assert.equal(h1.protocol, 'HTTP/1.1');
    assert.equal(h1.tls.alpn, 'http/1.1');
    const bad = await goscope(['http', url]);
    assert.equal(bad.code, 1);
    assert.match(oneLine(bad.stderr), /^goscope: GET https:\/\/localhost:\d+\/healthz: TLS certificate not trusted: the certificate is self-signed .*--cacert FILE.* -k/);
    const k = await json([url, '-k']);
    assert.equal(k.tls.verified, false);
    assert.equal(k.status, 200);
    // --resolve: the certificate's other name, no DNS lookup.
    const res = await json([`https://demo.goscope.test:${port(demo.httpsUrl!)}/healthz`, '--cacert', demo.certFile!, '--resolve', `demo.goscope.test:${port(demo.httpsUrl!)}:127.0.0.1`]);
    assert.equal(res.phases.dns, null);
    assert.equal(res.status, 200);
  });

  test('-n/-c: percentiles, histogram, reuse; --no-keepalive opens one connection per request', async () => {
    const j = await json([`${demo.url}/delay?ms=15`, '-n', '40', '-c', '4']);
    assert.equal(j.mode, 'load');
    assert.equal(j.requests, 40);
    assert.equal(j.failed, 0);
    assert.deepEqual(j.statuses, { 200: 40 });
    assert.equal(j.connections.opened, 4);
    assert.equal(j.connections.reusedRequests, 36);
    assert.equal(j.phases.total.count, 40);
    assert.equal(j.phases.connect.count, 4);
    assert.ok(j.phases.serverProcessing.p50 >= 15);
    assert.ok(j.phases.total.p50 <= j.phases.total.p90 && j.phases.total.p90 <= j.phases.total.p99 && j.phases.total.p99 <= j.phases.total.max);
    assert.equal(j.histogram.reduce((a: number, b: Json) => a + b.count, 0), 40);
    assert.equal(j.slowest.length, 5);
    assert.match(j.slowest[0].traceId, /^[0-9a-f]{32}$/);
    const nk = await json([`${demo.url}/healthz`, '-n', '12', '-c', '3', '--no-keepalive']);
    assert.equal(nk.connections.opened, 12);
    assert.equal(nk.connections.reusedRequests, 0);
    const h2 = await json([`https://127.0.0.1:${port(demo.httpsUrl!)}/healthz`, '-k', '-n', '10', '-c', '2']);
    assert.deepEqual(h2.protocols, { 'HTTP/2': 10 });
    assert.equal(h2.connections.opened, 2);
    // Worker threads (used for long runs against remote services) fill the same columns.
    const threaded = await goscope(['http', `${demo.url}/delay?ms=2`, '-n', '300', '-c', '4', '--json'], { env: { GOSCOPE_THREADS: '2' } });
    assert.equal(threaded.code, 0, threaded.stderr);
    const tj = JSON.parse(threaded.stdout);
    assert.equal(tj.requests, 300);
    assert.equal(tj.completed, 300);
    assert.deepEqual(tj.statuses, { 200: 300 });
    assert.equal(tj.connections.opened, 4);
    assert.equal(tj.connections.reusedRequests, 296);
    assert.equal(tj.phases.total.count, 300);
    assert.ok(tj.phases.serverProcessing.min >= 2);
    assert.equal(tj.histogram.reduce((a: number, b: Json) => a + b.count, 0), 300);
    assert.ok(tj.slowest.every((x: Json) => /^[0-9a-f]{32}$/.test(x.traceId) && x.traceId !== '0'.repeat(32)));
    const text = await goscope(['http', `${demo.url}/healthz`, '-n', '20', '-c', '2']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^GET http:\/\/127\.0\.0\.1:\d+\/healthz: 20 requests over 2 connections in .+ req\/s$/m);
    assert.match(text.stdout, /^phase\s+min\s+p50\s+p90\s+p99\s+max\s+requests$/m);
    assert.match(text.stdout, /^connections: 2 opened, 18 requests on reused connections \(90\.0%\)$/m);
  });

  // Every timeout over each transport: HTTP/1.1 and HTTP/2, plain (h2c) and TLS. Over TLS
  // the request write is timed by the socket's write callback; it used to wait for a
  // 'drain' that never came, so --header-timeout never fired over HTTPS + HTTP/1.1.
  const transports: { name: string; proto: string; tls: boolean; base: () => string; args: () => string[] }[] = [
    { name: 'HTTP/1.1', proto: 'HTTP/1.1', tls: false, base: () => `http://localhost:${port(demo.url)}`, args: () => [] },
    { name: 'HTTP/2 without TLS (h2c)', proto: 'HTTP/2', tls: false, base: () => `http://localhost:${port(demo.url)}`, args: () => ['--http2-prior-knowledge'] },
    { name: 'HTTPS HTTP/1.1', proto: 'HTTP/1.1', tls: true, base: () => `https://localhost:${port(demo.httpsUrl!)}`, args: () => ['--cacert', demo.certFile!, '--http1.1'] },
    { name: 'HTTPS HTTP/2', proto: 'HTTP/2', tls: true, base: () => `https://localhost:${port(demo.httpsUrl!)}`, args: () => ['--cacert', demo.certFile!] },
  ];
  for (const tr of transports) {
    test(`every timeout over ${tr.name}`, async () => {
      const scheme = tr.tls ? 'https' : 'http';
      const connect = await goscope(['http', `${scheme}://${demo.stallAddr}/`, ...tr.args(), '--connect-timeout', '300ms']);
      assert.equal(connect.code, 1, connect.stderr);
      assert.match(oneLine(connect.stderr), /--connect-timeout 300ms fired during TCP connect, \d+ms into it$/);
      if (tr.tls) {
        const hs = `hs-800.slow.goscope.test:${port(demo.httpsUrl!)}`;
        const tls = await goscope(['http', `https://${hs}/`, ...tr.args(), '--resolve', `${hs}:127.0.0.1`, '--tls-timeout', '200ms']);
        assert.equal(tls.code, 1, tls.stderr);
        assert.match(oneLine(tls.stderr), /--tls-timeout 200ms fired during TLS handshake, \d+ms into it; before it: connect [\d.]+ms$/);
      }
      const header = await json([`${tr.base()}/delay?ms=3000`, ...tr.args(), '--header-timeout', '200ms'], 1);
      assert.equal(header.protocol, tr.proto);
      assert.equal(header.error.timeout, 'header', header.error.message);
      assert.equal(header.error.phase, 'serverProcessing');
      const before = tr.tls ? 'dns [\\d.]+ms, connect [\\d.]+ms, tls [\\d.]+ms, request write [\\d.]+ms' : 'dns [\\d.]+ms, connect [\\d.]+ms, request write [\\d.]+ms';
      assert.match(header.error.message, new RegExp(`--header-timeout 200ms fired during server processing \\(waiting for the response headers\\), \\d+ms into it; before it: ${before}$`));
      assert.ok(header.phases.connect !== null && header.phases.serverProcessing === null);
      assert.ok(header.phases.requestWrite < 100, `request write ${header.phases.requestWrite} ms`);
      if (tr.tls) assert.equal(header.tls.subject, 'CN=goscope-demo', 'the certificate facts survive the timeout');
      const total = await goscope(['http', `${tr.base()}/slowbody?ms=3000&chunks=30`, ...tr.args(), '--timeout', '400ms']);
      assert.equal(total.code, 1, total.stderr);
      assert.match(oneLine(total.stderr), /--timeout 400ms fired during content transfer \(reading the body\), \d+ms into it; before it: dns [\d.]+ms, connect [\d.]+ms, .*request write [\d.]+ms, server processing [\d.]+ms \(trace-id [0-9a-f]{32}\)$/);
      // Load mode on one reused connection: the same timing, and no listener piling up on it.
      const load = await goscope(['http', `${tr.base()}/delay?ms=2`, ...tr.args(), '-n', '30', '--header-timeout', '2s', '--json']);
      assert.equal(load.code, 0, load.stderr);
      assert.equal(load.stderr, '', 'nothing on stderr (no MaxListenersExceededWarning)');
      const lj = JSON.parse(load.stdout);
      assert.deepEqual(lj.protocols, { [tr.proto]: 30 });
      assert.ok(lj.phases.requestWrite.p50 < lj.phases.serverProcessing.p50, `request write ${lj.phases.requestWrite.p50} < server processing ${lj.phases.serverProcessing.p50}`);
    });
  }

  test('--slo: exit 4 on a breached bound, 0 when met; an errors rule decides about failures', async () => {
    const breach = await goscope(['http', `${demo.url}/delay?ms=30`, '-n', '6', '-c', '2', '--slo', 'total=10ms,ttfb.p50=5s']);
    assert.equal(breach.code, 4, breach.stderr);
    assert.match(breach.stdout, /^ {2}FAIL\s+total p99\s+\d+\.?\d*ms <= 10\.0ms$/m);
    assert.match(breach.stdout, /^ {2}ok\s+ttfb p50\s+/m);
    const met = await json([`${demo.url}/healthz`, '-n', '4', '--slo', 'total.max=5s']);
    assert.equal(met.slo[0].pass, true);
    const refused = `http://${demo.stallAddr!.replace(/:\d+$/, ':1')}/`;
    assert.equal((await goscope(['http', refused, '-n', '2'])).code, 1);
    assert.equal((await goscope(['http', refused, '-n', '2', '--slo', 'errors=100%'])).code, 0);
    assert.equal((await goscope(['http', refused, '-n', '2', '--slo', 'errors=0'])).code, 4);
    const usage = await goscope(['http', demo.url, '--slo', 'latency=1s']);
    assert.equal(usage.code, 2);
    assert.match(oneLine(usage.stderr), /--slo: unknown metric "latency"/);
  });

  test('-L follows redirects; -d sends a body; -o saves the body', async () => {
    const no = await json([`${demo.url}/redirect?n=2`]);
    assert.equal(no.status, 302);
    const yes = await json([`${demo.url}/redirect?n=2&to=/healthz`, '-L']);
    assert.equal(yes.status, 200);
    assert.equal(yes.redirects.length, 3);
    assert.ok(yes.phases.total >= yes.redirects.reduce((a: number, h: Json) => a + h.phases.transfer, 0));
    // Go's rule: a POST redirected by 302 arrives as a GET without its body.
    const echoed = path.join(os.tmpdir(), `goscope-http-echo-${process.pid}.json`);
    try {
      const r = await json([`${demo.url}/redirect?n=1&to=/echo`, '-L', '-d', 'a=1', '-o', echoed]);
      assert.equal(r.redirects[0].method, 'POST');
      const seen = JSON.parse(readFileSync(echoed, 'utf8'));
      assert.equal(seen.method, 'GET');
      assert.equal(seen.bodyBytes, 0);
      assert.ok(!seen.headers.some(([n]: [string]) => /^content-/i.test(n)), JSON.stringify(seen.headers));
    } finally {
      rmSync(echoed, { force: true });
    }
    const post = await json([`${demo.url}/echo`, '-d', 'hello=world', '--echo-diff']);
    const ct = post.echoDiff.changes.find((c: Json) => c.name === 'content-type');
    assert.equal(ct.received, 'application/x-www-form-urlencoded');
    const out = path.join(os.tmpdir(), `goscope-http-body-${process.pid}.bin`);
    try {
      const saved = await json([`${demo.url}/bytes?kb=3`, '-o', out]);
      assert.equal(saved.response.bodyBytes, 3072);
      assert.equal(readFileSync(out).length, 3072);
    } finally {
      rmSync(out, { force: true });
    }
  });

  test('bad input: one clear line each', async () => {
    const cases: [string[], number, RegExp][] = [
      [['http://exa mple/'], 2, /is not a valid URL/],
      [['ftp://127.0.0.1/'], 2, /ftp: URLs are not supported/],
      [[`http://${demo.stallAddr!.replace(/:\d+$/, ':1')}/`], 1, /connection refused by 127\.0\.0\.1:1: is the service running/],
      [[`http://no-such-host.invalid/`], 1, /cannot resolve "no-such-host\.invalid"/],
      [[demo.url, '--traceparent', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'], 2, /not a valid W3C traceparent: trace-id must be lowercase hex/],
      [[demo.url, '-H', 'traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01'], 2, /trace-id is all zeros/],
      [[demo.url, '-H', 'no colon'], 2, /is not "Name: value"/],
      [[demo.url, '-n', '0'], 2, /expected an integer >= 1/],
      [[demo.url, '-6'], 1, /"127\.0\.0\.1" has no IPv6 address .*drop -6/],
      [[`http://localhost:${port(demo.url)}/healthz`, '-4'], 0, /./],
      [[`https://${new URL(demo.url).host}/`], 1, /TLS handshake with 127\.0\.0\.1:\d+ failed .*try http:\/\//],
      [[`http://${new URL(demo.httpsUrl!).host}/`], 0, /./],
    ];
    for (const [args, code, re] of cases) {
      const r = await goscope(['http', ...args]);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      if (code !== 0) assert.match(oneLine(r.stderr), re, args.join(' '));
    }
  });
});
