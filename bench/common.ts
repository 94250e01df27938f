// What the side-by-side benchmarks share: their few options, GNU time's figures, medians,
// the Go environment they build and run with, and bench/out/.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { goEnv, repoRoot } from '../scripts/go.js';

const argv = process.argv.slice(2);

/** The value after `name` (written as given: '--runs', '-n'), or `def`. */
export function opt(name: string, def: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : def;
}

export function has(name: string): boolean {
  return argv.includes(name);
}

/** A usage line and exit 2 unless `ok`. */
export function usageUnless(ok: boolean, usage: string): void {
  if (ok) return;
  console.error(`usage: ${usage}`);
  process.exit(2);
}

/** GNU time gives CPU time and peak RSS; without it the figures would be missing. */
export function requireGnuTime(): void {
  if (existsSync('/usr/bin/time')) return;
  console.error('bench: /usr/bin/time (GNU time) is needed for CPU time and peak RSS: apt-get install time');
  process.exit(1);
}

/** Peak RSS (KiB) and user+system CPU (ms) from `/usr/bin/time -v` output. */
export function gnuTime(stderr: string): { rssKb: number; cpuMs: number } {
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? NaN);
  const secs = (what: string) => Number(new RegExp(`${what} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
  return { rssKb: rss, cpuMs: (secs('User') + secs('System')) * 1000 };
}

/** The local toolchain as is: no workspace, no GOFLAGS, no runtime tuning from the caller's shell. */
export function goBenchEnv(): NodeJS.ProcessEnv {
  return goEnv();
}

/** bench/out/, created on first use. */
export function benchOut(): string {
  const out = path.join(repoRoot, 'bench/out');
  mkdirSync(out, { recursive: true });
  return out;
}
