// The diagnose report treats everything from the service as untrusted text: function
// names, files, states, labels and capture messages come out escaped in report.html, and
// the terminal verdict names leaks first, then only the costs that stand out, then the
// trace's notable verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnosis, ProfileFinding } from '../src/analysis/diagnose.js';
import type { GoroutineGroup } from '../src/analysis/goroutines/group.js';
import { buildFlameTree } from '../src/shared/flame-tree.js';
import { diagnoseHtml } from '../src/report/diagnose-html.js';
import { diagnoseJson, renderDiagnose, verdictLines, type CaptureNote, type DiagnoseMeta } from '../src/report/diagnose.js';
import { TraceAnalyzer } from '../src/analysis/trace/analyse.js';
import type { TraceVerdict } from '../src/analysis/trace/verdicts.js';
import { verdictJson } from '../src/report/trace-verdicts.js';
import { style } from '../src/report/term.js';

const EVIL = '<img src=x onerror="window.__pwned=1">main.(*T).evil';

const frame = { func: EVIL, file: '/src/<script>.go', line: 7, args: '', offset: '' } as unknown as GoroutineGroup['frames'][number];

function finding(kind: ProfileFinding['kind'], notable: boolean): ProfileFinding {
  return {
    kind,
    sampleType: kind === 'cpu' ? 'cpu' : 'delay',
    unit: 'nanoseconds',
    total: 2_000_000_000,
    windowSeconds: 2,
    perSecond: 1e9,
    notable,
    hotspots: [{ function: EVIL, file: '/src/</script>.go', line: 3, value: 1_500_000_000, percent: 75, outside: null }],
  };
}

const group = {
  key: 'k',
  count: 3,
  state: 'chan receive</td>',
  states: {},
  waitReason: 'chan-receive',
  waitMinutes: { min: 0, max: 0 },
  labels: {},
  frames: [frame],
  createdBy: frame,
  blockingSite: frame,
  parentIds: [],
  ids: [],
  lockedToThread: 0,
  leaked: 0,
  stackUnavailable: 0,
  stackKey: 'k',
} as unknown as GoroutineGroup;

const diagnosis: Diagnosis = { leaks: null, groups: [group], findings: [finding('cpu', true), finding('block', false)], trace: null };
const meta: DiagnoseMeta = {
  service: 'http://127.0.0.1:1/',
  captureDir: '/tmp/<caps>',
  seconds: 2,
  startedAt: new Date(0),
  finishedAt: new Date(2000),
  goroutineTotals: [3, 3],
  aborted: false,
  files: ['/tmp/<caps>/cpu.pb.gz'],
  reportPath: '/tmp/report.html',
};

test('report.html escapes names, files, states and messages from the service', () => {
  const tree = buildFlameTree([{ frames: ['main.main', EVIL], value: 5 }]);
  const html = diagnoseHtml(
    diagnosis,
    meta,
    [{ kind: 'mutex', state: 'disabled', message: '<b>enable</b> it' }],
    [{ kind: 'cpu', sampleType: 'cpu', unit: 'nanoseconds', tree }],
  );
  assert.doesNotMatch(html, /<img src=x/);
  assert.doesNotMatch(html, /<\/script>\.go/);
  assert.doesNotMatch(html, /chan receive<\/td>/);
  assert.doesNotMatch(html, /<b>enable<\/b>/);
  assert.match(html, /&lt;img src=x onerror=&quot;window\.__pwned=1&quot;&gt;main\.\(\*T\)\.evil/);
  // Exactly one script element: the page's own (data blocks are JSON, not script).
  assert.equal((html.match(/<script(?![^>]*application\/json)/g) ?? []).length, 1);
});

test('the verdict names what stands out and leaves the rest to the sections', () => {
  const lines = verdictLines(diagnosis);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^CPU: 2s in 2\.0s \(1\.00 cores\); 75\.0% at /);
  const text = renderDiagnose(diagnosis, meta, [], style(false));
  assert.match(text, /blocking: 2s in 2\.0s/);
  const quiet = verdictLines({ leaks: null, groups: [], findings: [finding('block', false)], trace: null });
  assert.deepEqual(quiet, ['no goroutine leak suspects and no profile stands out']);
});

