// goscope logs' words: the summary (levels over time, error templates, trace-id coverage,
// crashes, GC and scheduler series, unreadable lines), one request's lines (--trace-id),
// and the JSON (schema goscope.logs/v1). Everything read from a log is untrusted: through
// clean()/oneLine() on its way to the terminal.
import type { CrashReport, LogSummary, ServiceCoverage } from '../analysis/logs/summary.js';
import { LEVELS } from '../analysis/logs/summary.js';
import type { LogEntry } from '../formats/logs/model.js';
import type { Frame } from '../formats/goroutines/model.js';
import { formatNs } from '../formats/logs/time.js';
import { oneLine } from '../lib/text.js';
import { clean, plural, table, type Style } from './term.js';

export const LOGS_SCHEMA = 'goscope.logs/v1';

const n = (x: number): string => x.toLocaleString('en-US');
const pct = (a: number, b: number): string => (b === 0 ? '-' : `${Math.round((1000 * a) / b) / 10}%`);
const NO_SERVICE = '(no service field)';
const DAY_NS = 86_400_000_000_000n;
const MAX_BUCKET_ROWS = 36;

function hms(ns: bigint | null, withDate = false): string {
  if (ns === null) return '-';
  const s = formatNs(ns);
  return withDate ? `${s.slice(0, 10)} ${s.slice(11, 19)}` : s.slice(11, 19);
}

function span(a: bigint, b: bigint): string {
  const s = Number(b - a) / 1e9;
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 120) return `${Math.round(s * 10) / 10}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 360) / 10}h`;
  return `${Math.round(s / 8640) / 10}d`;
}

function bucketName(ns: bigint): string {
  const min = Number(ns / 60_000_000_000n);
  return min < 60 ? `${min}m` : min < 1440 ? `${min / 60}h` : `${min / 1440}d`;
}

function frameText(f: Frame | null): string {
  if (!f) return '?';
  const file = f.file ? ` (${f.file.slice(f.file.lastIndexOf('/') + 1)}:${f.line})` : '';
  return clean(f.func) + clean(file);
}

const levelName = (l: string): string => l || 'none';

