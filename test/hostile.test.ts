// Every command that talks to a service, against one that misbehaves on purpose
// (test/support/hostile.ts): one line on stderr naming the URL (it may add where the
// reply was saved)
// and what to do, exit code 1, a bounded time, and nothing written outside the capture
// folder (no .tmp, no large .partial left in it either). diagnose lists what failed,
// one line per kind, under one line naming the service.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { goscope, type CliResult } from './support/cli.js';
import { HOSTILE_MODES, startHostile, type HostileMode, type HostileServer } from './support/hostile.js';

let server: HostileServer;
let work: string;
before(async () => {
  // Small caps keep the oversized cases cheap; the defaults are measured in bench/hostile.ts.
  server = await startHostile({ dripMs: 50, bombBytes: 64 << 20, lyingBytes: 6 << 20 });
  work = mkdtempSync(path.join(tmpdir(), 'goscope-hostile-'));
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const ENV = { GOSCOPE_MAX_PROFILE: '8MiB', GOSCOPE_MAX_DUMP: '8MiB', GOSCOPE_MAX_TRACE: '8MiB', GOSCOPE_MAX_INFLATE: '16MiB', GOSCOPE_MAX_METRICS: '8MiB' };

/** What each misbehaviour must be called, whichever command met it. */
const SAYS: Record<HostileMode, RegExp> = {
  html: /<!doctype html>|no goroutine dump found/i,
  status500: /500 Internal Server Error: internal error: database unavailable/,
  redirect: /too many redirects \(more than 5; .*\): check the URL/,
  noanswer: /no response within [\d.]+s.*\(raise --timeout\)/,
  stall: /response stalled: no data for [\d.]+s after 0 bytes \(raise --timeout\)/,
  // On a loaded machine the deadline may come before the cap: either ends it (the caps
  // themselves are pinned in collect.test.ts).
  endless:
    /exceeds the 8 MiB limit for (a profile|a goroutine dump|a metrics exposition): stopped reading \(is this the right endpoint\? set GOSCOPE_MAX_(PROFILE|DUMP|METRICS)=16MiB to allow more\)|larger than the 8 MiB limit for a trace.*GOSCOPE_MAX_TRACE=16MiB|still arriving/,
  // "stalled" only if this process was starved of the CPU for half the deadline; bytes had come.
  drip: /response not complete within [\d.]+s: \d+ bytes received and still arriving .*raise --timeout|response stalled: no data for [\d.]+s after [1-9]\d* bytes/,
  bomb: /possible gzip bomb\) \(set GOSCOPE_MAX_INFLATE=32MiB to allow more\)|input exceeds 16777216 bytes|not a Go execution trace but \d+ bytes of binary data|not a Prometheus exposition but \d+ bytes of gzip-compressed data/,
  lying: /response stalled: no data for [\d.]+s after 1 KiB \(raise --timeout\)/,
  lyinghuge: /response announces 1 TiB, more than the 8 MiB limit|larger than the 8 MiB limit for a trace/,
  bigheader: /the reply's headers are larger than 16 KiB/,
};

type Command = 'profile' | 'leak' | 'top' | 'goroutines' | 'trace' | 'diagnose' | 'metrics';
const COMMANDS: Command[] = ['profile', 'leak', 'top', 'goroutines', 'trace', 'diagnose', 'metrics'];

function argsFor(cmd: Command, mode: HostileMode, out: string): string[] {
  const svc = server.base(mode);
  switch (cmd) {
    case 'profile':
      return ['profile', svc, '--type', 'heap', '--timeout', '1s', '--out', out];
    case 'leak':
      return ['leak', svc, '--samples', '6', '--interval', '100ms', '--timeout', '1s', '--out', out];
    case 'top':
      return ['top', svc + 'heap', '--timeout', '1s', '--out', out];
    case 'goroutines':
      return ['goroutines', svc + 'goroutine?debug=2', '--timeout', '1s', '--out', out];
    case 'trace':
      return ['trace', svc, '--seconds', '1', '--timeout', '1s', '--out', out];
    case 'diagnose':
      return ['diagnose', svc, '--seconds', '1', '--samples', '2', '--timeout', '500ms', '--out', out];
    case 'metrics':
      // A full URL is scraped as given.
      return ['metrics', svc, '--timeout', '1s', '--out', out];
  }
}

/** Every path under `dir`, relative to it. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}

async function runCase(cmd: Command, mode: HostileMode): Promise<void> {
  const cwd = mkdtempSync(path.join(work, `${cmd}-${mode}-`));
  const out = path.join(cwd, 'caps');
  const t0 = Date.now();
  const r: CliResult = await goscope(argsFor(cmd, mode, out), { cwd, env: ENV, timeoutMs: 60_000 });
  const took = Date.now() - t0;
  const what = `${cmd} against ${mode}: exit ${r.code}, stderr:\n${r.stderr}`;
  assert.equal(r.code, 1, what);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace: ${what}`);
  const lines = r.stderr.trimEnd().split('\n');
  // The line names the URL the reply came from (it may add where the reply was saved), never only the file.
  assert.match(lines[0]!, new RegExp(`^goscope: ${escape(server.url)}/${mode}[/:]`), `names the URL: ${what}`);
  if (cmd === 'diagnose' && mode !== 'bigheader') {
    // The first request's failure dooms the run only for a reply that is not HTTP (bigheader).
    assert.match(lines[0]!, /nothing usable was captured/, what);
    assert.equal(r.stdout, '', 'no report that reads "nothing stands out"');
    const kinds = lines.slice(1).map((l) => /^ {2}([a-z-]+): /.exec(l)?.[1]);
    assert.ok(
      kinds.every((k) => k !== undefined),
      `one indented line per kind: ${what}`,
    );
    assert.equal(new Set(kinds).size, kinds.length, `each kind once: ${what}`);
    for (const k of ['cpu', 'heap', 'allocs', 'goroutine', 'goroutine-dump', 'trace']) assert.ok(kinds.includes(k), `${k} listed: ${what}`);
    assert.ok(
      lines.slice(1).some((l) => SAYS[mode].test(l)),
      `says why: ${what}`,
    );
    // Each kind's line names the URL it was fetched from, as the other commands do, not only the file it was saved to.
    for (const l of lines.slice(1)) assert.ok(l.includes(`${server.url}/${mode}/debug/pprof/`), `names the URL: ${l}`);
  } else {
    assert.equal(lines.length, 1, `one line: ${what}`);
    assert.match(lines[0]!, SAYS[mode], what);
    // A web page where goroutine samples were expected is called one, as goroutines, profile and trace call it.
    if (cmd === 'leak' && mode === 'html')
      assert.match(
        lines[0]!,
        new RegExp(`: not a goroutine dump but a reply starting "<!doctype html>.*" \\(saved to ${escape(out)}/goroutine-001\\.pb\\.gz\\)`, 'i'),
        what,
      );
  }
  // Bounded: the longest cases wait out a 1 s deadline per request (diagnose: ~15 of 0.5 s).
  assert.ok(took < (cmd === 'diagnose' ? 40_000 : 20_000), `${cmd} against ${mode} took ${took} ms`);
  // Nothing outside the capture folder; in it, no temporary file and nothing large.
  const files = listing(cwd);
  assert.ok(
    files.every((f) => f === 'caps' || f.startsWith('caps/')),
    `only the capture folder in the working directory: ${files.join(', ')}`,
  );
  for (const f of files) {
    assert.doesNotMatch(f, /\.tmp$/, `no temporary file left: ${f}`);
    const size = statSync(path.join(cwd, f)).size;
    assert.ok(size <= 9 << 20, `${f}: ${size} bytes`);
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

for (const cmd of COMMANDS) {
  test(`${cmd} against every hostile service: one line, exit 1, bounded, nothing outside the capture folder`, { timeout: 240_000 }, async () => {
    // Two at a time: most cases only wait for a deadline, and the machine is shared.
    const queue = [...HOSTILE_MODES];
    const failures: string[] = [];
    await Promise.all(
      [0, 1].map(async () => {
        for (let mode = queue.shift(); mode; mode = queue.shift()) {
          await runCase(cmd, mode).catch((e: Error) => failures.push(e.message));
        }
      }),
    );
    assert.deepEqual(failures, []);
  });
}

test('diagnose --json when nothing usable was captured: the JSON is still printed, exit 1', { timeout: 60_000 }, async () => {
  const cwd = mkdtempSync(path.join(work, 'diagnose-json-'));
  const out = path.join(cwd, 'caps');
  const r = await goscope(['diagnose', server.base('status500'), '--seconds', '1', '--samples', '2', '--no-trace', '--timeout', '1s', '--json', '--out', out], {
    cwd,
    env: ENV,
  });
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout) as { schema: string; usable: boolean; verdict: string[]; profiles: unknown[]; notes: { kind: string; state: string }[] };
  assert.equal(j.schema, 'goscope.diagnose/v1');
  assert.deepEqual(j.profiles, []);
  assert.ok(j.notes.length > 0 && j.notes.every((n) => n.state === 'failed'), JSON.stringify(j.notes));
  assert.match(r.stderr, /^goscope: .*nothing usable was captured/);
  assert.ok(readdirSync(out).includes('report.html'), 'the report is still written');
  // The headline says so, in the JSON and in the report: never "nothing stands out".
  assert.equal(j.usable, false);
  assert.deepEqual(j.verdict, [
    'nothing usable was captured, so there is nothing to diagnose (failed: cpu, heap, allocs, goroutine, mutex, block, threadcreate, goroutine-dump, goroutineleak)',
  ]);
  const html = readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.match(
    html,
    /<div class="verdict bad" id="verdict"><ul><li>nothing usable was captured, so there is nothing to diagnose \(failed: cpu, heap, allocs, goroutine, mutex, block, threadcreate, goroutine-dump, goroutineleak\)<\/li><\/ul><\/div>/,
  );
  assert.doesNotMatch(html + r.stdout, /stands out/);
});
