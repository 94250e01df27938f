// What a log says, in one pass and bounded memory: lines by level over time, the top error
// messages as templates, trace-id coverage per service, crashes with their goroutine
// groups, GC and scheduler series, and where the unreadable lines are.
import type { LogEntry, Level } from '../../formats/logs/model.js';
import type { CrashBlock, CrashKind, Unreadable } from '../../formats/logs/read.js';
import type { GcCycle, SchedSample } from '../../formats/logs/godebug.js';
import type { Frame } from '../../formats/goroutines/model.js';
import { groupAll } from '../goroutines/group.js';
import { siteOf } from '../stack.js';
import { nearestRank } from '../../lib/quantile.js';
import { templateOf } from './template.js';

export const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'panic', 'fatal', ''];
const ERROR_LEVELS = new Set<Level>(['error', 'panic', 'fatal']);

const MAX_TEMPLATES = 10_000;
const MAX_MINUTES = 200_000;
const MAX_UNREADABLE_KEPT = 20;
const MAX_CRASHES_KEPT = 50;
export const MAX_SERIES_KEPT = 100_000;
const MINUTE_NS = 60_000_000_000n;

export interface TemplateRow {
  template: string;
  count: number;
  firstNs: bigint | null;
  lastNs: bigint | null;
  example: string;
  /** Where the example is: input and line. */
  input: string;
  line: number;
  services: string[];
  levels: Partial<Record<Level, number>>;
}

export interface Bucket {
  startNs: bigint;
  counts: Record<string, number>;
}

export interface ServiceCoverage {
  service: string;
  lines: number;
  withTraceId: number;
  withSpanId: number;
  /** Keys the trace ids were under, with counts ("trace_id", "dd.trace_id"). */
  keys: Record<string, number>;
  /** Encodings: "hex128", "hex64", "decimal64". */
  encodings: Record<string, number>;
  dialects: Record<string, number>;
}

export interface CrashGroup {
  count: number;
  state: string;
  /** Where the group runs or waits (the shared site rule); for the panicking goroutine, where it panicked. */
  site: Frame | null;
  createdBy: Frame | null;
}

export interface CrashReport {
  input: string;
  line: number;
  endLine: number;
  kind: CrashKind;
  headline: string;
  signal: string;
  goroutines: number;
  /** Where it panicked: the first frame of the panicking goroutine after panic(), by the site rule. */
  panicSite: Frame | null;
  groups: CrashGroup[];
}

export interface GcSummary {
  cycles: number;
  forced: number;
  pauseMs: { total: number; p50: number; p99: number; max: number };
  liveMB: { min: number; max: number; last: number };
  goalMB: { last: number; max: number };
  /** GC's share of CPU at the last cycle (cumulative since start, as gctrace prints it). */
  cpuPct: number;
  firstLine: number;
  input: string;
  /** Every cycle as gctrace printed it, in order (the first MAX_SERIES_KEPT when there are more). */
  series: GcCycle[];
}

export interface SchedSummary {
  samples: number;
  gomaxprocs: number;
  threadsMax: number;
  runqueueMax: number;
  localRunqueueMax: number;
  idleProcsMean: number;
  firstLine: number;
  input: string;
  /** Every schedtrace sample, in order (the first MAX_SERIES_KEPT when there are more). */
  series: SchedSample[];
}

export interface LogSummary {
  inputs: string[];
  lines: number;
  entries: number;
  byLevel: Record<string, number>;
  byDialect: Record<string, number>;
  firstNs: bigint | null;
  lastNs: bigint | null;
  /** Entries without a readable time. */
  untimed: number;
  bucketNs: bigint;
  buckets: Bucket[];
  errorTemplates: TemplateRow[];
  /** Error lines whose template did not fit the table (more than MAX_TEMPLATES distinct). */
  otherErrors: number;
  services: ServiceCoverage[];
  crashes: CrashReport[];
  crashCount: number;
  gc: GcSummary | null;
  sched: SchedSummary | null;
  unreadable: number;
  unreadableLines: Unreadable[];
  longLines: number;
  continuationLines: number;
}

function encodingOf(e: LogEntry, rawKey: string): string {
  if (/^dd\b|\bdd\./i.test(rawKey) || rawKey.toLowerCase().startsWith('dd')) return 'decimal64';
  return e.traceId.startsWith('0000000000000000') ? 'hex64' : 'hex128';
}

function inc(r: Record<string, number>, k: string, n = 1): void {
  r[k] = (r[k] ?? 0) + n;
}

