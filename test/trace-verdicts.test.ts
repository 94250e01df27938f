// goscope trace's verdicts and reports on real traces, checked against what Go's own parser
// prints (go tool trace -d=parsed): a busy tracegen trace (-busy-mb: goroutine churn,
// ping-pong pairs, a contended mutex, garbage) must give a creation storm naming
// main.churn with Go's creation counts, the longest runnable -> running wait Go's events
// imply, and GC pressure; the default tracegen trace, lock contention in main.contend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildGo, needGo } from './support/go.js';
import { goToolEnv, runLines } from './support/go-tool.js';
import { goscope } from './support/cli.js';
import { GC_CPU_NOTABLE, MMU_10MS_NOTABLE, STW_NOTABLE_NS, traceVerdicts } from '../src/analysis/trace/verdicts.js';
import { TraceAnalyzer } from '../src/analysis/trace/analyse.js';
import { readTraceStream } from '../src/formats/trace/index.js';
import { traceReportHtml } from '../src/report/trace.js';

let tmp = '';
let busy = '';
let rounds = '';

before(async () => {
  if (needGo) return;
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-verdicts-'));
  const bin = await buildGo('testdata/go/tracegen');
  busy = path.join(tmp, 'busy.out');
  rounds = path.join(tmp, 'rounds.out');
  execFileSync(bin, ['-out', busy, '-busy-mb', '4'], { env: goToolEnv(), stdio: 'ignore', timeout: 60_000 });
  execFileSync(bin, ['-out', rounds], { env: goToolEnv(), stdio: 'ignore', timeout: 60_000 });
});

after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

interface Verdict {
  kind: string;
  notable: boolean;
  text: string;
  details: string[];
}

interface TraceJson {
  durationNs: number;
  verdicts: Verdict[];
  analyses: {
    creation: { total: number; series: { func: string; total: number }[] };
    schedLatencies: { goroutine: number; duration: number; open: boolean }[];
    gc: { gc: { cycles: unknown[] } };
  };
}

let goFacts: ReturnType<typeof fromGo> | undefined;
const busyFromGo = (): ReturnType<typeof fromGo> => (goFacts ??= fromGo(busy));
let busyJson: Promise<TraceJson> | undefined;
const busyTrace = (): Promise<TraceJson> =>
  (busyJson ??= goscope(['trace', busy, '--json']).then((r) => {
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as TraceJson;
  }));

/** From Go's parsed stream: goroutine creations (by the creating stack's first main. frame) and Runnable -> Running waits. */
async function fromGo(file: string): Promise<{ created: number; byFunc: Map<string, number>; maxWait: number; maxWaitG: number }> {
  let created = 0;
  const byFunc = new Map<string, number>();
  const runnableSince = new Map<number, number>();
  let maxWait = 0;
  let maxWaitG = -1;
  // A creation's lines: the event line, its TransitionStack (the new goroutine's start),
  // then its Stack (the creator's): count it at the creator stack's first main. frame.
  let pendingCreate = false;
  let inStack = false;
  await runLines('go', ['tool', 'trace', '-d=parsed', file], (line) => {
    const m = /^M=-?\d+ P=-?\d+ G=-?\d+ StateTransition Time=(\d+) GoID=(\d+) (\w+)->(\w+)/.exec(line);
    if (m) {
      pendingCreate = false;
      inStack = false;
      const t = Number(m[1]);
      const g = Number(m[2]);
      const [from, to] = [m[3]!, m[4]!];
      if (from === 'NotExist' && (to === 'Runnable' || to === 'Waiting')) {
        created++;
        pendingCreate = true;
      }
      if (to === 'Runnable' && from !== 'Runnable') runnableSince.set(g, t);
      if (from === 'Runnable' && to === 'Running') {
        const s = runnableSince.get(g);
        if (s !== undefined && t - s > maxWait) {
          maxWait = t - s;
          maxWaitG = g;
        }
        runnableSince.delete(g);
      }
      return;
    }
    if (/^M=/.test(line)) pendingCreate = false;
    if (line === 'Stack=') inStack = true;
    else if (line === 'TransitionStack=') inStack = false;
    const f = /^\t(main\.[^ ]+) @ /.exec(line);
    if (pendingCreate && inStack && f) {
      byFunc.set(f[1]!, (byFunc.get(f[1]!) ?? 0) + 1);
      pendingCreate = false;
    }
  });
  return { created, byFunc, maxWait, maxWaitG };
}

