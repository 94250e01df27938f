// The ordering state machine of the Go 1.22+ execution-trace parser: a port of Go's
// src/internal/trace/order.go. Given the next event of some M (batch-cursor.ts), Advance
// either consumes it, turning it into the ordered events Go's reader yields (state
// transitions with Go's from/to states, ranges, tasks, regions, metrics), or says that it
// cannot come yet because another M's event must go first: the goroutine/proc sequence
// numbers (g_seq, p_seq) and the GC sequence decide, not the timestamps. A trace Go's
// parser rejects is rejected here with the same reason (a FormatError).
//
// Not done: experimental (AllocFree) events (kept opaque by the reader; Go does not put them
// in the ordered stream either), the Go 1.22-1.25 "spill" error path (a cut last generation
// yields a Sync and then the error in Go; here the reader's FormatError is thrown directly).

import { FormatError } from '../../errors.js';
import { argsOf, type Ev } from './batch-cursor.js';
import { eventKind, type EventKind, type GoState, type OrderedEvent, type ProcState, type StateTransition } from './event.js';
import type { Generation } from './reader.js';
import {
  EvGCActive,
  EvGCBegin,
  EvGCEnd,
  EvGCMarkAssistActive,
  EvGCMarkAssistBegin,
  EvGCMarkAssistEnd,
  EvGCSweepActive,
  EvGCSweepBegin,
  EvGCSweepEnd,
  EvGoBlock,
  EvGoCreate,
  EvGoCreateBlocked,
  EvGoCreateSyscall,
  EvGoDestroy,
  EvGoDestroySyscall,
  EvGoLabel,
  EvGoStart,
  EvGoStatus,
  EvGoStatusStack,
  EvGoStop,
  EvGoSwitch,
  EvGoSwitchDestroy,
  EvGoSyscallBegin,
  EvGoSyscallEnd,
  EvGoSyscallEndBlocked,
  EvGoUnblock,
  EvHeapAlloc,
  EvHeapGoal,
  EvProcStart,
  EvProcStatus,
  EvProcSteal,
  EvProcStop,
  EvProcsChange,
  EvSTWBegin,
  EvSTWEnd,
  EvUserLog,
  EvUserRegionBegin,
  EvUserRegionEnd,
  EvUserTaskBegin,
  EvUserTaskEnd,
  GoRunnable,
  GoRunning,
  GoSyscall,
  GoWaiting,
  NumEvents,
  ProcIdle,
  ProcRunning,
  ProcSyscall,
  ProcSyscallAbandoned,
  eventName,
  startEvent,
} from './spec.js';

const goStatusState: Record<number, GoState> = { [GoRunnable]: 'Runnable', [GoRunning]: 'Running', [GoSyscall]: 'Syscall', [GoWaiting]: 'Waiting' };
const procStatusState: Record<number, ProcState> = { [ProcRunning]: 'Running', [ProcIdle]: 'Idle', [ProcSyscall]: 'Running', [ProcSyscallAbandoned]: 'Idle' };

// Each type's name and kind, looked up once: emit() runs for every event.
const NAME: string[] = [];
const KIND: EventKind[] = [];
for (let t = 0; t < NumEvents; t++) {
  NAME[t] = eventName(t);
  KIND[t] = eventKind(t)!;
}

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

const MUST_NOT = 0,
  MAY = 1,
  MUST = 2;
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

const GC_UNDETERMINED = 0,
  GC_NOT_RUNNING = 1,
  GC_RUNNING = 2;

