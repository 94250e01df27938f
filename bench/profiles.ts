// Benchmark: decode + top of a big, real heap profile (>= 30 MB of raw protobuf, ~1.1M
// flame graph nodes; written by bench/profiles/gen) by goscope and by `go tool pprof
// -top`, side by side in one run. Runs are interleaved so machine noise hits both alike;
// medians of --runs each, wall time and peak RSS from /usr/bin/time -v. The row lines of
// the two outputs must be identical, or the benchmark fails.
//
//   npx tsc -p tsconfig.json && node dist/bench/profiles.js [--runs 5] [--regen] [--limit-s 600]
//
// The profile is generated once into bench/out/ (regenerated when the generator's
// sources change, or with --regen). Results: bench/out/profiles.json and a table.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildGo, repoRoot } from '../scripts/go.js';
import { benchOut, gnuTime, goBenchEnv, has, opt, requireGnuTime, usageUnless } from './common.js';
import { median } from '../src/lib/quantile.js';
import { decodeProfile, indexProfile, type Profile } from '../src/formats/pprof/index.js';

const GEN_DIR = 'bench/profiles/gen';
const here = path.dirname(fileURLToPath(import.meta.url));
// The CLI compiled alongside this file (dist/src/cli/main.js when run from dist/, i.e.
// what bin/goscope.js runs).
const cli = path.resolve(here, '../src/cli/main.js');
const out = benchOut();

const runs = Number(opt('--runs', '5'));
const limitS = Number(opt('--limit-s', '600'));
usageUnless(runs >= 1 && limitS > 0, 'node dist/bench/profiles.js [--runs N >= 1] [--regen] [--limit-s S]');
const goEnv = goBenchEnv();
requireGnuTime();
if (!existsSync(cli)) {
  console.error(`bench: ${cli} is missing: build first (npx tsc -p tsconfig.json)`);
  process.exit(1);
}

// ---- the profile

const profile = path.join(out, 'big.heap.pb.gz');
const stamp = profile + '.gen';
const gen = await buildGo(GEN_DIR); // named by a hash of its sources
if (has('--regen') || !existsSync(profile) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== gen) {
  process.stderr.write(`generating ${path.relative(repoRoot, profile)} (~15 s)…\n`);
  execFileSync(gen, ['-out', profile], { stdio: ['ignore', 'inherit', 'inherit'] });
  writeFileSync(stamp, gen);
}
const gz = readFileSync(profile);
const rawBytes = gunzipSync(gz).length;
const stats = profileStats(decodeProfile(gz, profile));
if (rawBytes < 30e6) throw new Error(`${profile}: ${rawBytes} bytes raw, the benchmark needs >= 30 MB`);
console.log(
  `profile: ${path.relative(repoRoot, profile)}: ${(gz.length / 1e6).toFixed(1)} MB gzipped, ${(rawBytes / 1e6).toFixed(1)} MB raw, ` +
    `${stats.samples} samples, ${stats.locations} locations, ${stats.nodes} flame graph nodes (distinct function-path prefixes)`,
);

/** Samples, and distinct root-first function-name path prefixes over non-zero samples. */
function profileStats(p: Profile): { samples: number; locations: number; nodes: number } {
  const ix = indexProfile(p);
  const names = new Map<string, number>();
  const frameIds = new Map<unknown, number[]>(); // location id -> function-name ids, root first
  for (const loc of p.locations) {
    const ids: number[] = [];
    for (let i = loc.lines.length - 1; i >= 0; i--) {
      const name = ix.functions.get(loc.lines[i]!.functionId)?.name ?? '?';
      let id = names.get(name);
      if (id === undefined) names.set(name, (id = names.size));
      ids.push(id);
    }
    frameIds.set(loc.id, ids);
  }
  const children = new Map<number, number>(); // parent node * 2^20 + name id -> node
  let nodes = 0;
  for (const s of p.samples) {
    if (s.values.every((v) => v === 0)) continue;
    let parent = 0; // the root
    for (let i = s.locationIds.length - 1; i >= 0; i--) {
      for (const name of frameIds.get(s.locationIds[i]!)!) {
        const key = parent * 1048576 + name;
        let node = children.get(key);
        if (node === undefined) children.set(key, (node = ++nodes));
        parent = node;
      }
    }
  }
  return { samples: p.samples.length, locations: p.locations.length, nodes };
}

// ---- the tools

const pprofBin = execFileSync('go', ['tool', '-n', 'pprof'], { env: goEnv, encoding: 'utf8' }).trim();

interface Tool {
  name: string;
  cmd: string;
  argv: string[];
  output: string;
}
const tools: Tool[] = [
  { name: 'go tool pprof -top', cmd: pprofBin, argv: ['-top', profile], output: path.join(out, 'profiles-pprof-top.txt') },
  { name: 'goscope top (node: decode + top + render)', cmd: process.execPath, argv: [cli, 'top', profile], output: path.join(out, 'profiles-goscope-top.txt') },
];

interface Run {
  wallMs: number;
  /** user + system CPU time: steadier than wall time on a shared machine. */
  cpuMs: number;
  rssKb: number;
}

