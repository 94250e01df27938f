// The timeline of a Go execution trace as columns: built by src/analysis/trace/timeline.ts
// (TimelineBuilder), written into the trace report's data block and drawn by the page
// (web/trace/) from the same types and codes (timeline-data.ts is the block's codec).

/** Goroutine states as stored in Timeline.intervals.state. */
export const STATE_RUNNING = 0;
export const STATE_RUNNABLE = 1;
export const STATE_WAITING = 2;
export const STATE_SYSCALL = 3;
export const STATE_NAMES = ['Running', 'Runnable', 'Waiting', 'Syscall'] as const;

/** Global interval kinds (Timeline.gc.kind). */
export const GC_MARK = 0;
export const GC_STW = 1;

export interface Timeline {
  /** Time of the first and last event, ns (trace clock). */
  start: number;
  end: number;
  /** Interned strings (goroutine names, reasons, region and STW names); 0 is "". */
  strings: string[];
  goroutines: {
    count: number;
    /** Go goroutine ID. */
    id: Float64Array;
    /** Name (start function) as a strings index; 0 when unknown. */
    name: Int32Array;
    /** ID of the goroutine that created it during the trace, -1 when unknown. */
    parent: Float64Array;
    /** Time of the first event naming it (creation, or the first status in the trace). */
    firstSeen: Float64Array;
    /** Its intervals are intervals[offset[i] .. offset[i + 1]) (count + 1 entries). */
    offset: Int32Array;
  };
  /** State intervals grouped by goroutine, each goroutine's in time order, never overlapping. */
  intervals: {
    count: number;
    start: Float64Array;
    end: Float64Array;
    /** STATE_RUNNING… */
    state: Uint8Array;
    /** Running: the P (-1 unknown); otherwise the reason as a strings index (0: none). */
    aux: Int32Array;
  };
  /** Every P seen (ascending IDs) and the Running intervals it ran, in time order. */
  procs: {
    count: number;
    id: Int32Array;
    /** P i ran intervals[interval[offset[i]] … interval[offset[i + 1] - 1]]. */
    offset: Int32Array;
    /** Indexes into intervals (Running ones only). */
    interval: Int32Array;
  };
  /** GC mark phases (kind GC_MARK) and stop-the-world ranges (GC_STW), by start time. */
  gc: {
    count: number;
    start: Float64Array;
    end: Float64Array;
    kind: Uint8Array;
    /** strings index: "GC concurrent mark phase", "stop-the-world (reason)". */
    label: Int32Array;
  };
  /** User regions grouped by goroutine (offset as for intervals), then by depth, then start. */
  regions: {
    count: number;
    /** Goroutine index (not ID). */
    g: Int32Array;
    start: Float64Array;
    end: Float64Array;
    name: Int32Array;
    /** Nesting depth, 0 outermost. */
    depth: Uint8Array;
    /** Regions of goroutine i are [offset[i], offset[i + 1]). */
    offset: Int32Array;
  };
}
