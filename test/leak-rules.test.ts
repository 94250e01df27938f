// The leak verdict rules, applied to real goroutine groups (dumpgen's debug=0 profile) with
// controlled count series: what must be flagged, and every reason not to flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBuffer } from '../src/formats/input.js';
import { parseGoroutines } from '../src/formats/goroutines/parse.js';
import { Grouper, type GoroutineGroup } from '../src/analysis/goroutines/group.js';
import { analyzeLeaks, type LeakSample } from '../src/analysis/goroutines/leak.js';
import { trend } from '../src/analysis/trend.js';
import { needGo, runDumpgen } from './support/go.js';

async function groups(): Promise<GoroutineGroup[]> {
  const gr = new Grouper('value');
  const bytes = (await runDumpgen('debug0')).stdout;
  await parseGoroutines(fromBuffer(bytes), 'debug0', (g) => gr.add(g));
  return gr.groups();
}

/** Samples where group `g` has the given counts (every other group constant). */
function samples(all: GoroutineGroup[], series: Map<GoroutineGroup, number[]>, n: number): LeakSample[] {
  return Array.from({ length: n }, (_, i) => ({
    t: i * 5000,
    groups: all.map((g) => ({ ...g, count: series.get(g)?.[i] ?? g.count })),
  }));
}

const site = (gs: GoroutineGroup[], fn: string) => gs.find((g) => g.blockingSite?.func === fn)!;

test('leak rules on real groups: growth, blocking kind, user code, sustained growth', { skip: needGo }, async () => {
  const gs = await groups();
  const send = site(gs, 'main.blockChanSend');
  const mutex = site(gs, 'main.blockMutexLock');
  const io = site(gs, 'main.blockNetRead');
  const sleep = site(gs, 'main.blockSleep');
  const runtimeOnly = gs.find((g) => g.blockingSite === null && g.waitReason === 'gc') ?? gs.find((g) => g.blockingSite === null)!;
  const up = [1, 4, 7, 10, 13, 16, 19, 22];
  const series = new Map<GoroutineGroup, number[]>([
    [send, up],
    [mutex, [0, 6, 1, 8, 2, 9, 3, 2]], // contention that rose for a while, then fell back
    [io, up],
    [sleep, up],
    [runtimeOnly, up],
  ]);
  const a = analyzeLeaks({ samples: samples(gs, series, 8), leakProfile: null });
  assert.deepEqual(
    a.suspects.map((s) => s.blockingSite?.func),
    ['main.blockChanSend'],
  );
  const s = a.suspects[0]!;
  assert.deepEqual(s.series, up);
  assert.equal(s.growthPerMinute, 36); // 3 per 5 s
  assert.equal(s.waitReason, 'chan-send');
  assert.equal(s.confidence, 'high');
  assert.equal(s.confirmedByLeakProfile, null);

  // Flat series, a single spike, and a rise that ends low (significant by the trend test
  // alone, p ≈ 0.0005, but not sustained): nothing.
  for (const shape of [
    [5, 5, 5, 5, 5, 5, 5, 5],
    [2, 2, 2, 30, 2, 2, 2, 2],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 3],
  ]) {
    const b = analyzeLeaks({ samples: samples(gs, new Map([[send, shape]]), shape.length), leakProfile: null });
    assert.equal(b.suspects.length, 0, shape.join(' '));
  }
  const t12 = Array.from({ length: 12 }, (_, i) => i);
  assert.ok(trend([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 3], t12).p < 0.001, 'the trend test alone would flag it');
  // Growth with dips but sustained: still a suspect, medium confidence.
  const dips = analyzeLeaks({ samples: samples(gs, new Map([[send, [1, 3, 2, 5, 4, 7, 6, 9]]]), 8), leakProfile: null });
  assert.equal(dips.suspects.length, 1);
  assert.equal(dips.suspects[0]!.confidence, 'medium');

  // The goroutineleak profile confirms, and reports what it proves even when flat.
  const conf = analyzeLeaks({ samples: samples(gs, series, 8), leakProfile: [send, mutex] });
  const bySite = new Map(conf.suspects.map((x) => [x.blockingSite?.func, x]));
  assert.equal(bySite.get('main.blockChanSend')!.confirmedByLeakProfile, true);
  assert.equal(bySite.get('main.blockMutexLock')!.confidence, 'high');
  assert.match(bySite.get('main.blockMutexLock')!.explanation, /did not grow/);
});
