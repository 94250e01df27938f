// Hot spots in the service's own code (src/analysis/hotspots.ts) on real profiles from
// testdata/go/profgen: each sample charged to its leaf-most user frame, summed per
// function, the hottest line reported; totals exact.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needGo } from './support/go.js';
import { profgen } from './support/pprof.js';
import { decodeProfile, int64ToNumber, sumInt64 } from '../src/formats/pprof/index.js';
import { selectSampleIndex } from '../src/analysis/profile/sample-index.js';
import { top } from '../src/analysis/profile/top.js';
import { hotspots } from '../src/analysis/hotspots.js';

let dir = '';
before(async () => {
  if (!needGo) dir = await profgen();
});

const load = (name: string) => decodeProfile(readFileSync(join(dir, name)), name);

test('heap: the allocating function in main, not runtime.mallocgc', { skip: needGo }, () => {
  const p = load('heap.pb.gz');
  const si = p.sampleTypes.findIndex((t) => t.type === 'alloc_space');
  const r = hotspots(p, si, 50);
  assert.equal(r.hotspots[0]!.function, 'main.allocLarge');
  assert.match(r.hotspots[0]!.file, /profgen\/main\.go$/);
  assert.equal(r.hotspots[0]!.outside, null);
  // One entry per function, and everything is accounted for exactly.
  const names = r.hotspots.map((h) => h.function);
  assert.equal(new Set(names).size, names.length);
  assert.equal(int64ToNumber(sumInt64(r.hotspots.map((h) => h.value))), int64ToNumber(r.total));
  assert.equal(r.total, sumInt64(p.samples.map((s) => s.values[si]!)));
});

test('mutex: the function that held the lock, not sync.(*Mutex).Unlock', { skip: needGo }, () => {
  const p = load('mutex.pb.gz');
  const r = hotspots(p, selectSampleIndex(p), 5);
  assert.equal(r.unit, 'nanoseconds');
  assert.match(r.hotspots[0]!.function, /^main\.main\.func\d+$/);
  assert.ok(r.hotspots[0]!.line > 0);
  assert.ok(r.hotspots[0]!.percent > 50, JSON.stringify(r.hotspots));
});

test("cpu: the busiest loop first (ranked by the loops' cum in pprof's top), its share, the limit", { skip: needGo }, () => {
  // Which loop wins depends on where the few samples of a 300 ms profile land: the
  // expectation comes from the same profile's top (pprof parity is tested elsewhere).
  // The busy loops are the leaf-most user frames (below them only runtime frames, e.g.
  // asyncPreempt), so a loop's cum is exactly what hotspots charges to it.
  const p = load('cpu.pb.gz');
  const r = hotspots(p, selectSampleIndex(p), 1);
  assert.equal(r.hotspots.length, 1);
  const busy = top(p, { nodefraction: 0, nodecount: 0 }).rows.filter((row) => /^main\.busy[AB]$/.test(row.name));
  assert.ok(busy.length > 0, 'the profile has samples in the busy loops');
  const best = Math.max(...busy.map((row) => Number(row.cum)));
  const h = r.hotspots[0]!;
  assert.equal(Number(h.value), best, JSON.stringify(busy));
  assert.equal(Number(busy.find((row) => row.name === h.function)?.cum), best);
  assert.ok(Math.abs(h.percent - (best / Number(r.total)) * 100) < 1e-9);
});

test('siteOf: one rule names where (user code, else the first frame above the plumbing, else the leaf)', async () => {
  const { siteOf } = await import('../src/analysis/stack.js');
  const f = (...names: string[]) => names.map((func) => ({ func }));
  // User code wins even below a standard-library frame (the fix goes there).
  assert.equal(siteOf(f('runtime.gopark', 'encoding/json.(*Decoder).Decode', 'main.handle'))?.func, 'main.handle');
  assert.equal(siteOf(f('sync.(*Mutex).Lock', 'github.com/acme/db.(*Pool).Get', 'main.query'))?.func, 'github.com/acme/db.(*Pool).Get');
  // Only standard library: not the runtime, internal/ or the low-level packages.
  assert.equal(
    siteOf(f('runtime.netpollblock', 'internal/poll.(*FD).Read', 'net.(*conn).Read', 'net/http.(*connReader).Read', 'net/http.(*conn).serve'))?.func,
    'net/http.(*connReader).Read',
  );
  assert.equal(siteOf(f('runtime.gopark', 'runtime/trace.(*traceMultiplexer).startLocked.func1'))?.func, 'runtime/trace.(*traceMultiplexer).startLocked.func1');
  // Nothing better: the leaf.
  assert.equal(siteOf(f('runtime.gopark', 'runtime.chanrecv1'))?.func, 'runtime.gopark');
  assert.equal(siteOf([]), undefined);
});

test('generic functions: named as top and go tool pprof name them', { skip: needGo }, async () => {
  const gdir = await profgen('-extra');
  const p = decodeProfile(readFileSync(join(gdir, 'generic.pb.gz')), 'generic.pb.gz');
  const si = selectSampleIndex(p);
  const r = hotspots(p, si, 50);
  const topNames = new Set(top(p, { nodefraction: 0 }).rows.map((x) => x.name));
  const generic = r.hotspots.filter((h) => h.function.includes('go.shape.'));
  assert.ok(generic.length > 0, `generic hot spots in ${r.hotspots.map((h) => h.function).join(', ')}`);
  for (const h of generic) assert.ok(topNames.has(h.function), `${h.function} is a row of top`);
  // apply's closure carries about a third of the samples: under pprof's shortened name.
  assert.ok(
    r.hotspots.some((h) => h.function.startsWith('main.apply[go.shape.func uint64]')),
    "apply under pprof's name",
  );
  // Only "])." keeps go.shape.func(…) whole, as in top.
  for (const h of r.hotspots) if (h.function.includes('go.shape.func(')) assert.match(h.function, /\]\)\./, h.function);
  assert.equal(int64ToNumber(sumInt64(r.hotspots.map((h) => h.value))), int64ToNumber(r.total));
});
