// The diagnose verdict for the terminal and as JSON: the headline first (leaks, then the
// costs that stand out, then the trace's notable verdicts), then one short block per
// capture, each naming file:line sites.
import { metricsDigestJson, metricsDigestLines, type MetricsDigest } from './metrics.js';
import type { Int64 } from '../formats/pprof/index.js';
import { traceFormatText } from '../formats/trace/spec.js';
import { headlineFindings, type Diagnosis, type HeadlineFinding, type ProfileFinding, type TraceFinding } from '../analysis/diagnose.js';
import { formatNs } from '../shared/duration.js';
import type { Hotspot } from '../analysis/hotspots.js';
import { shortFile } from '../analysis/stack.js';
import { label } from '../shared/units.js';
import { groupJson, notLeakJson, suspectJson, renderLeak, type DumpFacts } from './goroutines.js';
import { waitText } from '../analysis/goroutines/classify.js';
import { groupName } from '../analysis/goroutines/name.js';
import { MIN_TREND_POINTS } from '../analysis/trend.js';
import { traceJson } from './trace.js';
import { verdictJson, verdictWords } from './trace-verdicts.js';
import { clean, plural, table, type Style } from './term.js';

export interface DiagnoseMeta {
  service: string;
  captureDir: string;
  seconds: number;
  startedAt: Date;
  finishedAt: Date;
  goroutineTotals: number[];
  /** The debug=2 dumps goroutines were followed in (first and last). */
  goroutineDumps?: readonly DumpFacts[];
  aborted: boolean;
  /** Whether anything was read (analysis/diagnose-capture.ts); absent means it was. */
  usable?: boolean;
  files: string[];
  reportPath: string;
  /** The service's /metrics, read after the captures (absent when not attempted, e.g. an older capture folder). */
  metrics?: MetricsDigest;
  /** Trace length asked for (0 or absent: no trace was asked for). */
  traceSeconds?: number;
}

/** A capture that was disabled or failed, or a step of the analysis that failed. */
export interface CaptureNote {
  kind: string;
  state: 'disabled' | 'failed';
  message: string;
}

const TITLES: Record<ProfileFinding['kind'], string> = {
  cpu: 'CPU',
  heap: 'heap in use',
  allocs: 'allocations',
  mutex: 'mutex contention',
  block: 'blocking',
};

export function amount(v: Int64 | number, unit: string): string {
  return label(v, unit);
}

/** "1.52 cores", "12.3MB/s", "0.41s/s": the rate a finding's total represents. */
export function rate(f: ProfileFinding): string | null {
  if (f.perSecond === null) return null;
  if (f.kind === 'cpu' && f.unit === 'nanoseconds') return `${(f.perSecond / 1e9).toFixed(2)} cores`;
  if (f.unit === 'nanoseconds') return `${(f.perSecond / 1e9).toFixed(3)}s waited per second`;
  return `${amount(Math.round(f.perSecond), f.unit)}/s`;
}

export function site(h: Hotspot): string {
  const where = h.file ? `${shortFile(h.file)}:${h.line}` : '?';
  return `${h.function} (${where})${h.outside ? ` [${h.outside}]` : ''}`;
}

/** One line per finding: what it costs and where most of it goes. */
export function headline(f: ProfileFinding): string {
  const top = f.hotspots[0];
  const r = rate(f);
  const total = amount(f.total, f.unit);
  const what = `${TITLES[f.kind]}: ${total}${f.windowSeconds ? ` in ${f.windowSeconds.toFixed(1)}s` : ''}${r ? ` (${r})` : ''}`;
  if (!top) return `${what}, no samples`;
  return `${what}; ${top.percent.toFixed(1)}% at ${site(top)}`;
}

/** A trace verdict in diagnose's headline: "trace: " and the verdict's own line. */
export function traceVerdictLine(text: string): string {
  return `trace: ${text}`;
}

/** Whether anything in the headline is a problem (a leak, a notable cost or trace verdict, nothing usable captured). */
export function anyNotable(d: Diagnosis, meta?: Pick<DiagnoseMeta, 'usable'>): boolean {
  return (
    meta?.usable === false || (d.leaks?.suspects.length ?? 0) > 0 || d.findings.some((f) => f.notable) || (d.trace?.verdicts.some((v) => v.notable) ?? false)
  );
}

/** "format go1.26 (written by Go 1.26 or 1.27), 2s, 12,683 events, 656 goroutines": what the trace holds. */
export function traceSummaryLine(t: TraceFinding): string {
  const a = t.analysis;
  return `${traceFormatText(t.goVersion)}, ${formatNs(a.end - a.start)}, ${a.events.toLocaleString('en-US')} events, ${a.goroutines.toLocaleString('en-US')} goroutines`;
}

