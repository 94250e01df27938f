// Low-level reader of Go execution traces in the Go 1.22+ format ("v2"). Pure: bytes in,
// typed structures out, no I/O. The authoritative reader is Go's own
// (src/internal/trace: version/version.go, batch.go, generation.go); this follows it.
//
// Done here:
//   - the 16-byte header `go 1.NN trace\0\0\0`, which names a format version, not the Go
//     that wrote the file (spec.ts FORMAT_WRITERS): formats 1.22, 1.23 (written by Go
//     1.23 and 1.24), 1.25 and 1.26 (Go 1.26 and 1.27) are accepted; Go <= 1.21 (old
//     format), unknown and newer versions are rejected with a FormatError that says what
//     to do;
//   - batch framing: EventBatch [gen, M, timestamp, size] and ExperimentalBatch
//     [experiment, gen, M, timestamp, size] headers, size <= 64 KiB (tracev2.MaxBatchSize);
//   - splitting into generations: by EndOfGeneration markers (Go 1.26+), by the batch
//     generation number going up by one (Go 1.22-1.25);
//   - per generation: the string table, the stack table (with the PC -> func/file/line
//     frame table; func and file string IDs are validated like Go does), CPU samples, the
//     sync batch (frequency; clock snapshot from Go 1.25, required there), experimental
//     batches kept opaque (skipped safely, never decoded), and event batches grouped per M;
//   - a shallow scan of every event batch (event type known for the version, its fixed
//     number of uvarint arguments), so each batch is consumed exactly.
//   Every length, count and varint is bounds-checked: truncated or corrupt input gives a
//   one-line FormatError with a byte offset, never a hang or a huge allocation.
//
// Left for the next layer (ordering / event semantics, order.go in Go):
//   - merging the per-M event batches into one stream: timestamps are per-batch deltas,
//     and the cross-M partial order uses goroutine/proc sequence numbers (g_seq, p_seq)
//     and GC sequence numbers that must be resolved, not just sorted;
//   - turning tick timestamps into nanoseconds (freq, clock snapshot) and fixing up CPU
//     sample times; state transitions, ranges (GC, STW, sweep, mark assist), tasks,
//     regions, logs, metrics; decoding experimental (AllocFree) events.
//
// Numbers: all IDs, timestamps and values are JS numbers. An all-ones uint64 (Go's
// NoThread / NoProc written as -1) decodes as -1; any other value above 2^53 is rejected
// as corrupt, which no runtime-written trace field reaches in practice.

import { FormatError } from '../../errors.js';
import {
  EvCPUSample,
  EvCPUSamples,
  EvClockSnapshot,
  EvEndOfGeneration,
  EvEventBatch,
  EvExperimentalBatch,
  EvFrequency,
  EvStack,
  EvStacks,
  EvString,
  EvStrings,
  EvSync,
  MAX_BATCH_SIZE,
  MAX_FRAMES_PER_STACK,
  MAX_STRING_SIZE,
  SUPPORTED_VERSIONS,
  eventName,
  timedEventSpec,
  type TraceVersion,
} from './spec.js';

export const HEADER_SIZE = 16;

export interface TraceHeader {
  /** The NN of "go 1.NN trace": 22, 23 (Go 1.23 and 1.24), 25 or 26 (Go 1.26 and 1.27). */
  version: TraceVersion;
  /** "go1.NN", as in the header: the format version (spec.ts traceFormat says which Go wrote it). */
  goVersion: string;
}

export type BatchKind = 'events' | 'strings' | 'stacks' | 'cpu-samples' | 'sync' | 'experimental';

export interface Batch {
  kind: BatchKind;
  /** Generation number from the header (>= 1). */
  gen: number;
  /** M (OS thread) that wrote it; -1 for none (e.g. the sync batch). */
  m: number;
  /** Base timestamp in ticks; event timestamps in the batch are deltas from it. */
  time: number;
  /** Experiment ID for experimental batches (1 = AllocFree), 0 otherwise. */
  experiment: number;
  /** File offset of the batch header's first byte. */
  offset: number;
  /** File offset of data[0]. */
  dataOffset: number;
  /** The batch payload (a view into the input, not a copy). */
  data: Uint8Array;
  /** Number of events in an 'events' batch (shallow scan); 0 for other kinds and when streaming. */
  events: number;
}

