// Blocking profiles from a Go execution trace: what `go tool trace -pprof=net|sync|syscall|sched`
// prints (cmd/trace/pprof.go, internal/trace/traceviewer/pprof.go BuildProfile).
//
// For each kind, Go follows every goroutine state transition of the ordered event stream:
//   net     -> Waiting with reason "network"
//   sync    -> Waiting with a reason containing "chan", "sync" or "select"
//   syscall -> Syscall (any reason)
//   sched   -> Runnable (any reason)
// A goroutine entering that state (for a tracked reason) starts an interval at the
// transition event; transitions into the same state again are ignored; the first
// transition into another state closes it. The interval is clipped to the goroutine's
// lifetime as the trace summary knows it ([first time Running, exit time or trace end]),
// and when the clipped duration is > 0 the *starting* event's stack (Event.Stack(): the
// event's own stack argument, not the transition's goroutine stack) gets count += 1 and
// delay += duration. Stacks are merged by their PCs (first 128); locations are keyed by
// PC, functions by file + name; sample types contentions/count and delay/nanoseconds,
// period type trace/count, period 1. Intervals still open at the end of the trace are
// dropped, as Go does.
//
// Pure: the input is the ordered events (formats/trace/order.ts) and a lookup of the
// trace's stack tables.

import type { Profile } from '../../formats/pprof/profile.js';
import { emptyProfile } from '../../formats/pprof/profile.js';
import type { OrderedEvent } from '../../formats/trace/order.js';
import type { Frame, Generation } from '../../formats/trace/reader.js';
import { timedEventSpec } from '../../formats/trace/spec.js';

export type BlockingKind = 'net' | 'sync' | 'syscall' | 'sched';
export const BLOCKING_KINDS: readonly BlockingKind[] = ['net', 'sync', 'syscall', 'sched'];

/** The frames (innermost first) of stack `stack` of generation `gen`; [] for none. */
export type StackLookup = (gen: number, stack: number) => Frame[];

/** A StackLookup over the generations of a trace (reader.ts readTrace / readGenerations). */
export function generationStacks(generations: Iterable<Generation>): StackLookup {
  const byGen = new Map<number, Generation>();
  for (const g of generations) byGen.set(g.gen, g);
  return (gen, stack) => {
    const g = byGen.get(gen);
    const pcs = g && stack !== 0 ? g.stacks.get(stack) : undefined;
    if (!g || !pcs) return [];
    // As Go's Stack.Frames: a PC missing from the frame table is a zero frame (PC 0, no
    // function, file or line).
    return pcs.map((pc) => {
      const f = g.frames.get(pc);
      return f ? { pc, func: g.strings.get(f.funcID) ?? '', file: g.strings.get(f.fileID) ?? '', line: f.line } : { pc: 0, func: '', file: '', line: 0 };
    });
  };
}

/** Max frames Go keys (and keeps) a stack by (cmd/trace pprofMaxStack). */
const MAX_STACK = 128;

/** Index into OrderedEvent.args of the event's main stack (Go's Spec.StackIDs[0]-1), or -1. */
const stackArg = new Map<number, number>();
function stackArgIndex(type: number): number {
  let i = stackArg.get(type);
  if (i === undefined) {
    const spec = timedEventSpec(26, type);
    // spec.args starts with dt, which OrderedEvent.args does not carry.
    i = spec ? spec.args.indexOf('stack') - 1 : -1;
    if (i < -1) i = -1;
    stackArg.set(type, i);
  }
  return i;
}

/** Go's Event.Stack() of a transition event: its stack ID (0 for none). */
function eventStack(e: OrderedEvent): number {
  const i = stackArgIndex(e.type);
  return i >= 0 ? (e.args[i] ?? 0) : 0;
}

const TRACKED: Record<BlockingKind, { state: string; reason: (r: string) => boolean }> = {
  net: { state: 'Waiting', reason: (r) => r === 'network' },
  sync: { state: 'Waiting', reason: (r) => r.includes('chan') || r.includes('sync') || r.includes('select') },
  syscall: { state: 'Syscall', reason: () => true },
  sched: { state: 'Runnable', reason: () => true },
};

interface Open {
  time: number;
  gen: number;
  stack: number;
}

interface Interval {
  g: number;
  start: number;
  end: number;
  gen: number;
  stack: number;
}

interface Lifetime {
  start: number;
  end: number;
}

interface Rec {
  frames: Frame[];
  count: number;
  time: number;
}

/** Go's interval.overlap. */
function overlap(a: Lifetime, b: Lifetime): number {
  if (a.end < b.start || b.end < a.start) return 0;
  const s = a.start < b.start ? b.start : a.start;
  const e = a.end > b.end ? b.end : a.end;
  return e - s;
}

/**
 * The four blocking profiles of a trace, in one pass over its ordered events, as
 * `go tool trace -pprof=KIND` builds them (no goroutine or region filter).
 */
