// goscope trace <service-url|file|->: capture (or read) a Go execution trace, summarise it
// (events, goroutines, where goroutines waited) and optionally write one of its blocking
// profiles as a .pb.gz, like `go tool trace -pprof=KIND`.
import { promises as fsp } from 'node:fs';
import { UsageError, UserError } from '../errors.js';
import { resolveSource, serviceBase } from '../collect/source.js';
import { sessionDir } from '../collect/acquire.js';
import { captureTrace } from '../collect/trace.js';
import { collect } from '../formats/input.js';
import { encodeProfile, type Profile } from '../formats/pprof/index.js';
import { int64ToNumber } from '../formats/pprof/profile.js';
import { orderedEvents, readTrace, readTraceHeader, type OrderedEvent } from '../formats/trace/index.js';
import { BLOCKING_KINDS, blockingProfiles, type BlockingKind } from '../analysis/trace/blocking.js';
import { progress } from '../report/progress.js';
import { parseArgs, parseDuration } from './args.js';
import { printJson, wantsProgress, write, writeOutput, type Io } from './common.js';
import { timeoutFlag } from './profile-input.js';

export const TRACE_HELP = `usage: goscope trace <service-url|file|-> [flags]

Captures a Go execution trace from a service's net/http/pprof (/debug/pprof/trace), saves
it (trace.out) in the capture folder, then summarises it: Go version, duration, events by
kind, goroutines, and for each blocking kind (net, sync, syscall, sched) the total delay
and the functions that waited most. A saved trace file (Go 1.22+) or - (stdin) is read
instead of capturing.

flags:
  --seconds N        trace length (default 2; service only)
  --pprof KIND       write the KIND blocking profile (net, sync, syscall or sched) as a
  -o FILE            standard .pb.gz to FILE, as go tool trace -pprof=KIND
  --timeout D        request timeout after the trace ends (default 30s)
  --out DIR          capture folder (default ./goscope-captures/<host_port>-<time>/)
  --json             machine-readable output (schema goscope.trace/v1)

exit codes: 0 ok, 1 failure (unreachable service, not a trace, unsupported trace), 2 usage`;

