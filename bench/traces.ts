// `goscope traces` on about 1,000,000 spans (issue 14 §6), side by side with Jaeger.
//
// The input: testdata/go/otlpgen -requests N (the OpenTelemetry Go SDK v1.47.0, three
// services each with its own tracer provider; 10-span requests gateway -> orders ->
// inventory, 1 in 200 timing out, 1 in 500 leaving work running) exported over OTLP/HTTP to
// `goscope otlp`, which writes OTLP JSON Lines: the file is made once into bench/out/.
//
// goscope: `goscope traces FILE --json > file` under `/usr/bin/time -v` (wall, CPU, peak
// RSS), --runs times, medians; every run's JSON is checked (span count, one timeout finding
// per planted timeout, one outlived-parent per planted one). The same with the spill off
// (GOSCOPE_TRACES_SPILL past the span count: everything in memory) shows what spilling buys.
//
// Jaeger v1.75.0 all-in-one (memory storage) is the reference a user would otherwise load
// the spans into: the same file is posted line by line to its OTLP/HTTP receiver (JSON, 4
// requests in flight), until its query API returns the last trace; then it answers one trace
// (GET /api/traces/ID) and the search for the slow requests (GET /api/traces?service=gateway
// &minDuration=250ms: the requests that timed out). Its peak RSS from `/usr/bin/time -v`.
// Jaeger answers queries; it finds no timeout budget, hop or outlived span: those columns
// are what goscope computes on top.
//
//   npm run bench:traces     (node dist/bench/traces.js --requests 100000 --runs 3)
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { buildGo, installJaeger, JAEGER, repoRoot } from '../scripts/go.js';
import { startJaeger } from '../scripts/jaeger.js';
import { median } from '../src/lib/quantile.js';
import { benchOut, gnuTime, opt, requireGnuTime } from './common.js';

