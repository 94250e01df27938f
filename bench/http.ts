// Benchmark: goscope http's load mode against Go's net/http client and hey, side by side
// in one run. Each of `goscope http URL -n N -c C`, testdata/go/httpprobe -summary (Go's
// client: C goroutines, no httptrace but the connect hooks) and hey (rakyll/hey v0.1.4,
// -o csv) sends N requests to the same demo endpoint on loopback, at -c 20 and -c 50;
// runs alternate so machine noise hits all three; medians of --runs each. Requests/s,
// p50/p99 of the total latency and p50/p99 of the connect time (new connections only)
// come from each tool's own measurement (process start-up excluded); CPU time and peak
// RSS from /usr/bin/time -v.
//
//   npm run build && node dist/bench/http.js [--runs 5] [-n 20000] [--conc 20,50] [--path /bytes]
//       [--no-keepalive] [--baseline DIR]
//
// --no-keepalive: a new connection per request in every client (hey -disable-keepalive).
// --baseline DIR: also runs DIR/bin/goscope.js (another checkout, built: the commit before
// a change) in the same rotation, so a change's cost is measured on the same machine state.
//
// Results: bench/out/http.json and a markdown table.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildGo, installGoProgram, repoRoot, startDemo } from '../scripts/go.js';
import { benchOut, gnuTime, has, opt, requireGnuTime, usageUnless } from './common.js';
import { median, nearestRank } from '../src/lib/quantile.js';

const runs = Number(opt('--runs', '5'));
const n = Number(opt('-n', '20000'));
const concs = opt('--conc', '20,50').split(',').map(Number);
const urlPath = opt('--path', '/bytes');
const noKeepAlive = has('--no-keepalive');
const baseline = opt('--baseline', '');
usageUnless(
  runs >= 1 && n >= 1 && concs.every((c) => Number.isInteger(c) && c >= 1 && c <= n) && (!baseline || existsSync(path.join(baseline, 'bin/goscope.js'))),
  'node dist/bench/http.js [--runs N] [-n N] [--conc 20,50] [--path /bytes] [--no-keepalive] [--baseline DIR with bin/goscope.js]',
);
requireGnuTime();
const out = benchOut();

const probe = await buildGo('testdata/go/httpprobe');
const hey = await installGoProgram('github.com/rakyll/hey', 'v0.1.4');
const demo = await startDemo();
const url = demo.url + urlPath;

interface Measure {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** New connections, and the p50/p99 of their connect time (NaN where the tool has none). */
  connects: number;
  connectP50Ms: number;
  connectP99Ms: number;
  errors: number;
}
type Run = Measure & { cpuMs: number; rssKb: number };

function timed(name: string, cmd: string, argv: string[], parse: (stdout: string) => Measure): Run {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...argv], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${name} failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  return { ...parse(r.stdout), ...gnuTime(r.stderr) };
}

/**
 * hey -o csv: one line per request, seconds with 4 decimals: response-time, DNS+dialup
 * (GetConn to GotConn of a new connection, 0 on a reused one), ..., status-code, offset
 * (start since the run began). Requests/s over the first start to the last end.
 */
function parseHey(stdout: string): Measure {
  const lines = stdout.trim().split('\n').slice(1);
  const totals: number[] = [];
  const dials: number[] = [];
  let end = 0;
  let errors = 0;
  for (const l of lines) {
    const f = l.split(',');
    const rt = Number(f[0]) * 1000;
    const dial = Number(f[1]) * 1000;
    const status = Number(f[6]);
    const offset = Number(f[7]) * 1000;
    if (!(status >= 100)) errors++;
    totals.push(rt);
    if (dial > 0) dials.push(dial);
    end = Math.max(end, offset + rt);
  }
  errors += n - lines.length;
  totals.sort((a, b) => a - b);
  dials.sort((a, b) => a - b);
  return {
    rps: lines.length / (end / 1000),
    p50Ms: nearestRank(totals, 50),
    p99Ms: nearestRank(totals, 99),
    connects: dials.length,
    connectP50Ms: nearestRank(dials, 50),
    connectP99Ms: nearestRank(dials, 99),
    errors,
  };
}

function goscopeRun(name: string, root: string) {
  return (c: number) =>
    timed(
      name,
      process.execPath,
      [path.join(root, 'bin/goscope.js'), 'http', url, '-n', String(n), '-c', String(c), '--json', ...(noKeepAlive ? ['--no-keepalive'] : [])],
      (s) => {
        const j = JSON.parse(s) as {
          requestsPerSecond: number;
          failed: number;
          phases: { total: { p50: number; p99: number }; connect: { count: number; p50: number; p99: number } | null };
        };
        return {
          rps: j.requestsPerSecond,
          p50Ms: j.phases.total.p50,
          p99Ms: j.phases.total.p99,
          connects: j.phases.connect?.count ?? 0,
          connectP50Ms: j.phases.connect?.p50 ?? NaN,
          connectP99Ms: j.phases.connect?.p99 ?? NaN,
          errors: j.failed,
        };
      },
    );
}

