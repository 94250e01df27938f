// The trace summary of Go's execution-trace tools: a port of src/internal/trace/summary.go
// (Summarizer, GoroutineSummary, GoroutineExecStats, UserRegionSummary, UserTaskSummary),
// plus what goscope's verdicts need on top of it (who created each goroutine and where, the
// longest scheduling latencies, the longest single blocks, goroutine creation over time).
// The groupings cmd/trace shows on its pages (/goroutines, /usertasks, /userregions) are in
// summary-groups.ts and computed by finish().
//
// Streaming: TraceSummarizer.add() takes the ordered events (formats/trace/event-stream.ts) one by
// one, exactly as Go's Summarizer.Event does, and keeps per-goroutine, per-task and
// per-region state only, never the events. Stacks and strings are resolved when the event
// is seen, through a cache per generation table (one Frame[] per distinct stack), so the
// hot path allocates nothing for events it does not keep something of.
//
// Exactness: every duration is the int64 nanosecond arithmetic of summary.go, in the same
// order (including its quirks: pending syscall-blocked time is reported as scheduler wait
// in snapshots; the background task 0 appears as a task when a region or log uses it;
// goroutine Name is the outermost frame of the first transition stack seen; regions of
// system goroutines that are still active when it ends are dropped).

import type { Frame, Generation } from '../../formats/trace/reader.js';
import {
  decodeRange,
  eventStackId,
  eventTask,
  stackFrames,
  transitionStackId,
  type OrderedEvent,
  type RangeView,
  type StateTransition,
} from '../../formats/trace/event.js';
import { goroutineGroups, regionTypes, taskTypes, type GoroutineGroup, type RegionTypeSummary, type TaskTypeSummary } from './summary-groups.js';
import type {
  BlockInterval,
  CreationSeries,
  CreationTimeline,
  ExecStats,
  GoroutineSummary,
  SchedLatency,
  UserRegionSummary,
  UserTaskSummary,
} from './summary-types.js';

// ---------------------------------------------------------------------------
// Results

export interface TraceSummary {
  /** Time of the first and last event (cmd/trace startTime / endTime). */
  startTime: number;
  endTime: number;
  /** Every goroutine of Go's summary, by ID. */
  goroutines: GoroutineSummary[];
  /** Every task of Go's summary, by ID. */
  tasks: UserTaskSummary[];
  /** /goroutines: groups by start function, by total execution time (descending). */
  goroutineGroups: GoroutineGroup[];
  /** /usertasks: by task type. */
  taskTypes: TaskTypeSummary[];
  /** /userregions: by region type and start frame. */
  regionTypes: RegionTypeSummary[];
  /** The longest Runnable -> Running waits (descending, at most `top`). */
  schedLatencies: SchedLatency[];
  /** The goroutines with the longest single block (descending, at most `top`). */
  longestBlocked: BlockInterval[];
  creation: CreationTimeline;
}

export interface SummaryOptions {
  /** Length of schedLatencies / longestBlocked (20). */
  top?: number;
  /** Slowest instances kept per task or region type (10). */
  slowest?: number;
  /** Creation timeline bucket (10 ms) and its maximum number of buckets (1000). */
  bucketNs?: number;
  maxBuckets?: number;
}

// ---------------------------------------------------------------------------
// Internal state

const EMPTY: readonly Frame[] = Object.freeze([]) as readonly Frame[];
const ZERO_FRAME: Frame = Object.freeze({ pc: 0, func: '', file: '', line: 0 });

/** Go's GoroutineExecStats, mutable, maps keyed in Go's insertion-independent way. */
class Stats {
  execTime = 0;
  schedWaitTime = 0;
  blockTimeByReason = new Map<string, number>();
  syscallTime = 0;
  syscallBlockTime = 0;
  totalTime = 0;
  rangeTime = new Map<string, number>();

