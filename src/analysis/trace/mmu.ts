// Mutator utilisation and minimum mutator utilisation (MMU) of a Go execution trace: a port
// of Go's src/internal/trace/gc.go (MutatorUtilizationV2, NewMMUCurve, MMU, Examples, MUD),
// mud.go (the mutator utilisation distribution) and of the /mmu page of `go tool trace`
// (internal/trace/traceviewer/mmu.go HandlePlot), operation by operation, so that the numbers
// are Go's to the last bit.
//
// MutatorUtilizationV2 only ever looks at the current event and state built from earlier
// ones, so it is a streaming consumer here (MutatorUtilBuilder.add, one event at a time).
// The one place where Go reaches back is a "GC mark assist" / "GC incremental sweep"
// RangeActive seen during the first generation (before the second Sync): Go then subtracts
// 1/GOMAXPROCS from every utilisation point recorded so far; the kept series makes that
// possible here too. Memory: the utilisation series (one point per utilisation change), a
// goroutine -> state map and the sets of goroutines in mark assist / running as background
// mark workers.
//
// Go's bug, and the 'fixed' mode: Go 1.22+ traces emit a GoLabel ("GC (dedicated)" /
// "GC (fractional)") every time a background mark worker starts running, right after its
// GoStart. Go counts the worker on its P at the Label (gc++) and, once the goroutine is
// known as a worker, again at every GoStart (gc++), but uncounts it only once when it
// stops: from a worker's second run on, its P stays "in GC" for the rest of the trace, and
// the utilisation (and MMU at any window longer than the first GC cycles) collapses to 0.
// `go tool trace`'s /mmu page shows exactly that. With { mode: 'fixed' } a Label only counts
// a worker not yet known as one (its GoStart came before it was known), so every run is
// counted once. Also, Go's series loses its end when the utilisation is already 0 at the
// last event (addUtil drops the final point), and its MMU then only covers the trace up to
// the last utilisation change; 'fixed' keeps a final point at the last event. mode 'go'
// (the default of MutatorUtilBuilder) reproduces Go bit for bit.
//
// Differences from Go by construction: none known in mode 'go'. Where Go would panic on a malformed
// stream (a GC range or state change on an event without a P, or with P >= GOMAXPROCS),
// the event's effect on that P is ignored instead.

import { stwReason, type OrderedEvent } from '../../formats/trace/event.js';
import {
  EvGCMarkAssistActive,
  EvGCMarkAssistBegin,
  EvGCMarkAssistEnd,
  EvGCSweepActive,
  EvGCSweepBegin,
  EvGCSweepEnd,
  EvProcsChange,
  EvSTWBegin,
  EvSTWEnd,
} from '../../formats/trace/spec.js';
// container/heap as Go implements it: the order of equal elements matters for which bands get refined first.
import { heapInit, heapPop, heapPush, heapRemove } from '../../lib/heap.js';

/** Go's UtilFlags. */
export const UtilSTW = 1;
export const UtilBackground = 2;
export const UtilAssist = 4;
export const UtilSweep = 8;
export const UtilPerProc = 16;
/** What cmd/trace's /mmu page asks by default ("stw|background|assist|sweep"). */
export const UtilAll = UtilSTW | UtilBackground | UtilAssist | UtilSweep;

/** How MutatorUtilBuilder counts background mark workers (see the file comment). */
export type UtilMode = 'go' | 'fixed';

/** Go's MutatorUtil: the mean mutator utilisation (0..1) from `time` (ns) on. */
export interface MutatorUtil {
  time: number;
  util: number;
}

