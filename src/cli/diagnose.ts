// goscope diagnose <service>: capture everything in one run, then one verdict-first report.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, UserError } from '../errors.js';
import { clip, termSafe } from '../lib/text.js';
import { resolveSource, serviceBase } from '../collect/source.js';
import { readFileChunks, sessionDir } from '../collect/acquire.js';
import { captureAll, type CaptureSet, type SnapshotPair } from '../collect/plan.js';
import type { CapturedProfile } from '../collect/profiles.js';
import { saveCapture } from '../collect/capture.js';
import { decodeProfile, encodeProfile, type Profile } from '../formats/pprof/index.js';
import type { GoroutineGroup } from '../analysis/goroutines/group.js';
import type { LeakSample } from '../analysis/goroutines/leak.js';
import { deltaProfile } from '../analysis/profile/delta.js';
import { selectSampleIndex } from '../analysis/profile/sample-index.js';
import { sampleStacks } from '../analysis/profile/stacks.js';
import { buildFlameTree } from '../analysis/flame/tree.js';
import { diagnose, type DiagnosedKind, type DiagnoseInput, type ProfileInput } from '../analysis/diagnose.js';
import { diagnoseJson, renderDiagnose, type CaptureNote } from '../report/diagnose.js';
import { diagnoseHtml, type FlameEntry } from '../report/diagnose-html.js';
import { progress } from '../report/progress.js';
import { parseArgs, parseDuration, parseInteger } from './args.js';
import { outStyle, printJson, wantsProgress, write, writeOutput, type Io } from './common.js';
import { EXIT_INTERRUPTED, graceful } from './interrupt.js';
import { fetchLeakProfile, groupBytes } from './leak.js';
import { analyseTraceStream } from './trace.js';

export const DIAGNOSE_HELP = `usage: goscope diagnose <service-url> [--seconds 10] [flags]

Captures, in one run and one request at a time beside the CPU profile: goroutine
snapshots spread over the window (leak trend), a CPU profile, heap, two snapshots of
allocs, mutex and block (goscope subtracts them: what happened during the window), and an
execution trace of the window's last seconds. Every capture is saved first. Then prints a
verdict-first summary (leak suspects, CPU, heap, allocation and lock hot spots, each at
its file:line in your code, and what stands out in the trace: lock contention, scheduling
latency, GC pressure, goroutine creation storms) and writes one self-contained
report.html with the findings, goroutine groups and flame graphs.

flags:
  --seconds N        capture window and CPU profile length (default 10)
  --samples N        goroutine snapshots over the window (default 8; >= 6 for a trend verdict)
  --trace-seconds N  execution trace (/debug/pprof/trace, saved as trace.out) over the
                     last N seconds of the window (default 2, at most --seconds); a
                     service without it only gets a note
  --no-trace         no execution trace
  -o, --html FILE    report file (default report.html in the capture folder)
  --timeout D        deadline of each whole request, body included (default 30s;
                     the CPU profile and trace requests add their length)
  --out DIR          capture folder (default ./goscope-captures/<host_port>-<time>/)
  --json             machine-readable output (schema goscope.diagnose/v1)

exit codes: 0 ok, 3 goroutine leak suspects found, 1 failure (service unreachable, or
nothing usable captured: what failed is listed per kind on stderr), 2 usage, 130 Ctrl-C`;

const FLAGS = {
  seconds: { type: 'string' },
  samples: { type: 'string' },
  'trace-seconds': { type: 'string' },
  'no-trace': { type: 'boolean' },
  html: { type: 'string', short: 'o' },
  timeout: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEFAULT_TRACE_SECONDS = 2;

const WINDOWED: readonly ('allocs' | 'mutex' | 'block')[] = ['allocs', 'mutex', 'block'];

/** A warning instead of an abort: one broken capture must not lose the others' findings. */
function guard<T>(notes: CaptureNote[], kind: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    notes.push({ kind, state: 'failed', message: e.message });
    return undefined;
  }
}