  clone(): Stats {
    const r = new Stats();
    r.execTime = this.execTime;
    r.schedWaitTime = this.schedWaitTime;
    r.syscallTime = this.syscallTime;
    r.syscallBlockTime = this.syscallBlockTime;
    r.totalTime = this.totalTime;
    for (const [k, v] of this.blockTimeByReason) r.blockTimeByReason.set(k, v);
    for (const [k, v] of this.rangeTime) r.rangeTime.set(k, v);
    return r;
  }

  /** Go's s.sub(v). */
  sub(v: Stats): Stats {
    const r = this.clone();
    r.execTime -= v.execTime;
    r.schedWaitTime -= v.schedWaitTime;
    for (const k of this.blockTimeByReason.keys()) r.blockTimeByReason.set(k, r.blockTimeByReason.get(k)! - (v.blockTimeByReason.get(k) ?? 0));
    r.syscallTime -= v.syscallTime;
    r.syscallBlockTime -= v.syscallBlockTime;
    r.totalTime -= v.totalTime;
    for (const k of this.rangeTime.keys()) r.rangeTime.set(k, r.rangeTime.get(k)! - (v.rangeTime.get(k) ?? 0));
    return r;
  }

  out(): ExecStats {
    const block: Record<string, number> = {};
    for (const [k, v] of this.blockTimeByReason) block[k] = v;
    const range: Record<string, number> = {};
    for (const [k, v] of this.rangeTime) range[k] = v;
    return {
      execTime: this.execTime,
      schedWaitTime: this.schedWaitTime,
      blockTimeByReason: block,
      syscallTime: this.syscallTime,
      syscallBlockTime: this.syscallBlockTime,
      totalTime: this.totalTime,
      rangeTime: range,
    };
  }
}

function addTo(m: Map<string, number>, k: string, d: number): void {
  m.set(k, (m.get(k) ?? 0) + d);
}

class Region {
  start: number | null = null;
  end: number | null = null;
  startKind: 'region' | 'inherited' | 'unknown' = 'unknown';
  endTransition: string | null = null;
  frame: Frame = ZERO_FRAME;
  stats: Stats;
  out: UserRegionSummary | null = null;
  constructor(
    public name: string,
    public taskId: number,
    public goroutine: number,
    stats: Stats,
  ) {
    this.stats = stats;
  }
}

class Task {
  name = '';
  parent = -1;
  hasParent = false;
  children: number[] = [];
  start: number | null = null;
  end: number | null = null;
  startG = -1;
  endG = -1;
  goroutines = new Set<number>();
  logs = 0;
  regions: Region[] = [];
  constructor(public id: number) {}
}

class G {
  name = '';
  pc = 0;
  startFrame: Frame | null = null;
  creationTime = 0;
  startTime = 0;
  endTime = 0;
  regions: Region[] = [];
  stats = new Stats();

  // Go's goroutineSummary (zeroed by finalize).
  lastStartTime = 0;
  lastRunnableTime = 0;
  lastBlockTime = 0;
  lastBlockReason = '';
  lastSyscallTime = 0;
  lastSyscallBlockTime = 0;
  lastRangeTime = new Map<string, number>();
  activeRegions: Region[] = [];

  // goscope's extras.
  createdBy = -1;
  existedAtStart = false;
  creationStack: readonly Frame[] = EMPTY;
  /** The latest transition stack of the goroutine (where it stopped, blocked or entered a syscall). */
  lastStack: readonly Frame[] = EMPTY;
  /** Open Runnable interval (-1: none). */
  runnableAt = -1;
  runnableFrom = '';
  runnableReason = '';
  runnableStack: readonly Frame[] = EMPTY;
  wokenBy = -1;
  wokenByStack: readonly Frame[] = EMPTY;
  /** Open Waiting interval (-1: none). */
  blockAt = -1;
  blockReason = '';
  blockStack: readonly Frame[] = EMPTY;
  blockSinceStart = false;
  longest: BlockInterval | null = null;

