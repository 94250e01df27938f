// goscope logs end to end, on real logs from testdata/go/loggen: the summary, --json,
// --trace-id in hex and Datadog decimal, crashes, exit codes, and hostile text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { skipWithoutGo } from './support/go.js';
import { goscope } from './support/cli.js';
import { readTruth, runLoggen, type LoggenRun } from './support/loggen.js';

let allRun: Promise<LoggenRun> | null = null;
const all = () => (allRun ??= runLoggen('all'));

test('logs: the summary names the levels, the top error templates, trace-id coverage and the crashes', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  const truth = readTruth(run.truth);
  const r = await goscope(['logs', run.log]);
  assert.equal(r.code, 0, r.stderr);
  const payments = truth.filter((x) => x.level === 'error' && x.msg.startsWith('payment failed for order ')).length;
  assert.match(r.stdout, new RegExp(`\\n  ${payments} +\\S+ +\\S+ +payment failed for order <n> \\(error: card declined\\)\\n`));
  assert.match(r.stdout, /user <uuid> not found/);
  assert.match(r.stdout, /dial tcp <ip>: connect: connection refused/);
  // Coverage: every service's line count and share, with the key its ids are under.
  for (const [svc, key] of [
    ['ledger', 'dd.trace_id'],
    ['payments', 'traceId'],
    ['search', 'otelTraceID'],
    ['users', 'trace.id'],
  ] as const) {
    const lines = truth.filter((x) => x.service === svc);
    const traced = lines.filter((x) => x.traceId).length;
    assert.match(r.stdout, new RegExp(`\\n  ${svc} +${lines.length} +[\\d.]+% \\(${traced}\\) .*${key.replace('.', '\\.')} ${traced}`), svc);
  }
  assert.match(r.stdout, /crashes and panics \(3\)/);
  assert.match(r.stdout, /recovered panic: http: panic serving 127\.0\.0\.1:\d+: runtime error: invalid memory address/);
  assert.match(r.stdout, /panicked in main\.handler \(stdlog\.go:\d+\)/);
  assert.match(r.stdout, /unreadable lines: none/);
});

test('logs --json: goscope.logs/v1 with the level counts loggen wrote', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  const truth = readTruth(run.truth);
  const r = await goscope(['logs', run.log, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    schema: string;
    levels: Record<string, number>;
    entries: number;
    errors: { template: string; count: number }[];
    services: { service: string; lines: number; withTraceId: number }[];
    crashCount: number;
    unreadable: { count: number };
  };
  assert.equal(j.schema, 'goscope.logs/v1');
  assert.equal(j.entries, truth.length);
  for (const level of ['debug', 'info', 'warn', 'error']) assert.equal(j.levels[level], truth.filter((x) => x.level === level).length, level);
  assert.equal(j.crashCount, 3);
  assert.equal(j.unreadable.count, 0);
  const checkout = j.services.find((s) => s.service === 'checkout')!;
  assert.equal(checkout.withTraceId, truth.filter((x) => x.service === 'checkout' && x.traceId).length);
});

test('logs --level and --since/--until keep the lines asked for', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  const truth = readTruth(run.truth);
  const errors = await goscope(['logs', run.log, '--level', 'error', '--json']);
  assert.equal(errors.code, 0, errors.stderr);
  assert.deepEqual((JSON.parse(errors.stdout) as { levels: Record<string, number> }).levels, { error: truth.filter((x) => x.level === 'error').length });
  // The truth's times are ns; --since takes RFC 3339: the 10th record's time onwards, before the 20th's.
  const timed = truth.filter((x) => x.dialect === 'slog-json' && x.precisionNs === 1).slice(0, 20);
  const iso = (ns: string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString().replace('Z', (BigInt(ns) % 1_000_000n).toString().padStart(6, '0') + 'Z');
  const since = iso(timed[9]!.timeNs);
  const until = iso(timed[19]!.timeNs);
  const w = await goscope(['logs', run.log, '--since', since, '--until', until, '--json']);
  assert.equal(w.code, 0, w.stderr);
  const want = truth.filter((x) => x.timeNs === x.timeMaxNs && BigInt(x.timeNs) >= BigInt(timed[9]!.timeNs) && BigInt(x.timeNs) < BigInt(timed[19]!.timeNs));
  // Lines whose dialect writes a coarser time may fall on either side of the edge: compare the exact ones.
  const got = (JSON.parse(w.stdout) as { entries: number }).entries;
  assert.ok(got >= want.filter((x) => x.precisionNs === 1).length, `${got} entries`);
  const lo = BigInt(timed[9]!.timeNs);
  const hi = BigInt(timed[19]!.timeNs);
  const possible = truth.filter((x) => BigInt(x.timeMaxNs) + BigInt(x.precisionNs) > lo && BigInt(x.timeNs) - BigInt(x.precisionNs) < hi);
  assert.ok(got <= possible.length, `${got} entries, at most ${possible.length} possible`);
  const bad = await goscope(['logs', run.log, '--since', 'yesterday']);
  assert.equal(bad.code, 2);
});

