// npm run demo: build the demo service with the local Go, start it, drive load, run
// goscope leak against it and print the findings; stop everything it started.
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
    process.stderr.write(`demo: $ goscope leak ${demo.url} --interval 2s --samples 8 --out ${out}\n\n`);
    const code = await run(['leak', demo.url, '--interval', '2s', '--samples', '8', '--out', out], stdio());
    process.stderr.write(`\ndemo: $ goscope goroutines ${demo.url} --min-count 5 --stacks 0 --out ${out}\n\n`);
    const code2 = await run(['goroutines', demo.url, '--min-count', '5', '--stacks', '0', '--out', out], stdio());
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