/** One run under /usr/bin/time -v, stdout to `output` (the CLI needs a real file, not a pipe). */
function timed(t: Tool): Run {
  const fd = openSync(t.output, 'w');
  const t0 = process.hrtime.bigint();
  let r;
  try {
    r = spawnSync('/usr/bin/time', ['-v', 'timeout', '-s', 'KILL', String(limitS), t.cmd, ...t.argv], {
      cwd: repoRoot,
      env: goEnv,
      encoding: 'utf8',
      stdio: ['ignore', fd, 'pipe'],
      maxBuffer: 1 << 26,
    });
  } finally {
    closeSync(fd);
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0)
    throw new Error(`${t.name} failed (exit ${r.status}${r.status === 137 ? `: killed at the ${limitS}s limit` : ''}):\n${r.stderr.slice(-3000)}`);
  return { wallMs, ...gnuTime(r.stderr) };
}

const COLUMNS = /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%\s*$/;

/** The row lines (everything after the column titles) and the summary lines above them. */
function parseTop(file: string): { rows: string[]; summary: string[] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => COLUMNS.test(l));
  if (at < 0) throw new Error(`${file}: no "flat flat% sum% cum cum%" line: not -top output`);
  return {
    rows: lines.slice(at + 1).filter((l) => l.trim() !== ''),
    summary: lines.slice(0, at).filter((l) => /^(Showing|Dropped)/.test(l)),
  };
}

function compareOutputs(): { rows: number; summaryDiffers: boolean } {
  const a = parseTop(tools[0]!.output);
  const b = parseTop(tools[1]!.output);
  const n = Math.max(a.rows.length, b.rows.length);
  const diffs: string[] = [];
  for (let i = 0; i < n && diffs.length < 10; i++) {
    if (a.rows[i] !== b.rows[i])
      diffs.push(`row ${i + 1}:\n  pprof:   ${JSON.stringify(a.rows[i] ?? '(none)')}\n  goscope: ${JSON.stringify(b.rows[i] ?? '(none)')}`);
  }
  if (diffs.length > 0 || a.rows.length !== b.rows.length) {
    throw new Error(
      `ROW LINES DIFFER between go tool pprof -top and goscope top (${a.rows.length} vs ${b.rows.length} rows; outputs in ${tools[0]!.output} and ${tools[1]!.output}):\n${diffs.join('\n')}`,
    );
  }
  return { rows: a.rows.length, summaryDiffers: a.summary.join('\n') !== b.summary.join('\n') };
}

const results: Record<string, Run[]> = {};
let compared: { rows: number; summaryDiffers: boolean } | undefined;
for (let i = 0; i < runs; i++) {
  for (const t of tools) {
    process.stderr.write(`run ${i + 1}/${runs}: ${t.name}…`);
    const r = timed(t);
    process.stderr.write(` ${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU, ${(r.rssKb / 1024).toFixed(0)} MB\n`);
    (results[t.name] ??= []).push(r);
  }
  // Check right after the first round: no point timing outputs that disagree.
  compared ??= compareOutputs();
}

const summary = tools.map((t) => {
  const rs = results[t.name]!;
  return {
    name: t.name,
    runs: rs,
    wallMs: median(rs.map((r) => r.wallMs)),
    cpuMs: median(rs.map((r) => r.cpuMs)),
    rssMb: median(rs.map((r) => r.rssKb)) / 1024,
  };
});
const [pprof, goscope] = summary as [(typeof summary)[0], (typeof summary)[0]];

const report = {
  date: new Date().toISOString(),
  node: process.version,
  go: execFileSync('go', ['version'], { env: goEnv, encoding: 'utf8' }).trim(),
  pprof: pprofBin,
  cpu: readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '',
  profile: { path: path.relative(repoRoot, profile), gzipBytes: gz.length, rawBytes, ...stats },
  rowsCompared: compared?.rows ?? 0,
  rowsIdentical: compared !== undefined,
  summaryLinesIdentical: compared ? !compared.summaryDiffers : null,
  runsEach: runs,
  results: summary,
  ratios: { wall: goscope.wallMs / pprof.wallMs, cpu: goscope.cpuMs / pprof.cpuMs, rss: goscope.rssMb / pprof.rssMb },
};
writeFileSync(path.join(out, 'profiles.json'), JSON.stringify(report, null, 2) + '\n');

console.log(
  `row lines identical: ${compared?.rows ?? 0} rows${compared?.summaryDiffers ? ' (the "Showing…"/"Dropped…" lines differ)' : ', and the "Showing…"/"Dropped…" lines too'}`,
);
console.log(`| tool | runs | wall (median) | CPU user+sys (median) | peak RSS (median) | wall vs pprof | CPU vs pprof | RSS vs pprof |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const s of summary) {
  console.log(
    `| ${s.name} | ${s.runs.length} | ${(s.wallMs / 1000).toFixed(2)} s | ${(s.cpuMs / 1000).toFixed(2)} s | ${s.rssMb.toFixed(0)} MB | ` +
      `${(s.wallMs / pprof.wallMs).toFixed(2)}x | ${(s.cpuMs / pprof.cpuMs).toFixed(2)}x | ${(s.rssMb / pprof.rssMb).toFixed(2)}x |`,
  );
}
console.log(`(pprof binary: ${pprofBin}, i.e. what \`go tool pprof\` runs, without the go command's start-up)`);
