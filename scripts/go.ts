// The real Go programs under testdata/go/ and bench/, for the tests and `npm run demo`:
// find the Go toolchain, build a module once per content hash into a shared cache folder,
// run dumpgen modes and start/stop the demo service.
//
// No dependencies beyond Node's builtins.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------
// Locations

function findRepoRoot(): string {
  // This file runs from scripts/ (sources) or dist/scripts/ (compiled):
  // walk up to the folder that holds testdata/go.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'testdata', 'go')) && existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('scripts/go: cannot find the repository root (no testdata/go above ' + fileURLToPath(import.meta.url) + ')');
    dir = parent;
  }
}

/** Absolute path of the repository root. */
export const repoRoot: string = findRepoRoot();

/** Where built Go binaries are cached, shared by all test processes. */
export const goBinDir: string = path.join(os.tmpdir(), 'goscope-go-bin');

/** Module folders, relative to the repository root. */
export const DUMPGEN_DIR = 'testdata/go/dumpgen';
export const DEMO_DIR = 'testdata/go/demo';
export const BENCHGEN_DIR = 'bench/goroutines/gen';

// ---------------------------------------------------------------------------
// Toolchain

// Variables that change what the Go runtime prints; never inherited from the
// environment of whoever runs the tests, only set explicitly by the caller.
const RUNTIME_VARS = ['GOTRACEBACK', 'GODEBUG', 'GOMAXPROCS', 'GOEXPERIMENT', 'GOGC', 'GOMEMLIMIT'];

function goEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of RUNTIME_VARS) delete env[k];
  // Use the installed toolchain, never download another one.
  env.GOTOOLCHAIN = 'local';
  if (!env.GOCACHE && !env.XDG_CACHE_HOME && !env.HOME && !env.LocalAppData) {
    env.GOCACHE = path.join(os.tmpdir(), 'goscope-go-cache');
  }
  if (!env.GOPATH && !env.HOME && !env.USERPROFILE) env.GOPATH = path.join(os.tmpdir(), 'goscope-gopath');
  return { ...env, ...extra };
}

let goVersionLine: string | null | undefined;

function goVersionOutput(): string | null {
  if (goVersionLine === undefined) {
    try {
      goVersionLine = execFileSync('go', ['version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        env: goEnv(),
        timeout: 30_000,
      }).trim();
    } catch {
      goVersionLine = null;
    }
  }
  return goVersionLine;
}

/** True when a usable `go` is on PATH. */
export function goAvailable(): boolean {
  return goVersionOutput() !== null;
}

/** The toolchain version, e.g. "go1.26.8", or null without Go. */
export function goVersion(): string | null {
  const m = /\bgo(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)\b/.exec(goVersionOutput() ?? '');
  return m ? 'go' + m[1] : null;
}

/** [major, minor] of the toolchain, e.g. [1, 26], or null without Go. */
export function goMinor(): [number, number] | null {
  const m = /^go(\d+)\.(\d+)/.exec(goVersion() ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function goAtLeast(major: number, minor: number): boolean {
  const v = goMinor();
  return v !== null && (v[0] > major || (v[0] === major && v[1] >= minor));
}

/**
 * GOEXPERIMENT=goroutineleakprofile exists (and is needed) only on Go 1.26.
 * On 1.27+ the goroutineleak profile is on by default, so experiment builds
 * need no flag there; before 1.26 there is no such profile.
 */
export function leakExperimentSupported(): boolean {
  const v = goMinor();
  return v !== null && v[0] === 1 && v[1] === 26;
}

/** The runtime can produce a goroutineleak profile (Go 1.26+, with the experiment on 1.26). */
export function leakProfileSupported(): boolean {
  return goAtLeast(1, 26);
}

/** GODEBUG=tracebacklabels=1 (labels:{...} in traceback headers) exists from Go 1.26. */
export function tracebackLabelsSupported(): boolean {
  return goAtLeast(1, 26);
}

/** For node:test: `test('x', { skip: needGo }, ...)`. */
export const needGo: string | false = goAvailable()
  ? false
  : 'go toolchain not found: skipping tests that build Go fixtures';

/** Inside a test: `if (skipWithoutGo(t)) return;`. */
export function skipWithoutGo(t: { skip(message?: string): void }): boolean {
  if (needGo === false) return false;
  t.skip(needGo);
  return true;
}

// ---------------------------------------------------------------------------
// Building

export interface BuildOptions {
  /** Extra build environment, e.g. { GOEXPERIMENT: 'goroutineleakprofile' }. CGO_ENABLED defaults to "0". */
  env?: Record<string, string>;
  /** Build tag(s), passed as -tags. */
  tag?: string;
}

function sourceFiles(absDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (name === 'bin' || name === 'testdata' || name.startsWith('.')) continue;
        walk(p);
      } else if (name.endsWith('.go') || name === 'go.mod' || name === 'go.sum') {
        out.push(p);
      }
    }
  };
  walk(absDir);
  return out;
}

