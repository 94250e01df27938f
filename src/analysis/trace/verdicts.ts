// Verdicts on a trace: the questions users bring to it, answered from the analyses.
//   - is there a goroutine creation storm, and who creates;
//   - where does scheduling latency (runnable -> running) come from;
//   - which goroutines were blocked longest, and where;
//   - is the GC a problem (CPU share, stop-the-world pauses, assists, MMU);
//   - what goroutines waited on most (the blocking profiles).
// Each verdict is `notable` when it crosses a threshold worth acting on; the thresholds are
// constants here, named, so the README can quote them. A verdict is a finding: its kind,
// its numbers and the sites it points at (file:line in the service's code); the words are
// the report's (src/report/trace-verdicts.ts).
import type { Frame } from '../../formats/trace/reader.js';
import { int64ToNumber } from '../../formats/pprof/profile.js';
import type { TraceAnalysis } from './analyse.js';
import { BLOCKING_KINDS, summariseBlocking, type BlockingKind } from './blocking.js';
import { isSystemGoroutine } from './summary.js';
import type { BlockInterval, SchedLatency } from './summary-types.js';
import { siteOf } from '../stack.js';

/** A creation storm: at least this many goroutines created ... */
export const STORM_MIN_CREATED = 1000;
/** ... at an average rate of at least this many per second. */
export const STORM_MIN_RATE = 5000;
/** A scheduling latency this long is worth a look (a goroutine runnable without a P). */
export const SCHED_LATENCY_NOTABLE_NS = 10e6;
/** A single block on a lock (sync reasons) this long is notable; channel and network waits are often idle. */
export const LOCK_BLOCK_NOTABLE_NS = 100e6;
/** GC took at least this share of the CPU capacity (1 - mean mutator utilisation). */
export const GC_CPU_NOTABLE = 0.25;
/** Minimum mutator utilisation at a 10 ms window below this. */
export const MMU_10MS_NOTABLE = 0.5;
/** Lock contention: on average at least this many goroutines blocked on a Mutex/RWMutex at any time. */
export const LOCK_WAITERS_NOTABLE = 1;
/** A stop-the-world pause this long. */
export const STW_NOTABLE_NS = 10e6;

/** Where a verdict points: a function and its file:line (no PC: the same in every build). */
export interface Site {
  func: string;
  file: string;
  line: number;
}

export interface CreationStormVerdict {
  kind: 'creation-storm';
  notable: boolean;
  /** Goroutines created during the trace. */
  created: number;
  durationNs: number;
  perSecond: number;
  /** Most created in one bucket of bucketNs. */
  peak: number;
  bucketNs: number;
  /** Who created most (at most 3), by count: share of `created`, where the `go` statement is. */
  creators: { count: number; share: number; site: Site }[];
}

/** A scheduling latency: how long a goroutine waited for a P, and what had made it runnable. */
export interface LatencyFinding {
  goroutine: number;
  /** Start function ("" when unknown). */
  name: string;
  durationNs: number;
  /** The state it became runnable from: Waiting (unblocked), NotExist (created), Running (stopped), or Undetermined (at the trace's start). */
  from: string;
  /** The stop reason when it came from Running. */
  reason: string;
  /** The goroutine that unblocked it, -1 for none. */
  wokenBy: number;
  /** Where it was made runnable (analysis/stack.ts siteOf of its stack); null without a stack. */
  site: Site | null;
  /** Where the unblocking goroutine was; null without one or without its stack. */
  wokenBySite: Site | null;
}

export interface SchedLatencyVerdict {
  kind: 'sched-latency';
  notable: boolean;
  /** The longest (the user's goroutines first; the runtime's only when there are no others). */
  worst: LatencyFinding;
  /** The longest ones (at most 3), worst first. */
  longest: LatencyFinding[];
  /** Scheduler wait and execution summed over all goroutines. */
  schedWaitNs: number;
  execNs: number;
}

