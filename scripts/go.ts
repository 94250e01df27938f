// The real Go programs under testdata/go/ and bench/, for the tests and `npm run demo`:
// find the Go toolchain, build a module once per content hash into a shared cache folder,
// run dumpgen modes and start/stop the demo service.
//
// No dependencies beyond Node's builtins.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, readdirSync, rmSync, statSync } from 'node:fs';
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

/**
 * The one newer Go to be had here: the module proxy serves it as a toolchain module, and
 * `GOTOOLCHAIN=go1.27.3 go …` downloads it on first use (then it sits in the module cache).
 */
export const NEWER_GO = 'go1.27.3';

/** 'local': the installed Go (the default); a version such as NEWER_GO: that toolchain. */
export type Toolchain = 'local' | typeof NEWER_GO;

/**
 * The one Go environment of the tests, benchmarks and demo: the caller's, without the
 * runtime knobs that change what Go programs and tools print, without a workspace or
 * GOFLAGS from the caller's shell, and with the installed toolchain unless one is named.
 */
export function goEnv(extra?: Record<string, string>, toolchain: Toolchain = 'local'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GOWORK: 'off', GOFLAGS: '' };
  for (const k of RUNTIME_VARS) delete env[k];
  // The installed toolchain unless one is named: never an implicit download.
  env.GOTOOLCHAIN = toolchain;
  if (!env.GOCACHE && !env.XDG_CACHE_HOME && !env.HOME && !env.LocalAppData) {
    env.GOCACHE = path.join(os.tmpdir(), 'goscope-go-cache');
  }
  if (!env.GOPATH && !env.HOME && !env.USERPROFILE) env.GOPATH = path.join(os.tmpdir(), 'goscope-gopath');
  return { ...env, ...extra };
}

const goVersionLines = new Map<Toolchain, string | null>();

function goVersionOutput(toolchain: Toolchain = 'local'): string | null {
  let line = goVersionLines.get(toolchain);
  if (line === undefined) {
    try {
      line = execFileSync('go', ['version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        env: goEnv(undefined, toolchain),
        // A named toolchain may be downloaded here (about 70 MB from the module proxy).
        timeout: toolchain === 'local' ? 30_000 : 300_000,
      }).trim();
    } catch {
      line = null;
    }
    goVersionLines.set(toolchain, line);
  }
  return line;
}

/**
 * Why NEWER_GO cannot be used here (no Go, no module proxy), or false when it can. Calling
 * it downloads the toolchain the first time.
 */