export function blockingProfiles(events: Iterable<OrderedEvent>, stacks: StackLookup): Record<BlockingKind, Profile> {
  const tracking = new Map<BlockingKind, Map<number, Open>>(BLOCKING_KINDS.map((k) => [k, new Map()]));
  const closed = new Map<BlockingKind, Interval[]>(BLOCKING_KINDS.map((k) => [k, []]));
  // The trace summary's goroutines (internal/trace summary.go): StartTime, EndTime.
  const lifetimes = new Map<number, { start: number; end: number }>();
  let lastTime = 0;

  for (const e of events) {
    lastTime = e.time;
    const t = e.transition;
    if (e.kind !== 'StateTransition' || !t || t.resource !== 'goroutine') continue;
    const id = t.id;

    // Summary.
    if (t.from !== t.to) {
      let life = lifetimes.get(id);
      if (t.from === 'Undetermined' || t.from === 'NotExist' || !life) {
        life = { start: 0, end: 0 };
        lifetimes.set(id, life);
      }
      if (t.to === 'Running') {
        if (life.start === 0) life.start = e.time;
      } else if (t.to === 'NotExist' || (t.to === 'Waiting' && t.reason === 'forever')) {
        life.end = e.time;
      }
    }

    // The per-kind state machines (makeComputePprofFunc).
    for (const kind of BLOCKING_KINDS) {
      const { state, reason } = TRACKED[kind];
      const open = tracking.get(kind)!;
      const start = open.get(id);
      if (!start) {
        if (t.to === state && reason(t.reason)) open.set(id, { time: e.time, gen: e.gen, stack: eventStack(e) });
        continue;
      }
      if (t.to === state) continue;
      open.delete(id);
      closed.get(kind)!.push({ g: id, start: start.time, end: e.time, gen: start.gen, stack: start.stack });
    }
  }

  const out = {} as Record<BlockingKind, Profile>;
  const framesCache = new Map<string, Frame[]>();
  const framesOf = (gen: number, stack: number): Frame[] => {
    const k = `${gen}:${stack}`;
    let f = framesCache.get(k);
    if (!f) {
      f = stack === 0 ? [] : stacks(gen, stack);
      framesCache.set(k, f);
    }
    return f;
  };
  for (const kind of BLOCKING_KINDS) {
    const recs = new Map<string, Rec>();
    for (const iv of closed.get(kind)!) {
      const life = lifetimes.get(iv.g);
      if (!life) continue;
      const d = overlap({ start: life.start, end: life.end === 0 ? lastTime : life.end }, iv);
      if (d <= 0) continue;
      const frames = framesOf(iv.gen, iv.stack);
      // Go keys by a zero-padded [128]uint64 of PCs: trailing zero PCs (frames missing from
      // the table, see generationStacks) do not distinguish stacks.
      const pcs = frames.slice(0, MAX_STACK).map((f) => f.pc);
      while (pcs.length > 0 && pcs[pcs.length - 1] === 0) pcs.pop();
      const key = pcs.join(',');
      let rec = recs.get(key);
      if (!rec) {
        rec = { frames, count: 0, time: 0 };
        recs.set(key, rec);
      }
      // Go keeps the newest trace.Stack of equal PCs.
      rec.frames = frames;
      rec.count++;
      rec.time += d;
    }
    out[kind] = buildProfile(recs.values());
  }
  return out;
}

/** One blocking profile (see blockingProfiles). */
export function blockingProfile(events: Iterable<OrderedEvent>, kind: BlockingKind, stacks: StackLookup): Profile {
  return blockingProfiles(events, stacks)[kind];
}

/** traceviewer.BuildProfile. */
function buildProfile(recs: Iterable<Rec>): Profile {
  const p = emptyProfile();
  p.periodType = { type: 'trace', unit: 'count' };
  p.period = 1;
  p.sampleTypes = [
    { type: 'contentions', unit: 'count' },
    { type: 'delay', unit: 'nanoseconds' },
  ];
  const locs = new Map<number, number>();
  const funcs = new Map<string, number>();
  for (const rec of recs) {
    const ids: number[] = [];
    // Go appends frames until i >= pprofMaxStack, i.e. at most 129; stacks have <= 128.
    for (const frame of rec.frames.slice(0, MAX_STACK + 1)) {
      let loc = locs.get(frame.pc);
      if (loc === undefined) {
        const fk = `${frame.file}\u0000${frame.func}`;
        let fn = funcs.get(fk);
        if (fn === undefined) {
          fn = p.functions.length + 1;
          p.functions.push({ id: fn, name: frame.func, systemName: frame.func, filename: frame.file, startLine: 0 });
          funcs.set(fk, fn);
        }
        loc = p.locations.length + 1;
        p.locations.push({ id: loc, mappingId: 0, address: frame.pc, lines: [{ functionId: fn, line: frame.line, column: 0 }], isFolded: false });
        locs.set(frame.pc, loc);
      }
      ids.push(loc);
    }
    p.samples.push({ locationIds: ids, values: [rec.count, rec.time], labels: [] });
  }
  return p;
}
