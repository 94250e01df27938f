// Verdicts on a trace: the questions users bring to it, answered from the analyses.
//   - is there a goroutine creation storm, and who creates;
//   - where does scheduling latency (runnable -> running) come from;
//   - which goroutines were blocked longest, and where;
//   - is the GC a problem (CPU share, stop-the-world pauses, assists, MMU);
//   - what goroutines waited on most (the blocking profiles).
// Each verdict is `notable` when it crosses a threshold worth acting on; the thresholds are
// constants here, named, so the README can quote them.
import type { Frame } from '../../formats/trace/reader.js';
import { int64ToNumber } from '../../formats/pprof/profile.js';
import type { TraceAnalysis } from './analyse.js';
import { BLOCKING_KINDS, summariseBlocking, type BlockingKind, type BlockingSummary } from './blocking.js';
import { isSystemGoroutine } from './summary.js';
import type { BlockInterval, SchedLatency } from './summary-types.js';
import { siteOf } from '../stack.js';
import { formatNs } from '../../shared/duration.js';

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

export type VerdictKind = 'creation-storm' | 'sched-latency' | 'lock-contention' | 'blocked' | 'gc' | 'blocking';

export interface TraceVerdict {
  kind: VerdictKind;
  notable: boolean;
  /** One line. */
  text: string;
  /** Supporting lines (where, who). */
  details: string[];
}

/** A frame as "func (file:line)", with the file's base name. */
export function frameText(f: Frame | undefined): string {
  if (!f) return '(no stack)';
  const file = f.file.slice(f.file.lastIndexOf('/') + 1);
  return `${f.func} (${file}:${f.line})`;
}

/** The leaf-most frame outside the runtime (the user's code that blocked or was preempted). */
/** Where to point in a trace stack: the shared rule (analysis/stack.ts siteOf). */
export function userFrame(stack: readonly Frame[]): Frame | undefined {
  return siteOf(stack);
}


const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

function creationStorm(a: TraceAnalysis): TraceVerdict | null {
  const c = a.summary.creation;
  const total = c.series.reduce((s, x) => s + x.total, 0);
  if (total === 0) return null;
  const seconds = Math.max(1e-9, (a.end - a.start) / 1e9);
  const rate = total / seconds;
  let peak = 0;
  for (let i = 0; i < c.buckets; i++) {
    let n = 0;
    for (const s of c.series) n += s.counts[i] ?? 0;
    if (n > peak) peak = n;
  }
  const notable = total >= STORM_MIN_CREATED && rate >= STORM_MIN_RATE;
  const top = c.series[0]!;
  const details = c.series.slice(0, 3).map((s) => `${int(s.total)} (${pct(s.total / total)}) created at ${s.func} (${s.file.slice(s.file.lastIndexOf('/') + 1)}:${s.line})`);
  const text = `${notable ? 'goroutine creation storm: ' : ''}${int(total)} goroutines created in ${formatNs(a.end - a.start)} (${int(rate)}/s, peak ${int(peak)} in ${formatNs(c.bucketNs)}), ${pct(top.total / total)} by ${top.func}`;
  return { kind: 'creation-storm', notable, text, details };
}

/**
 * The user's goroutines first: the runtime's own (bgsweep, forcegchelper, ...) wait and
 * yield by design, so they only count when nothing else is there.
 */
export function userFirst<T extends { name: string }>(list: readonly T[]): T[] {
  const user = list.filter((x) => !isSystemGoroutine(x.name));
  return user.length ? user : [...list];
}

