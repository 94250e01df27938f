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
// Pure: the input is the ordered events (formats/trace/order.ts); stacks are resolved
// through each event's generation table (formats/trace/event.ts).

import type { Profile } from '../../formats/pprof/profile.js';
import { emptyProfile, int64ToNumber } from '../../formats/pprof/profile.js';
import type { OrderedEvent } from '../../formats/trace/order.js';
import type { Frame } from '../../formats/trace/reader.js';
import { eventStackId, stackFrames } from '../../formats/trace/event.js';

export type BlockingKind = 'net' | 'sync' | 'syscall' | 'sched';
export const BLOCKING_KINDS: readonly BlockingKind[] = ['net', 'sync', 'syscall', 'sched'];

/** Max frames Go keys (and keeps) a stack by (cmd/trace pprofMaxStack). */
const MAX_STACK = 128;

/** Frames of each (generation table, stack ID), resolved once: many intervals share a stack. */
function frameCache(): (e: OrderedEvent) => Frame[] {
  const byTable = new WeakMap<object, Map<number, Frame[]>>();
  return (e) => {
    const id = eventStackId(e);
    if (id === 0 || !e.table) return [];
    let m = byTable.get(e.table);
    if (!m) byTable.set(e.table, (m = new Map()));
    let f = m.get(id);
    if (!f) m.set(id, (f = stackFrames(e.table, id)));
    return f;
  };
}

const TRACKED: Record<BlockingKind, { state: string; reason: (r: string) => boolean }> = {
  net: { state: 'Waiting', reason: (r) => r === 'network' },
  sync: { state: 'Waiting', reason: (r) => r.includes('chan') || r.includes('sync') || r.includes('select') },
  syscall: { state: 'Syscall', reason: () => true },
  sched: { state: 'Runnable', reason: () => true },
};

interface Open {
  time: number;
  frames: Frame[];
}

interface Interval {
  g: number;
  start: number;
  end: number;
  frames: Frame[];
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
 * `go tool trace -pprof=KIND` builds them (no goroutine or region filter). A streaming
 * consumer: feed every event to add(), then finish().
 */
export class BlockingBuilder {
  private readonly framesOf = frameCache();
  private readonly tracking = new Map<BlockingKind, Map<number, Open>>(BLOCKING_KINDS.map((k) => [k, new Map()]));
  // Go collects every interval and clips them at the end; here each is added up as soon as
  // it closes (memory bounded by distinct stacks, not by events): by then the goroutine's
  // start is known, and its end can only be later. Only intervals of goroutines that have
  // not run yet wait (Go drops them if the goroutine ever runs).
  private readonly acc = new Map<BlockingKind, Map<Frame[], Rec & { seq: number }>>(BLOCKING_KINDS.map((k) => [k, new Map()]));
  private readonly pending = new Map<number, (Interval & { kind: BlockingKind })[]>();
  private seq = 0;
  // The trace summary's goroutines (internal/trace summary.go): StartTime, EndTime.
  private readonly lifetimes = new Map<number, { start: number; end: number }>();
  private lastTime = 0;

  add(e: OrderedEvent): void {
    this.lastTime = e.time;
    const t = e.transition;
    if (e.kind !== 'StateTransition' || !t || t.resource !== 'goroutine') return;
    const id = t.id;

    // Summary.
    if (t.from !== t.to) {
      let life = this.lifetimes.get(id);
      if (t.from === 'Undetermined' || t.from === 'NotExist' || !life) {
        life = { start: 0, end: 0 };
        this.lifetimes.set(id, life);
      }
      if (t.to === 'Running') {
        if (life.start === 0) {
          life.start = e.time;
          // Its intervals so far ended before it first ran: clipped to nothing, as in Go.
          this.pending.delete(id);
        }
      } else if (t.to === 'NotExist' || (t.to === 'Waiting' && t.reason === 'forever')) {
        life.end = e.time;
      }
    }

    // The per-kind state machines (makeComputePprofFunc).
    for (const kind of BLOCKING_KINDS) {
      const { state, reason } = TRACKED[kind];
      const open = this.tracking.get(kind)!;
      const start = open.get(id);
      if (!start) {
        if (t.to === state && reason(t.reason)) open.set(id, { time: e.time, frames: this.framesOf(e) });
        continue;
      }
      if (t.to === state) continue;
      open.delete(id);
      this.close(kind, { g: id, start: start.time, end: e.time, frames: start.frames });
    }
  }

