// goscope http against Go's own client: the demo service injects 50-500 ms into one phase
// (a delay before the response head, a slow body, a slow TLS handshake chosen by SNI),
// testdata/go/httpprobe measures the same request with net/http/httptrace, and every
// phase goscope reports must agree within 2 ms or 5%, whichever is larger. Each client
// runs 5 times (fresh processes, as a user runs them) and each phase's fastest run is
// compared: noise on a shared machine (a stalled process, a server sleep that overshoots
// under load) only ever adds time, to either client, so the minimum is the estimate it
// disturbs least; a systematic difference between the clients shows in it all the same.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { needGo, startDemo, type Demo } from './support/go.js';
import { goscope } from './support/cli.js';
import { runProbe, type ProbeLine } from './support/httpprobe.js';

type PhaseMap = Record<string, number | null>;
const TLS_EXTRA_MS = 3;
const RUNS = 5;

let demo: Demo;

describe('goscope http phases agree with Go httptrace', { skip: needGo, timeout: 240_000 }, () => {
  before(async () => {
    demo = await startDemo({ tls: true });
  });
  after(async () => demo?.stop());

  const port = (u: string) => new URL(u).port;

  interface Case {
    name: string;
    url: () => string;
    /** The phase the delay goes into. */
    injected: 'serverProcessing' | 'transfer' | 'tls';
    ms: number;
    goscopeArgs?: () => string[];
    probeArgs?: () => string[];
  }
  const cases: Case[] = [];
  for (const ms of [50, 200, 500]) {
    cases.push({
      name: `HTTP/1.1 delay before headers ${ms} ms`,
      url: () => `http://localhost:${port(demo.url)}/delay?ms=${ms}`,
      injected: 'serverProcessing',
      ms,
    });
    cases.push({ name: `HTTP/1.1 slow body ${ms} ms`, url: () => `http://localhost:${port(demo.url)}/slowbody?ms=${ms}&chunks=5`, injected: 'transfer', ms });
  }
  cases.push({
    name: 'HTTP/2 (ALPN) delay before headers 200 ms',
    url: () => `https://localhost:${port(demo.httpsUrl!)}/delay?ms=200`,
    injected: 'serverProcessing',
    ms: 200,
    goscopeArgs: () => ['--cacert', demo.certFile!],
    probeArgs: () => ['-cacert', demo.certFile!],
  });
  // HTTPS with HTTP/1.1: the request write is timed by the TLS socket's write callback.
  cases.push({
    name: 'HTTPS HTTP/1.1 delay before headers 200 ms',
    url: () => `https://localhost:${port(demo.httpsUrl!)}/delay?ms=200`,
    injected: 'serverProcessing',
    ms: 200,
    goscopeArgs: () => ['--cacert', demo.certFile!, '--http1.1'],
    probeArgs: () => ['-cacert', demo.certFile!, '-http1'],
  });
  cases.push({
    name: 'HTTP/2 (ALPN) slow body 200 ms',
    url: () => `https://localhost:${port(demo.httpsUrl!)}/slowbody?ms=200&chunks=5`,
    injected: 'transfer',
    ms: 200,
    goscopeArgs: () => ['--cacert', demo.certFile!],
    probeArgs: () => ['-cacert', demo.certFile!],
  });
  // HTTP/2 without TLS (h2c, prior knowledge): the demo's plain listener speaks it too.
  cases.push({
    name: 'HTTP/2 without TLS (h2c) delay before headers 200 ms',
    url: () => `http://localhost:${port(demo.url)}/delay?ms=200`,
    injected: 'serverProcessing',
    ms: 200,
    goscopeArgs: () => ['--http2-prior-knowledge'],
    probeArgs: () => ['-h2c'],
  });
  cases.push({
    name: 'HTTP/2 without TLS (h2c) slow body 200 ms',
    url: () => `http://localhost:${port(demo.url)}/slowbody?ms=200&chunks=5`,
    injected: 'transfer',
    ms: 200,
    goscopeArgs: () => ['--http2-prior-knowledge'],
    probeArgs: () => ['-h2c'],
  });
  for (const ms of [50, 200]) {
    cases.push({
      name: `TLS handshake delayed ${ms} ms (SNI hs-${ms}, --resolve)`,
      url: () => `https://hs-${ms}.slow.goscope.test:${port(demo.httpsUrl!)}/delay?ms=0`,
      injected: 'tls',
      ms,
      goscopeArgs: () => ['--cacert', demo.certFile!, '--resolve', `hs-${ms}.slow.goscope.test:${port(demo.httpsUrl!)}:127.0.0.1`],
      probeArgs: () => ['-cacert', demo.certFile!, '-resolve', `hs-${ms}.slow.goscope.test:${port(demo.httpsUrl!)}:127.0.0.1`],
    });
  }

  /** One round: RUNS alternating runs of each client; the fastest compared phase by phase. */
  async function round(c: Case): Promise<{ bad: string[]; rows: string[]; injected: number }> {
    const url = c.url();
    const ours: PhaseMap[] = [];
    const theirs: PhaseMap[] = [];
    for (let run = 0; run < RUNS; run++) {
      const g = await goscope(['http', url, '--json', ...(c.goscopeArgs?.() ?? [])], { timeoutMs: 30_000 });
      assert.equal(g.code, 0, g.stderr);
      const gj = JSON.parse(g.stdout) as { phases: PhaseMap; protocol: string; status: number };
      const [p] = (await runProbe(['-url', url, ...(c.probeArgs?.() ?? [])])) as ProbeLine[];
      assert.equal(p!.error, null);
      assert.equal(gj.status, p!.status);
      assert.equal(gj.protocol, p!.proto === 'HTTP/2.0' ? 'HTTP/2' : p!.proto);
      ours.push(gj.phases);
      theirs.push(p!.phases);
    }
    const fastest = (runs: PhaseMap[], k: string): number | null => {
      const v = runs.map((r) => r[k] ?? null);
      if (v.some((x) => x === null)) return v.every((x) => x === null) ? null : NaN;
      return Math.min(...(v as number[]));
    };
    const rows: string[] = [];
    const bad: string[] = [];
    for (const k of ['dns', 'connect', 'tls', 'requestWrite', 'serverProcessing', 'transfer', 'total'] as const) {
      const a = fastest(ours, k);
      const b = fastest(theirs, k);
      rows.push(`${k}: goscope ${a} go ${b}`);
      assert.equal(a === null, b === null, `${k} happened in one client only: goscope ${a}, go ${b}`);
      if (a === null || b === null) continue;
      let tol = Math.max(2, 0.05 * b);
      // The one allowance: a TLS handshake costs Node's client 1-3 ms more than Go's
      // crypto/tls on this kind of machine (OpenSSL plus Node building the peer chain as
      // objects for the host name check; measured in README, goscope http). That time is
      // real, so goscope reports it; the tls phase and the total may differ by that much more.
      // The total also carries Node's HTTP/2 session start (about 1 ms in requestWrite and
      // serverProcessing together).
      if (fastest(theirs, 'tls') !== null) tol += k === 'tls' ? TLS_EXTRA_MS : k === 'total' ? TLS_EXTRA_MS + 2 : 0;
      if (Math.abs(a - b) > tol) bad.push(`${k} differs by ${(a - b).toFixed(3)} ms (tolerance ${tol.toFixed(2)})`);
    }
    return { bad, rows, injected: fastest(ours, c.injected)! };
  }

  for (const c of cases) {
    test(c.name, async (t) => {
      // A second round only when the first disagrees: on a shared 2-core CI machine a
      // neighbour can stall either process for milliseconds; a real error fails both.
      let r = await round(c);
      if (r.bad.length) {
        t.diagnostic(`round 1 disagreed, measuring again: ${r.bad.join('; ')}`);
        r = await round(c);
      }
      // The injected delay really is in that phase.
      assert.ok(r.injected >= c.ms * 0.95, `goscope ${c.injected} ${r.injected} < ${c.ms}`);
      assert.deepEqual(r.bad, [], r.rows.join('\n'));
    });
  }
});

