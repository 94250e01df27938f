// Many timed requests kept as columns (one typed array per phase), so a run of a million
// requests costs tens of megabytes, not a million objects. The columns can live in
// SharedArrayBuffers, so that worker threads sending requests write their results in
// place, each at its request's index.
import { PHASES, type Exchange, type Failure, type PhaseName } from './exchange.js';

/** The shared columns, to hand to another thread (Samples.attach). */
export interface SampleBuffers {
  phases: SharedArrayBuffer[];
  status: SharedArrayBuffer;
  reused: SharedArrayBuffer;
  traceIds: SharedArrayBuffer;
}

export class Samples {
  /** Requests recorded (by this thread, until `absorb` adds the others'). */
  count = 0;
  readonly phases: Record<PhaseName, Float64Array>;
  /** HTTP status of the final response (0: none). */
  readonly status: Uint16Array;
  /** 1 when the (final) request went out on a reused connection. */
  readonly reused: Uint8Array;
  /** 16 bytes of trace-id per request. */
  private readonly traceIdBytes: Buffer;
  /** Failures by request index. */
  readonly failures = new Map<number, Failure>();
  /** Protocols seen ("HTTP/1.1", "HTTP/2") with counts. */
  readonly protocols = new Map<string, number>();

  private constructor(
    readonly capacity: number,
    readonly buffers: SampleBuffers | null,
  ) {
    this.phases = {} as Record<PhaseName, Float64Array>;
    PHASES.forEach((p, k) => {
      this.phases[p] = buffers ? new Float64Array(buffers.phases[k]!) : new Float64Array(capacity).fill(NaN);
    });
    this.status = buffers ? new Uint16Array(buffers.status) : new Uint16Array(capacity);
    this.reused = buffers ? new Uint8Array(buffers.reused) : new Uint8Array(capacity);
    this.traceIdBytes = buffers ? Buffer.from(buffers.traceIds) : Buffer.alloc(capacity * 16);
  }

  static create(capacity: number): Samples {
    return new Samples(capacity, null);
  }

  /** Columns in shared memory, for worker threads to fill. */
  static shared(capacity: number): Samples {
    const buffers: SampleBuffers = {
      phases: PHASES.map(() => new SharedArrayBuffer(capacity * 8)),
      status: new SharedArrayBuffer(capacity * 2),
      reused: new SharedArrayBuffer(capacity),
      traceIds: new SharedArrayBuffer(capacity * 16),
    };
    const s = new Samples(capacity, buffers);
    for (const p of PHASES) s.phases[p].fill(NaN);
    return s;
  }

  /** Another thread's view of shared columns. */
  static attach(capacity: number, buffers: SampleBuffers): Samples {
    return new Samples(capacity, buffers);
  }

  add(ex: Exchange): void {
    const i = ex.index;
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
    this.status[i] = ex.status ?? 0;
    const last = ex.hops[ex.hops.length - 1];
    this.reused[i] = last?.conn?.reused ? 1 : 0;
    if (ex.traceId.length === 32) this.traceIdBytes.write(ex.traceId, i * 16, 16, 'hex');
    if (ex.failure) this.failures.set(i, ex.failure);
    const proto = last?.conn?.protocol;
    if (proto) this.protocols.set(proto, (this.protocols.get(proto) ?? 0) + 1);
    this.count++;
  }

  traceId(i: number): string {
    return this.traceIdBytes.toString('hex', i * 16, i * 16 + 16);
  }

  /** What another thread recorded into the shared columns: its count, failures and protocols. */
  absorb(part: { count: number; failures: [number, Failure][]; protocols: [string, number][] }): void {
    this.count += part.count;
    for (const [i, f] of part.failures) this.failures.set(i, f);
    for (const [k, v] of part.protocols) this.protocols.set(k, (this.protocols.get(k) ?? 0) + v);
  }
}
