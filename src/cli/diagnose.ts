// goscope diagnose <service-url>: capture everything in one run, then one verdict-first
// report; goscope diagnose <capture-folder>: the same report again from a saved capture.
import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError, UserError } from '../errors.js';
import { clip, termSafe } from '../lib/text.js';
import { resolveSource, serviceBase } from '../collect/source.js';
import { readFileChunks, sessionDir } from '../collect/acquire.js';
import { captureAll } from '../collect/plan.js';
import type { CaptureSet } from '../collect/capture-set.js';
import { isCaptureFolder, keepInFolder, loadCapture } from '../collect/manifest.js';
import { analyseCapture } from '../analysis/diagnose-capture.js';
import { diagnoseJson, renderDiagnose, type CaptureNote } from '../report/diagnose.js';
import { diagnoseHtml } from '../report/diagnose-html.js';
import { expositionTail, metricsUrl, scrapeMetrics, unreadableScrape } from '../collect/metrics.js';
import { NotFoundError } from '../collect/fetch.js';
import { analyseExposition } from '../analysis/metrics/index.js';
import type { MetricsDigest } from '../report/metrics.js';
import { progress, type Progress } from '../report/progress.js';
import { parseDuration, parseInteger } from './args.js';
import { note, outStyle, printJson, wantsProgress, write, writeOutput, type Io } from './common.js';
import { EXIT_INTERRUPTED, graceful } from './interrupt.js';
import { defineCommand, JSON_FLAG, OUT_FLAG, TIMEOUT_FLAG, type FlagDefs, type Invocation } from './spec.js';

const DEFAULT_TRACE_SECONDS = 2;

// Flags that shape a capture: meaningless for a folder captured already.
const CAPTURE_FLAGS = ['seconds', 'samples', 'trace-seconds', 'no-trace', 'timeout', 'out'] as const;

const DIAGNOSE_FLAGS = {
  seconds: { type: 'string', arg: 'N', default: '10', help: 'capture window and CPU profile length' },
  samples: { type: 'string', arg: 'N', default: '8', help: 'goroutine snapshots over the window (default 8; >= 6 for a trend verdict)' },
  'trace-seconds': {
    type: 'string',
    arg: 'N',
    help: `execution trace (/debug/pprof/trace, saved as trace.out) over the last N seconds of the window (default ${DEFAULT_TRACE_SECONDS}, at most --seconds); a service without it only gets a note`,
  },
  'no-trace': { type: 'boolean', help: 'no execution trace' },
  html: { type: 'string', short: 'o', arg: 'FILE', help: 'report file (default report.html in the capture folder)' },
  timeout: TIMEOUT_FLAG('deadline of each whole request, body included (default 30s; the CPU profile and trace requests add their length)'),
  out: OUT_FLAG(),
  json: JSON_FLAG('goscope.diagnose/v1'),
} as const satisfies FlagDefs;

export const diagnoseSpec = defineCommand({
  name: 'diagnose',
  args: '<service-url>',
  summary: 'capture everything once: verdict, hot spots, leaks, report.html',
  usage: ['diagnose <service-url> [--seconds 10] [flags]', 'diagnose <capture-folder> [--json] [-o report.html]'],
  description: `Captures, in one run and one request at a time beside the CPU profile: goroutine
snapshots spread over the window (leak trend), a CPU profile, heap, two snapshots of
allocs, mutex and block (goscope subtracts them: what happened during the window), and an
execution trace of the window's last seconds; then the service's /metrics (Go runtime
facts and the worst metrics problems, see goscope metrics; a service without /metrics is
said so). Every capture is saved first. Then prints a
verdict-first summary (leak suspects, CPU, heap, allocation and lock hot spots, each at
its file:line in your code, and what stands out in the trace: lock contention, scheduling
latency, GC pressure, goroutine creation storms) and writes one self-contained
report.html with the findings, goroutine groups and flame graphs. Given the folder of an
earlier run (it holds capture.json), analyses those files again, offline, into the same
report.`,
  flags: DIAGNOSE_FLAGS,
  exits: `exit codes: 0 ok, 3 goroutine leak suspects found, 1 failure (service unreachable, or
nothing usable captured: what failed is listed per kind on stderr), 2 usage,
130 interrupted (Ctrl-C: what was captured is analysed and saved)`,
  run: diagnose,
});

