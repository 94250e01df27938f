// GC analysis of a Go execution trace, in one streaming pass over its ordered events
// (formats/trace/event-stream.ts): what the runtime's GC ranges, metrics and the mutator
// utilisation say about a service.
//
//   cycles   RangeBegin/RangeEnd "GC concurrent mark phase" (scope None): one cycle each.
//   STW      "stop-the-world (REASON)" (scope Goroutine): every pause, its reason and whether
//            Go counts it as a GC pause (reason contains "GC", internal/trace isGCSTW);
//            totals and max per reason.
//   assist   "GC mark assist" (scope Goroutine): count, total, per-goroutine totals.
//   sweep    "GC incremental sweep" (scope Proc): count, total, and the "bytes swept" /
//            "bytes reclaimed" attributes of its RangeEnd.
//   heap     Metric /memory/classes/heap/objects:bytes and /gc/heap/goal:bytes, as a
//            bounded, downsampled series (see HeapSeries).
//   procs    Metric /sched/gomaxprocs:threads.
//   MMU      Go's MutatorUtilizationV2 with UtilSTW|UtilBackground|UtilAssist|UtilSweep (what
//            the /mmu page of `go tool trace` plots) and its MMU curve (mmu.ts); by default
//            with Go's double count of background mark workers fixed (utilMode 'fixed'),
//            utilMode 'go' gives the /mmu page's numbers exactly.
//
// A range already in progress when the trace starts shows up as a RangeActive event in the
// first generation: it is counted from that event on (startSeen false). A range still open
// at the last event is closed there (endSeen false). Range times are trace nanoseconds.
//
// Memory is bounded by GC activity: one record per cycle and per STW pause, per-goroutine
// assist totals, the heap series (at most maxHeapPoints) and the utilisation series (one
// point per utilisation change). The per-event work is a switch on the event type plus, for
// goroutine state transitions, two Set lookups and a Map store (mmu.ts); no allocation.

import { stwReason, type OrderedEvent } from '../../formats/trace/event.js';
import {
  EvGCActive,
  EvGCBegin,
  EvGCEnd,
  EvGCMarkAssistActive,
  EvGCMarkAssistBegin,
  EvGCMarkAssistEnd,
  EvGCSweepActive,
  EvGCSweepBegin,
  EvGCSweepEnd,
  EvHeapAlloc,
  EvHeapGoal,
  EvProcsChange,
  EvSTWBegin,
  EvSTWEnd,
} from '../../formats/trace/spec.js';
import { MMUCurve, MutatorUtilBuilder, UtilAll, type UtilMode, type UtilSeries } from './mmu.js';

export interface GcCycle {
  start: number;
  end: number;
  duration: number;
  /** False when the cycle was already running when the trace started (start = first sight). */
  startSeen: boolean;
  /** False when the cycle was still running when the trace ended (end = last event). */
  endSeen: boolean;
  /** /gc/heap/goal:bytes and /memory/classes/heap/objects:bytes at the cycle's start (-1 if unknown yet). */
  heapGoalAtStart: number;
  heapObjectsAtStart: number;
}

export interface StwPause {
  start: number;
  end: number;
  duration: number;
  /** The REASON of "stop-the-world (REASON)". */
  reason: string;
  /** Go's isGCSTW: the reason mentions "GC" (these count against mutator utilisation). */
  gc: boolean;
  goroutine: number;
  endSeen: boolean;
}

export interface StwReason {
  reason: string;
  gc: boolean;
  count: number;
  total: number;
  max: number;
}

export interface AssistGoroutine {
  goroutine: number;
  count: number;
  total: number;
  max: number;
}

export interface HeapPoint {
  time: number;
  /** /memory/classes/heap/objects:bytes, the last value of the point's bucket. */
  heapObjects: number;
  /** The largest /memory/classes/heap/objects:bytes value of the bucket. */
  heapObjectsMax: number;
  /** /gc/heap/goal:bytes, the last value of the bucket. */
  heapGoal: number;
}

export interface MMUPoint {
  /** Window size requested (ns). */
  window: number;
  /** Minimum mutator utilisation in [0, 1] over all windows of that size. */
  mmu: number;
  /** The window is longer than the trace: Go then uses the whole trace as the window. */
  clipped: boolean;
}