export interface LockContentionVerdict {
  kind: 'lock-contention';
  notable: boolean;
  /** Time goroutines spent blocked on sync.Mutex/RWMutex, summed. */
  blockedNs: number;
  waits: number;
  /** The trace's length. */
  spanNs: number;
  /** blockedNs / spanNs: goroutines waiting on a lock at any moment, on average. */
  meanWaiters: number;
  /** Where the locks were taken (the user's frame above Lock), by blocked time (at most 3). */
  sites: { blockedNs: number; share: number; site: Site | null }[];
}

/** One goroutine's longest block. */
export interface BlockFinding {
  goroutine: number;
  name: string;
  durationNs: number;
  /** Still blocked when the trace ended (durationNs is then a lower bound). */
  open: boolean;
  /** Go's block reason ("sync", "chan receive", ...); "" when blocked since before the trace. */
  reason: string;
  sinceTraceStart: boolean;
  site: Site | null;
}

export interface BlockedVerdict {
  kind: 'blocked';
  notable: boolean;
  /**
   * 'lock': a block on a Mutex/RWMutex of at least LOCK_BLOCK_NOTABLE_NS (notable);
   * 'whole-trace': the leading goroutines were blocked all through the trace;
   * 'longest': the longest block seen.
   */
  finding: 'lock' | 'whole-trace' | 'longest';
  /** The block the verdict is about. */
  block: BlockFinding;
  /** Goroutines among the longest blocks that were blocked all through the trace. */
  wholeTrace: number;
  /** True when there may be more of those than wholeTrace (the summary keeps only the longest 20). */
  wholeTraceMore: boolean;
  /** The longest blocks (at most 5). */
  longest: BlockFinding[];
}

export interface GcVerdict {
  kind: 'gc';
  notable: boolean;
  /** The thresholds crossed: GC_CPU_NOTABLE, MMU_10MS_NOTABLE, STW_NOTABLE_NS. */
  crossed: ('gc-cpu' | 'mmu-10ms' | 'stw-pause')[];
  cycles: number;
  /** Share of the trace with a GC mark phase running. */
  markFraction: number;
  /** Share of the CPU capacity (GOMAXPROCS) the GC took: 1 - mean mutator utilisation. */
  cpuFraction: number;
  /** Minimum mutator utilisation per window. */
  mmu: { windowNs: number; mmu: number }[];
  /** The MMU at 10 ms; null when not computed. */
  mmu10ms: number | null;
  stwPauses: number;
  stwTotalNs: number;
  stwMaxNs: number;
  assistNs: number;
  assists: number;
  assistGoroutines: number;
}

export interface BlockingVerdict {
  kind: 'blocking';
  notable: false;
  /** Each blocking profile's total, most first. */
  byKind: { kind: BlockingKind; blockedNs: number; waits: number }[];
}

export type TraceVerdict = CreationStormVerdict | SchedLatencyVerdict | LockContentionVerdict | BlockedVerdict | GcVerdict | BlockingVerdict;
export type VerdictKind = TraceVerdict['kind'];

/** Where to point in a trace stack: the shared rule (analysis/stack.ts siteOf). */
export function userFrame(stack: readonly Frame[]): Frame | undefined {
  return siteOf(stack);
}

const siteOfFrame = (f: { func: string; file: string; line: number } | undefined): Site | null => (f ? { func: f.func, file: f.file, line: f.line } : null);
/** The site of a stack (userFrame), null for none. */
const stackSite = (stack: readonly Frame[]): Site | null => siteOfFrame(userFrame(stack));

/**
 * The user's goroutines first: the runtime's own (bgsweep, forcegchelper, ...) wait and
 * yield by design, so they only count when nothing else is there.
 */
export function userFirst<T extends { name: string }>(list: readonly T[]): T[] {
  const user = list.filter((x) => !isSystemGoroutine(x.name));
  return user.length ? user : [...list];
}

