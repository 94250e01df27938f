// Benchmark: read every event of a big (>= 100 MB), real Go execution trace with goscope's
// reader (src/formats/trace: readTraceStream) and with Go's own (golang.org/x/exp/trace,
// bench/tracereader), side by side in one run. Runs are interleaved so machine noise hits
// both alike; medians of --runs each; wall time, CPU time and peak RSS from
// /usr/bin/time -v, reading time (without process start-up) from the tool itself. The two
// event counts must be equal, or the benchmark fails.
//
//   npx tsc -p tsconfig.json && node dist/bench/trace.js [--runs 3] [--mb 120] [--regen] [--limit-s 900]
//
// The trace is written once into bench/out/trace-busy.out by testdata/go/tracegen
// (`-busy-mb MB`: a scheduler-heavy load, stopped once MB megabytes of trace were written)
// and reused while its size is between MB and 1.5 x MB megabytes (--regen writes a new one). Results:
// bench/out/trace.json and a markdown table.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGo, repoRoot } from '../scripts/go.js';
import { benchOut, gnuTime, goBenchEnv, has, opt, requireGnuTime, usageUnless } from './common.js';
import { median } from '../src/lib/quantile.js';
import { readTraceHeader } from '../src/formats/trace/index.js';

const TRACEGEN_DIR = 'testdata/go/tracegen';
const READER_DIR = 'bench/tracereader';
const here = path.dirname(fileURLToPath(import.meta.url));
// The reader script compiled alongside this file.
const readScript = path.join(here, 'trace-read.js');
const out = benchOut();

const runs = Number(opt('--runs', '3'));
const mb = Number(opt('--mb', '120'));
const limitS = Number(opt('--limit-s', '900'));
usageUnless(runs >= 1 && mb > 0 && limitS > 0, 'node dist/bench/trace.js [--runs N >= 1] [--mb MB] [--regen] [--limit-s S]');
const goEnv = goBenchEnv();
requireGnuTime();
if (!existsSync(readScript)) {
  console.error(`bench: ${readScript} is missing: build first (npx tsc -p tsconfig.json)`);
  process.exit(1);
}

// ---- the trace

