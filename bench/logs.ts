// Finding one request's lines in a big log: `goscope logs big.json --trace-id ID` against
// `jq -c 'select(.trace_id=="ID")'` and `grep -F ID`, and the same file gzipped:
// `goscope logs big.json.gz --trace-id ID` against `zcat big.json.gz | grep -F ID`, on
// --mb MiB of slog JSON written by
// testdata/go/loggen (-mode big: a busy service's request lines, every line with a trace
// id; ID planted on every --every-th line). Each run is one process under
// `/usr/bin/time -v` (wall time, peak RSS), stdout to /dev/null; medians of --runs, the
// tools taking turns. The file is written once to bench/out/ and read from the page cache
// afterwards by all three alike (a first, uncounted run of each warms it). jq comes from
// Debian's package (apt-get install jq), for this benchmark only.
//
// The gzip copy (gzip -6) is made once next to it. GOSCOPE_NO_WASM=1 in the environment
// measures the JS fallback instead of the WebAssembly SIMD search.
//
//   npm run bench:logs            (node dist/bench/logs.js --mb 1024 --runs 3)
//   node dist/bench/logs.js [--mb N] [--runs R] [--every K] [--no-gzip]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { buildGo, repoRoot } from '../scripts/go.js';
import { median } from '../src/lib/quantile.js';
import { benchOut, gnuTime, goBenchEnv, has, opt, requireGnuTime } from './common.js';

const MB = Number(opt('--mb', '1024'));
const RUNS = Number(opt('--runs', '3'));
const GZIP = !has('--no-gzip');
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
  const gz = file + '.gz';
  if (GZIP && !existsSync(gz)) {
    console.error(`gzip -6 ${file} …`);
    const r = spawnSync('sh', ['-c', `gzip -6 -c "$1" > "$1.gz.tmp" && mv "$1.gz.tmp" "$1.gz"`, 'sh', file], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('gzip failed');
  }
  const goscope = path.join(repoRoot, 'bin/goscope.js');
  const jsonLines = (o: string) => (JSON.parse(o) as { lines: unknown[] }).lines.length;
  const textLines = (o: string) => o.split('\n').filter(Boolean).length;
  type Tool = [name: string, cmd: string, args: string[], count: (o: string) => number];
  const plain: Tool[] = [
    ['goscope logs --trace-id', process.execPath, [goscope, 'logs', file, '--trace-id', ID, '--json'], jsonLines],
    [`jq -c 'select(.trace_id=="…")'`, 'jq', ['-c', `select(.trace_id=="${ID}")`, file], textLines],
    ['grep -F', 'grep', ['-F', ID, file], textLines],
  ];
  const gzipped: Tool[] = GZIP
    ? [
        ['goscope logs --trace-id (.gz)', process.execPath, [goscope, 'logs', gz, '--trace-id', ID, '--json'], jsonLines],
        ['zcat | grep -F', 'sh', ['-c', 'zcat "$1" | grep -F "$2"', 'sh', gz, ID], textLines],
      ]
    : [];
  const tools = [...plain, ...gzipped];
  const runs = new Map<string, Run[]>(tools.map(([name]) => [name, []]));
  for (const [, cmd, args, count] of tools) planted = Math.max(planted, (await timed(cmd, args, count)).lines); // warm-up
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    loads.push(loadavg()[0]!);
    for (const [name, cmd, args, count] of tools) {
      const r = await timed(cmd, args, count);
      runs.get(name)!.push(r);
      console.error(`${name}: ${(r.wallMs / 1000).toFixed(2)} s, ${r.rssMb.toFixed(0)} MB, ${r.lines} lines (load ${loadavg()[0]!.toFixed(2)})`);
    }
  }
  loads.push(loadavg()[0]!);
  const gzMiB = GZIP ? `, ${(statSync(gz).size / 2 ** 20).toFixed(0)} MiB gzipped` : '';
  console.log(
    `\n${(size / 2 ** 20).toFixed(0)} MiB of slog JSON (${path.basename(file)}${gzMiB}), the trace id on ${planted} lines; medians of ${RUNS} runs; ` +
      `load average (1 min) ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} during the runs; search: ${process.env.GOSCOPE_NO_WASM ? 'JS fallback' : 'WebAssembly SIMD'}\n`,
  );
  console.log('| tool | wall time | CPU time | peak RSS | lines found |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const med = (name: string) => median(runs.get(name)!.map((r) => r.wallMs));
  const row = (name: string, note: string) => {
    const rs = runs.get(name)!;
    console.log(
      `| ${name.replace(/\|/g, '\\|')} | ${(med(name) / 1000).toFixed(2)} s${note} | ${(median(rs.map((r) => r.cpuMs)) / 1000).toFixed(2)} s | ${median(rs.map((r) => r.rssMb)).toFixed(0)} MB | ${rs.map((r) => r.lines).join('/')} |`,
    );
  };
  const grep = med('grep -F');
  const jq = med(plain[1]![0]);
  for (const [name] of plain)
    row(name, name.startsWith('goscope') ? ` (${(med(name) / grep).toFixed(2)}× grep, ${(jq / med(name)).toFixed(1)}× faster than jq)` : '');
  if (GZIP) {
    const zgrep = med('zcat | grep -F');
    for (const [name] of gzipped) row(name, name.startsWith('goscope') ? ` (${(med(name) / zgrep).toFixed(2)}× zcat \\| grep)` : '');
  }
  console.log('\nPer run (s):');
  for (const [name] of tools)
    console.log(
      `  ${name}: ${runs
        .get(name)!
        .map((r) => (r.wallMs / 1000).toFixed(2))
        .join(', ')}`,
    );
}

await main();