function creationStorm(a: TraceAnalysis): CreationStormVerdict | null {
  const c = a.summary.creation;
  const total = c.series.reduce((s, x) => s + x.total, 0);
  if (total === 0) return null;
  const durationNs = a.end - a.start;
  const seconds = Math.max(1e-9, durationNs / 1e9);
  const rate = total / seconds;
  let peak = 0;
  for (let i = 0; i < c.buckets; i++) {
    let n = 0;
    for (const s of c.series) n += s.counts[i] ?? 0;
    if (n > peak) peak = n;
  }
  return {
    kind: 'creation-storm',
    notable: total >= STORM_MIN_CREATED && rate >= STORM_MIN_RATE,
    created: total,
    durationNs,
    perSecond: rate,
    peak,
    bucketNs: c.bucketNs,
    creators: c.series.slice(0, 3).map((s) => ({ count: s.total, share: s.total / total, site: { func: s.func, file: s.file, line: s.line } })),
  };
}

function latency(x: SchedLatency): LatencyFinding {
  return {
    goroutine: x.goroutine,
    name: x.name,
    durationNs: x.duration,
    from: x.from,
    reason: x.reason,
    wokenBy: x.wokenBy,
    site: stackSite(x.stack),
    wokenBySite: x.wokenBy >= 0 ? stackSite(x.wokenByStack) : null,
  };
}

function schedLatency(a: TraceAnalysis): SchedLatencyVerdict | null {
  const lats: SchedLatency[] = userFirst(a.summary.schedLatencies);
  const l = lats[0];
  if (!l) return null;
  return {
    kind: 'sched-latency',
    notable: l.duration >= SCHED_LATENCY_NOTABLE_NS,
    worst: latency(l),
    longest: lats.slice(0, 3).map(latency),
    schedWaitNs: a.summary.goroutineGroups.reduce((s, g) => s + g.schedWaitTime, 0),
    execNs: a.summary.goroutineGroups.reduce((s, g) => s + g.execTime, 0),
  };
}

/** Blocked on a lock: a sync reason with a Mutex or RWMutex frame (not a WaitGroup or Cond). */
const isLock = (b: BlockInterval): boolean => b.reason.startsWith('sync') && b.stack.some((f) => /^sync\.\(\*(RW)?Mutex\)\./.test(f.func));

function block(x: BlockInterval): BlockFinding {
  return {
    goroutine: x.goroutine,
    name: x.name,
    durationNs: x.duration,
    open: x.open,
    reason: x.reason,
    sinceTraceStart: x.sinceTraceStart,
    site: stackSite(x.stack),
  };
}

function blocked(a: TraceAnalysis): BlockedVerdict | null {
  const list: BlockInterval[] = userFirst(a.summary.longestBlocked);
  if (!list.length) return null;
  const lock = list.find((b) => isLock(b) && b.duration >= LOCK_BLOCK_NOTABLE_NS);
  // A goroutine blocked since before the trace shows no reason (Go records none at trace
  // start); one that blocked inside the trace says where and why, so it leads.
  const b = lock ?? list.find((x) => !x.sinceTraceStart) ?? list[0]!;
  const whole = list.filter((x) => x.sinceTraceStart && x.open);
  return {
    kind: 'blocked',
    notable: !!lock,
    finding: lock ? 'lock' : b.sinceTraceStart && b.open ? 'whole-trace' : 'longest',
    block: block(b),
    wholeTrace: whole.length,
    // The summary keeps the 20 longest blocks: when they are all of this kind, there may be more.
    wholeTraceMore: a.summary.longestBlocked.length >= 20 && whole.length === list.length,
    longest: list.slice(0, 5).map(block),
  };
}