async function diagnose({ flags, positionals, given, io }: Invocation<typeof DIAGNOSE_FLAGS>): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('diagnose: expected one <service-url> (e.g. http://127.0.0.1:6060) or <capture-folder>; see goscope diagnose --help');
  const arg = positionals[0]!;
  const json = flags.json;
  const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });
  const html = flags.html;
  if (statSync(arg, { throwIfNoEntry: false })?.isDirectory()) {
    const shaping = CAPTURE_FLAGS.filter((f) => given.has(f));
    if (shaping.length)
      throw new UsageError(`diagnose: --${shaping[0]} shapes a capture; ${arg} is one already (only --json and -o apply to a capture folder)`);
    if (!isCaptureFolder(arg)) {
      throw new UserError(`${arg}: not a diagnose capture folder (no capture.json in it): give the folder of a goscope diagnose run, or a service URL`);
    }
    prog.update('reading the capture…');
    const set = await loadCapture(arg);
    const r = await report(set, { io, json, html, prog, metrics: await savedMetrics(arg, set.service) });
    if (!r.usable) return 1;
    return r.found ? 3 : 0;
  }
  const source = resolveSource(arg);
  if (source.kind === 'file' || source.kind === 'stdin') {
    throw new UsageError(
      `diagnose: ${source.input} is not a live service or a capture folder (for saved profiles use goscope top / flame; for dumps goscope goroutines)`,
    );
  }
  const base = serviceBase(source);
  const secondsMs = parseDuration(flags.seconds, 'seconds');
  const seconds = Math.round(secondsMs / 1000);
  if (seconds < 1) throw new UsageError('--seconds: at least 1');
  const samples = parseInteger(flags.samples, 'samples', 2);
  let traceSeconds = Math.min(DEFAULT_TRACE_SECONDS, seconds);
  if (flags['trace-seconds'] !== undefined) {
    if (flags['no-trace']) throw new UsageError('--trace-seconds and --no-trace: pick one');
    traceSeconds = parseDuration(flags['trace-seconds'], 'trace-seconds') / 1000;
    if (traceSeconds < 1) throw new UsageError('--trace-seconds: at least 1');
    if (traceSeconds > seconds) throw new UsageError(`--trace-seconds: at most the --seconds window (${seconds}s): the trace covers the window's last seconds`);
  }
  if (flags['no-trace']) traceSeconds = 0;
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, 'timeout') : undefined;
  const dir = await sessionDir(source, { path: null }, flags.out);

  // Ctrl-C ends the captures early; what was taken is still analysed (exit 130).
  const stop = graceful();
  let set: CaptureSet;
  let metrics: MetricsDigest | undefined;
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
    // The service's own metrics: runtime facts and the worst problems (goscope metrics has them all).
    if (!stop.signal.aborted) {
      prog.update('reading /metrics…');
      metrics = await serviceMetrics(base, dir, timeoutMs, stop.signal);
    }
  } finally {
    stop.release();
  }
  const r = await report(set, { io, json, html, prog, metrics });
  if (set.aborted) return EXIT_INTERRUPTED;
  if (!r.usable) return 1;
  return r.found ? 3 : 0;
}

/**
 * Analyses a capture (files on disk) and writes the report: report.html, then the
 * summary or --json on stdout. Nothing usable (no profile decoded, no goroutine snapshot
 * or dump parsed, no trace read) would read "nothing stands out" and pass a CI gate: then
 * stderr says what failed, per kind, and the caller exits 1 (the JSON is still printed and
 * the HTML written).
 */
