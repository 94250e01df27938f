// Benchmark: parse + group a runtime.Stack(all) dump of >= 200,000 goroutines, side by
// side with panicparse's pp on the same file, in one run. Medians of several runs; peak
// RSS from /usr/bin/time -v. Writes bench/out/goroutines.json and prints a table.
//
//   npm run bench            (generates the dump once into bench/out/, reuses it after)
//   node dist/bench/goroutines.js --runs 5 --pp-runs 3 --n 200000 --big-n 560000 --regen
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gnuTime, goBenchEnv } from './common.js';
import { median } from '../src/lib/quantile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'bench/out');
mkdirSync(out, { recursive: true });

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const runs = Number(opt('runs', '5'));
const ppRuns = Number(opt('pp-runs', '3'));
const n = Number(opt('n', '200000'));
const bigN = Number(opt('big-n', '0'));
const dump = path.join(out, `stack-${n}.txt`);
const big = bigN > 0 ? path.join(out, `stack-${bigN}.txt`) : null;

function sh(cmd: string, argv: string[], env: Record<string, string> = {}): string {
  return execFileSync(cmd, argv, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
}

const gen = path.join(out, 'benchgen');
for (const [file, count] of [
  [dump, n],
  [big, bigN],
] as const) {
  if (!file || (existsSync(file) && !args.includes('--regen'))) continue;
  execFileSync('go', ['build', '-o', gen, '.'], { cwd: path.join(root, 'bench/goroutines/gen'), stdio: 'inherit', env: goBenchEnv() });
  execFileSync(gen, ['-n', String(count), '-o', file], { stdio: 'inherit' });
}
const size = statSync(dump).size;

const ppBin = path.join(out, 'bin/pp');
if (!existsSync(ppBin)) {
  execFileSync('go', ['install', 'github.com/maruel/panicparse/v2/cmd/pp@v2.5.0'], { env: { ...process.env, GOBIN: path.join(out, 'bin') }, stdio: 'inherit' });
}

interface Run {
  wallMs: number;
  rssKb: number;
  /** Killed at the time limit: wallMs is the limit, a lower bound. */
  timedOut?: boolean;
}

const limitMs = Number(opt('limit-s', '1200')) * 1000;

/** One timed run under /usr/bin/time -v; stdout discarded (pp writes its buckets there). */
function timed(cmd: string, argv: string[]): Run {
  const t0 = process.hrtime.bigint();
  // `timeout` sits between /usr/bin/time and the tool, so a run over the limit is killed
  // and still measured (getrusage covers the waited-for grandchild).
  const r = spawnSync('/usr/bin/time', ['-v', 'timeout', '-s', 'KILL', String(limitMs / 1000), cmd, ...argv], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const { rssKb } = gnuTime(r.stderr);
  if (r.status === 137 || r.status === 124) return { wallMs: limitMs, rssKb, timedOut: true };
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { wallMs, rssKb };
}

interface Tool {
  name: string;
  cmd: string;
  argv: string[];
  runs: number;
  file: string;
}

const p = (f: string, sim: string) => ({ cmd: process.execPath, argv: ['dist/bench/parse-goroutines.js', f, sim] });
const tools: Tool[] = [
  { name: 'goscope parse+group, --similarity value (default)', ...p(dump, 'value'), runs, file: dump },
  { name: 'goscope parse+group, --similarity pointer', ...p(dump, 'pointer'), runs: ppRuns, file: dump },
  {
    name: 'goscope goroutines CLI (text report, default)',
    cmd: process.execPath,
    argv: ['bin/goscope.js', 'goroutines', dump, '--stacks', '0'],
    runs,
    file: dump,
  },
  {
    name: 'panicparse pp -aggressive (any value), -parse=false -rebase=false',
    cmd: ppBin,
    argv: ['-aggressive', '-parse=false', '-rebase=false', '-no-color', dump],
    runs: ppRuns,
    file: dump,
  },
  {
    name: 'panicparse pp (defaults: any pointer, source parsing)',
    cmd: ppBin,
    argv: ['-no-color', dump],
    runs: Number(opt('pp-default-runs', '1')),
    file: dump,
  },
];
if (big) tools.push({ name: `goscope parse+group, default, on the ${(statSync(big).size / 1e9).toFixed(2)} GB dump`, ...p(big, 'value'), runs: 3, file: big });

const results: Record<string, { file: string; bytes: number; wallMs: number; rssMb: number; mbPerSec: number; rssOverFile: number; runs: Run[] }> = {};
// Interleave the tools run by run so machine noise hits all of them alike.
const all: Record<string, Run[]> = {};
const maxRuns = Math.max(...tools.map((t) => t.runs));
for (let i = 0; i < maxRuns; i++) {
  for (const t of tools) {
    if (i >= t.runs) continue;
    process.stderr.write(`run ${i + 1}: ${t.name}\n`);
    (all[t.name] ??= []).push(timed(t.cmd, t.argv));
  }
}
for (const t of tools) {
  const rs = all[t.name];
  if (!rs) continue; // --…-runs 0
  const bytes = statSync(t.file).size;
  const wallMs = median(rs.map((r) => r.wallMs));
  const rssKb = median(rs.map((r) => r.rssKb));
  results[t.name] = {
    file: path.relative(root, t.file),
    bytes,
    wallMs,
    rssMb: rssKb / 1024,
    mbPerSec: bytes / 1e6 / (wallMs / 1000),
    rssOverFile: (rssKb * 1024) / bytes,
    runs: rs,
  };
}
const inner = JSON.parse(sh(process.execPath, ['dist/bench/parse-goroutines.js', dump, 'value'])) as {
  goroutines: number;
  groups: number;
  ms: number;
  mbPerSec: number;
};
const report = {
  date: new Date().toISOString(),
  node: process.version,
  go: sh('go', ['version']).trim(),
  cpu: sh('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).trim(),
  file: { path: path.relative(root, dump), bytes: size, goroutines: inner.goroutines, groups: inner.groups },
  runs,
  inProcess: { ms: inner.ms, mbPerSec: inner.mbPerSec },
  results,
};
writeFileSync(path.join(out, 'goroutines.json'), JSON.stringify(report, null, 2));
console.log(`dump: ${(size / 1e6).toFixed(1)} MB, ${inner.goroutines} goroutines, ${inner.groups} groups at the default similarity`);
console.log('| tool | input | runs | wall (median) | throughput | peak RSS (median) | RSS / file |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, r] of Object.entries(results)) {
  const dnf = r.runs.some((x) => x.timedOut) ? ` (killed at the ${limitMs / 1000} s limit)` : '';
  console.log(
    `| ${name} | ${(r.bytes / 1e6).toFixed(0)} MB | ${r.runs.length} | ${dnf ? '> ' : ''}${(r.wallMs / 1000).toFixed(2)} s${dnf} | ${r.mbPerSec.toFixed(0)} MB/s | ${r.rssMb.toFixed(0)} MB | ${r.rssOverFile.toFixed(2)}x |`,
  );
}
console.log(`in-process parse+group (no Node start-up): ${(inner.ms / 1000).toFixed(2)} s = ${inner.mbPerSec.toFixed(0)} MB/s`);