const building = new Map<string, Promise<string>>();

/**
 * Builds the Go module in `dir` (relative to the repository root) and returns
 * the binary's absolute path. Binaries are cached in os.tmpdir()/goscope-go-bin/
 * under a hash of the module's sources, the build env/tag and the Go version, so
 * test files share them; concurrent builders (even in other processes) each
 * build to a temporary name and rename it into place.
 */
export async function buildGo(dir: string, opts: BuildOptions = {}): Promise<string> {
  const version = goVersionOutput();
  if (version === null) throw new Error('go toolchain not found');
  const absDir = path.resolve(repoRoot, dir);
  const buildEnv: Record<string, string> = { CGO_ENABLED: '0', ...opts.env };

  const h = createHash('sha256');
  h.update(version + '\0' + (opts.tag ?? '') + '\0');
  for (const k of Object.keys(buildEnv).sort()) h.update(`${k}=${buildEnv[k]}\0`);
  // Inherited settings that change the binary.
  for (const k of ['GOFLAGS', 'GOOS', 'GOARCH', 'GOAMD64', 'GOARM64']) h.update(`${k}=${process.env[k] ?? ''}\0`);
  for (const f of sourceFiles(absDir)) {
    h.update(path.relative(absDir, f) + '\0');
    h.update(await fsp.readFile(f));
    h.update('\0');
  }
  const hash = h.digest('hex').slice(0, 16);
  const exe = process.platform === 'win32' ? '.exe' : '';
  const out = path.join(goBinDir, `${path.basename(absDir)}-${hash}${exe}`);

  const pending = building.get(out);
  if (pending) return pending;
  const job = (async () => {
    if (existsSync(out)) return out;
    await fsp.mkdir(goBinDir, { recursive: true });
    const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}${exe}`;
    const args = ['build', '-o', tmp];
    if (opts.tag) args.push('-tags', opts.tag);
    args.push('.');
    const r = await run('go', args, { cwd: absDir, env: goEnv(buildEnv), timeoutMs: 10 * 60_000 });
    if (r.code !== 0) {
      await fsp.rm(tmp, { force: true });
      throw new Error(`go build in ${dir} failed (exit ${r.code ?? r.signal}):\n${r.stderr.toString()}`);
    }
    await fsp.rename(tmp, out);
    return out;
  })();
  building.set(out, job);
  try {
    return await job;
  } catch (e) {
    building.delete(out);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Running

export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Exit code, or null when the process died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: timed out after ${opts.timeoutMs} ms\n${Buffer.concat(err).toString()}`));
        return;
      }
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, signal });
    });
  });
}

/**
 * The build environment that gives a binary the goroutineleak profile:
 * GOEXPERIMENT=goroutineleakprofile on Go 1.26, nothing on 1.27+ (always on);
 * throws before 1.26.
 */
export function leakBuildEnv(): Record<string, string> {
  if (leakExperimentSupported()) return { GOEXPERIMENT: 'goroutineleakprofile' };
  if (leakProfileSupported()) return {};
  throw new Error(`the goroutineleak profile needs Go 1.26+, have ${goVersion() ?? 'no Go'}`);
}

function experimentEnv(experiment: boolean | undefined): Record<string, string> | undefined {
  return experiment ? leakBuildEnv() : undefined;
}

export interface DumpgenOptions {
  /** Runtime environment, e.g. { GOTRACEBACK: 'all' }. GOTRACEBACK, GODEBUG, GOMAXPROCS, GOEXPERIMENT are not inherited. */
  env?: Record<string, string>;
  /** Build with the goroutineleak profile (GOEXPERIMENT=goroutineleakprofile on Go 1.26). */
  experiment?: boolean;
  /** Extra arguments, e.g. ['-wait', '2s']. */
  args?: string[];
  /** Kill the program after this long (default 120 s). */
  timeoutMs?: number;
}

