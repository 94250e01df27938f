// `goscope trace` output: the verdict-first text summary, the goscope.trace/v1 JSON and the
// input of the HTML report (tables and flame graphs), all from one TraceAnalysis.
import type { Frame } from '../formats/trace/reader.js';
import { traceFormat, traceFormatText } from '../formats/trace/spec.js';
import type { TraceAnalysis } from '../analysis/trace/analyse.js';
import { BLOCKING_KINDS, summariseBlocking, type BlockingKind, type BlockingSummary } from '../analysis/trace/blocking.js';
import { goDuration } from '../analysis/trace/summary-format.js';
import { userFirst, userFrame, type TraceVerdict } from '../analysis/trace/verdicts.js';
import { frameText, verdictJson, verdictWords } from './trace-verdicts.js';
import { formatNs } from '../shared/duration.js';
import { blockingFlame, goroutineTable, traceHtml, type TraceTable } from './trace-html.js';
import { clean, table } from './term.js';

export interface TraceMeta {
  /** The header's version, "go1.NN": a format version (traceFormat says which Go wrote it). */
  goVersion: string;
  /** Where a captured trace was saved (null for a file or stdin). */
  savedTo: string | null;
  input: string;
}

const TOP = 5;
const frames = (s: readonly Frame[], n = 8): { func: string; file: string; line: number }[] =>
  s.slice(0, n).map((f) => ({ func: f.func, file: f.file, line: f.line }));

/** The goscope.trace/v1 document. */
export function traceJson(a: TraceAnalysis, verdicts: TraceVerdict[], meta: TraceMeta) {
  const blocking = {} as Record<BlockingKind, BlockingSummary>;
  for (const k of BLOCKING_KINDS) blocking[k] = summariseBlocking(a.blocking[k]);
  const s = a.summary;
  const g = a.gc;
  return {
    schema: 'goscope.trace/v1' as const,
    /** Kept for compatibility: the trace format version, not necessarily the Go that wrote it. */
    goVersion: meta.goVersion,
    traceFormat: traceFormat(meta.goVersion),
    durationNs: a.end - a.start,
    events: a.events,
    eventsByKind: a.eventsByKind,
    goroutines: a.goroutines,
    verdicts: verdicts.map(verdictJson),
    analyses: {
      blocking,
      goroutineGroups: s.goroutineGroups.map((x) => ({ ...x, goroutines: x.goroutines.slice(0, 20) })),
      schedLatencies: s.schedLatencies.map((x) => ({ ...x, stack: frames(x.stack), wokenByStack: frames(x.wokenByStack) })),
      longestBlocked: s.longestBlocked.map((x) => ({ ...x, stack: frames(x.stack) })),
      creation: { ...s.creation, total: s.creation.series.reduce((n, x) => n + x.total, 0), series: s.creation.series.slice(0, 10) },
      gc: g,
      tasks: s.taskTypes.map((t) => ({
        type: t.type,
        count: t.count,
        complete: t.complete,
        quantiles: t.quantiles,
        slowest: t.slowest
          .slice(0, TOP)
          .map((x) => ({ id: x.id, duration: x.duration, start: x.start, end: x.end, complete: x.complete, goroutines: x.goroutines.slice(0, 20) })),
      })),
      regions: s.regionTypes.map((r) => ({
        type: r.type,
        frame: { func: r.frame.func, file: r.frame.file, line: r.frame.line },
        count: r.count,
        complete: r.complete,
        quantiles: r.quantiles,
        slowest: r.slowest.slice(0, TOP).map((x) => ({ goroutine: x.goroutine, task: x.taskId, duration: x.duration, start: x.start, end: x.end })),
      })),
    },
    savedTo: meta.savedTo,
  };
}

export type TraceJson = ReturnType<typeof traceJson>;

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/**
 * The verdict-first text summary. Names come from the trace's string table (task, region
 * and log names, functions, files, block reasons: anything a program wrote): each is cleaned
 * where it is interpolated, a verdict's text whole (it is one line around such names).
 */