export function renderLogsText(s: LogSummary, st: Style): string {
  const out: string[] = [];
  const when =
    s.firstNs !== null && s.lastNs !== null
      ? `, ${hms(s.firstNs, true)} → ${hms(s.lastNs, s.lastNs / 86_400_000_000_000n !== s.firstNs / 86_400_000_000_000n)} UTC (${span(s.firstNs, s.lastNs)})`
      : '';
  out.push(st.bold(`goscope logs: ${plural(s.inputs.length, 'input')}, ${n(s.lines)} lines, ${n(s.entries)} entries${when}`));
  const levels = LEVELS.filter((l) => s.byLevel[l]);
  out.push(`  levels: ${levels.map((l) => `${n(s.byLevel[l]!)} ${levelName(l)}`).join(', ') || 'none'}`);
  const dialects = Object.entries(s.byDialect).sort((a, b) => b[1] - a[1]);
  out.push(`  formats: ${dialects.map(([d, c]) => `${d} ${n(c)}`).join(', ') || 'none'}`);
  const extra: string[] = [];
  if (s.untimed) extra.push(`${n(s.untimed)} without a readable time`);
  if (s.continuationLines) extra.push(`${n(s.continuationLines)} stack/crash lines`);
  if (s.longLines) extra.push(`${n(s.longLines)} over the line cap (cut)`);
  if (extra.length) out.push(`  ${extra.join(', ')}`);

  if (s.buckets.length > 1) {
    out.push('', st.bold(`levels over time (UTC, ${bucketName(s.bucketNs)} buckets)`));
    const days = s.buckets[0]!.startNs / DAY_NS !== s.buckets[s.buckets.length - 1]!.startNs / DAY_NS;
    // A long quiet stretch would be a screen of dots: past MAX_BUCKET_ROWS only busy buckets are listed.
    const sparse = s.buckets.length > MAX_BUCKET_ROWS;
    const rows = [['  start', ...levels.map(levelName)]];
    for (const b of s.buckets) {
      if (sparse && Object.keys(b.counts).length === 0) continue;
      rows.push([`  ${days ? hms(b.startNs, true).slice(0, 16) : hms(b.startNs).slice(0, 5)}`, ...levels.map((l) => (b.counts[l] ? n(b.counts[l]!) : '.'))]);
    }
    out.push(...table(rows));
    if (sparse) out.push(st.dim(`  (${s.buckets.length - rows.length + 1} empty buckets not shown)`));
  }

  out.push('', st.bold('top error messages'));
  if (s.errorTemplates.length === 0) out.push('  none (no line at error level or above)');
  else {
    const rows = [['  count', 'first', 'last', 'message (ids, numbers, quoted strings masked)']];
    for (const t of s.errorTemplates) {
      rows.push([`  ${n(t.count)}`, hms(t.firstNs), hms(t.lastNs), oneLine(t.template, 100)]);
    }
    const lines = table(rows);
    out.push(lines[0]!);
    s.errorTemplates.forEach((t, i) => {
      out.push(lines[i + 1]!);
      const svc = t.services.length ? `  [${t.services.map((x) => clean(x)).join(', ')}]` : '';
      out.push(st.dim(`      e.g. ${clean(t.input)}:${t.line}: ${oneLine(t.example, 90)}${svc}`));
    });
    if (s.otherErrors) out.push(`  … ${n(s.otherErrors)} more error lines under other messages`);
  }

  out.push('', st.bold('trace ids per service'));
  const rows = [['  service', 'lines', 'with trace id', 'with span id', 'keys (encoding)']];
  for (const c of s.services) rows.push(coverageRow(c));
  out.push(...table(rows));
  const dark = s.services.filter((c) => c.lines >= 10 && c.withTraceId === 0);
  if (dark.length)
    out.push(st.yellow(`  no trace id at all in: ${dark.map((c) => clean(c.service || NO_SERVICE)).join(', ')}: its lines cannot be joined to a request`));

  if (s.crashCount) {
    out.push('', st.bold(st.red(`crashes and panics (${s.crashCount})`)));
    for (const c of s.crashes) out.push(...crashLines(c, st));
    if (s.crashCount > s.crashes.length) out.push(`  … ${s.crashCount - s.crashes.length} more`);
  }
  if (s.gc) {
    const g = s.gc;
    out.push(
      '',
      st.bold(`GC (gctrace): ${plural(g.cycles, 'cycle')}${g.forced ? `, ${g.forced} forced` : ''}`) + st.dim(`  from ${clean(g.input)}:${g.firstLine}`),
    );
    out.push(`  stop-the-world pause: total ${g.pauseMs.total}ms, p50 ${g.pauseMs.p50}ms, p99 ${g.pauseMs.p99}ms, max ${g.pauseMs.max}ms`);
    out.push(
      `  live heap after GC: ${g.liveMB.min}–${g.liveMB.max} MB (last ${g.liveMB.last} MB), goal ${g.goalMB.last} MB (max ${g.goalMB.max} MB), GC CPU ${g.cpuPct}% since start`,
    );
    const picked = sampleIndexes(g.series, (c) => c.pauseMs);
    const rows = [['    gc', 'at', 'STW ms', 'mark ms', 'heap MB', 'live', 'goal', 'GC CPU', 'P']];
    for (const i of picked) {
      const c = g.series[i]!;
      rows.push([
        `    ${c.n}`,
        `${c.atSec}s`,
        String(c.pauseMs),
        String(c.markMs),
        `${c.heapBeforeMB}->${c.heapAfterMB}`,
        String(c.liveMB),
        String(c.goalMB),
        `${c.cpuPct}%`,
        c.forced ? `${c.procs} (forced)` : String(c.procs),
      ]);
    }
    out.push(...table(rows));
    if (picked.length < g.cycles) out.push(st.dim(`    (${picked.length} of ${g.cycles} cycles: evenly spaced and the longest pause; --json has them all)`));
  }
  if (s.sched) {
    const c = s.sched;
    out.push('', st.bold(`scheduler (schedtrace): ${plural(c.samples, 'sample')}`) + st.dim(`  from ${clean(c.input)}:${c.firstLine}`));
    out.push(
      `  gomaxprocs ${c.gomaxprocs}, threads up to ${c.threadsMax}, global run queue up to ${c.runqueueMax}, per-P run queues up to ${c.localRunqueueMax} in all, idle Ps ${c.idleProcsMean} on average`,
    );
    const picked = sampleIndexes(c.series, (x) => x.runqueue + x.localRunqueue);
    const rows = [['    at', 'gomaxprocs', 'idleprocs', 'threads', 'idlethreads', 'spinning', 'runqueue', 'per-P runqueues']];
    for (const i of picked) {
      const x = c.series[i]!;
      rows.push([
        `    ${x.atMs}ms`,
        String(x.gomaxprocs),
        String(x.idleprocs),
        String(x.threads),
        String(x.idlethreads),
        String(x.spinningthreads),
        String(x.runqueue),
        `[${x.runqueues.join(' ')}]`,
      ]);
    }
    out.push(...table(rows));
    if (picked.length < c.samples)
      out.push(st.dim(`    (${picked.length} of ${c.samples} samples: evenly spaced and the longest run queues; --json has them all)`));
  }
  out.push('');
  if (s.unreadable === 0) out.push(`unreadable lines: none`);
  else {
    out.push(st.yellow(`unreadable lines: ${n(s.unreadable)}`));
    for (const u of s.unreadableLines.slice(0, 5)) out.push(`  ${clean(u.input)}: line ${u.line}: ${clean(u.reason)}: ${oneLine(u.text, 60)}`);
    if (s.unreadable > 5) out.push(`  … ${n(s.unreadable - 5)} more (--json lists ${s.unreadableLines.length})`);
  }
  return out.join('\n');
}