/** A stack-table frame, keyed by PC in Generation.frames (first definition wins, as in Go). */
export interface FrameRef {
  pc: number;
  funcID: number;
  fileID: number;
  line: number;
}

export interface Frame {
  pc: number;
  func: string;
  file: string;
  line: number;
}

export interface CPUSample {
  /** Raw timestamp in ticks (not a batch delta). */
  time: number;
  m: number;
  /** -1 when the sample was taken without a P. */
  p: number;
  /** -1 when there was no goroutine (Go writes 0). */
  g: number;
  stack: number;
}

export interface ClockSnapshot {
  /** Trace clock, ticks. */
  time: number;
  /** Monotonic clock, ns. */
  mono: number;
  /** Wall clock. */
  sec: number;
  nsec: number;
}

export interface Generation {
  gen: number;
  /** File offsets: first batch header, and just past the last byte (EndOfGeneration included). */
  offset: number;
  end: number;
  /** Every batch of the generation, in file order. */
  batches: Batch[];
  /** Event batches per M, in file order (the input of the ordering layer). */
  eventBatches: Map<number, Batch[]>;
  experimentalBatches: Batch[];
  strings: Map<number, string>;
  /** Stack ID -> PCs, innermost first. */
  stacks: Map<number, number[]>;
  frames: Map<number, FrameRef>;
  cpuSamples: CPUSample[];
  /** Timestamp ticks per second (EvFrequency). */
  ticksPerSecond: number;
  /** Go 1.25+. */
  clockSnapshot?: ClockSnapshot;
  /** Smallest batch base timestamp (ticks). */
  minTime: number;
}

export interface RawEvent {
  type: number;
  name: string;
  /** File offset of the type byte. */
  offset: number;
  /** Timestamp delta in ticks from the previous event of the batch (or the batch base). */
  dt: number;
  /** The remaining arguments, in spec order (see spec.ts). */
  args: number[];
}

const TRUNCATED_HINT = 'the trace was cut short: capture it again and let tracing stop cleanly';
const NOT_TRACE_HINT = 'expected a Go execution trace from runtime/trace, net/http/pprof /debug/pprof/trace or go test -trace';

// ---------------------------------------------------------------------------
// Header

/** Parses the 16-byte header. Throws a FormatError for anything but a Go 1.22+ trace. */
export function readTraceHeader(buf: Uint8Array, input = 'trace'): TraceHeader {
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.byteLength, HEADER_SIZE)).toString('latin1');
  const m = /^go 1\.(\d{1,3}) trace\0+$/.exec(head);
  if (!m || head.length < HEADER_SIZE) {
    if (head.length < HEADER_SIZE && ('go 1.'.startsWith(head) || head.startsWith('go 1.'))) {
      throw new FormatError(input, 'byte 0', `truncated trace header (${buf.byteLength} of ${HEADER_SIZE} bytes)`, TRUNCATED_HINT);
    }
    throw new FormatError(input, 'byte 0', 'not a Go execution trace (no "go 1.NN trace" header)', NOT_TRACE_HINT);
  }
  const minor = Number(m[1]);
  if ((SUPPORTED_VERSIONS as readonly number[]).includes(minor)) return { version: minor as TraceVersion, goVersion: `go1.${minor}` };
  if (minor <= 21) {
    throw new FormatError(
      input,
      'byte 0',
      `Go 1.${minor} trace format is not supported`,
      `Go 1.21 and older traces use the old format: open it with that Go version's go tool trace, or capture again with Go 1.22+`,
    );
  }
  if (minor > 26) {
    throw new FormatError(
      input,
      'byte 0',
      `trace format go 1.${minor} is newer than this reader (formats go1.22 to go1.26, written by Go 1.22 to 1.27)`,
      `open it with go tool trace from the Go that wrote it (Go 1.${minor} or newer)`,
    );
  }
  throw new FormatError(
    input,
    'byte 0',
    `unknown trace version go 1.${minor}`,
    'Go writes formats go1.22, go1.23 (Go 1.23 and 1.24), go1.25 and go1.26 (Go 1.26 and 1.27): the file is probably corrupt',
  );
}

// ---------------------------------------------------------------------------
// Cursor over the whole buffer

