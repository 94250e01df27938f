// Wire-format constants of Go's execution trace, format "v2" (Go 1.22+), transcribed from
// the Go tree: src/internal/trace/tracev2/events.go (event types, argument lists, limits)
// and src/internal/trace/version/version.go (which events each version knows).

/** Trace format versions this reader accepts: the NN of the "go 1.NN trace" header. */
export type TraceVersion = 22 | 23 | 25 | 26;
export const SUPPORTED_VERSIONS: readonly TraceVersion[] = [22, 23, 25, 26];

/**
 * The Go releases known to write each format version. The header names the release that
 * introduced the format, not the one that wrote the file: Go 1.24 writes "go 1.23 trace"
 * and Go 1.27 "go 1.26 trace" (their runtimes added no event; internal/trace/version
 * has no Go124 nor Go127).
 */
export const FORMAT_WRITERS: Readonly<Record<TraceVersion, readonly string[]>> = {
  22: ['go1.22'],
  23: ['go1.23', 'go1.24'],
  25: ['go1.25'],
  26: ['go1.26', 'go1.27'],
};

export interface TraceFormat {
  /** "go1.23": the header's version, a format version. */
  version: string;
  /** Go releases known to write it: ["go1.23", "go1.24"]. */
  writtenBy: string[];
}

/** The format of a header version given as "go1.NN" (what TraceHeader.goVersion holds); null for others. */
export function traceFormat(goVersion: string): TraceFormat | null {
  const m = /^go1\.(\d+)$/.exec(goVersion);
  const writers = m ? FORMAT_WRITERS[Number(m[1]) as TraceVersion] : undefined;
  return writers ? { version: goVersion, writtenBy: [...writers] } : null;
}

/** "format go1.23 (written by Go 1.23 or 1.24)": the header's version for what it is. */
export function traceFormatText(goVersion: string): string {
  const f = traceFormat(goVersion);
  if (!f) return `format ${goVersion}`;
  const releases = f.writtenBy.map((v) => v.replace(/^go/, ''));
  const last = releases.pop()!;
  return `format ${goVersion} (written by Go ${releases.length ? releases.join(', ') + ' or ' : ''}${last})`;
}

// Event types (tracev2.EventType, events.go), one constant per type as Go names them. Go
// only ever appends types, so each has the same number in every format version this reader
// accepts; a version knows the types up to its last one (LAST_EVENT below).
export const EvNone = 0; // unused

// Structural events (they frame batches and tables; no timestamp of their own).
export const EvEventBatch = 1; // [gen, M ID, timestamp, size] + size bytes
export const EvStacks = 2; // [...EvStack]
export const EvStack = 3; // [ID, nframes, ...{PC, func string ID, file string ID, line}]
export const EvStrings = 4; // [...EvString]
export const EvString = 5; // [ID, length, bytes]
export const EvCPUSamples = 6; // [...EvCPUSample]
export const EvCPUSample = 7; // [timestamp, M ID, P ID, goroutine ID, stack ID]
export const EvFrequency = 8; // [ticks per second]

// Procs.
export const EvProcsChange = 9; // GOMAXPROCS [dt, procs, stack]
export const EvProcStart = 10; // [dt, P, P seq]
export const EvProcStop = 11; // [dt]
export const EvProcSteal = 12; // [dt, P, P seq, M]
export const EvProcStatus = 13; // P status at a generation's start [dt, P, status]

// Goroutines.
export const EvGoCreate = 14; // [dt, new G, new stack, stack]
export const EvGoCreateSyscall = 15; // goroutine appears in a syscall (cgo callback) [dt, new G]
export const EvGoStart = 16; // [dt, G, G seq]
export const EvGoDestroy = 17; // [dt]
export const EvGoDestroySyscall = 18; // goroutine ends in a syscall (cgo callback) [dt]
export const EvGoStop = 19; // yields, stays runnable [dt, reason string, stack]
export const EvGoBlock = 20; // [dt, reason string, stack]
export const EvGoUnblock = 21; // [dt, G, G seq, stack]
export const EvGoSyscallBegin = 22; // [dt, P seq, stack]
export const EvGoSyscallEnd = 23; // [dt]
export const EvGoSyscallEndBlocked = 24; // syscall exit after blocking in it [dt]
export const EvGoStatus = 25; // G status at a generation's start [dt, G, M, status]

// Stop-the-world.
export const EvSTWBegin = 26; // [dt, kind string, stack]
export const EvSTWEnd = 27; // [dt]

// GC.
export const EvGCActive = 28; // [dt, GC seq]
export const EvGCBegin = 29; // [dt, GC seq, stack]
export const EvGCEnd = 30; // [dt, GC seq]
export const EvGCSweepActive = 31; // [dt, P]
export const EvGCSweepBegin = 32; // [dt, stack]
export const EvGCSweepEnd = 33; // [dt, swept bytes, reclaimed bytes]
export const EvGCMarkAssistActive = 34; // [dt, G]
export const EvGCMarkAssistBegin = 35; // [dt, stack]
export const EvGCMarkAssistEnd = 36; // [dt]
export const EvHeapAlloc = 37; // [dt, heap alloc bytes]
export const EvHeapGoal = 38; // [dt, heap goal bytes]

