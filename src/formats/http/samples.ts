// Many timed requests kept as columns (one typed array per phase), so a run of a million
// requests costs tens of megabytes, not a million objects.
import { PHASES, type Exchange, type Failure, type PhaseName } from './exchange.js';

export class Samples {
  /** Requests recorded so far. */
  count = 0;
  readonly phases: Record<PhaseName, Float64Array>;
  /** HTTP status of the final response (0: none). */
  readonly status: Uint16Array;
  /** 1 when the (final) request went out on a reused connection. */
  readonly reused: Uint8Array;
  readonly traceIds: string[];
  /** Failures by request index. */
  readonly failures = new Map<number, Failure>();
  /** Protocols seen ("HTTP/1.1", "HTTP/2") with counts. */
  readonly protocols = new Map<string, number>();

  constructor(readonly capacity: number) {
    this.phases = {} as Record<PhaseName, Float64Array>;
    for (const p of PHASES) this.phases[p] = new Float64Array(capacity).fill(NaN);
    this.status = new Uint16Array(capacity);
    this.reused = new Uint8Array(capacity);
    this.traceIds = new Array<string>(capacity);
  }

  add(ex: Exchange): void {
    const i = ex.index;
    for (const p of PHASES) {
      const v = ex.phases[p];
      this.phases[p][i] = v === null ? NaN : v;
    }
    this.status[i] = ex.status ?? 0;
    const last = ex.hops[ex.hops.length - 1];
    this.reused[i] = last?.conn?.reused ? 1 : 0;
    this.traceIds[i] = ex.traceId;
    if (ex.failure) this.failures.set(i, ex.failure);
    const proto = last?.conn?.protocol;
    if (proto) this.protocols.set(proto, (this.protocols.get(proto) ?? 0) + 1);
    this.count++;
  }
}
