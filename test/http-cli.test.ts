// goscope http end to end against the demo service: output, JSON, connection reuse, load
// percentiles, each timeout named with its phase, --slo exit codes, trace context,
// --dump, --echo-diff through a real reverse proxy, redirects, bodies and bad input.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { needGo, repoRoot, startDemo, type Demo } from './support/go.js';
import { goscope } from './support/cli.js';
import { cpuQuota } from './support/cpu-quota.js';

let demo: Demo;
const port = (u: string) => new URL(u).port;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** How many requests the demo has served on `route` (its /stats). */
async function routeCount(route: string): Promise<number> {
  const r = await fetch(`${demo.url}/stats`);
  const j = (await r.json()) as { requests: Record<string, number> };
  return j.requests[route] ?? 0;
}

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
    const e = await json([
      `${demo.url}/echo`,
      '--echo-diff',
      '--traceparent',
      given,
      '--tracestate',
      'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
      '-H',
      'baggage: userId=alice',
    ]);
    assert.equal(e.traceparent, given);
    assert.equal(e.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    const byName = Object.fromEntries(e.echoDiff.changes.map((c: Json) => [c.name, c]));
    assert.equal(byName.traceparent.received, given);
    assert.equal(byName.tracestate.change, 'unchanged');
    assert.equal(byName.baggage.received, 'userId=alice');
    assert.ok(
      e.echoDiff.changes.every((c: Json) => c.change === 'unchanged'),
      JSON.stringify(e.echoDiff.changes),
    );
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
    assert.match(
      oneLine(bad.stderr),
      /^goscope: GET https:\/\/localhost:\d+\/healthz: TLS certificate not trusted: the certificate is self-signed .*--cacert FILE.* -k/,
    );
    const k = await json([url, '-k']);
    assert.equal(k.tls.verified, false);
    assert.equal(k.status, 200);
    // --resolve: the certificate's other name, no DNS lookup.
    const res = await json([
      `https://demo.goscope.test:${port(demo.httpsUrl!)}/healthz`,
      '--cacert',
      demo.certFile!,
      '--resolve',
      `demo.goscope.test:${port(demo.httpsUrl!)}:127.0.0.1`,
    ]);
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
    assert.equal(
      j.histogram.reduce((a: number, b: Json) => a + b.count, 0),
      40,
    );
    assert.equal(j.slowest.length, 5);
    assert.match(j.slowest[0].traceId, /^[0-9a-f]{32}$/);
    assert.equal(j.client.threads, 1);
    if (process.platform === 'linux') {
      const c = j.client;
      assert.ok(c.cpuWaitMs >= 0 && c.onCpuMs > 0 && c.stoppedMs >= 0 && c.machineStealMs >= 0, JSON.stringify(c));
      assert.ok(c.connectHeldUpMaxMs >= 0 && Number.isInteger(c.connectsHeldUp), JSON.stringify(c));
      // -c 4: four connects; the slowest one's time split adds up to it (the reads sit just outside the stamps).
      const sc = c.slowestConnect;
      assert.equal(sc.ms, j.phases.connect.max);
      const sum = sc.onCpuMs + sc.cpuWaitMs + sc.stoppedMs + sc.eventLoopIdleMs;
      assert.ok(sum >= sc.ms - 0.002 && sum <= sc.ms + 1, JSON.stringify(sc));
    }
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
    assert.equal(tj.client.threads, 2);
    assert.equal(tj.phases.total.count, 300);
    assert.ok(tj.phases.serverProcessing.min >= 2);
    assert.equal(
      tj.histogram.reduce((a: number, b: Json) => a + b.count, 0),
      300,
    );
    assert.ok(tj.slowest.every((x: Json) => /^[0-9a-f]{32}$/.test(x.traceId) && x.traceId !== '0'.repeat(32)));
    const text = await goscope(['http', `${demo.url}/healthz`, '-n', '20', '-c', '2']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^GET http:\/\/127\.0\.0\.1:\d+\/healthz: 20 requests over 2 connections in .+ req\/s$/m);
    assert.match(text.stdout, /^phase\s+min\s+p50\s+p90\s+p99\s+max\s+requests$/m);
    assert.match(text.stdout, /^connections: 2 opened, 18 requests on reused connections \(90\.0%\)$/m);
  });

  // A container's CPU limit, as a pod's: goscope may use 20% of one CPU, and a closed loop
  // to /healthz wants all of one, so it spends most of the run throttled, waiting for a
  // CPU. The report says so instead of blaming the service.
  test('a CPU-starved client (a CPU quota): goscope says how long it waited for a CPU', async (t) => {
    if (process.platform !== 'linux') return t.skip('schedstat is Linux only');
    const quota = cpuQuota(20);
    if (typeof quota === 'string') return t.skip(quota);
    try {
      const r = await goscope(['http', `${demo.url}/healthz`, '-z', '1s', '-c', '8'], { timeoutMs: 60_000, cgroupProcs: quota.procs });
      assert.equal(r.code, 0, r.stderr);
      const m =
        /^goscope was held up: it waited (\S+) for a CPU \((\d+)% of the run, (\S+) at a time on average\)( and was stopped for \S+( \(the hypervisor took \S+ of this machine's CPU time meanwhile\))?)?(; \d+ tcp connects? (was|were) held up 1 ms or more \(up to \S+\))?\. A busy machine or a CPU quota(, or [^:]+)?: latencies of that size may be the client's, not the service's$/m.exec(
          r.stdout,
        );
      assert.ok(m, r.stdout);
      t.diagnostic(m[0]);
      // 20% granted of the ~100% it wants: about 80% of the run waiting.
      assert.ok(Number(m[2]) >= 40, `waited ${m[1]}, ${m[2]}% of the run`);
    } finally {
      quota.close();
    }
  });

  // A process stopped from outside (SIGSTOP, then SIGCONT) is neither on a CPU, nor waiting
  // for one, nor idle: what a hypervisor does to a virtual CPU it gives to another machine.
  test('a client stopped from outside now and then: goscope says how long it was stopped', async (t) => {
    if (process.platform !== 'linux') return t.skip('schedstat is Linux only');
    let stops = 0;
    let stoppedMs = 0;
    let done = false;
    const r = await goscope(['http', `${demo.url}/delay?ms=5`, '-z', '1s', '-c', '8'], {
      timeoutMs: 60_000,
      onSpawn: (child) => {
        // 10 ms stopped in every 40 ms or so, for as long as the process lives. Timers of
        // both processes fire on the same kernel ticks, so each stop starts after a random
        // 0-3 ms spin: otherwise the stops land in step with goscope's own wake-ups.
        void (async () => {
          while (!done && child.exitCode === null && child.signalCode === null) {
            await new Promise((resolve) => setTimeout(resolve, 30));
            const at = performance.now() + Math.random() * 3;
            while (performance.now() < at);
            if (done || !child.kill('SIGSTOP')) break;
            const t0 = performance.now();
            await new Promise((resolve) => setTimeout(resolve, 10));
            child.kill('SIGCONT');
            stops++;
            stoppedMs += performance.now() - t0;
          }
        })();
      },
    }).finally(() => (done = true));
    assert.equal(r.code, 0, r.stderr);
    const seen = `${stops} stops, ${stoppedMs.toFixed(0)} ms in all`;
    const note = /^goscope was held up: it (.*)$/m.exec(r.stdout);
    assert.ok(note, `${seen}:\n${r.stdout}`);
    t.diagnostic(`${seen}: ${note[0]}`);
    // Where a stop lands decides what it reads as (one during the event loop's poll may read
    // as idle), and on a busy machine the wait for a CPU after a wake-up counts as idle and as
    // waiting at once: the stopped time left is a lower bound. Never more than the stops.
    const stoppedFor = /was stopped for (\d+(?:\.\d+)?)(ms|s)\b/.exec(note[1]!);
    const told = stoppedFor ? parseFloat(stoppedFor[1]!) * (stoppedFor[2] === 's' ? 1000 : 1) : null;
    if (told !== null) assert.ok(told <= stoppedMs + 5, `${seen}: ${note[0]}`);
    const busy = /^waited \S+ for a CPU \((\d+)% of the run/.exec(note[1]!);
    if (busy && Number(busy[1]) >= 5) {
      // Waits of 5% of the run or more: the busy machine is what the note must name.
      assert.match(note[1]!, /\. A busy machine or a CPU quota\b/);
      return t.diagnostic(`a busy machine (waits ${busy[1]}% of the run): the lower bound is not checked`);
    }
    // A quiet machine: the note is about the stops alone, and 50-90% of them are seen.
    assert.match(
      note[0],
      /^goscope was held up: it was stopped for \S+( \(the hypervisor took \S+ of this machine's CPU time meanwhile\))?(; \d+ tcp connects? (?:was|were) held up 1 ms or more \(up to \S+\))?\. A (?:stopped or blocked process|host busy with other machines): latencies of that size may be the client's, not the service's$/,
    );
    assert.ok(told !== null && told >= 0.2 * stoppedMs, `${seen}: ${note[0]}`);
  });

  // Every timeout over each transport: HTTP/1.1 and HTTP/2, plain (h2c) and TLS. Over TLS
  // the request write is timed by the socket's write callback; it used to wait for a
  // 'drain' that never came, so --header-timeout never fired over HTTPS + HTTP/1.1.
  const transports: { name: string; proto: string; tls: boolean; base: () => string; args: () => string[] }[] = [
    { name: 'HTTP/1.1', proto: 'HTTP/1.1', tls: false, base: () => `http://localhost:${port(demo.url)}`, args: () => [] },
    {
      name: 'HTTP/2 without TLS (h2c)',
      proto: 'HTTP/2',
      tls: false,
      base: () => `http://localhost:${port(demo.url)}`,
      args: () => ['--http2-prior-knowledge'],
    },
    {
      name: 'HTTPS HTTP/1.1',
      proto: 'HTTP/1.1',
      tls: true,
      base: () => `https://localhost:${port(demo.httpsUrl!)}`,
      args: () => ['--cacert', demo.certFile!, '--http1.1'],
    },
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
      const before = tr.tls
        ? 'dns [\\d.]+ms, connect [\\d.]+ms, tls [\\d.]+ms, request write [\\d.]+ms'
        : 'dns [\\d.]+ms, connect [\\d.]+ms, request write [\\d.]+ms';
      assert.match(
        header.error.message,
        new RegExp(`--header-timeout 200ms fired during server processing \\(waiting for the response headers\\), \\d+ms into it; before it: ${before}$`),
      );
      assert.ok(header.phases.connect !== null && header.phases.serverProcessing === null);
      assert.ok(header.phases.requestWrite < 100, `request write ${header.phases.requestWrite} ms`);
      if (tr.tls) assert.equal(header.tls.subject, 'CN=goscope-demo', 'the certificate facts survive the timeout');
      const total = await goscope(['http', `${tr.base()}/slowbody?ms=3000&chunks=30`, ...tr.args(), '--timeout', '400ms']);
      assert.equal(total.code, 1, total.stderr);
      assert.match(
        oneLine(total.stderr),
        /--timeout 400ms fired during content transfer \(reading the body\), \d+ms into it; before it: dns [\d.]+ms, connect [\d.]+ms, .*request write [\d.]+ms, server processing [\d.]+ms \(trace-id [0-9a-f]{32}\)$/,
      );
      // Load mode on one reused connection: the same timing, and no listener piling up on it.
      const load = await goscope(['http', `${tr.base()}/delay?ms=2`, ...tr.args(), '-n', '30', '--header-timeout', '2s', '--json']);
      assert.equal(load.code, 0, load.stderr);
      assert.equal(load.stderr, '', 'nothing on stderr (no MaxListenersExceededWarning)');
      const lj = JSON.parse(load.stdout);
      assert.deepEqual(lj.protocols, { [tr.proto]: 30 });
      assert.ok(
        lj.phases.requestWrite.p50 < lj.phases.serverProcessing.p50,
        `request write ${lj.phases.requestWrite.p50} < server processing ${lj.phases.serverProcessing.p50}`,
      );
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

  test('statuses: a run of 5xx is never "no errors"; status rules; --fail makes 4xx/5xx failures', async () => {
    const url502 = `${demo.url}/status?code=502`;
    const plain = await goscope(['http', url502, '-n', '20', '-c', '2', '--slo', 'errors=0']);
    assert.equal(plain.code, 0, 'nothing failed, and errors counts failures only');
    assert.match(plain.stdout, /^20 of 20 responses 5xx \(server errors\); status 502 x20; HTTP\/1\.1$/m);
    assert.doesNotMatch(plain.stdout, /no errors/);
    assert.match(plain.stdout, /errors counts requests that got no response; 20 of 20 responses were 5xx: add status5xx=0 \(or --fail\) to count them/);
    const rule = await goscope(['http', url502, '-n', '20', '-c', '2', '--slo', 'errors=0,status5xx=0,status>=500=50%']);
    assert.equal(rule.code, 4, rule.stderr);
    assert.match(rule.stdout, /^ {2}FAIL\s+status 5xx \(count\)\s+20 <= 0$/m);
    assert.match(rule.stdout, /^ {2}FAIL\s+status >=500 \(rate\)\s+100\.00% <= 50%$/m);
    const j = await json([url502, '-n', '20', '-c', '2', '--fail'], 1);
    assert.equal(j.failed, 20);
    assert.deepEqual(j.statusClasses, { '5xx': 20 });
    assert.equal(j.errors[0].key, 'status 502');
    assert.equal(j.errors[0].count, 20);
    assert.match(j.errors[0].example, /the server answered 502 Bad Gateway \(--fail\)$/);
    assert.equal(j.errors[0].traceIds.length, 3);
    assert.equal((await goscope(['http', url502, '-n', '4', '--fail', '--slo', 'errors=100%'])).code, 0);
    const fours = await goscope(['http', `${demo.url}/status?code=404`, '-n', '4']);
    assert.equal(fours.code, 0);
    assert.match(fours.stdout, /^4 of 4 responses 4xx \(client errors\); status 404 x4/m);
    const ok = await goscope(['http', `${demo.url}/healthz`, '-n', '4']);
    assert.match(ok.stdout, /^no errors; status 200 x4/m);
    // One request: curl's --fail, over HTTP/1.1 and HTTP/2 (which has no reason phrase).
    const one = await goscope(['http', `${demo.url}/status?code=503`, '--fail']);
    assert.equal(one.code, 1);
    assert.match(
      oneLine(one.stderr),
      /^goscope: GET http:\/\/127\.0\.0\.1:\d+\/status\?code=503: the server answered 503 Service Unavailable \(--fail\) \(trace-id [0-9a-f]{32}\)$/,
    );
    assert.equal((await goscope(['http', `${demo.url}/status?code=503`])).code, 0, 'without --fail an HTTP error status is an answer, as with curl');
    const h2 = await json([`https://localhost:${port(demo.httpsUrl!)}/status?code=503`, '--cacert', demo.certFile!, '--fail'], 1);
    assert.equal(h2.protocol, 'HTTP/2');
    assert.equal(h2.error.kind, 'status');
    assert.match(h2.error.message, /the server answered 503 Service Unavailable \(--fail\)$/);
    assert.equal(h2.phases.total > 0, true, 'the exchange is complete and timed');
  });

  test("-H 'traceparent:' sends none; a bad -H traceparent is blamed on -H", async () => {
    const e = await json([`${demo.url}/echo`, '-H', 'traceparent:', '--echo-diff']);
    assert.equal(e.traceparent, null);
    assert.equal(e.traceId, null);
    assert.equal(e.echoDiff.traceContext.verdict, 'not-sent');
    assert.ok(!e.echoDiff.changes.some((c: Json) => c.name === 'traceparent'), JSON.stringify(e.echoDiff.changes));
    const h2c = await json([`${demo.url}/echo`, '--http2-prior-knowledge', '-H', 'traceparent:', '--echo-diff']);
    assert.equal(h2c.protocol, 'HTTP/2');
    assert.equal(h2c.echoDiff.traceContext.verdict, 'not-sent');
    const text = await goscope(['http', `${demo.url}/healthz`, '-H', 'traceparent:']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^no traceparent sent \(-H 'traceparent:'\)$/m);
    const load = await json([`${demo.url}/echo`, '-n', '10', '-c', '2', '-H', 'traceparent:']);
    assert.equal(load.completed, 10);
    assert.ok(load.slowest.every((x: Json) => x.traceId === null));
    const bad = await goscope(['http', demo.url, '-H', 'traceparent: 00-zz']);
    assert.equal(bad.code, 2);
    assert.match(oneLine(bad.stderr), /^goscope: -H traceparent: "00-zz" is not a valid W3C traceparent: /);
    const both = await goscope(['http', demo.url, '-H', 'traceparent:', '--traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']);
    assert.equal(both.code, 2);
    assert.match(oneLine(both.stderr), /give the traceparent one way/);
  });

  test('-z runs for a time (-n still caps it); worker threads grow the columns too', async () => {
    const z = await json([`${demo.url}/delay?ms=5`, '-z', '1s', '-c', '2']);
    assert.equal(z.durationMs, 1000);
    assert.equal(z.timeUp, true);
    assert.equal(z.failed, 0);
    assert.ok(z.requests >= 10, String(z.requests));
    assert.equal(z.phases.total.count, z.requests);
    assert.ok(z.elapsedMs >= 1000 && z.elapsedMs < 10_000, String(z.elapsedMs));
    const capped = await json([`${demo.url}/delay?ms=5`, '-z', '30s', '-n', '7', '-c', '2']);
    assert.equal(capped.requests, 7);
    assert.equal(capped.timeUp, false);
    const threaded = await goscope(['http', `${demo.url}/delay?ms=2`, '-z', '1s', '-c', '4', '--json'], { env: { GOSCOPE_THREADS: '2' } });
    assert.equal(threaded.code, 0, threaded.stderr);
    const tj = JSON.parse(threaded.stdout);
    assert.equal(tj.timeUp, true);
    assert.equal(tj.completed, tj.requests);
    assert.equal(tj.phases.total.count, tj.requests);
    assert.equal(tj.statuses['200'], tj.requests);
    const text = await goscope(['http', `${demo.url}/healthz`, '-z', '300ms']);
    assert.match(text.stdout, /^GET http:\/\/127\.0\.0\.1:\d+\/healthz: \d+ requests over 1 connection in [\d.]+m?s \(-z 300ms\), \d+ req\/s$/m);
    for (const [args, re] of [
      [['-z', 'soon'], /^goscope: -z: "soon" is not a duration/],
      [['-q', '10'], /^goscope: -q: say for how long: -z DURATION \(or -n N requests\)$/],
      [['-q', 'fast', '-n', '3'], /^goscope: -q: "fast" is not a rate/],
      [['-q', '100000', '-z', '1h'], /at most 2000000 per run/],
      [['-z', '1s', '--dump'], /--dump: shows one request; drop -z/],
      [['-o', '-'], /^goscope: -o -: the report is written to stdout; give -o a file name/],
    ] as const) {
      const r = await goscope(['http', demo.url, ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(oneLine(r.stderr), re);
    }
  });

  test('-q: an open loop; latency counts from the scheduled time, so queueing shows', async () => {
    // 30 requests due over 0.6 s; the server holds each 100 ms and 2 connections serve 20/s,
    // so the schedule falls behind by up to ~0.8 s. A closed loop never sees that.
    const url = `${demo.url}/delay?ms=100`;
    const open = await json([url, '-q', '50', '-n', '30', '-c', '2']);
    assert.equal(open.rate, 50);
    assert.equal(open.completed, 30);
    assert.equal(open.wait.count, 30);
    assert.ok(open.wait.p99 > 400, `behind schedule p99 ${open.wait.p99}`);
    assert.ok(open.phases.total.p99 >= open.wait.p99 + 100, `total ${open.phases.total.p99} counts the wait ${open.wait.p99}`);
    assert.ok(open.phases.serverProcessing.p99 < open.wait.p99, 'the server itself was not that slow');
    const closed = await json([url, '-n', '30', '-c', '2']);
    assert.equal(closed.wait, null);
    assert.ok(closed.phases.total.p99 < open.phases.total.p99 / 2, `closed loop total p99 ${closed.phases.total.p99} hides it`);
    const text = await goscope(['http', url, '-q', '50', '-n', '30', '-c', '2']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /: 30 requests at 50\/s \(open loop\) over 2 connections in /);
    assert.match(text.stdout, /^behind schedule\s+[\d.]+m?s/m);
    assert.match(text.stdout, /requests started up to [\d.]+m?s \(p99\) after their scheduled time: all 2 connections were busy/);
    assert.match(text.stdout, /most time behind schedule \(waiting for a free connection\)/);
    // On time when the service keeps up: -q 100 for 0.5 s against a 5 ms endpoint.
    const onTime = await json([`${demo.url}/delay?ms=5`, '-q', '100', '-z', '500ms', '-c', '4']);
    assert.equal(onTime.requests, 50);
    assert.ok(onTime.elapsedMs >= 490 && onTime.elapsedMs < 5000, String(onTime.elapsedMs));
  });

  test('Ctrl-C during -z: what was sent is reported, exit 130', async () => {
    const { spawn } = await import('node:child_process');
    const before = await routeCount('/delay');
    const p = spawn(process.execPath, [path.join(repoRoot, 'bin/goscope.js'), 'http', `${demo.url}/delay?ms=5`, '-z', '60s', '-c', '2', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c));
    const exited = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
    try {
      // Wait (with a deadline) until the service has seen some of the requests.
      const deadline = Date.now() + 20_000;
      while ((await routeCount('/delay')) < before + 20) {
        assert.ok(Date.now() < deadline, 'requests reached the service');
        await new Promise((r) => setTimeout(r, 50));
      }
      p.kill('SIGINT');
      assert.equal(await exited, 130);
    } finally {
      p.kill('SIGKILL');
    }
    const j = JSON.parse(out);
    assert.equal(j.interrupted, true);
    assert.equal(j.timeUp, false);
    assert.ok(j.requests >= 20 && j.completed === j.requests, `${j.requests} requests, ${j.completed} completed`);
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
      [
        [demo.url, '--traceparent', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
        2,
        /not a valid W3C traceparent: trace-id must be lowercase hex/,
      ],
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

// A process stopped (SIGSTOP) while it spins is neither on a CPU, nor waiting for one, nor
// idle: the clock calls that time stopped, as it would steal by a hypervisor.
test('a process stopped for 100 ms sees 100 ms stopped', { skip: process.platform !== 'linux' && 'schedstat is Linux only', timeout: 30_000 }, async () => {
  const mod = new URL('../src/lib/thread-time.js', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { ThreadClock, split } from ${JSON.stringify(mod)};
       const c = ThreadClock.forThisThread();
       const a = c.read();
       process.stdout.write('spinning\\n');
       while (performance.now() - a.to < 1500);
       process.stdout.write(JSON.stringify(split(a, c.read())) + '\\n');`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8');
  const spinning = new Promise<void>((resolve) => child.stdout.on('data', (d: string) => (out += d).includes('spinning') && resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await Promise.race([spinning, exited.then((code) => Promise.reject(new Error(`the child exited (${code}) before it spun: ${out}`)))]);
  const t0 = performance.now();
  child.kill('SIGSTOP');
  await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill('SIGCONT');
  const stoppedFor = performance.now() - t0;
  assert.equal(await exited, 0);
  const s = JSON.parse(out.split('\n')[1]!) as { wallMs: number; stoppedMs: number };
  assert.ok(stoppedFor < 1000, `the stop ended before the spin did (${stoppedFor} ms)`);
  assert.ok(s.stoppedMs >= 99 && s.stoppedMs <= stoppedFor + 50, `stopped ${s.stoppedMs} ms, stopped for ${stoppedFor} ms: ${JSON.stringify(s)}`);
});
