// goscope metrics end to end: the CLI against metricsgen (client_golang) and Caddy's
// admin endpoint, saved files, stdin, several scrapes, exit codes and one-line errors.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { goscope } from './support/cli.js';
import { goVersion, installCaddy, needGo, startDemo } from './support/go.js';
import { startMetricsgen, type Metricsgen } from './support/metricsgen.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-metrics-cli-'));
let gen: Metricsgen | undefined;

before(async () => {
  if (!needGo) gen = await startMetricsgen();
});
after(async () => {
  await gen?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Problem {
  metric: string;
  rule: string;
  severity: string;
  text: string;
  fix: string;
  promlint: boolean;
  count: number;
  label?: string;
  examples?: string[];
  data?: Record<string, unknown>;
}

interface Report {
  schema: string;
  source: string;
  saved: string[];
  format: string;
  scrapes: number;
  families: number;
  series: number;
  problems: Problem[];
  cardinality: { metric: string; type: string; series: number; labels: Record<string, number>; factors: Record<string, number> }[];
  runtime: Record<string, unknown> | null;
}

function out(dir: string): string[] {
  return ['--out', mkdtempSync(path.join(tmp, dir + '-'))];
}

test('every planted mistake is found, with rule, severity, example and fix; exit 3', { skip: needGo }, async () => {
  const r = await goscope(['metrics', gen!.url + '/mistakes', '--json', ...out('mistakes')]);
  assert.equal(r.code, 3, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  assert.equal(j.schema, 'goscope.metrics/v1');
  assert.equal(j.format, 'openmetrics', 'Prometheus prefers OpenMetrics');
  assert.ok(existsSync(j.saved[0]!), 'saved before analysis');
  const has = (rule: string, metric: string, label?: string) => j.problems.find((p) => p.rule === rule && p.metric === metric && (label === undefined || p.label === label));
  for (const [rule, metric, label] of [
    ['empty-label-value', 'orders_total', 'region'],
    ['unbounded-label', 'api_requests_total', 'user_id'],
    ['unbounded-label', 'sessions_active', 'session'],
    ['unbounded-label', 'client_connections_total', 'client'],
    ['unbounded-label', 'http_path_requests_total', 'path'],
    ['unbounded-label', 'signups_total', 'email'],
    ['unbounded-label', 'job_runs_total', 'started'],
    ['histogram-not-cumulative', 'payload_size_bytes'],
    ['histogram-count-mismatch', 'queue_wait_seconds'],
    ['summary-quantile-range', 'render_duration_seconds'],
    ['same-quantity', 'http_request_duration_seconds'],
    ['unit-suffix', 'upload_duration_seconds'],
    ['duplicate-series', 'worker_busy'],
    ['camel-case', 'processTimeSeconds'],
  ] as const) {
    const p = has(rule, metric, label);
    assert.ok(p, `${rule} on ${metric}${label ? '{' + label + '}' : ''}`);
    assert.ok(p.text && p.fix, `${rule}: text and fix`);
  }
  assert.deepEqual(has('unbounded-label', 'sessions_active')!.data!.kind, 'uuid');
  assert.equal(has('same-quantity', 'http_request_duration_seconds')!.data!.others, 'http_request_latency_ms');
  const tenant = j.cardinality.find((c) => c.metric === 'tenant_requests_total')!;
  assert.deepEqual(tenant.labels, { code: 3, method: 2, tenant: 50 });
  assert.deepEqual(tenant.factors, { code: 3, method: 2, tenant: 50 });
  // Bounded labels with few values are not unbounded: code and method here.
  assert.ok(!j.problems.some((p) => p.rule === 'unbounded-label' && p.metric === 'tenant_requests_total'));
  // Errors first.
  const sev = j.problems.map((p) => p.severity);
  assert.deepEqual(sev, [...sev].sort((a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b)));
});

test('text output groups by severity, each problem with its fix; untrusted names are escaped', { skip: needGo }, async () => {
  const r = await goscope(['metrics', gen!.url + '/mistakes', ...out('text')]);
  assert.equal(r.code, 3);
  const s = r.stdout;
  assert.match(s, /^http:\/\/127\.0\.0\.1:\d+\/mistakes: OpenMetrics 1\.0, gzip, /m);
  assert.ok(s.indexOf('errors (') < s.indexOf('warnings ('), 'errors before warnings');
  assert.match(s, /orders_total \{region\}: label "region" is empty on 1 series beside 2 real values \[empty-label-value\]/);
  assert.match(s, /fix: /);
  assert.match(s, /cardinality \(top 10 of \d+ families by series\)/);
  assert.ok(!/\x1b/.test(s), 'no escape sequences when piped');
});

test('hand-written histograms: no +Inf bucket, not cumulative, _count unlike +Inf', { skip: needGo }, async () => {
  const r = await goscope(['metrics', gen!.url + '/handwritten', '--json', ...out('hand')]);
  assert.equal(r.code, 3, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  assert.equal(j.format, 'text');
  const rules = j.problems.map((p) => `${p.rule} ${p.metric}`).sort();
  assert.deepEqual(rules, ['histogram-count-mismatch legacy_batch_seconds', 'histogram-no-inf legacy_request_seconds', 'histogram-not-cumulative legacy_request_seconds']);
});

test('a base URL means <url>/metrics; the Go runtime facts come from client_golang collectors', { skip: needGo }, async () => {
  const r = await goscope(['metrics', gen!.url, '--json', ...out('runtime')]);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 2000));
  const j = JSON.parse(r.stdout) as Report;
  assert.equal(new URL(j.source).pathname, '/metrics');
  const rt = j.runtime!;
  assert.equal(rt.goVersion, goVersion());
  assert.ok((rt.goroutines as number) >= 1 && (rt.threads as number) >= 1);
  assert.ok((rt.openFds as number) > 0 && (rt.maxFds as number) >= (rt.openFds as number));
  assert.equal(rt.gogc, 100);
  assert.equal(rt.memoryLimitBytes, null, 'no GOMEMLIMIT');
  assert.ok((rt.heapAllocBytes as number) > 0);
  const gc = rt.gcPauses as { quantiles: Record<string, number> };
  assert.deepEqual(Object.keys(gc.quantiles).sort(), ['0', '0.25', '0.5', '0.75', '1']);
});

test('several scrapes: counter resets, series churn, families that come and go, goroutine trend', { skip: needGo }, async () => {
  const r = await goscope(['metrics', gen!.url + '/mistakes', '--samples', '3', '--interval', '200ms', '--json', ...out('scrapes')]);
  assert.equal(r.code, 3, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  assert.equal(j.scrapes, 3);
  assert.equal(j.saved.length, 3);
  const reset = j.problems.find((p) => p.rule === 'counter-reset' && p.metric === 'jobs_retried_total')!;
  assert.ok(reset, 'counter reset');
  assert.equal(reset.count, 2);
  const churn = j.problems.find((p) => p.rule === 'series-churn' && p.metric === 'inflight_request_seconds')!;
  assert.deepEqual([churn.data!.added, churn.data!.removed], [8, 8]);
  const fam = j.problems.filter((p) => p.rule === 'family-churn' && p.metric === 'batch_last_run_timestamp_seconds').map((p) => p.data!.change);
  assert.deepEqual(fam.sort(), ['appeared', 'vanished']);
  // The families that stay the same do not churn.
  assert.ok(!j.problems.some((p) => p.rule === 'series-churn' && p.metric === 'tenant_requests_total'));

  const live = await goscope(['metrics', gen!.url, '--samples', '2', '--interval', '100ms', '--json', ...out('trend')]);
  const lj = JSON.parse(live.stdout) as Report;
  assert.equal((lj.runtime!.goroutinesTrend as number[]).length, 2);
  // Unlabelled counters and summaries of different families are told apart across scrapes.
  assert.ok(!lj.problems.some((p) => p.rule === 'counter-reset' || p.rule === 'series-churn'), JSON.stringify(lj.problems.map((p) => p.rule + ' ' + p.metric)));
});

test('--format asks for one format; a saved file and stdin read the same', { skip: needGo }, async () => {
  const first = JSON.parse((await goscope(['metrics', gen!.url + '/mistakes', '--format', 'protobuf', '--json', ...out('pb')])).stdout) as Report;
  assert.equal(first.format, 'protobuf');
  assert.match(first.saved[0]!, /metrics\.pb$/);
  const again = await goscope(['metrics', first.saved[0]!, '--json']);
  const fromFile = JSON.parse(again.stdout) as Report;
  assert.equal(again.code, 3);
  assert.equal(fromFile.format, 'protobuf', 'recognised from its bytes');
  const strip = (j: Report) => j.problems.map((p) => [p.rule, p.metric, p.count, p.text]);
  assert.deepEqual(strip(fromFile), strip(first));
  const piped = await goscope(['metrics', '-', '--json'], { input: readFileSync(first.saved[0]!) });
  assert.deepEqual(strip(JSON.parse(piped.stdout) as Report), strip(first));
});

test('--disable: promlint as a group, or single rules; unknown rules are usage errors', { skip: needGo }, async () => {
  const r = await goscope(['metrics', gen!.url + '/mistakes', '--disable', 'promlint', '--disable', 'unbounded-label,same-quantity', '--json', ...out('disable')]);
  const j = JSON.parse(r.stdout) as Report;
  assert.ok(j.problems.length > 0);
  assert.ok(!j.problems.some((p) => p.promlint || p.rule === 'unbounded-label' || p.rule === 'same-quantity'));
  const bad = await goscope(['metrics', gen!.url, '--disable', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^goscope: --disable: unknown rule "nope" \(rules: promlint, help, /);
});

test('errors are one line with the right exit code', async () => {
  const file = path.join(tmp, 'bad.prom');
  writeFileSync(file, '# TYPE a counter\na_total 1\na_total{x="1" 2\n');
  const r = await goscope(['metrics', file]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `goscope: ${file}: line 3, column 15: unexpected end of label value "1"\n`);
  const clean = path.join(tmp, 'clean.prom');
  writeFileSync(clean, '# HELP up_total Ups.\n# TYPE up_total counter\nup_total 1\n');
  const ok = await goscope(['metrics', clean]);
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /1 family, 1 series \(1 label sets\): no problems/);
  assert.equal((await goscope(['metrics', path.join(tmp, 'missing.prom')])).code, 1);
  // A name from the exposition cannot drive the terminal.
  const evil = path.join(tmp, 'evil.prom');
  writeFileSync(evil, '{"evil\x1b[2Jname\u202e"} 1\n');
  const e = await goscope(['metrics', evil]);
  assert.equal(e.code, 3);
  assert.ok(!/[\x1b\u202e]/.test(e.stdout), 'no raw control characters');
  assert.match(e.stdout, /evil\\x1b\[2Jname\\u202e: no help text \[help\]/);
  assert.equal((await goscope(['metrics', clean, '--samples', '2'])).code, 2);
  assert.equal((await goscope(['metrics'])).code, 2);
  assert.equal((await goscope(['metrics', clean, '--format', 'xml'])).code, 2);
  const down = await goscope(['metrics', 'http://127.0.0.1:9/', '--out', mkdtempSync(path.join(tmp, 'down-'))]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^goscope: http:\/\/127\.0\.0\.1:9\/metrics: connection refused/);
});

test('the demo service: its planted /metrics mistakes, each found once', { skip: needGo }, async () => {
  const demo = await startDemo();
  try {
    const r = await goscope(['metrics', demo.url, '--json', ...out('demo')]);
    assert.equal(r.code, 3, r.stderr);
    const j = JSON.parse(r.stdout) as Report;
    const got = j.problems.map((p) => `${p.rule} ${p.metric}${p.label ? '{' + p.label + '}' : ''}`).sort();
    assert.deepEqual(got, [
      'camel-case demo_cache_lookups',
      'empty-label-value demo_orders_total{region}',
      'histogram-not-cumulative demo_queue_wait_seconds',
      'same-quantity demo_http_request_duration_seconds',
      'summary-quantile-range demo_render_duration_seconds',
      'unbounded-label demo_path_requests_total{path}',
      'unbounded-label demo_user_requests_total{user_id}',
      'unit-abbreviation demo_http_request_latency_ms',
    ]);
    // In the text format the counter without _total is a counter, and promlint's rule applies.
    const t = JSON.parse((await goscope(['metrics', demo.url, '--format', 'text', '--json', ...out('demo-text')])).stdout) as Report;
    assert.ok(t.problems.some((p) => p.rule === 'counter-total' && p.metric === 'demo_cache_lookups'));
    assert.ok(j.runtime && (j.runtime.goroutines as number) > 0);
  } finally {
    await demo.stop();
  }
});

test('diagnose reads /metrics: runtime facts and the worst problems; a service without it is said so', { skip: needGo }, async () => {
  const demo = await startDemo();
  try {
    const dir = mkdtempSync(path.join(tmp, 'diag-'));
    const r = await goscope(['diagnose', demo.url, '--seconds', '1', '--samples', '2', '--no-trace', '--json', '--out', dir], { timeoutMs: 120_000 });
    assert.ok(r.code === 0 || r.code === 3, r.stderr);
    const m = (JSON.parse(r.stdout) as { metrics: { state: string; errors: number; warnings: number; problems: Problem[]; runtime: Record<string, unknown>; saved: string } }).metrics;
    assert.equal(m.state, 'ok');
    assert.deepEqual([m.errors, m.warnings], [2, 6]);
    assert.equal(m.problems[0]!.severity, 'error');
    assert.equal(m.runtime.goVersion, goVersion());
    assert.ok(existsSync(m.saved));
    // The folder again, offline: the saved /metrics is read again.
    const again = JSON.parse((await goscope(['diagnose', dir, '--json'])).stdout) as { metrics: { state: string; errors: number } };
    assert.deepEqual([again.metrics.state, again.metrics.errors], ['ok', 2]);
    const text = await goscope(['diagnose', dir]);
    assert.match(text.stdout, /^metrics · .* · 47 families, \d+ series · 2 errors, 6 warnings$/m);
    // The same service behind a proxy that has no /metrics: said so, the rest as before.
    const { createServer, request } = await import('node:http');
    const target = new URL(demo.url);
    const srv = createServer((q, res) => {
      if (q.url?.startsWith('/metrics')) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
      const up = request({ host: target.hostname, port: target.port, path: q.url, method: q.method, headers: q.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      q.pipe(up);
    });
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    try {
      const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
      const r = await goscope(['diagnose', url, '--seconds', '1', '--samples', '2', '--no-trace', '--json', '--out', mkdtempSync(path.join(tmp, 'diag404-'))], { timeoutMs: 120_000 });
      assert.ok(r.code === 0 || r.code === 3, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { metrics: { state: string } }).metrics.state, 'absent');
      const t = await goscope(['diagnose', url, '--seconds', '1', '--samples', '2', '--no-trace', '--out', mkdtempSync(path.join(tmp, 'diag404t-'))], { timeoutMs: 120_000 });
      assert.match(t.stdout, /^metrics · http:\/\/127\.0\.0\.1:\d+\/metrics: the service serves no \/metrics$/m);
    } finally {
      srv.closeAllConnections();
      await new Promise((res) => srv.close(res));
    }
  } finally {
    await demo.stop();
  }
});

// ---------------------------------------------------------------------------------------
// A third-party Go service: Caddy's admin endpoint serves /metrics (client_golang).

let caddyBin: string | null = null;
let why = '';
if (!needGo) {
  try {
    caddyBin = await installCaddy();
  } catch (e) {
    why = `Caddy could not be built: ${(e as Error).message.split('\n')[0]}`;
  }
}

async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('Caddy v2.11.9: its admin /metrics scraped and linted, runtime facts read', { skip: needGo || (caddyBin ? false : why) }, async () => {
  const home = mkdtempSync(path.join(tmp, 'caddy-'));
  const port = await freePort();
  writeFileSync(path.join(home, 'Caddyfile'), `{\n\tadmin 127.0.0.1:${port}\n\tauto_https off\n\tpersist_config off\n}\n`);
  const proc = spawn(caddyBin!, ['run', '--config', path.join(home, 'Caddyfile'), '--adapter', 'caddyfile'], {
    cwd: home,
    env: { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  proc.stderr!.resume();
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    const admin = `http://127.0.0.1:${port}`;
    let r;
    const deadline = Date.now() + 20_000;
    for (;;) {
      r = await goscope(['metrics', admin, '--json', '--out', mkdtempSync(path.join(tmp, 'caddy-out-'))]);
      if (r.code !== 1 || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
    const j = JSON.parse(r.stdout) as Report;
    assert.ok(j.families >= 30, `families: ${j.families}`);
    assert.match(String(j.runtime!.goVersion), /^go1\.\d+/);
    assert.ok((j.runtime!.goroutines as number) > 0);
    assert.ok(j.cardinality.some((c) => c.metric === 'caddy_admin_http_requests_total' || c.metric.startsWith('caddy_')), 'caddy families');
  } finally {
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
});