/** Kinds an interrupted run did not capture, in capture-status order ("goroutine dump", "cpu"…). */
export function notCaptured(notes: readonly CaptureNote[]): string[] {
  return notes
    .filter((n) => n.state === 'failed' && n.message.includes('not captured: interrupted'))
    .map((n) => {
      const taken = /\((\d+) of (\d+) snapshots taken\)/.exec(n.message);
      if (n.kind !== 'goroutine' || !taken) return n.kind.replace(/-/g, ' ');
      const from = Number(taken[1]) + 1;
      return from === Number(taken[2]) ? `goroutine snapshot ${from}` : `goroutine snapshots ${from}-${taken[2]}`;
    });
}

/** Kinds whose capture or reading failed, each once, in the notes' order. */
function failedKinds(notes: readonly CaptureNote[]): string[] {
  return [...new Set(notes.filter((n) => n.state === 'failed').map((n) => n.kind))];
}

/** The headline's findings for this run (analysis/diagnose.ts headlineFindings), with what the notes say was missed. */
export function diagnoseHeadline(d: Diagnosis, run?: { aborted: boolean; usable?: boolean }, notes: readonly CaptureNote[] = []): HeadlineFinding[] {
  return headlineFindings(d, run && { aborted: run.aborted, usable: run.usable, notCaptured: notCaptured(notes), failed: failedKinds(notes) });
}

/** A headline finding in words: one line. */
export function headlineText(h: HeadlineFinding): string {
  switch (h.kind) {
    case 'interrupted':
      return `interrupted (Ctrl-C)${h.notCaptured.length ? `: not captured: ${h.notCaptured.join(', ')}` : ''}; the findings cover only what was captured`;
    case 'nothing-usable':
      return `nothing usable was captured, so there is nothing to diagnose${h.failed.length ? ` (failed: ${h.failed.join(', ')})` : ''}`;
    case 'leak': {
      const s = h.worst;
      const at = s.site ? `${s.site.func} (${shortFile(s.site.file)}:${s.site.line})` : 'no readable stack';
      return `${plural(h.suspects, 'goroutine leak suspect')}: worst ${s.count} goroutines at ${at}, +${s.growthPerMinute.toFixed(1)}/min`;
    }
    case 'profile':
      return headline(h.finding);
    case 'trace':
      return traceVerdictLine(verdictWords(h.verdict).text);
    case 'quiet':
      if (h.looked === 'captured') return 'no goroutine leak suspects and nothing stands out in what was captured';
      return h.looked === 'profiles-and-trace'
        ? 'no goroutine leak suspects, and nothing stands out in the profiles or the trace'
        : 'no goroutine leak suspects and no profile stands out';
  }
}

/** The headline in words, one line per finding. */
export function verdictLines(d: Diagnosis, run?: { aborted: boolean; usable?: boolean }, notes: readonly CaptureNote[] = []): string[] {
  return diagnoseHeadline(d, run, notes).map(headlineText);
}

const site3 = (f: { func: string; file: string; line: number } | null) => (f ? { func: f.func, file: f.file, line: f.line } : null);

/** A headline finding in the JSON: its kind, its line (the `verdict` entry at the same index) and its numbers. */
function headlineJson(h: HeadlineFinding) {
  const text = headlineText(h);
  switch (h.kind) {
    case 'leak': {
      const s = h.worst;
      return {
        kind: h.kind,
        text,
        suspects: h.suspects,
        worst: { rank: s.rank, count: s.count, growthPerMinute: s.growthPerMinute, confidence: s.confidence, site: site3(s.site) },
      };
    }
    case 'profile': {
      const { kind: profile, hotspots, ...f } = findingJson(h.finding);
      return { kind: h.kind, text, profile, ...f, top: hotspots[0] ?? null };
    }
    case 'trace':
      return { kind: h.kind, text, verdict: verdictJson(h.verdict) };
    default:
      return { ...h, text };
  }
}

