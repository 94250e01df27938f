// goscope leak <url>: sample a live service's goroutines over time and name the leaks.
import { UsageError, UserError } from '../errors.js';
import { resolveSource, profileUrl, type Source } from '../collect/source.js';
import { sessionDir } from '../collect/acquire.js';
import { fetchBytes, isNotFound } from '../collect/http.js';
import { saveCapture } from '../collect/capture.js';
import { sample } from '../collect/sampler.js';
import { fromBuffer } from '../formats/input.js';
import { parseGoroutines } from '../formats/goroutines/parse.js';
import { Grouper, type GoroutineGroup } from '../analysis/goroutines/group.js';
import { analyzeLeaks, type LeakSample } from '../analysis/goroutines/leak.js';
import { renderLeak, suspectJson } from '../report/goroutines.js';
import { progress } from '../report/progress.js';
import { parseArgs, parseDuration, parseInteger } from './args.js';
import { outStyle, printJson, wantsProgress, write, type Io } from './common.js';
import { EXIT_INTERRUPTED, graceful } from './interrupt.js';

export const LEAK_HELP = `usage: goscope leak <service-url> [--interval 5s] [--duration 1m | --samples N] [flags]

Samples the service's goroutines (cheap debug=0 profiles) N times at a fixed interval,
keeps a count series per stack, and flags stacks whose count keeps growing (Mann-Kendall
trend test) while blocked on a channel, select, mutex, WaitGroup or Cond in your code.
A final debug=2 snapshot adds states, wait times and creators; where the service serves
Go's goroutineleak profile (Go 1.26 + GOEXPERIMENT=goroutineleakprofile, Go 1.27+) it
confirms suspects. Every snapshot is saved in the capture folder first.

flags:
  --interval D     time between samples (default 5s)
  --duration D     sampling window (default 1m); or
  --samples N      number of samples (>= 6: fewer cannot show a significant trend)
  --timeout D      deadline of each whole request, body included (default 30s)
  --out DIR        capture folder (default ./goscope-captures/<host_port>-<time>/)
  --json           machine-readable output (schema goscope.leak/v1)

exit codes: 0 no suspects, 3 leak suspects found, 1 failure, 2 usage`;

// Mann-Kendall at p < 0.01 needs 6 points even for a perfectly monotonic series.
const MIN_SAMPLES = 6;