const REQUESTS = Number(opt('--requests', '100000'));
const RUNS = Number(opt('--runs', '3'));
const TIMEOUTS = Math.floor(REQUESTS / 200);
const OUTLIVED = Math.floor(REQUESTS / 500) - Math.floor(REQUESTS / 1000);

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await Promise.resolve(f()).catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Proc {
  p: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function timed(cmd: string, args: string[], stdout: 'ignore' | 'pipe' = 'ignore', env: NodeJS.ProcessEnv = process.env): Proc & { out: () => string } {
  const p = spawn('/usr/bin/time', ['-v', cmd, ...args], { stdio: ['ignore', stdout, 'pipe'], detached: true, env });
  let out = '';
  let err = '';
  p.stdout?.on('data', (b: Buffer) => (out += b));
  p.stderr!.on('data', (b: Buffer) => (err += b));
  return { p, out: () => out, stderr: () => err, exited: new Promise((r) => p.on('exit', (c) => r(c))) };
}

/** The OTLP JSON Lines file: made once (otlpgen -> goscope otlp), then reused. */
async function spansFile(): Promise<{ file: string; spans: number; traces: number }> {
  const dir = path.join(benchOut(), `traces-${REQUESTS}`);
  const meta = path.join(dir, 'meta.json');
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as { file: string; spans: number; traces: number };
  rmSync(dir, { recursive: true, force: true });
  const gen = await buildGo('testdata/go/otlpgen');
  const t = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin/goscope.js'), 'otlp', '--listen', '127.0.0.1:0', '--grpc-listen', 'off', '--out', dir, '--json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  t.stdout.on('data', (b: Buffer) => (out += b));
  t.stderr.on('data', (b: Buffer) => (err += b));
  const exited = new Promise((r) => t.on('exit', r));
  await until('goscope otlp to listen', () => /on (127\.0\.0\.1:\d+)/.test(err));
  const addr = /on (127\.0\.0\.1:\d+)/.exec(err)![1]!;
  const g = spawn(gen, ['-export', `http://${addr}`, '-requests', String(REQUESTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let gout = '';
  g.stdout.on('data', (b: Buffer) => (gout += b));
  const code = await new Promise((r) => g.on('exit', r));
  if (code !== 0) throw new Error(`otlpgen exited ${String(code)}`);
  const made = JSON.parse(gout) as { spans: number; seconds: number };
  t.kill('SIGINT');
  await exited;
  const j = JSON.parse(out) as { spans: number; traces: number; files: { traces: string } };
  if (j.spans !== made.spans) throw new Error(`goscope otlp received ${j.spans} spans, otlpgen sent ${made.spans}`);
  const m = { file: j.files.traces, spans: j.spans, traces: j.traces };
  writeFileSync(meta, JSON.stringify(m));
  console.error(`bench: made ${m.file}: ${m.spans} spans, ${m.traces} traces (otlpgen ${made.seconds.toFixed(1)} s)`);
  return m;
}

interface Run {
  wallS: number;
  cpuS: number;
  rssMb: number;
}

async function goscopeRun(file: string, spans: number, env: NodeJS.ProcessEnv): Promise<Run> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-bench-traces-'));
  const outFile = path.join(tmp, 'out.json');
  try {
    const t0 = performance.now();
    const t = timed(
      '/bin/sh',
      ['-c', `exec "$0" "$1" traces "$2" --json > "$3"`, process.execPath, path.join(repoRoot, 'bin/goscope.js'), file, outFile],
      'ignore',
      env,
    );
    const code = await t.exited;
    const wallS = (performance.now() - t0) / 1000;
    if (code !== 3) throw new Error(`goscope traces exited ${String(code)}: ${t.stderr().slice(-2000)}`);
    const doc = JSON.parse(readFileSync(outFile, 'utf8')) as { spans: number; findings: { kind: string }[] };
    const count = (k: string) => doc.findings.filter((f) => f.kind === k).length;
    if (doc.spans !== spans || count('timeout') !== TIMEOUTS || count('outlived-parent') !== OUTLIVED || doc.findings.length !== TIMEOUTS + OUTLIVED)
      throw new Error(`wrong answer: ${doc.spans} spans, ${count('timeout')} timeouts, ${count('outlived-parent')} outlived, ${doc.findings.length} findings`);
    const g = gnuTime(t.stderr());
    return { wallS, cpuS: g.cpuMs / 1000, rssMb: g.rssKb / 1024 };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface JaegerRun {
  ingestS: number;
  traceMs: number;
  searchMs: number;
  found: number;
  rssMb: number;
}

/** The file's last trace id (in its last 4 MiB): Jaeger has ingested the file when it has that trace. */
function lastTraceId(file: string): string {
  const size = statSync(file).size;
  const n = Math.min(size, 4 << 20);
  const buf = Buffer.alloc(n);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, n, size - n);
  } finally {
    closeSync(fd);
  }
  const ids = [...buf.toString('latin1').matchAll(/"traceId":"([0-9a-f]{32})"/g)];
  return ids[ids.length - 1]![1]!;
}

async function jaegerRun(bin: string, file: string, traces: number, lastId: string, timeoutId: string): Promise<JaegerRun> {
  const j = await startJaeger({ bin, maxTraces: traces * 2, maxRequestBodySize: 268435456, wrap: ['/usr/bin/time', '-v'], startMs: 120_000 });
  const [h, q] = [j.otlpHttpUrl!, j.queryUrl];
  try {
    const t0 = performance.now();
    const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    const inflight = new Set<Promise<void>>();
    for await (const line of rl) {
      if (!line.includes('"resourceSpans"')) continue;
      const p: Promise<void> = (async () => {
        const res = await fetch(`${h}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: line });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`Jaeger answered ${res.status}`);
      })().finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= 4) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    // Accepted is not stored: its batch processor queues. Ingested = the last trace is found.
    await until('Jaeger to store the last trace', async () => (await fetch(`${q}/api/traces/${lastId}`)).ok, 300_000);
    const ingestS = (performance.now() - t0) / 1000;
    const timeQuery = async (url: string): Promise<{ ms: number; body: { data: unknown[] } }> => {
      const a = performance.now();
      const res = await fetch(url);
      const body = (await res.json()) as { data: unknown[] };
      return { ms: performance.now() - a, body };
    };
    const traceMs: number[] = [];
    const searchMs: number[] = [];
    let found = 0;
    for (let i = 0; i < 3; i++) {
      traceMs.push((await timeQuery(`${q}/api/traces/${timeoutId}`)).ms);
      const s = await timeQuery(`${q}/api/traces?service=gateway&operation=${encodeURIComponent('GET /checkout')}&minDuration=250ms&limit=${TIMEOUTS * 2}`);
      searchMs.push(s.ms);
      found = s.body.data.length;
    }
    // stop() signals Jaeger itself, not GNU time, which then writes its figures.
    await j.stop();
    const gt = gnuTime(j.log());
    return { ingestS, traceMs: median(traceMs), searchMs: median(searchMs), found, rssMb: gt.rssKb / 1024 };
  } finally {
    await j.stop();
  }
}

async function main(): Promise<void> {
  requireGnuTime();
  const { file, spans, traces } = await spansFile();
  const mb = statSync(file).size / 1024 / 1024;
  console.log(
    `${spans.toLocaleString('en-US')} spans, ${traces.toLocaleString('en-US')} traces, ${mb.toFixed(0)} MB of OTLP JSON Lines (${path.relative(repoRoot, file)}); medians of ${RUNS} runs`,
  );
  console.log(`load average before: ${load()}`);
  const spilled: Run[] = [];
  const memory: Run[] = [];
  const inMemory = { ...process.env, GOSCOPE_TRACES_SPILL: String(spans + 1) };
  for (let i = 0; i < RUNS; i++) {
    spilled.push(await goscopeRun(file, spans, process.env));
    memory.push(await goscopeRun(file, spans, inMemory));
  }
  const row = (name: string, rs: Run[]) =>
    `| ${name} | ${median(rs.map((r) => r.wallS)).toFixed(1)} | ${median(rs.map((r) => r.cpuS)).toFixed(1)} | ${Math.round(median(rs.map((r) => r.rssMb)))} | ${Math.round(spans / median(rs.map((r) => r.wallS))).toLocaleString('en-US')} |`;
  console.log('| goscope traces FILE --json | wall s | CPU s | peak RSS MB | spans/s |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(row('spilled past 200,000 spans (default)', spilled));
  console.log(row('everything in memory (GOSCOPE_TRACES_SPILL past the count)', memory));
  console.log(
    `runs (wall s / RSS MB): spilled ${spilled.map((r) => `${r.wallS.toFixed(1)}/${Math.round(r.rssMb)}`).join(', ')}; memory ${memory.map((r) => `${r.wallS.toFixed(1)}/${Math.round(r.rssMb)}`).join(', ')}`,
  );
  console.log(`load average after goscope: ${load()}`);

  let jaeger: string | null = null;
  try {
    jaeger = await installJaeger();
  } catch (e) {
    console.log(`Jaeger could not be built, its rows are left out: ${(e as Error).message}`);
    return;
  }
  // A timed-out trace to query: the first timeout finding of one goscope run.
  const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-bench-traces-'));
  let timeoutId = '';
  try {
    const r = spawn('/bin/sh', [
      '-c',
      `exec "$0" "$1" traces "$2" --json > "$3"`,
      process.execPath,
      path.join(repoRoot, 'bin/goscope.js'),
      file,
      path.join(tmp, 'o.json'),
    ]);
    await new Promise((res) => r.on('exit', res));
    timeoutId = (JSON.parse(readFileSync(path.join(tmp, 'o.json'), 'utf8')) as { findings: { kind: string; traceId: string }[] }).findings.find(
      (f) => f.kind === 'timeout',
    )!.traceId;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const lastId = lastTraceId(file);
  const js: JaegerRun[] = [];
  for (let i = 0; i < RUNS; i++) js.push(await jaegerRun(jaeger, file, traces, lastId, timeoutId));
  const m = (f: (r: JaegerRun) => number) => median(js.map(f));
  console.log(`| Jaeger ${JAEGER.version} (memory) | ingest s | one trace ms | search minDuration=250ms ms (traces found) | peak RSS MB |`);
  console.log('|---|---:|---:|---:|---:|');
  console.log(
    `| same file over OTLP/HTTP JSON | ${m((r) => r.ingestS).toFixed(1)} | ${m((r) => r.traceMs).toFixed(1)} | ${m((r) => r.searchMs).toFixed(1)} (${js[0]!.found}) | ${Math.round(m((r) => r.rssMb))} |`,
  );
  console.log(`runs (ingest s / RSS MB): ${js.map((r) => `${r.ingestS.toFixed(1)}/${Math.round(r.rssMb)}`).join(', ')}`);
  console.log(`load average after Jaeger: ${load()}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