export function renderDiagnose(d: Diagnosis, meta: DiagnoseMeta, notes: readonly CaptureNote[], st: Style): string {
  const out: string[] = [];
  const bad = anyNotable(d, meta);
  out.push(st.bold(`goscope diagnose ${clean(meta.service)}`) + st.dim(` · ${meta.seconds}s window · ${meta.startedAt.toISOString()}`));
  out.push('');
  for (const v of verdictLines(d, meta, notes)) out.push((bad || meta.aborted ? st.red('▶ ') : st.green('▶ ')) + st.bold(clean(v)));
  out.push('');

  out.push(st.bold('goroutines') + st.dim(` · ${meta.goroutineTotals.length} snapshots: ${meta.goroutineTotals.join(' → ') || 'none'}`));
  if (!d.leaks) out.push(st.dim('  too few snapshots for a trend'));
  else {
    if (d.leaks.suspects.length === 0)
      out.push(
        '  no leak suspects' +
          (meta.goroutineTotals.length < MIN_TREND_POINTS
            ? st.dim(` (fewer than ${MIN_TREND_POINTS} snapshots: only a goroutineleak profile could flag one)`)
            : ''),
      );
    if (d.leaks.suspects.length || d.leaks.notLeaks.length) {
      const text = renderLeak(meta.service, meta.goroutineTotals, d.leaks, st, null, meta.goroutineDumps);
      out.push(
        ...text
          .trimEnd()
          .split('\n')
          .slice(1)
          .map((l) => (l ? '  ' + l : l)),
      );
    }
  }
  // Named by site and creator (analysis/goroutines/name.ts): no two lines read the same.
  const rows = d.groups.slice(0, 5).map((g) => [String(g.count), clean(waitText(g)), clean(groupName(g))]);
  if (rows.length) {
    out.push(st.dim('  largest groups:'));
    out.push(...table(rows).map((r) => '    ' + r));
  }
  out.push('');

  // A finding's headline and hot spots carry function names, file paths and the profile's unit.
  for (const f of d.findings) {
    out.push(st.bold(clean(headline(f))));
    const hs = f.hotspots.slice(0, 5).map((h) => [clean(amount(h.value, f.unit)), `${h.percent.toFixed(1)}%`, clean(site(h))]);
    out.push(...table(hs).map((r) => '    ' + r));
    out.push('');
  }
  if (d.trace) {
    const t = d.trace;
    const where = meta.traceSeconds ? ` · last ${meta.traceSeconds}s of the window` : '';
    out.push(st.bold(`trace: ${clean(traceSummaryLine(t))}`) + st.dim(where));
    for (const v of t.verdicts) {
      const w = verdictWords(v);
      if (v.notable) {
        out.push('    ' + st.bold(clean(w.text)));
        for (const x of w.details.slice(0, 3)) out.push('        ' + clean(x));
      } else out.push(`    ${v.kind}: ${clean(w.text)}`);
    }
    out.push(st.dim(`    goroutine groups, latencies, GC and the blocking profiles: goscope trace ${clean(t.file)}`));
    out.push('');
  }
  if (meta.metrics) out.push(...metricsDigestLines(meta.metrics, st), '');
  for (const n of notes) out.push(st.yellow(`${clean(n.kind)}: ${n.state}${n.message ? ': ' + clean(n.message) : ''}`));
  if (notes.length) out.push('');
  out.push(st.dim(`captures saved in ${clean(meta.captureDir)}`));
  out.push(`report: ${clean(meta.reportPath)}`);
  return out.join('\n') + '\n';
}

function findingJson(f: ProfileFinding) {
  const raw = (v: Int64) => (typeof v === 'bigint' ? v.toString() : v);
  return {
    kind: f.kind,
    sampleType: f.sampleType,
    unit: f.unit,
    total: raw(f.total),
    windowSeconds: f.windowSeconds,
    perSecond: f.perSecond,
    notable: f.notable,
    hotspots: f.hotspots.map((h) => ({ function: h.function, file: h.file, line: h.line, value: raw(h.value), percent: h.percent, outside: h.outside })),
  };
}

/** The `trace` member: the head of goscope.trace/v1 and the same `verdicts` and `analyses`. */
function diagnoseTraceJson(t: TraceFinding) {
  const j = traceJson(t.analysis, t.verdicts, { goVersion: t.goVersion, savedTo: t.file, input: t.file });
  return {
    file: t.file,
    goVersion: j.goVersion,
    traceFormat: j.traceFormat,
    durationNs: j.durationNs,
    events: j.events,
    eventsByKind: j.eventsByKind,
    goroutines: j.goroutines,
    verdicts: j.verdicts,
    analyses: j.analyses,
  };
}

export function diagnoseJson(d: Diagnosis, meta: DiagnoseMeta, notes: readonly CaptureNote[]) {
  return {
    schema: 'goscope.diagnose/v1',
    service: meta.service,
    startedAt: meta.startedAt.toISOString(),
    finishedAt: meta.finishedAt.toISOString(),
    seconds: meta.seconds,
    aborted: meta.aborted,
    usable: meta.usable !== false,
    verdict: verdictLines(d, meta, notes),
    headline: diagnoseHeadline(d, meta, notes).map(headlineJson),
    notCaptured: meta.aborted ? notCaptured(notes) : [],
    goroutines: {
      totals: meta.goroutineTotals,
      trendTested: d.leaks !== null,
      dumps: meta.goroutineDumps ?? [],
      suspects: d.leaks ? d.leaks.suspects.map(suspectJson) : [],
      notLeaks: d.leaks ? d.leaks.notLeaks.map(notLeakJson) : [],
      groups: d.groups.slice(0, 20).map(groupJson),
    },
    profiles: d.findings.map(findingJson),
    trace: d.trace ? diagnoseTraceJson(d.trace) : null,
    metrics: meta.metrics ? metricsDigestJson(meta.metrics) : null,
    notes,
    captureDir: meta.captureDir,
    files: meta.files,
    report: meta.reportPath,
  };
}
