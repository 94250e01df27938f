// npm run demo: build the demo service with the local Go, start it, drive load, run
// goscope diagnose against it (leaks, CPU, heap, allocations, locks, report.html), goscope
// metrics on its /metrics (planted mistakes) and then goscope top on the CPU profile it
// saved; then the multi-service demo (testdata/go/otdemo) and goscope traces on the path
// of its timed-out request; stop everything it started.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../src/cli/run.js';
import { stdio } from '../src/cli/common.js';
import { goVersion, leakExperimentSupported, repoRoot, runOtdemo, startDemo } from './go.js';
import { startLoad } from './load.js';

async function main(): Promise<number> {
  const v = goVersion();
  if (!v) {
    process.stderr.write('demo: the Go toolchain (go >= 1.22) is needed to build the demo service: https://go.dev/dl/\n');
    return 1;
  }
  const experiment = leakExperimentSupported();
  process.stderr.write(`demo: building testdata/go/demo with ${v}${experiment ? ' (GOEXPERIMENT=goroutineleakprofile)' : ''}…\n`);
  const demo = await startDemo({ experiment });
  let load: ReturnType<typeof startLoad> | null = null;
  const cleanup = async () => {
    if (load) await load.stop();
    load = null;
    await demo.stop();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    process.stderr.write(`demo: service at ${demo.url}; driving load (leaky endpoints, worker pool, CPU, lock contention)…\n`);
    load = startLoad(demo.url);
    await sleep(2000); // let pools and keep-alive connections settle
    const out = mkdtempSync(path.join(tmpdir(), 'goscope-demo-'));
    const report = path.join(out, 'report.html');
    process.stderr.write(`demo: $ goscope diagnose ${demo.url} --seconds 10 --out ${out}\n\n`);
    const code = await run(['diagnose', demo.url, '--seconds', '10', '--out', out], stdio());
    process.stderr.write(`\ndemo: $ goscope metrics ${demo.url} --out ${out}\n\n`);
    // Exit 3 (problems found) is the point: the demo plants mistakes in its /metrics.
    const code3 = await run(['metrics', demo.url, '--out', out], stdio());
    if (code3 !== 0 && code3 !== 3) return code3;
    const cpu = path.join(out, 'cpu.pb.gz');
    process.stderr.write(`\ndemo: $ goscope top ${cpu} --nodecount 8\n\n`);
    const code2 = await run(['top', cpu, '--nodecount', '8'], stdio());
    process.stderr.write(`\ndemo: open ${report} in a browser for the flame graphs and goroutine groups\n`);
    const stats = await load.stop();
    load = null;
    const statuses = Object.entries(stats.byStatus)
      .map(([s, n]) => `${n}× ${s}`)
      .join(', ');
    process.stderr.write(`demo: load sent ${stats.sent} requests (${statuses}; ${stats.errors} without response; /leak/timeout answers 504 by design)\n`);
    if (code2 !== 0) return code2;
    const code4 = await tracesDemo(out);
    if (code4 !== 0 && code4 !== 3) return code4;
    // Exit 3 means "suspects found", which is what the demo is built to show.
    return code === 3 || code === 0 ? 0 : code;
  } finally {
    await cleanup();
  }
}

/**
 * otdemo's three services export their spans to a recording OTLP/HTTP endpoint here (each
 * body saved as it came) and write slog JSON logs; goscope traces then shows the findings
 * and the path of the request that timed out.
 */
async function tracesDemo(out: string): Promise<number> {
  const spans = path.join(out, 'spans');
  const logs = path.join(out, 'logs');
  mkdirSync(spans, { recursive: true });
  mkdirSync(logs, { recursive: true });
  let n = 0;
  const rec = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      if (req.url === '/v1/traces' && body.length) writeFileSync(path.join(spans, `${String(n++).padStart(4, '0')}.pb`), body);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => rec.listen(0, '127.0.0.1', r));
  try {
    process.stderr.write(`\ndemo: building and running testdata/go/otdemo (gateway, orders, inventory; OpenTelemetry SDK, slog logs)…\n`);
    const r = await runOtdemo({ otlp: `http://127.0.0.1:${(rec.address() as { port: number }).port}`, logs });
    if (r.code !== 0) {
      process.stderr.write(`demo: otdemo failed:\n${r.stderr.toString()}`);
      return 1;
    }
  } catch (e) {
    process.stderr.write(`demo: skipping goscope traces: otdemo could not be built (${(e as Error).message.split('\n')[0]})\n`);
    return 0;
  } finally {
    await new Promise<void>((r) => rec.close(() => r()));
  }
  const logArgs = ['gateway', 'orders', 'inventory'].flatMap((s) => ['--logs', path.join(logs, `${s}.log`)]);
  process.stderr.write(`\ndemo: $ goscope traces ${spans} ${logArgs.join(' ')}\n\n`);
  const code = await run(['traces', spans, ...logArgs], stdio());
  let doc: { findings: { kind: string; traceId: string }[] };
  try {
    doc = JSON.parse(execFileSync(process.execPath, [path.join(repoRoot, 'bin/goscope.js'), 'traces', spans, '--json'], { encoding: 'utf8' }));
  } catch (e) {
    // exit 3 (findings) is expected: the JSON is on stdout all the same.
    doc = JSON.parse((e as { stdout: string }).stdout);
  }
  const timedOut = doc.findings.find((f) => f.kind === 'timeout');
  if (!timedOut) return code;
  process.stderr.write(`\ndemo: the request that timed out: $ goscope traces ${spans} --trace-id ${timedOut.traceId} ${logArgs.join(' ')}\n\n`);
  await run(['traces', spans, '--trace-id', timedOut.traceId, ...logArgs], stdio());
  return code;
}

process.exitCode = await main();
