// Where the calling thread's time went, from Linux: on a CPU, waiting for one, idle in its
// event loop, or none of these (stopped).
//
// A client that times the network from one JavaScript thread sees an event late whenever
// that thread is not running although it could: the machine is busy or a CPU quota
// throttles it (it waits for a CPU: schedstat run_delay), or the hypervisor gives the
// virtual CPU to another machine (steal), or the process is stopped or blocked in the
// kernel. A 0.05 ms loopback connect then reads as 12 ms; Go's client, on several threads,
// is disturbed less often. Over a window, wall time = time on a CPU + time waiting for one
// + time idle in the event loop (blocked in epoll_wait, the only part that waits for the
// network) + the rest: stopped. Reading these around a measurement says how much of it was
// this machine, not the peer.
//
// The counters: /proc/thread-self/schedstat (on-CPU ns, run_delay ns, timeslices), read
// with pread on a descriptor kept open (about 2 µs; `thread-self` resolves when opened,
// so each thread opens its own); the event loop's idle time (libuv's metrics). The kernel
// brings a running thread's on-CPU figure up to date only at a tick or a switch, or when
// the thread group's CPU time is asked for (getrusage, which process.cpuUsage calls), so a
// read asks for that first; whether it worked is checked once per thread (stale figures
// would make on-CPU time look stopped), and where it does not, only the wait is known.
import { closeSync, openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A thread's counters at one moment, in ms since the thread (or its event loop) started. */
export interface ThreadTimes {
  /** performance.now() just before and just after the counters were read: a window between
   *  two reads runs from the first's `from` to the second's `to`, so that whatever the
   *  counters took in (a preemption during a read included) lies inside it. */
  from: number;
  to: number;
  /** On a CPU (NaN where not kept up to date: see ThreadClock.onCpuKnown). */
  onCpuMs: number;
  /** Runnable but not running: waiting for a CPU. */
  waitMs: number;
  /** Times the thread was put on a CPU. */
  slices: number;
  /** Blocked in the event loop's poll, waiting for I/O or a timer. */
  idleMs: number;
}

/** Where a window's time went (ms); stoppedMs is NaN where on-CPU time is not known. */
export interface TimeSplit {
  wallMs: number;
  onCpuMs: number;
  waitMs: number;
  idleMs: number;
  stoppedMs: number;
}

/** One tcp connect's time (ms, as stamped) and where the window around it went. */
export interface ConnectSplit extends TimeSplit {
  ms: number;
}

/**
 * Where a load run's client threads' time went, and the tcp connects it delayed: a
 * millisecond of waiting or stopped inside a measurement is the machine's, not the service's.
 */
export interface ClientTime {
  /** Over the run, summed over the client's threads: on a CPU (NaN: not known here). */
  onCpuMs: number;
  /** Waiting for a CPU, and the times they were put on one (waitedMs / slices: the mean wait). */
  waitedMs: number;
  slices: number;
  /** Neither running, nor waiting for a CPU, nor idle (NaN: not known here). */
  stoppedMs: number;
  /** CPU time the hypervisor took from this machine during the run (all its CPUs; null: not kept). */
  machineStealMs: number | null;
  /** The most time held up (waiting or stopped) inside one tcp connect. */
  connectHeldUpMaxMs: number;
  /** Connects held up for 1 ms or more. */
  connectsHeldUp: number;
  /** The slowest tcp connect of the run. */
  slowestConnect: ConnectSplit | null;
}

/**
 * The time a window was held up: waiting for a CPU, or stopped where known. With `innerMs`,
 * the part of it surely inside a shorter span within the window (a connect stamped between
 * two reads): what lies outside that span may all have been held up.
 */
export function heldUpMs(s: TimeSplit, innerMs = s.wallMs): number {
  const held = s.waitMs + (Number.isNaN(s.stoppedMs) ? 0 : s.stoppedMs);
  return Math.max(0, held - Math.max(0, s.wallMs - innerMs));
}

export class ThreadClock {
  private readonly buf = Buffer.alloc(96);
  private len = 0;
  private exact = true;

  private constructor(private fd: number) {}

  /** Whether on-CPU time (and so stopped time) is known here: checked once, when opened. */
  get onCpuKnown(): boolean {
    return this.exact;
  }

  /** For the calling thread; null where the kernel does not keep the counters (not Linux). */
  static forThisThread(): ThreadClock | null {
    let fd: number;
    try {
      fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      return null;
    }
    const c = new ThreadClock(fd);
    if (Number.isNaN(c.read().waitMs)) {
      c.close();
      return null;
    }
    c.exact = c.calibrate();
    return c;
  }

  /** The counters now (NaNs once closed or unreadable). */
  read(): ThreadTimes {
    const from = performance.now();
    if (this.fd >= 0) process.cpuUsage(); // brings this thread's on-CPU figure up to date
    const idleMs = performance.eventLoopUtilization().idle;
    const ok = this.pread();
    const to = performance.now();
    if (!ok) return { from, to, onCpuMs: NaN, waitMs: NaN, slices: NaN, idleMs };
    const s = parseSchedstat(this.buf.subarray(0, this.len));
    return { from, to, onCpuMs: this.exact ? s.onCpuNs / 1e6 : NaN, waitMs: s.waitNs / 1e6, slices: s.slices, idleMs };
  }

  /**
   * Spins a fraction of a millisecond: with exact figures, on-CPU + wait (+ idle) covers
   * the spin; stale ones stand still until the next tick (1-10 ms). A few tries, as the
   * hypervisor may take the CPU during one.
   */
  private calibrate(): boolean {
    for (let k = 0; k < 3; k++) {
      const a = this.read();
      while (performance.now() - a.to < 0.3);
      const s = split(a, this.read());
      if (Math.abs(s.wallMs - s.onCpuMs - s.waitMs - s.idleMs) < 0.05) return true;
    }
    return false;
  }

  private pread(): boolean {
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

/**
 * Where the time between two reads went. Stopped is what is left, and a lower bound: some
 * time counts twice (the kernel's time inside a poll is on a CPU and idle at once; the wait
 * for a CPU after a poll wakes is waiting and idle at once), so it is never made negative.
 */
export function split(a: ThreadTimes, b: ThreadTimes): TimeSplit {
  const wallMs = b.to - a.from;
  const onCpuMs = b.onCpuMs - a.onCpuMs;
  const waitMs = b.waitMs - a.waitMs;
  const idleMs = b.idleMs - a.idleMs;
  return { wallMs, onCpuMs, waitMs, idleMs, stoppedMs: Math.max(0, wallMs - onCpuMs - waitMs - idleMs) };
}

/** schedstat's three decimal fields: on-CPU ns, run_delay ns, timeslices (NaNs if malformed). */
export function parseSchedstat(b: Uint8Array): { onCpuNs: number; waitNs: number; slices: number } {
  return { onCpuNs: field(b, 0), waitNs: field(b, 1), slices: field(b, 2) };
}

/**
 * CPU time the hypervisor gave to other machines while this one's CPUs had work, summed
 * over its CPUs (ms; /proc/stat's steal, in clock ticks of 10 ms); null where not kept.
 */
export function machineStealMs(): number | null {
  let text: string;
  try {
    const fd = openSync('/proc/stat', 'r');
    try {
      const buf = Buffer.alloc(256);
      text = buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  return parseSteal(text);
}

/** The steal field (the 8th number) of /proc/stat's first line, in ms; null if absent. */
export function parseSteal(procStat: string): number | null {
  const m = /^cpu +(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(procStat);
  return m ? Number(m[8]) * 10 : null;
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