test('trace verdicts: notable ones join the headline as "trace: ...", all are listed, escaped, in the JSON', () => {
  // Structured findings, with names as hostile as a traced program can make them.
  const lock: TraceVerdict = {
    kind: 'lock-contention',
    notable: true,
    blockedNs: 3e9,
    waits: 2,
    spanNs: 2e9,
    meanWaiters: 1.5,
    sites: [{ blockedNs: 3e9, share: 1, site: { func: EVIL, file: '/src/main.go', line: 9 } }],
  };
  const quiet: TraceVerdict = {
    kind: 'blocked',
    notable: false,
    finding: 'longest',
    block: {
      goroutine: 7,
      name: '<i>quiet</i>',
      durationNs: 1e9,
      open: false,
      reason: 'chan receive',
      sinceTraceStart: false,
      site: { func: 'main.f', file: '/src/main.go', line: 3 },
    },
    wholeTrace: 0,
    wholeTraceMore: false,
    longest: [],
  };
  const verdicts = [lock, quiet];
  const trace = { file: '/tmp/<caps>/trace.out', goVersion: 'go1.26', analysis: new TraceAnalyzer().finish(), verdicts };
  const d: Diagnosis = { ...diagnosis, trace };
  const lines = verdictLines(d);
  assert.equal(lines.length, 2);
  assert.equal(
    lines[1],
    `trace: lock contention: goroutines spent 3s blocked on sync.Mutex/RWMutex over 2 waits in 2s (1.5 waiting on average), most at ${EVIL} (main.go:9)`,
  );
  assert.match(
    verdictLines({ ...d, findings: [], trace: { ...trace, verdicts: [quiet] } })[0]!,
    /^no goroutine leak suspects, and nothing stands out in the profiles or the trace$/,
  );

  const text = renderDiagnose(d, { ...meta, traceSeconds: 2 }, [], style(false));
  assert.match(text, /^trace: format go1\.26 \(written by Go 1\.26 or 1\.27\), 0ns, 0 events, 0 goroutines · last 2s of the window$/m);
  assert.match(text, /^ {8}3s \(100%\) locking at /m);
  assert.match(text, /^ {4}blocked: goroutine 7 <i>quiet<\/i> was blocked 1s on chan receive at main\.f \(main\.go:3\)$/m);
  assert.match(text, /goscope trace \/tmp\/<caps>\/trace\.out/);

  const html = diagnoseHtml(d, { ...meta, traceSeconds: 2 }, [{ kind: 'trace', state: 'failed', message: '<b>x</b>' }], []);
  assert.doesNotMatch(html, /<img src=x|<i>quiet|<b>x/);
  assert.match(
    html,
    /<li class="notable" data-trace-verdict="lock-contention">lock contention: goroutines spent 3s blocked on sync\.Mutex\/RWMutex .* most at &lt;img/,
  );
  // An empty trace has no waits: a line per kind instead of an empty flame graph.
  assert.equal((html.match(/data-trace-empty=/g) ?? []).length, 4);
  assert.equal((html.match(/<script(?![^>]*application\/json)/g) ?? []).length, 1);

  const j = diagnoseJson(d, meta, []);
  assert.equal(j.trace?.file, '/tmp/<caps>/trace.out');
  // The words and the numbers: the sentence fields JSON readers had, and the finding's fields.
  assert.deepEqual(j.trace?.verdicts, verdicts.map(verdictJson));
  const lj = j.trace!.verdicts[0]! as ReturnType<typeof verdictJson> & { meanWaiters: number; sites: { site: { func: string } }[] };
  assert.equal(lj.text, lines[1]!.slice('trace: '.length));
  assert.deepEqual(lj.details, [`3s (100%) locking at ${EVIL} (main.go:9)`]);
  assert.equal(lj.meanWaiters, 1.5);
  assert.equal(lj.sites[0]!.site.func, EVIL);
  // The headline as findings: one per verdict line, same order, same words.
  assert.deepEqual(
    j.headline.map((h) => [h.kind, h.text]),
    [
      ['profile', lines[0]],
      ['trace', lines[1]],
    ],
  );
  assert.equal(j.trace?.events, 0);
  assert.ok(j.trace?.analyses.blocking.sync);
  assert.equal(diagnoseJson(diagnosis, meta, []).trace, null);
});

test('nothing usable captured: the headline says so and what failed, never "nothing stands out"', () => {
  const empty: Diagnosis = { leaks: null, groups: [], findings: [], trace: null };
  const notes: CaptureNote[] = [
    { kind: 'cpu', state: 'failed', message: 'cpu (1s): http://127.0.0.1:1/debug/pprof/profile?seconds=1: 500 Internal Server Error' },
    { kind: 'mutex', state: 'disabled', message: 'mutex profile is disabled' },
    { kind: 'goroutine', state: 'failed', message: 'goroutine #1: not captured: interrupted (0 of 2 snapshots taken)' },
    { kind: 'goroutine', state: 'failed', message: 'goroutine #2: …' },
  ];
  const nothing = { ...meta, goroutineTotals: [], usable: false };
  assert.deepEqual(verdictLines(empty, nothing, notes), ['nothing usable was captured, so there is nothing to diagnose (failed: cpu, goroutine)']);
  // Interrupted before anything was read (text goes to stdout then): both lines, in text, JSON and HTML.
  const stopped = { ...nothing, aborted: true };
  const lines = [
    'interrupted (Ctrl-C): not captured: goroutine snapshots 1-2; the findings cover only what was captured',
    'nothing usable was captured, so there is nothing to diagnose (failed: cpu, goroutine)',
  ];
  assert.deepEqual(verdictLines(empty, stopped, notes), lines);
  const text = renderDiagnose(empty, stopped, notes, style(false));
  for (const l of lines) assert.ok(text.includes(`▶ ${l}\n`), text);
  const j = diagnoseJson(empty, stopped, notes);
  assert.deepEqual([j.usable, j.verdict], [false, lines]);
  const html = diagnoseHtml(empty, stopped, notes, []);
  assert.match(
    html,
    /<div class="verdict bad" id="verdict"><ul><li>interrupted .*<\/li><li>nothing usable was captured, so there is nothing to diagnose \(failed: cpu, goroutine\)<\/li><\/ul>/,
  );
  assert.doesNotMatch(text + JSON.stringify(j) + html, /stands out/);
  assert.equal(diagnoseJson(empty, meta, []).usable, true);
});