const SERIES_ROWS = 10;

/** Indexes of at most SERIES_ROWS rows: evenly spaced, first and last, and the one where `key` peaks. */
function sampleIndexes<T>(series: readonly T[], key: (x: T) => number): number[] {
  if (series.length <= SERIES_ROWS + 2) return series.map((_, i) => i);
  const picked = new Set<number>();
  for (let k = 0; k < SERIES_ROWS; k++) picked.add(Math.round((k * (series.length - 1)) / (SERIES_ROWS - 1)));
  let peak = 0;
  series.forEach((x, i) => {
    if (key(x) > key(series[peak]!)) peak = i;
  });
  picked.add(peak);
  return [...picked].sort((a, b) => a - b);
}

function coverageRow(c: ServiceCoverage): string[] {
  const keys = Object.entries(c.keys)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${clean(k)} ${n(v)}`);
  const enc = Object.keys(c.encodings).sort().join(', ');
  return [
    `  ${clean(c.service || NO_SERVICE)}`,
    n(c.lines),
    `${pct(c.withTraceId, c.lines)} (${n(c.withTraceId)})`,
    pct(c.withSpanId, c.lines),
    keys.length ? `${keys.join(', ')} (${enc})` : '-',
  ];
}

const KIND_TEXT: Record<string, string> = { panic: 'unrecovered panic', fatal: 'fatal error', recovered: 'recovered panic', dump: 'goroutine dump' };

function crashLines(c: CrashReport, st: Style): string[] {
  const out = [
    `  ${clean(c.input)}:${c.line}${c.endLine > c.line ? `-${c.endLine}` : ''}  ${c.kind === 'recovered' || c.kind === 'dump' ? st.yellow(KIND_TEXT[c.kind]!) : st.red(KIND_TEXT[c.kind]!)}: ${oneLine(c.headline || '(no message)', 110)}`,
  ];
  if (c.signal) out.push(`    ${oneLine(c.signal, 100)}`);
  if (c.goroutines) {
    out.push(`    panicked in ${frameText(c.panicSite)}; ${plural(c.goroutines, 'goroutine')} in the dump`);
    for (const g of c.groups.slice(0, 3))
      out.push(st.dim(`      ${g.count} × [${clean(g.state || '?')}] ${frameText(g.site)}${g.createdBy ? `, created by ${clean(g.createdBy.func)}` : ''}`));
  }
  return out;
}

// ---------------------------------------------------------------------------
// --trace-id

export function renderTraceText(traceId: string, lines: readonly LogEntry[], dropped: number, st: Style): string {
  const out: string[] = [];
  const services = [...new Set(lines.map((e) => e.service || NO_SERVICE))];
  const timed = lines.filter((e) => e.timeNs !== null);
  const first = timed[0]?.timeNs ?? null;
  const last = timed[timed.length - 1]?.timeNs ?? null;
  const range = first !== null && last !== null ? `, ${hms(first, true)} → ${hms(last)} UTC (${span(first, last)})` : '';
  out.push(
    st.bold(
      `trace ${traceId}: ${plural(lines.length, 'line')} from ${plural(services.length, 'service')} (${services.map((s) => clean(s)).join(', ')})${range}`,
    ),
  );
  const rows: string[][] = [];
  for (const e of lines) {
    const t = e.timeNs === null ? '-' : formatNs(e.timeNs).slice(11, 26);
    const rel = e.timeNs !== null && first !== null ? `+${Math.round(Number(e.timeNs - first) / 1e6)}ms` : '';
    const lvl = e.level ? e.level.toUpperCase() : '-';
    const err = e.error && !e.message.includes(e.error) ? ` error=${e.error}` : '';
    const span = e.spanId ? ` span=${e.spanId}` : '';
    rows.push([`  ${t}`, rel, lvl, clean(e.service || '-'), oneLine(e.message + err, 100) + st.dim(span), st.dim(`${clean(e.input)}:${e.line}`)]);
  }
  out.push(...table(rows));
  const keys = [...new Set(lines.map((e) => e.traceKey))].map((k) => clean(k));
  if (keys.length) out.push(st.dim(`  found under: ${keys.join(', ')}`));
  if (dropped) out.push(st.yellow(`  … ${n(dropped)} more lines not kept`));
  return out.join('\n');
}

// ---------------------------------------------------------------------------
// JSON

const nsJson = (ns: bigint | null) => (ns === null ? null : formatNs(ns));

export function entryJson(e: LogEntry) {
  return {
    input: e.input,
    line: e.line,
    time: nsJson(e.timeNs),
    timeUnixNano: e.timeNs === null ? null : e.timeNs.toString(),
    level: e.level,
    levelText: e.levelText,
    message: e.message,
    service: e.service,
    traceId: e.traceId,
    spanId: e.spanId,
    traceKey: e.traceKey,
    source: e.source,
    error: e.error,
    dialect: e.dialect,
    fields: e.fields,
  };
}

export function logsJson(s: LogSummary) {
  return {
    schema: LOGS_SCHEMA,
    inputs: s.inputs,
    lines: s.lines,
    entries: s.entries,
    first: nsJson(s.firstNs),
    last: nsJson(s.lastNs),
    untimed: s.untimed,
    levels: s.byLevel,
    dialects: s.byDialect,
    series: { bucketSeconds: Number(s.bucketNs / 1_000_000_000n), buckets: s.buckets.map((b) => ({ start: nsJson(b.startNs), counts: b.counts })) },
    errors: s.errorTemplates.map((t) => ({
      template: t.template,
      count: t.count,
      first: nsJson(t.firstNs),
      last: nsJson(t.lastNs),
      example: t.example,
      input: t.input,
      line: t.line,
      services: t.services,
      levels: t.levels,
    })),
    otherErrors: s.otherErrors,
    services: s.services.map((c) => ({ ...c, traceIdShare: c.lines ? c.withTraceId / c.lines : 0 })),
    crashes: s.crashes,
    crashCount: s.crashCount,
    gc: s.gc,
    sched: s.sched,
    unreadable: { count: s.unreadable, lines: s.unreadableLines },
    longLines: s.longLines,
    continuationLines: s.continuationLines,
  };
}

export function traceJson(traceId: string, lines: readonly LogEntry[], dropped: number, inputs: readonly string[]) {
  return { schema: LOGS_SCHEMA, traceId, inputs, matches: lines.length + dropped, lines: lines.map(entryJson), dropped };
}
