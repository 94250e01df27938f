// Finding one request's lines in a big log: `goscope logs big.json --trace-id ID` against
// `jq -c 'select(.trace_id=="ID")'` and `grep -F ID`, on --mb MiB of slog JSON written by
// testdata/go/loggen (-mode big: a busy service's request lines, every line with a trace
// id; ID planted on every --every-th line). Each run is one process under
// `/usr/bin/time -v` (wall time, peak RSS), stdout to /dev/null; medians of --runs, the
// tools taking turns. The file is written once to bench/out/ and read from the page cache
// afterwards by all three alike (a first, uncounted run of each warms it). jq comes from
// Debian's package (apt-get install jq), for this benchmark only.
//
//   npm run bench:logs            (node dist/bench/logs.js --mb 1024 --runs 5)
//   node dist/bench/logs.js [--mb N] [--runs R] [--every K]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { buildGo, repoRoot } from '../scripts/go.js';
import { median } from '../src/lib/quantile.js';
import { benchOut, gnuTime, goBenchEnv, opt, requireGnuTime } from './common.js';

const MB = Number(opt('--mb', '1024'));
const RUNS = Number(opt('--runs', '5'));
const EVERY = Number(opt('--every', '100000'));
const ID = '4bf92f3577b34da6a3ce929d0e0e4736';

interface Run {
  wallMs: number;
  rssMb: number;
  cpuMs: number;
  lines: number;
}

function timed(cmd: string, args: string[], countLines: (out: string) => number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-v', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('error', reject);
    p.on('close', () => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const t = gnuTime(stderr);
      resolve({ wallMs, rssMb: t.rssKb / 1024, cpuMs: t.cpuMs, lines: countLines(stdout) });
    });
  });
}

async function main(): Promise<void> {
  requireGnuTime();
  if (spawnSync('jq', ['--version']).status !== 0) {
    console.error('bench: jq is needed (apt-get install jq)');
    process.exit(1);
  }
  const file = path.join(benchOut(), `logs-slog-${MB}m-${EVERY}.json`);
  let planted = 0;
  if (!existsSync(file)) {
    const bin = await buildGo('testdata/go/loggen');
    console.error(`writing ${MB} MiB of slog JSON to ${file} …`);
    const r = spawnSync(bin, ['-mode', 'big', '-out', file, '-mb', String(MB), '-every', String(EVERY), '-trace-id', ID], {
      env: goBenchEnv(),
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`loggen failed: ${r.stderr}`);
  }
  const size = statSync(file).size;
  const goscope = path.join(repoRoot, 'bin/goscope.js');
  const tools: [string, string, string[], (o: string) => number][] = [
    [
      'goscope logs --trace-id',
      process.execPath,
      [goscope, 'logs', file, '--trace-id', ID, '--json'],
      (o) => (JSON.parse(o) as { lines: unknown[] }).lines.length,
    ],
    [`jq -c 'select(.trace_id=="…")'`, 'jq', ['-c', `select(.trace_id=="${ID}")`, file], (o) => o.split('\n').filter(Boolean).length],
    ['grep -F', 'grep', ['-F', ID, file], (o) => o.split('\n').filter(Boolean).length],
  ];
  const runs = new Map<string, Run[]>(tools.map(([name]) => [name, []]));
  for (const [, cmd, args, count] of tools) planted = Math.max(planted, (await timed(cmd, args, count)).lines); // warm-up
  for (let i = 0; i < RUNS; i++) {
    for (const [name, cmd, args, count] of tools) {
      const r = await timed(cmd, args, count);
      runs.get(name)!.push(r);
      console.error(`${name}: ${(r.wallMs / 1000).toFixed(2)} s, ${r.rssMb.toFixed(0)} MB, ${r.lines} lines`);
    }
  }
  console.log(
    `\n${(size / 2 ** 20).toFixed(0)} MiB of slog JSON (${path.basename(file)}), the trace id on ${planted} lines; medians of ${RUNS} runs; load ${loadavg()[0]!.toFixed(2)}\n`,
  );
  console.log('| tool | wall time | CPU time | peak RSS | lines found |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const base = median(runs.get('grep -F')!.map((r) => r.wallMs));
  const jq = median(runs.get(tools[1]![0])!.map((r) => r.wallMs));
  for (const [name] of tools) {
    const rs = runs.get(name)!;
    const w = median(rs.map((r) => r.wallMs));
    console.log(
      `| ${name} | ${(w / 1000).toFixed(2)} s (${(w / base).toFixed(2)}× grep, ${(jq / w).toFixed(1)}× faster than jq) | ${(median(rs.map((r) => r.cpuMs)) / 1000).toFixed(2)} s | ${median(rs.map((r) => r.rssMb)).toFixed(0)} MB | ${rs.map((r) => r.lines).join('/')} |`,
    );
  }
}

await main();
