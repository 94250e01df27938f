// Why a goroutine waits: from the runtime's status text when the dump has it (debug=2,
// panics), otherwise from the runtime frames at the top of the stack (debug=0).
import type { Frame, Goroutine } from '../../formats/goroutines/model.js';

export type WaitReason =
  | 'chan-send'
  | 'chan-receive'
  | 'nil-chan'
  | 'select'
  | 'select-no-cases'
  | 'mutex'
  | 'rwmutex'
  | 'waitgroup'
  | 'cond'
  | 'semacquire'
  | 'io'
  | 'syscall'
  | 'sleep'
  | 'gc'
  | 'runtime'
  | 'running'
  | 'runnable'
  | 'unknown';

export const WAIT_REASON_TEXT: Record<WaitReason, string> = {
  'chan-send': 'channel send',
  'chan-receive': 'channel receive',
  'nil-chan': 'nil channel (blocks forever)',
  select: 'select',
  'select-no-cases': 'select with no cases (blocks forever)',
  mutex: 'sync.Mutex.Lock',
  rwmutex: 'sync.RWMutex lock',
  waitgroup: 'sync.WaitGroup.Wait',
  cond: 'sync.Cond.Wait',
  semacquire: 'semaphore acquire',
  io: 'network I/O wait',
  syscall: 'system call',
  sleep: 'sleep / timer',
  gc: 'GC worker',
  runtime: 'runtime internal',
  running: 'running',
  runnable: 'runnable (waiting for a CPU)',
  unknown: 'wait reason unknown',
};

/** Waits that cannot end without another goroutine acting: the ones a leak is made of. */
export const BLOCKING: ReadonlySet<WaitReason> = new Set<WaitReason>([
  'chan-send',
  'chan-receive',
  'nil-chan',
  'select',
  'select-no-cases',
  'mutex',
  'rwmutex',
  'waitgroup',
  'cond',
  'semacquire',
]);

const STATES: Record<string, WaitReason> = {
  'chan send': 'chan-send',
  'chan receive': 'chan-receive',
  'chan send (nil chan)': 'nil-chan',
  'chan receive (nil chan)': 'nil-chan',
  select: 'select',
  'select (no cases)': 'select-no-cases',
  'sync.Mutex.Lock': 'mutex',
  'sync.RWMutex.RLock': 'rwmutex',
  'sync.RWMutex.Lock': 'rwmutex',
  'sync.WaitGroup.Wait': 'waitgroup',
  'sync.Cond.Wait': 'cond',
  semacquire: 'semacquire',
  'IO wait': 'io',
  syscall: 'syscall',
  sleep: 'sleep',
  running: 'running',
  runnable: 'runnable',
  'GC worker (idle)': 'gc',
  'GC worker (active)': 'gc',
  'GC assist wait': 'gc',
  'GC assist marking': 'gc',
  'GC sweep wait': 'runtime',
  'GC scavenge wait': 'runtime',
  'GC weak to strong wait': 'runtime',
  'finalizer wait': 'runtime',
  'cleanup wait': 'runtime',
  'force gc (idle)': 'runtime',
  'trace reader (blocked)': 'runtime',
  'trace goroutine status': 'runtime',
  'wait for debug call': 'runtime',
  'wait until GC ends': 'gc',
  'stopping the world': 'runtime',
  preempted: 'runnable',
  'debug call': 'runtime',
  'synctest.Run': 'runtime',
  'synctest.Wait': 'runtime',
  synctest: 'runtime',
  coroutine: 'runtime',
  idle: 'runtime',
  dead: 'runtime',
  copystack: 'runtime',
};