/** One utilisation function: parallel arrays of change times (ns) and utilisations. */
export class UtilSeries {
  times: Float64Array;
  utils: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.times = new Float64Array(capacity);
    this.utils = new Float64Array(capacity);
  }

  push(time: number, util: number): void {
    if (this.length === this.times.length) {
      const t = new Float64Array(this.length * 2);
      t.set(this.times);
      this.times = t;
      const u = new Float64Array(this.length * 2);
      u.set(this.utils);
      this.utils = u;
    }
    this.times[this.length] = time;
    this.utils[this.length] = util;
    this.length++;
  }

  /** Go's addUtil. */
  add(time: number, util: number): void {
    const n = this.length;
    if (n > 0) {
      if (util === this.utils[n - 1]) return; // No change.
      if (time === this.times[n - 1]) {
        // Take the lowest utilization at a time stamp.
        if (util < this.utils[n - 1]!) this.utils[n - 1] = util;
        return;
      }
    }
    this.push(time, util);
  }

  toArray(): MutatorUtil[] {
    const out: MutatorUtil[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = { time: this.times[i]!, util: this.utils[i]! };
    return out;
  }

  static from(points: readonly MutatorUtil[]): UtilSeries {
    const s = new UtilSeries(Math.max(1, points.length));
    for (const p of points) s.push(p.time, p.util);
    return s;
  }
}

// Go's GoState values that count as executing (GoState.Executing: Running, Syscall).
const ST_OTHER = 0,
  ST_EXEC = 1;

interface PerP {
  gc: number;
  series: number;
}

/**
 * Go's MutatorUtilizationV2, fed one ordered event at a time. finish() returns what Go
 * returns: one series (or one per P with UtilPerProc), each ending with utilisation 0 at the
 * last event's time; [] when no GOMAXPROCS metric was seen, null when there were no events.
 */
export class MutatorUtilBuilder {
  readonly flags: number;
  private readonly out: UtilSeries[] = [];
  private stw = 0;
  private readonly ps: PerP[] = [];
  /** Number of ps with gc > 0 (Go recounts them at every event). */
  private gcPs = 0;
  private readonly inGC = new Set<number>();
  private readonly states = new Map<number, number>();
  private readonly bgMark = new Set<number>();
  private readonly procs: { time: number; n: number }[] = [];
  private nSync = 0;
  private lastTime = -1;
  private any = false;

  /** 'go': exactly Go's MutatorUtilizationV2; 'fixed': background workers counted once per run (see above). */
  readonly mode: UtilMode;

  constructor(flags: number = UtilAll, opts: { mode?: UtilMode } = {}) {
    this.flags = flags;
    this.mode = opts.mode ?? 'go';
  }

  private gcAdd(p: number, d: number): void {
    if (p < 0 || p >= this.ps.length) return;
    const pp = this.ps[p]!;
    const was = pp.gc > 0;
    pp.gc += d;
    const now = pp.gc > 0;
    if (was !== now) this.gcPs += now ? 1 : -1;
  }

  /** Which of STW (1), sweep (2), mark assist (3) handling a range event gets; 0 for none. */
  private rangeClass(e: OrderedEvent): number {
    const t = e.type;
    const f = this.flags;
    // STWBegin/STWEnd: "stop-the-world (REASON)", a GC STW when REASON contains "GC".
    if (t === EvSTWBegin || t === EvSTWEnd) {
      if ((f & UtilSTW) === 0) return 0;
      return stwReason(e).includes('GC') ? 1 : 0;
    }
    if (t === EvGCSweepActive || t === EvGCSweepBegin || t === EvGCSweepEnd) return (f & UtilSweep) !== 0 ? 2 : 0;
    if (t === EvGCMarkAssistActive || t === EvGCMarkAssistBegin || t === EvGCMarkAssistEnd) return (f & UtilAssist) !== 0 ? 3 : 0;
    return 0; // GC concurrent mark phase
  }

