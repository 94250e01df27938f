// The results of the trace summary (summary.ts), as Go's src/internal/trace/summary.go
// defines them (GoroutineExecStats, GoroutineSummary, UserRegionSummary, UserTaskSummary),
// plus goscope's additions (scheduling latencies, blocks, creation over time). Apart from
// the summariser so that the groupings (summary-groups.ts) can use them without an import
// loop.

import type { Frame } from '../../formats/trace/reader.js';

/** Go's GoroutineExecStats (ns). The keys of the two maps are exactly the ones Go has (zero values included). */
export interface ExecStats {
  execTime: number;
  schedWaitTime: number;
  blockTimeByReason: Record<string, number>;
  syscallTime: number;
  syscallBlockTime: number;
  /** Presence of the goroutine in the trace; overlaps the others. */
  totalTime: number;
  /** Time in special ranges ("GC mark assist", "GC incremental sweep", "stop-the-world (...)"); overlaps. */
  rangeTime: Record<string, number>;
}

/** Go's UserRegionSummary, with what cmd/trace derives from its events. */
export interface UserRegionSummary {
  /** Region type ("" for the synthetic region a goroutine inherits from its creator's active region). */
  name: string;
  taskId: number;
  /** The goroutine whose Regions list holds it. */
  goroutine: number;
  /** Time of the start event (RegionBegin, or the GoCreate for an inherited region); null when it began before the trace. */
  start: number | null;
  /** Time of the end event (RegionEnd, or the goroutine's end); null when still active at the end of the trace. */
  end: number | null;
  /** How it started: 'region' (RegionBegin), 'inherited' (created inside the creator's region), 'unknown' (no start event). */
  startKind: 'region' | 'inherited' | 'unknown';
  /** Go's describeEvent of the end event when it is the goroutine's end transition ("Running -> NotExist"); null otherwise. */
  endTransition: string | null;
  /** cmd/trace regionTopStackFrame: the outermost frame of the start event's stack (a zero frame if none). */
  frame: Frame;
  /** regionInterval: end (or trace end) - start (or trace start). */
  duration: number;
  stats: ExecStats;
}

/** Go's UserTaskSummary. */
export interface UserTaskSummary {
  id: number;
  name: string;
  /** Parent task ID, -1 if none (Go's NoTask) or unknown. */
  parent: number;
  children: number[];
  /** TaskBegin / TaskEnd times, null when outside the trace. */
  start: number | null;
  end: number | null;
  /** Goroutines of the TaskBegin / TaskEnd events (-1 when absent). */
  startGoroutine: number;
  endGoroutine: number;
  complete: boolean;
  /** taskInterval: end (or trace end) - start (or trace start). */
  duration: number;
  /** Go's Goroutines map keys (sorted); may hold -1 when a task event had no goroutine. */
  goroutines: number[];
  /** Number of Log events of the task (Go keeps the events; the messages are not kept here). */
  logs: number;
  /** Regions of the task, in the order Go appends them (RegionBegin, or a RegionEnd without begin). */
  regions: UserRegionSummary[];
}

/** A scheduling latency: the goroutine was runnable from `runnableAt` until it ran at `runningAt`. */
export interface SchedLatency {
  goroutine: number;
  /** Start function (Go's Name at the end of the trace). */
  name: string;
  duration: number;
  runnableAt: number;
  /** Time it started running; for an interval still open at the end of the trace, the trace end. */
  runningAt: number;
  open: boolean;
  /** State before Runnable (Running: preempted or yielded; Waiting: unblocked; NotExist: created; Undetermined: at trace start). */
  from: string;
  /** Reason of the transition to Runnable (GoStop: "preempted", "yield"...; "" otherwise). */
  reason: string;
  /** Where the goroutine was when it became runnable: its own stack at the stop, block or creation. */
  stack: readonly Frame[];
  /** The goroutine that made it runnable (unblocker or creator), -1 if none or itself. */
  wokenBy: number;
  /** Stack of the event that made it runnable, when another goroutine did it (GoUnblock, GoCreate). */
  wokenByStack: readonly Frame[];
}

/** One interval in Waiting (blocked), the longest of its goroutine. */
export interface BlockInterval {
  goroutine: number;
  name: string;
  /** Go's block reason ("chan receive", "sync", "network", "select", "sleep", ...). */
  reason: string;
  duration: number;
  start: number;
  /** The end of the block; for one still open at the end of the trace, the trace end. */
  end: number;
  open: boolean;
  /** Already blocked when the trace started (duration counted from the generation's Sync, as Go does). */
  sinceTraceStart: boolean;
  /** Stack of the GoBlock event (or of the GoStatusStack at trace start). */
  stack: readonly Frame[];
}

export interface GoroutineSummary {
  id: number;
  /** Go's Name: the start function, from the outermost frame of the first transition stack ("" if never seen). */
  name: string;
  /** Go's PC of that frame. */
  pc: number;
  /** That frame (function, file, line), null if never seen. */
  startFrame: Frame | null;
  /** First appearance (creation, or the Sync before it was first seen). */
  creationTime: number;
  /** First time it ran, 0 if never (as Go). */
  startTime: number;
  /** When it exited (or blocked forever), 0 if it did not (as Go). */
  endTime: number;
  stats: ExecStats;
  /** Go's UnknownTime(). */
  unknownTime: number;
  /** Regions of the goroutine, by start time (null starts first), as Go sorts them. */
  regions: UserRegionSummary[];
  /** The creating goroutine, -1 when unknown (existed at trace start, or created by a C thread). */
  createdBy: number;
  /** True when the goroutine existed before the trace started (first seen through a status event). */
  existedAtStart: boolean;
  /** Stack of the GoCreate event: where the creator ran the go statement ([] if unknown). */
  creationStack: readonly Frame[];
  /** The longest single block of the goroutine, null if it never blocked. */
  longestBlock: BlockInterval | null;
}

/** Goroutines created per time bucket, per creator location. */
export interface CreationSeries {
  /** Creator location: the innermost non-runtime frame of the GoCreate stack (innermost frame if all are runtime). */
  func: string;
  file: string;
  line: number;
  total: number;
  /** counts[i]: goroutines created in [origin + i*bucketNs, origin + (i+1)*bucketNs). */
  counts: number[];
}

export interface CreationTimeline {
  origin: number;
  /** 10 ms, doubled each time the trace would need more than maxBuckets buckets. */
  bucketNs: number;
  buckets: number;
  /** By total, descending. */
  series: CreationSeries[];
}
