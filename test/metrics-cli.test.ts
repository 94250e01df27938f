// goscope metrics end to end: the CLI against metricsgen (client_golang) and Caddy's
// admin endpoint, saved files, stdin, several scrapes, exit codes and one-line errors.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acceptHeader, scrapeMetrics } from '../src/collect/metrics.js';
import { caddyBinary, startCaddy } from './support/caddy.js';
import { goscope } from './support/cli.js';
import { goVersion, needGo, repoRoot, startDemo } from './support/go.js';
import { startHostile } from './support/hostile.js';
import { promlintOracle, runMetricsgen, startMetricsgen, type Metricsgen } from './support/metricsgen.js';

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

/** A loopback server in front of `target` (or answering itself when `handle` returns true); closed by the caller. */
async function proxy(
  target: string,
  handle?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const srv = http.createServer((req, res) => {
    if (handle?.(req, res)) return;
    const up = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    async close() {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    },
  };
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The real CLI, interrupted with SIGINT once `ready()` holds. */
async function interrupted(args: string[], ready: () => boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/goscope.js'), ...args], {
    cwd: tmp,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    await until('the moment to press Ctrl-C', ready, 60_000);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    assert.notEqual(code, 'hung', `goscope ${args.join(' ')} did not exit after SIGINT: ${stderr}`);
    return { code: code as number | null, stdout, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

test('every planted mistake is found, with rule, severity, example and fix; exit 3', { skip: needGo }, async () => {
  const r = await goscope(['metrics', gen!.url + '/mistakes', '--json', ...out('mistakes')]);
  assert.equal(r.code, 3, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  assert.equal(j.schema, 'goscope.metrics/v1');
  // The schema's fields, exactly (README: goscope.metrics/v1).
  assert.deepEqual(Object.keys(j), [
    'schema',
    'source',
    'saved',
    'format',
    'bytes',
    'scrapes',
    'families',
    'series',
    'labelSets',
    'problems',
    'cardinality',
    'runtime',
  ]);
  for (const p of j.problems) {
    const keys = Object.keys(p);
    for (const k of ['metric', 'rule', 'severity', 'text', 'fix', 'promlint', 'count']) assert.ok(keys.includes(k), `${p.rule}: ${k}`);
    assert.deepEqual(
      keys.filter((k) => !['metric', 'rule', 'severity', 'text', 'fix', 'promlint', 'count', 'label', 'examples', 'data'].includes(k)),
      [],
      p.rule,
    );
  }
  for (const c of j.cardinality)
    assert.deepEqual(
      Object.keys(c).filter((k) => !['metric', 'type', 'series', 'labelSets', 'share', 'labels', 'factors', 'estimated'].includes(k)),
      [],
    );
  assert.equal(j.format, 'openmetrics', 'Prometheus prefers OpenMetrics');
  assert.ok(existsSync(j.saved[0]!), 'saved before analysis');
  const has = (rule: string, metric: string, label?: string) =>
    j.problems.find((p) => p.rule === rule && p.metric === metric && (label === undefined || p.label === label));
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
  // Prometheus refuses an OpenMetrics scrape whose # UNIT is not the name's suffix: an error here (a warning in protobuf, below).
  const unit = has('unit-suffix', 'upload_duration_seconds')!;
  assert.equal(unit.severity, 'error');
  assert.equal(
    unit.text,
    '# UNIT says "milliseconds" but the name does not end in "_milliseconds" (it ends in "_seconds"): Prometheus refuses the whole scrape',
  );
  const tenant = j.cardinality.find((c) => c.metric === 'tenant_requests_total')!;
  assert.deepEqual(tenant.labels, { code: 3, method: 2, tenant: 50 });
  assert.deepEqual(tenant.factors, { code: 3, method: 2, tenant: 50 });
  // Bounded labels with few values are not unbounded: code and method here.
  assert.ok(!j.problems.some((p) => p.rule === 'unbounded-label' && p.metric === 'tenant_requests_total'));
  // Errors first.
  const sev = j.problems.map((p) => p.severity);
  assert.deepEqual(
    sev,
    [...sev].sort((a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b)),
  );
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
  assert.deepEqual(rules, [
    'histogram-count-mismatch legacy_batch_seconds',
    'histogram-no-inf legacy_request_seconds',
    'histogram-not-cumulative legacy_request_seconds',
  ]);
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
  // Only protobuf carries native buckets: their sum is checked against the count there.
  const native = first.problems.filter((p) => p.rule === 'native-histogram-count');
  assert.deepEqual(
    native.map((p) => [p.metric, p.severity, p.examples]),
    [['rpc_handling_seconds', 'error', ['rpc_handling_seconds: count 10, buckets add up to 8']]],
  );
  assert.equal(first.problems.find((p) => p.rule === 'unit-suffix' && p.metric === 'upload_duration_seconds')?.severity, 'warning');
  const om = JSON.parse((await goscope(['metrics', gen!.url + '/mistakes', '--json', ...out('om')])).stdout) as Report;
  assert.ok(!om.problems.some((p) => p.rule === 'native-histogram-count'), 'OpenMetrics has no native buckets to check');
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
  const r = await goscope([
    'metrics',
    gen!.url + '/mistakes',
    '--disable',
    'promlint',
    '--disable',
    'unbounded-label,same-quantity',
    '--json',
    ...out('disable'),
  ]);
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
    // A service URL as the other commands take it (its pprof index, under a prefix too) means <service>/metrics.
    const admin = await proxy(demo.url, (req) => {
      req.url = req.url?.replace(/^\/admin(?=\/)/, '');
      return false;
    });
    try {
      for (const [given, scraped] of [
        [demo.url + '/debug/pprof/', demo.url + '/metrics'],
        [admin.url + '/admin/debug/pprof/', admin.url + '/admin/metrics'],
      ]) {
        const s = JSON.parse((await goscope(['metrics', given!, '--json', ...out('service')])).stdout) as Report;
        assert.equal(s.source, scraped);
        assert.equal(s.families, j.families);
      }
    } finally {
      await admin.close();
    }
    // A pprof URL given by mistake: its reply is called what it is, and kept.
    const dir = mkdtempSync(path.join(tmp, 'heap-'));
    const heap = await goscope(['metrics', demo.url + '/debug/pprof/heap', '--out', dir]);
    assert.equal(heap.code, 1);
    assert.match(
      heap.stderr,
      new RegExp(
        `^goscope: ${demo.url}/debug/pprof/heap: not a Prometheus exposition but \\d+ bytes of gzip-compressed data \\(Content-Type application/octet-stream; saved to ${dir}/metrics\\.txt\\): is this the right URL\\? goscope reads <service>/metrics\n$`,
      ),
    );
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
    const m = (
      JSON.parse(r.stdout) as {
        metrics: { state: string; errors: number; warnings: number; problems: Problem[]; runtime: Record<string, unknown>; saved: string };
      }
    ).metrics;
    assert.equal(m.state, 'ok');
    assert.deepEqual([m.errors, m.warnings], [2, 6]);
    assert.equal(m.problems[0]!.severity, 'error');
    assert.equal(m.runtime.goVersion, goVersion());
    assert.ok(existsSync(m.saved));
    // The HTML report has the same digest: facts, the worst problems with their fixes.
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    assert.match(html, /<a href="#metrics">metrics<\/a>/);
    assert.match(
      html,
      /<p data-metrics-state="ok"><code>http:\/\/127\.0\.0\.1:\d+\/metrics<\/code> · 47 families, \d+ series · <b>2 errors, 6 warnings<\/b><\/p>/,
    );
    assert.deepEqual(
      [...html.matchAll(/<tr data-metrics-rule="([^"]+)">/g)].map((x) => x[1]),
      m.problems.map((p) => p.rule),
    );
    assert.match(html, /<li>Go runtime  go1\.\d+\.\d+ · \d+ goroutines/);
    // The folder again, offline: the saved /metrics is read again.
    const again = JSON.parse((await goscope(['diagnose', dir, '--json'])).stdout) as { metrics: { state: string; errors: number } };
    assert.deepEqual([again.metrics.state, again.metrics.errors], ['ok', 2]);
    const text = await goscope(['diagnose', dir]);
    assert.match(text.stdout, /^metrics · .* · 47 families, \d+ series · 2 errors, 6 warnings$/m);
    // The same service behind a proxy that has no /metrics: said so, the rest as before.
    const p = await proxy(demo.url, (req, res) => {
      if (!req.url?.startsWith('/metrics')) return false;
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
      return true;
    });
    try {
      const r = await goscope(
        ['diagnose', p.url, '--seconds', '1', '--samples', '2', '--no-trace', '--json', '--out', mkdtempSync(path.join(tmp, 'diag404-'))],
        { timeoutMs: 120_000 },
      );
      assert.ok(r.code === 0 || r.code === 3, r.stderr);
      const j = JSON.parse(r.stdout) as { metrics: { state: string }; captureDir: string };
      assert.equal(j.metrics.state, 'absent');
      assert.match(
        readFileSync(path.join(j.captureDir, 'report.html'), 'utf8'),
        /<p data-metrics-state="absent"><code>http:\/\/127\.0\.0\.1:\d+\/metrics<\/code>: the service serves no \/metrics<\/p>/,
      );
      const t = await goscope(['diagnose', p.url, '--seconds', '1', '--samples', '2', '--no-trace', '--out', mkdtempSync(path.join(tmp, 'diag404t-'))], {
        timeoutMs: 120_000,
      });
      assert.match(t.stdout, /^metrics · http:\/\/127\.0\.0\.1:\d+\/metrics: the service serves no \/metrics$/m);
    } finally {
      await p.close();
    }
  } finally {
    await demo.stop();
  }
});

test('scraped as Prometheus scrapes: its Accept header and gzip; --format narrows what it asks for', { skip: needGo }, async () => {
  const seen: { accept?: string; encoding?: string }[] = [];
  const p = await proxy(gen!.url, (req) => {
    seen.push({ accept: req.headers.accept, encoding: req.headers['accept-encoding'] });
    return false;
  });
  try {
    const r = await goscope(['metrics', p.url + '/fixed', ...out('accept')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: OpenMetrics 1\.0, gzip, /);
    const pb = JSON.parse((await goscope(['metrics', p.url + '/fixed', '--format', 'protobuf', '--json', ...out('accept-pb')])).stdout) as Report;
    assert.equal(pb.format, 'protobuf');
    assert.deepEqual(seen, [
      { accept: acceptHeader(), encoding: 'gzip' },
      { accept: acceptHeader('protobuf'), encoding: 'gzip' },
    ]);
  } finally {
    await p.close();
  }
});

test('size cap: a reply that inflates past GOSCOPE_MAX_METRICS is stopped there, one line, nothing kept', { skip: needGo }, async () => {
  // /fixed is about 1.2 KiB gzip-compressed and 4.4 KiB inflated: the cap falls between.
  const dir = mkdtempSync(path.join(tmp, 'cap-'));
  const r = await goscope(['metrics', gen!.url + '/fixed', '--out', dir], { env: { GOSCOPE_MAX_METRICS: '3KiB' } });
  assert.equal(r.code, 1, r.stdout);
  assert.equal(
    r.stderr,
    `goscope: ${gen!.url}/fixed: response exceeds the 3 KiB limit for a metrics exposition: stopped reading (is this the right endpoint? set GOSCOPE_MAX_METRICS=6144 to allow more)\n`,
  );
  assert.deepEqual(readdirSync(dir), [], 'no temporary or partial file');
});

test('a reply cut short is saved before it is read: one line with the URL, line and column and where it was saved', { skip: needGo }, async () => {
  const whole = readFileSync((await scrapeMetrics(new URL(gen!.url + '/fixed'), { dir: mkdtempSync(path.join(tmp, 'whole-')), format: 'openmetrics' })).path);
  const cut = whole.subarray(0, whole.lastIndexOf(10, whole.length >> 1) + 1);
  const lines = cut.toString().split('\n').length - 1;
  const p = await proxy(gen!.url, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' }).end(cut);
    return true;
  });
  try {
    const dir = mkdtempSync(path.join(tmp, 'cut-'));
    const r = await goscope(['metrics', p.url + '/metrics', '--out', dir]);
    assert.equal(r.code, 1, r.stdout);
    const file = path.join(dir, 'metrics.om.txt');
    assert.equal(
      r.stderr,
      `goscope: ${p.url}/metrics: line ${lines}, column 1: truncated OpenMetrics exposition: it does not end with "# EOF" (the reply was cut off, or it is not OpenMetrics) (saved to ${file})\n`,
    );
    assert.deepEqual(readFileSync(file), cut, 'the reply as it came');
  } finally {
    await p.close();
  }
});

test('Ctrl-C: after a scrape, what was scraped is reported (exit 130); during the first, one line (exit 130)', { skip: needGo, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmp, 'int-'));
  const r = await interrupted(['metrics', gen!.url + '/mistakes', '--samples', '3', '--interval', '60s', '--json', '--out', dir], () =>
    readdirSync(dir).includes('metrics.om.txt'),
  );
  assert.equal(r.code, 130, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  assert.equal(j.scrapes, 1);
  assert.deepEqual(j.saved, [path.join(dir, 'metrics.om.txt')]);
  assert.ok(j.problems.length > 0);

  const stall = await startHostile();
  try {
    const dir2 = mkdtempSync(path.join(tmp, 'int-stall-'));
    const s = await interrupted(['metrics', stall.base('stall'), '--timeout', '120s', '--out', dir2], () => readdirSync(dir2).some((f) => f.endsWith('.tmp')));
    assert.equal(s.code, 130);
    assert.equal(s.stdout, '');
    assert.equal(s.stderr, `goscope: interrupted before the first scrape of ${stall.url}/stall/metrics was read; nothing was saved\n`);
    assert.deepEqual(readdirSync(dir2), [], 'no temporary file left');
  } finally {
    await stall.close();
  }
});

test('GOMEMLIMIT and the open files limit of a real service: the facts, and problems near the limits', { skip: needGo }, async () => {
  // metricsgen -fd-limit 64 lowers its limit to 64 and keeps 90% of it open, as a service leaking descriptors would.
  const svc = await startMetricsgen({ args: ['-fd-limit', '64'], env: { GOMEMLIMIT: '4MiB' } });
  try {
    const r = await goscope(['metrics', svc.url, '--json', ...out('limits')]);
    assert.equal(r.code, 3, r.stderr);
    const j = JSON.parse(r.stdout) as Report;
    const rt = j.runtime!;
    assert.equal(rt.memoryLimitBytes, 4 * 1024 * 1024);
    assert.equal(rt.maxFds, 64);
    const open = rt.openFds as number;
    assert.ok(open >= 57 && open <= 64, `open fds ${open}`);
    assert.deepEqual(j.problems.find((p) => p.rule === 'fd-limit')?.data, { open, max: 64 });
    const heap = j.problems.find((p) => p.rule === 'heap-limit')!;
    assert.ok(heap, 'heap-limit');
    assert.equal(heap.data!.limit, 4 * 1024 * 1024);
    assert.equal(heap.data!.bytes, rt.runtimeBytes);
    const t = await goscope(['metrics', svc.url, ...out('limits-text')]);
    assert.match(t.stdout, /runtime [\d.]+ MiB of GOMEMLIMIT 4 MiB \(\d+%\)/);
    assert.match(t.stdout, /open fds \d+ of 64/);
    assert.match(t.stdout, /process_open_fds: open file descriptors at \d+% of the limit \(\d+ of 64\) \[fd-limit\]/);
    assert.match(t.stdout, /go_gc_gomemlimit_bytes: Go runtime memory at \d+% of GOMEMLIMIT \([\d.]+ MiB of 4 MiB\) \[heap-limit\]/);
  } finally {
    await svc.stop();
  }
});

test('a family past 10,000 series: high-cardinality names the label that multiplies it most', { skip: needGo }, async () => {
  const file = path.join(tmp, 'wide.prom');
  writeFileSync(file, await runMetricsgen(['-big', '24000', '-family', '12000']));
  const r = await goscope(['metrics', file, '--json']);
  assert.equal(r.code, 3, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  const hc = j.problems.filter((p) => p.rule === 'high-cardinality');
  assert.deepEqual(hc.map((p) => p.metric).sort(), ['bench_inflight_00001', 'bench_requests_00000_total']);
  for (const p of hc) {
    const row = j.cardinality.find((c) => c.metric === p.metric)!;
    assert.equal(p.data!.series, 12000);
    assert.equal(row.series, 12000);
    const top = Object.entries(row.factors).sort((a, b) => b[1] - a[1])[0]!;
    assert.equal(p.label, top[0], `${p.metric}: the label with the largest factor`);
    assert.equal(p.data!.factor, top[1]);
  }
});

// ---------------------------------------------------------------------------------------
// A third-party Go service: Caddy's admin endpoint serves /metrics (client_golang).

const caddy = await caddyBinary();

test('Caddy v2.11.9: its admin /metrics scraped and linted, promlint parity, runtime facts read', { skip: caddy.skip, timeout: 120_000 }, async () => {
  const c = await startCaddy(caddy.bin!, { sites: [] });
  try {
    const r = await goscope(['metrics', c.admin, '--json', ...out('caddy')]);
    assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
    const j = JSON.parse(r.stdout) as Report;
    assert.equal(new URL(j.source).pathname, '/metrics');
    assert.ok(j.families >= 30, `families: ${j.families}`);
    assert.match(String(j.runtime!.goVersion), /^go1\.\d+/);
    assert.ok((j.runtime!.goroutines as number) > 0);
    assert.ok((j.runtime!.openFds as number) > 0 && (j.runtime!.maxFds as number) > 0);
    assert.ok(
      j.cardinality.some((x) => x.metric.startsWith('caddy_')),
      'caddy families',
    );
    // promlint's rules on a real third-party exposition: the same problems as client_golang's promlint.
    for (const f of ['text', 'protobuf'] as const) {
      const s = JSON.parse((await goscope(['metrics', c.admin, '--format', f, '--json', ...out('caddy-' + f)])).stdout) as Report;
      assert.equal(s.format, f);
      const ours = s.problems.filter((p) => p.promlint).flatMap((p) => Array.from({ length: p.count }, () => `${p.metric}\t${p.text}`));
      const oracle = (await promlintOracle(s.saved[0]!, f)).map((p) => `${p.metric}\t${p.text}`);
      assert.deepEqual(ours.sort(), oracle.sort(), f);
    }
  } finally {
    await c.stop();
  }
});