  add(e: OrderedEvent): void {
    this.any = true;
    this.lastTime = e.time;
    const kind = e.kind;
    const flags = this.flags;
    const perProc = (flags & UtilPerProc) !== 0;
    const ps = this.ps;
    const out = this.out;

    if (kind === 'Sync') {
      this.nSync = e.args[0] ?? 0;
    } else if (kind === 'Metric' && e.type === EvProcsChange) {
      const gomaxprocs = e.args[0] ?? 0;
      if (ps.length > gomaxprocs) {
        if (perProc) for (let i = gomaxprocs; i < ps.length; i++) out[ps[i]!.series]!.add(e.time, 0);
        for (let i = gomaxprocs; i < ps.length; i++) if (ps[i]!.gc > 0) this.gcPs--;
        ps.length = gomaxprocs;
      }
      while (ps.length < gomaxprocs) {
        let series = 0;
        if (perProc || out.length === 0) {
          series = out.length;
          const s = new UtilSeries();
          s.push(e.time, 1);
          out.push(s);
        }
        ps.push({ gc: 0, series });
      }
      const procs = this.procs;
      if (procs.length === 0 || gomaxprocs !== procs[procs.length - 1]!.n) procs.push({ time: e.time, n: gomaxprocs });
    }
    if (ps.length === 0) return;

    switch (kind) {
      case 'RangeActive':
      case 'RangeBegin': {
        const c = this.rangeClass(e);
        if (kind === 'RangeActive') {
          if (this.nSync > 1) break;
          let fix = false;
          if (c === 3) fix = this.states.get(e.g) === ST_EXEC;
          else if (c === 2) fix = true;
          if (fix && !perProc) this.fixActive();
        }
        if (c === 1) this.stw++;
        else if (c === 2) this.gcAdd(e.p, 1);
        else if (c === 3) {
          this.gcAdd(e.p, 1);
          this.inGC.add(e.type === EvGCMarkAssistActive ? e.args[0]! : e.g);
        }
        break;
      }
      case 'RangeEnd': {
        const c = this.rangeClass(e);
        if (c === 1) this.stw--;
        else if (c === 2) this.gcAdd(e.p, -1);
        else if (c === 3) {
          this.gcAdd(e.p, -1);
          this.inGC.delete(e.g);
        }
        break;
      }
      case 'StateTransition': {
        const st = e.transition!;
        if (st.resource !== 'goroutine') break;
        const g = st.id;
        const from = st.from === 'Running' || st.from === 'Syscall';
        const to = st.to === 'Running' || st.to === 'Syscall';
        if (from !== to && (this.inGC.has(g) || this.bgMark.has(g))) this.gcAdd(e.p, to ? 1 : -1);
        // Only read for a RangeActive before the second sync (above); later updates are dead.
        if (this.nSync <= 1) this.states.set(g, to ? ST_EXEC : ST_OTHER);
        break;
      }
      case 'Label': {
        if ((flags & UtilBackground) === 0) break;
        const id = e.args[0];
        const label = id ? (e.table?.strings.get(id) ?? '') : '';
        if (label.startsWith('GC ') && label !== 'GC (idle)') {
          if (!(perProc && label === 'GC (dedicated)')) {
            if (this.mode === 'go' || !this.bgMark.has(e.g)) {
              this.bgMark.add(e.g);
              this.gcAdd(e.p, 1);
            }
          }
        }
        break;
      }
    }

    if (!perProc) {
      const gcPs = this.stw > 0 ? ps.length : this.gcPs;
      out[0]!.add(e.time, 1 - gcPs / ps.length);
    } else {
      const stw = this.stw > 0;
      for (let i = 0; i < ps.length; i++) {
        const p = ps[i]!;
        out[p.series]!.add(e.time, stw || p.gc > 0 ? 0.0 : 1.0);
      }
    }
  }

  /** Go's fix-up for a range active since the trace start: -1/GOMAXPROCS on everything so far. */
  private fixActive(): void {
    const s = this.out[0]!;
    const procs = this.procs;
    let mi = 0,
      pi = 0;
    while (mi < s.length) {
      if (pi < procs.length - 1 && procs[pi + 1]!.time < s.times[mi]!) {
        pi++;
        continue;
      }
      let u = s.utils[mi]! - 1 / procs[pi]!.n;
      if (u < 0) u = 0;
      s.utils[mi] = u;
      mi++;
    }
  }

  /** GOMAXPROCS changes seen (time, n). */
  get gomaxprocs(): readonly { time: number; n: number }[] {
    return this.procs;
  }

  finish(): UtilSeries[] | null {
    if (!this.any) return null;
    for (const p of this.ps) {
      const s = this.out[p.series]!;
      s.add(this.lastTime, 0);
      // Go drops the final point when the utilisation is already 0, and its MMU then ends
      // the trace at the last change; 'fixed' keeps the series to the last event.
      if (this.mode === 'fixed' && s.times[s.length - 1]! < this.lastTime) s.push(this.lastTime, 0);
    }
    return this.out;
  }
}

/** MutatorUtilizationV2 over a whole event sequence. */
export function mutatorUtilization(events: Iterable<OrderedEvent>, flags: number = UtilAll, mode: UtilMode = 'go'): UtilSeries[] | null {
  const b = new MutatorUtilBuilder(flags, { mode });
  for (const e of events) b.add(e);
  return b.finish();
}

