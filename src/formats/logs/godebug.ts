// The Go runtime's GODEBUG trace lines, found among a service's log lines on stderr:
//   gctrace=1     gc 12 @3.104s 2%: 0.018+1.2+0.004 ms clock, 0.036+0.1/1.0/0.4+0.009 ms cpu,
//                 4->4->1 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
//   schedtrace=N  SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0
//                 needspinning=0 idlethreads=1 runqueue=0 [0 1] …
// The stop-the-world pauses are gctrace's first and third clock phases (sweep termination
// and mark termination); the middle one runs concurrently.

export interface GcCycle {
  line: number;
  /** "gc N". */
  n: number;
  /** Seconds since the program started. */
  atSec: number;
  /** Share of CPU spent in GC since the program started (%). */
  cpuPct: number;
  /** Stop-the-world time: sweep termination + mark termination (ms, wall clock). */
  pauseMs: number;
  /** Concurrent mark (ms, wall clock). */
  markMs: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  liveMB: number;
  goalMB: number;
  procs: number;
  forced: boolean;
}

export interface SchedSample {
  line: number;
  /** Milliseconds since the program started. */
  atMs: number;
  gomaxprocs: number;
  idleprocs: number;
  threads: number;
  idlethreads: number;
  spinningthreads: number;
  /** Global run queue. */
  runqueue: number;
  /** Sum of the per-P run queues. */
  localRunqueue: number;
}

const GC =
  /^gc (\d+) @([\d.]+)s (\d+)%: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock, [^,]* ms cpu, (\d+)->(\d+)->(\d+) MB, (\d+) MB goal,(?:.*?, )?\s*(\d+) P( \(forced\))?\s*$/;
const SCHED = /^SCHED (\d+)ms: (.*)$/;

export function parseGcLine(s: string, line: number): GcCycle | null {
  if (!s.startsWith('gc ')) return null;
  const m = GC.exec(s);
  if (!m) return null;
  const n = (i: number) => Number(m[i]);
  return {
    line,
    n: n(1),
    atSec: n(2),
    cpuPct: n(3),
    pauseMs: Math.round((n(4) + n(6)) * 1e6) / 1e6,
    markMs: n(5),
    heapBeforeMB: n(7),
    heapAfterMB: n(8),
    liveMB: n(9),
    goalMB: n(10),
    procs: n(11),
    forced: !!m[12],
  };
}

export function parseSchedLine(s: string, line: number): SchedSample | null {
  if (!s.startsWith('SCHED ')) return null;
  const m = SCHED.exec(s);
  if (!m) return null;
  const kv: Record<string, number> = {};
  for (const p of m[2]!.matchAll(/(\w+)=(-?\d+)/g)) kv[p[1]!] = Number(p[2]);
  if (kv.gomaxprocs === undefined) return null;
  const local = /runqueue=\d+ \[([\d ]*)\]/.exec(m[2]!);
  const localRunqueue = local
    ? local[1]!
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .reduce((a, b) => a + Number(b), 0)
    : 0;
  return {
    line,
    atMs: Number(m[1]),
    gomaxprocs: kv.gomaxprocs,
    idleprocs: kv.idleprocs ?? 0,
    threads: kv.threads ?? 0,
    idlethreads: kv.idlethreads ?? 0,
    spinningthreads: kv.spinningthreads ?? 0,
    runqueue: kv.runqueue ?? 0,
    localRunqueue,
  };
}
