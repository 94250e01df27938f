// Caddy v2.11.9, the real third-party Go service of the end-to-end tests, started on free
// loopback ports from a Caddyfile the test describes: the admin endpoint (where
// /debug/pprof/ is served) and one or more sites. Readiness is waited for with a
// deadline; a port taken between choosing and binding it is retried with others. Caddy's
// data and config folders live in a temporary folder removed by stop().
//
// Its admin endpoint answers Node's global fetch with 403 (it refuses the Sec-Fetch-Mode
// header fetch sends): everything here, and the tests, use node:http.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installCaddy, needGo } from './go.js';

/** The Caddy binary, or why the tests that need it skip (no Go, or it cannot be built here). */
export async function caddyBinary(): Promise<{ bin: string; skip: false } | { bin: null; skip: string }> {
  if (needGo) return { bin: null, skip: needGo };
  try {
    return { bin: await installCaddy(), skip: false };
  } catch (e) {
    return { bin: null, skip: `Caddy v2.11.9 cannot be built here: ${(e as Error).message.split('\n')[0]}` };
  }
}

export interface Caddy {
  /** http://127.0.0.1:<port> of the admin endpoint (serves /debug/pprof/ and /metrics). */
  admin: string;
  /** http://127.0.0.1:<port> of each site, in the order given. */
  sites: string[];
  /** Caddy's stderr so far (its log), for failure messages. */
  log(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface CaddyOptions {
  /**
   * The body of each site block (`http://127.0.0.1:<port> { … }`), given every site's
   * host:port (so one site can proxy to another).
   */
  sites: readonly ((hosts: readonly string[]) => string)[];
  /** Also wait until this path of the first site answers 200 (default: only the admin endpoint). */
  readyPath?: string;
  /** For readiness, per attempt (default 30 s). */
  deadlineMs?: number;
}

/** A port nobody listens on now (bind, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The status of a GET (node:http), 0 when there is no answer within 2 s. */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

class Exited extends Error {}

async function attempt(bin: string, opts: CaddyOptions): Promise<Caddy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'goscope-caddy-'));
  const adminPort = await freePort();
  const ports: number[] = [];
  for (let i = 0; i < opts.sites.length; i++) ports.push(await freePort());
  const hosts = ports.map((p) => `127.0.0.1:${p}`);
  const caddyfile = path.join(dir, 'Caddyfile');
  const blocks = opts.sites.map((body, i) => `http://${hosts[i]} {\n${body(hosts).replace(/^/gm, '\t')}\n}\n`);
  writeFileSync(caddyfile, `{\n\tadmin 127.0.0.1:${adminPort}\n\tauto_https off\n\tpersist_config off\n}\n\n${blocks.join('\n')}`);
  // Only PATH from this environment (no GODEBUG, GOMAXPROCS… of the test run); its data and config in dir.
  const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') };
  const proc = spawn(bin, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => (log = (log + s).slice(-16_000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(kill, 5000);
      await exited;
      clearTimeout(t);
    }
    process.removeListener('exit', kill);
    rmSync(dir, { recursive: true, force: true });
  };
  const admin = `http://127.0.0.1:${adminPort}`;
  const sites = hosts.map((h) => `http://${h}`);
  const ready = [`${admin}/debug/pprof/`, ...(opts.readyPath !== undefined ? [sites[0] + opts.readyPath] : [])];
  const deadline = Date.now() + (opts.deadlineMs ?? 30_000);
  try {
    for (const url of ready) {
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Exited(`caddy exited (${proc.exitCode ?? proc.signalCode}):\n${log}`);
        if ((await status(url)) === 200) break;
        if (Date.now() > deadline) throw new Error(`Caddy: ${url} did not answer 200 within ${opts.deadlineMs ?? 30_000} ms:\n${log}`);
        await sleep(100);
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { admin, sites, log: () => log, stop };
}

/** Starts Caddy (`bin` from caddyBinary) and resolves once it is ready. */
export async function startCaddy(bin: string, opts: CaddyOptions): Promise<Caddy> {
  // A port taken between choosing it and Caddy binding it makes Caddy exit: try others.
  for (let i = 1; ; i++) {
    try {
      return await attempt(bin, opts);
    } catch (e) {
      if (!(e instanceof Exited) || i >= 3) throw e;
    }
  }
}