  constructor(public id: number) {}

  /** Go's snapshotStat(lastTs). */
  snapshot(lastTs: number): Stats {
    const ret = this.stats.clone();
    if (this.stats.totalTime === 0) ret.totalTime = lastTs - this.creationTime;
    if (this.lastStartTime !== 0) ret.execTime += lastTs - this.lastStartTime;
    if (this.lastRunnableTime !== 0) ret.schedWaitTime += lastTs - this.lastRunnableTime;
    if (this.lastBlockTime !== 0) addTo(ret.blockTimeByReason, this.lastBlockReason, lastTs - this.lastBlockTime);
    if (this.lastSyscallTime !== 0) ret.syscallTime += lastTs - this.lastSyscallTime;
    // Go adds pending syscall-blocked time to the scheduler wait here.
    if (this.lastSyscallBlockTime !== 0) ret.schedWaitTime += lastTs - this.lastSyscallBlockTime;
    for (const [name, ts] of this.lastRangeTime) addTo(ret.rangeTime, name, lastTs - ts);
    return ret;
  }
}

/** Go's IsSystemGoroutine (internal/trace): "" or runtime.* except runtime.main. */
export function isSystemGoroutine(entryFn: string): boolean {
  return entryFn === '' || (entryFn !== 'runtime.main' && entryFn.startsWith('runtime.'));
}

/** Go's GoroutineExecStats.UnknownTime(). */
export function unknownTime(s: ExecStats): number {
  let sum = s.execTime + s.schedWaitTime + s.syscallTime + s.syscallBlockTime;
  for (const k in s.blockTimeByReason) sum += s.blockTimeByReason[k]!;
  return sum < s.totalTime ? s.totalTime - sum : 0;
}

/** Go's GoroutineExecStats.NonOverlappingStats(): the column names and values of cmd/trace's breakdown tables. */
export function nonOverlappingStats(s: ExecStats): Record<string, number> {
  const stats: Record<string, number> = {
    'Execution time': s.execTime,
    'Sched wait time': s.schedWaitTime,
    'Syscall execution time': s.syscallTime,
    'Block time (syscall)': s.syscallBlockTime,
    'Unknown time': unknownTime(s),
  };
  for (const reason in s.blockTimeByReason) {
    const k = `Block time (${reason})`;
    stats[k] = (stats[k] ?? 0) + s.blockTimeByReason[reason]!;
  }
  return stats;
}

/** Inserts into a list sorted by duration (descending, earlier insertions first on ties) bounded to `max`. */
function topInsert<T extends { duration: number }>(list: T[], item: T, max: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.duration < item.duration) i--;
  if (i >= max) return;
  list.splice(i, 0, item);
  if (list.length > max) list.pop();
}

// ---------------------------------------------------------------------------
// The summarizer

/**
 * Go's trace Summarizer as a streaming consumer: add() every ordered event of a trace (in
 * order, the final Sync included), then finish() once.
 */
export class TraceSummarizer {
  private readonly gs = new Map<number, G>();
  private readonly tasks = new Map<number, Task>();
  private readonly syscallingP = new Map<number, number>();
  private readonly syscallingG = new Map<number, number>();
  /** Go's rangesP, keyed by proc then range name. */
  private readonly rangesP = new Map<number, Map<string, number>>();
  private lastTs = 0;
  private syncTs = 0;
  private firstTs = -1;
  private finished = false;

  // Options.
  private readonly top: number;
  private readonly slowest: number;
  private readonly maxBuckets: number;

  // Frame cache per generation table.
  private readonly tables = new WeakMap<Generation, Map<number, readonly Frame[]>>();
  private cacheTable: Generation | null = null;
  private cacheMap = new Map<number, readonly Frame[]>();
  /** The range of the event at hand (decodeRange writes it: no allocation per event). */
  private readonly rv: RangeView = { name: '', scope: 'None', id: -1 };

