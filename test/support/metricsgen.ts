// testdata/go/metricsgen (client_golang expositions) and testdata/go/promlint (client_golang's
// promlint, the oracle for goscope's promlint rules), for the metrics tests.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { buildGo } from './go.js';

export const METRICSGEN_DIR = 'testdata/go/metricsgen';
export const PROMLINT_DIR = 'testdata/go/promlint';

export interface Metricsgen {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export interface MetricsgenOptions {
  /** More flags (e.g. ['-fd-limit', '64']). */
  args?: string[];
  /** Added to the environment (e.g. GOMEMLIMIT). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Starts metricsgen on a free loopback port; resolves once it listens. */
export async function startMetricsgen(opts: MetricsgenOptions = {}): Promise<Metricsgen> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const bin = await buildGo(METRICSGEN_DIR);
  const proc = spawn(bin, ['-addr', '127.0.0.1:0', ...(opts.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`metricsgen did not listen within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /metricsgen listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`metricsgen exited (${code}) before listening\n${err}`));
    });
  });
  proc.stdout!.resume();
  return {
    url,
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Runs metricsgen once with args (e.g. ['-write', 'text', '/mistakes'] or ['-big', '1000']) and returns its stdout. */
export async function runMetricsgen(args: string[], timeoutMs = 120_000): Promise<Buffer> {
  const bin = await buildGo(METRICSGEN_DIR);
  return new Promise((resolve, reject) => {
    execFile(bin, args, { encoding: 'buffer', maxBuffer: 1 << 30, timeout: timeoutMs }, (e, out, errOut) => {
      if (e) reject(new Error(`metricsgen ${args.join(' ')}: ${e.message}\n${errOut.toString()}`));
      else resolve(out);
    });
  });
}

export interface LintProblem {
  metric: string;
  text: string;
}

/** client_golang's promlint on a file: its problems in its order, or the parse error it reports. */
export async function promlintOracle(file: string, format: 'text' | 'protobuf', utf8 = true): Promise<LintProblem[]> {
  const bin = await buildGo(PROMLINT_DIR);
  const out = await new Promise<string>((resolve, reject) => {
    execFile(bin, ['-format', format, ...(utf8 ? ['-utf8'] : []), file], { maxBuffer: 1 << 28, timeout: 120_000 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`promlint ${file}: ${stderr || e.message}`));
      else resolve(stdout);
    });
  });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LintProblem);
}