test("busy trace: creation storm by main.churn with the creation counts of Go's event stream", { skip: needGo }, async () => {
  const j = await busyTrace();
  const go = await busyFromGo();
  assert.equal(j.analyses.creation.total, go.created, 'goroutines created');
  const churn = j.analyses.creation.series.find((s) => s.func === 'main.churn');
  assert.ok(churn, 'main.churn is a creator');
  assert.equal(churn.total, go.byFunc.get('main.churn'), 'created by main.churn');
  const storm = j.verdicts.find((v) => v.kind === 'creation-storm');
  assert.ok(storm?.notable, `a notable creation storm: ${storm?.text}`);
  assert.match(storm.text, /^goroutine creation storm: [\d,]+ goroutines created in .* by main\.churn$/);
});

test("busy trace: the longest scheduling latency is the longest runnable -> running wait in Go's events", { skip: needGo }, async () => {
  const j = await busyTrace();
  const go = await busyFromGo();
  const closed = j.analyses.schedLatencies.filter((l) => !l.open);
  assert.ok(closed.length > 0);
  const top = closed.reduce((a, b) => (b.duration > a.duration ? b : a));
  assert.equal(top.duration, go.maxWait);
  assert.equal(top.goroutine, go.maxWaitG);
  const v = j.verdicts.find((x) => x.kind === 'sched-latency');
  assert.ok(v, 'a scheduling-latency verdict');
});

test('busy trace: the GC verdict follows its thresholds, and the text output leads with the notable verdicts', { skip: needGo }, async () => {
  const j = await busyTrace();
  const g = j.analyses.gc as unknown as { utilization: { gcFraction: number }; mmu: { window: number; mmu: number }[]; stw: { max: number } };
  const gc = j.verdicts.find((v) => v.kind === 'gc');
  assert.ok(gc, 'a GC verdict');
  const mmu10 = g.mmu.find((m) => m.window === 1e7)!.mmu;
  // How much GC a 0.2 s busy run does varies from run to run; the verdict must agree with the numbers.
  assert.equal(
    gc.notable,
    g.utilization.gcFraction >= GC_CPU_NOTABLE || mmu10 < MMU_10MS_NOTABLE || g.stw.max >= STW_NOTABLE_NS,
    `${gc.text} (gc share ${g.utilization.gcFraction}, MMU 10ms ${mmu10}, STW max ${g.stw.max})`,
  );
  if (gc.notable) assert.match(gc.text, /^GC pressure: /);
  const r = await goscope(['trace', busy]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const notable = j.verdicts.filter((v) => v.notable);
  assert.ok(notable.length > 0);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('verdict: ')),
    notable.map((v) => `verdict: ${v.text}`),
    'every notable verdict, in order, as verdict: lines',
  );
  assert.equal(lines[0], `verdict: ${notable[0]!.text}`);
  assert.match(r.stdout, /^goroutines by start function \(go tool trace \/goroutines\)/m);
});

test('rounds trace: lock contention in main.contend, and the HTML report is written', { skip: needGo }, async () => {
  const html = path.join(tmp, 'report.html');
  const r = await goscope(['trace', rounds, '--json', '-o', html]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as TraceJson;
  const lock = j.verdicts.find((v) => v.kind === 'lock-contention');
  assert.ok(lock?.notable, `lock contention is notable: ${lock?.text}`);
  assert.match(lock.text, /most at main\.contend\.func1 \(main\.go:\d+\)$/);
  const page = await fsp.readFile(html, 'utf8');
  assert.match(page, /data-goscope-trace/);
  for (const k of ['net', 'sync', 'syscall', 'sched']) assert.ok(page.includes(`id="flame-${k}"`), `flame section ${k}`);
  for (const id of ['goroutine-groups', 'sched-latency', 'blocked-longest', 'gc-pauses', 'gc-mmu', 'tasks', 'regions'])
    assert.ok(page.includes(`id="${id}"`), `table ${id}`);
  assert.ok(page.includes('lock contention: '), 'verdict in the page');
});

test('a long trace: the timeline stops at its event cap and the page says so; the rest covers the whole trace', { skip: needGo }, async () => {
  const an = new TraceAnalyzer({ timeline: true, timelineMaxEvents: 5000 });
  await readTraceStream(createReadStream(rounds), (e) => an.add(e), { input: rounds });
  const a = an.finish();
  assert.ok(a.timelineCutAt !== null && a.timelineCutAt > a.start && a.timelineCutAt < a.end);
  assert.ok(a.timeline!.end <= a.timelineCutAt, 'the timeline ends where it was cut');
  assert.ok(a.events > 5000);
  const html = traceReportHtml(a, traceVerdicts(a), { goVersion: 'go1.26', savedTo: null, input: rounds });
  assert.match(html, /the timeline shows the first [^(]+ \(5,000 events\); tables and flame graphs cover the whole trace/);
});
