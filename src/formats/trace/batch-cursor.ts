// One M's event batches of a generation read one event at a time, and the frontier of such
// cursors ordered by their next event's time: a port of Go's src/internal/trace/batchcursor.go.
// The ordering (order.ts) takes the earliest event it can; event-stream.ts drives both.
//
// Timestamps (base.go, batchcursor.go): each event's time is mul(dt) + the previous event's
// time in the batch (the first one: mul(batch base)); deltas are converted one by one, not
// summed in ticks, as Go does (clock.ts).

import { FormatError } from '../../errors.js';
import { heapDown, heapPush, heapUp } from '../../lib/heap.js';
import { ticksToNs } from './clock.js';
import { batchEvents, type Batch } from './reader.js';
import { timedEventSpec, type TraceVersion } from './spec.js';

/** The cursor's current event (Go's baseEvent): type, time in ns, the raw arguments after dt. */
export interface Ev {
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
export function argsOf(ev: Ev): number[] {
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
export class BatchCursor {
  /** This M's ordering state, looked up once (order.ts Ordering.advance keeps it here). */
  ms: { g: number; p: number } | undefined = undefined;
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

// The frontier: a min-heap of cursors by their event's time (batchcursor.go heapInsert,
// heapUpdate, heapRemove), on src/lib/heap.ts, whose sift-up and sift-down make the same
// comparisons as Go's heapSiftUp and heapSiftDown with min3 (ties keep the parent, then
// prefer the left child), so ties break as in Go.

const earlier = (a: BatchCursor, b: BatchCursor): boolean => a.ev.time < b.ev.time;

export function heapInsert(h: BatchCursor[], bc: BatchCursor): void {
  heapPush(h, bc, earlier);
}

/** Go's heapSiftDown: h[i]'s time grew (at the root: the cursor moved on). */
export function heapSiftDown(h: BatchCursor[], i: number): void {
  heapDown(h, i, h.length, earlier);
}

export function heapUpdate(h: BatchCursor[], i: number): void {
  if (heapUp(h, i, earlier) !== i) return;
  heapDown(h, i, h.length, earlier);
}

/** Go's heapRemove: h[i] goes to the root regardless of its time, then swaps with the last. */
export function heapRemove(h: BatchCursor[], i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    [h[p], h[i]] = [h[i]!, h[p]!];
    i = p;
  }
  const last = h.length - 1;
  [h[0], h[last]] = [h[last]!, h[0]!];
  h.pop();
  heapDown(h, 0, h.length, earlier);
}