export interface GcSummary {
  /** First and last event times (ns) and the trace's duration. */
  start: number;
  end: number;
  duration: number;
  /** GOMAXPROCS changes (the first is the initial value); 0 if never seen. */
  gomaxprocs: { time: number; n: number }[];
  maxProcs: number;
  gc: {
    cycles: GcCycle[];
    /** Cycles seen begin and end. */
    completeCycles: number;
    /** Sum of cycle durations (cycles never overlap). */
    total: number;
    max: number;
    /** total / trace duration. */
    fraction: number;
  };
  stw: {
    pauses: StwPause[];
    total: number;
    max: number;
    fraction: number;
    /** Only pauses Go counts as GC pauses. */
    gcTotal: number;
    gcMax: number;
    gcFraction: number;
    /** By total, descending. */
    byReason: StwReason[];
  };
  assist: {
    count: number;
    total: number;
    max: number;
    goroutines: number;
    /** The goroutines with the most assist time (at most topN), by total, descending. */
    top: AssistGoroutine[];
  };
  sweep: {
    count: number;
    total: number;
    bytesSwept: number;
    bytesReclaimed: number;
  };
  heap: {
    points: HeapPoint[];
    /** Samples behind each point (the series' stride). */
    stride: number;
    samples: number;
    peakObjects: number;
    lastObjects: number;
    maxGoal: number;
    lastGoal: number;
  };
  /** Mutator utilisation with STW, background workers, assists and sweeping counted. */
  utilization: {
    /** Mean mutator utilisation over the trace (integral of the series / its duration). */
    mean: number;
    /** 1 - mean: the share of GOMAXPROCS capacity the GC took. */
    gcFraction: number;
    /** Points in the utilisation series. */
    points: number;
  };
  mmu: MMUPoint[];
}

export interface GcOptions {
  /** MMU window sizes (ns); default 1ms, 10ms, 100ms, 1s. */
  mmuWindows?: readonly number[];
  /** Utilisation flags (mmu.ts UtilSTW|...); default UtilAll, as the /mmu page. */
  utilFlags?: number;
  /**
   * 'fixed' (default): background mark workers counted once per run; 'go': exactly what
   * `go tool trace`'s /mmu page computes, including its double count of mark workers
   * (mmu.ts), which pins Ps "in GC" and drives the MMU of real traces to 0.
   */
  utilMode?: UtilMode;
  /** Heap series size bound (default 512 points). */
  maxHeapPoints?: number;
  /** Goroutines listed by assist time (default 10). */
  topAssists?: number;
}

export const DEFAULT_MMU_WINDOWS: readonly number[] = [1e6, 1e7, 1e8, 1e9];

/** Bounded heap series: each point summarises `stride` metric samples; full -> pairs merged, stride doubled. */
class HeapSeries {
  readonly points: HeapPoint[] = [];
  stride = 1;
  samples = 0;
  private inBucket = 0;
  private bucketMax = -1;

  constructor(private readonly cap: number) {}

  sample(time: number, objects: number, goal: number): void {
    this.samples++;
    if (objects > this.bucketMax) this.bucketMax = objects;
    if (this.inBucket === 0) this.points.push({ time, heapObjects: objects, heapObjectsMax: this.bucketMax, heapGoal: goal });
    else {
      // The bucket's point carries its latest values and its largest heap.
      const last = this.points[this.points.length - 1]!;
      last.time = time;
      last.heapObjects = objects;
      last.heapObjectsMax = this.bucketMax;
      last.heapGoal = goal;
    }
    if (++this.inBucket < this.stride) return;
    this.inBucket = 0;
    this.bucketMax = -1;
    if (this.points.length >= this.cap) this.compact();
  }

  private compact(): void {
    const p = this.points;
    let w = 0;
    for (let i = 0; i < p.length; i += 2) {
      const a = p[i]!;
      const b = p[i + 1];
      if (b) {
        b.heapObjectsMax = Math.max(a.heapObjectsMax, b.heapObjectsMax);
        p[w++] = b;
      } else p[w++] = a;
    }
    p.length = w;
    this.stride *= 2;
  }
}

interface OpenRange {
  start: number;
  startSeen: boolean;
}

/**
 * Streaming GC analysis: add() every ordered event once, in order; finish() once.
 * After finish(), utilization() and mmuCurve() give the underlying MMU data.
 */
export class GcAnalyzer {
  private readonly opts: Required<GcOptions>;
  private readonly util: MutatorUtilBuilder;
  private first = -1;
  private last = -1;

  private readonly cycles: GcCycle[] = [];
  private cycleOpen: GcCycle | null = null;

  private readonly pauses: StwPause[] = [];
  private readonly stwOpen = new Map<number, StwPause>();

  private readonly assistOpen = new Map<number, OpenRange>();
  private readonly assists = new Map<number, AssistGoroutine>();
  private assistCount = 0;
  private assistTotal = 0;
  private assistMax = 0;

  private readonly sweepOpen = new Map<number, number>();
  private sweepCount = 0;
  private sweepTotal = 0;
  private bytesSwept = 0;
  private bytesReclaimed = 0;

  private readonly heap: HeapSeries;
  private heapObjects = -1;
  private heapGoal = -1;
  private peakObjects = 0;
  private maxGoal = 0;