  // Extras.
  private readonly sched: SchedLatency[] = [];
  private bucketNs: number;
  private readonly creators = new WeakMap<readonly Frame[], CreationSeries>();
  private readonly series = new Map<string, CreationSeries>();
  private unknownCreator: CreationSeries | null = null;
  private buckets = 0;

  constructor(opts: SummaryOptions = {}) {
    this.top = opts.top ?? 20;
    this.slowest = opts.slowest ?? 10;
    this.bucketNs = opts.bucketNs ?? 10_000_000;
    this.maxBuckets = opts.maxBuckets ?? 1000;
  }

  /** Go's Summarizer.Event. */
  add(e: OrderedEvent): void {
    const t = e.time;
    if (this.syncTs === 0) this.syncTs = t;
    if (this.firstTs < 0) this.firstTs = t;
    this.lastTs = t;
    switch (e.kind) {
      case 'Sync':
        this.syncTs = t;
        break;
      case 'StateTransition': {
        const st = e.transition!;
        if (st.resource === 'goroutine') this.goTransition(e, st);
        else if (st.from !== st.to && st.to === 'Idle') {
          const goid = this.syscallingP.get(st.id);
          if (goid !== undefined) {
            const g = this.gs.get(goid);
            if (g) g.lastSyscallBlockTime = t;
            this.syscallingP.delete(st.id);
          }
        }
        break;
      }
      case 'RangeBegin':
      case 'RangeActive': {
        const r = decodeRange(e, this.rv);
        let g: G | undefined;
        if (r.scope === 'Goroutine') g = this.gs.get(r.id);
        else if (r.scope === 'Proc') {
          g = this.gs.get(e.g);
          if (g) {
            let m = this.rangesP.get(r.id);
            if (!m) this.rangesP.set(r.id, (m = new Map()));
            m.set(r.name, e.g);
          }
        }
        if (!g) break;
        if (e.kind === 'RangeActive') {
          const ts = g.lastRangeTime.get(r.name) ?? 0;
          if (ts !== 0) addTo(g.stats.rangeTime, r.name, this.syncTs - ts);
          g.lastRangeTime.set(r.name, this.syncTs);
        } else g.lastRangeTime.set(r.name, t);
        break;
      }
      case 'RangeEnd': {
        const r = decodeRange(e, this.rv);
        let g: G | undefined;
        if (r.scope === 'Goroutine') g = this.gs.get(r.id);
        else if (r.scope === 'Proc') {
          const m = this.rangesP.get(r.id);
          const goid = m?.get(r.name);
          if (goid !== undefined) {
            if (goid === e.g) g = this.gs.get(goid);
            m!.delete(r.name);
          }
        }
        if (!g) break;
        const ts = g.lastRangeTime.get(r.name) ?? 0;
        if (ts === 0) break;
        addTo(g.stats.rangeTime, r.name, t - ts);
        g.lastRangeTime.delete(r.name);
        break;
      }
      case 'RegionBegin': {
        const g = this.gs.get(e.g);
        if (!g) break; // Go: nil dereference; cannot happen in a valid trace.
        const taskId = e.args[0]!;
        const region = new Region(this.str(e, e.args[1]), taskId, g.id, g.snapshot(t));
        region.start = t;
        region.startKind = 'region';
        region.frame = outermost(this.frames(e.table, eventStackId(e)));
        g.activeRegions.push(region);
        const task = this.task(taskId);
        task.regions.push(region);
        task.goroutines.add(g.id);
        break;
      }
      case 'RegionEnd': {
        const g = this.gs.get(e.g);
        if (!g) break;
        let sd = g.activeRegions.pop();
        if (!sd) {
          const taskId = e.args[0]!;
          sd = new Region(this.str(e, e.args[1]), taskId, g.id, new Stats());
          const task = this.task(taskId);
          task.goroutines.add(g.id);
          task.regions.push(sd);
        }
        sd.stats = g.snapshot(t).sub(sd.stats);
        sd.end = t;
        sd.endTransition = null;
        g.regions.push(sd);
        break;
      }
      case 'TaskBegin':
      case 'TaskEnd': {
        const info = eventTask(e);
        const task = this.task(info.id);
        task.name = info.type;
        task.goroutines.add(e.g);
        if (e.kind === 'TaskBegin') {
          task.start = t;
          task.startG = e.g;
        } else {
          task.end = t;
          task.endG = e.g;
        }
        if (info.parent !== -1 && !task.hasParent) {
          const parent = this.task(info.parent);
          task.parent = info.parent;
          task.hasParent = true;
          parent.children.push(task.id);
        }
        break;
      }
      case 'Log': {
        const task = this.task(e.args[0]!);
        task.goroutines.add(e.g);
        task.logs++;
        break;
      }
    }
  }

