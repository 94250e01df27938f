// Go's own tools as references (`go tool pprof`, `go tool trace`), run in the one Go
// environment of scripts/go.ts: for the oracle tests and for `npm run fixtures`, which
// records their answers next to the checked-in fixtures.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { goEnv, type Toolchain } from './go.js';

const pprofPaths = new Map<Toolchain, string[]>();
/** The command running pprof of `toolchain`: the pprof binary itself, else `go tool pprof`. */
export function pprofCommand(toolchain: Toolchain = 'local'): string[] {
  let cmd = pprofPaths.get(toolchain);
  if (cmd === undefined) {
    const r = spawnSync('go', ['tool', '-n', 'pprof'], { env: goEnv(undefined, toolchain), encoding: 'utf8', timeout: 300_000 });
    const bin = r.status === 0 ? r.stdout.trim() : '';
    cmd = bin !== '' && existsSync(bin) ? [bin] : ['go', 'tool', 'pprof'];
    pprofPaths.set(toolchain, cmd);
  }
  return cmd;
}

/** Runs pprof (of `toolchain`, default the installed Go) and returns what it printed, whatever its exit status. */
export function runPprof(args: string[], input?: string, toolchain: Toolchain = 'local'): { stdout: string; stderr: string; status: number | null } {
  const [cmd, ...pre] = pprofCommand(toolchain);
  // TZ read now: a test may set it (pprof prints the profile's time in local time).
  const r = spawnSync(cmd!, [...pre, ...args], {
    env: goEnv(undefined, toolchain),
    encoding: 'utf8',
    input,
    maxBuffer: 256 << 20,
    timeout: 300_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Runs a command and calls onLine for each stdout line; rejects on a non-zero exit. `go` runs as `toolchain`. */
export function runLines(cmd: string, args: string[], onLine: (line: string) => void, timeoutMs = 60_000, toolchain: Toolchain = 'local'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: goEnv(undefined, toolchain), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr += s.slice(0, 4096)));
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', onLine);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let closed = false;
    let code: number | null = null;
    const done = (): void => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${stderr}`));
    };
    rl.on('close', () => {
      closed = true;
      if (code !== null) done();
    });
    child.on('error', reject);
    child.on('exit', (c, sig) => {
      code = c ?? (sig ? -1 : null);
      if (closed) done();
    });
  });
}