/** Thrown by a non-final file cursor that ran out of bytes: read more and try again. */
const NEED_MORE = Symbol('need more bytes');

class Cursor {
  pos = 0;
  readonly end: number;
  /** false while more of the file may follow buf (streaming): running out is not truncation. */
  final = true;
  /**
   * `base` is the file offset of buf[0] (messages give file offsets); `scope` names what
   * buf is, e.g. "file" or "batch at byte 123"; reading past the end of the file means
   * truncation, past the end of a batch means corruption.
   */
  constructor(
    readonly buf: Uint8Array,
    readonly input: string,
    readonly base: number,
    readonly scope: string,
  ) {
    this.end = buf.byteLength;
  }

  fail(at: number, problem: string, hint?: string): FormatError {
    return new FormatError(this.input, `byte ${this.base + at}`, problem, hint);
  }

  truncated(at: number, what: string): FormatError {
    if (this.scope === 'file' && !this.final) throw NEED_MORE;
    if (this.scope === 'file') return this.fail(at, `unexpected end of file reading ${what}`, TRUNCATED_HINT);
    return this.fail(at, `${what} runs past the end of the ${this.scope}`, 'corrupt trace');
  }

  byte(what: string): number {
    if (this.pos >= this.end) throw this.truncated(this.pos, what);
    return this.buf[this.pos++]!;
  }

  /** A uvarint as a number: all-ones (Go's -1) gives -1; other values above 2^53 are errors. */
  uvarint(what: string): number {
    const start = this.pos;
    let v = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) throw this.truncated(start, what);
      const b = this.buf[this.pos++]!;
      if (i === 9 && b > 1) throw this.fail(start, `varint overflow in ${what}`, 'corrupt trace');
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (i < 7) return v; // up to 7 bytes = 49 bits: exact as a double
        return this.big(start, what);
      }
      mul *= 128;
    }
  }

  private big(start: number, what: string): number {
    let v = 0n;
    let shift = 0n;
    for (let p = start; p < this.pos; p++, shift += 7n) v |= BigInt(this.buf[p]! & 0x7f) << shift;
    if (v === 0xffffffffffffffffn) return -1;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(start, `${what} ${v} is out of range`, 'corrupt trace');
    return Number(v);
  }

  /** A uvarint that must not be -1 (all-ones). */
  count(what: string): number {
    const at = this.pos;
    const v = this.uvarint(what);
    if (v < 0) throw this.fail(at, `${what} is out of range`, 'corrupt trace');
    return v;
  }
}

// ---------------------------------------------------------------------------
// Batches

/** A batch, or the one-byte EndOfGeneration marker of Go 1.26+. */
export type TopLevel = { end: true; offset: number } | (Batch & { end?: false });

/**
 * Reads the batch framing after the header, in file order, without interpreting payloads
 * (kind is set from the first payload byte, as Go does; events is 0).
 */
export function* readBatches(buf: Uint8Array, input = 'trace', header = readTraceHeader(buf, input)): Generator<TopLevel> {
  yield* framing(buf, input, header.version, 0, HEADER_SIZE, true);
}

/**
 * The batches of buf[from:], where buf[0] is at file offset `base`. With final=false (more
 * of the file follows), stops before an incomplete batch and returns its index in buf.
 */
function* framing(buf: Uint8Array, input: string, version: TraceVersion, base: number, from: number, final: boolean): Generator<TopLevel, number> {
  const c = new Cursor(buf, input, base, 'file');
  c.final = final;
  c.pos = from;
  while (c.pos < c.end) {
    const offset = c.pos;
    let b: TopLevel;
    try {
      b = nextBatch(c, buf, version);
    } catch (e) {
      if (e === NEED_MORE) return offset;
      throw e;
    }
    yield b;
  }
  return c.pos;
}

