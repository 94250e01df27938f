// testdata/go/loggen: real log lines from slog, zap, logrus, zerolog, go-kit and log, with a truth
// file of what each call logged (see testdata/go/loggen/README.md).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildGo, goEnv, type Toolchain } from './go.js';

export { readTruth, type Truth } from './log-truth.js';

export const LOGGEN_DIR = 'testdata/go/loggen';

export interface LoggenRun {
  dir: string;
  /** The log the program wrote (for crash and godebug: its stdout and stderr together). */
  log: string;
  truth: string;
  code: number | null;
  /** What it printed on stdout and stderr. */
  printed: string;
}

/**
 * Builds loggen and runs one mode in a new temporary folder, waiting for it to exit (at
 * most timeoutMs). `env` is added to goEnv's (GODEBUG for the godebug mode); `toolchain`
 * builds it with another Go (NEWER_GO).
 */
export async function runLoggen(
  mode: string,
  opts: { args?: string[]; env?: Record<string, string>; timeoutMs?: number; toolchain?: Toolchain } = {},
): Promise<LoggenRun> {
  const bin = await buildGo(LOGGEN_DIR, { toolchain: opts.toolchain });
  const dir = mkdtempSync(path.join(tmpdir(), 'goscope-loggen-'));
  const log = path.join(dir, `${mode}.log`);
  const truth = path.join(dir, `${mode}.truth.jsonl`);
  const args = ['-mode', mode, '-truth', truth, ...(mode === 'all' || mode === 'big' ? ['-out', log] : []), ...(opts.args ?? [])];
  const writesFile = mode === 'all' || mode === 'big';
  // What the program prints (stdout and stderr on one descriptor, as a service's log
  // collector sees them): the log itself in the crash and godebug modes.
  const printed = writesFile ? path.join(dir, `${mode}.stdout`) : log;
  const fd = openSync(printed, 'w');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(bin, args, { env: goEnv(opts.env), stdio: ['ignore', fd, fd] });
      const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      p.on('error', reject);
      p.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    return { dir, log, truth, code, printed: readFileSync(printed, 'utf8') };
  } finally {
    closeSync(fd);
  }
}
