// The ordered event stream of a Go 1.22+ execution trace: Go's trace.Reader.ReadEvent loop
// (src/internal/trace/reader.go) over the generations reader.ts reads. Per generation: a
// Sync event, then the per-M batch cursors (batch-cursor.ts) advanced through the ordering
// (order.ts), earliest event first, with the generation's CPU samples merged in by time;
// a final Sync at the end. Times are Go's: a generation's Sync is at mul(min batch base
// time), CPU samples at mul(raw time) sorted by time, and every emitted event gets
// time = max(time, previous + 1) (strictly increasing), the final Sync the last time (+1).

import { FormatError } from '../../errors.js';
import { BatchCursor, argsOf, heapInsert, heapRemove, heapSiftDown, heapUpdate } from './batch-cursor.js';
import { nsPerTick, ticksToNs } from './clock.js';
import type { OrderedEvent } from './event.js';
import { Ordering } from './order.js';
import { readGenerations, readTraceHeader, streamGenerations, type Generation, type TraceHeader } from './reader.js';
import { EvCPUSample, EvSync, eventName, type TraceVersion } from './spec.js';

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
    sink: (e: OrderedEvent) => void,
    private readonly input = 'trace',
  ) {
    this.order = new Ordering(input);
    this.order.sink = sink;
  }

  private out(e: OrderedEvent): void {
    this.order.out(e);
  }

  private sync(time: number, g: Generation | null): OrderedEvent {
    return {
      type: EvSync,
      name: 'Sync',
      kind: 'Sync',
      time,
      m: -1,
      p: -1,
      g: -1,
      args: [++this.syncs],
      gen: g?.gen ?? 0,
      transition: undefined,
      table: g,
      extraString: '',
    };
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
        this.out({
          type: EvCPUSample,
          name: 'CPUSample',
          kind: 'StackSample',
          time,
          m: s.m,
          p: s.p,
          g: s.g,
          args: [s.stack],
          gen: gen.gen,
          transition: undefined,
          table: gen,
          extraString: '',
        });
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