const FLAGS = {
  seconds: { type: 'string' },
  pprof: { type: 'string' },
  output: { type: 'string', short: 'o' },
  timeout: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A trace larger than this is refused: it is read into memory whole. */
export const MAX_TRACE_BYTES = 1024 ** 3;
const DEFAULT_SECONDS = 2;
const TOP_STACKS = 3;

export interface BlockingTop {
  function: string;
  delayNs: number;
  contentions: number;
}

export interface BlockingSummary {
  /** Total delay, in nanoseconds. */
  total: number;
  contentions: number;
  top: BlockingTop[];
}

export interface TraceSummary {
  schema: 'goscope.trace/v1';
  goVersion: string;
  durationNs: number;
  events: number;
  eventsByKind: Record<string, number>;
  goroutines: number;
  blocking: Record<BlockingKind, BlockingSummary>;
  savedTo: string | null;
}

export async function traceCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS, 'trace');
  if (flags.help) {
    write(io, TRACE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('trace: expected one <service-url>, trace file or -; see goscope trace --help');
  let kind: BlockingKind | undefined;
  if (typeof flags.pprof === 'string') {
    if (!(BLOCKING_KINDS as readonly string[]).includes(flags.pprof)) throw new UsageError(`--pprof: expected one of ${BLOCKING_KINDS.join(', ')}, got "${flags.pprof}"`);
    kind = flags.pprof as BlockingKind;
    if (typeof flags.output !== 'string') throw new UsageError('--pprof: needs -o FILE (where to write the .pb.gz)');
  } else if (typeof flags.output === 'string') {
    throw new UsageError('-o: only with --pprof KIND (which blocking profile to write)');
  }
  const source = resolveSource(positionals[0]!);
  const live = source.kind === 'service' || source.kind === 'url';
  let seconds = DEFAULT_SECONDS;
  if (typeof flags.seconds === 'string') {
    if (!live) throw new UsageError(`--seconds: only when capturing from a service (${source.input} is a saved trace)`);
    seconds = parseDuration(flags.seconds, 'seconds') / 1000;
    if (seconds < 1) throw new UsageError('--seconds: at least 1');
  }
  const json = !!flags.json;
  const timeoutMs = timeoutFlag(flags);

  let buf: Buffer;
  let input: string;
  let savedTo: string | null = null;
  if (live) {
    const base = serviceBase(source);
    const dir = await sessionDir(source, { path: null }, typeof flags.out === 'string' ? flags.out : undefined);
    const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });
    try {
      const c = await captureTrace(base, { dir, seconds, timeoutMs, onTick: (left) => prog.update(`trace: ${left}s left`) });
      buf = c.bytes;
      input = c.path;
      savedTo = c.path;
    } finally {
      prog.done();
    }
  } else if (source.kind === 'file') {
    input = source.path!;
    let size: number;
    try {
      size = (await fsp.stat(input)).size;
    } catch (e) {
      throw new UserError(`${input}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (size > MAX_TRACE_BYTES) throw new UserError(`${input}: ${size} bytes is larger than the ${MAX_TRACE_BYTES} bytes goscope trace reads (capture a shorter trace)`);
    try {
      buf = await fsp.readFile(input);
    } catch (e) {
      throw new UserError(`${input}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  } else {
    input = 'stdin';
    buf = await collect(process.stdin, input, MAX_TRACE_BYTES);
  }

  const { summary, profiles } = analyseTrace(buf, input);
  summary.savedTo = savedTo;

  if (kind) {
    const out = flags.output as string;
    await writeOutput(out, encodeProfile(profiles[kind], { gzip: true }));
    const s = summary.blocking[kind];
    if (json) printJson(io, { ...summary, pprof: { kind, file: out } });
    else write(io, `wrote the ${kind} blocking profile (${s.contentions} contentions, ${fmtNs(s.total)} delay) to ${out}${savedTo ? `; trace saved to ${savedTo}` : ''}`);
    return 0;
  }
  if (json) printJson(io, summary);
  else {
    write(io, renderText(summary));
    if (savedTo) io.err.write(`saved ${savedTo}\n`);
  }
  return 0;
}

/** The summary and the four blocking profiles of a trace, in one pass over its events. */
export function analyseTrace(buf: Buffer, input: string): { summary: TraceSummary; profiles: Record<BlockingKind, Profile> } {
  const header = readTraceHeader(buf, input);
  let events = 0;
  let first = -1;
  let last = 0;
  const byKind: Record<string, number> = {};
  const goroutines = new Set<number>();
  function* counted(): Generator<OrderedEvent> {
    for (const e of orderedEvents(buf, { input })) {
      events++;
      if (first < 0) first = e.time;
      last = e.time;
      byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
      if (e.g >= 0) goroutines.add(e.g);
      if (e.transition?.resource === 'goroutine') goroutines.add(e.transition.id);
      yield e;
    }
  }
  const profiles = blockingProfiles(counted());
  goroutines.delete(0); // 0 is "no goroutine" in the wire format
  const blocking = {} as Record<BlockingKind, BlockingSummary>;
  for (const k of BLOCKING_KINDS) blocking[k] = summarise(profiles[k]);
  const eventsByKind = Object.fromEntries(Object.entries(byKind).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return {
    summary: {
      schema: 'goscope.trace/v1',
      goVersion: header.goVersion,
      durationNs: first < 0 ? 0 : last - first,
      events,
      eventsByKind,
      goroutines: goroutines.size,
      blocking,
      savedTo: null,
    },
    profiles,
  };
}

/** Totals of a blocking profile and its top stacks by delay, each named by its user function. */
function summarise(p: Profile): BlockingSummary {
  const locs = new Map(p.locations.map((l) => [String(l.id), l]));
  const fns = new Map(p.functions.map((f) => [String(f.id), f.name]));
  let total = 0;
  let contentions = 0;
  const byFn = new Map<string, BlockingTop>();
  for (const s of p.samples) {
    const n = int64ToNumber(s.values[0] ?? 0);
    const d = int64ToNumber(s.values[1] ?? 0);
    total += d;
    contentions += n;
    // Frames innermost first (a location's lines: inlined callee first).
    const frames: string[] = [];
    for (const id of s.locationIds) for (const ln of locs.get(String(id))?.lines ?? []) frames.push(fns.get(String(ln.functionId)) ?? '');
    const name = userFunction(frames);
    const t = byFn.get(name) ?? { function: name, delayNs: 0, contentions: 0 };
    t.delayNs += d;
    t.contentions += n;
    byFn.set(name, t);
  }
  const top = [...byFn.values()].sort((a, b) => b.delayNs - a.delayNs || a.function.localeCompare(b.function)).slice(0, TOP_STACKS);
  return { total, contentions, top };
}

/** The leaf-most main. function, else the leaf-most non-standard-library one, else the leaf. */
function userFunction(frames: string[]): string {
  const main = frames.find((f) => f.startsWith('main.'));
  if (main) return main;
  const user = frames.find((f) => {
    const pkg = f.split('/')[0]!;
    return f.includes('/') && pkg.includes('.') && !pkg.startsWith('golang.org');
  });
  return user ?? frames[0] ?? '(no stack)';
}

function renderText(s: TraceSummary): string {
  const lines: string[] = [];
  const worst = BLOCKING_KINDS.map((k) => [k, s.blocking[k]] as const).sort((a, b) => b[1].total - a[1].total)[0]!;
  if (worst[1].total > 0) {
    const where = worst[1].top[0] ? `, most in ${worst[1].top[0].function}` : '';
    lines.push(`verdict: goroutines waited longest on ${worst[0]} (${fmtNs(worst[1].total)} over ${worst[1].contentions} waits${where})`);
  } else {
    lines.push('verdict: no blocking recorded in this trace');
  }
  lines.push(`trace: ${s.goVersion}, ${fmtNs(s.durationNs)}, ${s.events} events, ${s.goroutines} goroutines`);
  lines.push(`events: ${Object.entries(s.eventsByKind).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  lines.push('blocking (go tool trace -pprof=KIND):');
  for (const k of BLOCKING_KINDS) {
    const b = s.blocking[k];
    const top = b.top.map((t) => `${t.function} ${fmtNs(t.delayNs)}`).join('; ');
    lines.push(`  ${k.padEnd(8)} ${fmtNs(b.total).padStart(9)}  ${String(b.contentions).padStart(7)} waits${top ? `  ${top}` : ''}`);
  }
  return lines.join('\n');
}

function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)}s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)}ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)}µs`;
  return `${ns}ns`;
}
