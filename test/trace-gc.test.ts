// The GC analysis (src/analysis/trace/gc.ts, mmu.ts) against Go: a real trace from
// testdata/go/tracegen (a forced GC every round) is analysed here and compared with
//   - `go tool trace -http`'s /mmu page data (internal/trace MutatorUtilizationV2 + MMUCurve,
//     traceviewer HandlePlot / HandleDetails): the MMU curve, MUD quantiles and worst windows
//     for several flag sets, number for number (Go's JSON prints shortest round-trip floats,
//     so parsed values must be bit-identical);
//   - `go tool trace -d=parsed`'s RangeBegin/RangeActive/RangeEnd lines: GC cycles, the STW
//     pauses with their reasons, mark assist and sweep totals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { needGo } from './support/go.js';
import { writeTracegenTrace } from './support/tracegen.js';
import { runLines } from './support/go-tool.js';
import { startGoTraceServer, type GoTraceServer } from './support/go-trace-http.js';
import { orderedEvents, type OrderedEvent } from '../src/formats/trace/index.js';
import { GcAnalyzer, type GcSummary } from '../src/analysis/trace/gc.js';
import {
  MMUCurve,
  MUD_QUANTILES,
  MutatorUtilBuilder,
  UtilAll,
  UtilAssist,
  UtilBackground,
  UtilPerProc,
  UtilSTW,
  UtilSweep,
  mmuPlot,
  type MMUPlot,
  type UtilSeries,
} from '../src/analysis/trace/mmu.js';

let tmp = '';
let file = '';
let server: GoTraceServer | null = null;
/** Mode 'go' (compared with Go) and the default 'fixed' mode, fed in the same pass. */
let summary: GcSummary;
let analyzer: GcAnalyzer;
let fixedSummary: GcSummary;
let fixed: GcAnalyzer;
const FLAG_SETS: Record<string, number> = {
  'stw|background|assist|sweep': UtilAll,
  'perProc|stw|background|assist|sweep': UtilAll | UtilPerProc,
  stw: UtilSTW,
  background: UtilBackground,
  assist: UtilAssist,
  sweep: UtilSweep,
  'perProc|background': UtilPerProc | UtilBackground,
};
const curves = new Map<string, { series: UtilSeries[]; curve: MMUCurve }>();
const goRanges: GoRange[] = [];
let nEvents = 0;

interface GoRange {
  kind: 'RangeBegin' | 'RangeActive' | 'RangeEnd';
  time: number;
  p: number;
  g: number;
  name: string;
  scope: string;
  attrs: Record<string, number>;
}

const RANGE_LINE = /^M=-?\d+ P=(-?\d+) G=(-?\d+) (RangeBegin|RangeActive|RangeEnd) Time=(\d+) Name=("(?:[^"\\]|\\.)*") Scope=(\S+)(?: Attributes=\[(.*)\])?$/;

