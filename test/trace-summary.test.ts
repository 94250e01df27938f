// The trace summary (src/analysis/trace/summary.ts) against Go's own: the trace written by
// testdata/go/tracegen is summarized here and compared with the pages `go tool trace -http`
// serves from internal/trace's Summarizer: /goroutines and every /goroutine?name= group
// page (per goroutine: total, every non-overlapping stat, every special range), /usertasks
// and every /usertask?type= page (task start, duration, completeness, region and task
// events), /userregions and every /userregion?type=&pc= page (per region: goroutine, task,
// total, stats, ranges). Durations are compared as Go prints them (time.Duration.String of
// the same int64 nanoseconds), histograms bucket by bucket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { needGo } from './support/go.js';
import { writeTracegenTrace } from './support/tracegen.js';
import { htmlText, startGoTraceServer, type GoTraceServer } from './support/go-trace-http.js';
import { goQuote, orderedEvents } from '../src/formats/trace/index.js';
import { TraceSummarizer, nonOverlappingStats, type TraceSummary } from '../src/analysis/trace/summary.js';
import type { UserTaskSummary } from '../src/analysis/trace/summary-types.js';
import { goDuration, goSeconds9, histogramBucketMin, histogramRows, parseGoDuration, type TimeHistogram } from '../src/analysis/trace/summary-format.js';

let tmp = '';
let file = '';
let sum: TraceSummary;
let server: GoTraceServer | null = null;
let summarizeMs = 0;
let events = 0;
let buf: Buffer = Buffer.alloc(0);

before(async () => {
  if (needGo) return;
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-summary-'));
  file = await writeTracegenTrace(tmp);
  const serverP = startGoTraceServer(file);
  buf = await fsp.readFile(file);
  const t0 = performance.now();
  const s = new TraceSummarizer();
  for (const e of orderedEvents(buf, { input: file })) {
    s.add(e);
    events++;
  }
  sum = s.finish();
  summarizeMs = performance.now() - t0;
  server = await serverP;
});

after(async () => {
  await server?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// HTML parsing of cmd/trace's templates.

function cells(row: string): string[] {
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
}

interface Table {
  header: string[];
  rows: string[][];
}

/** The `<table class="details">` tables of a /goroutine or /userregion page (breakdown, special ranges). */
function detailsTables(html: string): Table[] {
  return html
    .split('<table class="details">')
    .slice(1)
    .map((part) => {
      const body = part.slice(0, part.indexOf('</table>'));
      const trs = body.split('<tr').slice(1);
      const header = [...trs[0]!.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => htmlText(m[1]!).trim());
      // The bar-graph cell has no value.
      const rows = trs.slice(1).map((tr) =>
        cells(tr)
          .filter((c) => !c.includes('stacked-bar-graph'))
          .map((c) => htmlText(c).trim()),
      );
      return { header, rows };
    });
}

interface HistoRow {
  label: string;
  count: number;
  width: number;
}

/** traceviewer TimeHistogram.ToHTML: bucket rows and the final tick label. */
function parseHistogram(html: string): { rows: HistoRow[]; last: string } | null {
  if (!html.includes('<table>')) return null;
  const rows: HistoRow[] = [];
  for (const m of html.matchAll(
    /<tr><td class="histoTime" align="right">([\s\S]*?)<\/td><td><div style="width:(\d+)px;[^"]*">&nbsp;<\/div><\/td><td align="right"><div style="position:relative">(\d+)<\/div><\/td><\/tr>/g,
  )) {
    rows.push({ label: htmlText(m[1]!), width: Number(m[2]), count: Number(m[3]) });
  }
  const last = /<tr><td align="right">([^<]*)<\/td><\/tr><\/table>/.exec(html);
  assert.ok(last, 'histogram has a final tick');
  return { rows, last: htmlText(last[1]!) };
}

function myHistogram(h: TimeHistogram): { rows: HistoRow[]; last: string } | null {
  if (h.count === 0) return null;
  const max = Math.max(...h.buckets);
  return {
    rows: histogramRows(h).map((r) => ({ label: goDuration(r.min), count: r.count, width: Math.trunc((r.count * 400) / max) })),
    last: goDuration(histogramBucketMin(h.maxBucket + 1)),
  };
}

/** Go's column order of the non-overlapping stats: "Execution time" first, then by name. */
function statColumns(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => (a === b ? 0 : a === 'Execution time' ? -1 : b === 'Execution time' ? 1 : a < b ? -1 : 1));
}

