// Ordering layer of the Go 1.22+ execution-trace parser: merges the per-M event batches of
// each generation (reader.ts) into one stream in exactly the order Go's reader produces,
// with Go's timestamps. A port of src/internal/trace: reader.go (ReadEvent: the frontier of
// per-M batch cursors, tryAdvance, CPU samples merged by time, Sync events at generation
// boundaries, the strictly increasing time fix-up), batchcursor.go (the cursor and its
// min-heap, ported operation by operation so that ties break as in Go) and order.go (the
// goroutine/proc/M state machine with sequence numbers, GC sequence, ranges, regions, tasks).
//
// Timestamps (base.go, batchcursor.go): freq = 1 / (ticksPerSecond / 1e9) ns per tick, as a
// float64; a tick value t becomes Math.trunc(t * freq) (Go's int64(float64) conversion).
// Each event's time is mul(dt) + the previous event's time in the batch (the first one:
// mul(batch base)); deltas are converted one by one, not summed in ticks, as Go does. CPU
// samples are mul(raw time) and sorted by time. A generation's Sync is at mul(min batch
// base time). Every emitted event gets time = max(time, previous + 1) (strictly increasing),
// the final Sync is at the last time (+1).
//
// Not done: experimental (AllocFree) events (kept opaque by the reader; Go does not put
// them in the ordered stream either), event-kind views (metrics, ranges' names and
// attributes, task/region/log details beyond the raw arguments), the Go 1.22-1.25 "spill"
// error path (a cut last generation yields a Sync and then the error in Go; here the
// reader's FormatError is thrown directly).

import { FormatError } from '../../errors.js';
import { batchEvents, readGenerations, readTraceHeader, streamGenerations, type Batch, type Generation, type RawEvent, type TraceHeader } from './reader.js';
import { EvCPUSample, EvSync, eventName, timedEventSpec, type TraceVersion } from './spec.js';

export type EventKind =
  | 'Sync'
  | 'StateTransition'
  | 'StackSample'
  | 'Metric'
  | 'Label'
  | 'RangeBegin'
  | 'RangeActive'
  | 'RangeEnd'
  | 'TaskBegin'
  | 'TaskEnd'
  | 'RegionBegin'
  | 'RegionEnd'
  | 'Log'
  | 'Experimental';

/** Go's GoState / ProcState names (internal/trace resources.go). */
export type GoState = 'Undetermined' | 'NotExist' | 'Runnable' | 'Running' | 'Waiting' | 'Syscall';
export type ProcState = 'Undetermined' | 'NotExist' | 'Running' | 'Idle';

export interface StateTransition {
  resource: 'goroutine' | 'proc';
  id: number;
  from: GoState | ProcState;
  to: GoState | ProcState;
  /** GoStop/GoBlock reason string ("" otherwise). */
  reason: string;
}

export interface OrderedEvent {
  /** Wire event type (spec.ts); EvCPUSample for stack samples, EvSync for Sync events. */
  type: number;
  /** Wire event name (GoStart, ProcStatus, ...), or "Sync" / "CPUSample". */
  name: string;
  kind: EventKind;
  /** Nanoseconds (Go's trace.Time), strictly increasing over the stream. */
  time: number;
  /** Scheduling context (-1 for none), as Go's Event.Thread/Proc/Goroutine. */
  m: number;
  p: number;
  g: number;
  /** Wire arguments after dt (stack samples: [stack]; Sync: [n]), with Go's fix-ups. */
  args: number[];
  /** Generation the event belongs to (0 for the final Sync). */
  gen: number;
  /** For StateTransition events. */
  transition?: StateTransition;
  /** The generation's tables (strings, stacks, frames, clock) for event.ts; null for the final Sync. */
  table: Generation | null;
  /** TaskEnd: the task's type, from its TaskBegin ("" if it began before the trace). */
  extraString: string;
}

// tracev2 statuses.
const GoRunnable = 1, GoRunning = 2, GoSyscall = 3, GoWaiting = 4;
const ProcRunning = 1, ProcIdle = 2, ProcSyscall = 3, ProcSyscallAbandoned = 4;
const goStatusState: Record<number, GoState> = { 1: 'Runnable', 2: 'Running', 3: 'Syscall', 4: 'Waiting' };
const procStatusState: Record<number, ProcState> = { 1: 'Running', 2: 'Idle', 3: 'Running', 4: 'Idle' };

const KIND: EventKind[] = [];
const NAME: string[] = [];
for (let t = 0; t < 64; t++) NAME[t] = eventName(t);
for (const [k, types] of Object.entries({
  StateTransition: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 45, 46, 47, 48],
  Metric: [9, 37, 38],
  RangeBegin: [26, 29, 32, 35],
  RangeEnd: [27, 30, 33, 36],
  RangeActive: [28, 31, 34],
  Label: [39],
  TaskBegin: [40],
  TaskEnd: [41],
  RegionBegin: [42],
  RegionEnd: [43],
  Log: [44],
})) {
  for (const t of types) KIND[t] = k as EventKind;
}

/** Begin event of a range's End/Active event (tracev2 Spec.StartEv). */
const START_EV: Record<number, number> = { 23: 22, 24: 22, 27: 26, 28: 29, 30: 29, 31: 32, 33: 32, 34: 35, 36: 35, 43: 42 };
const startOf = (t: number): number => START_EV[t] ?? t;

/** Go's frequency: nanoseconds per tick, as float64. */
export function nsPerTick(ticksPerSecond: number): number {
  return 1.0 / (ticksPerSecond / 1e9);
}

/** Go's frequency.mul: ticks -> ns, truncated like int64(float64). */
export function ticksToNs(t: number, nsPerTick: number): number {
  return Math.trunc(t * nsPerTick);
}

// ---------------------------------------------------------------------------
// Batch cursors and the frontier heap (batchcursor.go).

interface Ev {
  type: number;
  time: number;
  /** Number of wire arguments after dt (0-4), held in a0..a3 (no array until an event is emitted). */
  n: number;
  a0: number;
  a1: number;
  a2: number;
  a3: number;
  offset: number;
}

