// Timeline data of a Go execution trace for the trace report (src/report/trace-html.ts,
// web/trace/): per goroutine its state intervals (Running on which P, Runnable, Waiting
// with its reason, Syscall), GC mark phases and stop-the-world ranges, user regions.
//
// TimelineBuilder is a streaming consumer of the ordered events (formats/trace/event-stream.ts):
// it keeps one open interval per goroutine and appends closed ones to growing typed
// arrays, so memory is bounded by the number of intervals (about 21 bytes each), never
// by the number of events. finish() groups the intervals by goroutine with a stable
// counting sort (each goroutine's intervals stay in time order) and returns columns.
//
// Proc rows are not stored: every Running interval carries its P, and a P runs one
// goroutine at a time, so the page derives each P's intervals from the Running ones.
//
// Goroutine names are the start function: the outermost frame of the GoCreate transition
// stack (the new goroutine's start PC), or, for goroutines that existed before the trace,
// the outermost frame of the first transition stack seen for them (GoStatusStack,
// GoStop, GoBlock, GoSyscallBegin), as `go tool trace` names them.

import { decodeRange, eventRegion, stackFrames, transitionStackId, type OrderedEvent, type RangeView } from '../../formats/trace/event.js';
import {
  EvGCActive,
  EvGCBegin,
  EvGCEnd,
  EvGoCreate,
  EvGoCreateBlocked,
  EvSTWBegin,
  EvSTWEnd,
  EvUserRegionBegin,
  EvUserRegionEnd,
} from '../../formats/trace/spec.js';
import { GC_MARK, GC_STW, STATE_RUNNABLE, STATE_RUNNING, STATE_SYSCALL, STATE_WAITING, type Timeline } from '../../shared/timeline.js';

// ---------------------------------------------------------------------------
// Growing typed arrays: one class per element type on purpose, so that each push site
// sees one array kind (a shared generic class would make the timeline's hot pushes
// polymorphic).

class F64 {
  a = new Float64Array(256);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Float64Array {
    return this.a.slice(0, this.n);
  }
}

class I32 {
  a = new Int32Array(256);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

class U8 {
  a = new Uint8Array(256);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint8Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Uint8Array {
    return this.a.slice(0, this.n);
  }
}

const STATE_CODE: Record<string, number> = { Running: STATE_RUNNING, Runnable: STATE_RUNNABLE, Waiting: STATE_WAITING, Syscall: STATE_SYSCALL };

interface OpenRegion {
  name: number;
  start: number;
}

export class TimelineBuilder {
  private readonly strings: string[] = [''];
  private readonly stringIdx = new Map<string, number>([['', 0]]);
  private first = -1;
  private last = 0;

  // Goroutines, by index of first appearance.
  private readonly gIndex = new Map<number, number>();
  private readonly gId = new F64();
  private readonly gName = new I32();
  private readonly gParent = new F64();
  private readonly gFirst = new F64();
  // The open interval of each goroutine: state (-1 none), since, aux.
  private readonly gState = new I32();
  private readonly gSince = new F64();
  private readonly gAux = new I32();

  // Closed intervals in the order they closed, with their goroutine index.
  private readonly ivStart = new F64();
  private readonly ivEnd = new F64();
  private readonly ivState = new U8();
  private readonly ivAux = new I32();
  private readonly ivG = new I32();

  private readonly procs = new Set<number>();

  private gcOpen = -1;
  private readonly rv: RangeView = { name: '', scope: 'None', id: -1 };
  private readonly stwOpen = new Map<number, { start: number; label: number }>();
  private readonly gcStart = new F64();
  private readonly gcEnd = new F64();
  private readonly gcKind = new U8();
  private readonly gcLabel = new I32();

  private readonly rgOpen = new Map<number, OpenRegion[]>();
  private readonly rgG = new I32();
  private readonly rgStart = new F64();
  private readonly rgEnd = new F64();
  private readonly rgName = new I32();
  private readonly rgDepth = new U8();

  /** Names of (generation table, stack ID), resolved once. */
  private readonly stackNames = new WeakMap<object, Map<number, number>>();

  private str(s: string): number {
    let i = this.stringIdx.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIdx.set(s, i);
    }
    return i;
  }

  private goroutine(id: number, time: number): number {
    let i = this.gIndex.get(id);
    if (i === undefined) {
      i = this.gId.n;
      this.gIndex.set(id, i);
      this.gId.push(id);
      this.gName.push(0);
      this.gParent.push(-1);
      this.gFirst.push(time);
      this.gState.push(-1);
      this.gSince.push(time);
      this.gAux.push(0);
    }
    return i;
  }

  /** The outermost frame's function of a stack, as a strings index (0 if none). */
  private stackName(e: OrderedEvent, id: number): number {
    if (!e.table || id === 0) return 0;
    let m = this.stackNames.get(e.table);
    if (!m) this.stackNames.set(e.table, (m = new Map()));
    let n = m.get(id);
    if (n === undefined) {
      const frames = stackFrames(e.table, id);
      n = frames.length ? this.str(frames[frames.length - 1]!.func) : 0;
      m.set(id, n);
    }
    return n;
  }

