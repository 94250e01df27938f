// The logs reader against real output of every Go logging library (testdata/go/loggen):
// each field of each line is checked against what the program knows it logged; crashes
// and GODEBUG lines against what the runtime reported; the trace-id search against the
// truth; gzip and CRLF copies of the same log read the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fromBuffer } from '../src/formats/input.js';
import { readLog, type CrashBlock, type Unreadable } from '../src/formats/logs/read.js';
import type { LogEntry } from '../src/formats/logs/model.js';
import type { GcCycle, SchedSample } from '../src/formats/logs/godebug.js';
import { parseTraceIdArg, sameTrace, traceNeedles } from '../src/formats/logs/ids.js';
import type { FinderKind, Needle } from '../src/formats/logs/search.js';
import { simdSupported } from '../src/lib/wasm.js';
import { NEWER_GO, newerGoUnavailable, skipWithoutGo } from './support/go.js';
import { readTruth, runLoggen, type LoggenRun } from './support/loggen.js';
import { assertEntryIsTruth } from './support/log-truth.js';

interface Read {
  entries: Map<number, LogEntry>;
  list: LogEntry[];
  crashes: CrashBlock[];
  unreadable: Unreadable[];
  gc: GcCycle[];
  sched: SchedSample[];
  stats: Awaited<ReturnType<typeof readLog>>;
}

async function read(buf: Buffer, input = 'log', needles?: Needle[], finder?: FinderKind): Promise<Read> {
  const r: Omit<Read, 'stats'> = { entries: new Map(), list: [], crashes: [], unreadable: [], gc: [], sched: [] };
  const stats = await readLog(
    fromBuffer(buf, 4096),
    input,
    {
      entry: (e) => {
        r.entries.set(e.line, e);
        r.list.push(e);
      },
      crash: (c) => r.crashes.push(c),
      unreadable: (u) => r.unreadable.push(u),
      gc: (g) => r.gc.push(g),
      sched: (s) => r.sched.push(s),
    },
    { needles, finder },
  );
  return { ...r, stats };
}

let allRun: Promise<LoggenRun> | null = null;
const all = () => (allRun ??= runLoggen('all'));

test("every field of every library's lines matches what loggen logged", async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  assert.equal(run.code, 0, run.printed);
  const truth = readTruth(run.truth);
  const r = await read(readFileSync(run.log));
  assert.equal(r.unreadable.length, 0, JSON.stringify(r.unreadable));
  const dialects = new Set<string>();
  for (const want of truth) {
    const e = r.entries.get(want.line);
    assertEntryIsTruth(e, want);
    dialects.add(e.dialect);
  }
  for (const d of ['slog-json', 'logfmt', 'zap-json', 'zap-console', 'logrus-json', 'zerolog', 'stdlog']) assert.ok(dialects.has(d), `no ${d} line read`);
  // go-kit/log's logfmt, with ids as %X upper-case hex, lower-case hex and Datadog decimal.
  const gokit = truth.filter((x) => x.sourceFile === 'gokit.go');
  assert.deepEqual([...new Set(gokit.map((x) => x.traceKey))].sort(), ['', 'dd.trace_id', 'traceId', 'trace_id']);
  const raw = readFileSync(run.log, 'latin1').split('\n');
  for (const want of gokit.filter((x) => x.traceKey === 'trace_id')) {
    assert.ok(raw[want.line - 1]!.includes(`trace_id=${want.traceId.toUpperCase()} `), `line ${want.line} has the id in upper case`);
    assert.equal(r.entries.get(want.line)!.traceId, want.traceId);
  }
  // Every line is an entry, a stack line after one, or part of a crash block.
  assert.equal(r.stats.entries + r.stats.continuation, r.stats.lines);
});

test('recovered panics in the log are crashes read by the goroutine parser', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  const truth = readTruth(run.truth);
  const r = await read(readFileSync(run.log));
  const printed = truth.filter((x) => x.panicBlock);
  const inField = truth.filter((x) => x.stack && x.msg === 'panic recovered');
  assert.equal(r.crashes.length, printed.length + inField.length);
  for (const want of printed) {
    const c = r.crashes.find((x) => x.line === want.line + 1);
    assert.ok(c, `no crash block after line ${want.line}`);
    assert.equal(c.kind, 'recovered');
    assert.equal(c.headline, want.msg);
    assert.equal(c.total, 1);
    assert.ok(
      c.goroutines[0]!.frames.some((f) => f.func === 'main.handler'),
      'the panicking function is in the stack',
    );
  }
  for (const want of inField) {
    const c = r.crashes.find((x) => x.line === want.line);
    assert.ok(c, `the stack in line ${want.line}'s field was not read`);
    assert.equal(c.kind, 'recovered');
    assert.ok(c.goroutines[0]!.frames.some((f) => f.func === 'main.handler'));
  }
});

