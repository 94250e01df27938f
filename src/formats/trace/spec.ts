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

// Structural events (they frame batches and tables; no timestamp of their own).
export const EvEventBatch = 1; // [gen, M ID, timestamp, size] + size bytes
export const EvStacks = 2; // [...EvStack]
export const EvStack = 3; // [ID, nframes, ...{PC, func string ID, file string ID, line}]
export const EvStrings = 4; // [...EvString]
export const EvString = 5; // [ID, length, bytes]
export const EvCPUSamples = 6; // [...EvCPUSample]
export const EvCPUSample = 7; // [timestamp, M ID, P ID, goroutine ID, stack ID]
export const EvFrequency = 8; // [ticks per second]
export const EvExperimentalBatch = 49; // [experiment ID, gen, M ID, timestamp, size] + size bytes (Go 1.23+)
export const EvSync = 50; // start of a sync batch [...EvFrequency|EvClockSnapshot] (Go 1.25+)
export const EvClockSnapshot = 51; // [dt, mono ns, wall sec, wall nsec] (Go 1.25+)
export const EvEndOfGeneration = 52; // one byte between generations (Go 1.26+)

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
def(9, 'ProcsChange', 'procs_value', 'stack');
def(10, 'ProcStart', 'p', 'p_seq');
def(11, 'ProcStop');
def(12, 'ProcSteal', 'p', 'p_seq', 'm');
def(13, 'ProcStatus', 'p', 'pstatus');
def(14, 'GoCreate', 'new_g', 'new_stack', 'stack');
def(15, 'GoCreateSyscall', 'new_g');
def(16, 'GoStart', 'g', 'g_seq');
def(17, 'GoDestroy');
def(18, 'GoDestroySyscall');
def(19, 'GoStop', 'reason_string', 'stack');
def(20, 'GoBlock', 'reason_string', 'stack');
def(21, 'GoUnblock', 'g', 'g_seq', 'stack');
def(22, 'GoSyscallBegin', 'p_seq', 'stack');
def(23, 'GoSyscallEnd');
def(24, 'GoSyscallEndBlocked');
def(25, 'GoStatus', 'g', 'm', 'gstatus');
def(26, 'STWBegin', 'kind_string', 'stack');
def(27, 'STWEnd');
def(28, 'GCActive', 'gc_seq');
def(29, 'GCBegin', 'gc_seq', 'stack');
def(30, 'GCEnd', 'gc_seq');
def(31, 'GCSweepActive', 'p');
def(32, 'GCSweepBegin', 'stack');
def(33, 'GCSweepEnd', 'swept_value', 'reclaimed_value');
def(34, 'GCMarkAssistActive', 'g');
def(35, 'GCMarkAssistBegin', 'stack');
def(36, 'GCMarkAssistEnd');
def(37, 'HeapAlloc', 'heapalloc_value');
def(38, 'HeapGoal', 'heapgoal_value');
def(39, 'GoLabel', 'label_string');
def(40, 'UserTaskBegin', 'task', 'parent_task', 'name_string', 'stack');
def(41, 'UserTaskEnd', 'task', 'stack');
def(42, 'UserRegionBegin', 'task', 'name_string', 'stack');
def(43, 'UserRegionEnd', 'task', 'name_string', 'stack');
def(44, 'UserLog', 'task', 'key_string', 'value_string', 'stack');
// Go 1.23+
def(45, 'GoSwitch', 'g', 'g_seq');
def(46, 'GoSwitchDestroy', 'g', 'g_seq');
def(47, 'GoCreateBlocked', 'new_g', 'new_stack', 'stack');
def(48, 'GoStatusStack', 'g', 'm', 'gstatus', 'stack');
// Go 1.25+ (only inside sync batches, never in event batches)
def(51, 'ClockSnapshot', 'mono', 'sec', 'nsec');

/** Highest event type each version defines (version.go: Specs()[:X+1]). */
const LAST_EVENT: Record<TraceVersion, number> = { 22: 44, 23: EvExperimentalBatch, 25: EvClockSnapshot, 26: EvEndOfGeneration };

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

/** Experiments (tracev2.Experiment) known by name. */
export const EXPERIMENTS: Record<number, string> = { 1: 'AllocFree' };