function schedLatency(a: TraceAnalysis): TraceVerdict | null {
  const lats: SchedLatency[] = userFirst(a.summary.schedLatencies);
  const l = lats[0];
  if (!l) return null;
  const wait = a.summary.goroutineGroups.reduce((s, g) => s + g.schedWaitTime, 0);
  const exec = a.summary.goroutineGroups.reduce((s, g) => s + g.execTime, 0);
  const notable = l.duration >= SCHED_LATENCY_NOTABLE_NS;
  const how = l.from === 'Waiting' ? `after being unblocked${l.wokenBy >= 0 ? ` by goroutine ${l.wokenBy}` : ''}` : l.from === 'NotExist' ? 'after its creation' : l.from === 'Running' ? `after a stop (${l.reason || 'unknown reason'})` : 'from the start of the trace';
  const text = `${notable ? 'scheduling latency: ' : ''}goroutines waited up to ${formatNs(l.duration)} for a P (runnable -> running): goroutine ${l.goroutine} ${l.name || '(unnamed)'} ${how}; ${formatNs(wait)} of scheduler wait in total against ${formatNs(exec)} of execution`;
  const details = lats.slice(0, 3).map((x) => `${formatNs(x.duration)} goroutine ${x.goroutine} ${x.name}, runnable at ${frameText(userFrame(x.stack))}${x.wokenBy >= 0 && x.wokenByStack.length ? `, woken by goroutine ${x.wokenBy} at ${frameText(userFrame(x.wokenByStack))}` : ''}`);
  return { kind: 'sched-latency', notable, text, details };
}

/** Blocked on a lock: a sync reason with a Mutex or RWMutex frame (not a WaitGroup or Cond). */
const isLock = (b: BlockInterval): boolean => b.reason.startsWith('sync') && b.stack.some((f) => /^sync\.\(\*(RW)?Mutex\)\./.test(f.func));

function blocked(a: TraceAnalysis): TraceVerdict | null {
  const list: BlockInterval[] = userFirst(a.summary.longestBlocked);
  if (!list.length) return null;
  const lock = list.find((b) => isLock(b) && b.duration >= LOCK_BLOCK_NOTABLE_NS);
  // A goroutine blocked since before the trace shows no reason (Go records none at trace
  // start); one that blocked inside the trace says where and why, so it leads.
  const b = lock ?? list.find((x) => !x.sinceTraceStart) ?? list[0]!;
  const notable = !!lock;
  const whole = list.filter((x) => x.sinceTraceStart && x.open);
  let text: string;
  if (!lock && b.sinceTraceStart && b.open) {
    // Blocked for the whole trace: Go records no reason for a wait that began before it,
    // so say what is known (how many, and where they sit).
    // The summary keeps the 20 longest blocks: when they are all of this kind, there may be more.
    const n = a.summary.longestBlocked.length >= 20 && whole.length === list.length ? `${whole.length}+` : String(whole.length);
    text = `${n} goroutine${whole.length === 1 ? ' was' : 's were'} blocked for the whole trace (since before it started), e.g. goroutine ${b.goroutine} ${b.name || '(unnamed)'} at ${frameText(userFrame(b.stack))}`;
  } else {
    text = `${notable ? 'lock wait: ' : ''}goroutine ${b.goroutine} ${b.name || '(unnamed)'} was blocked ${formatNs(b.duration)}${b.open ? '+' : ''} on ${b.reason || 'an unknown reason'} at ${frameText(userFrame(b.stack))}${b.sinceTraceStart ? ' (already blocked when the trace started)' : ''}`;
  }
  const details = list.slice(0, 5).map((x) => `${formatNs(x.duration)}${x.open ? '+' : ''} goroutine ${x.goroutine} ${x.name}: ${x.reason || (x.sinceTraceStart ? 'blocked since before the trace' : 'unknown reason')} at ${frameText(userFrame(x.stack))}`);
  return { kind: 'blocked', notable, text, details };
}