// Annotations (runtime/trace).
export const EvGoLabel = 39; // [dt, label string]
export const EvUserTaskBegin = 40; // [dt, task, parent task, name string, stack]
export const EvUserTaskEnd = 41; // [dt, task, stack]
export const EvUserRegionBegin = 42; // [dt, task, name string, stack]
export const EvUserRegionEnd = 43; // [dt, task, name string, stack]
export const EvUserLog = 44; // [dt, task, key string, value string, stack]

// Coroutines (Go 1.23+).
export const EvGoSwitch = 45; // [dt, G, G seq]
export const EvGoSwitchDestroy = 46; // [dt, G, G seq]
export const EvGoCreateBlocked = 47; // [dt, new G, new stack, stack]

// GoStatus with a stack (Go 1.23+).
export const EvGoStatusStack = 48; // [dt, G, M, status, stack]

export const EvExperimentalBatch = 49; // [experiment ID, gen, M ID, timestamp, size] + size bytes (Go 1.23+)
export const EvSync = 50; // start of a sync batch [...EvFrequency|EvClockSnapshot] (Go 1.25+)
export const EvClockSnapshot = 51; // [dt, mono ns, wall sec, wall nsec] (Go 1.25+)
export const EvEndOfGeneration = 52; // one byte between generations (Go 1.26+)

/** One past the last event type (tracev2.NumEvents). */
export const NumEvents = 53;

// Experimental events (only inside experimental batches, which this reader keeps opaque).
export const MaxEvent = 127;
// AllocFree (Go 1.23+).
export const EvSpan = 128; // [dt, id, npages, type/class]
export const EvSpanAlloc = 129; // [dt, id, npages, type/class]
export const EvSpanFree = 130; // [dt, id]
export const EvHeapObject = 131; // [dt, id, type]
export const EvHeapObjectAlloc = 132; // [dt, id, type]
export const EvHeapObjectFree = 133; // [dt, id]
export const EvGoroutineStack = 134; // [dt, id, order]
export const EvGoroutineStackAlloc = 135; // [dt, id, order]
export const EvGoroutineStackFree = 136; // [dt, id]
export const MaxExperimentalEvent = 137;

// Goroutine and proc statuses as written in GoStatus / ProcStatus (tracev2.GoStatus, ProcStatus).
export const GoBad = 0;
export const GoRunnable = 1;
export const GoRunning = 2;
export const GoSyscall = 3;
export const GoWaiting = 4;
export const ProcBad = 0;
export const ProcRunning = 1;
export const ProcIdle = 2;
export const ProcSyscall = 3;
export const ProcSyscallAbandoned = 4;

/** Largest batch payload the runtime writes (tracev2.MaxBatchSize). */
export const MAX_BATCH_SIZE = 64 << 10;
/** Largest string-table entry (tracev2.MaxEventTrailerDataSize). */
export const MAX_STRING_SIZE = 1 << 10;
/** Deepest stack in the stack table (tracev2.MaxFramesPerStack). */
export const MAX_FRAMES_PER_STACK = 128;

/** The "timed" events found inside event batches: name and argument names, first is always dt. */
export interface TimedEventSpec {
  name: string;
  args: readonly string[];
}