  private close(kind: BlockingKind, iv: Interval): void {
    const life = this.lifetimes.get(iv.g);
    // No lifetime: Go finds none at the end either (a later one would start after this).
    if (!life) return;
    if (life.start === 0) {
      let list = this.pending.get(iv.g);
      if (!list) this.pending.set(iv.g, (list = []));
      list.push({ ...iv, kind });
      return;
    }
    // The goroutine's end, when it comes, is at or after this interval's end.
    this.count(kind, iv, overlap({ start: life.start, end: life.end === 0 ? Number.MAX_SAFE_INTEGER : life.end }, iv));
  }

  private count(kind: BlockingKind, iv: Interval, d: number): void {
    if (d <= 0) return;
    const m = this.acc.get(kind)!;
    let rec = m.get(iv.frames);
    if (!rec) m.set(iv.frames, (rec = { frames: iv.frames, count: 0, time: 0, seq: 0 }));
    rec.count++;
    rec.time += d;
    rec.seq = ++this.seq;
  }

  finish(): Record<BlockingKind, Profile> {
    // Goroutines that never ran: their intervals count whole, clipped to their end.
    for (const [g, list] of this.pending) {
      const life = this.lifetimes.get(g)!;
      for (const iv of list) this.count(iv.kind, iv, overlap({ start: 0, end: life.end === 0 ? this.lastTime : life.end }, iv));
    }
    this.pending.clear();
    const out = {} as Record<BlockingKind, Profile>;
    for (const kind of BLOCKING_KINDS) {
      const recs = new Map<string, Rec & { seq: number }>();
      for (const r of this.acc.get(kind)!.values()) {
        // Go keys by a zero-padded [128]uint64 of PCs: trailing zero PCs (frames missing from
        // the table, see stackFrames) do not distinguish stacks.
        const pcs = r.frames.slice(0, MAX_STACK).map((f) => f.pc);
        while (pcs.length > 0 && pcs[pcs.length - 1] === 0) pcs.pop();
        const key = pcs.join(',');
        const rec = recs.get(key);
        if (!rec) {
          recs.set(key, { ...r });
          continue;
        }
        // Go keeps the newest trace.Stack of equal PCs.
        if (r.seq > rec.seq) {
          rec.frames = r.frames;
          rec.seq = r.seq;
        }
        rec.count += r.count;
        rec.time += r.time;
      }
      out[kind] = buildProfile(recs.values());
    }
    return out;
  }
}

/** The four blocking profiles of a stream of ordered events (see BlockingBuilder). */
export function blockingProfiles(events: Iterable<OrderedEvent>): Record<BlockingKind, Profile> {
  const b = new BlockingBuilder();
  for (const e of events) b.add(e);
  return b.finish();
}

/** One blocking profile (see blockingProfiles). */
export function blockingProfile(events: Iterable<OrderedEvent>, kind: BlockingKind): Profile {
  return blockingProfiles(events)[kind];
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

export interface BlockingTop {
  function: string;
  delayNs: number;
  contentions: number;
}

export interface BlockingSummary {
  /** Total delay, in nanoseconds. */
  total: number;
  contentions: number;
  /** The functions that waited most (each sample charged to blockedIn's function), by delay. */
  top: BlockingTop[];
}

/** Totals of a blocking profile and its top functions by delay. */
export function summariseBlocking(p: Profile, top = 3): BlockingSummary {
  const locs = new Map(p.locations.map((l) => [String(l.id), l]));
  const fns = new Map(p.functions.map((f) => [String(f.id), f.name]));
  let total = 0;
  let contentions = 0;
  const byFn = new Map<string, BlockingTop>();
  for (const s of p.samples) {
    const n = int64ToNumber(s.values[0] ?? 0);
    const d = int64ToNumber(s.values[1] ?? 0);
    total += d;
    contentions += n;
    // Frames innermost first (a location's lines: inlined callee first).
    const stack: string[] = [];
    for (const id of s.locationIds) for (const ln of locs.get(String(id))?.lines ?? []) stack.push(fns.get(String(ln.functionId)) ?? '');
    const name = blockedIn(stack);
    const t = byFn.get(name) ?? { function: name, delayNs: 0, contentions: 0 };
    t.delayNs += d;
    t.contentions += n;
    byFn.set(name, t);
  }
  return { total, contentions, top: [...byFn.values()].sort((a, b) => b.delayNs - a.delayNs || a.function.localeCompare(b.function)).slice(0, top) };
}

/** The leaf-most main. function, else the leaf-most non-standard-library one, else the leaf. */
function blockedIn(stack: string[]): string {
  const main = stack.find((f) => f.startsWith('main.'));
  if (main) return main;
  const user = stack.find((f) => {
    const pkg = f.split('/')[0]!;
    return f.includes('/') && pkg.includes('.') && !pkg.startsWith('golang.org');
  });
  return user ?? stack[0] ?? '(no stack)';
}