function nextBatch(c: Cursor, buf: Uint8Array, version: TraceVersion): TopLevel {
  const offset = c.pos;
  const t = c.byte('batch header');
  if (t === EvEndOfGeneration && version >= 26) return { end: true, offset: c.base + offset };
  if (t !== EvEventBatch && t !== EvExperimentalBatch) {
    throw c.fail(
      offset,
      `expected a batch, found ${t === EvEndOfGeneration ? 'EndOfGeneration' : 'byte 0x' + t.toString(16).padStart(2, '0')}`,
      'corrupt trace',
    );
  }
  let experiment = 0;
  if (t === EvExperimentalBatch) {
    experiment = c.byte('experiment ID');
    if (experiment === 0) throw c.fail(offset + 1, 'experimental batch without an experiment ID', 'corrupt trace');
  }
  const genAt = c.pos;
  const gen = c.count('batch generation');
  if (gen === 0) throw c.fail(genAt, 'invalid generation number 0', 'corrupt trace');
  const m = c.uvarint('batch M ID');
  const time = c.count('batch timestamp');
  const sizeAt = c.pos;
  const size = c.count('batch size');
  if (size > MAX_BATCH_SIZE) throw c.fail(sizeAt, `invalid batch size ${size}, maximum is ${MAX_BATCH_SIZE}`, 'corrupt trace');
  const dataOffset = c.pos;
  if (size > c.end - dataOffset) {
    if (!c.final) throw NEED_MORE;
    throw c.fail(offset, `batch of ${size} bytes runs past the end of the file (${c.end - dataOffset} bytes left)`, TRUNCATED_HINT);
  }
  c.pos += size;
  const data = buf.subarray(dataOffset, dataOffset + size);
  return { kind: batchKind(data, experiment, version), gen, m, time, experiment, offset: c.base + offset, dataOffset: c.base + dataOffset, data, events: 0 };
}

function batchKind(data: Uint8Array, experiment: number, version: TraceVersion): BatchKind {
  if (experiment !== 0) return 'experimental';
  if (data.length === 0) return 'events';
  switch (data[0]) {
    case EvStrings:
      return 'strings';
    case EvStacks:
      return 'stacks';
    case EvCPUSamples:
      return 'cpu-samples';
    case EvFrequency:
      return version < 25 ? 'sync' : 'events';
    case EvSync:
      return version >= 25 ? 'sync' : 'events';
    default:
      return 'events';
  }
}

// ---------------------------------------------------------------------------
// Generations

function newGeneration(gen: number, offset: number): Generation {
  return {
    gen,
    offset,
    end: offset,
    batches: [],
    eventBatches: new Map(),
    experimentalBatches: [],
    strings: new Map(),
    stacks: new Map(),
    frames: new Map(),
    cpuSamples: [],
    ticksPerSecond: 0,
    minTime: 0,
  };
}

/**
 * Groups batches into generations as Go's reader does: by EndOfGeneration markers (Go
 * 1.26+) or by the generation number going up by one (Go 1.22-1.25).
 */
class Assembler {
  g: Generation | null = null;
  constructor(
    readonly input: string,
    readonly v: TraceVersion,
    /** Scan (check and count) every event batch now; the streaming path leaves that to the decoder. */
    readonly scan = true,
  ) {}

  /** Adds a batch or marker; returns the generation it completes, if any. */
  add(b: TopLevel): Generation | null {
    const { input, v } = this;
    let done: Generation | null = null;
    if (b.end) {
      const g = this.g;
      if (!g) throw new FormatError(input, `byte ${b.offset}`, 'empty generation (EndOfGeneration without batches)', 'corrupt trace');
      g.end = b.offset + 1;
      this.g = null;
      return finish(g, input, v);
    }
    if (this.g && b.gen !== this.g.gen) {
      if (v >= 26) {
        throw new FormatError(
          input,
          `byte ${b.offset}`,
          `batch of generation ${b.gen} inside generation ${this.g.gen}: missing EndOfGeneration or interleaved generations`,
          'corrupt trace',
        );
      }
      if (b.gen !== this.g.gen + 1) {
        throw new FormatError(input, `byte ${b.offset}`, `generations out of order: ${b.gen} after ${this.g.gen}`, 'corrupt trace');
      }
      done = finish(this.g, input, v);
      this.g = null;
    }
    this.g ??= newGeneration(b.gen, b.offset);
    addBatch(this.g, b, input, v, this.scan);
    this.g.end = b.dataOffset + b.data.length;
    return done;
  }

  /** At the end of the file: the last generation (Go 1.22-1.25), or an error if one is open (1.26+). */
  end(fileSize: number): Generation | null {
    const g = this.g;
    if (!g) return null;
    this.g = null;
    if (this.v >= 26) {
      throw new FormatError(this.input, `byte ${fileSize}`, `incomplete generation ${g.gen} (no EndOfGeneration)`, TRUNCATED_HINT);
    }
    return finish(g, this.input, this.v);
  }

