// Running `go tool …` oracles whose output is too big to buffer (go tool trace -d=…):
// line by line, in an environment free of the caller's runtime knobs.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { goEnv, type Toolchain } from './go.js';

/** The caller's environment without settings that would change what Go's tools print; Go's tools of `toolchain`. */
export function goToolEnv(toolchain: Toolchain = 'local'): NodeJS.ProcessEnv {
  return goEnv(undefined, toolchain);
}

/** Runs a command and calls onLine for each stdout line; rejects on a non-zero exit. `go` runs as `toolchain`. */
export function runLines(cmd: string, args: string[], onLine: (line: string) => void, timeoutMs = 60_000, toolchain: Toolchain = 'local'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: goToolEnv(toolchain), stdio: ['ignore', 'pipe', 'pipe'] });
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