export class LogSummarizer {
  private readonly inputs: string[] = [];
  private lines = 0;
  private entries = 0;
  private readonly byLevel: Record<string, number> = {};
  private readonly byDialect: Record<string, number> = {};
  private firstNs: bigint | null = null;
  private lastNs: bigint | null = null;
  private untimed = 0;
  private readonly minutes = new Map<bigint, Record<string, number>>();
  private readonly templates = new Map<string, TemplateRow & { svc: Set<string> }>();
  private otherErrors = 0;
  private readonly services = new Map<string, ServiceCoverage>();
  private readonly crashes: CrashReport[] = [];
  private crashCount = 0;
  private readonly gcs: GcCycle[] = [];
  private gcCount = 0;
  private gcInput = '';
  private readonly scheds: SchedSample[] = [];
  private schedCount = 0;
  private schedInput = '';
  private unreadable = 0;
  private readonly unreadableLines: Unreadable[] = [];
  private longLines = 0;
  private continuationLines = 0;

  input(name: string, stats: { lines: number; longLines: number; continuation: number }): void {
    this.inputs.push(name);
    this.lines += stats.lines;
    this.longLines += stats.longLines;
    this.continuationLines += stats.continuation;
  }

  entry(e: LogEntry): void {
    this.entries++;
    inc(this.byLevel, e.level);
    inc(this.byDialect, e.dialect);
    const t = e.timeNs;
    if (t === null) this.untimed++;
    else {
      if (this.firstNs === null || t < this.firstNs) this.firstNs = t;
      if (this.lastNs === null || t > this.lastNs) this.lastNs = t;
      const m = t / MINUTE_NS;
      let b = this.minutes.get(m);
      if (!b) {
        // Past MAX_MINUTES distinct minutes (years of logs) the series stops growing; the totals do not.
        if (this.minutes.size < MAX_MINUTES) this.minutes.set(m, (b = {}));
      }
      if (b) inc(b, e.level);
    }
    const svcName = e.service;
    let s = this.services.get(svcName);
    if (!s) this.services.set(svcName, (s = { service: svcName, lines: 0, withTraceId: 0, withSpanId: 0, keys: {}, encodings: {}, dialects: {} }));
    s.lines++;
    inc(s.dialects, e.dialect);
    if (e.traceId) {
      s.withTraceId++;
      inc(s.keys, e.traceKey);
      inc(s.encodings, encodingOf(e, e.traceKey));
    }
    if (e.spanId) s.withSpanId++;
    if (ERROR_LEVELS.has(e.level)) this.errorLine(e);
  }

  private errorLine(e: LogEntry): void {
    const text = e.message || e.error;
    const tpl = templateOf(text) + (e.error && e.message && !e.message.includes(e.error) ? ` (error: ${templateOf(e.error)})` : '');
    let row = this.templates.get(tpl);
    if (!row) {
      if (this.templates.size >= MAX_TEMPLATES) {
        this.otherErrors++;
        return;
      }
      row = {
        template: tpl,
        count: 0,
        firstNs: null,
        lastNs: null,
        example: text + (e.error && e.message && !e.message.includes(e.error) ? ` (error: ${e.error})` : ''),
        input: e.input,
        line: e.line,
        services: [],
        levels: {},
        svc: new Set(),
      };
      this.templates.set(tpl, row);
    }
    row.count++;
    inc(row.levels as Record<string, number>, e.level);
    if (e.service) row.svc.add(e.service);
    if (e.timeNs !== null) {
      if (row.firstNs === null || e.timeNs < row.firstNs) row.firstNs = e.timeNs;
      if (row.lastNs === null || e.timeNs > row.lastNs) row.lastNs = e.timeNs;
    }
  }

  crash(c: CrashBlock): void {
    this.crashCount++;
    if (this.crashes.length >= MAX_CRASHES_KEPT) return;
    const groups = groupAll(c.goroutines).slice(0, 5);
    const panicking = c.goroutines.find((g) => g.state === 'running') ?? c.goroutines[0];
    this.crashes.push({
      input: c.input,
      line: c.line,
      endLine: c.endLine,
      kind: c.kind,
      headline: c.headline,
      signal: c.signal,
      goroutines: c.total,
      panicSite: panicking ? panicSiteOf(panicking.frames) : null,
      groups: groups.map((g) => ({ count: g.count, state: g.state, site: g.site ?? null, createdBy: g.createdBy })),
    });
  }

  gc(c: GcCycle, input: string): void {
    this.gcCount++;
    if (!this.gcInput) this.gcInput = input;
    if (this.gcs.length < MAX_SERIES_KEPT) this.gcs.push(c);
  }

  sched(s: SchedSample, input: string): void {
    this.schedCount++;
    if (!this.schedInput) this.schedInput = input;
    if (this.scheds.length < MAX_SERIES_KEPT) this.scheds.push(s);
  }

