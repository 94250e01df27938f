// npm run demo: build the demo service with the local Go, start it, drive load, run
// goscope diagnose against it (leaks, CPU, heap, allocations, locks, report.html), goscope
// metrics on its /metrics (planted mistakes) and then goscope top on the CPU profile it
// saved; stop everything it started.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../src/cli/run.js';
import { stdio } from '../src/cli/common.js';
import { goVersion, leakExperimentSupported, startDemo } from './go.js';
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
    const statuses = Object.entries(stats.byStatus).map(([s, n]) => `${n}× ${s}`).join(', ');
    process.stderr.write(`demo: load sent ${stats.sent} requests (${statuses}; ${stats.errors} without response; /leak/timeout answers 504 by design)\n`);
    if (code2 !== 0) return code2;
    // Exit 3 means "suspects found", which is what the demo is built to show.
    return code === 3 || code === 0 ? 0 : code;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