export async function diagnoseCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS, 'diagnose');
  if (flags.help) {
    write(io, DIAGNOSE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('diagnose: expected one <service-url>, e.g. http://127.0.0.1:6060; see goscope diagnose --help');
  const source = resolveSource(positionals[0]!);
  if (source.kind === 'file' || source.kind === 'stdin') {
    throw new UsageError(`diagnose: ${source.input} is not a live service (for saved profiles use goscope top / flame; for dumps goscope goroutines)`);
  }
  const base = serviceBase(source);
  const secondsMs = typeof flags.seconds === 'string' ? parseDuration(flags.seconds, 'seconds') : 10_000;
  const seconds = Math.round(secondsMs / 1000);
  if (seconds < 1) throw new UsageError('--seconds: at least 1');
  const samples = typeof flags.samples === 'string' ? parseInteger(flags.samples, 'samples', 2) : 8;
  let traceSeconds = Math.min(DEFAULT_TRACE_SECONDS, seconds);
  if (typeof flags['trace-seconds'] === 'string') {
    if (flags['no-trace']) throw new UsageError('--trace-seconds and --no-trace: pick one');
    traceSeconds = parseDuration(flags['trace-seconds'], 'trace-seconds') / 1000;
    if (traceSeconds < 1) throw new UsageError('--trace-seconds: at least 1');
    if (traceSeconds > seconds) throw new UsageError(`--trace-seconds: at most the --seconds window (${seconds}s): the trace covers the window's last seconds`);
  }
  if (flags['no-trace']) traceSeconds = 0;
  const timeoutMs = typeof flags.timeout === 'string' ? parseDuration(flags.timeout, 'timeout') : undefined;
  const json = !!flags.json;
  const dir = await sessionDir(source, { path: null }, typeof flags.out === 'string' ? flags.out : undefined);
  const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });

  // Ctrl-C ends the captures early; what was taken is still analysed (exit 130).
  const stop = graceful();
  let set: CaptureSet;
  try {
    set = await captureAll(base, {
      dir,
      seconds,
      goroutineSamples: samples,
      traceSeconds,
      timeoutMs,
      signal: stop.signal,
      onProgress: (e) => {
        if (e.phase === 'cpu') prog.update(`CPU profile: ${e.remaining}s left · goroutine snapshots ${e.done}/${e.of}`);
        else if (e.step) prog.update(`capturing ${e.step}…`);
      },
    });
  } finally {
    stop.release();
  }
  // Confirmation for leak suspects where the runtime offers it (Go 1.26 experiment, 1.27+).
  let leakProfile: GoroutineGroup[] | null = null;
  const notes: CaptureNote[] = [];
  if (!set.aborted) {
    prog.update('goroutineleak profile…');
    try {
      const leak = await fetchLeakProfile(source, dir, timeoutMs);
      if (leak) {
        set.files.push(leak.savedTo);
        leakProfile = leak.groups;
      }
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      notes.push({ kind: 'goroutineleak', state: 'failed', message: e.message });
    }
  }
  prog.update('analysing…');

  // Goroutine series: times relative to the first snapshot.
  const taken: LeakSample[] = [];
  const totals: number[] = [];
  const t0 = set.goroutines[0]?.fetchedAt.getTime() ?? 0;
  for (const g of set.goroutines) {
    const r = await groupBytes(g.bytes, g.path).catch((e: unknown) => {
      if (!(e instanceof UserError)) throw e;
      notes.push({ kind: 'goroutine', state: 'failed', message: e.message });
      return null;
    });
    if (!r) continue;
    taken.push({ t: g.fetchedAt.getTime() - t0, groups: r.groups });
    totals.push(r.total);
  }
  let detail: GoroutineGroup[] | undefined;
  if (set.goroutineDump) {
    const bytes = await readFile(set.goroutineDump.path);
    detail = (await groupBytes(bytes, set.goroutineDump.path, true).catch((e: unknown) => {
      if (!(e instanceof UserError)) throw e;
      notes.push({ kind: 'goroutine-dump', state: 'failed', message: e.message });
      return null;
    }))?.groups;
  }

  // Profiles: decode, subtract the windowed pairs, keep each delta on disk too.
  const inputs: ProfileInput[] = [];
  const flames: FlameEntry[] = [];
  const decoded = (c: CapturedProfile | undefined): Profile | undefined => (c ? guard(notes, c.type, () => decodeProfile(c.bytes, c.path)) : undefined);
  const add = (kind: DiagnosedKind, p: Profile | undefined, windowSeconds: number | null, file: string | undefined) => {
    if (!p) return;
    const sampleIndex = selectSampleIndex(p);
    inputs.push({ kind, profile: p, sampleIndex, windowSeconds });
    const st = sampleStacks(p, {});
    flames.push({ kind, sampleType: st.sampleType.type, unit: st.sampleType.unit, file, tree: buildFlameTree(st.stacks) });
  };
  const cpu = decoded(set.cpu);
  add('cpu', cpu, cpu && Number(cpu.durationNanos) > 0 ? Number(cpu.durationNanos) / 1e9 : seconds, set.cpu?.path);
  add('heap', decoded(set.heap), null, set.heap?.path);
  for (const kind of WINDOWED) {
    const pair: SnapshotPair = set[kind];
    if (set.status[kind]?.state !== 'ok' || !pair.older || !pair.newer) continue;
    const older = decoded(pair.older);
    const newer = decoded(pair.newer);
    if (!older || !newer) continue;
    const delta = guard(notes, kind, () => deltaProfile(older, newer));
    if (!delta) continue;
    const file = await saveCapture(dir, `${kind}.delta.pb.gz`, encodeProfile(delta, { gzip: true }));
    set.files.push(file);
    const window = (pair.newer.fetchedAt.getTime() - pair.older.fetchedAt.getTime()) / 1000;
    add(kind, delta, window, file);
  }
  const last = set.goroutines[set.goroutines.length - 1];
  const lastProfile = decoded(last);
  if (lastProfile) {
    const st = sampleStacks(lastProfile, {});
    flames.push({ kind: 'goroutine', sampleType: st.sampleType.type, unit: st.sampleType.unit, file: last!.path, tree: buildFlameTree(st.stacks) });
  }

  // The execution trace: one streaming pass, no timeline (the report shows verdicts and
  // blocking flame graphs; goscope trace on trace.out gives the rest).
  let trace: DiagnoseInput['trace'];
  if (set.trace) {
    prog.update('analysing the trace…');
    try {
      const { analysis, header } = await analyseTraceStream(readFileChunks(set.trace.path), set.trace.path);
      trace = { analysis, goVersion: header.goVersion, file: set.trace.path };
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      notes.push({ kind: 'trace', state: 'failed', message: e.message });
    }
  }

  const result = diagnose({ goroutineSamples: taken, detail, leakProfile, profiles: inputs, trace });
  for (const [kind, s] of Object.entries(set.status)) {
    if (s.state !== 'ok') notes.push({ kind, state: s.state, message: s.message ?? '' });
  }
  const htmlPath = typeof flags.html === 'string' ? flags.html : path.join(dir, 'report.html');
  const meta = { service: base.href, captureDir: dir, seconds, startedAt: set.startedAt, finishedAt: set.finishedAt, goroutineTotals: totals, aborted: set.aborted, files: set.files, reportPath: htmlPath, traceSeconds: set.traceSeconds };
  try {
    await writeOutput(htmlPath, diagnoseHtml(result, meta, notes, flames), 'the report');
  } finally {
    prog.done();
  }
  // Nothing usable: no profile decoded, no goroutine snapshot or dump parsed, no trace
  // read. A report of that would read "nothing stands out" and pass a CI gate: exit 1 and
  // say what failed instead (the JSON is still printed, and the HTML written).
  const usable = inputs.length > 0 || taken.length > 0 || detail !== undefined || trace !== undefined;
  if (json) printJson(io, diagnoseJson(result, meta, notes));
  else if (usable || set.aborted) write(io, renderDiagnose(result, meta, notes, outStyle(io)));
  if (set.aborted) return EXIT_INTERRUPTED;
  if (!usable) {
    io.err.write(nothingUsable(base.href, notes, dir, htmlPath));
    return 1;
  }
  return result.leaks && result.leaks.suspects.length > 0 ? 3 : 0;
}

/** What failed, one line per kind (its first failure), under one line naming the service. */
function nothingUsable(service: string, notes: readonly CaptureNote[], dir: string, report: string): string {
  const byKind = new Map<string, string>();
  for (const n of notes) if (n.state === 'failed' && !byKind.has(n.kind)) byKind.set(n.kind, n.message);
  const lines = [`goscope: ${termSafe(service)}: nothing usable was captured, so there is nothing to diagnose (what failed is below; captures in ${termSafe(dir)}, report in ${termSafe(report)})`];
  for (const [kind, message] of byKind) lines.push(`  ${kind}: ${termSafe(clip(firstFailure(message), 300))}`);
  return lines.join('\n') + '\n';
}

/** A status joins each snapshot's failure with "; " after its label ("allocs #1: …"): keep the first. */
function firstFailure(message: string): string {
  const next = message.search(/; (?:allocs|mutex|block|goroutine|cpu|heap|threadcreate|trace)\b[^:;]*: /);
  return next > 0 ? message.slice(0, next) : message;
}