/** A fresh array of ev's wire arguments (packed, at its final size). */
function argsOf(ev: Ev): number[] {
  switch (ev.n) {
    case 0:
      return [];
    case 1:
      return [ev.a0];
    case 2:
      return [ev.a0, ev.a1];
    case 3:
      return [ev.a0, ev.a1, ev.a2];
    default:
      return [ev.a0, ev.a1, ev.a2, ev.a3];
  }
}

/** Argument counts (after dt) of each event type per version; -1 for types invalid in an event batch. */
const ARGC = new Map<TraceVersion, Int8Array>();
function argCounts(v: TraceVersion): Int8Array {
  let a = ARGC.get(v);
  if (!a) {
    a = new Int8Array(256).fill(-1);
    for (let t = 0; t < 256; t++) {
      const spec = timedEventSpec(v, t);
      if (spec) a[t] = spec.args.length - 1;
    }
    ARGC.set(v, a);
  }
  return a;
}

/** Where the last uvar() stopped (a module-level register, so the hot decoder allocates nothing). */
let vpos = 0;

/** A uvarint of two to seven bytes at d[p] (the one-byte case is the caller's); -2 (and the caller's slow path) for anything else. */
function uvar(d: Uint8Array, p: number): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 7; i++) {
    const c = d[p++];
    if (c === undefined) return -2;
    v += (c & 0x7f) * mul;
    if (c < 0x80) {
      vpos = p;
      return v;
    }
    mul *= 128;
  }
  return -2;
}

/**
 * One M's batches of a generation, decoded one event at a time into `ev` (reused: the
 * ordering copies what it keeps). The reader has already checked every event batch
 * (reader.ts scanEvents), so decoding here cannot run off a batch; the checks stay anyway.
 */
class BatchCursor {
  /** This M's ordering state, looked up once (Ordering.advance). */
  ms: MState | undefined = undefined;
  lastTs = 0;
  idx = 0;
  data: Uint8Array | null = null;
  pos = 0;
  base = 0;
  readonly ev: Ev = { type: 0, time: 0, n: 0, a0: 0, a1: 0, a2: 0, a3: 0, offset: 0 };
  private readonly argc: Int8Array;
  constructor(
    readonly m: number,
    private readonly batches: Batch[],
    private readonly v: TraceVersion,
    private readonly input: string,
  ) {
    this.argc = argCounts(v);
  }

  /** Advances to the next event; false when the M's batches are exhausted. */
  next(freq: number): boolean {
    let d = this.data;
    for (;;) {
      if (d === null) {
        if (this.idx >= this.batches.length) return false;
        const b = this.batches[this.idx]!;
        d = this.data = b.data;
        this.pos = 0;
        this.base = b.dataOffset;
        this.lastTs = ticksToNs(b.time, freq);
      }
      if (this.pos < d.length) break;
      this.idx++;
      d = this.data = null;
    }
    const at = this.pos;
    const t = d[at]!;
    const n = this.argc[t]!;
    if (n < 0) {
      // Not reached on reader-checked batches; decode the slow way for the exact error.
      const b = this.batches[this.idx]!;
      for (const _ of batchEvents({ ...b, data: d.subarray(at), dataOffset: this.base + at }, this.v, this.input));
      throw new FormatError(this.input, `byte ${this.base + at}`, `invalid event type ${t}`, 'corrupt trace');
    }
    // Uvarints of one to seven bytes (49 bits) are exact here; longer ones (all-ones = -1,
    // huge values), a cut batch or anything odd take the checked slow path. Arguments are
    // decoded into the cursor's a0..a3 (numbers: nothing allocated per event here).
    const ev = this.ev;
    let p = at + 1;
    let c = d[p]!;
    let dt: number;
    if (c < 0x80) {
      dt = c;
      p++;
    } else {
      dt = uvar(d, p);
      if (dt < 0) return this.slow(at, freq);
      p = vpos;
    }
    // Unrolled: a0..a3, each a one-byte fast path or uvar.
    if (n > 0) {
      c = d[p]!;
      if (c < 0x80) {
        ev.a0 = c;
        p++;
      } else {
        const a = uvar(d, p);
        if (a < 0) return this.slow(at, freq);
        ev.a0 = a;
        p = vpos;
      }
      if (n > 1) {
        c = d[p]!;
        if (c < 0x80) {
          ev.a1 = c;
          p++;
        } else {
          const a = uvar(d, p);
          if (a < 0) return this.slow(at, freq);
          ev.a1 = a;
          p = vpos;
        }
        if (n > 2) {
          c = d[p]!;
          if (c < 0x80) {
            ev.a2 = c;
            p++;
          } else {
            const a = uvar(d, p);
            if (a < 0) return this.slow(at, freq);
            ev.a2 = a;
            p = vpos;
          }
          if (n > 3) {
            c = d[p]!;
            if (c < 0x80) {
              ev.a3 = c;
              p++;
            } else {
              const a = uvar(d, p);
              if (a < 0) return this.slow(at, freq);
              ev.a3 = a;
              p = vpos;
            }
          }
        }
      }
    }
    this.pos = p;
    ev.type = t;
    ev.n = n;
    ev.time = this.lastTs = ticksToNs(dt, freq) + this.lastTs;
    ev.offset = this.base + at;
    return true;
  }

  /** The event at `at` through the reader's checked decoder (long varints, errors). */
  private slow(at: number, freq: number): boolean {
    const b = this.batches[this.idx]!;
    const d = this.data!;
    const r = batchEvents({ ...b, data: d.subarray(at), dataOffset: this.base + at }, this.v, this.input).next();
    if (r.done) throw new FormatError(this.input, `byte ${this.base + at}`, 'event runs past the end of its batch', 'corrupt trace');
    const e = r.value;
    let len = 1;
    // Re-measure the event's length: type byte + each uvarint.
    for (let k = 0; k <= e.args.length; k++) while (d[at + len++]! & 0x80);
    this.pos = at + len;
    const ev = this.ev;
    ev.type = e.type;
    ev.time = this.lastTs = ticksToNs(e.dt, freq) + this.lastTs;
    ev.n = e.args.length;
    ev.a0 = e.args[0] ?? 0;
    ev.a1 = e.args[1] ?? 0;
    ev.a2 = e.args[2] ?? 0;
    ev.a3 = e.args[3] ?? 0;
    ev.offset = this.base + at;
    return true;
  }
}

