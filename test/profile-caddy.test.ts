// top against go tool pprof on a real third-party service: Caddy v2.11.9 (built from the
// module proxy by installCaddy) reverse-proxying to itself under a bounded load, its CPU
// profile captured from its admin endpoint by goscope (saved before analysing) and then
// read by both tools. Caddy's profile has what profgen's do not: a large real program,
// generic instantiations from the standard library and third-party modules
// (slices.Backward[…,go.shape.func(…) …].func1 in its middleware chain), hundreds of
// nodes at -files granularity with equal flats.
//
// Skips with the reason when Caddy cannot be built (no Go, no module proxy).
process.env.TZ = 'UTC';

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProfile } from '../src/formats/pprof/index.js';
import { goscope } from './support/cli.js';
import { installCaddy, needGo } from './support/go.js';
import { assertSameTop, runPprof } from './support/pprof.js';

const work = mkdtempSync(join(tmpdir(), 'goscope-caddy-top-'));
let caddy: ChildProcess | null = null;
let skip: string | false = needGo;
let profileFile = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function get(url: string, agent?: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Starts Caddy on free loopback ports; resolves once the proxy answers 200, or null if it exited. */
async function startCaddy(bin: string): Promise<{ admin: string; front: string; proc: ChildProcess } | null> {
  const [admin, front, back] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(work, 'caddy-'));
  const config = join(dir, 'Caddyfile');
  writeFileSync(
    config,
    `{\n\tadmin 127.0.0.1:${admin}\n\tauto_https off\n\tpersist_config off\n}\n` +
      `http://127.0.0.1:${front} {\n\treverse_proxy 127.0.0.1:${back}\n}\n` +
      `http://127.0.0.1:${back} {\n\theader X-Goscope-Test caddy\n\trespond "hello from caddy" 200\n}\n`,
  );
  // Its data and config folders in the test's folder, not the user's.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  for (const k of ['GODEBUG', 'GOMAXPROCS', 'GOGC', 'GOTRACEBACK', 'GOMEMLIMIT']) delete env[k];
  const proc = spawn(bin, ['run', '--config', config, '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.resume();
  let exited = false;
  proc.once('exit', () => (exited = true));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !exited) {
    if ((await get(`http://127.0.0.1:${front}/`)) === 200) return { admin: `http://127.0.0.1:${admin}`, front: `http://127.0.0.1:${front}/`, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  return null;
}

before(async () => {
  if (skip) return;
  let bin: string;
  try {
    bin = await installCaddy();
  } catch (e) {
    skip = `Caddy cannot be built here: ${(e as Error).message.split('\n')[0]}`;
    return;
  }
  // A port taken between choosing it and Caddy binding it: try again with others.
  for (let attempt = 0; attempt < 3 && caddy === null; attempt++) {
    const c = await startCaddy(bin);
    if (!c) continue;
    caddy = c.proc;
    process.once('exit', () => c.proc.kill('SIGKILL'));
    // Bounded load while goscope takes a 2 s CPU profile: 8 keep-alive clients, until
    // the capture is done (at most 30 s or 200,000 requests).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let stop = false;
    let sent = 0;
    const stopAt = Date.now() + 30_000;
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stop && Date.now() < stopAt && sent < 200_000) {
          sent++;
          await get(c.front, agent);
        }
      }),
    );
    const r = await goscope(['top', `${c.admin}/debug/pprof/profile?seconds=2`, '--out', join(work, 'caps')], { env: { TZ: 'UTC' } });
    stop = true;
    await load;
    agent.destroy();
    assert.equal(r.code, 0, r.stderr);
    profileFile = join(work, 'caps', 'profile.pb.gz');
  }
  if (caddy === null) skip = 'Caddy did not start on free loopback ports in 3 attempts';
});

after(async () => {
  if (caddy && caddy.exitCode === null && caddy.signalCode === null) {
    const exited = new Promise((r) => caddy!.once('exit', r));
    caddy.kill('SIGTERM');
    const t = setTimeout(() => caddy!.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
  rmSync(work, { recursive: true, force: true });
});

test("Caddy's CPU profile: top = go tool pprof -top, text for text", async (t) => {
  if (skip) return t.skip(skip);
  const p = decodeProfile(readFileSync(profileFile), profileFile);
  assert.ok(p.samples.length > 10, `a profile of a loaded service (${p.samples.length} samples)`);
  const variants: Array<[string[], string[]]> = [
    [[], []],
    [['--nodefraction', '0'], ['-nodefraction=0']],
    [['--granularity', 'lines', '--nodecount', '40'], ['-lines', '-nodecount=40']],
  ];
  for (const [flags, pprofFlags] of variants) {
    const ours = await goscope(['top', profileFile, ...flags], { env: { TZ: 'UTC' } });
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = runPprof(['-top', ...pprofFlags, profileFile]);
    assert.equal(theirs.status, 0, theirs.stderr);
    assert.equal(ours.stdout, theirs.stdout, flags.join(' '));
  }
  // The generic instantiations, shortened as pprof shortens them.
  const all = (await goscope(['top', profileFile, '--nodefraction', '0', '--json'])).stdout;
  const names = (JSON.parse(all) as { rows: { name: string }[] }).rows.map((r) => r.name);
  const generic = names.filter((n) => n.includes('go.shape.'));
  t.diagnostic(`${generic.length} generic instantiations among ${names.length} rows, e.g. ${generic.slice(0, 3).join(' | ')}`);
  for (const n of generic) if (n.includes('go.shape.func(')) assert.match(n, /\]\)\./, `pprof keeps (…) only in "]).": ${n}`);
});

test("Caddy's CPU profile at --granularity files: pprof's rows and order where pprof is deterministic", async (t) => {
  if (skip) return t.skip(skip);
  const ours = await goscope(['top', profileFile, '--granularity', 'files', '--nodefraction', '0'], { env: { TZ: 'UTC' } });
  assert.equal(ours.code, 0, ours.stderr);
  const theirs = runPprof(['-top', '-files', '-nodefraction=0', profileFile]);
  assert.equal(theirs.status, 0, theirs.stderr);
  // The same rows, the same order between rows that differ in flat or name, the same
  // sum% at every position; within a group of equal flat and equal file name pprof's own
  // order changes from run to run (support/pprof.ts canonicalRows).
  assertSameTop(ours.stdout, theirs.stdout, 'files');
  // goscope's order inside such a group is fixed: cum, largest first.
  const again = await goscope(['top', profileFile, '--granularity', 'files', '--nodefraction', '0'], { env: { TZ: 'UTC' } });
  assert.equal(again.stdout, ours.stdout);
});
