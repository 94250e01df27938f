// The groupings cmd/trace shows on its pages, computed from the trace summary (summary.ts):
//   /goroutines   goroutines grouped by start function (GoroutinesHandlerFunc, GoroutineHandler)
//   /usertasks    tasks grouped by type (UserTasksHandlerFunc; taskStats)
//   /userregions  regions grouped by type and start frame (UserRegionsHandlerFunc; regionFingerprint)
// with the same counts, sums and histograms, plus quantiles and the slowest instances.
//
// Pure functions, no I/O.

import type { Frame } from '../../formats/trace/reader.js';
import type { GoroutineSummary, UserRegionSummary, UserTaskSummary } from './summary-types.js';
import { histogramAdd, newTimeHistogram, type TimeHistogram } from './summary-format.js';
import { nearestRank } from '../../lib/quantile.js';

/** Nearest-rank quantiles of a set of durations (ns). */
export interface DurationQuantiles {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One row of /goroutines with the sums of its goroutines' stats (its /goroutine?name= page). */
export interface GoroutineGroup {
  /** Start function (Go's Name); "" is shown by Go as "(Inactive, no stack trace sampled)". */
  name: string;
  count: number;
  /** Total execution time of the group (the /goroutines column). */
  execTime: number;
  /** Share of all goroutines' execution time, % (Go prints it with %.2f); null when that total is 0. */
  execTimePercent: number | null;
  schedWaitTime: number;
  /** Summed per Go block reason ("chan receive", "sync", "network", "select", "sleep", ...). */
  blockTimeByReason: Record<string, number>;
  syscallTime: number;
  /** Syscall time after the P was taken away (Go's "Block time (syscall)"). */
  syscallBlockTime: number;
  unknownTime: number;
  totalTime: number;
  /** Summed special ranges; "GC mark assist" is the GC assist time. */
  rangeTime: Record<string, number>;
  /** Largest TotalTime of the group (Go's MaxTotal). */
  maxTotalTime: number;
  /** Goroutine IDs by total time, descending (Go's default order; ties by ID). */
  goroutines: number[];
}

export interface TaskTypeSummary {
  type: string;
  /** Complete and incomplete tasks. */
  count: number;
  complete: number;
  /** Durations of complete tasks (End - Start), as Go's histogram. */
  histogram: TimeHistogram;
  /** Of complete tasks; null if none. */
  quantiles: DurationQuantiles | null;
  /** The longest tasks (taskInterval duration, incomplete ones clipped to the trace), descending. */
  slowest: UserTaskSummary[];
}

export interface RegionTypeSummary {
  type: string;
  /** Go's fingerprint frame: the outermost frame of the region's start stack (zero frame if none). */
  frame: Frame;
  /** All regions of the group (Go's Histogram.Count). */
  count: number;
  /** Regions with both a start and an end in the trace. */
  complete: number;
  /** Durations of all regions (regionInterval, clipped to the trace), as Go's histogram. */
  histogram: TimeHistogram;
  quantiles: DurationQuantiles | null;
  /** The longest regions (with their goroutine and task), descending. */
  slowest: UserRegionSummary[];
}

export function quantiles(durations: number[]): DurationQuantiles | null {
  if (durations.length === 0) return null;
  const d = durations.slice().sort((a, b) => a - b);
  return { min: d[0]!, p50: nearestRank(d, 50), p90: nearestRank(d, 90), p99: nearestRank(d, 99), max: d[d.length - 1]! };
}

function addRecord(to: Record<string, number>, from: Record<string, number>): void {
  for (const k in from) to[k] = (to[k] ?? 0) + from[k]!;
}

/** /goroutines: groups by Name, by execution time (descending; ties by name). */
export function goroutineGroups(goroutines: GoroutineSummary[]): GoroutineGroup[] {
  const groups = new Map<string, GoroutineGroup>();
  const members = new Map<string, GoroutineSummary[]>();
  let totalExec = 0;
  for (const g of goroutines) {
    totalExec += g.stats.execTime;
    let gr = groups.get(g.name);
    if (!gr) {
      gr = {
        name: g.name,
        count: 0,
        execTime: 0,
        execTimePercent: null,
        schedWaitTime: 0,
        blockTimeByReason: {},
        syscallTime: 0,
        syscallBlockTime: 0,
        unknownTime: 0,
        totalTime: 0,
        rangeTime: {},
        maxTotalTime: 0,
        goroutines: [],
      };
      groups.set(g.name, gr);
      members.set(g.name, []);
    }
    const s = g.stats;
    gr.count++;
    gr.execTime += s.execTime;
    gr.schedWaitTime += s.schedWaitTime;
    addRecord(gr.blockTimeByReason, s.blockTimeByReason);
    gr.syscallTime += s.syscallTime;
    gr.syscallBlockTime += s.syscallBlockTime;
    gr.unknownTime += g.unknownTime;
    gr.totalTime += s.totalTime;
    addRecord(gr.rangeTime, s.rangeTime);
    if (gr.maxTotalTime < s.totalTime) gr.maxTotalTime = s.totalTime;
    members.get(g.name)!.push(g);
  }
  for (const gr of groups.values()) {
    gr.execTimePercent = totalExec > 0 ? (gr.execTime / totalExec) * 100 : null;
    gr.goroutines = members
      .get(gr.name)!
      .sort((a, b) => b.stats.totalTime - a.stats.totalTime || a.id - b.id)
      .map((g) => g.id);
  }
  return [...groups.values()].sort((a, b) => b.execTime - a.execTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function longest<T extends { duration: number }>(items: T[], n: number, id: (x: T) => number): T[] {
  return items
    .slice()
    .sort((a, b) => b.duration - a.duration || id(a) - id(b))
    .slice(0, n);
}

/** /usertasks: task types, sorted by type. */
export function taskTypes(tasks: UserTaskSummary[], slowest = 10): TaskTypeSummary[] {
  const byType = new Map<string, UserTaskSummary[]>();
  for (const t of tasks) {
    let l = byType.get(t.name);
    if (!l) byType.set(t.name, (l = []));
    l.push(t);
  }
  const out: TaskTypeSummary[] = [];
  for (const [type, list] of byType) {
    const histogram = newTimeHistogram();
    const done: number[] = [];
    for (const t of list) {
      if (!t.complete) continue;
      const d = t.end! - t.start!;
      histogramAdd(histogram, d);
      done.push(d);
    }
    out.push({ type, count: list.length, complete: done.length, histogram, quantiles: quantiles(done), slowest: longest(list, slowest, (t) => t.id) });
  }
  return out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/** /userregions: region groups by (type, start frame), sorted by type then frame PC. */
export function regionTypes(goroutines: GoroutineSummary[], slowest = 10): RegionTypeSummary[] {
  const groups = new Map<string, { type: string; frame: Frame; regions: UserRegionSummary[] }>();
  for (const g of goroutines) {
    for (const r of g.regions) {
      const f = r.frame;
      const key = `${r.name}\u0000${f.pc}\u0000${f.func}\u0000${f.file}\u0000${f.line}`;
      let gr = groups.get(key);
      if (!gr) groups.set(key, (gr = { type: r.name, frame: f, regions: [] }));
      gr.regions.push(r);
    }
  }
  const out: RegionTypeSummary[] = [];
  for (const gr of groups.values()) {
    const histogram = newTimeHistogram();
    const ds: number[] = [];
    let complete = 0;
    for (const r of gr.regions) {
      histogramAdd(histogram, r.duration);
      ds.push(r.duration);
      if (r.start !== null && r.end !== null) complete++;
    }
    out.push({
      type: gr.type,
      frame: gr.frame,
      count: histogram.count,
      complete,
      histogram,
      quantiles: quantiles(ds),
      slowest: longest(gr.regions, slowest, (r) => r.start ?? -1),
    });
  }
  return out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.frame.pc - b.frame.pc));
}
