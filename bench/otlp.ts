// OTLP receiving throughput: the OpenTelemetry Go SDK (testdata/go/otlpgen -bench N: small
// server/client span pairs, batch processor blocking so nothing is dropped) exports N spans
// to `goscope otlp` over OTLP/HTTP protobuf and OTLP/gRPC, and, side by side, to Jaeger
// v1.75.0 all-in-one (memory storage) over the same protocols. Spans/s is N over the
// exporter's wall time from the first span to its shutdown returning (every batch
// acknowledged); goscope's count is checked to be N (nothing lost). The receiver runs under
// `/usr/bin/time -v`: its peak RSS and CPU time (spans per CPU-second: the one-core figure).
//
//   npm run build && node dist/bench/otlp.js [--spans N] [--runs R]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildGo, installJaeger, repoRoot } from '../scripts/go.js';
import { startJaeger } from '../scripts/jaeger.js';
import { median } from '../src/lib/quantile.js';
import { gnuTime, opt, requireGnuTime } from './common.js';

const N = Number(opt('--spans', '1000000'));
const RUNS = Number(opt('--runs', '3'));

interface Timed {
  p: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function timed(cmd: string, args: string[]): Timed {
  const p = spawn('/usr/bin/time', ['-v', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  p.stdout!.on('data', (b: Buffer) => (out += b));
  p.stderr!.on('data', (b: Buffer) => (err += b));
  return { p, stdout: () => out, stderr: () => err, exited: new Promise((r) => p.on('exit', (c) => r(c))) };
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await Promise.resolve(f()).catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function exportSpans(gen: string, endpoint: string): Promise<number> {
  const p = spawn(gen, ['-export', endpoint, '-bench', String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b));
  const code = await new Promise((r) => p.on('exit', r));
  if (code !== 0) throw new Error(`otlpgen exited ${code}`);
  return (JSON.parse(out) as { seconds: number }).seconds;
}

interface Result {
  spansPerS: number;
  cpuS: number;
  rssMb: number;
}

async function goscopeRun(gen: string, proto: 'http' | 'grpc'): Promise<Result> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-bench-otlp-'));
  const t = timed(process.execPath, [
    path.join(repoRoot, 'bin/goscope.js'),
    'otlp',
    '--listen',
    proto === 'http' ? '127.0.0.1:0' : 'off',
    '--grpc-listen',
    proto === 'grpc' ? '127.0.0.1:0' : 'off',
    '--out',
    tmp,
    '--json',
  ]);
  try {
    await until('goscope otlp to listen', () => /on (127\.0\.0\.1:\d+)/.test(t.stderr()));
    const addr = /on (127\.0\.0\.1:\d+)/.exec(t.stderr())![1]!;
    const secs = await exportSpans(gen, `${proto}://${addr}`);
    process.kill(-t.p.pid!, 'SIGINT');
    await t.exited;
    const j = JSON.parse(t.stdout()) as { spans: number };
    if (j.spans !== N) throw new Error(`goscope received ${j.spans} spans, not ${N}: spans were lost`);
    const g = gnuTime(t.stderr());
    return { spansPerS: N / secs, cpuS: g.cpuMs / 1000, rssMb: g.rssKb / 1024 };
  } finally {
    if (t.p.exitCode === null) process.kill(-t.p.pid!, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function jaegerRun(bin: string, gen: string, proto: 'http' | 'grpc'): Promise<Result> {
  const j = await startJaeger({ bin, maxTraces: N, wrap: ['/usr/bin/time', '-v'] });
  try {
    const secs = await exportSpans(gen, proto === 'http' ? j.otlpHttpUrl! : `grpc://${j.otlpGrpcAddr!}`);
    // stop() signals Jaeger itself, not GNU time, which then writes its figures.
    await j.stop();
    const gt = gnuTime(j.log());
    return { spansPerS: N / secs, cpuS: gt.cpuMs / 1000, rssMb: gt.rssKb / 1024 };
  } finally {
    await j.stop();
  }
}

function row(name: string, rs: Result[]): string {
  const m = (f: (r: Result) => number) => median(rs.map(f));
  return `| ${name} | ${Math.round(m((r) => r.spansPerS)).toLocaleString('en-US')} | ${Math.round(N / m((r) => r.cpuS)).toLocaleString('en-US')} | ${m((r) => r.cpuS).toFixed(1)} | ${Math.round(m((r) => r.rssMb))} |`;
}

async function main(): Promise<void> {
  requireGnuTime();
  const gen = await buildGo('testdata/go/otlpgen');
  let jaeger: string | null = null;
  try {
    jaeger = await installJaeger();
  } catch (e) {
    console.error(`bench: Jaeger could not be built, its rows are left out: ${(e as Error).message}`);
  }
  console.log(`${N.toLocaleString('en-US')} spans from the OTel Go SDK v1.47.0, medians of ${RUNS} runs`);
  console.log('| receiver | spans/s (exporter wall time, nothing lost) | spans per receiver CPU-second | receiver CPU s | peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const proto of ['http', 'grpc'] as const) {
    const rs: Result[] = [];
    for (let i = 0; i < RUNS; i++) rs.push(await goscopeRun(gen, proto));
    console.log(row(`goscope otlp, OTLP/${proto === 'http' ? 'HTTP protobuf' : 'gRPC'}`, rs));
    if (jaeger) {
      const js: Result[] = [];
      for (let i = 0; i < RUNS; i++) js.push(await jaegerRun(jaeger, gen, proto));
      console.log(row(`Jaeger v1.75.0 (memory), OTLP/${proto === 'http' ? 'HTTP protobuf' : 'gRPC'}`, js));
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