  /**
   * Like Go before 1.26: a framing error after complete batches of a generation still lets
   * that generation through; the error comes next.
   */
  salvage(e: unknown): Generation | null {
    const g = this.g;
    this.g = null;
    return g && this.v < 26 && e instanceof FormatError ? finish(g, this.input, this.v) : null;
  }
}

/**
 * Reads the trace generation by generation, decoding each generation's tables and
 * checking every batch. Throws a FormatError at the first problem, after yielding the
 * generations before it; for Go 1.22-1.25, as in Go's reader, a generation whose batches
 * were all read is yielded even when the batch after it is cut or corrupt.
 */
export function* readGenerations(buf: Uint8Array, input = 'trace'): Generator<Generation, void, undefined> {
  const header = readTraceHeader(buf, input);
  const asm = new Assembler(input, header.version);
  const it = readBatches(buf, input, header);
  for (;;) {
    let r: IteratorResult<TopLevel>;
    try {
      r = it.next();
    } catch (e) {
      const g = asm.salvage(e);
      if (g) yield g;
      throw e;
    }
    if (r.done) break;
    const g = asm.add(r.value);
    if (g) yield g;
  }
  const g = asm.end(buf.byteLength);
  if (g) yield g;
}

/**
 * The same from a stream of chunks (a file read piece by piece, an HTTP body): memory holds
 * one generation at a time plus one chunk, however long the trace. Throws the same
 * FormatErrors as readGenerations, with file offsets.
 */
export async function* streamGenerations(
  chunks: AsyncIterable<Uint8Array>,
  input = 'trace',
  onHeader?: (h: TraceHeader) => void,
): AsyncGenerator<Generation, void, undefined> {
  let buf: Uint8Array = new Uint8Array(0);
  let base = 0; // file offset of buf[0]
  let header: TraceHeader | null = null;
  let asm: Assembler | null = null;
  let from = 0;
  const drain = function* (final: boolean): Generator<Generation, void, undefined> {
    const it = framing(buf, input, header!.version, base, from, final);
    for (;;) {
      let r: IteratorResult<TopLevel, number>;
      try {
        r = it.next();
      } catch (e) {
        const g = asm!.salvage(e);
        if (g) yield g;
        throw e;
      }
      if (r.done) {
        from = r.value;
        return;
      }
      const g = asm!.add(r.value);
      if (g) yield g;
    }
  };
  for await (const chunk of chunks) {
    if (chunk.byteLength === 0) continue;
    // Keep only the unread tail: batches already handed out hold views into older chunks.
    const tail = buf.subarray(from);
    const next = new Uint8Array(tail.byteLength + chunk.byteLength);
    next.set(tail, 0);
    next.set(chunk, tail.byteLength);
    base += from;
    buf = next;
    from = 0;
    if (!header) {
      if (buf.byteLength < HEADER_SIZE) continue;
      header = readTraceHeader(buf, input);
      onHeader?.(header);
      // No separate scan: the ordering's batch decoder checks every event as it reads it
      // (as Go's batch cursor does), so each byte is decoded once.
      asm = new Assembler(input, header.version, false);
      from = HEADER_SIZE;
    }
    yield* drain(false);
  }
  if (!header) {
    readTraceHeader(buf, input); // throws the right error (empty, short or not a trace)
    return;
  }
  yield* drain(true);
  const g = asm!.end(base + buf.byteLength);
  if (g) yield g;
}

/** The header and every generation, read eagerly. */
export function readTrace(buf: Uint8Array, input = 'trace'): { header: TraceHeader; generations: Generation[] } {
  const header = readTraceHeader(buf, input);
  return { header, generations: [...readGenerations(buf, input)] };
}