  private series: UtilSeries[] | null = null;
  private curve: MMUCurve | null = null;
  private finished = false;

  constructor(opts: GcOptions = {}) {
    this.opts = {
      mmuWindows: opts.mmuWindows ?? DEFAULT_MMU_WINDOWS,
      utilFlags: opts.utilFlags ?? UtilAll,
      utilMode: opts.utilMode ?? 'fixed',
      maxHeapPoints: Math.max(2, opts.maxHeapPoints ?? 512),
      topAssists: opts.topAssists ?? 10,
    };
    this.util = new MutatorUtilBuilder(this.opts.utilFlags, { mode: this.opts.utilMode });
    this.heap = new HeapSeries(this.opts.maxHeapPoints);
  }

  add(e: OrderedEvent): void {
    if (this.first < 0) this.first = e.time;
    this.last = e.time;
    this.util.add(e);
    const t = e.type;
    // Only ProcsChange and STWBegin..HeapGoal (one run of tracev2 numbers) matter here.
    if (t < EvProcsChange || t > EvHeapGoal || (t > EvProcsChange && t < EvSTWBegin)) return;
    switch (t) {
      case EvGCBegin:
      case EvGCActive:
        if (this.cycleOpen === null) {
          const startSeen = t === EvGCBegin;
          this.cycleOpen = {
            start: e.time,
            end: e.time,
            duration: 0,
            startSeen,
            endSeen: false,
            heapGoalAtStart: this.heapGoal,
            heapObjectsAtStart: this.heapObjects,
          };
          this.cycles.push(this.cycleOpen);
        }
        break;
      case EvGCEnd:
        if (this.cycleOpen) {
          const c = this.cycleOpen;
          c.end = e.time;
          c.duration = c.end - c.start;
          c.endSeen = true;
          this.cycleOpen = null;
        }
        break;
      case EvSTWBegin: {
        const reason = stwReason(e);
        const p: StwPause = { start: e.time, end: e.time, duration: 0, reason, gc: reason.includes('GC'), goroutine: e.g, endSeen: false };
        this.stwOpen.set(e.g, p);
        this.pauses.push(p);
        break;
      }
      case EvSTWEnd: {
        const p = this.stwOpen.get(e.g);
        if (p) {
          this.stwOpen.delete(e.g);
          p.end = e.time;
          p.duration = p.end - p.start;
          p.endSeen = true;
        }
        break;
      }
      case EvGCMarkAssistBegin:
        this.assistOpen.set(e.g, { start: e.time, startSeen: true });
        break;
      case EvGCMarkAssistActive: {
        const g = e.args[0]!;
        if (!this.assistOpen.has(g)) this.assistOpen.set(g, { start: e.time, startSeen: false });
        break;
      }
      case EvGCMarkAssistEnd: {
        const r = this.assistOpen.get(e.g);
        if (r) {
          this.assistOpen.delete(e.g);
          this.assistDone(e.g, e.time - r.start);
        }
        break;
      }
      case EvGCSweepBegin:
        this.sweepOpen.set(e.p, e.time);
        break;
      case EvGCSweepActive: {
        const p = e.args[0]!;
        if (!this.sweepOpen.has(p)) this.sweepOpen.set(p, e.time);
        break;
      }
      case EvGCSweepEnd: {
        const s = this.sweepOpen.get(e.p);
        if (s !== undefined) {
          this.sweepOpen.delete(e.p);
          this.sweepCount++;
          this.sweepTotal += e.time - s;
        }
        this.bytesSwept += e.args[0] ?? 0;
        this.bytesReclaimed += e.args[1] ?? 0;
        break;
      }
      case EvHeapAlloc:
      case EvHeapGoal: {
        const v = e.args[0] ?? 0;
        if (t === EvHeapAlloc) {
          this.heapObjects = v;
          if (v > this.peakObjects) this.peakObjects = v;
        } else {
          this.heapGoal = v;
          if (v > this.maxGoal) this.maxGoal = v;
        }
        this.heap.sample(e.time, this.heapObjects, this.heapGoal);
        break;
      }
    }
  }

  private assistDone(g: number, d: number): void {
    let a = this.assists.get(g);
    if (!a) this.assists.set(g, (a = { goroutine: g, count: 0, total: 0, max: 0 }));
    a.count++;
    a.total += d;
    if (d > a.max) a.max = d;
    this.assistCount++;
    this.assistTotal += d;
    if (d > this.assistMax) this.assistMax = d;
  }