function gcPressure(a: TraceAnalysis): GcVerdict | null {
  const g = a.gc;
  if (g.gc.cycles.length === 0 && g.stw.pauses.length === 0) return null;
  const mmu10 = g.mmu.find((m) => m.window === 1e7);
  const crossed: GcVerdict['crossed'] = [];
  if (g.utilization.gcFraction >= GC_CPU_NOTABLE) crossed.push('gc-cpu');
  if (mmu10 && mmu10.mmu < MMU_10MS_NOTABLE) crossed.push('mmu-10ms');
  if (g.stw.max >= STW_NOTABLE_NS) crossed.push('stw-pause');
  return {
    kind: 'gc',
    notable: crossed.length > 0,
    crossed,
    cycles: g.gc.cycles.length,
    markFraction: g.gc.fraction,
    cpuFraction: g.utilization.gcFraction,
    mmu: g.mmu.map((m) => ({ windowNs: m.window, mmu: m.mmu })),
    mmu10ms: mmu10 ? mmu10.mmu : null,
    stwPauses: g.stw.pauses.length,
    stwTotalNs: g.stw.total,
    stwMaxNs: g.stw.max,
    assistNs: g.assist.total,
    assists: g.assist.count,
    assistGoroutines: g.assist.goroutines,
  };
}

function blockingKinds(a: TraceAnalysis): BlockingVerdict {
  const byKind = BLOCKING_KINDS.map((kind) => {
    const s = summariseBlocking(a.blocking[kind], 0);
    return { kind, blockedNs: s.total, waits: s.contentions };
  }).sort((x, y) => y.blockedNs - x.blockedNs);
  return { kind: 'blocking', notable: false, byKind };
}

const LOCK_FRAME = /^sync\.\(\*(RW)?Mutex\)\./;

/** The sync blocking profile's waits on a Mutex or RWMutex, by the user function that locked. */
function lockContention(a: TraceAnalysis): LockContentionVerdict | null {
  const p = a.blocking.sync;
  const fns = new Map(p.functions.map((f) => [String(f.id), f]));
  const locs = new Map(p.locations.map((l) => [String(l.id), l]));
  let total = 0;
  let waits = 0;
  // By site; the key is the site as the report shows it (function, file's base name, line).
  const by = new Map<string, { site: Site | null; blockedNs: number }>();
  for (const s of p.samples) {
    const frames: Frame[] = [];
    for (const id of s.locationIds) {
      const l = locs.get(String(id));
      for (const ln of l?.lines ?? []) {
        const f = fns.get(String(ln.functionId));
        frames.push({ pc: int64ToNumber(l!.address), func: f?.name ?? '', file: f?.filename ?? '', line: int64ToNumber(ln.line) });
      }
    }
    const at = frames.findIndex((f) => LOCK_FRAME.test(f.func));
    if (at < 0) continue;
    const d = int64ToNumber(s.values[1] ?? 0);
    total += d;
    waits += int64ToNumber(s.values[0] ?? 0);
    const site = stackSite(frames.slice(at + 1));
    const key = site ? `${site.func}\u0000${site.file.slice(site.file.lastIndexOf('/') + 1)}\u0000${site.line}` : '';
    let e = by.get(key);
    if (!e) by.set(key, (e = { site, blockedNs: 0 }));
    e.blockedNs += d;
  }
  if (total === 0) return null;
  const span = Math.max(1, a.end - a.start);
  const waiters = total / span;
  // Stable: equal totals keep the order in which the sites were first seen.
  const sites = [...by.values()].sort((x, y) => y.blockedNs - x.blockedNs);
  return {
    kind: 'lock-contention',
    notable: waiters >= LOCK_WAITERS_NOTABLE,
    blockedNs: total,
    waits,
    spanNs: span,
    meanWaiters: waiters,
    sites: sites.slice(0, 3).map((s) => ({ blockedNs: s.blockedNs, share: s.blockedNs / total, site: s.site })),
  };
}

/** The verdicts, notable ones first (in the order above), then the rest. */
export function traceVerdicts(a: TraceAnalysis): TraceVerdict[] {
  const all = [creationStorm(a), schedLatency(a), lockContention(a), blocked(a), gcPressure(a), blockingKinds(a)].filter((v): v is TraceVerdict => v !== null);
  return [...all.filter((v) => v.notable), ...all.filter((v) => !v.notable)];
}
