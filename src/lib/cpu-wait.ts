// How long the calling thread has waited for a CPU while it could have run: Linux's
// per-thread schedstat (`/proc/thread-self/schedstat`, second field, run_delay in ns).
//
// A client that times the network from one JavaScript thread sees an event late whenever
// that thread is runnable but not running (the machine is busy, or a CPU quota throttles
// it): a 0.05 ms loopback connect then reads as 12 ms. Go's client, on several threads,
// is disturbed less often. Reading run_delay around a measurement says how much of it was
// this machine, not the peer. The file is read with pread on a descriptor kept open
// (about 2 µs); `thread-self` resolves when it is opened, so each thread opens its own.
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Time a load run's client threads were runnable but not running: each such millisecond
 * inside a measurement is the machine's, not the service's.
 */
export interface ClientCpu {
  /** Over the run, summed over the client's threads. */
  waitedMs: number;
  /** Times the threads were put on a CPU meanwhile (waitedMs / slices: the mean wait). */
  slices: number;
  /** The most of it inside one tcp connect's time. */
  connectWaitMaxMs: number;
  /** Connects whose time includes at least 1 ms of it. */
  connectsWaited: number;
}

export class CpuWait {
  private readonly buf = Buffer.alloc(96);
  private len = 0;

  private constructor(private fd: number) {}

  /** For the calling thread; null where the kernel does not keep the counter (not Linux, no schedstats). */
  static forThisThread(): CpuWait | null {
    let fd: number;
    try {
      fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      return null;
    }
    const w = new CpuWait(fd);
    if (Number.isNaN(w.ms())) {
      w.close();
      return null;
    }
    return w;
  }

  /** Milliseconds this thread has waited for a CPU since it started (NaN once closed or unreadable). */
  ms(): number {
    return this.read() ? parseRunDelayMs(this.buf.subarray(0, this.len)) : NaN;
  }

  /** The wait so far and how many times the thread was put on a CPU (NaNs once closed or unreadable). */
  sample(): { waitedMs: number; slices: number } {
    if (!this.read()) return { waitedMs: NaN, slices: NaN };
    const b = this.buf.subarray(0, this.len);
    return { waitedMs: parseRunDelayMs(b), slices: parseSlices(b) };
  }

  private read(): boolean {
    if (this.fd < 0) return false;
    try {
      this.len = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    } catch {
      return false;
    }
    return true;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** The second of schedstat's three decimal fields (run_delay, ns), in ms; NaN if malformed. */
export function parseRunDelayMs(b: Uint8Array): number {
  return field(b, 1) / 1e6;
}

/** The third field (pcount: times the thread was put on a CPU); NaN if malformed. */
export function parseSlices(b: Uint8Array): number {
  return field(b, 2);
}

/** Field `k` (0-based) of space-separated decimals; NaN if it is missing or not a number. */
function field(b: Uint8Array, k: number): number {
  let i = 0;
  for (let skip = 0; skip < k; skip++) {
    while (i < b.length && b[i] !== 0x20) i++;
    i++;
  }
  let v = 0;
  let digits = 0;
  for (; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    digits++;
  }
  if (digits === 0 || (i < b.length && b[i] !== 0x20 && b[i] !== 0x0a)) return NaN;
  return v;
}