/** Go's ordering: Advance either consumes an event (queueing the resulting events) or says it cannot yet. */
export class Ordering {
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
    this.sink({
      type: typ,
      name: NAME[typ]!,
      kind: KIND[typ]!,
      time,
      m: ctx.m,
      p: ctx.p,
      g: ctx.g,
      args: args ?? argsOf(ev),
      gen: gen.gen,
      transition,
      table: gen,
      extraString: typ === EvUserTaskEnd ? this.taskEndType : '',
    });
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
      case EvGoStart:
        return this.goStart(ev, gen, cur);
      case EvGoStop:
      case EvGoBlock:
        return this.goStopBlock(ev, gen, cur);
      case EvGoUnblock:
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
    if (ev.type === EvGoStop) {
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
      case EvProcsChange:
      case EvGoLabel:
      case EvUserLog:
        this.check(gen, ev, cur, userGoReqs);
        this.emit(gen, ev, cur, a);
        return cur;
      case EvProcStatus: {
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
      case EvProcStart: {
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
      case EvProcStop: {
        const s = this.p.get(cur.p);
        if (!s) throw this.fail(gen, ev, `proc ${cur.p} doesn't exist`);
        if (s.status !== ProcRunning && s.status !== ProcSyscall) throw this.fail(gen, ev, 'proc is not Running or Syscall');
        this.check(gen, ev, cur, req_Y_Y_M);
        s.status = ProcIdle;
        this.emit(gen, ev, cur, a, pt(cur.p, 'Running', 'Idle'));
        cur.p = -1;
        return cur;
      }
      case EvProcSteal: {
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
      case EvGoStatus:
      case EvGoStatusStack: {
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
            if (G !== this.initialGen && cur.g !== gid)
              throw this.fail(gen, ev, `inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${cur.g}`);
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
      case EvGoCreate:
      case EvGoCreateBlocked: {
        this.check(gen, ev, cur, req_Y_Y_M);
        const cs = this.g.get(cur.g);
        if (cs && cs.status !== GoRunning) throw this.fail(gen, ev, 'creating goroutine is not Running');
        const id = a[0]!;
        if (this.g.has(id)) throw this.fail(gen, ev, `tried to create goroutine (${id}) that already exists`);
        const status = t === EvGoCreateBlocked ? GoWaiting : GoRunnable;
        this.g.set(id, new GState(status, G, 0));
        this.emit(gen, ev, cur, a, gt(id, 'NotExist', goStatusState[status]!));
        return cur;
      }
      case EvGoDestroy:
      case EvGoStop: // (dispatch sends GoStop and GoBlock to goStopBlock)
      case EvGoBlock: {
        this.check(gen, ev, cur, userGoReqs);
        const s = this.gstate(gen, ev, cur.g);
        if (s.status !== GoRunning) throw this.fail(gen, ev, 'goroutine is not Running');
        let tr: StateTransition;
        if (t === EvGoDestroy) {
          this.g.delete(cur.g);
          tr = gt(cur.g, 'Running', 'NotExist');
        } else if (t === EvGoStop) {
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
      case EvGoSwitch:
      case EvGoSwitchDestroy: {
        this.check(gen, ev, cur, userGoReqs);
        const cs = this.gstate(gen, ev, cur.g);
        if (cs.status !== GoRunning) throw this.fail(gen, ev, 'goroutine is not Running');
        const next = a[0]!;
        const ns = this.g.get(next);
        if (!ns || ns.status !== GoWaiting || !(ns.seqGen === G && a[1] === ns.seq + 1)) return null;
        this.emit(gen, ev, cur, a, gt(next, 'Waiting', 'Runnable'));
        if (t === EvGoSwitch) {
          cs.status = GoWaiting;
          this.emit(gen, ev, cur, [0, 0], gt(cur.g, 'Running', 'Waiting'), EvGoBlock);
        } else {
          this.g.delete(cur.g);
          this.emit(gen, ev, cur, [], gt(cur.g, 'Running', 'NotExist'), EvGoDestroy);
        }
        ns.status = GoRunning;
        ns.seqGen = G;
        ns.seq = a[1]!;
        this.emit(gen, ev, { ...cur, g: -1 }, [next, a[1]!], gt(next, 'Runnable', 'Running'), EvGoStart);
        cur.g = next;
        return cur;
      }
      case EvGoSyscallBegin: {
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
      case EvGoSyscallEnd: {
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
      case EvGoSyscallEndBlocked: {
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
      case EvGoCreateSyscall: {
        this.check(gen, ev, cur, req_Y_M_N);
        const id = a[0]!;
        if (this.g.has(id)) throw this.fail(gen, ev, `tried to create goroutine (${id}) in syscall that already exists`);
        this.g.set(id, new GState(GoSyscall, G, 0));
        this.emit(gen, ev, cur, a, gt(id, 'NotExist', 'Syscall'));
        cur.g = id;
        return cur;
      }
      case EvGoDestroySyscall: {
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
          this.emit(gen, ev, cur, [cur.p, 0, 0], pt(cur.p, 'Running', 'Idle'), EvProcSteal);
        }
        this.emit(gen, ev, cur, a, gt(cur.g, 'Syscall', 'NotExist'));
        return nctx;
      }
      case EvUserTaskBegin: {
        const id = a[0]!;
        if (this.tasks.has(id)) throw this.fail(gen, ev, `task ID conflict: ${id}`);
        const parent = a[1] === 0 ? -1 : a[1]!;
        this.tasks.set(id, { name: this.str(gen, ev, a[2]!), parent });
        this.check(gen, ev, cur, userGoReqs);
        this.emit(gen, ev, cur, [id, parent, ...a.slice(2)]);
        return cur;
      }
      case EvUserTaskEnd: {
        // UserTaskEnd: Go keeps the parent and type of the TaskBegin as extra arguments.
        const task = this.tasks.get(a[0]!);
        this.tasks.delete(a[0]!);
        this.check(gen, ev, cur, userGoReqs);
        this.taskEndType = task?.name ?? '';
        this.emit(gen, ev, cur, [a[0]!, a[1]!, task ? task.parent : -1]);
        return cur;
      }
      case EvUserRegionBegin:
      case EvUserRegionEnd: {
        this.check(gen, ev, cur, userGoReqs);
        const r = { task: a[0]!, name: this.str(gen, ev, a[1]!) };
        const s = this.g.get(cur.g);
        if (!s) throw this.fail(gen, ev, `no known state for current goroutine ${cur.g}`);
        if (t === EvUserRegionBegin) s.regions.push(r);
        else if (s.regions.length) {
          const top = s.regions[s.regions.length - 1]!;
          if (top.task !== r.task || top.name !== r.name) throw this.fail(gen, ev, `misuse of region in goroutine ${cur.g}`);
          s.regions.pop();
        }
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case EvGCActive: {
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
      case EvGCBegin: {
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
      case EvGCEnd: {
        const seq = a[0]!;
        if (seq !== this.gcSeq + 1) return null;
        if (this.gcState !== GC_RUNNING) throw this.fail(gen, ev, 'encountered GCEnd when GC was not in progress');
        this.gcSeq = seq;
        this.gcState = GC_NOT_RUNNING;
        this.check(gen, ev, cur, userGoReqs);
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case EvHeapAlloc:
      case EvHeapGoal:
        this.check(gen, ev, cur, req_Y_Y_M);
        this.emit(gen, ev, cur, a);
        return cur;
      case EvGCSweepBegin: {
        this.check(gen, ev, cur, req_Y_Y_M);
        this.beginRange(gen, ev, this.p.get(cur.p)!, { typ: EvGCSweepBegin, desc: 0 });
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case EvGCSweepActive: {
        const ps = this.p.get(a[0]!);
        if (!ps) throw this.fail(gen, ev, `encountered GCSweepActive for unknown proc ${a[0]}`);
        this.activeRange(gen, ev, ps, { typ: EvGCSweepBegin, desc: 0 });
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case EvGCSweepEnd: {
        this.check(gen, ev, cur, req_Y_Y_M);
        this.endRange(gen, ev, this.p.get(cur.p)!);
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case EvSTWBegin:
      case EvGCMarkAssistBegin: {
        this.check(gen, ev, cur, userGoReqs);
        const s = this.gstate(gen, ev, cur.g);
        this.beginRange(gen, ev, s, { typ: t, desc: t === EvSTWBegin ? a[0]! : 0 });
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case EvGCMarkAssistActive: {
        const s = this.gstate(gen, ev, a[0]!);
        this.activeRange(gen, ev, s, { typ: EvGCMarkAssistBegin, desc: 0 });
        this.emit(gen, ev, cur, a);
        return cur;
      }
      case EvSTWEnd:
      case EvGCMarkAssistEnd: {
        this.check(gen, ev, cur, userGoReqs);
        const s = this.gstate(gen, ev, cur.g);
        const desc = this.endRange(gen, ev, s);
        this.emit(gen, ev, cur, t === EvSTWEnd ? [desc] : a);
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
    const st = startEvent(ev.type);
    const i = s ? s.inFlight.findIndex((r) => r.typ === st) : -1;
    if (!s || i < 0) throw this.fail(gen, ev, `tried to end event ${eventName(st)}, but not in-flight`);
    const desc = s.inFlight[i]!.desc;
    s.inFlight[i] = s.inFlight[s.inFlight.length - 1]!;
    s.inFlight.pop();
    return desc;
  }
}