const sortRows = (rows: string[][]): string[][] => rows.slice().sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));

// ---------------------------------------------------------------------------

test('Go duration formatting and parsing', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1, '1ns'],
    [999, '999ns'],
    [1000, '1µs'],
    [1500, '1.5µs'],
    [15848, '15.848µs'],
    [1_000_000, '1ms'],
    [258_372_225, '258.372225ms'],
    [1_000_000_000, '1s'],
    [1_063_330_881, '1.063330881s'],
    [61_000_000_000, '1m1s'],
    [3_723_500_000_000, '1h2m3.5s'],
    [-1500, '-1.5µs'],
  ];
  for (const [ns, s] of cases) {
    assert.equal(goDuration(ns), s);
    assert.equal(parseGoDuration(s), ns);
  }
  assert.equal(goSeconds9(1_376_128), '0.001376128');
  assert.equal(histogramBucketMin(45), 1_000_000_000);
  assert.equal(goDuration(histogramBucketMin(1)), '1ns');
});

test('summarizes the trace in one streaming pass', { skip: needGo }, () => {
  assert.ok(events > 10_000, `${events} events`);
  assert.ok(sum.goroutines.length > 100, `${sum.goroutines.length} goroutines`);
  assert.ok(summarizeMs < 20_000, `summarized in ${summarizeMs} ms`);
});

test('/goroutines: the same groups, counts and total execution times as go tool trace', { skip: needGo }, async () => {
  const html = await server!.get('/goroutines');
  const go = [...html.matchAll(/<a href="(\/goroutine\?name=[^"]*)">[\s\S]*?<\/a><\/code><\/td>\s*<td>(\d+)<\/td>\s*<td>([^<]*)<\/td>/g)].map((m) => ({
    name: new URLSearchParams(htmlText(m[1]!).split('?')[1]).get('name')!,
    n: Number(m[2]),
    exec: m[3]!,
  }));
  assert.ok(go.length > 5, `go lists ${go.length} groups`);
  const mine = sum.goroutineGroups.map((g) => ({ name: g.name, n: g.count, exec: goDuration(g.execTime) }));
  const key = (x: { name: string }): string => x.name;
  assert.deepEqual(
    mine.slice().sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    go.slice().sort((a, b) => (key(a) < key(b) ? -1 : 1)),
  );
  // Same order by execution time (ties may be in any order in Go).
  assert.deepEqual(
    go.map((g) => parseGoDuration(g.exec)),
    sum.goroutineGroups.map((g) => g.execTime),
  );
  assert.ok(sum.goroutineGroups.some((g) => g.name === 'main.churn.func1' && g.count >= 50));
});

test('/goroutine?name=: per goroutine, the total, every non-overlapping stat and special range as Go', { skip: needGo }, async () => {
  let compared = 0;
  let rangeRows = 0;
  for (const group of sum.goroutineGroups) {
    const html = await server!.get(`/goroutine?name=${encodeURIComponent(group.name)}`);
    const count = /<td>Count:<\/td>\s*<td>(\d+)<\/td>/.exec(html);
    assert.equal(Number(count?.[1]), group.count, `${group.name}: count`);
    const pct = /<td>Execution Time:<\/td>\s*<td>([^<]*) of total program execution time <\/td>/.exec(html);
    assert.equal(pct?.[1], group.execTimePercent === null ? '' : `${group.execTimePercent.toFixed(2)}%`, `${group.name}: execution time share`);

    const members = sum.goroutines.filter((g) => g.name === group.name);
    const byId = new Map(members.map((g) => [g.id, g]));
    const [breakdown, ranges] = detailsTables(html);
    assert.ok(breakdown && ranges, `${group.name}: two tables`);

    // Breakdown: Goroutine, Total, then the stats columns in Go's order.
    const cols = statColumns(members.flatMap((g) => Object.keys(nonOverlappingStats(g.stats))));
    assert.deepEqual(
      breakdown.header.filter((h) => h !== ''),
      ['Goroutine', 'Total', ...cols],
      `${group.name}: columns`,
    );
    const mine = members.map((g) => {
      const s = nonOverlappingStats(g.stats);
      return [String(g.id), goDuration(g.stats.totalTime), ...cols.map((c) => goDuration(s[c] ?? 0))];
    });
    assert.deepEqual(sortRows(breakdown.rows), sortRows(mine), `${group.name}: breakdown`);
    // Go's order: by total time, descending.
    assert.deepEqual(
      breakdown.rows.map((r) => parseGoDuration(r[1]!)),
      group.goroutines.map((id) => byId.get(id)!.stats.totalTime),
    );

    // Special ranges: goroutines with range time only.
    const rcols = [...new Set(members.flatMap((g) => Object.keys(g.stats.rangeTime)))].sort();
    assert.deepEqual(ranges.header, ['Goroutine', 'Total', ...rcols], `${group.name}: range columns`);
    const mineRanges = members
      .filter((g) => Object.values(g.stats.rangeTime).reduce((a, b) => a + b, 0) !== 0)
      .map((g) => [String(g.id), goDuration(g.stats.totalTime), ...rcols.map((c) => goDuration(g.stats.rangeTime[c] ?? 0))]);
    assert.deepEqual(sortRows(ranges.rows), sortRows(mineRanges), `${group.name}: special ranges`);
    compared += mine.length;
    rangeRows += mineRanges.length;
  }
  assert.equal(compared, sum.goroutines.length);
  assert.ok(rangeRows > 0, 'some goroutines have special ranges (GC assist, STW, sweep)');
});