// Sift-up/-down move a hole instead of swapping at each level: the same comparisons as
// Go's swap-based versions (the moving cursor is compared at each level), so the same heap.
function heapSiftUp(h: BatchCursor[], i: number): number {
  const x = h[i]!;
  const t = x.ev.time;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const y = h[p]!;
    if (!(y.ev.time > t)) break;
    h[i] = y;
    i = p;
  }
  h[i] = x;
  return i;
}

/** Go's heapSiftDown with min3 (ties keep the parent, then prefer the left child). */
function heapSiftDown(h: BatchCursor[], i: number): number {
  const n = h.length;
  if (i >= n) return i;
  const x = h[i]!;
  const t = x.ev.time;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    let m = i;
    let mt = t;
    let y = h[l]!;
    const lt = y.ev.time;
    if (lt < mt) {
      m = l;
      mt = lt;
    }
    const r = l + 1;
    if (r < n) {
      const z = h[r]!;
      if (z.ev.time < mt) {
        m = r;
        y = z;
      }
    }
    if (m === i) break;
    h[i] = y;
    i = m;
  }
  h[i] = x;
  return i;
}

function heapInsert(h: BatchCursor[], bc: BatchCursor): void {
  h.push(bc);
  heapSiftUp(h, h.length - 1);
}

function heapUpdate(h: BatchCursor[], i: number): void {
  if (heapSiftUp(h, i) !== i) return;
  heapSiftDown(h, i);
}

function heapRemove(h: BatchCursor[], i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    [h[p], h[i]] = [h[i]!, h[p]!];
    i = p;
  }
  const last = h.length - 1;
  [h[0], h[last]] = [h[last]!, h[0]!];
  h.pop();
  heapSiftDown(h, 0);
}

// ---------------------------------------------------------------------------
// The ordering state machine (order.go).

interface RangeType {
  typ: number;
  desc: number;
}

class RangeState {
  inFlight: RangeType[] = [];
  has(r: RangeType): boolean {
    return this.inFlight.some((x) => x.typ === r.typ && x.desc === r.desc);
  }
}

class GState extends RangeState {
  regions: { task: number; name: string }[] = [];
  constructor(
    public status: number,
    public seqGen: number,
    public seq: number,
  ) {
    super();
  }
}
class PState extends RangeState {
  constructor(
    public status: number,
    public seqGen: number,
    public seq: number,
  ) {
    super();
  }
}
interface MState {
  g: number;
  p: number;
}
interface Ctx {
  m: number;
  p: number;
  g: number;
}

const MUST_NOT = 0, MAY = 1, MUST = 2;
type Req = [number, number, number]; // M, P, G
const userGoReqs: Req = [MUST, MUST, MUST];
// The other requirement triples (M, P, G), allocated once.
const req_Y_M_M: Req = [MUST, MAY, MAY];
const req_Y_M_Y: Req = [MUST, MAY, MUST];
const req_Y_M_N: Req = [MUST, MAY, MUST_NOT];
const req_Y_Y_M: Req = [MUST, MUST, MAY];
const req_Y_Y_N: Req = [MUST, MUST, MUST_NOT];
const req_Y_N_M: Req = [MUST, MUST_NOT, MAY];

const gt = (id: number, from: GoState, to: GoState, reason = ''): StateTransition => ({ resource: 'goroutine', id, from, to, reason });
const pt = (id: number, from: ProcState, to: ProcState): StateTransition => ({ resource: 'proc', id, from, to, reason: '' });

const GC_UNDETERMINED = 0, GC_NOT_RUNNING = 1, GC_RUNNING = 2;

/** Go's ordering: Advance either consumes an event (queueing the resulting events) or says it cannot yet. */
class Ordering {
  g = new Map<number, GState>();
  p = new Map<number, PState>();
  m = new Map<number, MState>();
  tasks = new Map<number, { name: string; parent: number }>();
  gcSeq = 0;
  gcState = GC_UNDETERMINED;
  initialGen = 0;
  /** Receives each ordered event as soon as Advance produces it (Go's queue, drained in order). */
  sink: (e: OrderedEvent) => void = () => {};
  /** Time of the last event out: Go makes times strictly increasing. */
  lastTs = 0;

  out(e: OrderedEvent): void {
    if (e.time <= this.lastTs) e.time = this.lastTs + 1;
    this.lastTs = e.time;
    this.sink(e);
  }

  constructor(private readonly input: string) {}

  fail(gen: Generation, ev: Ev, msg: string): FormatError {
    return new FormatError(this.input, `byte ${ev.offset}`, `broken trace in generation ${gen.gen}: ${eventName(ev.type)}: ${msg}`, 'corrupt trace');
  }

  /** TaskEnd's type (Go's extra string), set just before it is emitted. */
  private taskEndType = '';

  /** Delivers the ordered event for ev (by default with ev's type and arguments). */
  emit(gen: Generation, ev: Ev, ctx: Ctx, args?: number[], transition?: StateTransition, type?: number): void {
    const typ = type ?? ev.type;
    // out(), inlined: Go makes times strictly increasing.
    let time = ev.time;
    if (time <= this.lastTs) time = this.lastTs + 1;
    this.lastTs = time;
    this.sink({ type: typ, name: NAME[typ]!, kind: KIND[typ]!, time, m: ctx.m, p: ctx.p, g: ctx.g, args: args ?? argsOf(ev), gen: gen.gen, transition, table: gen, extraString: typ === 41 ? this.taskEndType : '' });
  }

  check(gen: Generation, ev: Ev, ctx: Ctx, req: Req): void {
    this.chk(gen, ev, req[0], ctx.m, 'thread');
    this.chk(gen, ev, req[1], ctx.p, 'proc');
    this.chk(gen, ev, req[2], ctx.g, 'goroutine');
  }