export function newerGoUnavailable(): string | false {
  if (!goAvailable()) return 'go toolchain not found';
  const v = goVersionOutput(NEWER_GO);
  if (v === null || !v.includes(NEWER_GO + ' ')) return `${NEWER_GO} could not be downloaded from the module proxy (GOTOOLCHAIN=${NEWER_GO} go version failed)`;
  return false;
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
export const needGo: string | false = goAvailable() ? false : 'go toolchain not found: skipping tests that build Go fixtures';

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
  /** Build with this toolchain (default: the installed one). */
  toolchain?: Toolchain;
  /**
   * Rewrite the module's `go` line (e.g. '1.27') in a copy of it before building: the go
   * line picks the GODEBUG defaults, such as Go 1.27's labels in traceback headers.
   */
  goDirective?: string;
  /**
   * Build in a copy of the sources in a folder of this name (inside a temporary folder),
   * not in the repository: the name is in the binary's file paths, as a build without
   * -trimpath records them (the hostile fixture's name holds escape sequences).
   */
  dirName?: string;
  /**
   * Build with -trimpath: file paths in the binary (and so in its dumps, profiles and
   * traces) are module paths ("goscope.dev/dumpgen/main.go", "runtime/proc.go"), the same
   * from any checkout and any toolchain location; the checked-in fixtures are built so.
   */
  trimpath?: boolean;
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
  const toolchain = opts.toolchain ?? 'local';
  const version = goVersionOutput(toolchain);
  if (version === null) throw new Error(toolchain === 'local' ? 'go toolchain not found' : `${toolchain} is not available`);
  const absDir = path.resolve(repoRoot, dir);
  const buildEnv: Record<string, string> = { CGO_ENABLED: '0', ...opts.env };

  const h = createHash('sha256');
  h.update(version + '\0' + (opts.tag ?? '') + '\0' + (opts.goDirective ?? '') + '\0' + (opts.dirName ?? '') + '\0' + (opts.trimpath ? 'trimpath' : '') + '\0');
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
  const suffix = toolchain === 'local' ? '' : `-${toolchain}`;
  const out = path.join(goBinDir, `${path.basename(absDir)}${suffix}-${hash}${exe}`);

  const pending = building.get(out);
  if (pending) return pending;
  const job = (async () => {
    if (existsSync(out)) return out;
    await fsp.mkdir(goBinDir, { recursive: true });
    const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}${exe}`;
    const args = ['build', '-o', tmp];
    if (opts.tag) args.push('-tags', opts.tag);
    if (opts.trimpath) args.push('-trimpath');
    args.push('.');
    const copy = opts.goDirective || opts.dirName ? await copyModule(absDir, opts.goDirective, opts.dirName) : null;
    try {
      const r = await run('go', args, { cwd: copy?.srcDir ?? absDir, env: goEnv(buildEnv, toolchain), timeoutMs: 10 * 60_000 });
      if (r.code !== 0) {
        await fsp.rm(tmp, { force: true });
        throw new Error(`go build in ${dir} (${toolchain}) failed (exit ${r.code ?? r.signal}):\n${r.stderr.toString()}`);
      }
    } finally {
      if (copy) await fsp.rm(copy.tmp, { recursive: true, force: true });
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

/**
 * A temporary copy of a module's sources (in `tmp`, or in tmp/dirName), with its go.mod
 * `go` line set to `goLine` when given.
 */
async function copyModule(absDir: string, goLine: string | undefined, dirName: string | undefined): Promise<{ tmp: string; srcDir: string }> {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), `goscope-mod-${path.basename(absDir)}-`));
  const srcDir = dirName ? path.join(tmp, dirName) : tmp;
  for (const f of sourceFiles(absDir)) {
    const dest = path.join(srcDir, path.relative(absDir, f));
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    let data = await fsp.readFile(f);
    if (goLine && path.relative(absDir, f) === 'go.mod') data = Buffer.from(data.toString('utf8').replace(/^go \S+$/m, `go ${goLine}`));
    await fsp.writeFile(dest, data);
  }
  return { tmp, srcDir };
}

/**
 * A real third-party Go program, built with `go install module/cmd@version` from the module
 * proxy into the binary cache (once per version and toolchain): for end-to-end tests
 * against services nobody here wrote. Throws with the reason when it cannot be built (no
 * Go, no proxy): tests skip with that message.
 */
export async function installGoProgram(pkg: string, version: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const goLine = goVersionOutput();
  if (goLine === null) throw new Error('go toolchain not found');
  const name = path.basename(pkg);
  const key = createHash('sha256').update(`${pkg}@${version}\0${goLine}`).digest('hex').slice(0, 12);
  const dir = path.join(goBinDir, `${name}-${version}-${key}`);
  const exe = path.join(dir, name + (process.platform === 'win32' ? '.exe' : ''));
  const pending = building.get(exe);
  if (pending) return pending;
  const job = (async () => {
    if (existsSync(exe)) return exe;
    const tmpDir = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await fsp.mkdir(tmpDir, { recursive: true });
    try {
      const r = await run('go', ['install', `${pkg}@${version}`], {
        env: goEnv({ CGO_ENABLED: '0', GOBIN: tmpDir, GOFLAGS: '-buildvcs=false' }),
        timeoutMs: opts.timeoutMs ?? 10 * 60_000,
      });
      if (r.code !== 0)
        throw new Error(`go install ${pkg}@${version} failed (exit ${r.code ?? r.signal}): ${r.stderr.toString().trim().split('\n').slice(-3).join(' | ')}`);
      await fsp.rename(tmpDir, dir).catch(async (e: NodeJS.ErrnoException) => {
        if (!existsSync(exe)) throw e; // another process won the race: use its binary
      });
      return exe;
    } finally {
      await fsp.rm(tmpDir, { recursive: true, force: true });
    }
  })();
  building.set(exe, job);
  try {
    return await job;
  } catch (e) {
    building.delete(exe);
    throw e;
  }
}

/** Caddy, the third-party service of the end-to-end tests: its admin endpoint serves pprof and /metrics. */
export const CADDY = { pkg: 'github.com/caddyserver/caddy/v2/cmd/caddy', version: 'v2.11.9' } as const;

export function installCaddy(): Promise<string> {
  return installGoProgram(CADDY.pkg, CADDY.version);
}

/** Jaeger all-in-one, the tracing backend of the OTLP peer tests (it receives OTLP and serves its query API). */
export const JAEGER = { pkg: 'github.com/jaegertracing/jaeger/cmd/jaeger', version: 'v1.75.0' } as const;

/**
 * Builds Jaeger (minutes the first time). Its go.mod has replace directives, which `go
 * install pkg@version` refuses, so it is built inside its own module (downloaded from the
 * module proxy), where they apply.
 */
export function installJaeger(): Promise<string> {
  return buildInModule('github.com/jaegertracing/jaeger', JAEGER.version, './cmd/jaeger', 30 * 60_000);
}

/**
 * A program built inside its module's downloaded source (`go mod download`, then `go build`
 * there), for modules whose replace directives stop `go install module@version`. Cached like
 * installGoProgram.
 */
export async function buildInModule(mod: string, version: string, pkgDir: string, timeoutMs = 10 * 60_000): Promise<string> {
  const goLine = goVersionOutput();
  if (goLine === null) throw new Error('go toolchain not found');
  const name = path.basename(pkgDir);
  const key = createHash('sha256').update(`${mod}@${version}:${pkgDir}\0${goLine}`).digest('hex').slice(0, 12);
  const dir = path.join(goBinDir, `${name}-${version}-${key}`);
  const exe = path.join(dir, name + (process.platform === 'win32' ? '.exe' : ''));
  const pending = building.get(exe);
  if (pending) return pending;
  const job = (async () => {
    if (existsSync(exe)) return exe;
    const dl = await run('go', ['mod', 'download', '-json', `${mod}@${version}`], { env: goEnv(), timeoutMs });
    let src: string | undefined;
    try {
      src = (JSON.parse(dl.stdout.toString()) as { Dir?: string }).Dir;
    } catch {
      // reported below
    }
    if (dl.code !== 0 || !src)
      throw new Error(
        `go mod download ${mod}@${version} failed (exit ${dl.code ?? dl.signal}): ${(dl.stdout.toString() + dl.stderr.toString()).trim().split('\n').slice(-3).join(' | ')}`,
      );
    const tmpDir = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await fsp.mkdir(tmpDir, { recursive: true });
    try {
      const out = path.join(tmpDir, path.basename(exe));
      const r = await run('go', ['build', '-o', out, pkgDir], { cwd: src, env: goEnv({ CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false -mod=mod' }), timeoutMs });
      if (r.code !== 0)
        throw new Error(
          `go build ${mod}/${pkgDir}@${version} failed (exit ${r.code ?? r.signal}): ${r.stderr.toString().trim().split('\n').slice(-3).join(' | ')}`,
        );
      await fsp.rename(tmpDir, dir).catch(async (e: NodeJS.ErrnoException) => {
        if (!existsSync(exe)) throw e;
      });
      return exe;
    } finally {
      await fsp.rm(tmpDir, { recursive: true, force: true });
    }
  })();
  building.set(exe, job);
  try {
    return await job;
  } catch (e) {
    building.delete(exe);
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

function experimentEnv(experiment: boolean | undefined, toolchain: Toolchain = 'local'): Record<string, string> | undefined {
  // NEWER_GO (1.27) serves the goroutineleak profile without the experiment.
  if (toolchain !== 'local') return undefined;
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
  /** Build with NEWER_GO and its `go` line (e.g. { toolchain: NEWER_GO, goDirective: '1.27' }). */
  toolchain?: Toolchain;
  goDirective?: string;
}

/**
 * Builds testdata/go/dumpgen and runs `dumpgen -mode <mode>`; see
 * testdata/go/dumpgen/README.md for what each mode prints.
 */
export async function runDumpgen(mode: string, opts: DumpgenOptions = {}): Promise<RunResult> {
  const bin = await buildGo(DUMPGEN_DIR, { env: experimentEnv(opts.experiment, opts.toolchain), toolchain: opts.toolchain, goDirective: opts.goDirective });
  return run(bin, ['-mode', mode, ...(opts.args ?? [])], {
    env: goEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

/** The multi-service OpenTelemetry demo of `goscope traces` (testdata/go/otdemo/README.md). */
export const OTDEMO_DIR = 'testdata/go/otdemo';

export interface OtdemoOptions {
  /** OTLP/HTTP base URL the three services export to. */
  otlp: string;
  /** Folder for gateway.log, orders.log, inventory.log. */
  logs: string;
  /** The gateway's client timeout on the planted paths (default 300ms). */
  slow?: string;
  timeoutMs?: number;
}

/**
 * Builds otdemo and runs it with -drive: one request per endpoint, spans flushed, exit.
 * Throws when the build fails (its module needs the OpenTelemetry SDK from the module proxy).
 */
export async function runOtdemo(opts: OtdemoOptions): Promise<RunResult> {
  const bin = await buildGo(OTDEMO_DIR);
  return run(bin, ['-drive', '-otlp', opts.otlp, '-logs', opts.logs, '-slow', opts.slow ?? '300ms'], { env: goEnv(), timeoutMs: opts.timeoutMs ?? 120_000 });
}

export interface Otdemo {
  /** Base URLs of the three services, e.g. "http://127.0.0.1:41234". */
  gateway: string;
  orders: string;
  inventory: string;
  /**
   * SIGTERM: otdemo shuts its servers down and flushes its exporters before exiting (so
   * every span has been sent when this resolves); SIGKILL after 20 s. Resolves with the
   * exit code.
   */
  stop(): Promise<number | null>;
  proc: ChildProcess;
}

/**
 * Builds otdemo and starts it in serve mode (no -drive), waiting for its printed addresses
 * (`otdemo listening {...}`) within opts.timeoutMs (default 20 s; the build is not counted).
 * Throws when the build fails (its module needs the OpenTelemetry SDK from the module proxy).
 */
export async function startOtdemo(opts: OtdemoOptions): Promise<Otdemo> {
  const bin = await buildGo(OTDEMO_DIR);
  const proc = spawn(bin, ['-otlp', opts.otlp, '-logs', opts.logs, '-slow', opts.slow ?? '300ms'], { env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (s: string) => {
    if (stderr.length < 64 * 1024) stderr += s;
  });
  const exited = new Promise<number | null>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
    else proc.once('exit', (code) => resolve(code));
  });
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let addrs: { gateway: string; orders: string; inventory: string };
  try {
    addrs = await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => done(new Error(`otdemo did not print its addresses within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
      const onData = (s: string): void => {
        buf += s;
        const m = /^otdemo listening (\{.*\})\s*$/m.exec(buf);
        if (m) done(null, JSON.parse(m[1]!) as { gateway: string; orders: string; inventory: string });
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        done(new Error(`otdemo exited before listening (code ${code}, signal ${signal})\n${stderr}`));
      const done = (e: Error | null, v?: { gateway: string; orders: string; inventory: string }): void => {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.off('exit', onExit);
        if (e) reject(e);
        else resolve(v!);
      };
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', onData);
      proc.once('exit', onExit);
    });
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  proc.stdout.resume();
  let stopping: Promise<number | null> | undefined;
  const stop = (): Promise<number | null> => {
    stopping ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    })();
    return stopping;
  };
  return { ...addrs, stop, proc };
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
  /** Build with another toolchain and `go` line, as for DumpgenOptions. */
  toolchain?: Toolchain;
  goDirective?: string;
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
/** Temporary files of running demos (their certificates), removed on stop and at exit. */
const liveTempFiles = new Set<string>();
let exitHook = false;

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const p of liveChildren) p.kill('SIGKILL');
    for (const f of liveTempFiles) rmSync(f, { force: true });
  });
}

