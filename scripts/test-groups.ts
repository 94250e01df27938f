// The suite split by what a test needs, so a change can be checked in seconds where
// that is enough. `npm test` runs every group; `npm run test:unit` (and :oracle, :e2e,
// :browser) one of them. Every file in test/ is in exactly one group (test/test-groups.test.ts
// checks it): a new test file must be added here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type TestGroup = 'unit' | 'oracle' | 'e2e' | 'browser';

export const GROUP_NEEDS: Record<TestGroup, string> = {
  unit: 'nothing: no Go, no network beyond an in-process loopback server, no browser (seconds)',
  oracle: "Go: builds and runs the fixture programs for their output and compares with Go's own tools (go tool pprof, go tool trace, httpprobe, promlint)",
  e2e: 'Go and loopback: the CLI against running services (the demo, Caddy, the hostile service)',
  browser: "Debian's chromium through playwright-core (skips with a message without it)",
};

/** Test file (without .test.ts) -> its group. */
export const TEST_GROUPS: Record<string, TestGroup> = {
  // unit
  'diagnose-report': 'unit',
  docs: 'unit',
  'fixtures-formats': 'unit',
  'fixtures-pprof': 'unit',
  'fixtures-trace': 'unit',
  'import-graph': 'unit',
  'lib-heap': 'unit',
  'lib-quantile': 'unit',
  'lib-text': 'unit',
  'lib-wasm': 'unit',
  'logs-search': 'unit',
  'logs-unit': 'unit',
  'metrics-rules': 'unit',
  png: 'unit',
  'requests-analysis': 'unit',
  'requests-spill': 'unit',
  'lib-spill': 'unit',
  'lib-thread-time': 'unit',
  'shared-boundary': 'unit',
  'term-safe': 'unit',
  'test-groups': 'unit',
  trend: 'unit',
  // oracle
  'fixtures-oracle': 'oracle',
  flame: 'oracle',
  'flame-data': 'oracle',
  'goroutine-formats': 'oracle',
  'goroutine-group': 'oracle',
  hotspots: 'oracle',
  'http-accuracy': 'oracle',
  'http-formats': 'oracle',
  'leak-persist': 'oracle',
  'leak-rules': 'oracle',
  'otlp-read': 'oracle',
  'otlp-receiver': 'oracle',
  'logs-formats': 'oracle',
  'metrics-formats': 'oracle',
  'pprof-codec': 'oracle',
  'profile-filters': 'oracle',
  'profile-go127': 'oracle',
  'profile-merge': 'oracle',
  'profile-top': 'oracle',
  'timeline-data': 'oracle',
  'trace-fuzz': 'oracle',
  'trace-gc': 'oracle',
  'trace-go127': 'oracle',
  'trace-order': 'oracle',
  'trace-pprof': 'oracle',
  'trace-reader': 'oracle',
  'trace-summary': 'oracle',
  'trace-verdicts': 'oracle',
  units: 'oracle',
  // e2e
  'cli-args': 'e2e',
  collect: 'e2e',
  'otlp-cli': 'e2e',
  'otlp-jaeger': 'e2e',
  'go-fixtures': 'e2e',
  'goroutine-errors': 'e2e',
  'goroutine-labels': 'e2e',
  'goroutine-views': 'e2e',
  'goroutines-caddy': 'e2e',
  'goroutines-cli': 'e2e',
  hostile: 'e2e',
  'http-cli': 'e2e',
  interrupt: 'e2e',
  'leak-caddy': 'e2e',
  'leak-e2e': 'e2e',
  'logs-cli': 'e2e',
  'metrics-cli': 'e2e',
  'requests-demo': 'e2e',
  'requests-http': 'e2e',
  'requests-jaeger': 'e2e',
  'profile-caddy': 'e2e',
  'profile-capture': 'e2e',
  'profile-cli': 'e2e',
  'terminal-escapes': 'e2e',
  'trace-cli': 'e2e',
  // browser
  'diagnose-e2e': 'browser',
  'flame-browser': 'browser',
  'hostile-html': 'browser',
  'trace-html': 'browser',
};

const isGroup = (g: string): g is TestGroup => g in GROUP_NEEDS;

/** Runs one group's compiled tests (dist/test) with node --test; the exit code is node's. */
function main(): void {
  const group = process.argv[2] ?? '';
  if (!isGroup(group)) {
    process.stderr.write(`usage: node dist/scripts/test-groups.js ${Object.keys(GROUP_NEEDS).join('|')}\n`);
    process.exit(2);
  }
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test');
  const present = new Set(
    readdirSync(dir)
      .filter((f) => f.endsWith('.test.js'))
      .map((f) => f.slice(0, -'.test.js'.length)),
  );
  const unlisted = [...present].filter((f) => !(f in TEST_GROUPS));
  if (unlisted.length > 0) {
    process.stderr.write(`test files in no group (add them to scripts/test-groups.ts): ${unlisted.join(', ')}\n`);
    process.exit(1);
  }
  const files = Object.entries(TEST_GROUPS)
    .filter(([f, g]) => g === group && present.has(f))
    .map(([f]) => path.join(dir, `${f}.test.js`));
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