before(async () => {
  if (needGo) return;
  // GOSCOPE_GC_TRACE=FILE runs the same comparisons on another trace (by hand: big traces).
  if (process.env.GOSCOPE_GC_TRACE) file = process.env.GOSCOPE_GC_TRACE;
  else {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-gc-'));
    file = await writeTracegenTrace(tmp);
  }
  const serverP = startGoTraceServer(file, process.env.GOSCOPE_GC_TRACE ? { startMs: 600_000, lifetimeMs: 1_200_000 } : {});
  const parsedP = runLines(
    'go',
    ['tool', 'trace', '-d=parsed', file],
    (line) => {
      const r = RANGE_LINE.exec(line);
      if (!r) return;
      const attrs: Record<string, number> = {};
      for (const a of (r[7] ?? '').matchAll(/("(?:[^"\\]|\\.)*")=Value\{Uint64\((\d+)\)\}/g)) attrs[JSON.parse(a[1]!) as string] = Number(a[2]);
      goRanges.push({
        kind: r[3] as GoRange['kind'],
        time: Number(r[4]),
        p: Number(r[1]),
        g: Number(r[2]),
        name: JSON.parse(r[5]!) as string,
        scope: r[6]!,
        attrs,
      });
    },
    process.env.GOSCOPE_GC_TRACE ? 1_200_000 : 60_000,
  );
  // One pass feeds the analyzer and the extra utilisation builders, as the CLI would.
  const buf = await fsp.readFile(file);
  analyzer = new GcAnalyzer({ utilMode: 'go' });
  fixed = new GcAnalyzer();
  const builders = Object.entries(FLAG_SETS).map(([k, f]) => [k, new MutatorUtilBuilder(f)] as const);
  for (const e of orderedEvents(buf, { input: file }) as Iterable<OrderedEvent>) {
    nEvents++;
    analyzer.add(e);
    fixed.add(e);
    for (const [, b] of builders) b.add(e);
  }
  summary = analyzer.finish();
  fixedSummary = fixed.finish();
  for (const [k, b] of builders) {
    const series = b.finish()!;
    curves.set(k, { series, curve: new MMUCurve(series) });
  }
  [server] = await Promise.all([serverP, parsedP]);
});

after(async () => {
  await server?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

test('the trace has GC activity to compare', { skip: needGo }, () => {
  assert.ok(nEvents > 1000, `${nEvents} events`);
  assert.ok(summary.gc.completeCycles >= 3, `${summary.gc.completeCycles} complete GC cycles`);
  assert.ok(summary.stw.pauses.filter((p) => p.gc).length >= 6);
  assert.ok(summary.maxProcs >= 1);
  assert.ok(summary.heap.points.length > 0 && summary.heap.peakObjects > 0);
  assert.ok(summary.utilization.mean > 0 && summary.utilization.mean < 1);
  assert.equal(summary.mmu.length, 4);
  // MMU(10w) >= MMU(w) holds for windows that fit in the trace (a 10w window is ten w
  // windows), not for a window clipped to a trace shorter than it: the whole trace then
  // includes a tail shorter than w whose utilisation MMU(w) does not bound. The tracegen
  // trace lasts about 1 s, so the 1 s window would be clipped if it ran short. The message
  // carries the curve: this assertion failed twice in about a dozen runs, unexplained so far.
  const fitting = summary.mmu.filter((p) => !p.clipped);
  const shown = JSON.stringify(summary.mmu);
  for (let i = 1; i < fitting.length; i++) assert.ok(fitting[i]!.mmu >= fitting[i - 1]!.mmu, `MMU grows with the window: ${shown}`);
});

test("the default ('fixed') utilisation counts each mark worker run once", { skip: needGo }, () => {
  // Everything but the utilisation is the same in both modes.
  assert.deepEqual({ ...fixedSummary, utilization: null, mmu: null }, { ...summary, utilization: null, mmu: null });
  const fixSeries = fixed.utilization()!;
  // Go's series can end at its last change (when the utilisation is 0 by then); this one
  // always ends at the last event.
  assert.equal(fixSeries[0]!.times[fixSeries[0]!.length - 1], fixedSummary.end);
  assert.ok(fixedSummary.utilization.mean > 0 && fixedSummary.utilization.mean < 1);
  // Between cycles the mutator gets every P back: the utilisation is 1 again. Not after
  // every cycle, and not at every point: a real 2-P trace showed 0 and 0.5 for the last
  // 20 ms after its last complete cycle, with sweeping not counted (the background worker
  // and STW flags alone); in 25 traces, 7 to 13 of 11 to 14 gaps between cycles reached 1.
  const cycles = fixedSummary.gc.cycles;
  const s = fixSeries[0]!.toArray();
  const gaps = cycles.flatMap((c, i) => (c.endSeen ? [[c.end + 1_000_000, cycles[i + 1]?.start ?? fixedSummary.end] as const] : []));
  const recovered = gaps.filter(([from, to]) => s.some((p) => p.time > from && p.time < to && p.util >= 1));
  assert.ok(recovered.length > 0, `utilisation reaches 1 between GC cycles: ${recovered.length} of ${gaps.length} gaps`);
  assert.ok(fixedSummary.mmu.at(-1)!.mmu > 0, `fixed MMU at 1s: ${fixedSummary.mmu.at(-1)!.mmu}`);
});

test('MMU curves equal the /mmu plot data of go tool trace', { skip: needGo }, async () => {
  for (const [flags, { curve }] of curves) {
    const go = (await server!.getJSON(`/mmu?mode=plot&flags=${encodeURIComponent(flags)}`)) as MMUPlot;
    const mine = mmuPlot(curve);
    assert.equal(mine.xMin, go.xMin, `${flags}: xMin`);
    assert.equal(mine.xMax, go.xMax, `${flags}: xMax`);
    assert.equal(go.curve.length, 100);
    let windowDiffs = 0;
    for (let i = 0; i < go.curve.length; i++) {
      const [w, mmu] = go.curve[i]!;
      if (mine.curve[i]![0] !== w) windowDiffs++;
      assert.equal(curve.mmu(w!), mmu, `${flags}: MMU at window ${w}ns`);
    }
    assert.equal(windowDiffs, 0, `${flags}: window sizes differ from Go's`);
    assert.deepEqual(mine.curve, go.curve, flags);
  }
  // The summary's MMU at its windows is the same curve.
  const all = curves.get('stw|background|assist|sweep')!.curve;
  for (const m of summary.mmu) assert.equal(m.mmu, all.mmu(m.window));
  assert.deepEqual(
    analyzer.utilization()!.map((s) => s.toArray()),
    curves.get('stw|background|assist|sweep')!.series.map((s) => s.toArray()),
  );
});

test('MUD quantiles equal the /mmu plot data with "mut"', { skip: needGo }, async () => {
  for (const flags of ['stw|background|assist|sweep', 'perProc|stw|background|assist|sweep']) {
    const go = (await server!.getJSON(`/mmu?mode=plot&flags=${encodeURIComponent(flags + '|mut')}`)) as MMUPlot;
    const { curve } = curves.get(flags)!;
    assert.deepEqual(go.quantiles, [...MUD_QUANTILES]);
    for (const [w, ...qs] of go.curve) assert.deepEqual(curve.mud(w!, MUD_QUANTILES), qs, `${flags}: MUD at window ${w}ns`);
    assert.deepEqual(mmuPlot(curve, MUD_QUANTILES), go);
  }
});

test('worst windows equal /mmu details', { skip: needGo }, async () => {
  for (const flags of ['stw|background|assist|sweep', 'perProc|stw|background|assist|sweep', 'assist']) {
    const { curve } = curves.get(flags)!;
    for (const w of [100_000, 1_000_000, 10_000_000, 100_000_000]) {
      const go = (await server!.getJSON(`/mmu?mode=details&window=${w}&flags=${encodeURIComponent(flags)}`)) as { Time: number; MutatorUtil: number }[] | null;
      const mine = curve.examples(w, 10).map((u) => ({ Time: u.time, MutatorUtil: u.mutatorUtil }));
      assert.deepEqual(
        mine,
        (go ?? []).map((u) => ({ Time: u.Time, MutatorUtil: u.MutatorUtil })),
        `${flags}: worst windows of ${w}ns`,
      );
    }
  }
});

/** Ranges of one name from Go's printed events: [start, end, startSeen, endSeen, scope, attrs at end]. */
function goIntervals(
  name: (n: string) => boolean,
  end: number,
): { start: number; end: number; startSeen: boolean; endSeen: boolean; name: string; scope: string; attrs: Record<string, number> }[] {
  const open = new Map<
    string,
    { start: number; end: number; startSeen: boolean; endSeen: boolean; name: string; scope: string; attrs: Record<string, number> }
  >();
  const out: { start: number; end: number; startSeen: boolean; endSeen: boolean; name: string; scope: string; attrs: Record<string, number> }[] = [];
  for (const r of goRanges) {
    if (!name(r.name)) continue;
    const key = `${r.name.startsWith('stop-the-world') ? 'stw' : r.name}/${r.scope}`;
    const cur = open.get(key);
    if (r.kind === 'RangeEnd') {
      if (cur) {
        cur.end = r.time;
        cur.endSeen = true;
        cur.attrs = r.attrs;
        open.delete(key);
      }
    } else if (!cur) {
      const iv = { start: r.time, end, startSeen: r.kind === 'RangeBegin', endSeen: false, name: r.name, scope: r.scope, attrs: {} };
      open.set(key, iv);
      out.push(iv);
    }
  }
  return out;
}

test('GC cycles, STW pauses, assists and sweeps equal go tool trace -d=parsed ranges', { skip: needGo }, () => {
  const cycles = goIntervals((n) => n === 'GC concurrent mark phase', summary.end);
  assert.deepEqual(
    summary.gc.cycles.map((c) => [c.start, c.end, c.startSeen, c.endSeen]),
    cycles.map((c) => [c.start, c.end, c.startSeen, c.endSeen]),
  );
  assert.equal(summary.gc.completeCycles, cycles.filter((c) => c.startSeen && c.endSeen).length);

  const stw = goIntervals((n) => n.startsWith('stop-the-world ('), summary.end);
  assert.deepEqual(
    summary.stw.pauses.map((p) => [p.start, p.end, `stop-the-world (${p.reason})`, `Goroutine(${p.goroutine})`]),
    stw.map((p) => [p.start, p.end, p.name, p.scope]),
  );
  const gcStw = stw.filter((p) => p.name.includes('GC'));
  assert.equal(
    summary.stw.gcTotal,
    gcStw.reduce((s, p) => s + p.end - p.start, 0),
  );
  assert.equal(
    summary.stw.total,
    stw.reduce((s, p) => s + p.end - p.start, 0),
  );
  for (const r of summary.stw.byReason) {
    const mine = stw.filter((p) => p.name === `stop-the-world (${r.reason})`);
    assert.equal(r.count, mine.length);
    assert.equal(r.max, Math.max(...mine.map((p) => p.end - p.start)));
  }

  const assists = goIntervals((n) => n === 'GC mark assist', summary.end);
  assert.equal(summary.assist.count, assists.length);
  assert.equal(
    summary.assist.total,
    assists.reduce((s, p) => s + p.end - p.start, 0),
  );
  const perG = new Map<string, number>();
  for (const a of assists) perG.set(a.scope, (perG.get(a.scope) ?? 0) + a.end - a.start);
  assert.equal(summary.assist.goroutines, perG.size);
  for (const t of summary.assist.top) assert.equal(t.total, perG.get(`Goroutine(${t.goroutine})`));

  const sweeps = goIntervals((n) => n === 'GC incremental sweep', summary.end);
  assert.equal(summary.sweep.count, sweeps.length);
  assert.equal(
    summary.sweep.total,
    sweeps.reduce((s, p) => s + p.end - p.start, 0),
  );
  assert.equal(
    summary.sweep.bytesSwept,
    sweeps.reduce((s, p) => s + (p.attrs['bytes swept'] ?? 0), 0),
  );
  assert.equal(
    summary.sweep.bytesReclaimed,
    sweeps.reduce((s, p) => s + (p.attrs['bytes reclaimed'] ?? 0), 0),
  );
});