function gcPressure(a: TraceAnalysis): TraceVerdict | null {
  const g = a.gc;
  if (g.gc.cycles.length === 0 && g.stw.pauses.length === 0) return null;
  const mmu10 = g.mmu.find((m) => m.window === 1e7);
  const reasons: string[] = [];
  if (g.utilization.gcFraction >= GC_CPU_NOTABLE) reasons.push(`GC used ${pct(g.utilization.gcFraction)} of the CPU capacity`);
  if (mmu10 && mmu10.mmu < MMU_10MS_NOTABLE) reasons.push(`in the worst 10 ms window the program had ${pct(mmu10.mmu)} of the CPU`);
  if (g.stw.max >= STW_NOTABLE_NS) reasons.push(`a stop-the-world pause of ${formatNs(g.stw.max)}`);
  const notable = reasons.length > 0;
  const mmu = g.mmu.map((m) => `${formatNs(m.window)} ${pct(m.mmu)}`).join(', ');
  const text = notable
    ? `GC pressure: ${reasons.join('; ')} (${g.gc.cycles.length} cycles, marking ${pct(g.gc.fraction)} of the time)`
    : `${g.gc.cycles.length} GC cycles, marking ${pct(g.gc.fraction)} of the time, ${pct(g.utilization.gcFraction)} of the CPU capacity, STW max ${formatNs(g.stw.max)}`;
  const details = [`minimum mutator utilisation: ${mmu}`, `stop-the-world: ${g.stw.pauses.length} pauses, ${formatNs(g.stw.total)} total, max ${formatNs(g.stw.max)}`, `mark assist: ${formatNs(g.assist.total)} in ${int(g.assist.count)} assists by ${int(g.assist.goroutines)} goroutines`];
  return { kind: 'gc', notable, text, details };
}

function blockingKinds(a: TraceAnalysis): TraceVerdict {
  const totals = BLOCKING_KINDS.map((k) => [k, summariseBlocking(a.blocking[k], 0)] as [BlockingKind, BlockingSummary]).sort((x, y) => y[1].total - x[1].total);
  const [k, t] = totals[0]!;
  if (t.total === 0) return { kind: 'blocking', notable: false, text: 'no blocking recorded in this trace', details: [] };
  return {
    kind: 'blocking',
    notable: false,
    text: `goroutines waited longest on ${k} (${formatNs(t.total)} over ${int(t.contentions)} waits)`,
    details: totals.map(([kind, x]) => `${kind}: ${formatNs(x.total)} over ${int(x.contentions)} waits`),
  };
}

const LOCK_FRAME = /^sync\.\(\*(RW)?Mutex\)\./;

/** The sync blocking profile's waits on a Mutex or RWMutex, by the user function that locked. */
function lockContention(a: TraceAnalysis): TraceVerdict | null {
  const p = a.blocking.sync;
  const fns = new Map(p.functions.map((f) => [String(f.id), f]));
  const locs = new Map(p.locations.map((l) => [String(l.id), l]));
  let total = 0;
  let waits = 0;
  const by = new Map<string, number>();
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
    const site = frameText(userFrame(frames.slice(at + 1)));
    by.set(site, (by.get(site) ?? 0) + d);
  }
  if (total === 0) return null;
  const span = Math.max(1, a.end - a.start);
  const waiters = total / span;
  const notable = waiters >= LOCK_WAITERS_NOTABLE;
  const sites = [...by].sort((x, y) => y[1] - x[1]);
  const text = `${notable ? 'lock contention: ' : ''}goroutines spent ${formatNs(total)} blocked on sync.Mutex/RWMutex over ${int(waits)} waits in ${formatNs(span)} (${waiters.toFixed(1)} waiting on average), most at ${sites[0]![0]}`;
  return { kind: 'lock-contention', notable, text, details: sites.slice(0, 3).map(([site, d]) => `${formatNs(d)} (${pct(d / total)}) locking at ${site}`) };
}

/** The verdicts, notable ones first (in the order above), then the rest. */
export function traceVerdicts(a: TraceAnalysis): TraceVerdict[] {
  const all = [creationStorm(a), schedLatency(a), lockContention(a), blocked(a), gcPressure(a), blockingKinds(a)].filter((v): v is TraceVerdict => v !== null);
  return [...all.filter((v) => v.notable), ...all.filter((v) => !v.notable)];
}