// ---------------------------------------------------------------------------
// The MMU curve.

/** Go's bandsPerSeries. */
const BANDS_PER_SERIES = 1000;

interface Band {
  minUtil: number;
  cumUtil: number;
  /** The integrator position at the band's left edge. */
  pos: number;
}

class Series {
  readonly times: Float64Array;
  readonly utils: Float64Array;
  readonly n: number;
  readonly sums: Float64Array;
  readonly bands: Band[];
  readonly bandDur: number;

  constructor(u: UtilSeries) {
    const n = u.length;
    this.n = n;
    this.times = u.times.subarray(0, n);
    this.utils = u.utils.subarray(0, n);
    const times = this.times,
      utils = this.utils;
    const sums = new Float64Array(n);
    let prevT = 0,
      prevU = 0,
      sum = 0;
    for (let j = 0; j < n; j++) {
      sum += prevU * (times[j]! - prevT);
      sums[j] = sum;
      prevT = times[j]!;
      prevU = utils[j]!;
    }
    this.sums = sums;
    let numBands = BANDS_PER_SERIES;
    if (numBands > n) numBands = n;
    const dur = times[n - 1]! - times[0]!;
    let bandDur = Math.trunc((dur + numBands - 1) / numBands);
    if (bandDur < 1) bandDur = 1;
    this.bandDur = bandDur;
    const bands: Band[] = new Array(numBands + 1);
    const left = new Integrator(this, 0);
    for (let i = 0; i < bands.length; i++) {
      const start = this.bandStart(i);
      const end = start + bandDur;
      const cumUtil = left.advance(start);
      let minUtil = 1.0;
      for (let k = left.pos; k < n && times[k]! < end; k++) minUtil = Math.min(minUtil, utils[k]!);
      bands[i] = { minUtil, cumUtil, pos: left.pos };
    }
    this.bands = bands;
  }

  bandStart(i: number): number {
    return i * this.bandDur + this.times[0]!;
  }

  get first(): number {
    return this.times[0]!;
  }

  get last(): number {
    return this.times[this.n - 1]!;
  }

  /** Go's mkBandUtil. */
  mkBandUtil(series: number, window: number, out: BandUtil[]): void {
    const bandDur = this.bandDur;
    const minBands = Math.trunc((window + bandDur - 1) / bandDur);
    const maxBands = Math.trunc((window + 2 * (bandDur - 1)) / bandDur);
    if (window > 1 && maxBands < 2) throw new Error('maxBands < 2');
    const tailDur = window % bandDur;
    let nUtil = this.bands.length - maxBands + 1;
    if (nUtil < 0) nUtil = 0;
    const bands = this.bands;
    for (let i = 0; i < nUtil; i++) {
      let util = 0;
      const l = bands[i]!.minUtil;
      const r1 = bands[i + minBands - 1]!.minUtil;
      const r2 = bands[i + maxBands - 1]!.minUtil;
      const minBand = Math.min(l, Math.min(r1, r2));
      if (minBands === 1) {
        util += minBand * window;
      } else {
        util += minBand * bandDur;
        let midBand = 0.0;
        if (minBand === l) midBand = Math.min(r1, r2);
        else if (minBand === r1) midBand = Math.min(l, r2);
        else if (minBand === r2) midBand = Math.min(l, r1);
        util += midBand * tailDur;
      }
      if (minBands > 2) util += bands[i + minBands - 1]!.cumUtil - bands[i + 1]!.cumUtil;
      out.push({ series, i, utilBound: util / window });
    }
  }

  /** Go's bandMMU. */
  bandMMU(bandIdx: number, window: number, acc: Accumulator): void {
    const left = new Integrator(this, this.bands[bandIdx]!.pos);
    const right = new Integrator(this, left.pos);
    let time = this.bandStart(bandIdx);
    let endTime = time + this.bandDur;
    const utilEnd = this.last - window;
    if (utilEnd < endTime) endTime = utilEnd;
    acc.resetTime();
    for (;;) {
      const mu = (right.advance(time + window) - left.advance(time)) / window;
      if (acc.addMU(time, mu, window)) break;
      if (time === endTime) break;
      const minTime = time + Math.trunc((mu - acc.bound) * window);
      const t1 = left.next(time);
      const t2 = right.next(time + window) - window;
      time = t1 < t2 ? t1 : t2;
      if (time < minTime) time = minTime;
      if (time >= endTime) time = endTime;
    }
  }
}