  add(e: OrderedEvent): void {
    const time = e.time;
    if (this.first < 0) this.first = time;
    this.last = time;
    if (e.p >= 0) this.procs.add(e.p);
    switch (e.kind) {
      case 'StateTransition':
        this.transition(e);
        return;
      case 'RangeBegin':
      case 'RangeActive':
      case 'RangeEnd':
        this.range(e);
        return;
      case 'RegionBegin':
      case 'RegionEnd':
        this.region(e);
        return;
      default:
        return;
    }
  }

  private transition(e: OrderedEvent): void {
    const t = e.transition;
    if (!t) return;
    if (t.resource === 'proc') {
      this.procs.add(t.id);
      return;
    }
    const gi = this.goroutine(t.id, e.time);
    if (this.gName.a[gi] === 0) {
      const sid = transitionStackId(e);
      if (sid) this.gName.a[gi] = this.stackName(e, sid);
    }
    if ((e.type === EvGoCreate || e.type === EvGoCreateBlocked) && e.g > 0) this.gParent.a[gi] = e.g;
    const code = STATE_CODE[t.to] ?? -1;
    const aux = code === STATE_RUNNING ? e.p : code < 0 ? 0 : this.str(t.reason);
    const cur = this.gState.a[gi]!;
    if (cur === code && (cur < 0 || this.gAux.a[gi] === aux)) return;
    if (cur >= 0) this.close(gi, e.time);
    this.gState.a[gi] = code;
    this.gSince.a[gi] = e.time;
    this.gAux.a[gi] = aux;
  }

  private close(gi: number, time: number): void {
    const since = this.gSince.a[gi]!;
    if (time <= since) return;
    this.ivStart.push(since);
    this.ivEnd.push(time);
    this.ivState.push(this.gState.a[gi]!);
    this.ivAux.push(this.gAux.a[gi]!);
    this.ivG.push(gi);
  }

  private range(e: OrderedEvent): void {
    switch (e.type) {
      case EvGCBegin:
      case EvGCActive:
        if (this.gcOpen < 0) this.gcOpen = e.type === EvGCActive ? (this.first >= 0 ? this.first : e.time) : e.time;
        return;
      case EvGCEnd: {
        const start = this.gcOpen >= 0 ? this.gcOpen : this.first;
        this.gcOpen = -1;
        this.pushGc(start, e.time, GC_MARK, this.str(decodeRange(e, this.rv).name));
        return;
      }
      case EvSTWBegin:
        this.stwOpen.set(e.g, { start: e.time, label: this.str(decodeRange(e, this.rv).name) });
        return;
      case EvSTWEnd: {
        const open = this.stwOpen.get(e.g);
        this.stwOpen.delete(e.g);
        this.pushGc(open ? open.start : this.first, e.time, GC_STW, open ? open.label : this.str(decodeRange(e, this.rv).name));
        return;
      }
      default:
        return;
    }
  }

  private pushGc(start: number, end: number, kind: number, label: number): void {
    this.gcStart.push(start);
    this.gcEnd.push(end);
    this.gcKind.push(kind);
    this.gcLabel.push(label);
  }

  private region(e: OrderedEvent): void {
    if (e.g <= 0) return;
    const gi = this.goroutine(e.g, e.time);
    const name = this.str(eventRegion(e).type);
    let stack = this.rgOpen.get(gi);
    if (e.type === EvUserRegionBegin) {
      if (!stack) this.rgOpen.set(gi, (stack = []));
      stack.push({ name, start: e.time });
      return;
    }
    if (e.type !== EvUserRegionEnd) return;
    // A region that began before the trace: it starts at the trace's start.
    if (stack && stack.length && stack[stack.length - 1]!.name === name) {
      const r = stack.pop()!;
      this.pushRegion(gi, r.start, e.time, name, stack.length);
    } else {
      this.pushRegion(gi, this.first, e.time, name, stack?.length ?? 0);
    }
  }

  private pushRegion(gi: number, start: number, end: number, name: number, depth: number): void {
    this.rgG.push(gi);
    this.rgStart.push(start);
    this.rgEnd.push(end);
    this.rgName.push(name);
    this.rgDepth.push(Math.min(depth, 255));
  }