function track(proc: ChildProcess): void {
  liveChildren.add(proc);
  proc.once('exit', () => liveChildren.delete(proc));
  installExitHook();
}

const CERT_PREFIX = 'goscope-demo-cert-';
let sweptCerts = false;

/**
 * Removes demo certificates left in the temporary folder by test processes that are gone
 * (killed before their exit hook ran). A file is named after the pid that wrote it; a
 * live pid's files are left alone (another test run on the machine).
 */
function sweepStaleCerts(): void {
  if (sweptCerts) return;
  sweptCerts = true;
  let names: string[];
  try {
    names = readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^goscope-demo-cert-(\d+)-\d+(?:-[0-9a-f]+)?\.pem$/.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    rmSync(path.join(os.tmpdir(), name), { force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds and starts testdata/go/demo on 127.0.0.1 with a free port. */
export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const bin = await buildGo(DEMO_DIR, { env: experimentEnv(opts.experiment, opts.toolchain), toolchain: opts.toolchain, goDirective: opts.goDirective });
  const extra: string[] = [];
  let certFile: string | undefined;
  if (opts.tls) {
    sweepStaleCerts();
    certFile = path.join(os.tmpdir(), `${CERT_PREFIX}${process.pid}-${Date.now()}-${randomBytes(3).toString('hex')}.pem`);
    liveTempFiles.add(certFile);
    installExitHook();
    extra.push('-tls-addr', '127.0.0.1:0', '-tls-cert-out', certFile);
  }
  const removeCert = (): void => {
    if (!certFile) return;
    rmSync(certFile, { force: true });
    liveTempFiles.delete(certFile);
  };
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
  const listening = new Promise<string>((resolve, reject) => {
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
  let url: string;
  try {
    url = await listening;
  } catch (e) {
    removeCert();
    throw e;
  }
  // Keep draining stdout so the service never blocks on a full pipe.
  proc.stdout.resume();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      removeCert();
    })();
    return stopping;
  };
  return { url, httpsUrl, certFile, stallAddr, stop, proc };
}

// ---------------------------------------------------------------------------
// The hostile fixture

export const HOSTILE_DIR = 'testdata/go/hostile';

/**
 * The folder testdata/go/hostile is built in, and the name its binary runs under: an OSC
 * that sets the terminal title, a CSI that clears the screen, a C1 CSI and a right-to-left
 * override. No line feed or carriage return: go build refuses a package directory holding
 * either ("invalid package directory"); the fixture's labels and trace names carry those.
 */
export const HOSTILE_NAME = 'goscope-hostile-\x1b]0;T\x07\x1b[2J-\u009b2J-\u202e';

export interface Hostile {
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  url: string;
  /** The binary, at a path holding HOSTILE_NAME (a profile's mapping names it). */
  binary: string;
  /** SIGTERM (SIGKILL after 3 s), then removes the binary's folder. */
  stop(): Promise<void>;
}

/**
 * Builds testdata/go/hostile in a folder named HOSTILE_NAME (not -trimpath: its file paths
 * hold the name), copies the binary to a file of that name and starts it on 127.0.0.1.
 */
export async function startHostile(
  opts: { toolchain?: Toolchain; goDirective?: string; env?: Record<string, string>; args?: string[] } = {},
): Promise<Hostile> {
  const built = await buildGo(HOSTILE_DIR, { toolchain: opts.toolchain, goDirective: opts.goDirective, dirName: HOSTILE_NAME });
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-hostile-run-'));
  const binary = path.join(dir, HOSTILE_NAME);
  await fsp.copyFile(built, binary);
  await fsp.chmod(binary, 0o755);
  const proc = spawn(binary, ['-addr', '127.0.0.1:0', ...(opts.args ?? [])], { env: goEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (s: string) => {
    if (stderr.length < 64 * 1024) stderr += s;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await fsp.rm(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`hostile did not start within 20 s\n${stderr}`)), 20_000);
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (s: string) => {
        buf += s;
        const m = /^hostile listening on (http:\/\/\S+)\s*$/m.exec(buf);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`hostile exited before listening (code ${code}, signal ${signal})\n${stderr}`));
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    proc.stdout.resume();
    return { url, binary, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