/** Go's integrator: a position in a utilisation function and its integral. */
class Integrator {
  constructor(
    readonly u: Series,
    public pos: number,
  ) {}

  advance(time: number): number {
    const times = this.u.times;
    const n = this.u.n;
    let pos = this.pos;
    const maxSeq = 8;
    if (pos + maxSeq < n && times[pos + maxSeq]! > time) {
      while (pos + 1 < n && times[pos + 1]! <= time) pos++;
    } else {
      let l = pos,
        r = n;
      while (l < r) {
        const h = (l + r) >>> 1;
        if (times[h]! <= time) l = h + 1;
        else r = h;
      }
      pos = l - 1;
    }
    this.pos = pos;
    let partial = 0;
    if (time !== times[pos]) partial = this.u.utils[pos]! * (time - times[pos]!);
    return this.u.sums[pos]! + partial;
  }

  next(time: number): number {
    const times = this.u.times;
    for (let i = this.pos; i < this.u.n; i++) if (times[i]! > time) return times[i]!;
    return Infinity; // Go: 1<<63 - 1
  }
}

interface BandUtil {
  series: number;
  i: number;
  utilBound: number;
}

const bandLess = (a: BandUtil, b: BandUtil): boolean => a.utilBound < b.utilBound;

/** Go's UtilWindow: a window starting at time (ns) with its mean mutator utilisation. */
export interface UtilWindow {
  time: number;
  mutatorUtil: number;
}

// utilHeap.Less: the least-bad window on top.
const utilLess = (a: UtilWindow, b: UtilWindow): boolean => (a.mutatorUtil !== b.mutatorUtil ? a.mutatorUtil > b.mutatorUtil : a.time > b.time);

class Accumulator {
  mmu = 1.0;
  bound = 1.0;
  nWorst = 0;
  wHeap: UtilWindow[] = [];
  mud: Mud | null = null;
  preciseMass = 0;
  lastTime = 0;
  lastMU = 0;

  resetTime(): void {
    this.lastTime = Infinity;
  }

  addMU(time: number, mu: number, window: number): boolean {
    if (mu < this.mmu) this.mmu = mu;
    this.bound = this.mmu;
    if (this.nWorst === 0) return mu === 0;

    const h = this.wHeap;
    if (h.length < this.nWorst || mu < h[0]!.mutatorUtil) {
      let keep = false;
      for (let i = 0; i < h.length; i++) {
        const ui = h[i]!;
        if (time + window > ui.time && ui.time + window > time) {
          if (ui.mutatorUtil <= mu) keep = true;
          else heapRemove(h, i, utilLess);
          break;
        }
      }
      if (!keep) {
        heapPush(h, { time, mutatorUtil: mu }, utilLess);
        if (h.length > this.nWorst) heapPop(h, utilLess);
      }
    }

    if (h.length < this.nWorst) this.bound = 1.0;
    else this.bound = Math.max(this.bound, h[0]!.mutatorUtil);

    if (this.mud) {
      if (this.lastTime !== Infinity) this.mud.add(this.lastMU, mu, time - this.lastTime);
      this.lastTime = time;
      this.lastMU = mu;
      const b = this.mud.approxInvCumulativeSum();
      if (b) this.bound = Math.max(this.bound, b[1]);
      else this.bound = 1;
      return false;
    }
    return h.length === this.nWorst && h[0]!.mutatorUtil === 0;
  }
}

/** Go's MMUCurve: minimum mutator utilisation across window sizes (all times in ns). */
export class MMUCurve {
  private readonly series: Series[];

  constructor(utils: readonly UtilSeries[]) {
    this.series = utils.map((u) => new Series(u));
  }

  /** The minimum mutator utilisation over all windows of `window` ns, in [0, 1]. */
  mmu(window: number): number {
    const acc = new Accumulator();
    this.run(window, acc);
    return acc.mmu;
  }

