// goscope trace <service-url|file|->: capture (or read) a Go execution trace and answer
// from it: a verdict-first summary (creation storms, scheduling latency, longest blocks,
// GC pressure, what goroutines waited on), --json, an HTML report with a timeline, or one
// of its blocking profiles as a .pb.gz like `go tool trace -pprof=KIND`. The trace is read
// as a stream, one generation at a time, so its size is not limited by memory.
import { createReadStream, promises as fsp } from 'node:fs';
import { UsageError, UserError } from '../errors.js';
import { resolveSource, serviceBase } from '../collect/source.js';
import { sessionDir } from '../collect/acquire.js';
import { captureTrace } from '../collect/trace.js';
import { encodeProfile } from '../formats/pprof/index.js';
import { BLOCKING_KINDS, BlockingBuilder, summariseBlocking, type BlockingKind } from '../analysis/trace/blocking.js';
import { analyseTraceStream, readTraceEvents } from '../analysis/trace/stream.js';
import { traceVerdicts } from '../analysis/trace/verdicts.js';
import { progress } from '../report/progress.js';
import { renderTraceText, traceJson, traceReportHtml } from '../report/trace.js';
import { clean } from '../report/term.js';
import { parseDuration } from './args.js';
import { note, printJson, wantsProgress, write, writeOutput } from './common.js';
import { timeoutFlag } from './profile-flags.js';
import { defineCommand, JSON_FLAG, OUT_FLAG, TIMEOUT_FLAG, type FlagDefs, type Invocation } from './spec.js';

const DEFAULT_SECONDS = 2;

const TRACE_FLAGS = {
  seconds: { type: 'string', arg: 'N', help: `trace length (default ${DEFAULT_SECONDS}; service only)` },
  output: {
    type: 'string',
    short: 'o',
    arg: 'FILE',
    help: 'write an HTML report: timeline of procs and goroutines, tables, and a flame graph per blocking profile',
  },
  pprof: {
    type: 'string',
    arg: 'KIND',
    help: 'instead, write the KIND blocking profile (net, sync, syscall or sched) as a standard .pb.gz to -o FILE, as go tool trace -pprof=KIND',
  },
  timeout: TIMEOUT_FLAG('deadline of the whole request after the trace ends (default 30s)'),
  out: OUT_FLAG(),
  json: JSON_FLAG('goscope.trace/v1'),
} as const satisfies FlagDefs;

export const traceSpec = defineCommand({
  name: 'trace',
  args: '<service-url|file|->',
  summary: 'execution trace: events, goroutines, where they blocked (--pprof profiles)',
  usage: ['trace <service-url|file|-> [flags]'],
  description: `Captures a Go execution trace from a service's net/http/pprof (/debug/pprof/trace), saves
it (trace.out) in the capture folder, then answers from it, verdicts first: goroutine
creation storms (rate, who creates), the longest scheduling latencies (runnable goroutines
waiting for a P) with stacks, the goroutines blocked longest and where, GC pressure (CPU
share, stop-the-world pauses, assists, minimum mutator utilisation), goroutines by start
function as go tool trace computes them, user tasks and regions, and the net, sync,
syscall and sched blocking profiles. A saved trace file (Go 1.22+) or - (stdin) is read
instead of capturing; it is read as a stream, so traces of any size work.`,
  flags: TRACE_FLAGS,
  exits: `exit codes: 0 ok, 1 failure (unreachable service, not a trace, unsupported or corrupt
trace), 2 usage`,
  run: trace,
});

async function trace({ flags, positionals, io }: Invocation<typeof TRACE_FLAGS>): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('trace: expected one <service-url>, trace file or -; see goscope trace --help');
  let kind: BlockingKind | undefined;
  if (flags.pprof !== undefined) {
    if (!(BLOCKING_KINDS as readonly string[]).includes(flags.pprof))
      throw new UsageError(`--pprof: expected one of ${BLOCKING_KINDS.join(', ')}, got "${flags.pprof}"`);
    kind = flags.pprof as BlockingKind;
    if (flags.output === undefined) throw new UsageError('--pprof: needs -o FILE (where to write the .pb.gz)');
  }
  const source = resolveSource(positionals[0]!);
  const live = source.kind === 'service' || source.kind === 'url';
  let seconds = DEFAULT_SECONDS;
  if (flags.seconds !== undefined) {
    if (!live) throw new UsageError(`--seconds: only when capturing from a service (${source.input} is a saved trace)`);
    seconds = parseDuration(flags.seconds, 'seconds') / 1000;
    if (seconds < 1) throw new UsageError('--seconds: at least 1');
  }
  const json = flags.json;
  const timeoutMs = timeoutFlag(flags);

  let chunks: AsyncIterable<Uint8Array>;
  let input: string;
  let size = 0;
  let savedTo: string | null = null;
  const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });
  const mb = (n: number): string => (n / 1e6).toFixed(0);
  const onRead = (read: number, events: number): void =>
    prog.update(`reading trace: ${mb(read)}${size ? ` of ${mb(size)}` : ''} MB, ${events.toLocaleString('en-US')} events`);
  try {
    if (live) {
      const base = serviceBase(source);
      const dir = await sessionDir(source, { path: null }, flags.out);
      const c = await captureTrace(base, { dir, seconds, timeoutMs, onTick: (left) => prog.update(`trace: ${left}s left`) });
      input = savedTo = c.path;
      size = c.size;
      chunks = readFile(c.path);
    } else if (source.kind === 'file') {
      input = source.path!;
      try {
        size = (await fsp.stat(input)).size;
      } catch (e) {
        throw new UserError(`${input}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      chunks = readFile(input);
    } else {
      input = 'stdin';
      chunks = process.stdin;
    }
    if (kind && !json) {
      // Only the blocking profiles are needed: skip the summary, GC and verdict analyses.
      const blocking = new BlockingBuilder();
      await readTraceEvents(chunks, input, (e) => blocking.add(e), onRead);
      prog.done();
      const profile = blocking.finish()[kind];
      const out = flags.output!;
      await writeOutput(out, encodeProfile(profile, { gzip: true }));
      const b = summariseBlocking(profile);
      write(
        io,
        `wrote the ${kind} blocking profile (${b.contentions} contentions, ${(b.total / 1e6).toFixed(1)}ms delay) to ${clean(out)}${savedTo ? `; trace saved to ${clean(savedTo)}` : ''}`,
      );
      return 0;
    }
    const { analysis, header } = await analyseTraceStream(chunks, input, { timeline: !kind && flags.output !== undefined, onRead });
    prog.done();
    const verdicts = traceVerdicts(analysis);
    const meta = { goVersion: header.goVersion, savedTo, input };

    if (kind) {
      // --json carries every analysis, so all of them ran.
      const out = flags.output!;
      await writeOutput(out, encodeProfile(analysis.blocking[kind], { gzip: true }));
      printJson(io, { ...traceJson(analysis, verdicts, meta), pprof: { kind, file: out } });
      return 0;
    }
    if (flags.output !== undefined) await writeOutput(flags.output, traceReportHtml(analysis, verdicts, meta));
    if (json) printJson(io, traceJson(analysis, verdicts, meta));
    else {
      write(io, renderTraceText(analysis, verdicts, meta));
      if (flags.output !== undefined) note(io, `wrote ${clean(flags.output)}`);
      if (savedTo) note(io, `saved ${clean(savedTo)}`);
    }
    return 0;
  } finally {
    prog.done();
  }
}

/** A file as a stream of 1 MiB chunks, with one clear error if it cannot be read. */
async function* readFile(file: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) yield c as Buffer;
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