const tools = [
  { name: 'goscope http', run: goscopeRun('goscope', repoRoot) },
  {
    name: 'Go net/http (httpprobe -summary)',
    run: (c: number) =>
      timed('httpprobe', probe, ['-url', url, '-n', String(n), '-c', String(c), '-summary', ...(noKeepAlive ? ['-no-keepalive'] : [])], (s) => {
        const j = JSON.parse(s.trim().split('\n').pop()!) as {
          rps: number;
          p50Ms: number;
          p99Ms: number;
          errors: number;
          connects: number;
          connectP50Ms: number | null;
          connectP99Ms: number | null;
        };
        return {
          rps: j.rps,
          p50Ms: j.p50Ms,
          p99Ms: j.p99Ms,
          connects: j.connects,
          connectP50Ms: j.connectP50Ms ?? NaN,
          connectP99Ms: j.connectP99Ms ?? NaN,
          errors: j.errors,
        };
      }),
  },
  {
    name: 'hey v0.1.4',
    run: (c: number) => timed('hey', hey, ['-n', String(n), '-c', String(c), '-o', 'csv', ...(noKeepAlive ? ['-disable-keepalive'] : []), url], parseHey),
  },
  ...(baseline ? [{ name: `goscope http (${baseline})`, run: goscopeRun('goscope baseline', baseline) }] : []),
];

const results: Record<string, Run[]> = {};
const key = (tool: string, c: number) => `${tool} -c ${c}`;
try {
  for (let i = 0; i < runs; i++) {
    for (const c of concs) {
      for (const t of tools) {
        const r = t.run(c);
        process.stderr.write(
          `run ${i + 1}/${runs} -c ${c}: ${t.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
            `connect p50 ${r.connectP50Ms.toFixed(3)} p99 ${r.connectP99Ms.toFixed(3)} ms (${r.connects}), ${r.errors} errors, CPU ${r.cpuMs.toFixed(0)} ms, ${(r.rssKb / 1024).toFixed(0)} MB\n`,
        );
        if (r.errors) throw new Error(`${t.name}: ${r.errors} requests failed`);
        (results[key(t.name, c)] ??= []).push(r);
      }
    }
  }
} finally {
  await demo.stop();
}

const med = (rs: Run[], f: (r: Run) => number) => median(rs.map(f));
const summary = concs.flatMap((c) =>
  tools.map((t) => {
    const rs = results[key(t.name, c)]!;
    return {
      tool: t.name,
      concurrency: c,
      rps: med(rs, (r) => r.rps),
      p50Ms: med(rs, (r) => r.p50Ms),
      p99Ms: med(rs, (r) => r.p99Ms),
      connectP50Ms: med(rs, (r) => r.connectP50Ms),
      connectP99Ms: med(rs, (r) => r.connectP99Ms),
      connects: med(rs, (r) => r.connects),
      cpuMs: med(rs, (r) => r.cpuMs),
      rssMb: med(rs, (r) => r.rssKb) / 1024,
      runs: rs,
    };
  }),
);
const report = {
  date: new Date().toISOString(),
  node: process.version,
  go: spawnSync('go', ['version'], { encoding: 'utf8' }).stdout.trim(),
  cpus: readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0,
  loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  url: urlPath,
  keepAlive: !noKeepAlive,
  baseline: baseline || null,
  requests: n,
  runsEach: runs,
  results: summary,
};
writeFileSync(path.join(out, 'http.json'), JSON.stringify(report, null, 2) + '\n');
const ms = (v: number, d = 2) => (Number.isNaN(v) ? '-' : `${v.toFixed(d)} ms`);
console.log(
  `GET ${urlPath} -n ${n}${noKeepAlive ? ' --no-keepalive' : ''} on loopback (demo service), ${runs} runs each, medians; load average at the end ${report.loadAverage}`,
);
console.log('| -c | client | requests/s | p50 | p99 | connect p50 | connect p99 | CPU user+sys | peak RSS |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of summary)
  console.log(
    `| ${s.concurrency} | ${s.tool} | ${s.rps.toFixed(0)} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${ms(s.connectP50Ms, 3)} | ${ms(s.connectP99Ms, 3)} | ${s.cpuMs.toFixed(0)} ms | ${s.rssMb.toFixed(0)} MB |`,
  );
for (const c of concs) {
  const [gs, go, , base] = summary.filter((s) => s.concurrency === c);
  console.log(
    `-c ${c}: goscope / Go requests/s ${(gs!.rps / go!.rps).toFixed(2)}x; connect p99 goscope ${ms(gs!.connectP99Ms, 3)} vs Go ${ms(go!.connectP99Ms, 3)}` +
      (base ? `; goscope / baseline requests/s ${(gs!.rps / base.rps).toFixed(3)}x` : ''),
  );
}