  /** Up to n disjoint worst windows of `window` ns, worst first. */
  examples(window: number, n: number): UtilWindow[] {
    const acc = new Accumulator();
    acc.nWorst = n;
    this.run(window, acc);
    // sort.Sort(sort.Reverse(wHeap)): ascending utilisation, then ascending time.
    return acc.wHeap.slice().sort((a, b) => (a.mutatorUtil !== b.mutatorUtil ? a.mutatorUtil - b.mutatorUtil : a.time - b.time));
  }

  /** Mutator utilisation distribution quantiles for `window` ns (Go's MUD). */
  mud(window: number, quantiles: readonly number[]): number[] {
    if (quantiles.length === 0) return [];
    let maxQ = quantiles[0]!;
    for (const q of quantiles) if (q > maxQ) maxQ = q;
    let duration = 0;
    for (const s of this.series) {
      const d1 = s.last - s.first;
      if (d1 >= window) duration += d1 - window;
    }
    const qMass = duration * maxQ;
    const acc = new Accumulator();
    acc.preciseMass = qMass;
    acc.mud = new Mud();
    acc.mud.setTrackMass(qMass);
    this.run(window, acc);
    const out: number[] = new Array(quantiles.length);
    for (let i = 0; i < out.length; i++) {
      let mu = acc.mud.invCumulativeSum(duration * quantiles[i]!)[0];
      if (Number.isNaN(mu)) mu = acc.mmu;
      out[i] = mu;
    }
    return out;
  }

  /** The first and last time of all series (ns). */
  bounds(): { start: number; end: number } | null {
    if (this.series.length === 0) return null;
    let start = this.series[0]!.first,
      end = this.series[0]!.last;
    for (const s of this.series) {
      if (s.first < start) start = s.first;
      if (s.last > end) end = s.last;
    }
    return { start, end };
  }

  private run(window: number, acc: Accumulator): void {
    if (window <= 0) {
      acc.mmu = 0;
      return;
    }
    const bandU: BandUtil[] = [];
    const windows: number[] = new Array(this.series.length);
    for (let i = 0; i < this.series.length; i++) {
      const s = this.series[i]!;
      windows[i] = window;
      const max = s.last - s.first;
      if (window > max) windows[i] = max;
      s.mkBandUtil(i, windows[i]!, bandU);
    }
    heapInit(bandU, bandLess);
    while (bandU.length > 0 && bandU[0]!.utilBound < acc.bound) {
      const i = bandU[0]!.series;
      this.series[i]!.bandMMU(bandU[0]!.i, windows[i]!, acc);
      heapPop(bandU, bandLess);
    }
  }
}

// ---------------------------------------------------------------------------
// mud.go

const MUD_DEGREE = 1024;

interface Edge {
  x: number;
  delta: number;
  dirac: number;
}

/** Go's math.Modf. */
function modf(f: number): [number, number] {
  const i = Math.trunc(f);
  return [i, f - i];
}

class Mud {
  sorted: Edge[] | null = null;
  unsorted: Edge[] = [];
  trackMass = 0;
  trackBucket = 0;
  trackSum = 0;
  hist = new Float64Array(MUD_DEGREE);

  add(l: number, r: number, area: number): void {
    if (area === 0) return;
    if (r < l) [l, r] = [r, l];
    if (l === r) this.unsorted.push({ x: l, delta: 0, dirac: area });
    else {
      const delta = area / (r - l);
      this.unsorted.push({ x: l, delta, dirac: 0 }, { x: r, delta: -delta, dirac: 0 });
    }
    const h = this.hist;
    let [lb, lf] = modf(l * MUD_DEGREE);
    if (lb >= MUD_DEGREE) [lb, lf] = [MUD_DEGREE - 1, 1];
    if (l === r) h[lb]! += area;
    else {
      let [rb, rf] = modf(r * MUD_DEGREE);
      if (rb >= MUD_DEGREE) [rb, rf] = [MUD_DEGREE - 1, 1];
      if (lb === rb) h[lb]! += area;
      else {
        const perBucket = area / (r - l) / MUD_DEGREE;
        h[lb]! += perBucket * (1 - lf);
        h[rb]! += perBucket * rf;
        for (let i = lb + 1; i < rb; i++) h[i]! += perBucket;
      }
    }
    const thresh = this.trackBucket / MUD_DEGREE;
    if (l < thresh) {
      if (r < thresh) this.trackSum += area;
      else this.trackSum += (area * (thresh - l)) / (r - l);
      if (this.trackSum >= this.trackMass) this.setTrackMass(this.trackMass);
    }
  }

