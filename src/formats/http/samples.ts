// Many timed requests kept as columns (one typed array per phase), so a run of a million
// requests costs tens of megabytes, not a million objects. The columns can live in
// SharedArrayBuffers, so that worker threads sending requests write their results in
// place, each at its request's index. A run whose length is not known in advance (-z
// without -n) starts small and grows its columns (resizable buffers) up to `capacity`.
import { PHASES, type Exchange, type Failure, type PhaseName } from './exchange.js';

/** The shared columns, to hand to another thread (Samples.attach). */
export interface SampleBuffers {
  phases: SharedArrayBuffer[];
  wait: SharedArrayBuffer;
  status: SharedArrayBuffer;
  reused: SharedArrayBuffer;
  traceIds: SharedArrayBuffer;
}

type Buf = ArrayBuffer | SharedArrayBuffer;
/** The ES2024 resizable forms (Node 20 has them; the compile target's lib does not). */
type Growable = Buf & { resize?(n: number): void; grow?(n: number): void; readonly maxByteLength?: number };

/** Bytes per request in each kind of column. */
const WIDTH = { phase: 8, wait: 8, status: 2, reused: 1, traceId: 16 } as const;

export class Samples {
  /** Requests recorded (by this thread, until `absorb` adds the others'). */
  count = 0;
  /** Request indices in use, [0, size): each one was recorded or skipped. */
  size = 0;
  phases: Record<PhaseName, Float64Array> = {} as Record<PhaseName, Float64Array>;
  /**
   * Open loop (-q): how long each request waited past its scheduled send time for a free
   * connection, ms; NaN in a closed loop.
   */
  wait!: Float64Array;
  /** HTTP status of the final response (0: none). */
  status!: Uint16Array;
  /** 1 when the (final) request went out on a reused connection. */
  reused!: Uint8Array;
  /** 16 bytes of trace-id per request (all zero: no traceparent sent). */
  private traceIdBytes!: Buffer;
  /** Failures by request index. */
  readonly failures = new Map<number, Failure>();
  /** Protocols seen ("HTTP/1.1", "HTTP/2") with counts. */
  readonly protocols = new Map<string, number>();
  /** Requests the current views hold. */
  private room = 0;
  private readonly buffers: { phases: Buf[]; wait: Buf; status: Buf; reused: Buf; traceIds: Buf };

  private constructor(
    /** The most requests the columns can hold. */
    readonly capacity: number,
    buffers: Samples['buffers'],
    /** Whether the columns are SharedArrayBuffers (worker threads write them). */
    readonly isShared: boolean,
  ) {
    this.buffers = buffers;
    this.view();
  }

  /** Columns for `capacity` requests; with `initial` below it, they start that big and grow. */
  static create(capacity: number, initial = capacity): Samples {
    return new Samples(capacity, allocate(capacity, initial, false), false);
  }

  /** Columns in shared memory, for worker threads to fill. */
  static shared(capacity: number, initial = capacity): Samples {
    return new Samples(capacity, allocate(capacity, initial, true), true);
  }

  /** Another thread's view of shared columns. */
  static attach(capacity: number, buffers: SampleBuffers): Samples {
    return new Samples(capacity, buffers, true);
  }

  /** The shared columns, to hand to a worker thread. */
  get sharedBuffers(): SampleBuffers {
    if (!this.isShared) throw new Error('Samples: not shared');
    return this.buffers as SampleBuffers;
  }

  add(ex: Exchange, waitMs = NaN): void {
    const i = ex.index;
    if (i >= this.room) this.ensure(i);
    const ph = ex.phases;
    const col = this.phases;
    // Spelled out: a loop over PHASES makes every access a keyed (megamorphic) load.
    col.dns[i] = ph.dns ?? NaN;
    col.connect[i] = ph.connect ?? NaN;
    col.tls[i] = ph.tls ?? NaN;
    col.requestWrite[i] = ph.requestWrite ?? NaN;
    col.serverProcessing[i] = ph.serverProcessing ?? NaN;
    col.transfer[i] = ph.transfer ?? NaN;
    col.ttfb[i] = ph.ttfb ?? NaN;
    col.total[i] = ph.total ?? NaN;
    this.wait[i] = waitMs;
    this.status[i] = ex.status ?? 0;
    const last = ex.hops[ex.hops.length - 1];
    this.reused[i] = last?.conn?.reused ? 1 : 0;
    if (ex.traceId.length === 32) this.traceIdBytes.write(ex.traceId, i * 16, 16, 'hex');
    else this.traceIdBytes.fill(0, i * 16, i * 16 + 16);
    if (ex.failure) this.failures.set(i, ex.failure);
    const proto = last?.conn?.protocol;
    if (proto) this.protocols.set(proto, (this.protocols.get(proto) ?? 0) + 1);
    this.count++;
    if (i >= this.size) this.size = i + 1;
  }