function describeTaskEvents(t: UserTaskSummary, start: number): { when: string; g: string; what: string; time: number }[] {
  const ev: { when: string; g: string; what: string; time: number }[] = [];
  const push = (time: number, g: number, what: string): void => {
    ev.push({ when: goSeconds9(time - start), g: String(g), what, time });
  };
  if (t.start !== null)
    push(t.start, t.startGoroutine, `task ${goQuote(t.name)} (D ${t.id}, parent ${t.parent === -1 ? '18446744073709551615' : t.parent}) begin`);
  if (t.end !== null) push(t.end, t.endGoroutine, 'task end');
  for (const r of t.regions) {
    if (r.start !== null) push(r.start, r.goroutine, r.startKind === 'region' ? `region ${goQuote(r.name)} begin` : 'NotExist -> Runnable');
    if (r.end !== null) push(r.end, r.goroutine, r.endTransition ?? `region ${goQuote(r.name)} end`);
  }
  return ev.sort((a, b) => a.time - b.time);
}

test('/usertasks and /usertask?type=: task types, counts, histograms, every task and its events as Go', { skip: needGo }, async () => {
  const html = await server!.get('/usertasks');
  const go = [...html.matchAll(/<tr>\s*<td>([^<]*)<\/td>\s*<td><a href="([^"]*)">(\d+)<\/a><\/td>\s*<td>([\s\S]*?)<\/td>\s+<\/tr>/g)].map((m) => ({
    type: htmlText(m[1]!),
    href: htmlText(m[2]!),
    count: Number(m[3]),
    histo: parseHistogram(m[4]!),
  }));
  assert.deepEqual(
    go.map((g) => [g.type, g.count, g.histo]),
    sum.taskTypes.map((t) => [t.type, t.count, myHistogram(t.histogram)]),
  );
  assert.ok(go.some((g) => g.type === 'tracegen.round' && g.count > 1));

  let tasks = 0;
  for (const tt of sum.taskTypes) {
    const page = await server!.get(`/usertask?type=${encodeURIComponent(tt.type)}`);
    const blocks = page.split('<tr class="first">').slice(1);
    const goTasks = blocks.map((b) => {
      const c = cells(b.slice(0, b.indexOf('</tr>')));
      const id = /Task (\d+)<\/a>/.exec(c[3]!)![1]!;
      const events = b
        .slice(b.indexOf('</tr>'))
        .split('<tr>')
        .slice(1)
        .map((r) => cells(r).map((x) => htmlText(x).trim()));
      return {
        id: Number(id),
        when: htmlText(c[0]!),
        duration: htmlText(c[1]!),
        complete: c[3]!.includes('(complete)'),
        events: events.filter((e) => !e[3]!.startsWith('log ')).map((e) => [e[0], e[2], e[3]]),
        logs: events.filter((e) => e[3]!.startsWith('log ')).length,
      };
    });
    const mine = sum.tasks
      .filter((t) => t.name === tt.type)
      .map((t) => ({
        id: t.id,
        when: goSeconds9((t.start ?? sum.startTime) - sum.startTime) + 's',
        duration: goDuration(t.duration),
        complete: t.complete,
        events: describeTaskEvents(t, sum.startTime).map((e) => [e.when, e.g, e.what]),
        logs: t.logs,
      }));
    const byId = (a: { id: number }, b: { id: number }): number => a.id - b.id;
    assert.deepEqual(goTasks.slice().sort(byId), mine.slice().sort(byId), `tasks of type ${tt.type}`);
    // Go lists them by duration, ascending.
    assert.deepEqual(
      goTasks.map((t) => parseGoDuration(t.duration)),
      mine.map((t) => parseGoDuration(t.duration)).sort((a, b) => a - b),
    );
    tasks += mine.length;
  }
  assert.equal(tasks, sum.tasks.length);
  assert.ok(sum.tasks.some((t) => t.regions.length > 0 && t.logs > 0));
});