/**
 * Builds testdata/go/dumpgen and runs `dumpgen -mode <mode>`; see
 * testdata/go/dumpgen/README.md for what each mode prints.
 */
export async function runDumpgen(mode: string, opts: DumpgenOptions = {}): Promise<RunResult> {
  const bin = await buildGo(DUMPGEN_DIR, { env: experimentEnv(opts.experiment) });
  return run(bin, ['-mode', mode, ...(opts.args ?? [])], {
    env: goEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

// ---------------------------------------------------------------------------
// The demo service

export interface DemoOptions {
  /** Build with the goroutineleak profile (served at /debug/pprof/goroutineleak). */
  experiment?: boolean;
  /** Runtime environment for the service. */
  env?: Record<string, string>;
  /** How long to wait for "demo listening on" (default 20 s; the build is not counted). */
  timeoutMs?: number;
  /**
   * Extra flags (testdata/go/demo/README.md), e.g. ['-mutex-fraction', '0', '-block-rate', '0']
   * for a service with mutex/block profiling off, ['-write-timeout', '1s'].
   */
  args?: string[];
  /** Also serve HTTPS (HTTP/2 via ALPN) with a fresh self-signed certificate (see `certFile`). */
  tls?: boolean;
  /** Also open a listener whose TCP connects hang (for connect timeouts). */
  stall?: boolean;
}

export interface Demo {
  /** Base URL without trailing slash, e.g. "http://127.0.0.1:41234". */
  url: string;
  /** With `tls`: "https://127.0.0.1:PORT" and the PEM of its certificate. */
  httpsUrl?: string;
  certFile?: string;
  /** With `stall`: "127.0.0.1:PORT" where connects hang. */
  stallAddr?: string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when the process has exited. */
  stop(): Promise<void>;
  proc: ChildProcess;
}

const liveChildren = new Set<ChildProcess>();
let exitHook = false;

function track(proc: ChildProcess): void {
  liveChildren.add(proc);
  proc.once('exit', () => liveChildren.delete(proc));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const p of liveChildren) p.kill('SIGKILL');
    });
  }
}

/** Builds and starts testdata/go/demo on 127.0.0.1 with a free port. */
export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const bin = await buildGo(DEMO_DIR, { env: experimentEnv(opts.experiment) });
  const extra: string[] = [];
  let certFile: string | undefined;
  if (opts.tls) {
    certFile = path.join(os.tmpdir(), `goscope-demo-cert-${process.pid}-${Date.now()}.pem`);
    extra.push('-tls-addr', '127.0.0.1:0', '-tls-cert-out', certFile);
  }
  if (opts.stall) extra.push('-stall');
  const proc = spawn(bin, ['-addr', '127.0.0.1:0', ...extra, ...(opts.args ?? [])], { env: goEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);

  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (s: string) => {
    if (stderr.length < 64 * 1024) stderr += s;
  });

  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });

  let httpsUrl: string | undefined;
  let stallAddr: string | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      cleanup();
      proc.kill('SIGKILL');
      reject(new Error(`demo did not print "demo listening on" within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    const onData = (s: string): void => {
      buf += s;
      const m = /^demo listening on (http:\/\/\S+)\s*$/m.exec(buf);
      const tlsLine = /^demo listening on (https:\/\/\S+)\s*$/m.exec(buf);
      const stallLine = /^demo stalling connects on (\S+)\s*$/m.exec(buf);
      if (m && (!opts.tls || tlsLine) && (!opts.stall || stallLine)) {
        httpsUrl = tlsLine?.[1]!.replace(/\/+$/, '');
        stallAddr = stallLine?.[1];
        cleanup();
        resolve(m[1]!.replace(/\/+$/, ''));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`demo exited before listening (code ${code}, signal ${signal})\n${stderr}`));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      proc.off('exit', onExit);
      proc.off('error', onError);
    };
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', onData);
    proc.once('exit', onExit);
    proc.once('error', onError);
  });
  // Keep draining stdout so the service never blocks on a full pipe.
  proc.stdout.resume();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { url, httpsUrl, certFile, stallAddr, stop, proc };
}