  private goTransition(e: OrderedEvent, st: StateTransition): void {
    const from = st.from;
    const to = st.to;
    if (from === to) return;
    const id = st.id;
    const t = e.time;
    let g = this.gs.get(id);

    // Transition out.
    switch (from) {
      case 'Undetermined': {
        g = new G(id);
        g.creationTime = this.syncTs;
        g.existedAtStart = true;
        const stateTime = t - this.syncTs;
        switch (to) {
          case 'Running':
            g.stats.execTime += stateTime;
            break;
          case 'Waiting':
            addTo(g.stats.blockTimeByReason, st.reason, stateTime);
            break;
          case 'Runnable':
            g.stats.schedWaitTime += stateTime;
            break;
          case 'Syscall':
            if (e.p === -1) g.stats.syscallBlockTime += stateTime;
            else g.stats.syscallTime += stateTime;
            break;
        }
        this.gs.set(id, g);
        break;
      }
      case 'NotExist': {
        g = new G(id);
        g.creationTime = t;
        const creator = this.gs.get(e.g);
        const regions = creator?.activeRegions;
        const stack = this.frames(e.table, eventStackId(e));
        if (regions && regions.length > 0) {
          const top = regions[regions.length - 1]!;
          const r = new Region('', top.taskId, id, new Stats());
          r.start = t;
          r.startKind = 'inherited';
          r.frame = outermost(stack);
          g.activeRegions.push(r);
        }
        this.gs.set(id, g);
        if (e.g !== id) g.createdBy = e.g;
        g.creationStack = stack;
        this.countCreation(t, stack);
        break;
      }
      case 'Running':
        if (!g) g = this.lost(id);
        g.stats.execTime += t - g.lastStartTime;
        g.lastStartTime = 0;
        break;
      case 'Waiting':
        if (!g) g = this.lost(id);
        if (g.lastBlockTime !== 0) {
          addTo(g.stats.blockTimeByReason, g.lastBlockReason, t - g.lastBlockTime);
          g.lastBlockTime = 0;
        }
        break;
      case 'Runnable':
        if (!g) g = this.lost(id);
        if (g.lastRunnableTime !== 0) {
          g.stats.schedWaitTime += t - g.lastRunnableTime;
          g.lastRunnableTime = 0;
        }
        break;
      case 'Syscall':
        if (!g) g = this.lost(id);
        if (g.lastSyscallTime !== 0) {
          if (g.lastSyscallBlockTime !== 0) {
            g.stats.syscallBlockTime += t - g.lastSyscallBlockTime;
            g.stats.syscallTime += g.lastSyscallBlockTime - g.lastSyscallTime;
          } else g.stats.syscallTime += t - g.lastSyscallTime;
          g.lastSyscallTime = 0;
          g.lastSyscallBlockTime = 0;
          // Go deletes syscallingP[syscallingG[id]], the zero ProcID when absent.
          this.syscallingP.delete(this.syscallingG.get(id) ?? 0);
          this.syscallingG.delete(id);
        }
        break;
      default:
        if (!g) g = this.lost(id);
    }

    // goscope: close the open extras intervals.
    if (g.runnableAt >= 0 && to === 'Running') this.schedLatency(g, t, false);
    if (g.runnableAt >= 0) g.runnableAt = -1;
    if (g.blockAt >= 0) this.closeBlock(g, t, false);

    // Name the goroutine from the transition stack (outermost frame), once.
    const tsid = transitionStackId(e);
    let tstack: readonly Frame[] = EMPTY;
    if (tsid !== null && tsid !== 0) {
      tstack = this.frames(e.table, tsid);
      if (g.name === '' && tstack.length > 0) {
        const f = tstack[tstack.length - 1]!;
        g.pc = f.pc;
        g.name = f.func;
        g.startFrame = f;
      }
    }

    // Transition in.
    switch (to) {
      case 'Running':
        g.lastStartTime = t;
        if (g.startTime === 0) g.startTime = t;
        break;
      case 'Runnable':
        g.lastRunnableTime = t;
        break;
      case 'Waiting':
        if (st.reason !== 'forever') {
          g.lastBlockTime = t;
          g.lastBlockReason = st.reason;
          break;
        }
        this.finalizeG(g, t, e);
        break;
      case 'NotExist':
        this.finalizeG(g, t, e);
        break;
      case 'Syscall':
        this.syscallingP.set(e.p, id);
        this.syscallingG.set(id, e.p);
        g.lastSyscallTime = t;
        break;
    }

    // goscope: open the extras intervals.
    if (tstack.length > 0) g.lastStack = tstack;
    if (to === 'Runnable') {
      g.runnableAt = from === 'Undetermined' ? this.syncTs : t;
      g.runnableFrom = from;
      g.runnableReason = st.reason;
      g.runnableStack = g.lastStack;
      if (e.g !== id && e.g !== -1) {
        g.wokenBy = e.g;
        g.wokenByStack = from === 'NotExist' ? g.creationStack : this.frames(e.table, eventStackId(e));
      } else {
        g.wokenBy = -1;
        g.wokenByStack = EMPTY;
      }
    } else if (to === 'Waiting' && st.reason !== 'forever') {
      g.blockAt = from === 'Undetermined' ? this.syncTs : t;
      g.blockSinceStart = from === 'Undetermined';
      g.blockReason = st.reason;
      g.blockStack = tstack.length > 0 ? tstack : this.frames(e.table, eventStackId(e));
    }
  }

