// The words of a trace verdict (analysis/trace/verdicts.ts gives its kind, numbers and
// sites): one line, and a few supporting lines (where, who). `goscope trace`, diagnose's
// headline and both HTML reports print these; the JSON carries them beside the numbers.
// Names in them come from the trace (functions, files, goroutine names, block reasons):
// the caller cleans or escapes the lines for where they go.
import type {
  BlockedVerdict,
  BlockFinding,
  BlockingVerdict,
  CreationStormVerdict,
  GcVerdict,
  LatencyFinding,
  LockContentionVerdict,
  SchedLatencyVerdict,
  Site,
  TraceVerdict,
} from '../analysis/trace/verdicts.js';
import { formatNs } from '../shared/duration.js';

export interface VerdictWords {
  /** One line. */
  text: string;
  /** Supporting lines (where, who). */
  details: string[];
}

/** A frame as "func (file:line)", with the file's base name; "(no stack)" for none. */
export function frameText(f: Site | null | undefined): string {
  if (!f) return '(no stack)';
  const file = f.file.slice(f.file.lastIndexOf('/') + 1);
  return `${f.func} (${file}:${f.line})`;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

function creationStorm(v: CreationStormVerdict): VerdictWords {
  const top = v.creators[0]!;
  return {
    text: `${v.notable ? 'goroutine creation storm: ' : ''}${int(v.created)} goroutines created in ${formatNs(v.durationNs)} (${int(v.perSecond)}/s, peak ${int(v.peak)} in ${formatNs(v.bucketNs)}), ${pct(top.share)} by ${top.site.func}`,
    details: v.creators.map((c) => `${int(c.count)} (${pct(c.share)}) created at ${frameText(c.site)}`),
  };
}

function how(l: LatencyFinding): string {
  if (l.from === 'Waiting') return `after being unblocked${l.wokenBy >= 0 ? ` by goroutine ${l.wokenBy}` : ''}`;
  if (l.from === 'NotExist') return 'after its creation';
  if (l.from === 'Running') return `after a stop (${l.reason || 'unknown reason'})`;
  return 'from the start of the trace';
}

function schedLatency(v: SchedLatencyVerdict): VerdictWords {
  const l = v.worst;
  return {
    text: `${v.notable ? 'scheduling latency: ' : ''}goroutines waited up to ${formatNs(l.durationNs)} for a P (runnable -> running): goroutine ${l.goroutine} ${l.name || '(unnamed)'} ${how(l)}; ${formatNs(v.schedWaitNs)} of scheduler wait in total against ${formatNs(v.execNs)} of execution`,
    details: v.longest.map(
      (x) =>
        `${formatNs(x.durationNs)} goroutine ${x.goroutine} ${x.name}, runnable at ${frameText(x.site)}${x.wokenBySite ? `, woken by goroutine ${x.wokenBy} at ${frameText(x.wokenBySite)}` : ''}`,
    ),
  };
}

function lockContention(v: LockContentionVerdict): VerdictWords {
  return {
    text: `${v.notable ? 'lock contention: ' : ''}goroutines spent ${formatNs(v.blockedNs)} blocked on sync.Mutex/RWMutex over ${int(v.waits)} waits in ${formatNs(v.spanNs)} (${v.meanWaiters.toFixed(1)} waiting on average), most at ${frameText(v.sites[0]?.site)}`,
    details: v.sites.map((s) => `${formatNs(s.blockedNs)} (${pct(s.share)}) locking at ${frameText(s.site)}`),
  };
}

function blocked(v: BlockedVerdict): VerdictWords {
  const b = v.block;
  let text: string;
  if (v.finding === 'whole-trace') {
    // Go records no reason for a wait that began before the trace: say what is known
    // (how many, and where they sit).
    const n = `${v.wholeTrace}${v.wholeTraceMore ? '+' : ''}`;
    text = `${n} goroutine${v.wholeTrace === 1 ? ' was' : 's were'} blocked for the whole trace (since before it started), e.g. goroutine ${b.goroutine} ${b.name || '(unnamed)'} at ${frameText(b.site)}`;
  } else {
    text = `${v.notable ? 'lock wait: ' : ''}goroutine ${b.goroutine} ${b.name || '(unnamed)'} was blocked ${formatNs(b.durationNs)}${b.open ? '+' : ''} on ${b.reason || 'an unknown reason'} at ${frameText(b.site)}${b.sinceTraceStart ? ' (already blocked when the trace started)' : ''}`;
  }
  const line = (x: BlockFinding) =>
    `${formatNs(x.durationNs)}${x.open ? '+' : ''} goroutine ${x.goroutine} ${x.name}: ${x.reason || (x.sinceTraceStart ? 'blocked since before the trace' : 'unknown reason')} at ${frameText(x.site)}`;
  return { text, details: v.longest.map(line) };
}

function gc(v: GcVerdict): VerdictWords {
  const reasons = v.crossed.map((c) =>
    c === 'gc-cpu'
      ? `GC used ${pct(v.cpuFraction)} of the CPU capacity`
      : c === 'mmu-10ms'
        ? `in the worst 10 ms window the program had ${pct(v.mmu10ms ?? 0)} of the CPU`
        : `a stop-the-world pause of ${formatNs(v.stwMaxNs)}`,
  );
  const mmu = v.mmu.map((m) => `${formatNs(m.windowNs)} ${pct(m.mmu)}`).join(', ');
  return {
    text: v.notable
      ? `GC pressure: ${reasons.join('; ')} (${v.cycles} cycles, marking ${pct(v.markFraction)} of the time)`
      : `${v.cycles} GC cycles, marking ${pct(v.markFraction)} of the time, ${pct(v.cpuFraction)} of the CPU capacity, STW max ${formatNs(v.stwMaxNs)}`,
    details: [
      `minimum mutator utilisation: ${mmu}`,
      `stop-the-world: ${v.stwPauses} pauses, ${formatNs(v.stwTotalNs)} total, max ${formatNs(v.stwMaxNs)}`,
      `mark assist: ${formatNs(v.assistNs)} in ${int(v.assists)} assists by ${int(v.assistGoroutines)} goroutines`,
    ],
  };
}

function blocking(v: BlockingVerdict): VerdictWords {
  const top = v.byKind[0];
  if (!top || top.blockedNs === 0) return { text: 'no blocking recorded in this trace', details: [] };
  return {
    text: `goroutines waited longest on ${top.kind} (${formatNs(top.blockedNs)} over ${int(top.waits)} waits)`,
    details: v.byKind.map((k) => `${k.kind}: ${formatNs(k.blockedNs)} over ${int(k.waits)} waits`),
  };
}

/** The verdict in words. */
export function verdictWords(v: TraceVerdict): VerdictWords {
  switch (v.kind) {
    case 'creation-storm':
      return creationStorm(v);
    case 'sched-latency':
      return schedLatency(v);
    case 'lock-contention':
      return lockContention(v);
    case 'blocked':
      return blocked(v);
    case 'gc':
      return gc(v);
    case 'blocking':
      return blocking(v);
  }
}

/** A verdict in goscope's JSON: kind, notable, its words (text, details), then its numbers and sites. */
export function verdictJson(v: TraceVerdict) {
  const { kind, notable, ...fields } = v;
  return { kind, notable, ...verdictWords(v), ...fields };
}

export type TraceVerdictJson = ReturnType<typeof verdictJson>;
