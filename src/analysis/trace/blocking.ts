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
// Pure: the input is the ordered events (formats/trace/event-stream.ts); stacks are resolved
// through each event's generation table (formats/trace/event.ts).

import type { Profile } from '../../formats/pprof/profile.js';
import { emptyProfile, int64ToNumber } from '../../formats/pprof/profile.js';
import type { Frame } from '../../formats/trace/reader.js';
import { eventStackId, stackFrames, type OrderedEvent } from '../../formats/trace/event.js';
import { siteOf } from '../stack.js';

export type BlockingKind = 'net' | 'sync' | 'syscall' | 'sched';
export const BLOCKING_KINDS: readonly BlockingKind[] = ['net', 'sync', 'syscall', 'sched'];

/** Max frames Go keys (and keeps) a stack by (cmd/trace pprofMaxStack). */
const MAX_STACK = 128;

/** Frames of each (generation table, stack ID), resolved once: many intervals share a stack. */
function frameCache(): (e: OrderedEvent) => Frame[] {
  const byTable = new WeakMap<object, Map<number, Frame[]>>();
  let lastTable: object | null = null;
  let last: Map<number, Frame[]> | null = null;
  return (e) => {
    const id = eventStackId(e);
    if (id === 0 || !e.table) return [];
    // Events come a generation at a time: the table is nearly always the previous one's.
    let m = e.table === lastTable ? last! : byTable.get(e.table);
    if (!m) byTable.set(e.table, (m = new Map()));
    lastTable = e.table;
    last = m;
    let f = m.get(id);
    if (!f) m.set(id, (f = stackFrames(e.table, id)));
    return f;
  };
}

