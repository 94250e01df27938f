// The ordered trace event and its kind-specific views, as Go's internal/trace event.go
// defines them (Event, EventKind, and the methods Stack, Metric, Label, Range,
// RangeAttributes, Task, Region, Log, StateTransition, Sync, String). Every string and stack
// ID is resolved through the table of the generation the event belongs to
// (OrderedEvent.table), so an analysis can keep an event after its generation's batches are
// gone.
//
// eventString is Go's Event.String() byte for byte: it is what `go tool trace -d=parsed`
// prints, and the oracle test compares the two streams whole.

import { nsPerTick, ticksToNs } from './clock.js';
import type { Frame, Generation } from './reader.js';
import {
  EvCPUSample,
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
  NumEvents,
  stackArgIndex,
} from './spec.js';

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

/** The kind of the ordered event each wire type makes (Go's tracev2Type2Kind); undefined for none. */
export function eventKind(type: number): EventKind | undefined {
  return KIND[type];
}
const KIND: EventKind[] = new Array(NumEvents);
KIND[EvCPUSample] = 'StackSample';
for (const t of [EvProcsChange, EvHeapAlloc, EvHeapGoal]) KIND[t] = 'Metric';
for (const t of [
  EvProcStart,
  EvProcStop,
  EvProcSteal,
  EvProcStatus,
  EvGoCreate,
  EvGoCreateSyscall,
  EvGoStart,
  EvGoDestroy,
  EvGoDestroySyscall,
  EvGoStop,
  EvGoBlock,
  EvGoUnblock,
  EvGoSyscallBegin,
  EvGoSyscallEnd,
  EvGoSyscallEndBlocked,
  EvGoStatus,
  EvGoSwitch,
  EvGoSwitchDestroy,
  EvGoCreateBlocked,
  EvGoStatusStack,
]) {
  KIND[t] = 'StateTransition';
}
for (const t of [EvSTWBegin, EvGCBegin, EvGCSweepBegin, EvGCMarkAssistBegin]) KIND[t] = 'RangeBegin';
for (const t of [EvGCActive, EvGCSweepActive, EvGCMarkAssistActive]) KIND[t] = 'RangeActive';
for (const t of [EvSTWEnd, EvGCEnd, EvGCSweepEnd, EvGCMarkAssistEnd]) KIND[t] = 'RangeEnd';
KIND[EvGoLabel] = 'Label';
KIND[EvUserTaskBegin] = 'TaskBegin';
KIND[EvUserTaskEnd] = 'TaskEnd';
KIND[EvUserRegionBegin] = 'RegionBegin';
KIND[EvUserRegionEnd] = 'RegionEnd';
KIND[EvUserLog] = 'Log';

/** Go's NoTask (^uint64(0)), as Go prints it. */
const NO_TASK = '18446744073709551615';

/** Go's Event.Stack(): the stack ID of the event itself (0 for none). */
export function eventStackId(e: OrderedEvent): number {
  if (e.kind === 'Sync') return 0;
  if (e.type === EvCPUSample) return e.args[0] ?? 0;
  const i = stackArgIndex(e.type);
  return i >= 0 ? (e.args[i] ?? 0) : 0;
}

/**
 * Go's StateTransition().Stack: the stack of the goroutine making the transition (the new
 * goroutine's start for GoCreate), 0 for none; null when Go has no transition stack at all.
 */
export function transitionStackId(e: OrderedEvent): number | null {
  switch (e.type) {
    case EvGoCreate:
    case EvGoCreateBlocked:
      return e.args[1] ?? 0;
    case EvGoStop:
    case EvGoBlock:
    case EvGoSyscallBegin:
    case EvGoStatus:
    case EvGoStatusStack: {
      // Go's e.Stack() is NoStack for ID 0, and then no TransitionStack is printed.
      const id = eventStackId(e);
      return id === 0 ? null : id;
    }
    default:
      return null;
  }
}

/**
 * The frames (innermost first) of a stack ID of the event's generation; [] for 0. As Go's
 * Stack.Frames, a PC missing from the frame table is a zero frame.
 */
export function stackFrames(table: Generation | null, id: number): Frame[] {
  if (!table || id === 0) return [];
  const pcs = table.stacks.get(id);
  if (!pcs) return [];
  const out: Frame[] = new Array(pcs.length);
  for (let i = 0; i < pcs.length; i++) {
    const pc = pcs[i]!;
    const f = table.frames.get(pc);
    out[i] = f
      ? { pc, func: table.strings.get(f.funcID) ?? '', file: table.strings.get(f.fileID) ?? '', line: f.line }
      : { pc: 0, func: '', file: '', line: 0 };
  }
  return out;
}