  private chk(gen: Generation, ev: Ev, req: number, v: number, what: string): void {
    if (req === MUST && v === -1) throw this.fail(gen, ev, `expected a ${what} but didn't have one`);
    if (req === MUST_NOT && v !== -1) throw this.fail(gen, ev, `expected no ${what} but had one`);
  }

  /** Strings of reasonGen by ID, as str() gives them (a few reasons, used by most events). */
  private reasons: (string | undefined)[] = [];
  private reasonGen: Generation | null = null;

  /** str(gen, ev, ev.a0) through a small per-generation cache. */
  private reason(gen: Generation, ev: Ev): string {
    const id = ev.a0;
    if (this.reasonGen === gen && id < 1024) {
      const r = this.reasons[id];
      if (r !== undefined) return r;
    }
    const r = this.str(gen, ev, id);
    if (this.reasonGen !== gen) {
      this.reasonGen = gen;
      this.reasons = [];
    }
    if (id < 1024) this.reasons[id] = r;
    return r;
  }

  str(gen: Generation, ev: Ev, id: number): string {
    const s = id === 0 ? '' : gen.strings.get(id);
    if (s === undefined) throw this.fail(gen, ev, `invalid string ID ${id}`);
    return s;
  }

  /** order.go Advance. */
  advance(ev: Ev, mid: number, gen: Generation, cache?: { ms: MState | undefined }): boolean {
    if (this.initialGen === 0) this.initialGen = gen.gen;
    let ms: MState | undefined = cache?.ms;
    // One context object, reused: events copy m/p/g, and dispatch mutates it only on success.
    const cur = this.cur;
    cur.m = mid;
    cur.p = -1;
    cur.g = -1;
    if (mid !== -1) {
      if (!ms) {
        // An M's state object, once made, is never replaced: each batch cursor keeps it.
        ms = this.m.get(mid);
        if (!ms) this.m.set(mid, (ms = { g: -1, p: -1 }));
        if (cache) cache.ms = ms;
      }
      cur.p = ms.p;
      cur.g = ms.g;
    }
    const r = this.dispatch(ev, gen, cur);
    if (r && ms) {
      ms.p = r.p;
      ms.g = r.g;
    }
    return r !== null;
  }
  private readonly cur: Ctx = { m: -1, p: -1, g: -1 };

  private gstate(gen: Generation, ev: Ev, gid: number): GState {
    const s = this.g.get(gid);
    if (!s) throw this.fail(gen, ev, `goroutine ${gid} doesn't exist`);
    return s;
  }

  /** Returns the new context, or null when the event cannot be ordered yet. */
  private dispatch(ev: Ev, gen: Generation, cur: Ctx): Ctx | null {
    // The bulk of a trace (GoStart, GoBlock/GoStop, GoUnblock) in small methods TurboFan
    // can inline into; everything else in dispatchRest.
    switch (ev.type) {
      case 16:
        return this.goStart(ev, gen, cur);
      case 19:
      case 20:
        return this.goStopBlock(ev, gen, cur);
      case 21:
        return this.goUnblock(ev, gen, cur);
      default:
        return this.dispatchRest(ev, gen, cur);
    }
  }

  /** GoStart. */
  private goStart(ev: Ev, gen: Generation, cur: Ctx): Ctx | null {
    const gid = ev.a0;
    const seq = ev.a1;
    const G = gen.gen;
    const s = this.g.get(gid);
    if (s === undefined || s.status !== GoRunnable || s.seqGen !== G || seq !== s.seq + 1) return null;
    if (cur.m === -1 || cur.p === -1 || cur.g !== -1) this.check(gen, ev, cur, req_Y_Y_N);
    s.status = GoRunning;
    s.seq = seq;
    this.emit(gen, ev, cur, [gid, seq], gt(gid, 'Runnable', 'Running'));
    cur.g = gid;
    return cur;
  }

  /** GoUnblock. */
  private goUnblock(ev: Ev, gen: Generation, cur: Ctx): Ctx | null {
    const gid = ev.a0;
    const seq = ev.a1;
    const G = gen.gen;
    const s = this.g.get(gid);
    if (s === undefined || s.status !== GoWaiting || s.seqGen !== G || seq !== s.seq + 1) return null;
    s.status = GoRunnable;
    s.seq = seq;
    this.emit(gen, ev, cur, [gid, seq, ev.a2], gt(gid, 'Waiting', 'Runnable'));
    return cur;
  }

  /** GoStop, GoBlock. */
  private goStopBlock(ev: Ev, gen: Generation, cur: Ctx): Ctx | null {
    if (cur.m === -1 || cur.p === -1 || cur.g === -1) this.check(gen, ev, cur, userGoReqs);
    const gid = cur.g;
    const s = this.g.get(gid);
    if (s === undefined) throw this.fail(gen, ev, `goroutine ${gid} doesn't exist`);
    if (s.status !== GoRunning) throw this.fail(gen, ev, 'goroutine is not Running');
    let tr: StateTransition;
    if (ev.type === 19) {
      s.status = GoRunnable;
      tr = gt(gid, 'Running', 'Runnable', this.reason(gen, ev));
    } else {
      s.status = GoWaiting;
      tr = gt(gid, 'Running', 'Waiting', this.reason(gen, ev));
    }
    this.emit(gen, ev, cur, [ev.a0, ev.a1], tr);
    cur.g = -1;
    return cur;
  }

