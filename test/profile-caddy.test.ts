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
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProfile } from '../src/formats/pprof/index.js';
import { goscope } from './support/cli.js';
import { caddyBinary, startCaddy, type Caddy } from './support/caddy.js';
import { assertSameTop, runPprof } from './support/pprof.js';

const work = mkdtempSync(join(tmpdir(), 'goscope-caddy-top-'));
let caddy: Caddy | null = null;
let skip: string | false = false;
let profileFile = '';

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

before(async () => {
  const found = await caddyBinary();
  if (found.bin === null) {
    skip = found.skip;
    return;
  }
  // The front site proxies to the back one, which answers itself.
  const c = await startCaddy(found.bin, {
    sites: [(h) => `reverse_proxy ${h[1]}`, () => 'header X-Goscope-Test caddy\nrespond "hello from caddy" 200'],
    readyPath: '/',
  });
  caddy = c;
  const front = c.sites[0] + '/';
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
        await get(front, agent);
      }
    }),
  );
  const r = await goscope(['top', `${c.admin}/debug/pprof/profile?seconds=2`, '--out', join(work, 'caps')], { env: { TZ: 'UTC' } });
  stop = true;
  await load;
  agent.destroy();
  assert.equal(r.code, 0, r.stderr);
  profileFile = join(work, 'caps', 'profile.pb.gz');
});

after(async () => {
  await caddy?.stop();
  rmSync(work, { recursive: true, force: true });
});

test("Caddy's CPU profile: top = go tool pprof -top, text for text", async (t) => {
  if (skip) return t.skip(skip);
  const p = decodeProfile(readFileSync(profileFile), profileFile);
  assert.ok(p.samples.length > 10, `a profile of a loaded service (${p.samples.length} samples)`);
  const variants: Array<[string[], string[]]> = [
    [[], []],
    [['--nodefraction', '0'], ['-nodefraction=0']],
    [
      ['--granularity', 'lines', '--nodecount', '40'],
      ['-lines', '-nodecount=40'],
    ],
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
