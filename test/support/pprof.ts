// The references the profile tests compare against: `go tool pprof` (run as the binary
// `go tool -n pprof` names: starting `go tool` costs more than most reports, see
// scripts/go-tools.ts), of the installed Go or of NEWER_GO, and real profiles from
// testdata/go/profgen. The pure -top text helpers are in pprof-text.ts (re-exported here).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGo, goEnv, type BuildOptions, type Toolchain } from './go.js';
import { runPprof } from '../../scripts/go-tools.js';

export { pprofCommand, runPprof } from '../../scripts/go-tools.js';
export * from './pprof-text.js';

/**
 * One interactive pprof session running `commands` (one per line); returns what each
 * line printed on stdout. Interactive reports have no profile header (File/Type/…) but
 * are otherwise the -top/-peek text.
 */
export function pprofSession(file: string, commands: string[], toolchain: Toolchain = 'local'): string[] {
  const r = runPprof([file], commands.join('\n') + '\n', toolchain);
  assert.equal(r.status, 0, r.stderr);
  // Each line is read after a "(pprof) " prompt: the text between prompts is its output.
  const parts = r.stdout.split('(pprof) ');
  return parts.slice(1, commands.length + 1);
}

/** pprof's stdout; a failure throws with the first line of its stderr. */
export function pprof(...args: string[]): string {
  const r = runPprof(args);
  if (r.status !== 0) throw new Error(`go tool pprof ${args.join(' ')}: ${r.stderr.split('\n')[0]}`);
  return r.stdout;
}

const runs = new Map<string, Promise<string>>();
const dirs: string[] = [];
process.once('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The folder of profiles testdata/go/profgen writes with `args` (once per process and
 * argument list): cpu, cpu2, heap, mutex, block, goroutine (.pb.gz), plus deep and
 * generic with -extra.
 */
export function profgen(...args: string[]): Promise<string> {
  return profgenWith({}, ...args);
}

/** profgen built with other options (a toolchain and go line: { toolchain: NEWER_GO, goDirective: '1.27' }). */
export function profgenWith(build: BuildOptions, ...args: string[]): Promise<string> {
  const key = [build.toolchain ?? 'local', build.goDirective ?? '', ...args].join('\u0000');
  let run = runs.get(key);
  if (!run) {
    run = (async () => {
      const bin = await buildGo('testdata/go/profgen', build);
      const dir = mkdtempSync(join(tmpdir(), 'goscope-profgen-'));
      dirs.push(dir);
      execFileSync(bin, ['-out', dir, ...args], { env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      return dir;
    })();
    runs.set(key, run);
  }
  return run;
}