test("logs --trace-id: one request's lines, by W3C id or Datadog decimal, in time order", async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  const truth = readTruth(run.truth);
  // Logged by zerolog as a decimal number (the low 64 bits of the W3C id).
  const dd = truth.find((x) => x.dialect === 'zerolog' && x.traceId)!;
  const w3c = dd.traceId.slice(0, 16).replace(/./g, 'a') + dd.traceId.slice(16); // any high half: only the low 64 bits are logged
  for (const arg of [w3c, BigInt('0x' + dd.traceId.slice(16)).toString(10)]) {
    const r = await goscope(['logs', run.log, '--trace-id', arg, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { lines: { line: number; message: string; traceKey: string; timeUnixNano: string }[] };
    assert.deepEqual(
      j.lines.map((l) => [l.line, l.message, l.traceKey]),
      [[dd.line, dd.msg, 'dd.trace_id']],
    );
  }
  const hex = truth.find((x) => x.traceKey === 'trace_id')!;
  const r = await goscope(['logs', run.log, '--trace-id', hex.traceId]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^trace ${hex.traceId}: 1 line from 1 service \\(checkout\\)`));
  assert.ok(r.stdout.includes(`${run.log}:${hex.line}`));
});

test('logs: an unrecovered panic exits 3; gzip on stdin reads the same', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await runLoggen('crash');
  const r = await goscope(['logs', run.log]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /unrecovered panic: panic: assignment to entry in nil map\n {4}panicked in main\.crash\.func1 \(main\.go:\d+\)/);
  const z = await goscope(['logs', '-', '--json'], { input: gzipSync(readFileSync(run.log)) });
  assert.equal(z.code, 3, z.stderr);
  assert.equal((JSON.parse(z.stdout) as { entries: number }).entries, 2);
});

test('logs: user errors are one line with their exit code', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  const none = await goscope(['logs', run.log, '--trace-id', 'ffffffffffffffffffffffffffffffff']);
  assert.equal(none.code, 1);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /^goscope: logs: no line has trace id f{32} \(.*\)\n$/);
  const missing = await goscope(['logs', path.join(run.dir, 'nope.log')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.log: cannot read \(ENOENT\)\n/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const bad = await goscope(['logs', run.log, '--trace-id', 'xyz']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.split('\n').filter(Boolean).length, 1);
  const usage = await goscope(['logs']);
  assert.equal(usage.code, 2);
});

test('logs: escape sequences in log text reach the terminal escaped', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  // Hostile on purpose: a message and a service name that would set the title and clear the screen.
  const evil = path.join(run.dir, 'evil.log');
  const line = JSON.stringify({
    time: '2026-03-14T09:26:53Z',
    level: 'ERROR',
    msg: 'boom \u001b]0;pwned\u0007\u001b[2J\u202e',
    service: 'svc\u001b[31m',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  });
  writeFileSync(evil, `${line}\n${line}\n`);
  for (const args of [
    ['logs', evil],
    ['logs', evil, '--trace-id', '4bf92f3577b34da6a3ce929d0e0e4736'],
  ]) {
    const r = await goscope(args);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!/[\u001b\u0007\u202e]/.test(r.stdout), r.stdout);
    assert.match(r.stdout, /boom \\x1b\]0;pwned\\x07\\x1b\[2J\\u202e/);
  }
});

test('logs on a torn log (loggen -torn): exit 0, the torn lines counted and located as file:line', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await runLoggen('all', { args: ['-torn'] });
  const torn = readTruth(run.truth).filter((x) => x.torn);
  const r = await goscope(['logs', run.log]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`\\nunreadable lines: ${torn.length}\\n`));
  for (const x of torn.slice(0, 5)) assert.ok(r.stdout.includes(`  ${run.log}: line ${x.line}: ${x.torn}: `), `line ${x.line}`);
  const j = JSON.parse((await goscope(['logs', run.log, '--json'])).stdout) as { unreadable: { count: number; lines: { line: number; reason: string }[] } };
  assert.deepEqual(
    j.unreadable.lines.map((u) => [u.line, u.reason]),
    torn.map((x) => [x.line, x.torn]),
  );
  // An id written upper case by go-kit (%X) is found by --trace-id given in lower case.
  const upper = readTruth(run.truth).find((x) => x.sourceFile === 'gokit.go' && x.traceKey === 'trace_id')!;
  const found = await goscope(['logs', run.log, '--trace-id', upper.traceId, '--json']);
  assert.equal(found.code, 0, found.stderr);
  assert.deepEqual(
    (JSON.parse(found.stdout) as { lines: { line: number; service: string }[] }).lines.map((l) => [l.line, l.service]),
    [[upper.line, 'inventory']],
  );
});

test('logs: gctrace and schedtrace as series in --json and as compact tables', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await runLoggen('godebug', { env: { GODEBUG: 'gctrace=1,schedtrace=50', GOMAXPROCS: '2' } });
  assert.equal(run.code, 0, run.printed);
  const lines = readFileSync(run.log, 'utf8').split('\n');
  const gcLines = lines.filter((l) => l.startsWith('gc '));
  const schedLines = lines.filter((l) => l.startsWith('SCHED '));
  const j = JSON.parse((await goscope(['logs', run.log, '--json'])).stdout) as {
    gc: { cycles: number; series: { n: number; line: number; pauseMs: number; liveMB: number; cpuMs: { background: number } }[] };
    sched: { samples: number; series: { atMs: number; line: number; runqueues: number[] }[] };
  };
  assert.equal(j.gc.cycles, gcLines.length);
  assert.equal(j.gc.series.length, gcLines.length);
  assert.deepEqual(
    j.gc.series.map((g) => lines[g.line - 1]),
    gcLines,
  );
  assert.equal(j.sched.series.length, schedLines.length);
  assert.deepEqual(
    j.sched.series.map((s) => `SCHED ${s.atMs}ms:`),
    schedLines.map((l) => l.slice(0, l.indexOf(':') + 1)),
  );
  const r = await goscope(['logs', run.log]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\n {4}gc +at +STW ms +mark ms +heap MB +live +goal +GC CPU +P\n {4}1 +[\d.]+s +[\d.]+ +[\d.]+ +\d+->\d+ /);
  assert.match(r.stdout, /\n {4}at +gomaxprocs +idleprocs +threads +idlethreads +spinning +runqueue +per-P runqueues\n {4}\d+ms +2 +\d+ /);
});
