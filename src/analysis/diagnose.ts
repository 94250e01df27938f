// The findings of one `diagnose` run, from already-decoded captures: goroutine leak
// suspects from the snapshot series, and for every profile the sites in the service's own
// code that carry most of its cost. Ordering of the headline is the verdict: a leak is
// reported before costs, because it only gets worse; costs are ranked by how unusual they
// are (a service burning all its cores or spending more time waiting for locks than
// running is the finding, a few milliseconds of contention is not). The short execution
// trace comes last: its notable verdicts (trace/verdicts.ts, with their own thresholds)
// join the headline after the profiles' findings, as they rest on a few seconds only.
import { int64ToNumber, type Int64, type Profile } from '../formats/pprof/index.js';
import { analyzeLeaks, type LeakAnalysis, type LeakSample, type LeakSuspect } from './goroutines/leak.js';
import type { GoroutineGroup } from './goroutines/group.js';
import type { MemberDump } from './goroutines/members.js';
import { hotspots, type Hotspot } from './hotspots.js';
import type { TraceAnalysis } from './trace/analyse.js';
import { traceVerdicts, type TraceVerdict } from './trace/verdicts.js';

export type DiagnosedKind = 'cpu' | 'heap' | 'allocs' | 'mutex' | 'block';

export interface ProfileInput {
  kind: DiagnosedKind;
  profile: Profile;
  /** Index of the sample type the findings use (cpu/nanoseconds, inuse_space, …). */
  sampleIndex: number;
  /** Seconds the values cover (CPU profile length, delta window); null for a snapshot. */
  windowSeconds: number | null;
}

export interface ProfileFinding {
  kind: DiagnosedKind;
  sampleType: string;
  unit: string;
  total: Int64;
  windowSeconds: number | null;
  /** total per second of window (cores for CPU, contention seconds per second for locks). */
  perSecond: number | null;
  hotspots: Hotspot[];
  /** True when the amount itself is a finding (see the thresholds below). */
  notable: boolean;
}

export interface DiagnoseInput {
  goroutineSamples: readonly LeakSample[];
  detail?: readonly GoroutineGroup[];
  leakProfile: readonly GoroutineGroup[] | null;
  /** The debug=2 dumps' members, first dump first (see analyzeLeaks). */
  members?: readonly MemberDump[];
  profiles: readonly ProfileInput[];
  /** The execution trace, analysed (absent: not captured). */
  trace?: { analysis: TraceAnalysis; goVersion: string; file: string };
}

export interface TraceFinding {
  /** Where the trace was saved. */
  file: string;
  goVersion: string;
  analysis: TraceAnalysis;
  /** traceVerdicts: notable ones first. */
  verdicts: TraceVerdict[];
}

export interface Diagnosis {
  leaks: LeakAnalysis | null;
  /** Goroutine groups of the final detailed snapshot (or the last sample), biggest first. */
  groups: readonly GoroutineGroup[];
  findings: ProfileFinding[];
  /** The execution trace's verdicts, or null when no trace was analysed. */
  trace: TraceFinding | null;
}

// Thresholds for "notable": a service using more than 80% of a core, or goroutines
// waiting on mutexes for more than 10% of wall time (summed over goroutines). Blocking
// is never notable by amount: the block profile counts idle waits (a worker's select
// on its ticker, a pool waiting for jobs) as much as harmful ones, so it is listed, not
// judged.
const CPU_CORES_NOTABLE = 0.8;
const MUTEX_NOTABLE = 0.1;

export function diagnose(input: DiagnoseInput): Diagnosis {
  const samples = input.goroutineSamples;
  let leaks: LeakAnalysis | null = null;
  if (samples.length >= 3) {
    leaks = analyzeLeaks({ samples, detail: input.detail, leakProfile: input.leakProfile, members: input.members });
  }
  const groups = input.detail ?? samples[samples.length - 1]?.groups ?? [];
  const findings = input.profiles.map(finding);
  const trace = input.trace ? { ...input.trace, verdicts: traceVerdicts(input.trace.analysis) } : null;
  return { leaks, groups: [...groups].sort((a, b) => b.count - a.count), findings, trace };
}

function finding(p: ProfileInput): ProfileFinding {
  const h = hotspots(p.profile, p.sampleIndex, 10);
  const total = int64ToNumber(h.total);
  const perSecond = p.windowSeconds && p.windowSeconds > 0 ? total / p.windowSeconds : null;
  let notable = false;
  const ns = h.unit === 'nanoseconds';
  if (p.kind === 'cpu' && ns && perSecond !== null) notable = perSecond / 1e9 >= CPU_CORES_NOTABLE;
  if (p.kind === 'mutex' && ns && perSecond !== null) notable = perSecond / 1e9 >= MUTEX_NOTABLE;
  return { kind: p.kind, sampleType: h.sampleType, unit: h.unit, total: h.total, windowSeconds: p.windowSeconds, perSecond, hotspots: h.hotspots, notable };
}

/** What the run was: stopped early, anything read at all, what was not captured or failed. */
export interface RunFacts {
  aborted: boolean;
  /** false when nothing was read (analysis/diagnose-capture.ts); absent means it was. */
  usable?: boolean;
  /** What an interrupted run did not capture ("goroutine dump", "cpu", ...). */
  notCaptured?: readonly string[];
  /** Kinds whose capture or reading failed. */
  failed?: readonly string[];
}

/**
 * One finding of the headline (the report writes its words). In order: the run stopped
 * early; nothing usable (and then nothing else); the leak suspects; each notable profile;
 * each notable trace verdict; or, when none of these, that nothing stands out in what was
 * looked at.
 */
export type HeadlineFinding =
  | { kind: 'interrupted'; notCaptured: string[] }
  | { kind: 'nothing-usable'; failed: string[] }
  | { kind: 'leak'; suspects: number; worst: LeakSuspect }
  | { kind: 'profile'; finding: ProfileFinding }
  | { kind: 'trace'; verdict: TraceVerdict }
  | { kind: 'quiet'; looked: 'captured' | 'profiles' | 'profiles-and-trace' };

/** The headline's findings, most serious first (see the top of this file). */
export function headlineFindings(d: Diagnosis, run?: RunFacts): HeadlineFinding[] {
  const out: HeadlineFinding[] = [];
  if (run?.aborted) out.push({ kind: 'interrupted', notCaptured: [...(run.notCaptured ?? [])] });
  if (run?.usable === false) {
    // Nothing was looked at: no "nothing stands out".
    out.push({ kind: 'nothing-usable', failed: [...(run.failed ?? [])] });
    return out;
  }
  const first = out.length;
  const suspects = d.leaks?.suspects ?? [];
  if (suspects.length > 0) out.push({ kind: 'leak', suspects: suspects.length, worst: suspects[0]! });
  for (const f of d.findings) if (f.notable) out.push({ kind: 'profile', finding: f });
  for (const v of d.trace?.verdicts ?? []) if (v.notable) out.push({ kind: 'trace', verdict: v });
  if (out.length === first) out.push({ kind: 'quiet', looked: run?.aborted ? 'captured' : d.trace ? 'profiles-and-trace' : 'profiles' });
  return out;
}