function addBatch(g: Generation, b: Batch, input: string, v: TraceVersion, scan: boolean): void {
  if (g.batches.length === 0 || b.time < g.minTime) g.minTime = b.time;
  g.batches.push(b);
  const c = new Cursor(b.data, input, b.dataOffset, `batch at byte ${b.offset}`);
  switch (b.kind) {
    case 'strings':
      return readStrings(g, c);
    case 'stacks':
      return readStacks(g, c);
    case 'cpu-samples':
      return readCPUSamples(g, c);
    case 'sync':
      return readSync(g, c, b, v);
    case 'experimental':
      g.experimentalBatches.push(b);
      return;
    case 'events': {
      if (scan) b.events = scanEvents(c, v);
      let list = g.eventBatches.get(b.m);
      if (!list) g.eventBatches.set(b.m, (list = []));
      list.push(b);
      return;
    }
  }
}

function readStrings(g: Generation, c: Cursor): void {
  c.pos = 1; // EvStrings
  while (c.pos < c.end) {
    const at = c.pos;
    const t = c.byte('string table');
    if (t !== EvString) throw c.fail(at, `expected a String event in the string table, found ${eventName(t)}`, 'corrupt trace');
    const idAt = c.pos;
    const id = c.count('string ID');
    const len = c.count('string length');
    if (len > MAX_STRING_SIZE) throw c.fail(at, `invalid string size ${len}, maximum is ${MAX_STRING_SIZE}`, 'corrupt trace');
    if (len > c.end - c.pos) throw c.truncated(at, `string ${id}`);
    if (id === 0 || g.strings.has(id)) throw c.fail(idAt, `duplicate or invalid string ID ${id}`, 'corrupt trace');
    g.strings.set(id, Buffer.from(c.buf.buffer, c.buf.byteOffset + c.pos, len).toString('utf8'));
    c.pos += len;
  }
}

function readStacks(g: Generation, c: Cursor): void {
  c.pos = 1; // EvStacks
  while (c.pos < c.end) {
    const at = c.pos;
    const t = c.byte('stack table');
    if (t !== EvStack) throw c.fail(at, `expected a Stack event in the stack table, found ${eventName(t)}`, 'corrupt trace');
    const idAt = c.pos;
    const id = c.count('stack ID');
    const n = c.count('stack frame count');
    if (n > MAX_FRAMES_PER_STACK) throw c.fail(at, `invalid stack size ${n}, maximum is ${MAX_FRAMES_PER_STACK}`, 'corrupt trace');
    if (n * 4 > c.end - c.pos) throw c.truncated(at, `stack ${id}`);
    const pcs: number[] = [];
    for (let i = 0; i < n; i++) {
      const pc = c.count(`frame ${i + 1} PC of stack ${id}`);
      const funcID = c.count(`frame ${i + 1} func ID of stack ${id}`);
      const fileID = c.count(`frame ${i + 1} file ID of stack ${id}`);
      const line = c.count(`frame ${i + 1} line of stack ${id}`);
      pcs.push(pc);
      if (!g.frames.has(pc)) g.frames.set(pc, { pc, funcID, fileID, line });
    }
    if (id === 0 || g.stacks.has(id)) throw c.fail(idAt, `duplicate or invalid stack ID ${id}`, 'corrupt trace');
    g.stacks.set(id, pcs);
  }
}

function readCPUSamples(g: Generation, c: Cursor): void {
  c.pos = 1; // EvCPUSamples
  while (c.pos < c.end) {
    const at = c.pos;
    const t = c.byte('CPU samples');
    if (t !== EvCPUSample) throw c.fail(at, `expected a CPUSample event, found ${eventName(t)}`, 'corrupt trace');
    const time = c.count('CPU sample timestamp');
    const m = c.uvarint('CPU sample M ID');
    const p = c.uvarint('CPU sample P ID');
    const gid = c.uvarint('CPU sample goroutine ID');
    const stack = c.count('CPU sample stack ID');
    g.cpuSamples.push({ time, m, p, g: gid === 0 ? -1 : gid, stack });
  }
}

function readSync(g: Generation, c: Cursor, b: Batch, v: TraceVersion): void {
  if (v >= 25) c.pos = 1; // EvSync
  let last = b.time;
  while (c.pos < c.end) {
    const at = c.pos;
    const t = c.byte('sync batch');
    if (t === EvFrequency) {
      if (g.ticksPerSecond !== 0) throw c.fail(at, 'found multiple frequency events', 'corrupt trace');
      const f = c.count('frequency');
      if (f === 0) throw c.fail(at, 'invalid frequency 0', 'corrupt trace');
      g.ticksPerSecond = f;
    } else if (t === EvClockSnapshot && v >= 25) {
      if (g.clockSnapshot) throw c.fail(at, 'found multiple clock snapshot events', 'corrupt trace');
      last += c.count('clock snapshot timestamp');
      const mono = c.count('clock snapshot monotonic time');
      const sec = c.count('clock snapshot seconds');
      const nsec = c.count('clock snapshot nanoseconds');
      g.clockSnapshot = { time: last, mono, sec, nsec };
    } else {
      throw c.fail(at, `expected a Frequency or ClockSnapshot event in the sync batch, found ${eventName(t)}`, 'corrupt trace');
    }
  }
}