test('/userregions and /userregion?type=&pc=: region groups, counts, histograms, every region as Go', { skip: needGo }, async () => {
  const html = await server!.get('/userregions');
  const go = [...html.matchAll(/<tr>\s*<td><pre>([\s\S]*?)<\/pre><\/td>\s*<td><a href="([^"]*)">(\d+)<\/a><\/td>\s*<td>([\s\S]*?)<\/td>\s+<\/tr>/g)].map(
    (m) => ({
      what: htmlText(m[1]!.replace(/<br>/g, '\n')),
      href: htmlText(m[2]!),
      count: Number(m[3]),
      histo: parseHistogram(m[4]!),
    }),
  );
  const mine = sum.regionTypes.map((r) => ({
    what: `${goQuote(r.type)}\n${r.frame.func} @ 0x${r.frame.pc.toString(16)}\n${r.frame.file}:${r.frame.line}`,
    count: r.count,
    histo: myHistogram(r.histogram),
  }));
  assert.deepEqual(
    go.map(({ what, count, histo }) => ({ what, count, histo })),
    mine,
  );
  for (const name of [
    'tracegen.churn',
    'tracegen.channels',
    'tracegen.mutex',
    'tracegen.tcp',
    'tracegen.files',
    'tracegen.sleep',
    'tracegen.gc',
    'tracegen.cpu',
  ]) {
    assert.ok(
      sum.regionTypes.some((r) => r.type === name),
      `region ${name}`,
    );
  }

  let regions = 0;
  for (let i = 0; i < sum.regionTypes.length; i++) {
    const rt = sum.regionTypes[i]!;
    const page = await server!.get(go[i]!.href);
    const [breakdown, ranges] = detailsTables(page);
    assert.ok(breakdown && ranges);
    const list = sum.goroutines.flatMap((g) => g.regions).filter((r) => r.name === rt.type && r.frame.pc === rt.frame.pc);
    const cols = statColumns(list.flatMap((r) => Object.keys(nonOverlappingStats(r.stats))));
    assert.deepEqual(
      breakdown.header.filter((h) => h !== ''),
      ['Goroutine', 'Task', 'Total', ...cols],
      `${rt.type}: columns`,
    );
    const rows = list.map((r) => {
      const s = nonOverlappingStats(r.stats);
      return [String(r.goroutine), r.taskId ? String(r.taskId) : '', goDuration(r.stats.totalTime), ...cols.map((c) => goDuration(s[c] ?? 0))];
    });
    assert.deepEqual(sortRows(breakdown.rows), sortRows(rows), `${rt.type} @ ${rt.frame.func}: breakdown`);
    const rcols = [...new Set(list.flatMap((r) => Object.keys(r.stats.rangeTime)))].sort();
    assert.deepEqual(ranges.header, ['Goroutine', 'Task', 'Total', ...rcols]);
    const rrows = list
      .filter((r) => Object.values(r.stats.rangeTime).reduce((a, b) => a + b, 0) !== 0)
      .map((r) => [
        String(r.goroutine),
        r.taskId ? String(r.taskId) : '',
        goDuration(r.stats.totalTime),
        ...rcols.map((c) => goDuration(r.stats.rangeTime[c] ?? 0)),
      ]);
    assert.deepEqual(sortRows(ranges.rows), sortRows(rrows), `${rt.type}: special ranges`);
    regions += rows.length;
  }
  assert.equal(
    regions,
    sum.goroutines.reduce((n, g) => n + g.regions.length, 0),
  );
});

