// Leak verdicts from a series of goroutine snapshots: a group is a suspect when its count
// keeps growing (Mann-Kendall trend, Theil-Sen slope) while blocked on something only
// another goroutine can release, in user code. The Go 1.26+ goroutineleak profile, where
// served, confirms suspects and adds goroutines it proves unreachable.
import type { Frame } from '../../formats/goroutines/model.js';
import { isUserFrame } from '../stack.js';
import { median, trend } from '../trend.js';
import { BLOCKING, classify, type WaitReason } from './classify.js';
import { explainLeak } from './explain.js';
import type { GoroutineGroup } from './group.js';

export interface LeakSample {
  /** Milliseconds since the first sample. */
  t: number;
  groups: readonly GoroutineGroup[];
}

export interface LeakInput {
  samples: readonly LeakSample[];
  /** A debug=2 snapshot taken at the end: exact states, wait minutes, creators. */
  detail?: readonly GoroutineGroup[];
  /** Groups of the goroutineleak profile; null when the service does not serve it. */
  leakProfile: readonly GoroutineGroup[] | null;
  /** One-sided p-value a trend must beat. */
  alpha?: number;
  /** Minimum net growth over the window. */
  minGrowth?: number;
}

export type Confidence = 'high' | 'medium' | 'low';

export interface LeakSuspect {
  rank: number;
  /** Count in the last sample. */
  count: number;
  series: number[];
  growthPerMinute: number;
  state: string;
  waitReason: WaitReason;
  waitMinutes: { min: number; max: number } | null;
  blockingSite: Frame | null;
  createdBy: Frame | null;
  parentIds: number[];
  frames: Frame[];
  confidence: Confidence;
  /** true/false when the goroutineleak profile was available, null otherwise. */
  confirmedByLeakProfile: boolean | null;
  trendP: number;
  explanation: string;
  fix: string;
  stackKey: string;
}

export interface LeakAnalysis {
  suspects: LeakSuspect[];
  /** Distinct stacks seen over all samples. */
  stacks: number;
  leakProfile: 'unavailable' | 'available';
}

interface Track {
  series: number[];
  group: GoroutineGroup;
}

/**
 * Leaked goroutines never come back, so a leak's count ends at (or near) its maximum and
 * its later half sits above its earlier half. Churn that happens to rise for a while
 * (lock contention, bursts of requests) rarely does both: this keeps the trend test's
 * false alarms (about alpha per group) down when many groups are watched.
 */
function sustained(series: readonly number[]): boolean {
  const n = series.length;
  const max = Math.max(...series);
  const last = series[n - 1]!;
  const half = Math.floor(n / 2);
  return last >= 0.8 * max && median(series.slice(n - half)) > median(series.slice(0, half));
}

function userCreated(g: GoroutineGroup): boolean {
  return !!g.createdBy && isUserFrame(g.createdBy);
}

export function analyzeLeaks(input: LeakInput): LeakAnalysis {
  const alpha = input.alpha ?? 0.01;
  const minGrowth = input.minGrowth ?? 2;
  const n = input.samples.length;
  const times = input.samples.map((s) => s.t / 60000);
  const tracks = new Map<string, Track>();
  input.samples.forEach((s, i) => {
    for (const g of s.groups) {
      let tr = tracks.get(g.stackKey);
      if (!tr) {
        tr = { series: new Array<number>(n).fill(0), group: g };
        tracks.set(g.stackKey, tr);
      }
      tr.series[i]! += g.count;
      tr.group = g;
    }
  });
  const detail = new Map<string, GoroutineGroup>();
  for (const g of input.detail ?? []) {
    const prev = detail.get(g.stackKey);
    if (!prev || g.count > prev.count) detail.set(g.stackKey, g);
  }
  const leaked = new Map<string, number>();
  for (const g of input.leakProfile ?? []) leaked.set(g.stackKey, (leaked.get(g.stackKey) ?? 0) + g.count);

  const suspects: LeakSuspect[] = [];
  const consider = (key: string, series: number[], sampled: GoroutineGroup | null) => {
    const d = detail.get(key) ?? null;
    const rep = d ?? sampled;
    if (!rep) return;
    const reason = d ? classify({ state: d.state, frames: d.frames }) : rep.waitReason;
    const confirmed = input.leakProfile ? leaked.has(key) : null;
    const tr = n >= 2 ? trend(series, times) : { p: 1, slope: 0, s: 0, z: 0 };
    const first = series[0] ?? 0;
    const last = series[series.length - 1] ?? 0;
    const growing = n >= 3 && tr.p < alpha && tr.slope > 0 && last - first >= minGrowth && sustained(series);
    const inUserCode = !!rep.blockingSite || userCreated(rep);
    const blocking = BLOCKING.has(reason);
    if (!confirmed && !(growing && blocking && inUserCode)) return;
    let monotone = true;
    for (let i = 1; i < series.length; i++) if (series[i]! < series[i - 1]!) monotone = false;
    const longWait = !!d && d.waitMinutes.max >= 1;
    const confidence: Confidence = confirmed || (growing && (monotone || longWait)) ? 'high' : growing ? 'medium' : 'low';
    const ex = explainLeak(reason);
    let explanation = ex.explanation;
    if (confirmed && !growing) explanation += ' Go\'s goroutineleak profile reports these goroutines as leaked (their primitive is unreachable), though the count did not grow during this window.';
    else if (confirmed) explanation += ' Confirmed by Go\'s goroutineleak profile: the primitive they wait on is unreachable.';
    else if (confirmed === false) explanation += ' Go\'s goroutineleak profile does not list them: the primitive is still reachable (a package-level or long-lived lock or channel), which its GC-based detector cannot judge.';
    suspects.push({
      rank: 0,
      count: last || leaked.get(key) || rep.count,
      series,
      growthPerMinute: Math.round(tr.slope * 100) / 100,
      state: d?.state || rep.state,
      waitReason: reason,
      waitMinutes: d ? { ...d.waitMinutes } : null,
      blockingSite: rep.blockingSite,
      createdBy: d?.createdBy ?? rep.createdBy,
      parentIds: d?.parentIds ?? [],
      frames: rep.frames,
      confidence,
      confirmedByLeakProfile: confirmed,
      trendP: Number(tr.p.toPrecision(3)),
      explanation,
      fix: ex.fix,
      stackKey: key,
    });
  };
  for (const [key, tr] of tracks) consider(key, tr.series, tr.group);
  // Leaked per Go's detector but never seen in the samples (e.g. debug=1 sampling).
  for (const g of input.leakProfile ?? []) {
    if (!tracks.has(g.stackKey) && !suspects.some((s) => s.stackKey === g.stackKey)) {
      consider(g.stackKey, new Array<number>(n).fill(0), g);
    }
  }
  const order: Record<Confidence, number> = { high: 0, medium: 1, low: 2 };
  suspects.sort((a, b) => order[a.confidence] - order[b.confidence] || b.growthPerMinute - a.growthPerMinute || b.count - a.count);
  suspects.forEach((s, i) => (s.rank = i + 1));
  return { suspects, stacks: tracks.size, leakProfile: input.leakProfile ? 'available' : 'unavailable' };
}