/** Go's reasons for the sync profile: a Waiting reason containing "chan", "sync" or "select". */
function isSyncReason(r: string): boolean {
  return r.includes('chan') || r.includes('sync') || r.includes('select');
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

interface Pending {
  kind: BlockingKind;
  start: number;
  end: number;
  frames: Frame[];
}

/**
 * What the builder knows of one goroutine: the trace summary's lifetime and, per kind, the
 * open interval (its start time and the starting event's frames; frames null: none open).
 * One record per goroutine makes an event cost one map lookup, not one per kind.
 */
interface GState {
  life: Lifetime | null;
  netAt: number;
  netFrames: Frame[] | null;
  syncAt: number;
  syncFrames: Frame[] | null;
  syscallAt: number;
  syscallFrames: Frame[] | null;
  schedAt: number;
  schedFrames: Frame[] | null;
}

/** Go's interval.overlap of [as, ae] and [bs, be]. */
function overlap(as: number, ae: number, bs: number, be: number): number {
  if (ae < bs || be < as) return 0;
  return (ae > be ? be : ae) - (as < bs ? bs : as);
}

/**
 * The four blocking profiles of a trace, in one pass over its ordered events, as
 * `go tool trace -pprof=KIND` builds them (no goroutine or region filter). A streaming
 * consumer: feed every event to add(), then finish().
 *
 * Per kind, Go's makeComputePprofFunc: a goroutine entering the kind's state (Waiting on
 * "network" for net; Waiting on a chan/sync/select reason for sync; Syscall; Runnable for
 * sched) opens an interval at that event; entering the same state again changes nothing;
 * the first transition into another state closes it.
 */
export class BlockingBuilder {
  private readonly framesOf = frameCache();
  private readonly gs = new Map<number, GState>();
  // Go collects every interval and clips them at the end; here each is added up as soon as
  // it closes (memory bounded by distinct stacks, not by events): by then the goroutine's
  // start is known, and its end can only be later. Only intervals of goroutines that have
  // not run yet wait (Go drops them if the goroutine ever runs).
  private readonly acc: Record<BlockingKind, Map<Frame[], Rec & { seq: number }>> = { net: new Map(), sync: new Map(), syscall: new Map(), sched: new Map() };
  private readonly pending = new Map<number, Pending[]>();
  private seq = 0;
  private lastTime = 0;

  add(e: OrderedEvent): void {
    this.lastTime = e.time;
    const t = e.transition;
    if (e.kind !== 'StateTransition' || !t || t.resource !== 'goroutine') return;
    const id = t.id;
    let g = this.gs.get(id);
    if (!g) {
      g = { life: null, netAt: 0, netFrames: null, syncAt: 0, syncFrames: null, syscallAt: 0, syscallFrames: null, schedAt: 0, schedFrames: null };
      this.gs.set(id, g);
    }
    const to = t.to;
    const time = e.time;

    // Summary: the goroutine's lifetime (internal/trace summary.go StartTime, EndTime).
    if (t.from !== to) {
      if (t.from === 'Undetermined' || t.from === 'NotExist' || !g.life) g.life = { start: 0, end: 0 };
      if (to === 'Running') {
        if (g.life.start === 0) {
          g.life.start = time;
          // Its intervals so far ended before it first ran: clipped to nothing, as in Go.
          this.pending.delete(id);
        }
      } else if (to === 'NotExist' || (to === 'Waiting' && t.reason === 'forever')) {
        g.life.end = time;
      }
    }

    // The four state machines, spelled out (Waiting: net or sync by reason).
    const waiting = to === 'Waiting';
    if (g.netFrames === null) {
      if (waiting && t.reason === 'network') {
        g.netAt = time;
        g.netFrames = this.framesOf(e);
      }
    } else if (!waiting) {
      const f = g.netFrames;
      g.netFrames = null;
      this.close('net', id, g, g.netAt, time, f);
    }
    if (g.syncFrames === null) {
      if (waiting && isSyncReason(t.reason)) {
        g.syncAt = time;
        g.syncFrames = this.framesOf(e);
      }
    } else if (!waiting) {
      const f = g.syncFrames;
      g.syncFrames = null;
      this.close('sync', id, g, g.syncAt, time, f);
    }
    if (g.syscallFrames === null) {
      if (to === 'Syscall') {
        g.syscallAt = time;
        g.syscallFrames = this.framesOf(e);
      }
    } else if (to !== 'Syscall') {
      const f = g.syscallFrames;
      g.syscallFrames = null;
      this.close('syscall', id, g, g.syscallAt, time, f);
    }
    if (g.schedFrames === null) {
      if (to === 'Runnable') {
        g.schedAt = time;
        g.schedFrames = this.framesOf(e);
      }
    } else if (to !== 'Runnable') {
      const f = g.schedFrames;
      g.schedFrames = null;
      this.close('sched', id, g, g.schedAt, time, f);
    }
  }

  private close(kind: BlockingKind, id: number, g: GState, start: number, end: number, frames: Frame[]): void {
    const life = g.life;
    // No lifetime: Go finds none at the end either (a later one would start after this).
    if (!life) return;
    if (life.start === 0) {
      let list = this.pending.get(id);
      if (!list) this.pending.set(id, (list = []));
      list.push({ kind, start, end, frames });
      return;
    }
    // The goroutine's end, when it comes, is at or after this interval's end.
    this.count(kind, frames, overlap(life.start, life.end === 0 ? Number.MAX_SAFE_INTEGER : life.end, start, end));
  }

  private count(kind: BlockingKind, frames: Frame[], d: number): void {
    if (d <= 0) return;
    const m = this.acc[kind];
    let rec = m.get(frames);
    if (!rec) m.set(frames, (rec = { frames, count: 0, time: 0, seq: 0 }));
    rec.count++;
    rec.time += d;
    rec.seq = ++this.seq;
  }

  finish(): Record<BlockingKind, Profile> {
    // Goroutines that never ran: their intervals count whole, clipped to their end.
    for (const [id, list] of this.pending) {
      const life = this.gs.get(id)!.life!;
      for (const iv of list) this.count(iv.kind, iv.frames, overlap(0, life.end === 0 ? this.lastTime : life.end, iv.start, iv.end));
    }
    this.pending.clear();
    const out = {} as Record<BlockingKind, Profile>;
    for (const kind of BLOCKING_KINDS) {
      const recs = new Map<string, Rec & { seq: number }>();
      for (const r of this.acc[kind].values()) {
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

/** Where a blocking sample waited: the shared rule (analysis/stack.ts siteOf) on its function names. */
function blockedIn(stack: string[]): string {
  return siteOf(stack.map((func) => ({ func })))?.func ?? '(no stack)';
}