test('an unrecovered panic on stderr is a crash; the lines before it are entries', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await runLoggen('crash');
  assert.equal(run.code, 2, 'a Go panic exits 2');
  const r = await read(readFileSync(run.log));
  assert.equal(r.list.length, 2);
  assert.deepEqual(
    r.list.map((e) => [e.level, e.message]),
    [
      ['info', 'starting worker pool'],
      ['warn', 'queue is filling up'],
    ],
  );
  assert.equal(r.crashes.length, 1);
  const c = r.crashes[0]!;
  assert.equal(c.kind, 'panic');
  assert.equal(c.headline, 'panic: assignment to entry in nil map');
  assert.equal(c.total, 1);
  assert.equal(c.goroutines[0]!.frames[0]!.func, 'main.crash.func1');
  assert.equal(r.unreadable.length, 0);
});

for (const toolchain of ['local', NEWER_GO] as const) {
  test(`GODEBUG gctrace and schedtrace lines become GC and scheduler series (${toolchain === 'local' ? 'installed Go' : toolchain})`, async (t) => {
    if (skipWithoutGo(t)) return;
    if (toolchain !== 'local') {
      const why = newerGoUnavailable();
      if (why) return t.skip(why);
    }
    const run = await runLoggen('godebug', { env: { GODEBUG: 'gctrace=1,schedtrace=50', GOMAXPROCS: '2' }, toolchain });
    assert.equal(run.code, 0, run.printed);
    const facts = JSON.parse(readFileSync(run.truth, 'utf8')) as { numGC: number; numForcedGC: number; gomaxprocs: number };
    const text = readFileSync(run.log, 'utf8').split('\n');
    const r = await read(readFileSync(run.log));
    // gctrace prints one line per completed cycle: the cycles runtime.MemStats counted (a
    // background cycle may still end between ReadMemStats and exit: one more line).
    assert.ok(r.gc.length >= facts.numGC && r.gc.length <= facts.numGC + 1, `${r.gc.length} gc lines, NumGC ${facts.numGC}`);
    assert.equal(r.gc.length, text.filter((l) => l.startsWith('gc ')).length, 'every gctrace line is read');
    assert.deepEqual(
      r.gc.map((g) => g.n),
      Array.from({ length: r.gc.length }, (_, i) => i + 1),
    );
    assert.equal(r.gc.slice(0, facts.numGC).filter((g) => g.forced).length, facts.numForcedGC);
    for (const g of r.gc) {
      // Each field in the place Go prints it: the line's numbers in order.
      const nums = text[g.line - 1]!.match(/\d+(?:\.\d+)?/g)!.map(Number);
      const c = g.cpuMs;
      assert.deepEqual(
        [g.n, g.atSec, g.cpuPct, g.sweepTermMs, g.markMs, g.markTermMs, c.sweepTerm, c.assist, c.background, c.idle, c.markTerm],
        nums.slice(0, 11),
        text[g.line - 1],
      );
      assert.deepEqual([g.heapBeforeMB, g.heapAfterMB, g.liveMB, g.goalMB, g.stacksMB, g.globalsMB, g.procs], nums.slice(11), text[g.line - 1]);
      assert.equal(g.pauseMs, Math.round((g.sweepTermMs + g.markTermMs) * 1e6) / 1e6);
      assert.equal(g.procs, facts.gomaxprocs);
    }
    assert.ok(r.gc.filter((g) => g.liveMB >= 8).length >= 1, 'the kept batches show in the live heap');
    const sched = text.filter((l) => l.startsWith('SCHED '));
    assert.ok(r.sched.length >= 1 && r.sched.length === sched.length, 'every SCHED line is read');
    for (const s of r.sched) {
      const line = text[s.line - 1]!;
      assert.equal(s.gomaxprocs, facts.gomaxprocs);
      for (const k of ['gomaxprocs', 'idleprocs', 'threads', 'spinningthreads', 'needspinning', 'idlethreads', 'runqueue'] as const)
        assert.match(line, new RegExp(`\\b${k}=${s[k]}\\b`), line);
      assert.equal(s.runqueues.length, facts.gomaxprocs, line);
      assert.ok(s.schedticks.length === 0 || s.schedticks.length === facts.gomaxprocs, line);
    }
    assert.equal(r.list.filter((e) => e.message === 'batch allocated').length, 5);
    assert.equal(r.unreadable.length, 0);
  });
}

test('gzip and CRLF copies of a log read the same; cut and broken lines are counted and located', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  const raw = readFileSync(run.log);
  const plain = await read(raw);
  const gz = await read(gzipSync(raw));
  assert.equal(gz.stats.gzipped, true);
  assert.deepEqual(gz.list, plain.list);
  const crlf = await read(Buffer.from(raw.toString('utf8').replace(/\n/g, '\r\n')));
  assert.deepEqual(crlf.list, plain.list);

  // Hostile on purpose: a JSON line cut short, binary bytes, and a line past the cap.
  const lines = raw.toString('utf8').split('\n');
  const first = lines[0]!;
  const hostile = [first, first.slice(0, 40), '\x00\x01\x02garbage\x03', first, '{"msg":"' + 'x'.repeat(3000) + '"}', first].join('\n') + '\n';
  const h = await readLogWithCap(Buffer.from(hostile), 1024);
  assert.deepEqual(
    h.unreadable.map((u) => [u.line, u.reason.split(' (')[0]]),
    [
      [2, 'invalid JSON'],
      [3, 'binary data'],
      [5, 'invalid JSON'],
    ],
  );
  assert.equal(h.stats.longLines, 1);
  assert.deepEqual(
    h.list.map((e) => e.line),
    [1, 4, 6],
  );
});