/** Argument counts (dt included) per event type for a version; 0 for types invalid in an event batch. */
const SCAN_ARGS = new Map<TraceVersion, Uint8Array>();
function scanArgs(v: TraceVersion): Uint8Array {
  let a = SCAN_ARGS.get(v);
  if (!a) {
    a = new Uint8Array(256);
    for (let t = 0; t < 256; t++) a[t] = timedEventSpec(v, t)?.args.length ?? 0;
    SCAN_ARGS.set(v, a);
  }
  return a;
}

/**
 * Shallow scan of an event batch: returns the event count. A tight loop over well-formed
 * bytes; anything unusual (an unknown type, a cut or 8+ byte varint) is re-read with the
 * checked decoder, which throws the precise error or accepts it.
 */
function scanEvents(c: Cursor, v: TraceVersion): number {
  const argc = scanArgs(v);
  const d = c.buf;
  const end = c.end;
  let p = c.pos;
  let n = 0;
  while (p < end) {
    const k = argc[d[p]!]!;
    let q = p + 1;
    let ok = k > 0;
    for (let i = 0; ok && i < k; i++) {
      const s = q;
      while (q < end && d[q]! >= 0x80) q++;
      if (q >= end || q - s >= 7) ok = false;
      q++;
    }
    if (!ok) {
      c.pos = p;
      const it = eventsOf(c, v);
      it.next(); // throws, or consumed one long-varint event
      p = c.pos;
    } else p = q;
    n++;
  }
  c.pos = p;
  return n;
}

function* eventsOf(c: Cursor, v: TraceVersion): Generator<RawEvent> {
  while (c.pos < c.end) {
    const at = c.pos;
    const t = c.byte('event');
    const spec = timedEventSpec(v, t);
    if (!spec) throw c.fail(at, `invalid event type ${t} (${eventName(t)}) in an event batch of a go 1.${v} trace`, 'corrupt trace');
    const dt = c.count(`${spec.name} timestamp`);
    const args: number[] = [];
    for (let i = 1; i < spec.args.length; i++) args.push(c.uvarint(`${spec.name} argument ${spec.args[i]}`));
    yield { type: t, name: spec.name, offset: c.base + at, dt, args };
  }
}

/**
 * The events of an 'events' batch, decoded shallowly (type, dt, raw arguments; no
 * semantics). Offsets in events and errors are file offsets.
 */
export function* batchEvents(batch: Batch, version: TraceVersion, input = 'trace'): Generator<RawEvent> {
  if (batch.kind !== 'events') return;
  yield* eventsOf(new Cursor(batch.data, input, batch.dataOffset, `batch at byte ${batch.offset}`), version);
}

function finish(g: Generation, input: string, v: TraceVersion): Generation {
  const where = `byte ${g.offset}`;
  if (g.ticksPerSecond === 0) throw new FormatError(input, where, `generation ${g.gen} has no frequency event`, 'corrupt or truncated trace');
  if (v >= 25 && !g.clockSnapshot) throw new FormatError(input, where, `generation ${g.gen} has no clock snapshot event`, 'corrupt or truncated trace');
  for (const [id, pcs] of g.stacks) {
    for (const pc of pcs) {
      const f = g.frames.get(pc)!;
      if (f.funcID !== 0 && !g.strings.has(f.funcID))
        throw new FormatError(input, where, `generation ${g.gen}: stack ${id} uses unknown func string ID ${f.funcID}`, 'corrupt trace');
      if (f.fileID !== 0 && !g.strings.has(f.fileID))
        throw new FormatError(input, where, `generation ${g.gen}: stack ${id} uses unknown file string ID ${f.fileID}`, 'corrupt trace');
    }
  }
  return g;
}
