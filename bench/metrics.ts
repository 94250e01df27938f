// goscope metrics against `promtool check metrics --extended` (Prometheus v0.316.0, built
// from the module proxy for this benchmark only) on generated expositions of --series
// series (testdata/go/metricsgen -big: client_golang's own text encoder), in two shapes:
// families of 10,000 series and families of 100. Each run is one process under
// `/usr/bin/time -v` (wall time, peak RSS); medians of --runs. promtool runs at most
// --promtool-limit-s and is killed there (its duplicate check compares every pair of
// series in a family: quadratic in the family's size). Where promtool finishes, its
// cardinality table is compared with goscope's family by family.
//
//   npm run bench:metrics            (node dist/bench/metrics.js --series 1000000 --runs 3)
//   node dist/bench/metrics.js [--series N] [--runs R] [--promtool-limit-s S]
import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { buildGo, installGoProgram, repoRoot } from '../scripts/go.js';
import { median } from '../src/lib/quantile.js';
import { benchOut, gnuTime, opt, requireGnuTime } from './common.js';

const SERIES = Number(opt('--series', '1000000'));
const RUNS = Number(opt('--runs', '3'));
const LIMIT_MS = Number(opt('--promtool-limit-s', '300')) * 1000;
const PROMTOOL = { pkg: 'github.com/prometheus/prometheus/cmd/promtool', version: 'v0.316.0' };

interface Run {
  code: number | null;
  killed: boolean;
  wallMs: number;
  rssMb: number;
  stdout: string;
}

function timed(cmd: string, args: string[], stdinFile: string | null, limitMs: number, keepStdout = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const fd = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const t0 = Date.now();
    const p = spawn('/usr/bin/time', ['-v', cmd, ...args], {
      stdio: [fd, 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', GOTOOLCHAIN: 'local' },
      detached: true,
    });
    if (typeof fd === 'number') closeSync(fd);
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (c: Buffer) => {
      if (keepStdout) stdout += c.toString();
    });
    p.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20000)));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      process.kill(-p.pid!, 'SIGKILL');
    }, limitMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      const { rssKb } = gnuTime(stderr);
      resolve({ code, killed, wallMs: Date.now() - t0, rssMb: rssKb / 1024, stdout });
    });
  });
}

async function generate(bin: string, file: string, perFamily: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    const p = spawn(bin, ['-big', String(SERIES), '-family', String(perFamily)], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.pipe(out);
    p.on('error', reject);
    out.on('finish', () => (p.exitCode === 0 || p.exitCode === null ? resolve() : reject(new Error(`metricsgen exit ${p.exitCode}`))));
  });
}

/** promtool's --extended table: metric -> cardinality, and its Total line. */
function promtoolCardinality(stdout: string): { families: Map<string, number>; total: number } {
  const families = new Map<string, number>();
  let total = NaN;
  for (const line of stdout.split('\n').slice(1)) {
    const [name, card] = line.trim().split(/\s+/);
    if (!name || !card || !/^\d+$/.test(card)) continue;
    if (name === 'Total') total = Number(card);
    else families.set(name, Number(card));
  }
  return { families, total };
}

