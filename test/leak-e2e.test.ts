// End to end: the real demo service under load; `goscope leak` must name every planted
// leak and nothing else; `goroutines diff` on two real snapshots shows them growing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { goscope } from './support/cli.js';
import { needGo, leakExperimentSupported, startDemo } from './support/go.js';
import { startLoad } from '../scripts/load.js';
import { fromBuffer } from '../src/formats/input.js';
import { parseGoroutines } from '../src/formats/goroutines/parse.js';
import { Grouper } from '../src/analysis/goroutines/group.js';
import { analyzeLeaks, type LeakSample } from '../src/analysis/goroutines/leak.js';

/** The planted leaks: blocking function in testdata/go/demo -> wait reason. */
const PLANTED: Record<string, string> = {
  'main.computeQuote': 'chan-send',
  'main.consumeEvents': 'chan-receive',
  'main.awaitShards': 'waitgroup',
  'main.recordAudit': 'mutex',
  'main.waitForConfig': 'nil-chan',
};
// Their primitives become unreachable, so Go's goroutineleak detector reports them; the
// audit mutex is a package variable, always reachable.
const DETECTABLE = new Set(['main.computeQuote', 'main.consumeEvents', 'main.awaitShards', 'main.waitForConfig']);

interface SuspectJson {
  count: number;
  series: number[];
  growthPerMinute: number;
  waitReason: string;
  state: string;
  confidence: string;
  confirmedByLeakProfile: boolean | null;
  blockingSite: { function: string; file: string; line: number } | null;
  createdBy: { function: string } | null;
  frames: { function: string; file: string; line: number }[];
  explanation: string;
  fix: string;
}

test('leak: every planted leak found, nothing else flagged; diff of two real snapshots', { skip: needGo, timeout: 180_000 }, async () => {
  const experiment = leakExperimentSupported();
  const demo = await startDemo({ experiment });
  const load = startLoad(demo.url);
  const out = mkdtempSync(path.join(tmpdir(), 'goscope-leak-e2e-'));
  try {
    await sleep(1500);
    const before = await goscope(['goroutines', demo.url, '--out', path.join(out, 'snap'), '--json']);
    assert.equal(before.code, 0, before.stderr);
    const caps = path.join(out, 'leak');
    const r = await goscope(['leak', demo.url, '--interval', '1s', '--samples', '8', '--json', '--out', caps], { timeoutMs: 90_000 });
    assert.equal(r.code, 3, `exit 3 = suspects found (stderr: ${r.stderr})`);
    const j = JSON.parse(r.stdout) as { samples: { total: number }[]; suspects: SuspectJson[]; leakProfile: string };
    assert.equal(j.samples.length, 8);
    const found = new Map(j.suspects.map((s) => [s.blockingSite?.function ?? '?', s]));
    assert.deepEqual([...found.keys()].sort(), Object.keys(PLANTED).sort(), 'exactly the planted leaks');
    for (const [fn, reason] of Object.entries(PLANTED)) {
      const s = found.get(fn)!;
      assert.equal(s.waitReason, reason, fn);
      assert.ok(s.growthPerMinute > 30, `${fn} grows (${s.growthPerMinute}/min)`);
      assert.ok(s.series[7]! > s.series[0]!, `${fn} series ${s.series.join(' ')}`);
      assert.match(s.blockingSite!.file, /testdata\/go\/demo\/leaks\.go$/);
      assert.ok(s.createdBy && s.createdBy.function.startsWith('main.'), `${fn} has its creation site`);
      assert.ok(s.frames.length > 0 && s.frames.some((f) => f.function === fn));
      assert.ok(s.explanation.length > 40 && s.fix.length > 20);
      if (experiment) {
        assert.equal(j.leakProfile, 'available');
        assert.equal(s.confirmedByLeakProfile, DETECTABLE.has(fn), `${fn} goroutineleak confirmation`);
      }
      assert.equal(s.confidence, 'high', fn);
    }
    assert.match(found.get('main.computeQuote')!.state, /^chan send$/);
    assert.match(found.get('main.waitForConfig')!.state, /^chan receive \(nil chan\)$/);

    // The same captures without the goroutineleak profile: the trend test alone finds all.
    const files = readdirSync(caps).filter((f) => /^goroutine-\d+\.pb\.gz$/.test(f)).sort();
    assert.equal(files.length, 8, 'every sample was saved');
    const samples: LeakSample[] = [];
    for (const [i, f] of files.entries()) {
      const gr = new Grouper('value');
      await parseGoroutines(fromBuffer(readFileSync(path.join(caps, f))), f, (g) => gr.add(g));
      samples.push({ t: i * 1000, groups: gr.groups() });
    }
    const trendOnly = analyzeLeaks({ samples, leakProfile: null });
    assert.deepEqual(trendOnly.suspects.map((s) => s.blockingSite?.func).sort(), Object.keys(PLANTED).sort());

    // goroutines diff: the leak groups grew, the worker pool and tickers did not.
    const after = await goscope(['goroutines', demo.url, '--out', path.join(out, 'snap'), '--json']);
    const b = JSON.parse(before.stdout) as { savedTo: string };
    const a = JSON.parse(after.stdout) as { savedTo: string };
    const d = await goscope(['goroutines', 'diff', b.savedTo, a.savedTo, '--json']);
    assert.equal(d.code, 0, d.stderr);
    const dj = JSON.parse(d.stdout) as { totalBefore: number; totalAfter: number; groups: { status: string; delta: number; blockingSite: { function: string } | null }[] };
    assert.ok(dj.totalAfter > dj.totalBefore);
    for (const fn of Object.keys(PLANTED)) {
      const g = dj.groups.find((x) => x.blockingSite?.function === fn);
      assert.ok(g && g.delta > 0, `${fn} grew in the diff`);
    }
    // The pool and the tickers stay at their size (a snapshot may catch one of them busy).
    for (const [fn, size] of [['main.poolWorker', 8], ['main.metricsFlusher', 1], ['main.cacheJanitor', 1], ['main.heartbeat', 1]] as const) {
      const g = dj.groups.find((x) => x.blockingSite?.function === fn) as { after: number; before: number } | undefined;
      assert.ok(g, `${fn} present`);
      assert.ok(g.after <= size && g.before <= size, `${fn} within its size`);
    }
    const text = await goscope(['goroutines', 'diff', b.savedTo, a.savedTo]);
    writeFileSync(path.join(out, 'diff.txt'), text.stdout);
    assert.match(text.stdout, /^goroutines \d+ → \d+ \(\+\d+\)/);
  } finally {
    await load.stop();
    await demo.stop();
  }
});