export function renderTraceText(a: TraceAnalysis, verdicts: TraceVerdict[], meta: TraceMeta): string {
  const lines: string[] = [];
  const notable = verdicts.filter((v) => v.notable);
  if (notable.length === 0)
    lines.push(a.events ? 'verdict: nothing stands out in this trace (the findings below are under every threshold)' : 'verdict: the trace has no events');
  for (const v of notable) {
    const w = verdictWords(v);
    lines.push(`verdict: ${clean(w.text)}`);
    for (const d of w.details) lines.push(`  ${clean(d)}`);
  }
  const s = a.summary;
  const g = a.gc;
  lines.push('');
  lines.push(
    `trace: ${clean(traceFormatText(meta.goVersion))}, ${formatNs(a.end - a.start)}, ${a.events.toLocaleString('en-US')} events, ${a.goroutines.toLocaleString('en-US')} goroutines${g.maxProcs ? `, GOMAXPROCS ${g.maxProcs}` : ''}`,
  );
  lines.push(
    `events: ${Object.entries(a.eventsByKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  for (const v of verdicts.filter((x) => !x.notable)) lines.push(`${v.kind}: ${clean(verdictWords(v).text)}`);

  lines.push('', 'goroutines by start function (go tool trace /goroutines), by execution time:');
  const rows = [['count', 'exec', 'sched wait', 'blocked', 'syscall', 'gc assist', 'start function']];
  for (const x of s.goroutineGroups.slice(0, 10)) {
    const blocked = Object.values(x.blockTimeByReason).reduce((n, v) => n + v, 0) + x.syscallBlockTime;
    rows.push([
      String(x.count),
      goDuration(x.execTime),
      goDuration(x.schedWaitTime),
      goDuration(blocked),
      goDuration(x.syscallTime),
      goDuration(x.rangeTime['GC mark assist'] ?? 0),
      clean(x.name) || '(inactive)',
    ]);
  }
  lines.push(...table(rows).map((l) => `  ${l}`));
  if (s.goroutineGroups.length > 10) lines.push(`  ... ${s.goroutineGroups.length - 10} more groups (--json or -o report.html)`);

  if (s.schedLatencies.length) {
    lines.push('', 'longest scheduling latencies (runnable -> running; runtime goroutines only if there are no others):');
    for (const l of userFirst(s.schedLatencies).slice(0, TOP))
      lines.push(
        `  ${formatNs(l.duration).padStart(8)}  goroutine ${l.goroutine} ${clean(l.name)}  at ${clean(frameText(userFrame(l.stack)))}${l.open ? ' (still runnable at the end)' : ''}`,
      );
  }
  if (s.longestBlocked.length) {
    lines.push('', 'blocked longest (runtime goroutines only if there are no others):');
    for (const b of userFirst(s.longestBlocked).slice(0, TOP))
      lines.push(
        `  ${(formatNs(b.duration) + (b.open ? '+' : '')).padStart(8)}  goroutine ${b.goroutine} ${clean(b.name)}  ${clean(b.reason)} at ${clean(frameText(userFrame(b.stack)))}`,
      );
  }

  lines.push(
    '',
    `GC: ${g.gc.cycles.length} cycles, marking ${pct(g.gc.fraction)} of the time; stop-the-world ${g.stw.pauses.length} pauses, total ${formatNs(g.stw.total)}, max ${formatNs(g.stw.max)}; mark assist ${formatNs(g.assist.total)}`,
  );
  if (g.mmu.length) lines.push(`  minimum mutator utilisation: ${g.mmu.map((m) => `${formatNs(m.window)} ${pct(m.mmu)}`).join(', ')}`);
  for (const r of g.stw.byReason.slice(0, 3)) lines.push(`  stop-the-world (${clean(r.reason)}): ${r.count} x, max ${formatNs(r.max)}`);

  if (s.taskTypes.length || s.regionTypes.length) {
    lines.push('', 'user tasks and regions (p50 / p90 / max of complete ones):');
    const q = (x: { quantiles: { p50: number; p90: number; max: number } | null }): string =>
      x.quantiles ? `${formatNs(x.quantiles.p50)} / ${formatNs(x.quantiles.p90)} / ${formatNs(x.quantiles.max)}` : '-';
    const tr = [['kind', 'type', 'count', 'p50 / p90 / max']];
    for (const t of s.taskTypes.slice(0, TOP)) tr.push(['task', clean(t.type), String(t.count), q(t)]);
    for (const r of s.regionTypes.filter((x) => x.type !== '').slice(0, 8)) tr.push(['region', clean(r.type), String(r.count), q(r)]);
    lines.push(...table(tr).map((l) => `  ${l}`));
  }

  lines.push('', 'blocking (go tool trace -pprof=KIND):');
  for (const k of BLOCKING_KINDS) {
    const b = summariseBlocking(a.blocking[k]);
    const top = b.top.map((t) => `${clean(t.function)} ${formatNs(t.delayNs)}`).join('; ');
    lines.push(`  ${k.padEnd(8)} ${formatNs(b.total).padStart(9)}  ${String(b.contentions).padStart(7)} waits${top ? `  ${top}` : ''}`);
  }
  return lines.join('\n');
}

/** The HTML report of a trace (the analysis must have been made with the timeline). */
export function traceReportHtml(a: TraceAnalysis, verdicts: TraceVerdict[], meta: TraceMeta): string {
  const s = a.summary;
  const g = a.gc;
  const tables: TraceTable[] = [];
  tables.push({
    id: 'goroutine-groups',
    title: 'Goroutines by start function',
    note: 'As go tool trace computes them (its /goroutines page): time summed over the goroutines of each group.',
    columns: [
      { key: 'name', label: 'start function', unit: 'text' },
      { key: 'count', label: 'goroutines', unit: 'count' },
      { key: 'exec', label: 'execution', unit: 'ns' },
      { key: 'sched', label: 'sched wait', unit: 'ns' },
      { key: 'block', label: 'blocked (all reasons)', unit: 'ns' },
      { key: 'syscall', label: 'syscall', unit: 'ns' },
      { key: 'syscallBlock', label: 'syscall blocked', unit: 'ns' },
      { key: 'assist', label: 'GC assist', unit: 'ns' },
    ],
    rows: s.goroutineGroups.map((x) => ({
      name: x.name || '(inactive)',
      count: x.count,
      exec: x.execTime,
      sched: x.schedWaitTime,
      block: Object.values(x.blockTimeByReason).reduce((n, v) => n + v, 0),
      syscall: x.syscallTime,
      syscallBlock: x.syscallBlockTime,
      assist: x.rangeTime['GC mark assist'] ?? 0,
    })),
  });
  if (a.timeline) tables.push(goroutineTable(a.timeline, 'goroutine-states'));
  tables.push({
    id: 'sched-latency',
    title: 'Longest scheduling latencies',
    note: 'A goroutine runnable but not running: waiting for a P.',
    columns: [
      { key: 'duration', label: 'latency', unit: 'ns' },
      { key: 'g', label: 'goroutine', unit: 'count' },
      { key: 'name', label: 'start function', unit: 'text' },
      { key: 'where', label: 'runnable at', unit: 'text' },
      { key: 'by', label: 'made runnable by', unit: 'text' },
    ],
    rows: s.schedLatencies.map((l) => ({
      duration: l.duration,
      g: l.goroutine,
      name: l.name,
      where: frameText(userFrame(l.stack)),
      by: l.wokenBy >= 0 ? `goroutine ${l.wokenBy} at ${frameText(userFrame(l.wokenByStack))}` : l.from,
    })),
  });
  tables.push({
    id: 'blocked-longest',
    title: 'Blocked longest',
    columns: [
      { key: 'duration', label: 'blocked', unit: 'ns' },
      { key: 'g', label: 'goroutine', unit: 'count' },
      { key: 'name', label: 'start function', unit: 'text' },
      { key: 'reason', label: 'reason', unit: 'text' },
      { key: 'where', label: 'at', unit: 'text' },
    ],
    rows: s.longestBlocked.map((b) => ({
      duration: b.duration,
      g: b.goroutine,
      name: b.name,
      reason: b.reason + (b.open ? ' (still blocked)' : ''),
      where: frameText(userFrame(b.stack)),
    })),
  });
  tables.push({
    id: 'gc-pauses',
    title: 'Stop-the-world pauses',
    columns: [
      { key: 'reason', label: 'reason', unit: 'text' },
      { key: 'count', label: 'pauses', unit: 'count' },
      { key: 'total', label: 'total', unit: 'ns' },
      { key: 'max', label: 'max', unit: 'ns' },
    ],
    rows: g.stw.byReason.map((r) => ({ reason: r.reason, count: r.count, total: r.total, max: r.max })),
  });
  tables.push({
    id: 'gc-mmu',
    title: 'GC: minimum mutator utilisation',
    note: `${g.gc.cycles.length} GC cycles, marking ${pct(g.gc.fraction)} of the time; mark assist ${formatNs(g.assist.total)}; the share of the CPU left to the program in its worst window of each size.`,
    columns: [
      { key: 'window', label: 'window', unit: 'ns' },
      { key: 'mmu', label: 'MMU', unit: 'percent' },
    ],
    rows: g.mmu.map((m) => ({ window: m.window, mmu: m.mmu * 100 })),
  });
  const durCols = [
    { key: 'count', label: 'count', unit: 'count' as const },
    { key: 'p50', label: 'p50', unit: 'ns' as const },
    { key: 'p90', label: 'p90', unit: 'ns' as const },
    { key: 'p99', label: 'p99', unit: 'ns' as const },
    { key: 'max', label: 'max', unit: 'ns' as const },
  ];
  tables.push({
    id: 'tasks',
    title: 'User tasks',
    columns: [{ key: 'type', label: 'task type', unit: 'text' }, ...durCols],
    rows: s.taskTypes.map((t) => ({
      type: t.type,
      count: t.count,
      p50: t.quantiles?.p50 ?? 0,
      p90: t.quantiles?.p90 ?? 0,
      p99: t.quantiles?.p99 ?? 0,
      max: t.quantiles?.max ?? 0,
    })),
  });
  tables.push({
    id: 'regions',
    title: 'User regions',
    columns: [{ key: 'type', label: 'region type', unit: 'text' }, { key: 'at', label: 'started at', unit: 'text' }, ...durCols],
    rows: s.regionTypes.map((r) => ({
      type: r.type || '(inherited)',
      at: frameText(r.frame),
      count: r.count,
      p50: r.quantiles?.p50 ?? 0,
      p90: r.quantiles?.p90 ?? 0,
      p99: r.quantiles?.p99 ?? 0,
      max: r.quantiles?.max ?? 0,
    })),
  });
  return traceHtml({
    title: `goscope trace: ${meta.input}`,
    meta: [
      `trace ${traceFormatText(meta.goVersion)}`,
      formatNs(a.end - a.start),
      `${a.events.toLocaleString('en-US')} events`,
      `${a.goroutines.toLocaleString('en-US')} goroutines`,
      ...(a.timelineCutAt !== null
        ? [
            `the timeline shows the first ${formatNs(a.timelineCutAt - a.start)} (${a.timelineMaxEvents.toLocaleString('en-US')} events); tables and flame graphs cover the whole trace`,
          ]
        : []),
    ],
    verdicts: verdicts.map((v) => (v.notable ? verdictWords(v).text : `${v.kind}: ${verdictWords(v).text}`)),
    timeline: a.timeline!,
    tables,
    flames: BLOCKING_KINDS.map((k) => blockingFlame(k, a.blocking[k])),
  });
}