async function readLogWithCap(buf: Buffer, maxLine: number): Promise<Read> {
  const r: Omit<Read, 'stats'> = { entries: new Map(), list: [], crashes: [], unreadable: [], gc: [], sched: [] };
  const stats = await readLog(fromBuffer(buf, 512), 'hostile', { entry: (e) => r.list.push(e), unreadable: (u) => r.unreadable.push(u) }, { maxLine });
  return { ...r, stats };
}

test('the trace-id search finds exactly the lines of that trace, in hex and Datadog decimal', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await all();
  const truth = readTruth(run.truth);
  const raw = readFileSync(run.log);
  const full = await read(raw);
  // One id of each key's kind: hex under trace_id, and one logged in Datadog's decimal.
  // and one go-kit wrote in upper case (%X); each searched by both finders.
  const picks = [
    truth.find((x) => x.traceKey === 'trace_id')!,
    truth.find((x) => x.traceKey === 'dd.trace_id')!,
    truth.find((x) => x.traceKey === 'trace_id' && x.sourceFile === 'gokit.go')!,
  ];
  const finders: FinderKind[] = simdSupported() ? ['wasm', 'js'] : ['js'];
  for (const want of picks) {
    for (const arg of [want.traceId, want.traceId.toUpperCase(), BigInt('0x' + want.traceId.slice(16)).toString(10)]) {
      const id = parseTraceIdArg(arg);
      const expected = full.list.filter((e) => sameTrace(e.traceId, id)).map((e) => e.line);
      for (const finder of finders) {
        const found = await read(raw, 'log', traceNeedles(id), finder);
        const hits = found.list.filter((e) => sameTrace(e.traceId, id)).map((e) => e.line);
        assert.ok(hits.includes(want.line), `--trace-id ${arg} (${finder}): line ${want.line} not found`);
        assert.deepEqual(hits, expected, finder);
        assert.equal(found.stats.lines, full.stats.lines, 'line numbers are counted while searching');
      }
    }
  }
});

test('loggen -torn: lines cut mid-way and binary garbage are counted and located, the rest read', async (t) => {
  if (skipWithoutGo(t)) return;
  const run = await runLoggen('all', { args: ['-torn'] });
  assert.equal(run.code, 0, run.printed);
  const truth = readTruth(run.truth);
  const torn = truth.filter((x) => x.torn);
  assert.ok(torn.length >= 3);
  const raw = readFileSync(run.log);
  const r = await read(raw, 'torn.log');
  assert.deepEqual(
    r.unreadable.map((u) => [u.input, u.line, u.reason]),
    torn.map((x) => ['torn.log', x.line, x.torn]),
  );
  assert.equal(r.stats.unreadable, torn.length);
  // Garbage is shown as its bytes, escaped, not as whatever it decodes to.
  for (const u of r.unreadable.filter((x) => x.reason === 'binary data')) assert.match(u.text, /^(?:\\x[0-9a-f]{2})+$/, u.text);
  for (const want of truth.filter((x) => !x.torn)) assert.equal(r.entries.get(want.line)?.message, want.msg, `line ${want.line}`);
  // The id search runs through the garbage too, counting its lines.
  const want = truth.find((x) => x.traceKey === 'trace_id')!;
  for (const finder of simdSupported() ? (['wasm', 'js'] as const) : (['js'] as const)) {
    const found = await read(raw, 'torn.log', traceNeedles(want.traceId), finder);
    assert.deepEqual(
      found.list.map((e) => e.line),
      [want.line],
      finder,
    );
    assert.equal(found.stats.lines, r.stats.lines);
  }
});

test('loggen big: the planted trace id is found on every line it was written to', async (t) => {
  if (skipWithoutGo(t)) return;
  const id = '4bf92f3577b34da6a3ce929d0e0e4736';
  const run = await runLoggen('big', { args: ['-mb', '4', '-every', '1000', '-trace-id', id] });
  assert.equal(run.code, 0, run.printed);
  const planted = Number(/planted (\d+)/.exec(run.printed)![1]);
  assert.ok(planted > 0);
  const r = await read(readFileSync(run.log), 'big', traceNeedles(id));
  assert.equal(r.list.filter((e) => e.traceId === id).length, planted);
  assert.ok(
    r.list.every((e, i) => e.line === (i + 1) * 1000),
    'the lines are every 1000th',
  );
  writeFileSync(path.join(run.dir, 'done'), '');
});