async function report(
  set: CaptureSet,
  o: { io: Io; json: boolean; html?: string; prog: Progress; metrics?: MetricsDigest },
): Promise<{ found: boolean; usable: boolean }> {
  o.prog.update('analysing…');
  const htmlPath = o.html ?? path.join(set.dir, 'report.html');
  let a;
  try {
    a = await analyseCapture(set, {
      open: (p) => readFileChunks(p),
      keepDelta: (kind, bytes) => keepInFolder(set.dir, `${kind}.delta.pb.gz`, bytes),
      onStep: (s) => o.prog.update(s),
    });
    const meta = {
      service: set.service,
      captureDir: set.dir,
      seconds: set.seconds,
      startedAt: set.startedAt,
      finishedAt: set.finishedAt,
      goroutineTotals: a.goroutineTotals,
      goroutineDumps: a.dumps,
      aborted: set.aborted,
      usable: a.usable,
      files: [...set.files, ...a.deltaFiles, ...(o.metrics?.saved && !set.files.includes(o.metrics.saved) ? [o.metrics.saved] : [])],
      reportPath: htmlPath,
      metrics: o.metrics,
      traceSeconds: set.traceSeconds,
    };
    await writeOutput(htmlPath, diagnoseHtml(a.diagnosis, meta, a.notes, a.flames), 'the report');
    o.prog.done();
    if (o.json) printJson(o.io, diagnoseJson(a.diagnosis, meta, a.notes));
    else if (a.usable || set.aborted) write(o.io, renderDiagnose(a.diagnosis, meta, a.notes, outStyle(o.io)));
    if (!a.usable) note(o.io, nothingUsable(set.service, a.notes, set.dir, htmlPath));
  } finally {
    o.prog.done();
  }
  return { found: (a.diagnosis.leaks?.suspects.length ?? 0) > 0, usable: a.usable };
}

/** What failed, one line per kind (its first failure), under one line naming the service. */
function nothingUsable(service: string, notes: readonly CaptureNote[], dir: string, report: string): string {
  const byKind = new Map<string, string>();
  for (const n of notes) if (n.state === 'failed' && !byKind.has(n.kind)) byKind.set(n.kind, n.message);
  const lines = [
    `goscope: ${termSafe(service)}: nothing usable was captured, so there is nothing to diagnose (what failed is below; captures in ${termSafe(dir)}, report in ${termSafe(report)})`,
  ];
  for (const [kind, message] of byKind) lines.push(`  ${kind}: ${termSafe(clip(firstFailure(message), 300))}`);
  return lines.join('\n') + '\n';
}

/** A status joins each snapshot's failure with "; " after its label ("allocs #1: …"): keep the first. */
function firstFailure(message: string): string {
  const next = message.search(/; (?:allocs|mutex|block|goroutine|cpu|heap|threadcreate|trace)\b[^:;]*: /);
  return next > 0 ? message.slice(0, next) : message;
}

/** <base>/metrics scraped and read; a service without it, or a failure, is said, not thrown. */
async function serviceMetrics(base: URL, dir: string, timeoutMs: number | undefined, signal: AbortSignal): Promise<MetricsDigest> {
  const url = metricsUrl(base, true);
  try {
    const sc = await scrapeMetrics(url, { dir, timeoutMs, signal });
    const tail = sc.format ? undefined : await expositionTail(sc.path);
    const analysis = await analyseExposition(readFileChunks(sc.path), { input: sc.url, format: sc.format, tail }).catch(async (e: unknown) => {
      throw await unreadableScrape(e, sc);
    });
    return { url: url.href, state: 'ok', saved: sc.path, analysis };
  } catch (e) {
    if (e instanceof NotFoundError) return { url: url.href, state: 'absent' };
    if (e instanceof UserError && !signal.aborted) return { url: url.href, state: 'failed', message: e.message };
    if (signal.aborted) return { url: url.href, state: 'failed', message: 'interrupted' };
    throw e;
  }
}

/** A capture folder's saved /metrics, read again (undefined when it has none): the same digest as the live run's. */
async function savedMetrics(dir: string, service: string): Promise<MetricsDigest | undefined> {
  let url: string;
  try {
    url = metricsUrl(new URL(service), true).href;
  } catch {
    url = service;
  }
  for (const name of ['metrics.om.txt', 'metrics.txt', 'metrics.pb']) {
    const file = path.join(dir, name);
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
    try {
      return { url, state: 'ok', saved: file, analysis: await analyseExposition(readFileChunks(file), { input: file, tail: await expositionTail(file) }) };
    } catch (e) {
      if (e instanceof UserError) return { url, state: 'failed', message: e.message };
      throw e;
    }
  }
  return undefined;
}