  /** Closes what is still open at the last event and returns the columns. */
  finish(): Timeline {
    const end = this.last;
    const start = this.first < 0 ? 0 : this.first;
    const n = this.gId.n;
    for (let gi = 0; gi < n; gi++) {
      if (this.gState.a[gi]! >= 0) this.close(gi, end);
      this.gState.a[gi] = -1;
    }
    if (this.gcOpen >= 0) this.pushGc(this.gcOpen, end, GC_MARK, this.str('GC concurrent mark phase'));
    this.gcOpen = -1;
    for (const s of this.stwOpen.values()) this.pushGc(s.start, end, GC_STW, s.label);
    this.stwOpen.clear();
    for (const [gi, stack] of this.rgOpen) {
      for (let d = stack.length - 1; d >= 0; d--) this.pushRegion(gi, stack[d]!.start, end, stack[d]!.name, d);
    }
    this.rgOpen.clear();

    // Intervals grouped by goroutine: a stable counting sort keeps each one's time order.
    const m = this.ivG.n;
    const offset = new Int32Array(n + 1);
    for (let i = 0; i < m; i++) offset[this.ivG.a[i]! + 1]!++;
    for (let g = 0; g < n; g++) offset[g + 1]! += offset[g]!;
    const pos = offset.slice(0, n);
    const newPos = new Int32Array(m);
    const ivStart = new Float64Array(m);
    const ivEnd = new Float64Array(m);
    const ivState = new Uint8Array(m);
    const ivAux = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const j = pos[this.ivG.a[i]!]!++;
      newPos[i] = j;
      ivStart[j] = this.ivStart.a[i]!;
      ivEnd[j] = this.ivEnd.a[i]!;
      ivState[j] = this.ivState.a[i]!;
      ivAux[j] = this.ivAux.a[i]!;
      if (ivState[j] === STATE_RUNNING && ivAux[j]! >= 0) this.procs.add(ivAux[j]!);
    }

    // Each P's Running intervals, in the order they closed: a P runs one goroutine at a
    // time, so that is their time order (sorted anyway should a trace disagree).
    const procIds = Int32Array.from([...this.procs].filter((p) => p >= 0).sort((a, b) => a - b));
    const procRow = new Map<number, number>();
    procIds.forEach((p, r) => procRow.set(p, r));
    const procOffset = new Int32Array(procIds.length + 1);
    for (let i = 0; i < m; i++) {
      if (this.ivState.a[i] === STATE_RUNNING && this.ivAux.a[i]! >= 0) procOffset[procRow.get(this.ivAux.a[i]!)! + 1]!++;
    }
    for (let r = 0; r < procIds.length; r++) procOffset[r + 1]! += procOffset[r]!;
    const procPos = procOffset.slice(0, procIds.length);
    const procInterval = new Int32Array(procOffset[procIds.length]!);
    for (let i = 0; i < m; i++) {
      if (this.ivState.a[i] === STATE_RUNNING && this.ivAux.a[i]! >= 0) procInterval[procPos[procRow.get(this.ivAux.a[i]!)!]!++] = newPos[i]!;
    }
    for (let r = 0; r < procIds.length; r++) {
      const lo = procOffset[r]!,
        hi = procOffset[r + 1]!;
      let sorted = true;
      for (let k = lo + 1; k < hi && sorted; k++) sorted = ivStart[procInterval[k]!]! >= ivEnd[procInterval[k - 1]!]!;
      if (!sorted) procInterval.subarray(lo, hi).sort((a, b) => ivStart[a]! - ivStart[b]! || a - b);
    }

    // GC ranges by start.
    const gcOrder = Array.from({ length: this.gcStart.n }, (_, i) => i).sort((a, b) => this.gcStart.a[a]! - this.gcStart.a[b]! || a - b);
    const pick64 = (v: F64, order: number[]) => Float64Array.from(order, (i) => v.a[i]!);

    // Regions by goroutine, depth, start.
    const rgOrder = Array.from({ length: this.rgG.n }, (_, i) => i).sort(
      (a, b) => this.rgG.a[a]! - this.rgG.a[b]! || this.rgDepth.a[a]! - this.rgDepth.a[b]! || this.rgStart.a[a]! - this.rgStart.a[b]! || a - b,
    );
    const rgG = Int32Array.from(rgOrder, (i) => this.rgG.a[i]!);
    const rgOffset = new Int32Array(n + 1);
    for (let i = 0; i < rgG.length; i++) rgOffset[rgG[i]! + 1]!++;
    for (let g = 0; g < n; g++) rgOffset[g + 1]! += rgOffset[g]!;

    return {
      start,
      end,
      strings: this.strings.slice(),
      goroutines: { count: n, id: this.gId.done(), name: this.gName.done(), parent: this.gParent.done(), firstSeen: this.gFirst.done(), offset },
      intervals: { count: m, start: ivStart, end: ivEnd, state: ivState, aux: ivAux },
      procs: { count: procIds.length, id: procIds, offset: procOffset, interval: procInterval },
      gc: {
        count: gcOrder.length,
        start: pick64(this.gcStart, gcOrder),
        end: pick64(this.gcEnd, gcOrder),
        kind: Uint8Array.from(gcOrder, (i) => this.gcKind.a[i]!),
        label: Int32Array.from(gcOrder, (i) => this.gcLabel.a[i]!),
      },
      regions: {
        count: rgG.length,
        g: rgG,
        start: pick64(this.rgStart, rgOrder),
        end: pick64(this.rgEnd, rgOrder),
        name: Int32Array.from(rgOrder, (i) => this.rgName.a[i]!),
        depth: Uint8Array.from(rgOrder, (i) => this.rgDepth.a[i]!),
        offset: rgOffset,
      },
    };
  }
}

/** The timeline of a whole event stream. */
export function buildTimeline(events: Iterable<OrderedEvent>): Timeline {
  const b = new TimelineBuilder();
  for (const e of events) b.add(e);
  return b.finish();
}