const FLAGS = {
  interval: { type: 'string' },
  duration: { type: 'string' },
  samples: { type: 'string' },
  timeout: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Go's goroutineleak profile (Go 1.26 + GOEXPERIMENT=goroutineleakprofile, Go 1.27+),
 * saved then grouped; null when the service does not serve it (404).
 */
export async function fetchLeakProfile(source: Source, dir: string, timeoutMs: number | undefined): Promise<{ groups: GoroutineGroup[]; savedTo: string } | null> {
  let bytes: Buffer;
  try {
    bytes = await fetchBytes(profileUrl(source, 'goroutineleak', { debug: '0' }), { timeoutMs });
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
  const savedTo = await saveCapture(dir, 'goroutineleak.pb.gz', bytes);
  return { groups: (await groupBytes(bytes, savedTo)).groups, savedTo };
}

/** Parses one goroutine dump in memory and groups it at the `value` level. */
export async function groupBytes(bytes: Uint8Array, input: string, partial = false): Promise<{ groups: GoroutineGroup[]; total: number }> {
  const gr = new Grouper('value');
  const info = await parseGoroutines(fromBuffer(bytes), input, (g) => gr.add(g), { allowPartial: partial, args: false });
  return { groups: gr.groups(), total: info.total };
}

export async function leakCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS, 'leak');
  if (flags.help) {
    write(io, LEAK_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('leak: expected one <service-url>, e.g. http://127.0.0.1:6060; see goscope leak --help');
  const source = resolveSource(positionals[0]!);
  if (source.kind === 'file' || source.kind === 'stdin') {
    throw new UsageError(`leak: ${source.input} is not a live service: leak detection samples a running service (use goscope goroutines diff for two saved dumps)`);
  }
  const intervalMs = typeof flags.interval === 'string' ? parseDuration(flags.interval, 'interval') : 5000;
  if (intervalMs < 100) throw new UsageError('--interval: at least 100ms');
  if (flags.duration !== undefined && flags.samples !== undefined) throw new UsageError('leak: give --duration or --samples, not both');
  let samples: number;
  if (typeof flags.samples === 'string') samples = parseInteger(flags.samples, 'samples', MIN_SAMPLES);
  else {
    const durationMs = typeof flags.duration === 'string' ? parseDuration(flags.duration, 'duration') : 60000;
    samples = Math.floor(durationMs / intervalMs) + 1;
    if (samples < MIN_SAMPLES) {
      throw new UsageError(`leak: --duration ${String(flags.duration ?? '1m')} at --interval ${String(flags.interval ?? '5s')} gives ${samples} samples; at least ${MIN_SAMPLES} are needed (a shorter --interval or a longer --duration)`);
    }
  }
  const timeoutMs = typeof flags.timeout === 'string' ? parseDuration(flags.timeout, 'timeout') : undefined;
  const json = !!flags.json;
  const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });
  const dir = await sessionDir(source, { path: null }, typeof flags.out === 'string' ? flags.out : undefined);

  // Ctrl-C ends sampling early; what was taken is still analysed (exit 130).
  const stop = graceful();
  const taken: LeakSample[] = [];
  const totals: number[] = [];
  const sampleTimes: { at: string; offsetSeconds: number; total: number; savedTo: string }[] = [];
  try {
    const url = profileUrl(source, 'goroutine', { debug: '0' });
    for await (const snap of sample({
      url,
      samples,
      intervalMs,
      dir,
      name: (i) => `goroutine-${String(i + 1).padStart(3, '0')}.pb.gz`,
      timeoutMs,
      signal: stop.signal,
      onWait: (i, left) => prog.update(`sample ${i + 1}/${samples} in ${Math.ceil(left / 1000)}s · goroutines ${totals.join(' ')}`),
    })) {
      const { groups, total } = await groupBytes(snap.bytes, snap.savedTo);
      taken.push({ t: snap.t, groups });
      totals.push(total);
      sampleTimes.push({ at: snap.at.toISOString(), offsetSeconds: snap.t / 1000, total, savedTo: snap.savedTo });
      prog.update(`sample ${snap.index + 1}/${samples} · goroutines ${totals.join(' ')}`);
    }
  } catch (e) {
    // A service that stops answering mid-run (a restart, a timeout): keep what was taken.
    if (!(e instanceof UserError) || taken.length < 3) throw e;
    prog.done();
    if (!json) io.err.write(`goscope: warning: sampling stopped after ${taken.length} samples: ${e.message}\n`);
  } finally {
    stop.release();
  }
  if (taken.length < 3) {
    prog.done();
    throw new UserError(`leak: only ${taken.length} samples were taken before stopping; at least 3 are needed (captures in ${dir})`);
  }
  if (taken.length < MIN_SAMPLES && !json) {
    io.err.write(`goscope: warning: stopped after ${taken.length} samples: too few for the trend test (${MIN_SAMPLES} needed); only goroutines Go's goroutineleak profile reports can be flagged\n`);
  }

  // Detail: states, wait minutes and creators. pprof cuts debug=2 at 64 MiB: take what came.
  prog.update('final debug=2 snapshot…');
  let detail: GoroutineGroup[] | undefined;
  try {
    const bytes = await fetchBytes(profileUrl(source, 'goroutine', { debug: '2' }), { timeoutMs, limit: 'dump' });
    const saved = await saveCapture(dir, 'goroutine-final.debug2.txt', bytes);
    detail = (await groupBytes(bytes, saved, true)).groups;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    if (!json) io.err.write(`goscope: warning: no debug=2 detail (${e.message}); states come from stacks only\n`);
  }
  prog.update('goroutineleak profile…');
  let leakGroups: GoroutineGroup[] | null = null;
  try {
    leakGroups = (await fetchLeakProfile(source, dir, timeoutMs))?.groups ?? null;
  } catch (e) {
    // Confirmation only: without it the trend test still decides.
    if (!(e instanceof UserError)) throw e;
    if (!json) io.err.write(`goscope: warning: goroutineleak profile not used (${e.message})\n`);
  }
  prog.done();

  const analysis = analyzeLeaks({ samples: taken, detail, leakProfile: leakGroups });
  if (json) {
    printJson(io, {
      schema: 'goscope.leak/v1',
      source: source.url!.href,
      intervalSeconds: intervalMs / 1000,
      samples: sampleTimes,
      stopped: taken.length < samples,
      leakProfile: analysis.leakProfile,
      stacks: analysis.stacks,
      captureDir: dir,
      suspects: analysis.suspects.map(suspectJson),
    });
  } else {
    write(io, renderLeak(source.url!.href, totals, analysis, outStyle(io), dir));
  }
  if (stop.signal.aborted) return EXIT_INTERRUPTED;
  return analysis.suspects.length ? 3 : 0;
}