// Under load: C connections opened at once. Go's client dials them from C goroutines;
// goscope opens one per event-loop turn and stamps ConnectStart/ConnectDone where Node
// issues connect() and reports it done. Each client runs RUNS times; the p50 and p99 of
// tcp connect (nearest rank over the run's new connections) of its fastest run are
// compared with the same rule as above, and a second round only when the first disagrees.
//
// The p99 of a few dozen loopback connects (0.05 ms each in the kernel) is the slowest one:
// how late each client saw it, which on a busy machine is scheduling, not the network.
// goscope's one JavaScript thread sees a connect late whenever it cannot run although it
// could: waiting for a CPU (a busy machine, a CPU quota), or stopped (a hypervisor running
// other machines: CI logged goscope at 7-21 ms against Go's 1-4 ms in every run, with
// under 0.6 ms of CPU wait). It measures both inside each connect (`client.connectHeldUpMaxMs`:
// wall time less time on a CPU and idle in the event loop), so its p99 may exceed Go's by
// that much and no more. Its own work (the queueing e41add5 removed) is time on the CPU and
// still fails. A p99 below Go's is Go's own lateness: stamping errors that would make
// goscope read low move every connect, and the p50 comparison (two-sided, no allowance)
// catches them.
describe('goscope http -c N: tcp connect agrees with Go httptrace under load', { skip: needGo, timeout: 240_000 }, () => {
  before(async () => {
    demo = await startDemo();
  });
  after(async () => demo?.stop());

  const rank = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

  async function round(c: number, noKeepAlive: boolean): Promise<{ bad: string[]; rows: string[] }> {
    const url = `${demo.url}/delay?ms=5`;
    const n = String(c * 10);
    const nk = noKeepAlive ? ['--no-keepalive'] : [];
    const ours: { p50: number; p99: number; held: number; split: string }[] = [];
    const theirs: { p50: number; p99: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const g = await goscope(['http', url, '-n', n, '-c', String(c), '--json', ...nk], { timeoutMs: 60_000 });
      assert.equal(g.code, 0, g.stderr);
      const gj = JSON.parse(g.stdout) as {
        failed: number;
        phases: { connect: { count: number; p50: number; p99: number } };
        client: { connectHeldUpMaxMs: number | null; machineStealMs: number | null; slowestConnect: Record<string, number | null> | null };
      };
      assert.equal(gj.failed, 0);
      assert.equal(gj.phases.connect.count, noKeepAlive ? c * 10 : c, 'one connection per loop, or per request');
      const sc = gj.client.slowestConnect;
      ours.push({
        ...gj.phases.connect,
        held: gj.client.connectHeldUpMaxMs ?? 0,
        split: sc
          ? `${sc.ms} = on CPU ${sc.onCpuMs} + waiting ${sc.cpuWaitMs} + stopped ${sc.stoppedMs} + idle ${sc.eventLoopIdleMs} (steal in the run ${gj.client.machineStealMs})`
          : '?',
      });
      const lines = (await runProbe(['-url', url, '-n', n, '-c', String(c), ...(noKeepAlive ? ['-no-keepalive'] : [])])) as ProbeLine[];
      assert.ok(
        lines.every((l) => l.error === null),
        JSON.stringify(lines.find((l) => l.error)),
      );
      const connects = lines
        .map((l) => l.phases.connect)
        .filter((v): v is number => v !== null)
        .sort((a, b) => a - b);
      assert.ok(connects.length > 0);
      theirs.push({ p50: rank(connects, 50), p99: rank(connects, 99) });
    }
    const bad: string[] = [];
    const rows: string[] = [];
    for (const k of ['p50', 'p99'] as const) {
      const a = Math.min(...ours.map((r) => r[k]));
      const b = Math.min(...theirs.map((r) => r[k]));
      const tol = Math.max(2, 0.05 * b);
      rows.push(`connect ${k}: goscope ${a} go ${b} (runs: goscope ${ours.map((r) => r[k]).join(', ')}; go ${theirs.map((r) => r[k]).join(', ')})`);
      if (k === 'p50') {
        if (Math.abs(a - b) > tol) bad.push(`connect p50 differs by ${(a - b).toFixed(3)} ms (tolerance ${tol.toFixed(2)})`);
        continue;
      }
      // The run whose p99, less the time goscope was held up inside one of its connects, is lowest.
      const net = Math.min(...ours.map((r) => r.p99 - r.held));
      rows.push(`  goscope held up inside one connect, per run: ${ours.map((r) => r.held).join(', ')} ms`);
      rows.push(`  goscope's slowest connect, per run: ${ours.map((r) => r.split).join('; ')}`);
      if (net - b > tol) bad.push(`connect p99 exceeds Go's by ${(net - b).toFixed(3)} ms beyond the time goscope was held up (tolerance ${tol.toFixed(2)})`);
    }
    return { bad, rows };
  }

  for (const [c, noKeepAlive] of [
    [20, false],
    [50, false],
    [50, true],
  ] as const) {
    test(`-c ${c}${noKeepAlive ? ' --no-keepalive (a new connection per request)' : ''} on loopback`, async (t) => {
      let r = await round(c, noKeepAlive);
      if (r.bad.length) {
        t.diagnostic(`round 1 disagreed, measuring again: ${r.bad.join('; ')}\n${r.rows.join('\n')}`);
        r = await round(c, noKeepAlive);
      }
      t.diagnostic(r.rows.join('\n'));
      assert.deepEqual(r.bad, [], r.rows.join('\n'));
    });
  }
});