const trace = path.join(out, 'trace-busy.out');
const want = mb * 1e6;
const fits = (bytes: number): boolean => bytes >= want && bytes <= want * 1.5;
if (has('--regen') || !existsSync(trace) || !fits(statSync(trace).size)) {
  const gen = await buildGo(TRACEGEN_DIR);
  process.stderr.write(`generating ${path.relative(repoRoot, trace)}: tracegen -busy-mb ${mb} (10-60 s)…\n`);
  execFileSync(gen, ['-out', trace, '-busy-mb', String(mb)], { env: goEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  if (statSync(trace).size < want) throw new Error(`${trace}: ${statSync(trace).size} bytes, fewer than the ${want} asked for (tracegen hit its time bound)`);
}
const traceBytes = statSync(trace).size;
const version = (() => {
  const head = new Uint8Array(16);
  const fd = openSync(trace, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return readTraceHeader(head, trace).goVersion;
})();
if (traceBytes < 100e6)
  process.stderr.write(`bench: WARNING: the trace is ${(traceBytes / 1e6).toFixed(1)} MB; the benchmark's target is about traces of >= 100 MB\n`);
console.log(`trace: ${path.relative(repoRoot, trace)}: ${(traceBytes / 1e6).toFixed(1)} MB, ${version} format`);

// ---- the tools

const goReader = await buildGo(READER_DIR);

interface Tool {
  name: string;
  cmd: string;
  argv: string[];
}
const tools: Tool[] = [
  { name: 'goscope (node, readTraceStream)', cmd: process.execPath, argv: [readScript, trace] },
  { name: 'Go (golang.org/x/exp/trace)', cmd: goReader, argv: [trace] },
];

interface Run {
  events: number;
  /** Reading time measured by the tool itself (no process start-up). */
  readMs: number;
  wallMs: number;
  /** user + system CPU time of the process: steadier than wall time on a shared machine. */
  cpuMs: number;
  rssKb: number;
}

/** One run under /usr/bin/time -v; the tool prints {"events":N,"ms":T} on stdout. */
function timed(t: Tool): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-v', 'timeout', '-s', 'KILL', String(limitS), t.cmd, ...t.argv], {
    cwd: repoRoot,
    env: goEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0)
    throw new Error(`${t.name} failed (exit ${r.status}${r.status === 137 ? `: killed at the ${limitS}s limit` : ''}):\n${r.stderr.slice(-3000)}`);
  const { rssKb, cpuMs } = gnuTime(r.stderr);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let res: { events?: unknown; ms?: unknown };
  try {
    res = JSON.parse(line) as typeof res;
  } catch {
    throw new Error(`${t.name}: expected a JSON line on stdout, got ${JSON.stringify(r.stdout.slice(-500))}`);
  }
  if (typeof res.events !== 'number' || typeof res.ms !== 'number') throw new Error(`${t.name}: bad result line ${line}`);
  return { events: res.events, readMs: res.ms, wallMs, cpuMs, rssKb };
}

const results: Record<string, Run[]> = {};
for (let i = 0; i < runs; i++) {
  for (const t of tools) {
    process.stderr.write(`run ${i + 1}/${runs}: ${t.name}…`);
    const r = timed(t);
    process.stderr.write(
      ` ${r.events} events, ${(r.readMs / 1000).toFixed(2)} s reading, ${(r.wallMs / 1000).toFixed(2)} s wall, ` +
        `${(r.cpuMs / 1000).toFixed(2)} s CPU, ${(r.rssKb / 1024).toFixed(0)} MB\n`,
    );
    (results[t.name] ??= []).push(r);
  }
  // Check right after the first round: no point timing readers that disagree.
  const counts = tools.map((t) => results[t.name]!.at(-1)!.events);
  if (counts[0] !== counts[1]) {
    throw new Error(`EVENT COUNTS DIFFER on ${trace}: ${tools.map((t, k) => `${t.name}: ${counts[k]}`).join(', ')}`);
  }
}

const summary = tools.map((t) => {
  const rs = results[t.name]!;
  const events = rs[0]!.events;
  const readMs = median(rs.map((r) => r.readMs));
  const rssMb = median(rs.map((r) => r.rssKb)) / 1024;
  return {
    name: t.name,
    events,
    eventsPerSec: events / (readMs / 1000),
    readMs,
    wallMs: median(rs.map((r) => r.wallMs)),
    cpuMs: median(rs.map((r) => r.cpuMs)),
    rssMb,
    rssOverTrace: (rssMb * 1048576) / traceBytes,
    runs: rs,
  };
});
const [goscope, go] = summary as [(typeof summary)[0], (typeof summary)[0]];
const ratios = {
  eventsPerSec: goscope.eventsPerSec / go.eventsPerSec,
  wall: goscope.wallMs / go.wallMs,
  cpu: goscope.cpuMs / go.cpuMs,
  rss: goscope.rssMb / go.rssMb,
};
const targets = {
  eventsPerSecAtLeastGo: ratios.eventsPerSec >= 1,
  rssAtMost10xTrace: goscope.rssOverTrace <= 10,
};

const report = {
  date: new Date().toISOString(),
  node: process.version,
  go: execFileSync('go', ['version'], { env: goEnv, encoding: 'utf8' }).trim(),
  cpu: readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '',
  loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  trace: { path: path.relative(repoRoot, trace), bytes: traceBytes, format: version, events: goscope.events },
  runsEach: runs,
  results: summary,
  ratios,
  targets,
};
writeFileSync(path.join(out, 'trace.json'), JSON.stringify(report, null, 2) + '\n');

const f0 = (x: number) => x.toFixed(0);
const mev = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
console.log(`events: ${goscope.events} in both readers (equal in every run); ${runs} runs each, medians`);
console.log('| reader | events | events/s (median) | reading (median) | wall (median) | CPU user+sys (median) | peak RSS (median) | RSS / trace |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of summary) {
  console.log(
    `| ${s.name} | ${s.events} | ${mev(s.eventsPerSec)} | ${f0(s.readMs)} ms | ${f0(s.wallMs)} ms | ${f0(s.cpuMs)} ms | ${f0(s.rssMb)} MB | ${s.rssOverTrace.toFixed(2)}x |`,
  );
}
console.log(
  `| goscope / Go | | ${ratios.eventsPerSec.toFixed(2)}x | ${(goscope.readMs / go.readMs).toFixed(2)}x | ${ratios.wall.toFixed(2)}x | ${ratios.cpu.toFixed(2)}x | ${ratios.rss.toFixed(2)}x | |`,
);
console.log(
  `targets: events/s >= Go's: ${targets.eventsPerSecAtLeastGo ? 'met' : 'NOT met'} (${ratios.eventsPerSec.toFixed(2)}x); ` +
    `peak RSS <= 10x the trace: ${targets.rssAtMost10xTrace ? 'met' : 'NOT met'} (${goscope.rssOverTrace.toFixed(2)}x)`,
);
console.log(`(events/s = events / reading time, measured inside each process; wall includes process start-up; results in bench/out/trace.json)`);
