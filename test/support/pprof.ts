// The references the profile tests compare against: `go tool pprof` (run as the binary
// `go tool -n pprof` names: starting `go tool` costs more than most reports) and real
// profiles from testdata/go/profgen.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGo } from './go.js';

export const goEnv = { ...process.env, GOTOOLCHAIN: 'local', GOWORK: 'off', GOFLAGS: '' };

let pprofPath: string[] | null = null;
/** The command running pprof: the pprof binary itself, else `go tool pprof`. */
export function pprofCommand(): string[] {
  if (pprofPath === null) {
    const r = spawnSync('go', ['tool', '-n', 'pprof'], { env: goEnv, encoding: 'utf8' });
    const bin = r.status === 0 ? r.stdout.trim() : '';
    pprofPath = bin !== '' && existsSync(bin) ? [bin] : ['go', 'tool', 'pprof'];
  }
  return pprofPath;
}

/** Runs pprof and returns what it printed, whatever its exit status. */
export function runPprof(args: string[], input?: string): { stdout: string; stderr: string; status: number | null } {
  const [cmd, ...pre] = pprofCommand();
  // TZ read now: a test may set it (pprof prints the profile's time in local time).
  const r = spawnSync(cmd!, [...pre, ...args], { env: { ...goEnv, TZ: process.env.TZ }, encoding: 'utf8', input, maxBuffer: 256 << 20 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** pprof's stdout; a failure throws with the first line of its stderr. */
export function pprof(...args: string[]): string {
  const r = runPprof(args);
  if (r.status !== 0) throw new Error(`go tool pprof ${args.join(' ')}: ${r.stderr.split('\n')[0]}`);
  return r.stdout;
}

/** The table rows of a -top report: every non-empty line after the "flat  flat%" header. */
export function topRows(text: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%/.test(l));
  if (i < 0) throw new Error(`no -top header in:\n${text}`);
  return lines.slice(i + 1).filter((l) => l.trim() !== '');
}

const runs = new Map<string, Promise<string>>();
const dirs: string[] = [];
process.once('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The folder of profiles testdata/go/profgen writes with `args` (once per process and
 * argument list): cpu, cpu2, heap, mutex, block, goroutine (.pb.gz), plus deep with -extra.
 */
export function profgen(...args: string[]): Promise<string> {
  const key = args.join('\u0000');
  let run = runs.get(key);
  if (!run) {
    run = (async () => {
      const bin = await buildGo('testdata/go/profgen');
      const dir = mkdtempSync(join(tmpdir(), 'goscope-profgen-'));
      dirs.push(dir);
      execFileSync(bin, ['-out', dir, ...args], { env: goEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      return dir;
    })();
    runs.set(key, run);
  }
  return run;
}
