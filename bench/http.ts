// Benchmark: the cost of goscope http's own client. `goscope http URL -n 20000 -c 50`
// against the demo service on loopback, side by side with Go's net/http client doing the
// same (testdata/go/httpprobe -summary: plain Client.Get, no httptrace) in one run. Runs
// alternate so machine noise hits both; medians of --runs each. Requests/s and p99 come
// from each tool's own measurement of the load (process start-up excluded), CPU time and
// peak RSS from /usr/bin/time -v. Target: goscope >= 0.8x the Go client's requests/s.
//
//   npx tsc -p tsconfig.json && node dist/bench/http.js [--runs 5] [-n 20000] [-c 50] [--path /bytes]
//
// Results: bench/out/http.json and a markdown table.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildGo, repoRoot, startDemo } from '../scripts/go.js';
import { benchOut, gnuTime, median, opt, requireGnuTime, usageUnless } from './common.js';

const runs = Number(opt('--runs', '5'));
const n = Number(opt('-n', '20000'));
const c = Number(opt('-c', '50'));
const urlPath = opt('--path', '/bytes');
usageUnless(runs >= 1 && n >= 1 && c >= 1, 'node dist/bench/http.js [--runs N] [-n N] [-c C] [--path /bytes]');
requireGnuTime();
const out = benchOut();

const probe = await buildGo('testdata/go/httpprobe');
const demo = await startDemo();
const url = demo.url + urlPath;

interface Run {
  rps: number;
  p99Ms: number;
  errors: number;
  cpuMs: number;
  rssKb: number;
}

function timed(name: string, cmd: string, argv: string[], parse: (stdout: string) => { rps: number; p99Ms: number; errors: number }): Run {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...argv], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${name} failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  return { ...parse(r.stdout), ...gnuTime(r.stderr) };
}

const tools = [
  {
    name: 'goscope http',
    run: () =>
      timed('goscope', process.execPath, [path.join(repoRoot, 'bin/goscope.js'), 'http', url, '-n', String(n), '-c', String(c), '--json'], (s) => {
        const j = JSON.parse(s) as { requestsPerSecond: number; phases: { total: { p99: number } }; failed: number };
        return { rps: j.requestsPerSecond, p99Ms: j.phases.total.p99, errors: j.failed };
      }),
  },
  {
    name: 'Go net/http client (httpprobe -summary)',
    run: () =>
      timed('httpprobe', probe, ['-url', url, '-n', String(n), '-c', String(c), '-summary'], (s) => {
        const j = JSON.parse(s.trim().split('\n').pop()!) as { rps: number; p99Ms: number; errors: number };
        return { rps: j.rps, p99Ms: j.p99Ms, errors: j.errors };
      }),
  },
];

const results: Record<string, Run[]> = {};
try {
  for (let i = 0; i < runs; i++) {
    for (const t of tools) {
      const r = t.run();
      process.stderr.write(`run ${i + 1}/${runs}: ${t.name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms.toFixed(2)} ms, ${r.errors} errors, CPU ${r.cpuMs.toFixed(0)} ms, ${(r.rssKb / 1024).toFixed(0)} MB\n`);
      if (r.errors) throw new Error(`${t.name}: ${r.errors} requests failed`);
      (results[t.name] ??= []).push(r);
    }
  }
} finally {
  await demo.stop();
}

const summary = tools.map((t) => {
  const rs = results[t.name]!;
  return { name: t.name, rps: median(rs.map((r) => r.rps)), p99Ms: median(rs.map((r) => r.p99Ms)), cpuMs: median(rs.map((r) => r.cpuMs)), rssMb: median(rs.map((r) => r.rssKb)) / 1024, runs: rs };
});
const [gs, go] = summary as [(typeof summary)[0], (typeof summary)[0]];
const ratio = gs.rps / go.rps;
const report = {
  date: new Date().toISOString(),
  node: process.version,
  go: spawnSync('go', ['version'], { encoding: 'utf8' }).stdout.trim(),
  cpus: readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0,
  loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  url: urlPath,
  requests: n,
  concurrency: c,
  runsEach: runs,
  results: summary,
  ratio,
  target: { atLeast08xGo: ratio >= 0.8 },
};
writeFileSync(path.join(out, 'http.json'), JSON.stringify(report, null, 2) + '\n');
console.log(`GET ${urlPath} -n ${n} -c ${c} on loopback (demo service), ${runs} runs each, medians; load average ${report.loadAverage}`);
console.log('| client | requests/s | p99 | CPU user+sys | peak RSS |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const s of summary) console.log(`| ${s.name} | ${s.rps.toFixed(0)} | ${s.p99Ms.toFixed(2)} ms | ${s.cpuMs.toFixed(0)} ms | ${s.rssMb.toFixed(0)} MB |`);
console.log(`goscope / Go requests/s: ${ratio.toFixed(2)}x (target >= 0.8x: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
