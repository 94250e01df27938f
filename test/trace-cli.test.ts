// goscope trace, run as a user would (bin/goscope.js): on a testdata/go/tracegen trace
// against go tool trace (-d=parsed event counts, -pprof=sync through go tool pprof -top),
// from the demo service, and its one-line errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { needGo, startDemo, type Demo } from './support/go.js';
import { writeTracegenTrace } from './support/tracegen.js';
import { pprof, topRows } from './support/pprof.js';
import { goEnv } from './support/go.js';
import { goscope } from './support/cli.js';

let tmp = '';
let file = '';
let demo: Demo | undefined;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-trace-cli-'));
  if (needGo) return;
  file = await writeTracegenTrace(tmp);
});

after(async () => {
  await demo?.stop();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const EVENT_LINE = /^M=-?\d+ P=-?\d+ G=-?\d+ (\w+) Time=\d+/;

test('--json: events and events by kind equal go tool trace -d=parsed', { skip: needGo }, async () => {
  const parsed = execFileSync('go', ['tool', 'trace', '-d=parsed', file], { env: goEnv(), maxBuffer: 1 << 30, timeout: 60_000 }).toString();
  const want: Record<string, number> = {};
  let total = 0;
  for (const line of parsed.split('\n')) {
    const m = EVENT_LINE.exec(line);
    if (!m) continue;
    want[m[1]!] = (want[m[1]!] ?? 0) + 1;
    total++;
  }
  const r = await goscope(['trace', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    schema: string;
    goVersion: string;
    traceFormat: { version: string; writtenBy: string[] };
    durationNs: number;
    events: number;
    eventsByKind: Record<string, number>;
    goroutines: number;
    analyses: { blocking: Record<string, { total: number; contentions: number }> };
    savedTo: string | null;
  };
  assert.equal(j.schema, 'goscope.trace/v1');
  assert.match(j.goVersion, /^go1\.\d+$/);
  // The header's version is a format version: the Go that wrote the trace is among its writers.
  const goMinor = /^go(1\.\d+)/.exec(execFileSync('go', ['env', 'GOVERSION'], { env: goEnv() }).toString())![1]!;
  assert.equal(j.traceFormat.version, j.goVersion);
  assert.ok(j.traceFormat.writtenBy.includes(`go${goMinor}`), `${JSON.stringify(j.traceFormat)} written by go${goMinor}`);
  assert.equal(j.events, total);
  assert.deepEqual(j.eventsByKind, want);
  assert.ok(j.durationNs > 0 && j.goroutines > 1);
  for (const k of ['net', 'sync', 'syscall', 'sched']) assert.ok(j.analyses.blocking[k]!.contentions > 0, k);
  assert.equal(j.savedTo, null);
});

test('text output leads with a verdict', { skip: needGo }, async () => {
  const r = await goscope(['trace', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^verdict: /);
  // The header's version shown for what it is: a format, and which Go releases write it.
  assert.match(r.stdout, /^trace: format go1\.\d+ \(written by Go 1\.\d+( or 1\.\d+)?\), /m);
  const html = path.join(tmp, 'report.html');
  const h = await goscope(['trace', file, '-o', html]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(await fsp.readFile(html, 'utf8'), /<p class="dim" id="meta">trace format go1\.\d+ \(written by Go 1\.\d+( or 1\.\d+)?\) · /);
  assert.match(r.stdout, /\n {2}sync +\S+ +\d+ waits {2}main\./);
});

test('--pprof sync -o: go tool pprof -top rows equal those of go tool trace -pprof=sync', { skip: needGo }, async () => {
  const mine = path.join(tmp, 'sync.pb.gz');
  const r = await goscope(['trace', file, '--pprof', 'sync', '-o', mine]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  assert.ok(r.stdout.includes(mine));
  const go = path.join(tmp, 'go-sync.pb.gz');
  await fsp.writeFile(go, execFileSync('go', ['tool', 'trace', '-pprof=sync', file], { env: goEnv(), maxBuffer: 256 << 20, timeout: 60_000 }));
  assert.deepEqual(topRows(pprof('-top', mine)), topRows(pprof('-top', go)));
});

test('from the demo service: captures, saves trace.out, reports events', { skip: needGo }, async () => {
  demo = await startDemo();
  const out = path.join(tmp, 'capture');
  const r = await goscope(['trace', demo.url, '--seconds', '1', '--json', '--out', out], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { events: number; savedTo: string; goVersion: string };
  assert.ok(j.events > 0);
  assert.equal(path.basename(j.savedTo), 'trace.out');
  assert.ok(existsSync(j.savedTo));
  const head = (await fsp.readFile(j.savedTo)).subarray(0, 5).toString('latin1');
  assert.equal(head, 'go 1.');
});

test('errors: bad --pprof kind is a usage error (exit 2), one line', async () => {
  const r = await goscope(['trace', 'whatever.out', '--pprof', 'bogus', '-o', path.join(tmp, 'x.pb.gz')]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /--pprof/);
  const noOut = await goscope(['trace', 'whatever.out', '--pprof', 'sync']);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /-o FILE/);
});

test('errors: a file that is not a trace exits 1 with one line', async () => {
  const bad = path.join(tmp, 'not-a-trace.out');
  await fsp.writeFile(bad, 'hello, this is not a trace\n');
  const r = await goscope(['trace', bad]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /not a Go execution trace/);
});

test('errors: an old-format (Go 1.21) trace exits 1 with one line', async () => {
  const old = path.join(tmp, 'old.out');
  await fsp.writeFile(old, Buffer.concat([Buffer.from('go 1.21 trace\0\0\0', 'latin1'), Buffer.alloc(32)]));
  const r = await goscope(['trace', old]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /Go 1\.21 trace format is not supported/);
});
