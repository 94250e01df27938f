// The checked-in goroutine dumps, expositions, log and OTLP file (testdata/fixtures, written
// by dumpgen, metricsgen, loggen and otlpgen) without Go: each parses to what was recorded
// when it was written. Dumps: every goroutine's id, status, functions, creator and Go 1.27
// header labels as the runtime printed them, and debug=1's own records and total (the
// tally, test/support/dump-tally.ts); the grouping adds up to those records. Expositions:
// every series of the client_golang registry, in all three formats. Log: every field of
// every logging call loggen made. OTLP: exactly the spans and records the SDK exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBuffer } from '../src/formats/input.js';
import { parseGoroutinesAll } from '../src/formats/goroutines/parse.js';
import type { Goroutine } from '../src/formats/goroutines/model.js';
import { groupAll } from '../src/analysis/goroutines/group.js';
import { readLog } from '../src/formats/logs/read.js';
import type { LogEntry } from '../src/formats/logs/model.js';
import { fileChunks, newReadStats, readOtlp } from '../src/formats/otlp/read.js';
import type { OtlpLogRecord, Span } from '../src/formats/otlp/model.js';
import { fixturePath, readFixture, readManifest, sha256, type Fixture } from './support/fixtures.js';
import { tallyDump, type DumpTally, type TallyGoroutine } from './support/dump-tally.js';
import { expositionRows, readMetricsTruth } from './support/metrics-truth.js';
import { assertEntryIsTruth, readTruth as readLogTruth } from './support/log-truth.js';
import { asTruth, bySpanId, byTimeAndBody, logAsTruth, readTruth as readOtlpTruth } from './support/otlp-truth.js';

const manifest = readManifest();
const of = (kind: Fixture['kind']): Fixture[] => manifest.fixtures.filter((f) => f.kind === kind);

test('every file of the manifest is there with its sha256, and so is every reference', () => {
  assert.ok(manifest.fixtures.length >= 15, `${manifest.fixtures.length} fixtures`);
  for (const f of manifest.fixtures) {
    assert.equal(sha256(readFixture(f.file)), f.sha256, f.file);
    assert.match(f.go, /^go version go1\.\d+/, `${f.file}: the go version line`);
    for (const r of f.references) assert.equal(sha256(readFixture(r.file)), r.sha256, r.file);
  }
  for (const kind of ['pprof', 'goroutines', 'trace', 'metrics', 'logs', 'otlp'] as const) assert.ok(of(kind).length > 0, `a ${kind} fixture`);
});

// ---------------------------------------------------------------------------
// Goroutine dumps

function asTally(g: Goroutine): TallyGoroutine {
  return {
    id: g.id,
    state: g.state,
    funcs: g.frames.map((f) => f.func),
    createdBy: g.createdBy?.func ?? null,
    labels:
      g.labels === null
        ? null
        : `{${Object.entries(g.labels)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')}}`,
  };
}

