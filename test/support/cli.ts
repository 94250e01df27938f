import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './go.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (bin/goscope.js) as a user would, with a hard time limit. */
export function goscope(args: string[], opts: { env?: Record<string, string>; input?: Buffer | string; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(repoRoot, 'bin/goscope.js'), ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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
  });
}
