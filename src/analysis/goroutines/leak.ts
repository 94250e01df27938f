// Leak verdicts from a series of goroutine snapshots: a group is a suspect when its count
// keeps growing (Mann-Kendall trend, Theil-Sen slope) while blocked on something only
// another goroutine can release, in user code, and its goroutines persist: the same ids
// stay blocked at the same place from an early debug=2 dump to the last (members.ts).
// Groups that grow with load but whose members turn over (in-flight requests, a pool
// growing, retries) are listed as not leaks. The Go 1.26+ goroutineleak profile, where
// served, confirms suspects and adds goroutines it proves unreachable.
import type { Frame } from '../../formats/goroutines/model.js';
import { isUserFrame } from '../stack.js';
import { median } from '../../lib/quantile.js';
import { trend } from '../trend.js';
import { BLOCKING, classify, type WaitReason } from './classify.js';
import { explainLeak } from './explain.js';
import type { GoroutineGroup } from './group.js';
import { distinguishGroups, groupSite } from './name.js';
import { persistence, type MemberDump, type Persistence } from './members.js';

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
  /**
   * debug=2 dumps in time order with their members (the first sample's, the last one's,
   * and any taken later to follow groups that began in between). Absent: no ids to follow,
   * growth alone decides (and cannot tell load from a leak).
   */
  members?: readonly MemberDump[];
}

/** What shows the goroutines persist: followed ids, Go's goroutineleak profile, or every member blocked a minute or more. */
export type Evidence = 'ids' | 'goroutineleak' | 'wait-minutes';

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
  /** Where it waits, named as the goroutine views name a group (name.ts groupSite). */
  site: Frame | null;
  /** Set when another suspect or listed group reads the same: the frame where this stack differs. */
  via: Frame | null;
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
  /** The members followed by id; null when no two dumps had them. */
  persistence: Persistence | null;
  /** Why the goroutines count as persisting; null when persistence was not checked (no debug=2 dumps). */
  evidence: Evidence | null;
}

/**
 * A group that grew as a leak would, blocked in user code, yet is no suspect: its members
 * turn over ('turnover': it grows with load), or it began after the earlier dumps and no
 * later dump followed its members ('unfollowed').
 */
export interface NotLeak {
  reason: 'turnover' | 'unfollowed';
  count: number;
  series: number[];
  growthPerMinute: number;
  trendP: number;
  state: string;
  waitReason: WaitReason;
  blockingSite: Frame | null;
  site: Frame | null;
  via: Frame | null;
  createdBy: Frame | null;
  frames: Frame[];
  stackKey: string;
  persistence: Persistence | null;
}

export interface LeakAnalysis {
  suspects: LeakSuspect[];
  /** Groups that grew but are not leaks (or could not be shown to be), largest first. */
  notLeaks: NotLeak[];
  /** Whether members were followed (debug=2 dumps given). */
  persistenceChecked: boolean;
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
  const notLeaks: NotLeak[] = [];
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
    const p = input.members ? persistence(key, input.members) : null;
    let evidence: Evidence | null = null;
    if (p?.persists) evidence = 'ids';
    else if (confirmed) evidence = 'goroutineleak';
    else if (input.members) {
      if (!p && d && d.waitMinutes.min >= 1) evidence = 'wait-minutes';
      else {
        notLeaks.push({
          reason: p ? 'turnover' : 'unfollowed',
          count: last || rep.count,
          series,
          growthPerMinute: Math.round(tr.slope * 100) / 100,
          trendP: Number(tr.p.toPrecision(3)),
          state: d?.state || rep.state,
          waitReason: reason,
          blockingSite: rep.blockingSite,
          site: groupSite(rep),
          via: null,
          createdBy: d?.createdBy ?? rep.createdBy,
          frames: rep.frames,
          stackKey: key,
          persistence: p,
        });
        return;
      }
    }
    let monotone = true;
    for (let i = 1; i < series.length; i++) if (series[i]! < series[i - 1]!) monotone = false;
    const longWait = !!d && d.waitMinutes.max >= 1;
    const confidence: Confidence = confirmed || (growing && (monotone || longWait)) ? 'high' : growing ? 'medium' : 'low';
    const ex = explainLeak(reason);
    let explanation = ex.explanation;
    if (confirmed && !growing)
      explanation +=
        " Go's goroutineleak profile reports these goroutines as leaked (their primitive is unreachable), though the count did not grow during this window.";
    else if (confirmed) explanation += " Confirmed by Go's goroutineleak profile: the primitive they wait on is unreachable.";
    else if (confirmed === false)
      explanation +=
        " Go's goroutineleak profile does not list them: the primitive is still reachable (a package-level or long-lived lock or channel), which its GC-based detector cannot judge.";
    suspects.push({
      rank: 0,
      count: last || leaked.get(key) || rep.count,
      series,
      growthPerMinute: Math.round(tr.slope * 100) / 100,
      state: d?.state || rep.state,
      waitReason: reason,
      waitMinutes: d ? { ...d.waitMinutes } : null,
      blockingSite: rep.blockingSite,
      site: groupSite(rep),
      via: null,
      createdBy: d?.createdBy ?? rep.createdBy,
      parentIds: d?.parentIds ?? [],
      frames: rep.frames,
      confidence,
      confirmedByLeakProfile: confirmed,
      trendP: Number(tr.p.toPrecision(3)),
      explanation,
      fix: ex.fix,
      stackKey: key,
      persistence: p,
      evidence,
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
  notLeaks.sort((a, b) => b.count - a.count || b.growthPerMinute - a.growthPerMinute);
  distinguishGroups([...suspects, ...notLeaks]);
  return { suspects, notLeaks, persistenceChecked: !!input.members, stacks: tracks.size, leakProfile: input.leakProfile ? 'available' : 'unavailable' };
}