/** The event's own stack (Event.Stack().Frames()). */
export function eventStack(e: OrderedEvent): Frame[] {
  return stackFrames(e.table, eventStackId(e));
}

function str(e: OrderedEvent, id: number | undefined): string {
  return id ? (e.table?.strings.get(id) ?? '') : '';
}

export interface Metric {
  name: string;
  value: number;
}

/** Go's Event.Metric() (ProcsChange, HeapAlloc, HeapGoal). */
export function eventMetric(e: OrderedEvent): Metric {
  const value = e.args[0] ?? 0;
  switch (e.type) {
    case EvProcsChange:
      return { name: '/sched/gomaxprocs:threads', value };
    case EvHeapAlloc:
      return { name: '/memory/classes/heap/objects:bytes', value };
    default:
      return { name: '/gc/heap/goal:bytes', value };
  }
}

/** Go's Event.Label(): the label of goroutine e.g. */
export function eventLabel(e: OrderedEvent): { label: string; goroutine: number } {
  return { label: str(e, e.args[0]), goroutine: e.g };
}

export type ScopeKind = 'None' | 'Goroutine' | 'Proc';

export interface Scope {
  kind: ScopeKind;
  id: number;
}

export interface Range {
  name: string;
  scope: Scope;
}

/** A decoded range (decodeRange): Go's Range flattened, to be reused from event to event. */
export interface RangeView {
  name: string;
  scope: ScopeKind;
  /** The scope's goroutine or proc ID; -1 for None. */
  id: number;
}

/** The REASON of a stop-the-world range's "stop-the-world (REASON)" (STWBegin's kind string). */
export function stwReason(e: OrderedEvent): string {
  return str(e, e.args[0]);
}

/** "stop-the-world (REASON)" by REASON: a few kinds recur all through a trace. */
const stwNames = new Map<string, string>();

/**
 * Go's Event.Range() for RangeBegin/Active/End events, written into `out` (the one range
 * decoder: eventRange and the streaming analyses use it; ranges can be frequent, sweeps
 * above all, so nothing is allocated per event).
 */
export function decodeRange(e: OrderedEvent, out: RangeView): RangeView {
  switch (e.type) {
    case EvSTWBegin:
    case EvSTWEnd: {
      const reason = stwReason(e);
      let name = stwNames.get(reason);
      if (name === undefined) {
        if (stwNames.size >= 256) stwNames.clear(); // a hostile trace cannot grow it without bound
        stwNames.set(reason, (name = `stop-the-world (${reason})`));
      }
      out.name = name;
      out.scope = 'Goroutine';
      out.id = e.g;
      break;
    }
    case EvGCActive:
    case EvGCBegin:
    case EvGCEnd:
      out.name = 'GC concurrent mark phase';
      out.scope = 'None';
      out.id = -1;
      break;
    case EvGCSweepActive:
      out.name = 'GC incremental sweep';
      out.scope = 'Proc';
      out.id = e.args[0]!;
      break;
    case EvGCSweepBegin:
    case EvGCSweepEnd:
      out.name = 'GC incremental sweep';
      out.scope = 'Proc';
      out.id = e.p;
      break;
    case EvGCMarkAssistActive:
      out.name = 'GC mark assist';
      out.scope = 'Goroutine';
      out.id = e.args[0]!;
      break;
    default:
      out.name = 'GC mark assist';
      out.scope = 'Goroutine';
      out.id = e.g;
  }
  return out;
}

/** Go's Event.Range() for RangeBegin/Active/End events. */
export function eventRange(e: OrderedEvent): Range {
  const r = decodeRange(e, { name: '', scope: 'None', id: -1 });
  return { name: r.name, scope: { kind: r.scope, id: r.id } };
}

/** Go's Event.RangeAttributes(): bytes swept and reclaimed for a sweep's end, else none. */
export function rangeAttributes(e: OrderedEvent): { name: string; value: number }[] {
  if (e.type !== EvGCSweepEnd) return [];
  return [
    { name: 'bytes swept', value: e.args[0]! },
    { name: 'bytes reclaimed', value: e.args[1]! },
  ];
}

export interface Task {
  id: number;
  /** -1 for none (Go's NoTask). */
  parent: number;
  type: string;
}

/** Go's Event.Task() for TaskBegin/TaskEnd (TaskEnd's parent and type come from its TaskBegin). */
export function eventTask(e: OrderedEvent): Task {
  if (e.type === EvUserTaskBegin) return { id: e.args[0]!, parent: e.args[1]!, type: str(e, e.args[2]) };
  return { id: e.args[0]!, parent: e.args[2] ?? -1, type: e.extraString };
}