  unreadableLine(u: Unreadable): void {
    this.unreadable++;
    if (this.unreadableLines.length < MAX_UNREADABLE_KEPT) this.unreadableLines.push(u);
  }

  finish(topN = 10): LogSummary {
    const { bucketNs, buckets } = this.bucketize();
    const rows = [...this.templates.values()].sort((a, b) => b.count - a.count || a.template.localeCompare(b.template));
    const errorTemplates = rows.slice(0, topN).map(({ svc, ...r }) => ({ ...r, services: [...svc].sort() }));
    const services = [...this.services.values()].sort((a, b) => b.lines - a.lines || a.service.localeCompare(b.service));
    return {
      inputs: this.inputs,
      lines: this.lines,
      entries: this.entries,
      byLevel: this.byLevel,
      byDialect: this.byDialect,
      firstNs: this.firstNs,
      lastNs: this.lastNs,
      untimed: this.untimed,
      bucketNs,
      buckets,
      errorTemplates,
      otherErrors: this.otherErrors + rows.slice(topN).reduce((a, r) => a + r.count, 0),
      services,
      crashes: this.crashes,
      crashCount: this.crashCount,
      gc: this.gcSummary(),
      sched: this.schedSummary(),
      unreadable: this.unreadable,
      unreadableLines: this.unreadableLines,
      longLines: this.longLines,
      continuationLines: this.continuationLines,
    };
  }

  /** Per-minute counts merged into at most ~24 buckets of a round size. */
  private bucketize(): { bucketNs: bigint; buckets: Bucket[] } {
    if (this.minutes.size === 0 || this.firstNs === null || this.lastNs === null) return { bucketNs: MINUTE_NS, buckets: [] };
    const spanMin = Number((this.lastNs - this.firstNs) / MINUTE_NS) + 1;
    const sizes = [1, 5, 10, 15, 30, 60, 180, 360, 720, 1440, 10080];
    const size = BigInt(sizes.find((s) => spanMin / s <= 24) ?? 10080);
    const out = new Map<bigint, Record<string, number>>();
    for (const [m, counts] of this.minutes) {
      const k = (m / size) * size;
      let b = out.get(k);
      if (!b) out.set(k, (b = {}));
      for (const [l, n] of Object.entries(counts)) inc(b, l, n);
    }
    const keys = [...out.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const buckets: Bucket[] = [];
    // Empty buckets between busy ones are shown: a gap in the logs is information.
    if (keys.length) for (let k = keys[0]!; k <= keys[keys.length - 1]!; k += size) buckets.push({ startNs: k * MINUTE_NS, counts: out.get(k) ?? {} });
    return { bucketNs: size * MINUTE_NS, buckets };
  }

  private gcSummary(): GcSummary | null {
    if (this.gcs.length === 0) return null;
    const pauses = this.gcs.map((g) => g.pauseMs).sort((a, b) => a - b);
    const live = this.gcs.map((g) => g.liveMB);
    const last = this.gcs[this.gcs.length - 1]!;
    return {
      cycles: this.gcCount,
      forced: this.gcs.filter((g) => g.forced).length,
      pauseMs: { total: round(pauses.reduce((a, b) => a + b, 0)), p50: nearestRank(pauses, 50), p99: nearestRank(pauses, 99), max: pauses[pauses.length - 1]! },
      liveMB: { min: minOf(live), max: maxOf(live), last: last.liveMB },
      goalMB: { last: last.goalMB, max: maxOf(this.gcs.map((g) => g.goalMB)) },
      cpuPct: last.cpuPct,
      firstLine: this.gcs[0]!.line,
      input: this.gcInput,
      series: this.gcs,
    };
  }

  private schedSummary(): SchedSummary | null {
    if (this.scheds.length === 0) return null;
    const s = this.scheds;
    return {
      samples: this.schedCount,
      gomaxprocs: s[s.length - 1]!.gomaxprocs,
      threadsMax: maxOf(s.map((x) => x.threads)),
      runqueueMax: maxOf(s.map((x) => x.runqueue)),
      localRunqueueMax: maxOf(s.map((x) => x.localRunqueue)),
      idleProcsMean: round(s.reduce((a, x) => a + x.idleprocs, 0) / s.length),
      firstLine: s[0]!.line,
      input: this.schedInput,
      series: s,
    };
  }
}

function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Where a goroutine panicked: after the last panic() frame, the site rule; the site of the whole stack when it has none. */
export function panicSiteOf(frames: readonly Frame[]): Frame | null {
  let at = -1;
  for (let i = 0; i < frames.length; i++) if (frames[i]!.func === 'panic' || frames[i]!.func === 'runtime.gopanic') at = i;
  const rest = at >= 0 ? frames.slice(at + 1) : frames;
  return siteOf(rest) ?? null;
}