  /** A goroutine Go would have dereferenced as nil (not in a valid trace): start it as at a Sync. */
  private lost(id: number): G {
    const g = new G(id);
    g.creationTime = this.syncTs;
    this.gs.set(id, g);
    return g;
  }

  private schedLatency(g: G, t: number, open: boolean): void {
    const d = t - g.runnableAt;
    const list = this.sched;
    if (list.length >= this.top && list[list.length - 1]!.duration >= d) return;
    topInsert(
      list,
      {
        goroutine: g.id,
        name: '',
        duration: d,
        runnableAt: g.runnableAt,
        runningAt: t,
        open,
        from: g.runnableFrom,
        reason: g.runnableReason,
        stack: g.runnableStack,
        wokenBy: g.wokenBy,
        wokenByStack: g.wokenByStack,
      },
      this.top,
    );
  }

  private closeBlock(g: G, t: number, open: boolean): void {
    const d = t - g.blockAt;
    if (!g.longest || d > g.longest.duration) {
      g.longest = {
        goroutine: g.id,
        name: '',
        reason: g.blockReason,
        duration: d,
        start: g.blockAt,
        end: t,
        open,
        sinceTraceStart: g.blockSinceStart,
        stack: g.blockStack,
      };
    }
    g.blockAt = -1;
    g.blockStack = EMPTY;
  }