test('creation: creator goroutine and stack of every created goroutine, creation timeline per creator location', { skip: needGo }, () => {
  const ids = new Set(sum.goroutines.map((g) => g.id));
  const created = sum.goroutines.filter((g) => !g.existedAtStart);
  assert.ok(created.length > 100);
  for (const g of created) {
    assert.ok(g.creationTime >= sum.startTime && g.creationTime <= sum.endTime);
    if (g.createdBy !== -1) assert.ok(ids.has(g.createdBy), `creator ${g.createdBy} of ${g.id} is a goroutine of the trace`);
  }
  const churn = created.filter((g) => g.name === 'main.churn.func1');
  assert.ok(churn.length > 0);
  for (const g of churn) {
    assert.equal(g.creationStack[0]?.func, 'main.churn', `goroutine ${g.id} created in main.churn`);
    assert.equal(g.startFrame?.func, 'main.churn.func1');
  }
  // Timeline: every creation counted once, per creator location.
  const c = sum.creation;
  assert.equal(c.bucketNs, 10_000_000);
  assert.equal(
    c.series.reduce((n, s) => n + s.total, 0),
    created.length,
  );
  for (const s of c.series) {
    assert.equal(s.counts.length, c.buckets);
    assert.equal(
      s.counts.reduce((a, b) => a + b, 0),
      s.total,
    );
  }
  const churnSeries = c.series.find((s) => s.func === 'main.churn');
  assert.equal(churnSeries?.total, churn.length);
  assert.equal(c.buckets, Math.floor((sum.endTime - sum.startTime) / c.bucketNs) + 1, 'the timeline spans the trace');

  // Bounded: a small cap folds buckets (doubling the width) and keeps every count.
  const s2 = new TraceSummarizer({ maxBuckets: 8 });
  for (const e of orderedEvents(buf, { input: file })) s2.add(e);
  const c2 = s2.finish().creation;
  assert.ok(c2.buckets <= 8);
  const k = c2.bucketNs / c.bucketNs;
  assert.ok(k >= 2 && Number.isInteger(Math.log2(k)));
  for (const s of c2.series) {
    const full = c.series.find((x) => x.func === s.func && x.file === s.file && x.line === s.line)!;
    assert.deepEqual(
      s.counts,
      s.counts.map((_, i) => full.counts.slice(i * k, (i + 1) * k).reduce((a, b) => a + b, 0)),
    );
  }
});

test('scheduling latencies and longest blocks: bounded, sorted, with goroutine and stack', { skip: needGo }, () => {
  const l = sum.schedLatencies;
  assert.equal(l.length, 20);
  for (let i = 1; i < l.length; i++) assert.ok(l[i - 1]!.duration >= l[i]!.duration);
  for (const x of l) {
    assert.equal(x.duration, x.runningAt - x.runnableAt);
    assert.ok(x.duration > 0);
    assert.ok(sum.goroutines.some((g) => g.id === x.goroutine && g.name === x.name));
  }
  assert.ok(
    l.some((x) => x.stack.length > 0),
    'stacks where the goroutines became runnable',
  );
  // The longest latency is at least the largest single wait summed in any goroutine's sched wait? No:
  // it is bounded by the goroutine's total scheduler wait.
  for (const x of l.filter((x) => !x.open)) {
    const g = sum.goroutines.find((g) => g.id === x.goroutine)!;
    assert.ok(x.duration <= g.stats.schedWaitTime + 1, `latency of ${x.goroutine} within its sched wait`);
  }

  const b = sum.longestBlocked;
  assert.equal(b.length, 20);
  for (let i = 1; i < b.length; i++) assert.ok(b[i - 1]!.duration >= b[i]!.duration);
  for (const x of b) {
    const g = sum.goroutines.find((g) => g.id === x.goroutine)!;
    assert.equal(g.longestBlock, x);
    assert.equal(x.end - x.start, x.duration);
    // A single block is part of the goroutine's block time for that reason.
    assert.ok(x.duration <= (g.stats.blockTimeByReason[x.reason] ?? 0), `block of ${x.goroutine} (${x.reason}) within Go's block time`);
  }
  assert.ok(
    b.some((x) => x.stack.length > 0 && x.stack.some((f) => f.func.startsWith('main.'))),
    'blocked in main code',
  );
});