// Leaf-side function -> reason, for stacks without a status (debug=0 keeps runtime frames).
const FRAME_RULES: Array<[string, WaitReason]> = [
  ['runtime.chansend', 'chan-send'],
  ['runtime.chanrecv', 'chan-receive'],
  ['runtime.selectgo', 'select'],
  ['runtime.block', 'select-no-cases'],
  ['sync.(*WaitGroup).Wait', 'waitgroup'],
  ['sync.runtime_SemacquireWaitGroup', 'waitgroup'],
  ['sync.(*RWMutex).RLock', 'rwmutex'],
  ['sync.(*RWMutex).Lock', 'rwmutex'],
  ['sync.runtime_SemacquireRWMutex', 'rwmutex'],
  ['sync.runtime_SemacquireRWMutexR', 'rwmutex'],
  ['internal/sync.(*Mutex).lockSlow', 'mutex'],
  ['sync.(*Mutex).lockSlow', 'mutex'],
  ['sync.(*Mutex).Lock', 'mutex'],
  ['internal/sync.runtime_SemacquireMutex', 'mutex'],
  ['sync.runtime_SemacquireMutex', 'mutex'],
  ['sync.runtime_notifyListWait', 'cond'],
  ['sync.(*Cond).Wait', 'cond'],
  ['internal/poll.runtime_pollWait', 'io'],
  ['time.Sleep', 'sleep'],
  ['runtime.timeSleep', 'sleep'],
  ['syscall.Syscall', 'syscall'],
  ['syscall.Syscall6', 'syscall'],
  ['syscall.RawSyscall', 'syscall'],
  ['syscall.RawSyscall6', 'syscall'],
  ['internal/runtime/syscall.Syscall6', 'syscall'],
  ['runtime.gcBgMarkWorker', 'gc'],
  ['runtime.forcegchelper', 'runtime'],
  ['runtime.bgsweep', 'runtime'],
  ['runtime.bgscavenge', 'runtime'],
  ['runtime.runfinq', 'runtime'],
  ['runtime.runCleanups', 'runtime'],
  ['runtime.gcenable', 'runtime'],
  ['os/signal.signal_recv', 'runtime'],
  ['runtime.semacquire1', 'semacquire'],
  // The goroutine serving the goroutine profile itself.
  ['runtime/pprof.(*Profile).WriteTo', 'running'],
];
const FRAME_RULE_MAP = new Map(FRAME_RULES);

function fromFrames(frames: readonly Frame[]): WaitReason {
  // The runtime's generic frames (semacquire1) sit below the specific sync frames: keep
  // looking for a more specific one before settling for "semacquire".
  const n = Math.min(frames.length, 10);
  let generic: WaitReason | undefined;
  for (let i = 0; i < n; i++) {
    const f = frames[i]!.func;
    const r = FRAME_RULE_MAP.get(f) ?? (f.startsWith('runtime.chanrecv') ? 'chan-receive' : f.startsWith('runtime.chansend') ? 'chan-send' : undefined);
    if (r === 'semacquire') generic ??= r;
    else if (r) return r;
  }
  if (generic) return generic;
  if (frames.length && frames[0]!.func === 'runtime.gopark') return 'runtime';
  return 'unknown';
}

export function classify(g: Pick<Goroutine, 'state' | 'frames'>): WaitReason {
  let s = g.state;
  if (s) {
    if (s.endsWith(' (durable)')) s = s.slice(0, -10);
    const r = STATES[s];
    // "semacquire" is generic (older WaitGroup/Mutex waits): the frames say which.
    if (r === 'semacquire') {
      const f = fromFrames(g.frames);
      return f === 'unknown' ? r : f;
    }
    if (r) return r;
    if (s.startsWith('GC ')) return 'gc';
  }
  return fromFrames(g.frames);
}

/**
 * The runtime's own wording for a wait reason, for dump forms that print no status
 * (debug=0, debug=1): so a group reads "IO wait" or "select (no cases)" whichever form it
 * came from. Reasons with no single status text keep goscope's description.
 */
const RUNTIME_WORDING: Partial<Record<WaitReason, string>> = {
  'chan-send': 'chan send',
  'chan-receive': 'chan receive',
  select: 'select',
  'select-no-cases': 'select (no cases)',
  mutex: 'sync.Mutex.Lock',
  waitgroup: 'sync.WaitGroup.Wait',
  cond: 'sync.Cond.Wait',
  semacquire: 'semacquire',
  io: 'IO wait',
  syscall: 'syscall',
  sleep: 'sleep',
  running: 'running',
  runnable: 'runnable',
};

/** What a group (or goroutine) waits on, in the runtime's words: its status, or the one its frames imply. */
export function waitText(g: { state: string; waitReason: WaitReason; frames?: readonly Frame[] }): string {
  if (g.state) return g.state;
  if (g.waitReason === 'rwmutex') {
    const reader = g.frames?.some((f) => f.func === 'sync.(*RWMutex).RLock' || f.func === 'sync.runtime_SemacquireRWMutexR');
    return reader ? 'sync.RWMutex.RLock' : 'sync.RWMutex.Lock';
  }
  return RUNTIME_WORDING[g.waitReason] ?? WAIT_REASON_TEXT[g.waitReason];
}