/** Go's Event.Region(). */
export function eventRegion(e: OrderedEvent): { task: number; type: string } {
  return { task: e.args[0]!, type: str(e, e.args[1]) };
}

/** Go's Event.Log(). */
export function eventLog(e: OrderedEvent): { task: number; category: string; message: string } {
  return { task: e.args[0]!, category: str(e, e.args[1]), message: str(e, e.args[2]) };
}

export interface SyncInfo {
  n: number;
  /** Go 1.25+: the generation's clock snapshot (trace time ns, monotonic ns, wall clock). */
  clock: { trace: number; mono: number; wallSec: number; wallNsec: number } | null;
}

/** Go's Event.Sync(). */
export function eventSync(e: OrderedEvent): SyncInfo {
  const c = e.table?.clockSnapshot;
  if (!c || !e.table) return { n: e.args[0]!, clock: null };
  const trace = ticksToNs(c.time, nsPerTick(e.table.ticksPerSecond));
  return { n: e.args[0]!, clock: { trace, mono: c.mono, wallSec: c.sec, wallNsec: c.nsec } };
}

/** Go's strconv.Quote / %q: printable runes as is, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Go's time.Time.Format(time.RFC3339Nano) of a UTC instant. */
export function rfc3339Nano(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  let frac = nsec ? '.' + String(nsec).padStart(9, '0').replace(/0+$/, '') : '';
  if (frac === '.') frac = '';
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac}Z`;
}

function printStack(frames: Frame[]): string {
  let s = '';
  for (const f of frames) s += `\t${f.func} @ 0x${f.pc.toString(16)}\n\t\t${f.file}:${f.line}\n`;
  return s;
}

function scopeString(s: Scope): string {
  return s.kind === 'None' ? 'None' : `${s.kind}(${s.id})`;
}

/** Go's Event.String(): what `go tool trace -d=parsed` prints for the event (without the final newline). */
export function eventString(e: OrderedEvent): string {
  let s = `M=${e.m} P=${e.p} G=${e.g} ${e.kind} Time=${e.time}`;
  switch (e.kind) {
    case 'Metric': {
      const m = eventMetric(e);
      s += ` Name=${goQuote(m.name)} Value=Value{Uint64(${m.value})}`;
      break;
    }
    case 'Label': {
      const l = eventLabel(e);
      s += ` Label=${goQuote(l.label)} Resource=Goroutine(${l.goroutine})`;
      break;
    }
    case 'RangeBegin':
    case 'RangeActive':
    case 'RangeEnd': {
      const r = eventRange(e);
      s += ` Name=${goQuote(r.name)} Scope=${scopeString(r.scope)}`;
      if (e.kind === 'RangeEnd')
        s += ` Attributes=[${rangeAttributes(e)
          .map((a) => `${goQuote(a.name)}=Value{Uint64(${a.value})}`)
          .join(' ')}]`;
      break;
    }
    case 'TaskBegin':
    case 'TaskEnd': {
      const t = eventTask(e);
      s += ` ID=${t.id} Parent=${t.parent === -1 ? NO_TASK : t.parent} Type=${goQuote(t.type)}`;
      break;
    }
    case 'RegionBegin':
    case 'RegionEnd': {
      const r = eventRegion(e);
      s += ` Task=${r.task} Type=${goQuote(r.type)}`;
      break;
    }
    case 'Log': {
      const l = eventLog(e);
      s += ` Task=${l.task} Category=${goQuote(l.category)} Message=${goQuote(l.message)}`;
      break;
    }
    case 'StateTransition': {
      const t = e.transition!;
      s += ` ${t.resource === 'goroutine' ? 'GoID' : 'ProcID'}=${t.id} ${t.from}->${t.to} Reason=${goQuote(t.reason)}`;
      const ts = transitionStackId(e);
      if (ts !== null) s += `\nTransitionStack=\n${printStack(stackFrames(e.table, ts))}`;
      break;
    }
    case 'Sync': {
      const y = eventSync(e);
      s += ` N=${y.n}`;
      if (y.clock) s += ` Trace=${y.clock.trace} Mono=${y.clock.mono} Wall=${rfc3339Nano(y.clock.wallSec, y.clock.wallNsec)}`;
      break;
    }
  }
  const id = eventStackId(e);
  // A CPU sample's Stack is never NoStack in Go (its table is set), even for ID 0.
  if (id !== 0 || e.type === EvCPUSample) s += `\nStack=\n${printStack(stackFrames(e.table, id))}`;
  return s;
}
