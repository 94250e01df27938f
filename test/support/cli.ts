import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './go.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Commands that save what they fetch to ./goscope-captures/ when --out is not given. */
const CAPTURING = new Set(['profile', 'leak', 'diagnose', 'trace', 'goroutines', 'top', 'diff', 'flame', 'metrics']);

/**
 * A command that may fetch from a service without --out would leave a goscope-captures/
 * folder in the checkout: such a run (no cwd given) gets a temporary working directory,
 * removed afterwards.
 */
function capturesInCheckout(args: string[]): boolean {
  return CAPTURING.has(args[0] ?? '') && !args.includes('--out') && args.some((a) => /^https?:\/\/|^[\w.-]*:\d+(\/|$)/.test(a));
}

/** Runs the real CLI (bin/goscope.js) as a user would, with a hard time limit. */
export function goscope(
  args: string[],
  opts: {
    env?: Record<string, string>;
    input?: Buffer | string;
    timeoutMs?: number;
    cwd?: string;
    /** A cgroup's cgroup.procs: goscope runs in that cgroup from its first instruction. */
    cgroupProcs?: string;
    /** Called with the process once started (to signal it, say). */
    onSpawn?: (child: ChildProcess) => void;
  } = {},
): Promise<CliResult> {
  const scratch = opts.cwd === undefined && capturesInCheckout(args) ? mkdtempSync(path.join(tmpdir(), 'goscope-cli-cwd-')) : undefined;
  return new Promise<CliResult>((resolve, reject) => {
    const argv = [path.join(repoRoot, 'bin/goscope.js'), ...args];
    const [cmd, cmdArgs] = opts.cgroupProcs
      ? ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', opts.cgroupProcs, process.execPath, ...argv]]
      : [process.execPath, argv];
    const p = spawn(cmd, cmdArgs, {
      cwd: opts.cwd ?? scratch ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    opts.onSpawn?.(p);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    p.stdin.on('error', () => {});
    if (opts.input !== undefined) p.stdin.end(opts.input);
    else p.stdin.end();
  }).finally(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
}