  /** Every other event type. */
  private dispatchRest(ev: Ev, gen: Generation, cur: Ctx): Ctx | null {
    const a = argsOf(ev);
    const t = ev.type;
    const G = gen.gen;
    switch (t) {
      case 9: // ProcsChange
      case 39: // GoLabel
      case 44: // UserLog
        this.check(gen, ev, cur, userGoReqs);
        this.emit(gen, ev, cur, a);
        return cur;
      case 13: {
        // ProcStatus
        const pid = a[0]!;
        const status = a[1]!;
        let argStatus = status;
        if (!procStatusState[status]) throw this.fail(gen, ev, `invalid status for proc ${pid}: ${status}`);
        let old: ProcState = procStatusState[status]!;
        const s = this.p.get(pid);
        if (s) {
          if (status === ProcSyscallAbandoned && s.status === ProcSyscall) {
            old = 'Running';
            argStatus = ProcSyscall;
          } else if (status === ProcSyscallAbandoned && s.status === ProcSyscallAbandoned) {
            old = 'Idle';
          } else if (s.status !== status) {
            throw this.fail(gen, ev, `inconsistent status for proc ${pid}: old ${s.status} vs. new ${status}`);
          }
          s.seqGen = G;
          s.seq = 0;
        } else {
          this.p.set(pid, new PState(status, G, 0));
          old = G === this.initialGen ? 'Undetermined' : 'NotExist';
        }
        const nctx = { ...cur };
        if (status === ProcRunning || status === ProcSyscall) nctx.p = pid;
        const ectx = { ...cur };
        if (status === ProcSyscallAbandoned && old === 'Running') {
          let found = false;
          for (const [id, m] of this.m) {
            if (m.p === pid) {
              ectx.m = id;
              ectx.p = pid;
              ectx.g = m.g;
              found = true;
            }
          }
          if (!found) throw this.fail(gen, ev, `failed to find sched context for proc ${pid} that's about to be stolen`);
        }
        this.emit(gen, ev, ectx, [pid, argStatus], pt(pid, old, procStatusState[argStatus]!));
        return nctx;
      }
      case 10: {
        // ProcStart
        const pid = a[0]!;
        const s = this.p.get(pid);
        if (!s || s.status !== ProcIdle || !(s.seqGen === G && a[1] === s.seq + 1) || cur.p !== -1) return null;
        this.check(gen, ev, cur, req_Y_N_M);
        s.status = ProcRunning;
        s.seqGen = G;
        s.seq = a[1]!;
        this.emit(gen, ev, cur, a, pt(pid, 'Idle', 'Running'));
        cur.p = pid;
        return cur;
      }
      case 11: {
        // ProcStop
        const s = this.p.get(cur.p);
        if (!s) throw this.fail(gen, ev, `proc ${cur.p} doesn't exist`);
        if (s.status !== ProcRunning && s.status !== ProcSyscall) throw this.fail(gen, ev, 'proc is not Running or Syscall');
        this.check(gen, ev, cur, req_Y_Y_M);
        s.status = ProcIdle;
        this.emit(gen, ev, cur, a, pt(cur.p, 'Running', 'Idle'));
        cur.p = -1;
        return cur;
      }
      case 12: {
        // ProcSteal
        const pid = a[0]!;
        const s = this.p.get(pid);
        if (!s || (s.status !== ProcSyscall && s.status !== ProcSyscallAbandoned) || !(s.seqGen === G && a[1] === s.seq + 1)) return null;
        this.check(gen, ev, cur, req_Y_M_M);
        const oldStatus = s.status;
        s.status = ProcIdle;
        s.seqGen = G;
        s.seq = a[1]!;
        const tr = pt(pid, oldStatus === ProcSyscallAbandoned ? 'Idle' : 'Running', 'Idle');
        if (oldStatus === ProcSyscallAbandoned) {
          this.emit(gen, ev, cur, a, tr);
          return cur;
        }
        const from = a[2]!;
        if (from === cur.m) {
          if (cur.p !== pid) throw this.fail(gen, ev, `tried to self-steal proc ${pid} (thread ${from}), but got proc ${cur.p} instead`);
          this.emit(gen, ev, cur, a, tr);
          cur.p = -1;
        return cur;
        }
        const m = this.m.get(from);
        if (!m) throw this.fail(gen, ev, `stole proc from non-existent thread ${from}`);
        if (m.p !== pid) throw this.fail(gen, ev, `tried to steal proc ${pid} from thread ${from}, but got proc ${m.p} instead`);
        m.p = -1;
        this.emit(gen, ev, cur, a, tr);
        return cur;
      }
      case 25: // GoStatus
      case 48: {
        // GoStatusStack
        const gid = a[0]!;
        const mid = a[1]!;
        const status = a[2]!;
        if (!goStatusState[status]) throw this.fail(gen, ev, `invalid status for goroutine ${gid}: ${status}`);
        let old: GoState = goStatusState[status]!;
        const s = this.g.get(gid);
        if (s) {
          if (s.status !== status) throw this.fail(gen, ev, `inconsistent status for goroutine ${gid}: old ${s.status} vs. new ${status}`);
          s.seqGen = G;
          s.seq = 0;
        } else if (G === this.initialGen) {
          this.g.set(gid, new GState(status, G, 0));
          old = 'Undetermined';
        } else {
          throw this.fail(gen, ev, `found goroutine status for new goroutine after the first generation: id=${gid} status=${status}`);
        }
        const nctx = { ...cur };
        const ectx = { ...cur };
        if (status === GoRunning) nctx.g = gid;
        else if (status === GoSyscall) {
          if (mid === -1) throw this.fail(gen, ev, `found goroutine ${gid} in syscall without a thread`);
          if (mid === cur.m) {
            if (G !== this.initialGen && cur.g !== gid) throw this.fail(gen, ev, `inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${cur.g}`);
            nctx.g = gid;
          } else {
            const m = this.m.get(mid);
            if (m) {
              if (m.g !== gid) throw this.fail(gen, ev, `inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${m.g}`);
              ectx.g = m.g;
            } else {
              this.m.set(mid, { g: gid, p: -1 });
            }
            ectx.m = mid;
          }
        }
        this.emit(gen, ev, ectx, a, gt(gid, old, goStatusState[status]!));
        return nctx;
      }
      case 14: // GoCreate
      case 47: {
        // GoCreateBlocked
        this.check(gen, ev, cur, req_Y_Y_M);
        const cs = this.g.get(cur.g);
        if (cs && cs.status !== GoRunning) throw this.fail(gen, ev, 'creating goroutine is not Running');
        const id = a[0]!;
        if (this.g.has(id)) throw this.fail(gen, ev, `tried to create goroutine (${id}) that already exists`);
        const status = t === 47 ? GoWaiting : GoRunnable;
        this.g.set(id, new GState(status, G, 0));
        this.emit(gen, ev, cur, a, gt(id, 'NotExist', goStatusState[status]!));
        return cur;
      }
      case 17: // GoDestroy
      case 19: // GoStop (dispatch sends it to goStopBlock)
      case 20: {
        // GoBlock (dispatch sends it to goStopBlock)
        this.check(gen, ev, cur, userGoReqs);
        const s = this.gstate(gen, ev, cur.g);
        if (s.status !== GoRunning) throw this.fail(gen, ev, 'goroutine is not Running');
        let tr: StateTransition;
        if (t === 17) {
          this.g.delete(cur.g);
          tr = gt(cur.g, 'Running', 'NotExist');
        } else if (t === 19) {
          s.status = GoRunnable;
          tr = gt(cur.g, 'Running', 'Runnable', this.str(gen, ev, a[0]!));
        } else {
          s.status = GoWaiting;
          tr = gt(cur.g, 'Running', 'Waiting', this.str(gen, ev, a[0]!));
        }
        this.emit(gen, ev, cur, a, tr);
        cur.g = -1;
        return cur;
      }
      case 45: // GoSwitch
      case 46: {
        // GoSwitchDestroy
        this.check(gen, ev, cur, userGoReqs);
        const cs = this.gstate(gen, ev, cur.g);
        if (cs.status !== GoRunning) throw this.fail(gen, ev, 'goroutine is not Running');
        const next = a[0]!;
        const ns = this.g.get(next);
        if (!ns || ns.status !== GoWaiting || !(ns.seqGen === G && a[1] === ns.seq + 1)) return null;
        this.emit(gen, ev, cur, a, gt(next, 'Waiting', 'Runnable'));
        if (t === 45) {
          cs.status = GoWaiting;
          this.emit(gen, ev, cur, [0, 0], gt(cur.g, 'Running', 'Waiting'), 20);
        } else {
          this.g.delete(cur.g);
          this.emit(gen, ev, cur, [], gt(cur.g, 'Running', 'NotExist'), 17);
        }
        ns.status = GoRunning;
        ns.seqGen = G;
        ns.seq = a[1]!;
        this.emit(gen, ev, { ...cur, g: -1 }, [next, a[1]!], gt(next, 'Runnable', 'Running'), 16);
        cur.g = next;
        return cur;
      }
      case 22: {
        // GoSyscallBegin
        this.check(gen, ev, cur, userGoReqs);
        const s = this.gstate(gen, ev, cur.g);
        if (s.status !== GoRunning) throw this.fail(gen, ev, 'goroutine is not Running');
        s.status = GoSyscall;
        const ps = this.p.get(cur.p);
        if (!ps) throw this.fail(gen, ev, `uninitialized proc ${cur.p}`);
        ps.status = ProcSyscall;
        if (!(ps.seqGen === G && a[0] === ps.seq + 1)) throw this.fail(gen, ev, `can't make sequence: ${ps.seq} (gen=${ps.seqGen}) -> ${a[0]} (gen=${G})`);
        ps.seqGen = G;
        ps.seq = a[0]!;
        this.emit(gen, ev, cur, a, gt(cur.g, 'Running', 'Syscall'));
        return cur;
      }
      case 23: {
        // GoSyscallEnd
        this.check(gen, ev, cur, userGoReqs);
        const s = this.gstate(gen, ev, cur.g);
        if (s.status !== GoSyscall) throw this.fail(gen, ev, 'goroutine is not in Syscall');
        s.status = GoRunning;
        const ps = this.p.get(cur.p);
        if (!ps) throw this.fail(gen, ev, `uninitialized proc ${cur.p}`);
        if (ps.status !== ProcSyscall) throw this.fail(gen, ev, `expected proc ${cur.p} in state Syscall, but got ${ps.status} instead`);
        ps.status = ProcRunning;
        this.emit(gen, ev, cur, a, gt(cur.g, 'Syscall', 'Running'));
        return cur;
      }
      case 24: {
        // GoSyscallEndBlocked
        if (cur.p !== -1) {
          const ps = this.p.get(cur.p);
          if (!ps) throw this.fail(gen, ev, `uninitialized proc ${cur.p}`);
          if (ps.status === ProcSyscall) return null;
        }
        this.check(gen, ev, cur, req_Y_M_Y);
        const s = this.gstate(gen, ev, cur.g);
        if (s.status !== GoSyscall) throw this.fail(gen, ev, 'goroutine is not in Syscall');
        s.status = GoRunnable;
        this.emit(gen, ev, cur, a, gt(cur.g, 'Syscall', 'Runnable'));
        cur.g = -1;
        return cur;
      }
      case 15: {
        // GoCreateSyscall
        this.check(gen, ev, cur, req_Y_M_N);
        const id = a[0]!;
        if (this.g.has(id)) throw this.fail(gen, ev, `tried to create goroutine (${id}) in syscall that already exists`);
        this.g.set(id, new GState(GoSyscall, G, 0));
        this.emit(gen, ev, cur, a, gt(id, 'NotExist', 'Syscall'));
        cur.g = id;
        return cur;
      }
      case 18: {
        // GoDestroySyscall
        this.check(gen, ev, cur, req_Y_M_Y);
        const s = this.gstate(gen, ev, cur.g);
        if (s.status !== GoSyscall) throw this.fail(gen, ev, 'goroutine is not in Syscall');
        this.g.delete(cur.g);
        const nctx = { ...cur, g: -1 };
        if (cur.p !== -1) {
          const ps = this.p.get(cur.p);
          if (!ps) throw this.fail(gen, ev, `found invalid proc ${cur.p}`);
          if (ps.status !== ProcSyscall) throw this.fail(gen, ev, `proc ${cur.p} in unexpected state ${ps.status}`);
          ps.status = ProcSyscallAbandoned;
          nctx.p = -1;
          this.emit(gen, ev, cur, [cur.p, 0, 0], pt(cur.p, 'Running', 'Idle'), 12);
        }
        this.emit(gen, ev, cur, a, gt(cur.g, 'Syscall', 'NotExist'));
        return nctx;
      }
      case 40: {
        // UserTaskBegin
        const id = a[0]!;
        if (this.tasks.has(id)) throw this.fail(gen, ev, `task ID conflict: ${id}`);
        const parent = a[1] === 0 ? -1 : a[1]!;
        this.tasks.set(id, { name: this.str(gen, ev, a[2]!), parent });
        this.check(gen, ev, cur, userGoReqs);
        this.emit(gen, ev, cur, [id, parent, ...a.slice(2)]);
        return cur;
      }
      case 41: {
        // UserTaskEnd: Go keeps the parent and type of the TaskBegin as extra arguments.
        const task = this.tasks.get(a[0]!);
        this.tasks.delete(a[0]!);
        this.check(gen, ev, cur, userGoReqs);
        this.taskEndType = task?.name ?? '';
        this.emit(gen, ev, cur, [a[0]!, a[1]!, task ? task.parent : -1]);
        return cur;
      }
      case 42: // UserRegionBegin
      case 43: {
        // UserRegionEnd
        this.check(gen, ev, cur, userGoReqs);
        const r = { task: a[0]!, name: this.str(gen, ev, a[1]!) };
        const s = this.g.get(cur.g);
        if (!s) throw this.fail(gen, ev, `no known state for current goroutine ${cur.g}`);
        if (t === 42) s.regions.push(r);
        else if (s.regions.length) {
          const top = s.regions[s.regions.length - 1]!;
          if (top.task !== r.task || top.name !== r.name) throw this.fail(gen, ev, `misuse of region in goroutine ${cur.g}`);
          s.regions.pop();
        }
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 28: {
        // GCActive
        const seq = a[0]!;
        if (G === this.initialGen) {
          if (this.gcState !== GC_UNDETERMINED) throw this.fail(gen, ev, "GCActive in the first generation isn't first GC event");
          this.gcSeq = seq;
          this.gcState = GC_RUNNING;
          this.emit(gen, ev, cur, a);
          return cur;
        }
        if (seq !== this.gcSeq + 1) return null;
        if (this.gcState !== GC_RUNNING) throw this.fail(gen, ev, 'encountered GCActive while GC was not in progress');
        this.gcSeq = seq;
        this.check(gen, ev, cur, userGoReqs);
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 29: {
        // GCBegin
        const seq = a[0]!;
        if (this.gcState === GC_UNDETERMINED) {
          this.gcSeq = seq;
          this.gcState = GC_RUNNING;
          this.emit(gen, ev, cur, a);
          return cur;
        }
        if (seq !== this.gcSeq + 1) return null;
        if (this.gcState === GC_RUNNING) throw this.fail(gen, ev, 'encountered GCBegin while GC was already in progress');
        this.gcSeq = seq;
        this.gcState = GC_RUNNING;
        this.check(gen, ev, cur, userGoReqs);
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 30: {
        // GCEnd
        const seq = a[0]!;
        if (seq !== this.gcSeq + 1) return null;
        if (this.gcState !== GC_RUNNING) throw this.fail(gen, ev, 'encountered GCEnd when GC was not in progress');
        this.gcSeq = seq;
        this.gcState = GC_NOT_RUNNING;
        this.check(gen, ev, cur, userGoReqs);
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 37: // HeapAlloc
      case 38: // HeapGoal
        this.check(gen, ev, cur, req_Y_Y_M);
        this.emit(gen, ev, cur, a);
        return cur;
      case 32: {
        // GCSweepBegin
        this.check(gen, ev, cur, req_Y_Y_M);
        this.beginRange(gen, ev, this.p.get(cur.p)!, { typ: 32, desc: 0 });
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 31: {
        // GCSweepActive
        const ps = this.p.get(a[0]!);
        if (!ps) throw this.fail(gen, ev, `encountered GCSweepActive for unknown proc ${a[0]}`);
        this.activeRange(gen, ev, ps, { typ: 32, desc: 0 });
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 33: {
        // GCSweepEnd
        this.check(gen, ev, cur, req_Y_Y_M);
        this.endRange(gen, ev, this.p.get(cur.p)!);
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 26: // STWBegin
      case 35: {
        // GCMarkAssistBegin
        this.check(gen, ev, cur, userGoReqs);
        const s = this.gstate(gen, ev, cur.g);
        this.beginRange(gen, ev, s, { typ: t, desc: t === 26 ? a[0]! : 0 });
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 34: {
        // GCMarkAssistActive
        const s = this.gstate(gen, ev, a[0]!);
        this.activeRange(gen, ev, s, { typ: 35, desc: 0 });
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case 27: // STWEnd
      case 36: {
        // GCMarkAssistEnd
        this.check(gen, ev, cur, userGoReqs);
        const s = this.gstate(gen, ev, cur.g);
        const desc = this.endRange(gen, ev, s);
        this.emit(gen, ev, cur, t === 27 ? [desc] : a);
        return cur;
      }
      default:
        throw this.fail(gen, ev, `bad event type found while ordering: ${t}`);
    }
  }

  private beginRange(gen: Generation, ev: Ev, s: RangeState | undefined, r: RangeType): void {
    if (!s) throw this.fail(gen, ev, 'range on an unknown proc');
    if (s.has(r)) throw this.fail(gen, ev, `discovered event already in-flight for when starting event ${eventName(r.typ)}`);
    s.inFlight.push(r);
  }

  private activeRange(gen: Generation, ev: Ev, s: RangeState, r: RangeType): void {
    if (gen.gen === this.initialGen) {
      if (s.has(r)) throw this.fail(gen, ev, `found named active range already in first gen: ${eventName(r.typ)}`);
      s.inFlight.push(r);
    } else if (!s.has(r)) {
      throw this.fail(gen, ev, `resource is missing active range: ${eventName(r.typ)}`);
    }
  }

  private endRange(gen: Generation, ev: Ev, s: RangeState | undefined): number {
    const st = startOf(ev.type);
    const i = s ? s.inFlight.findIndex((r) => r.typ === st) : -1;
    if (!s || i < 0) throw this.fail(gen, ev, `tried to end event ${eventName(st)}, but not in-flight`);
    const desc = s.inFlight[i]!.desc;
    s.inFlight[i] = s.inFlight[s.inFlight.length - 1]!;
    s.inFlight.pop();
    return desc;
  }
}

// ---------------------------------------------------------------------------
// The reader loop (reader.go ReadEvent).

export interface OrderOptions {
  /** Name of the input in error messages. */
  input?: string;
}

/**
 * Go's trace.Reader loop as a push API: feed it the generations in order (reader.ts
 * readGenerations / streamGenerations), then call finish(); every event goes to the sink
 * as soon as it is ordered, so nothing is kept but the ordering state. The stream is a
 * Sync event opening each generation, the generation's events (CPU samples merged by
 * time) and a final Sync; times are made strictly increasing as Go does.
 */
export class EventOrderer {
  private readonly order: Ordering;
  private syncs = 0;

  constructor(
    private readonly version: TraceVersion,
    private readonly sink: (e: OrderedEvent) => void,
    private readonly input = 'trace',
  ) {
    this.order = new Ordering(input);
    this.order.sink = sink;
  }

  private out(e: OrderedEvent): void {
    this.order.out(e);
  }

  private sync(time: number, g: Generation | null): OrderedEvent {
    return { type: EvSync, name: 'Sync', kind: 'Sync', time, m: -1, p: -1, g: -1, args: [++this.syncs], gen: g?.gen ?? 0, transition: undefined, table: g, extraString: '' };
  }

  /** Orders one generation. Throws a FormatError on a trace Go would also reject. */
  generation(gen: Generation): void {
    const { order, version: v, input } = this;
    const freq = nsPerTick(gen.ticksPerSecond);
    const samples = gen.cpuSamples.map((s) => ({ s, time: ticksToNs(s.time, freq) })).sort((x, y) => x.time - y.time);
    let si = 0;
    const frontier: BatchCursor[] = [];
    for (const [m, batches] of gen.eventBatches) {
      const bc = new BatchCursor(m, batches, v, input);
      if (bc.next(freq)) heapInsert(frontier, bc);
    }
    this.out(this.sync(ticksToNs(gen.minTime, freq), gen));

    const tryAdvance = (i: number): boolean => {
      const bc = frontier[i]!;
      if (!order.advance(bc.ev, bc.m, gen, bc)) return false;
      if (bc.next(freq)) heapUpdate(frontier, i);
      else heapRemove(frontier, i);
      return true;
    };
    for (;;) {
      if (frontier.length === 0 && si >= samples.length) break;
      if (si < samples.length && (frontier.length === 0 || samples[si]!.time < frontier[0]!.ev.time)) {
        const { s, time } = samples[si++]!;
        this.out({ type: EvCPUSample, name: 'CPUSample', kind: 'StackSample', time, m: s.m, p: s.p, g: s.g, args: [s.stack], gen: gen.gen, transition: undefined, table: gen, extraString: '' });
        continue;
      }
      // tryAdvance(0), inlined: heapUpdate at the root is a sift-down.
      const bc = frontier[0]!;
      if (order.advance(bc.ev, bc.m, gen, bc)) {
        if (bc.next(freq)) heapSiftDown(frontier, 0);
        else heapRemove(frontier, 0);
        continue;
      }
      // Go: slices.SortFunc by time (insertion sort, i.e. stable, for <= 12 cursors).
      frontier.sort((x, y) => x.ev.time - y.ev.time);
      let ok = false;
      for (let i = 1; i < frontier.length; i++) {
        if (tryAdvance(i)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        const f = frontier.map((bc) => `M ${bc.m} [${eventName(bc.ev.type)} time=${bc.ev.time} args=${argsOf(bc.ev).join(',')}]`).join('; ');
        throw new FormatError(input, `generation ${gen.gen}`, `broken trace: failed to advance: frontier: ${f}`, 'corrupt trace');
      }
    }
    // The batches are done with; the tables stay reachable from the events that use them.
    gen.batches = [];
    gen.eventBatches = new Map();
  }

  /** The final Sync. */
  finish(): void {
    this.out(this.sync(this.order.lastTs, null));
  }
}

/**
 * The ordered event stream of a Go 1.22+ trace held in memory, as Go's trace.Reader
 * produces it (see EventOrderer). Throws a FormatError on a trace Go would also reject
 * while ordering, after the events before the problem.
 */
export function* orderedEvents(buf: Uint8Array, opts: OrderOptions = {}): Generator<OrderedEvent, void, undefined> {
  const input = opts.input ?? 'trace';
  const v = readTraceHeader(buf, input).version;
  let pending: OrderedEvent[] = [];
  const orderer = new EventOrderer(v, (e) => pending.push(e), input);
  for (const gen of readGenerations(buf, input)) {
    try {
      orderer.generation(gen);
    } catch (e) {
      yield* pending;
      throw e;
    }
    const out = pending;
    pending = [];
    yield* out;
  }
  orderer.finish();
  yield* pending;
}

/**
 * Reads a trace from a stream of chunks and calls onEvent for every ordered event, with
 * memory bounded by one generation: the way to read traces of hundreds of MB.
 */
export async function readTraceStream(
  chunks: AsyncIterable<Uint8Array>,
  onEvent: (e: OrderedEvent) => void,
  opts: OrderOptions & { onHeader?: (h: TraceHeader) => void } = {},
): Promise<TraceHeader> {
  const input = opts.input ?? 'trace';
  let orderer: EventOrderer | null = null;
  let header: TraceHeader | null = null;
  for await (const gen of streamGenerations(chunks, input, (h) => {
    header = h;
    opts.onHeader?.(h);
    orderer = new EventOrderer(h.version, onEvent, input);
  })) {
    orderer!.generation(gen);
  }
  if (!orderer || !header) throw new FormatError(input, 'byte 0', 'not a Go execution trace (empty)', 'expected a Go execution trace');
  (orderer as EventOrderer).finish();
  return header;
}