  setTrackMass(mass: number): void {
    this.trackMass = mass;
    let sum = 0.0;
    for (let i = 0; i < MUD_DEGREE; i++) {
      const newSum = sum + this.hist[i]!;
      if (newSum > mass) {
        this.trackBucket = i;
        this.trackSum = sum;
        return;
      }
      sum = newSum;
    }
    this.trackBucket = MUD_DEGREE;
    this.trackSum = sum;
  }

  approxInvCumulativeSum(): [number, number] | null {
    if (this.trackBucket === MUD_DEGREE) return null;
    return [this.trackBucket / MUD_DEGREE, (this.trackBucket + 1) / MUD_DEGREE];
  }

  invCumulativeSum(y: number): [number, boolean] {
    if ((this.sorted === null || this.sorted.length === 0) && this.unsorted.length === 0) return [NaN, false];
    const edges = this.unsorted;
    sortEdges(edges);
    this.unsorted = [];
    if (this.sorted === null) this.sorted = edges;
    else {
      const old = this.sorted;
      const merged: Edge[] = new Array(old.length + edges.length);
      let i = 0,
        j = 0;
      for (let o = 0; o < merged.length; o++) {
        if (i >= old.length) merged[o] = edges[j++]!;
        else if (j >= edges.length) merged[o] = old[i++]!;
        else if (old[i]!.x < edges[j]!.x) merged[o] = old[i++]!;
        else merged[o] = edges[j++]!;
      }
      this.sorted = merged;
    }
    let csum = 0.0,
      rate = 0.0,
      prevX = 0.0;
    for (const e of this.sorted) {
      let newCsum = csum + (e.x - prevX) * rate;
      if (newCsum >= y) {
        if (rate === 0) return [e.x, true];
        return [(y - csum) / rate + prevX, true];
      }
      newCsum += e.dirac;
      if (newCsum >= y) return [e.x, true];
      csum = newCsum;
      prevX = e.x;
      rate += e.delta;
    }
    return [prevX, false];
  }
}

function sortEdges(edges: Edge[]): void {
  edges.sort((a, b) => a.x - b.x);
}

// ---------------------------------------------------------------------------
// The /mmu page's plot (traceviewer HandlePlot).

/** What `go tool trace`'s /mmu?mode=plot serves: 100 window sizes (ns) and the MMU (or MUD quantiles) at each. */
export interface MMUPlot {
  xMin: number;
  xMax: number;
  quantiles: number[] | null;
  /** [window ns, mmu] or [window ns, ...quantiles] */
  curve: number[][];
}

/**
 * The MUD quantiles the /mmu page asks for with its "mut" flag: Go's 1-.999, 1-.99, 1-.95,
 * exact constant arithmetic, i.e. the doubles nearest 0.001, 0.01, 0.05.
 */
export const MUD_QUANTILES: readonly number[] = [0, 0.001, 0.01, 0.05];

/** Go's HandlePlot: MMU (or with quantiles the MUD) at 100 log-spaced windows. */
export function mmuPlot(curve: MMUCurve, quantiles: readonly number[] | null = null): MMUPlot {
  let xMin = 1e9;
  while (xMin > 1) {
    if (curve.mmu(xMin) < 0.0001) break;
    xMin = Math.trunc(xMin / 1000);
  }
  let xMax = xMin * 1e6;
  const b = curve.bounds();
  if (b && xMax > b.end - b.start) xMax = b.end - b.start;
  const logMin = Math.log(xMin),
    logMax = Math.log(xMax);
  const samples = 100;
  const plot: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const window = Math.trunc(Math.exp((i / (samples - 1)) * (logMax - logMin) + logMin));
    plot.push(quantiles === null ? [window, curve.mmu(window)] : [window, ...curve.mud(window, quantiles)]);
  }
  return { xMin, xMax, quantiles: quantiles === null ? null : [...quantiles], curve: plot };
}