  /** Go's GoroutineSummary.finalize. */
  private finalizeG(g: G, lastTs: number, trigger: OrderedEvent | null): void {
    if (trigger) g.endTime = trigger.time;
    const fin = g.snapshot(lastTs);
    g.stats = fin;
    if (!isSystemGoroutine(g.name)) {
      for (const s of g.activeRegions) {
        s.end = trigger ? trigger.time : null;
        const tr = trigger?.transition;
        s.endTransition = tr ? `${tr.from} -> ${tr.to}` : null;
        s.stats = fin.sub(s.stats);
        g.regions.push(s);
      }
    }
    g.lastStartTime = 0;
    g.lastRunnableTime = 0;
    g.lastBlockTime = 0;
    g.lastBlockReason = '';
    g.lastSyscallTime = 0;
    g.lastSyscallBlockTime = 0;
    g.lastRangeTime = new Map();
    g.activeRegions = [];
  }

  private task(id: number): Task {
    let task = this.tasks.get(id);
    if (!task) this.tasks.set(id, (task = new Task(id)));
    return task;
  }

  private str(e: OrderedEvent, id: number | undefined): string {
    return id ? (e.table?.strings.get(id) ?? '') : '';
  }

  /** Frames of a stack of the event's generation, resolved once per (table, ID). */
  private frames(table: Generation | null, id: number): readonly Frame[] {
    if (id === 0 || !table) return EMPTY;
    if (table !== this.cacheTable) {
      let m = this.tables.get(table);
      if (!m) this.tables.set(table, (m = new Map()));
      this.cacheTable = table;
      this.cacheMap = m;
    }
    let f = this.cacheMap.get(id);
    if (!f) {
      f = stackFrames(table, id);
      if (f.length === 0) f = EMPTY;
      this.cacheMap.set(id, f);
    }
    return f;
  }

  private countCreation(t: number, stack: readonly Frame[]): void {
    let s: CreationSeries | undefined;
    if (stack.length === 0) {
      if (!this.unknownCreator) {
        this.unknownCreator = { func: '', file: '', line: 0, total: 0, counts: [] };
        this.series.set('', this.unknownCreator);
      }
      s = this.unknownCreator;
    } else {
      s = this.creators.get(stack);
      if (!s) {
        let f = stack[0]!;
        for (const fr of stack) {
          if (!fr.func.startsWith('runtime.')) {
            f = fr;
            break;
          }
        }
        const key = `${f.func}\u0000${f.file}\u0000${f.line}`;
        s = this.series.get(key);
        if (!s) this.series.set(key, (s = { func: f.func, file: f.file, line: f.line, total: 0, counts: [] }));
        this.creators.set(stack, s);
      }
    }
    const i = this.bucketOf(t);
    const c = s.counts;
    while (c.length <= i) c.push(0);
    c[i]!++;
    s.total++;
  }

  /** The timeline bucket of time t, folding buckets (doubling their width) to stay within maxBuckets. */
  private bucketOf(t: number): number {
    const origin = this.firstTs;
    let i = Math.floor((t - origin) / this.bucketNs);
    while (i >= this.maxBuckets) {
      // Fold pairs of buckets: twice the width, half the count.
      this.bucketNs *= 2;
      for (const x of this.series.values()) {
        const c = x.counts;
        const n = Math.ceil(c.length / 2);
        for (let k = 0; k < n; k++) c[k] = c[2 * k]! + (c[2 * k + 1] ?? 0);
        c.length = n;
      }
      this.buckets = Math.ceil(this.buckets / 2);
      i = Math.floor((t - origin) / this.bucketNs);
    }
    if (i + 1 > this.buckets) this.buckets = i + 1;
    return i;
  }