  finish(): GcSummary {
    if (this.finished) throw new Error('GcAnalyzer.finish called twice');
    this.finished = true;
    const end = this.last < 0 ? 0 : this.last;
    const start = this.first < 0 ? 0 : this.first;
    const duration = end - start;
    const frac = (x: number): number => (duration > 0 ? x / duration : 0);

    // Close what is still open at the last event.
    if (this.cycleOpen) {
      this.cycleOpen.end = end;
      this.cycleOpen.duration = end - this.cycleOpen.start;
      this.cycleOpen = null;
    }
    for (const p of this.stwOpen.values()) {
      p.end = end;
      p.duration = end - p.start;
    }
    this.stwOpen.clear();
    for (const [g, r] of this.assistOpen) this.assistDone(g, end - r.start);
    this.assistOpen.clear();
    for (const s of this.sweepOpen.values()) {
      this.sweepCount++;
      this.sweepTotal += end - s;
    }
    this.sweepOpen.clear();

    let gcTotal = 0,
      gcMax = 0,
      complete = 0;
    for (const c of this.cycles) {
      gcTotal += c.duration;
      if (c.duration > gcMax) gcMax = c.duration;
      if (c.startSeen && c.endSeen) complete++;
    }

    let stwTotal = 0,
      stwMax = 0,
      stwGcTotal = 0,
      stwGcMax = 0;
    const reasons = new Map<string, StwReason>();
    for (const p of this.pauses) {
      stwTotal += p.duration;
      if (p.duration > stwMax) stwMax = p.duration;
      if (p.gc) {
        stwGcTotal += p.duration;
        if (p.duration > stwGcMax) stwGcMax = p.duration;
      }
      let r = reasons.get(p.reason);
      if (!r) reasons.set(p.reason, (r = { reason: p.reason, gc: p.gc, count: 0, total: 0, max: 0 }));
      r.count++;
      r.total += p.duration;
      if (p.duration > r.max) r.max = p.duration;
    }
    const byReason = [...reasons.values()].sort((a, b) => b.total - a.total || (a.reason < b.reason ? -1 : 1));

    const top = [...this.assists.values()].sort((a, b) => b.total - a.total || a.goroutine - b.goroutine).slice(0, this.opts.topAssists);

    this.series = this.util.finish();
    const series = this.series ?? [];
    this.curve = series.length > 0 ? new MMUCurve(series) : null;
    let mean = 1,
      points = 0;
    if (series.length > 0) {
      let integral = 0,
        span = 0;
      for (const s of series) {
        points += s.length;
        for (let i = 0; i + 1 < s.length; i++) integral += s.utils[i]! * (s.times[i + 1]! - s.times[i]!);
        span += s.times[s.length - 1]! - s.times[0]!;
      }
      mean = span > 0 ? integral / span : 1;
    }
    const mmu: MMUPoint[] = [];
    if (this.curve) {
      const b = this.curve.bounds()!;
      for (const w of this.opts.mmuWindows) mmu.push({ window: w, mmu: this.curve.mmu(w), clipped: w > b.end - b.start });
    }

    const procs = this.util.gomaxprocs.map((p) => ({ time: p.time, n: p.n }));
    return {
      start,
      end,
      duration,
      gomaxprocs: procs,
      maxProcs: procs.reduce((m, p) => Math.max(m, p.n), 0),
      gc: { cycles: this.cycles, completeCycles: complete, total: gcTotal, max: gcMax, fraction: frac(gcTotal) },
      stw: {
        pauses: this.pauses,
        total: stwTotal,
        max: stwMax,
        fraction: frac(stwTotal),
        gcTotal: stwGcTotal,
        gcMax: stwGcMax,
        gcFraction: frac(stwGcTotal),
        byReason,
      },
      assist: { count: this.assistCount, total: this.assistTotal, max: this.assistMax, goroutines: this.assists.size, top },
      sweep: { count: this.sweepCount, total: this.sweepTotal, bytesSwept: this.bytesSwept, bytesReclaimed: this.bytesReclaimed },
      heap: {
        points: this.heap.points,
        stride: this.heap.stride,
        samples: this.heap.samples,
        peakObjects: this.peakObjects,
        lastObjects: Math.max(0, this.heapObjects),
        maxGoal: this.maxGoal,
        lastGoal: Math.max(0, this.heapGoal),
      },
      utilization: { mean, gcFraction: 1 - mean, points },
      mmu,
    };
  }

  /** The mutator utilisation series (Go's MutatorUtilizationV2 result), after finish(). */
  utilization(): UtilSeries[] | null {
    return this.series;
  }

  /** The MMU curve (MMU at any window, worst windows, MUD), after finish(); null without data. */
  mmuCurve(): MMUCurve | null {
    return this.curve;
  }
}

/** GC analysis of a whole event sequence. */
export function analyzeGc(events: Iterable<OrderedEvent>, opts: GcOptions = {}): GcSummary {
  const a = new GcAnalyzer(opts);
  for (const e of events) a.add(e);
  return a.finish();
}