async function main(): Promise<void> {
  requireGnuTime();
  const out = benchOut();
  const gen = await buildGo('testdata/go/metricsgen');
  let promtool: string | null = null;
  let oracleNote = '';
  try {
    promtool = await installGoProgram(PROMTOOL.pkg, PROMTOOL.version);
  } catch (e) {
    oracleNote = `promtool could not be built (${(e as Error).message.split('\n')[0]}): the promlint oracle program stands in`;
    promtool = await buildGo('testdata/go/promlint');
  }
  const goscope = path.join(repoRoot, 'bin/goscope.js');
  const rows: Record<string, unknown>[] = [];
  const load0 = loadavg()[0]!;
  for (const perFamily of [10_000, 100]) {
    const file = path.join(out, `metrics-${SERIES}-f${perFamily}.prom`);
    await generate(gen, file, perFamily);
    const mb = statSync(file).size / 1e6;
    const ours: Run[] = [];
    for (let i = 0; i < RUNS; i++) ours.push(await timed(process.execPath, [goscope, 'metrics', file], null, 30 * 60_000));
    const theirs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = oracleNote
        ? await timed(promtool, ['-format', 'text', file], null, LIMIT_MS)
        : await timed(promtool, ['check', 'metrics', '--extended'], file, LIMIT_MS, perFamily === 100 && i === 0);
      theirs.push(r);
      if (r.killed) break; // one run past the limit says enough
    }
    let same = 'not compared';
    const withTable = theirs.find((r) => r.stdout);
    if (withTable) {
      const json = await timed(process.execPath, [goscope, 'metrics', file, '--json'], null, 30 * 60_000, true);
      const j = JSON.parse(json.stdout) as { series: number; cardinality: { metric: string; series: number }[] };
      const pt = promtoolCardinality(withTable.stdout);
      const diff = j.cardinality.filter((c) => pt.families.get(c.metric) !== c.series).length;
      same =
        diff === 0 && pt.families.size === j.cardinality.length && pt.total === j.series
          ? `same as promtool for all ${pt.families.size.toLocaleString('en-US')} families (total ${pt.total.toLocaleString('en-US')})`
          : `${diff} of ${pt.families.size} families differ; totals ${j.series} vs ${pt.total}`;
    }
    const row = {
      shape: `${SERIES.toLocaleString('en-US')} series, families of ${perFamily.toLocaleString('en-US')}`,
      fileMb: Number(mb.toFixed(1)),
      goscopeWallS: Number((median(ours.map((r) => r.wallMs)) / 1000).toFixed(2)),
      goscopeRssMb: Math.round(median(ours.map((r) => r.rssMb))),
      goscopeExit: ours[0]!.code,
      promtoolWallS: theirs.some((r) => r.killed) ? null : Number((median(theirs.map((r) => r.wallMs)) / 1000).toFixed(2)),
      promtoolKilledAfterS: theirs.some((r) => r.killed) ? LIMIT_MS / 1000 : null,
      promtoolRssMb: theirs.some((r) => r.killed) ? null : Math.round(median(theirs.map((r) => r.rssMb))),
      promtoolRuns: theirs.length,
      cardinality: same,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const result = {
    series: SERIES,
    runs: RUNS,
    promtool: oracleNote || `${PROMTOOL.pkg}@${PROMTOOL.version}`,
    loadavg1mBefore: load0,
    loadavg1mAfter: loadavg()[0],
    nproc: (await import('node:os')).cpus().length,
    rows,
  };
  writeFileSync(path.join(out, 'metrics.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(
    '\n| exposition | file | goscope metrics (wall, peak RSS) | promtool check metrics --extended (wall, peak RSS) | goscope / promtool | cardinality |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows as Record<string, number | string | null>[]) {
    const pt = r.promtoolWallS === null ? `killed after ${r.promtoolKilledAfterS} s` : `${r.promtoolWallS} s, ${r.promtoolRssMb} MB`;
    const ratio =
      r.promtoolWallS === null
        ? `< ${(Number(r.goscopeWallS) / Number(r.promtoolKilledAfterS)).toFixed(3)}×`
        : `${(Number(r.goscopeWallS) / Number(r.promtoolWallS)).toFixed(2)}× time, ${(Number(r.goscopeRssMb) / Number(r.promtoolRssMb)).toFixed(2)}× RSS`;
    console.log(
      `| ${r.shape} | ${r.fileMb} MB | ${r.goscopeWallS} s, ${r.goscopeRssMb} MB (${(Number(r.goscopeRssMb) / Number(r.fileMb)).toFixed(2)}× file) | ${pt} | ${ratio} | ${r.cardinality} |`,
    );
  }
  console.log(
    `\nload average (1 min) before ${load0.toFixed(2)}, after ${loadavg()[0]!.toFixed(2)}, ${result.nproc} cores${oracleNote ? '; ' + oracleNote : ''}`,
  );
}

await main();