const timed: Record<number, TimedEventSpec> = {};
function def(type: number, name: string, ...args: string[]): void {
  timed[type] = { name, args: ['dt', ...args] };
}
def(EvProcsChange, 'ProcsChange', 'procs_value', 'stack');
def(EvProcStart, 'ProcStart', 'p', 'p_seq');
def(EvProcStop, 'ProcStop');
def(EvProcSteal, 'ProcSteal', 'p', 'p_seq', 'm');
def(EvProcStatus, 'ProcStatus', 'p', 'pstatus');
def(EvGoCreate, 'GoCreate', 'new_g', 'new_stack', 'stack');
def(EvGoCreateSyscall, 'GoCreateSyscall', 'new_g');
def(EvGoStart, 'GoStart', 'g', 'g_seq');
def(EvGoDestroy, 'GoDestroy');
def(EvGoDestroySyscall, 'GoDestroySyscall');
def(EvGoStop, 'GoStop', 'reason_string', 'stack');
def(EvGoBlock, 'GoBlock', 'reason_string', 'stack');
def(EvGoUnblock, 'GoUnblock', 'g', 'g_seq', 'stack');
def(EvGoSyscallBegin, 'GoSyscallBegin', 'p_seq', 'stack');
def(EvGoSyscallEnd, 'GoSyscallEnd');
def(EvGoSyscallEndBlocked, 'GoSyscallEndBlocked');
def(EvGoStatus, 'GoStatus', 'g', 'm', 'gstatus');
def(EvSTWBegin, 'STWBegin', 'kind_string', 'stack');
def(EvSTWEnd, 'STWEnd');
def(EvGCActive, 'GCActive', 'gc_seq');
def(EvGCBegin, 'GCBegin', 'gc_seq', 'stack');
def(EvGCEnd, 'GCEnd', 'gc_seq');
def(EvGCSweepActive, 'GCSweepActive', 'p');
def(EvGCSweepBegin, 'GCSweepBegin', 'stack');
def(EvGCSweepEnd, 'GCSweepEnd', 'swept_value', 'reclaimed_value');
def(EvGCMarkAssistActive, 'GCMarkAssistActive', 'g');
def(EvGCMarkAssistBegin, 'GCMarkAssistBegin', 'stack');
def(EvGCMarkAssistEnd, 'GCMarkAssistEnd');
def(EvHeapAlloc, 'HeapAlloc', 'heapalloc_value');
def(EvHeapGoal, 'HeapGoal', 'heapgoal_value');
def(EvGoLabel, 'GoLabel', 'label_string');
def(EvUserTaskBegin, 'UserTaskBegin', 'task', 'parent_task', 'name_string', 'stack');
def(EvUserTaskEnd, 'UserTaskEnd', 'task', 'stack');
def(EvUserRegionBegin, 'UserRegionBegin', 'task', 'name_string', 'stack');
def(EvUserRegionEnd, 'UserRegionEnd', 'task', 'name_string', 'stack');
def(EvUserLog, 'UserLog', 'task', 'key_string', 'value_string', 'stack');
// Go 1.23+
def(EvGoSwitch, 'GoSwitch', 'g', 'g_seq');
def(EvGoSwitchDestroy, 'GoSwitchDestroy', 'g', 'g_seq');
def(EvGoCreateBlocked, 'GoCreateBlocked', 'new_g', 'new_stack', 'stack');
def(EvGoStatusStack, 'GoStatusStack', 'g', 'm', 'gstatus', 'stack');
// Go 1.25+ (only inside sync batches, never in event batches)
def(EvClockSnapshot, 'ClockSnapshot', 'mono', 'sec', 'nsec');

/** Highest event type each version defines (version.go: Specs()[:X+1]). */
const LAST_EVENT: Record<TraceVersion, number> = { 22: EvUserLog, 23: EvExperimentalBatch, 25: EvClockSnapshot, 26: EvEndOfGeneration };

/**
 * The spec of a timed event that may appear in an event batch of this version, or
 * undefined (unknown type, structural event, or a type newer than the version).
 */
export function timedEventSpec(version: TraceVersion, type: number): TimedEventSpec | undefined {
  if (type <= 0 || type > LAST_EVENT[version] || type === EvClockSnapshot) return undefined;
  return timed[type];
}

const structuralNames: Record<number, string> = {
  [EvEventBatch]: 'EventBatch',
  [EvStacks]: 'Stacks',
  [EvStack]: 'Stack',
  [EvStrings]: 'Strings',
  [EvString]: 'String',
  [EvCPUSamples]: 'CPUSamples',
  [EvCPUSample]: 'CPUSample',
  [EvFrequency]: 'Frequency',
  [EvExperimentalBatch]: 'ExperimentalBatch',
  [EvSync]: 'Sync',
  [EvEndOfGeneration]: 'EndOfGeneration',
};

/** Go's name for an event type (as `go tool trace -d=wire` prints it), or `Invalid(N)`. */
export function eventName(type: number): string {
  return structuralNames[type] ?? timed[type]?.name ?? `Invalid(${type})`;
}

/** The begin event of a range's End or Active event (tracev2 Spec.StartEv); the type itself for others. */
export function startEvent(type: number): number {
  return START_EV[type] ?? type;
}
const START_EV: Record<number, number> = {
  [EvGoSyscallEnd]: EvGoSyscallBegin,
  [EvGoSyscallEndBlocked]: EvGoSyscallBegin,
  [EvSTWEnd]: EvSTWBegin,
  [EvGCActive]: EvGCBegin,
  [EvGCEnd]: EvGCBegin,
  [EvGCSweepActive]: EvGCSweepBegin,
  [EvGCSweepEnd]: EvGCSweepBegin,
  [EvGCMarkAssistActive]: EvGCMarkAssistBegin,
  [EvGCMarkAssistEnd]: EvGCMarkAssistBegin,
  [EvUserRegionEnd]: EvUserRegionBegin,
};

/**
 * Where a timed event's own stack ID sits among its arguments after dt (tracev2 Spec.StackIDs[0],
 * less one for dt); -1 for types without a stack. The same in every version.
 */
export function stackArgIndex(type: number): number {
  return STACK_ARG[type] ?? -1;
}
const STACK_ARG: number[] = [];
for (let t = 0; t < NumEvents; t++) {
  const spec = timed[t];
  STACK_ARG[t] = spec ? Math.max(-1, spec.args.indexOf('stack') - 1) : -1;
}

/** Experiments (tracev2.Experiment). */
export const AllocFree = 1;
/** Experiments known by name. */
export const EXPERIMENTS: Record<number, string> = { [AllocFree]: 'AllocFree' };