  /** Index `i` was taken but its request never sent (the run stopped first): no values. */
  skip(i: number): void {
    if (i >= this.room) this.ensure(i);
    for (const p of PHASES) this.phases[p][i] = NaN;
    this.wait[i] = NaN;
    this.status[i] = 0;
    this.reused[i] = 0;
    this.traceIdBytes.fill(0, i * 16, i * 16 + 16);
    if (i >= this.size) this.size = i + 1;
  }

  /** The trace-id of request `i`, '' when it carried none. */
  traceId(i: number): string {
    const b = this.traceIdBytes;
    for (let k = i * 16; k < i * 16 + 16; k++) if (b[k] !== 0) return b.toString('hex', i * 16, i * 16 + 16);
    return '';
  }

  /** What another thread recorded into the shared columns: its count, failures and protocols. */
  absorb(part: { count: number; failures: [number, Failure][]; protocols: [string, number][] }): void {
    this.count += part.count;
    for (const [i, f] of part.failures) this.failures.set(i, f);
    for (const [k, v] of part.protocols) this.protocols.set(k, (this.protocols.get(k) ?? 0) + v);
    // Another thread may have grown the shared columns.
    this.view();
  }

  /** Makes index `i` writable: grows the columns (or, shared, sees another thread's growth). */
  private ensure(i: number): void {
    if (i >= this.capacity) throw new RangeError(`Samples: request ${i} beyond the capacity of ${this.capacity}`);
    const want = Math.min(this.capacity, Math.max(i + 1, this.room * 2));
    const all = [...this.buffers.phases, this.buffers.wait, this.buffers.status, this.buffers.reused, this.buffers.traceIds];
    const widths = [...this.buffers.phases.map(() => WIDTH.phase), WIDTH.wait, WIDTH.status, WIDTH.reused, WIDTH.traceId];
    all.forEach((b, k) => growTo(b as Growable, want * widths[k]!, (i + 1) * widths[k]!));
    this.view();
  }

  /** (Re)creates the views over the buffers as they are now. */
  private view(): void {
    const b = this.buffers;
    const room = Math.min(
      ...b.phases.map((x) => x.byteLength / WIDTH.phase),
      b.wait.byteLength / WIDTH.wait,
      b.status.byteLength / WIDTH.status,
      b.reused.byteLength / WIDTH.reused,
      b.traceIds.byteLength / WIDTH.traceId,
    );
    PHASES.forEach((p, k) => {
      this.phases[p] = new Float64Array(b.phases[k]!, 0, room);
    });
    this.wait = new Float64Array(b.wait, 0, room);
    this.status = new Uint16Array(b.status, 0, room);
    this.reused = new Uint8Array(b.reused, 0, room);
    this.traceIdBytes = Buffer.from(b.traceIds, 0, room * WIDTH.traceId);
    this.room = room;
  }
}

function allocate(capacity: number, initial: number, shared: boolean): Samples['buffers'] {
  const room = Math.max(1, Math.min(capacity, initial));
  const growing = room < capacity;
  const make = (width: number): Buf => {
    const opts = growing ? { maxByteLength: Math.max(1, capacity) * width } : undefined;
    // Resizable buffers take their maximum as an option (ES2024; Node 20 has them).
    const Ctor = (shared ? SharedArrayBuffer : ArrayBuffer) as unknown as new (n: number, o?: { maxByteLength: number }) => Buf;
    return new Ctor(room * width, opts);
  };
  return {
    phases: PHASES.map(() => make(WIDTH.phase) as SharedArrayBuffer),
    wait: make(WIDTH.wait),
    status: make(WIDTH.status),
    reused: make(WIDTH.reused),
    traceIds: make(WIDTH.traceId),
  } as Samples['buffers'];
}

/**
 * Grows `b` to `bytes` (at least `need`). A shared buffer may be grown by another thread at
 * the same time: a grow to less than its new length fails, and that is fine once it holds
 * `need` bytes.
 */
function growTo(b: Growable, bytes: number, need: number): void {
  while (b.byteLength < need) {
    const to = Math.min(b.maxByteLength ?? 0, Math.max(bytes, need));
    if (to < need) throw new RangeError(`Samples: cannot grow a column to ${need} bytes`);
    try {
      if (b.grow) b.grow(to);
      else if (b.resize) b.resize(to);
      else throw new RangeError('Samples: fixed-size column is full');
    } catch (e) {
      if (b.byteLength >= need) return;
      if (!(e instanceof RangeError) || !b.grow) throw e;
    }
  }
}
