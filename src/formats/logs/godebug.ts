// The Go runtime's GODEBUG trace lines, found among a service's log lines on stderr:
//   gctrace=1     gc 12 @3.104s 2%: 0.018+1.2+0.004 ms clock, 0.036+0.1/1.0/0.4+0.009 ms cpu,
//                 4->4->1 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
//   schedtrace=N  SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0
//                 needspinning=0 idlethreads=1 runqueue=0 [ 0 1 ] schedticks=[ 0 3 ]
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
  /** Wall clock of the three phases (ms): sweep termination (STW), concurrent mark, mark termination (STW). */
  sweepTermMs: number;
  markMs: number;
  markTermMs: number;
  /** Stop-the-world time: sweep termination + mark termination (ms, wall clock). */
  pauseMs: number;
  /** CPU time (ms): sweep termination, mark assist, background mark, idle mark, mark termination. */
  cpuMs: { sweepTerm: number; assist: number; background: number; idle: number; markTerm: number };
  /** Heap at the start of the cycle, at its end, and marked live (MB). */
  heapBeforeMB: number;
  heapAfterMB: number;
  liveMB: number;
  goalMB: number;
  /** Scannable stacks and globals (MB; null from Go versions that do not print them). */
  stacksMB: number | null;
  globalsMB: number | null;
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
  spinningthreads: number;
  needspinning: number;
  idlethreads: number;
  /** Global run queue. */
  runqueue: number;
  /** The per-P run queues, and their sum. */
  runqueues: number[];
  localRunqueue: number;
  /** Per-P scheduler ticks (Go 1.26+ prints them; [] before). */
  schedticks: number[];
}

const N = '(\\d+(?:\\.\\d+)?)';
const GC = new RegExp(
  `^gc (\\d+) @${N}s (\\d+)%: ${N}\\+${N}\\+${N} ms clock, ${N}\\+${N}/${N}/${N}\\+${N} ms cpu, (\\d+)->(\\d+)->(\\d+) MB, (\\d+) MB goal(?:, (\\d+) MB stacks)?(?:, (\\d+) MB globals)?, (\\d+) P( \\(forced\\))?\\s*$`,
);
const SCHED = /^SCHED (\d+)ms: (.*)$/;

export function parseGcLine(s: string, line: number): GcCycle | null {
  if (!s.startsWith('gc ')) return null;
  const m = GC.exec(s);
  if (!m) return null;
  const n = (i: number) => Number(m[i]);
  const opt = (i: number) => (m[i] === undefined ? null : Number(m[i]));
  return {
    line,
    n: n(1),
    atSec: n(2),
    cpuPct: n(3),
    sweepTermMs: n(4),
    markMs: n(5),
    markTermMs: n(6),
    pauseMs: Math.round((n(4) + n(6)) * 1e6) / 1e6,
    cpuMs: { sweepTerm: n(7), assist: n(8), background: n(9), idle: n(10), markTerm: n(11) },
    heapBeforeMB: n(12),
    heapAfterMB: n(13),
    liveMB: n(14),
    goalMB: n(15),
    stacksMB: opt(16),
    globalsMB: opt(17),
    procs: n(18),
    forced: !!m[19],
  };
}

const perP = (text: string | undefined): number[] => (text === undefined ? [] : text.trim().split(/\s+/).filter(Boolean).map(Number));

export function parseSchedLine(s: string, line: number): SchedSample | null {
  if (!s.startsWith('SCHED ')) return null;
  const m = SCHED.exec(s);
  if (!m) return null;
  const kv: Record<string, number> = {};
  for (const p of m[2]!.matchAll(/(\w+)=(-?\d+)/g)) kv[p[1]!] = Number(p[2]);
  if (kv.gomaxprocs === undefined) return null;
  const runqueues = perP(/runqueue=\d+ \[([\d ]*)\]/.exec(m[2]!)?.[1]);
  return {
    line,
    atMs: Number(m[1]),
    gomaxprocs: kv.gomaxprocs,
    idleprocs: kv.idleprocs ?? 0,
    threads: kv.threads ?? 0,
    spinningthreads: kv.spinningthreads ?? 0,
    needspinning: kv.needspinning ?? 0,
    idlethreads: kv.idlethreads ?? 0,
    runqueue: kv.runqueue ?? 0,
    runqueues,
    localRunqueue: runqueues.reduce((a, b) => a + b, 0),
    schedticks: perP(/schedticks=\[([\d ]*)\]/.exec(m[2]!)?.[1]),
  };
}