for (const f of of('goroutines')) {
  test(`${f.file}: parses to the recorded goroutines (${f.env.GOTRACEBACK ? 'GOTRACEBACK=' + f.env.GOTRACEBACK + ', ' : ''}${f.toolchain})`, async () => {
    const text = readFixture(f.file);
    const want = JSON.parse(readFixture(f.references[0]!.file).toString('utf8')) as DumpTally;
    assert.deepEqual(tallyDump(text.toString('utf8')), want, 'the tally of the file is the recorded one');
    const { info, goroutines } = await parseGoroutinesAll(fromBuffer(text, 4096), f.file);
    if (want.kind === 'debug1') {
      assert.equal(info.format, 'debug1');
      assert.equal(info.total, want.total, 'goroutine profile: total N');
      const records = goroutines.map((g) => ({ count: g.count, funcs: g.frames.map((x) => x.func) }));
      assert.deepEqual(
        records,
        want.records.map((r) => ({ count: r.count, funcs: r.funcs })),
        'the runtime records, in order',
      );
      assert.equal(
        goroutines.reduce((n, g) => n + g.count, 0),
        want.total,
      );
      const labelled = goroutines.filter((g) => g.labels !== null).length;
      assert.equal(labelled, want.records.filter((r) => r.labels !== null).length, '# labels: records');
      // Grouping by value never splits one of the runtime's records, and accounts for all.
      const groups = groupAll(goroutines, 'value');
      assert.equal(
        groups.reduce((n, g) => n + g.count, 0),
        want.total,
      );
      assert.ok(groups.length <= want.records.length);
      return;
    }
    assert.equal(info.format, 'text');
    assert.equal(info.crash ?? null, want.crash, 'the crash line');
    assert.equal(goroutines.length, want.total, 'goroutines');
    assert.deepEqual(goroutines.map(asTally), want.goroutines, 'every goroutine: id, status, functions, creator, labels');
    const states: Record<string, number> = {};
    for (const g of groupAll(goroutines, 'value')) states[g.state] = (states[g.state] ?? 0) + g.count;
    assert.deepEqual(
      Object.fromEntries(Object.entries(states).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      want.states,
      'goroutines per state, after grouping',
    );
  });
}

test('the GOTRACEBACK variants differ as the runtime documents', () => {
  const tallies = new Map(of('goroutines').map((f) => [f.file, JSON.parse(readFixture(f.references[0]!.file).toString('utf8')) as DumpTally]));
  const get = (name: string): DumpTally => {
    const t = tallies.get(name);
    assert.ok(t, name);
    return t;
  };
  const single = get('goroutines/panic-single.go1.26.txt');
  const all = get('goroutines/panic-all.go1.26.txt');
  const system = get('goroutines/panic-system.go1.26.txt');
  assert.ok(single.kind === 'traceback' && all.kind === 'traceback' && system.kind === 'traceback');
  assert.equal(single.total, 1, 'single: the panicking goroutine');
  assert.ok(all.total > 10, 'all: every user goroutine');
  assert.ok(system.total > all.total, 'system: runtime goroutines too');
  assert.ok(system.goroutines.some((g) => g.funcs.includes('runtime.gopark')));
  assert.ok(!all.goroutines.some((g) => g.funcs.includes('runtime.gopark')));
});

// ---------------------------------------------------------------------------
// Expositions

for (const f of of('metrics')) {
  test(`${f.file}: every series of the registry, as metricsgen recorded it`, async () => {
    const want = readMetricsTruth(fixturePath(f.references[0]!.file));
    assert.ok(want.length >= 15);
    const format = f.args[f.args.indexOf('-write') + 1];
    const { rows, format: sniffed } = await expositionRows(readFixture(f.file), f.file);
    assert.equal(sniffed, format, 'the format is recognised from the bytes');
    // The text format has no units; every other field is in every format.
    assert.deepEqual(rows, want);
  });
}

// ---------------------------------------------------------------------------
// Logs

for (const f of of('logs')) {
  test(`${f.file}: every line is what loggen logged`, async () => {
    const truth = readLogTruth(fixturePath(f.references[0]!.file));
    const entries = new Map<number, LogEntry>();
    let unreadable = 0;
    let crashes = 0;
    const stats = await readLog(fromBuffer(readFixture(f.file), 4096), f.file, {
      entry: (e) => entries.set(e.line, e),
      crash: () => crashes++,
      unreadable: () => unreadable++,
      gc: () => {},
      sched: () => {},
    });
    assert.equal(unreadable, 0);
    assert.ok(truth.length > 50, `${truth.length} calls`);
    const dialects = new Set<string>();
    for (const want of truth) {
      const e = entries.get(want.line);
      assertEntryIsTruth(e, want);
      dialects.add(e.dialect);
    }
    assert.deepEqual([...dialects].sort(), ['logfmt', 'logrus-json', 'slog-json', 'stdlog', 'zap-console', 'zap-json', 'zerolog']);
    assert.equal(stats.entries + stats.continuation, stats.lines, 'every line is an entry or part of one');
  });
}

// ---------------------------------------------------------------------------
// OTLP

for (const f of of('otlp')) {
  test(`${f.file}: exactly the spans and log records the SDK exported`, async () => {
    const truth = readOtlpTruth(fixturePath(f.references[0]!.file));
    assert.equal(truth.spans.length, 12, '3 traces of 4 spans');
    assert.equal(truth.logs.length, 6, '2 records per trace');
    const stats = newReadStats();
    const spans: Span[] = [];
    const logs: OtlpLogRecord[] = [];
    for await (const i of readOtlp(fileChunks(fixturePath(f.file)), f.file, { stats })) {
      if (i.kind === 'span') spans.push(i.span);
      else if (i.kind === 'log') logs.push(i.log);
    }
    assert.equal(stats.format, 'otlp-jsonl');
    assert.equal(stats.badLines, 0);
    assert.deepEqual(bySpanId(spans.map(asTruth)), bySpanId(truth.spans));
    assert.deepEqual(byTimeAndBody(logs.map(logAsTruth)), byTimeAndBody(truth.logs));
  });
}