  /** Go's Summarizer.Finalize, then goscope's results. Call once, after the last event. */
  finish(): TraceSummary {
    if (this.finished) throw new Error('TraceSummarizer.finish called twice');
    this.finished = true;
    const lastTs = this.lastTs;
    const startTime = this.firstTs < 0 ? 0 : this.firstTs;
    const endTime = lastTs;
    for (const g of this.gs.values()) {
      // goscope extras: intervals still open at the end of the trace.
      if (g.runnableAt >= 0) this.schedLatency(g, lastTs, true);
      if (g.blockAt >= 0) this.closeBlock(g, lastTs, true);
      this.finalizeG(g, lastTs, null);
    }

    const regionOut = (r: Region): UserRegionSummary => {
      if (r.out) return r.out;
      const s = r.start ?? startTime;
      const e = r.end ?? endTime;
      return (r.out = {
        name: r.name,
        taskId: r.taskId,
        goroutine: r.goroutine,
        start: r.start,
        end: r.end,
        startKind: r.startKind,
        endTransition: r.endTransition,
        frame: r.frame,
        duration: e - s,
        stats: r.stats.out(),
      });
    };

    const goroutines: GoroutineSummary[] = [];
    const ids = [...this.gs.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const g = this.gs.get(id)!;
      // Go: slices.SortFunc by start time, nil starts first.
      const regs = g.regions.slice().sort((a, b) => (a.start === null ? (b.start === null ? 0 : -1) : b.start === null ? 1 : a.start - b.start));
      const stats = g.stats.out();
      if (g.longest) g.longest.name = g.name;
      goroutines.push({
        id,
        name: g.name,
        pc: g.pc,
        startFrame: g.startFrame,
        creationTime: g.creationTime,
        startTime: g.startTime,
        endTime: g.endTime,
        stats,
        unknownTime: unknownTime(stats),
        regions: regs.map(regionOut),
        createdBy: g.createdBy,
        existedAtStart: g.existedAtStart,
        creationStack: g.creationStack,
        longestBlock: g.longest,
      });
    }

    const tasks: UserTaskSummary[] = [];
    for (const id of [...this.tasks.keys()].sort((a, b) => a - b)) {
      const k = this.tasks.get(id)!;
      const s = k.start ?? startTime;
      const e = k.end ?? endTime;
      tasks.push({
        id,
        name: k.name,
        parent: k.parent,
        children: k.children,
        start: k.start,
        end: k.end,
        startGoroutine: k.startG,
        endGoroutine: k.endG,
        complete: k.start !== null && k.end !== null,
        duration: e - s,
        goroutines: [...k.goroutines].sort((a, b) => a - b),
        logs: k.logs,
        regions: k.regions.map(regionOut),
      });
    }

    for (const l of this.sched) l.name = this.gs.get(l.goroutine)?.name ?? '';
    const longestBlocked: BlockInterval[] = [];
    for (const g of goroutines) if (g.longestBlock) topInsert(longestBlocked, g.longestBlock, this.top);

    // The timeline spans the whole trace.
    if (this.firstTs >= 0) this.bucketOf(endTime);
    const series = [...this.series.values()].sort((a, b) => b.total - a.total || (a.func < b.func ? -1 : a.func > b.func ? 1 : a.line - b.line));
    for (const s of series) while (s.counts.length < this.buckets) s.counts.push(0);

    return {
      startTime,
      endTime,
      goroutines,
      tasks,
      goroutineGroups: goroutineGroups(goroutines),
      taskTypes: taskTypes(tasks, this.slowest),
      regionTypes: regionTypes(goroutines, this.slowest),
      schedLatencies: this.sched,
      longestBlocked,
      creation: { origin: startTime, bucketNs: this.bucketNs, buckets: this.buckets, series },
    };
  }
}

function outermost(stack: readonly Frame[]): Frame {
  return stack.length > 0 ? stack[stack.length - 1]! : ZERO_FRAME;
}

/** Summarizes a whole event stream (convenience for tests and one-shot use). */
export function summarizeTrace(events: Iterable<OrderedEvent>, opts?: SummaryOptions): TraceSummary {
  const s = new TraceSummarizer(opts);
  for (const e of events) s.add(e);
  return s.finish();
}
