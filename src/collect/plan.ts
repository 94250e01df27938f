// The capture schedule behind a full diagnosis: every profile type from one service in
// one run, without piling load on it. Besides the CPU profile and (when asked for) the
// execution trace, which both only wait on the service side, one request is in flight at
// a time.
//
//   before   allocs #1, mutex #1, block #1, goroutine #1 and a first debug=2 dump (+ the
//            mutex "enabled?" header)
//   window   the CPU profile runs for `seconds`; goroutine snapshots 2..N are taken one at
//            a time at evenly spaced moments (i * seconds / N), so together with #1 and
//            the final dump they cover the window at a fixed interval; the execution
//            trace (`traceSeconds`, optional) covers the last traceSeconds of the window
//   after    allocs #2, mutex #2, block #2, heap (gc=1), goroutine debug=2 dump,
//            threadcreate, goroutineleak (where served)
//
// The two debug=2 dumps bracket the goroutine series: the leak verdict follows goroutines
// by id from the first to the last (a leak's stay blocked where they are; those of
// in-flight requests move on), so one costs a stop-the-world formatting of every stack
// at each end, none in between.
//
// Deltas of the cumulative profiles (allocs, mutex, block) are the caller's job: both
// snapshots are returned with their timestamps (net/http/pprof's own `seconds=` deltas
// are avoided: their heap deltas corrupt the inuse values).
//
// heap is fetched with gc=1: the runtime publishes heap profile data only when a GC
// cycle ends, so without it the in-use numbers can be minutes old on a quiet service
// (it GCs rarely); one forced GC is cheap next to that. It comes after the CPU window
// (the forced GC does not show in the CPU profile) and after allocs #2: the allocs
// snapshots are both "as of the last GC" and so cover a window of the same length; a GC
// forced between them would stretch the delta.
//
// The trace sits at the end of the window, concurrent with the end of the CPU profile,
// rather than after it: the run takes no longer (the window plus the after-captures, as
// without a trace), and the trace covers the same stretch as everything else, inside the
// allocs/mutex/block deltas and next to the last goroutine snapshots, so its verdicts
// describe the period the other findings describe. The cost is that tracing perturbs the
// CPU profile a little for those seconds (the tracer's own work, a few percent, shows
// under runtime.trace… frames; its buffers, a MB or two, in the allocations); a trace
// before the window would perturb the first snapshots instead, and one after it would
// lengthen the run and stretch the deltas or come after the forced GC of the heap capture.
// net/http/pprof serves one trace at a time: a trace already running is a failed trace
// capture (its status says so), nothing more. A failing trace never stops the run, not
// even as the first reply (a 404 there says nothing about the profiles).
//
// A failing profile never loses the others: its status says why and the run goes on.
// Only when the very first request fails in a way that dooms every other one (nothing
// listens, no pprof at that address, DNS, TLS) is that error thrown.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, UserError } from '../errors.js';
import { compareInt64 } from '../formats/pprof/index.js';
import { FetchError, NotFoundError } from './fetch.js';
import { captureTrace, type CapturedTrace } from './trace.js';
import { writeManifest } from './manifest.js';
import type { CaptureKind, CaptureSet } from './capture-set.js';
import {
  NotAProfileError,
  PROFILE_TYPES,
  captureGoroutineText,
  captureLeakProfile,
  captureProfile,
  contentions,
  disabledMessage,
  profileEnabled,
  type CapturedLeakProfile,
  type CapturedProfile,
  type ProfileType,
} from './profiles.js';

export interface CaptureProgress {
  phase: 'before' | 'cpu' | 'after' | 'checking' | 'done';
  /** What is being fetched, e.g. "allocs #1". */
  step?: string;
  /** 'cpu': seconds left in the CPU window. */
  remaining?: number;
  done?: number;
  of?: number;
}

export interface CaptureAllOptions {
  dir: string;
  /** CPU profile length and so the capture window (integer seconds >= 1). */
  seconds: number;
  /** goroutine debug=0 snapshots in all (>= 2): one before the window, the rest spread over it. */
  goroutineSamples: number;
  /**
   * Execution trace length in seconds (0 or absent: none; at most `seconds`): taken over
   * the last traceSeconds of the window (see the top of this file), saved as trace.out.
   */
  traceSeconds?: number;
  /** Per-request timeout in ms (default 30 s; the CPU and trace requests get their length on top). */
  timeoutMs?: number;
  onProgress?: (e: CaptureProgress) => void;
  signal?: AbortSignal;
}

/** Captures every profile type; see the schedule at the top of this file. */
export async function captureAll(base: URL, opts: CaptureAllOptions): Promise<CaptureSet> {
  if (!Number.isSafeInteger(opts.seconds) || opts.seconds < 1) throw new UsageError(`--seconds: a whole number of seconds >= 1 is needed, got ${opts.seconds}`);
  if (!Number.isSafeInteger(opts.goroutineSamples) || opts.goroutineSamples < 2) {
    throw new UsageError(`goroutine samples: at least 2 are needed (a trend needs two points), got ${opts.goroutineSamples}`);
  }
  const { dir, seconds, timeoutMs, signal } = opts;
  const traceSeconds = opts.traceSeconds ?? 0;
  if (!Number.isFinite(traceSeconds) || traceSeconds < 0 || traceSeconds > seconds) {
    throw new UsageError(`--trace-seconds: between 0 and the ${seconds}s window, got ${traceSeconds}`);
  }
  const K = opts.goroutineSamples;
  const emit = (e: CaptureProgress): void => opts.onProgress?.(e);
  const startedAt = new Date();
  const status = {} as CaptureSet['status'];
  const failures = new Map<CaptureKind, string[]>();
  const files: string[] = [];
  let succeeded = 0;

  const fail = (kind: CaptureKind, message: string): void => {
    const list = failures.get(kind) ?? [];
    list.push(message);
    failures.set(kind, list);
  };
  /** Runs one request; a user-level failure is recorded against `kind` instead of thrown. */
  const attempt = async <T>(kind: CaptureKind, label: string, fn: () => Promise<T>): Promise<T | undefined> => {
    if (signal?.aborted) return undefined;
    try {
      const r = await fn();
      succeeded++;
      return r;
    } catch (e) {
      if (e instanceof NotAProfileError) files.push(e.savedTo);
      if (signal?.aborted) return undefined;
      if (!(e instanceof UserError)) throw e;
      if (succeeded === 0 && dooms(e)) throw e;
      fail(kind, `${label}: ${e.message}`);
      return undefined;
    }
  };
  // Names say which snapshot is which: allocs.1 before the window, allocs.2 after it.
  const profile = (type: ProfileType, label: string, name: string, params?: Record<string, string>) =>
    attempt(type, label, async () => {
      const p = await captureProfile(base, type, { dir, name, seconds, timeoutMs, signal, params });
      files.push(p.path);
      return p;
    });

  const dump = (label: string, name: string) =>
    attempt('goroutine-dump', label, async () => {
      const t = await captureGoroutineText(base, { dir, name, timeoutMs, signal });
      files.push(t.path);
      return t;
    });

  // ---- before the window
  const beforeSteps = 6;
  let n = 0;
  const before = (step: string) => emit({ phase: 'before', step, done: n++, of: beforeSteps });
  before('allocs #1');
  const allocs1 = await profile('allocs', 'allocs #1', 'allocs.1.pb.gz');
  before('mutex sampling rate');
  // Only a remark when it fails: the snapshots decide the mutex status.
  let mutexOn: boolean | null | undefined;
  let mutexNote: string | undefined;
  if (!signal?.aborted) {
    try {
      mutexOn = await profileEnabled(base, 'mutex', { timeoutMs, signal });
    } catch (e) {
      if (!(e instanceof UserError) || (succeeded === 0 && dooms(e))) throw e;
      mutexOn = null;
      mutexNote = `could not read the mutex sampling rate: ${e.message}`;
    }
  }
  before('mutex #1');
  const mutex1 = await profile('mutex', 'mutex #1', 'mutex.1.pb.gz');
  before('block #1');
  const block1 = await profile('block', 'block #1', 'block.1.pb.gz');
  before('goroutine #1');
  const goroutines: CapturedProfile[] = [];
  const g1 = await profile('goroutine', 'goroutine #1', 'goroutine.01.pb.gz');
  if (g1) goroutines.push(g1);
  before('goroutine dump #1');
  const goroutineFirstDump = await dump('goroutine debug=2 dump (first)', 'goroutines.first.txt');

  // ---- the window: CPU profile + goroutine snapshots spread over it (+ the trace at its end)
  let cpu: CapturedProfile | undefined;
  let trace: CapturedTrace | undefined;
  let traceFailure: string | undefined;
  if (!signal?.aborted) {
    const windowStart = Date.now();
    const windowEnd = windowStart + seconds * 1000;
    const tick = () => emit({ phase: 'cpu', step: 'cpu', remaining: Math.max(0, Math.ceil((windowEnd - Date.now()) / 1000)), done: goroutines.length, of: K });
    tick();
    const ticker = setInterval(tick, 1000);
    const cpuRun = profile('cpu', `cpu (${seconds}s)`, 'cpu.pb.gz');
    cpuRun.catch(() => {}); // awaited below; this only keeps an early bug from being "unhandled"
    let traceRun: Promise<void> | undefined;
    if (traceSeconds > 0) {
      traceRun = (async () => {
        await sleepUntil(windowEnd - traceSeconds * 1000, signal);
        if (signal?.aborted) return;
        try {
          trace = await captureTrace(base, { dir, seconds: traceSeconds, timeoutMs, signal });
          files.push(trace.path);
        } catch (e) {
          if (signal?.aborted) return;
          if (!(e instanceof UserError)) throw e;
          traceFailure = `trace (${traceSeconds}s): ${traceMessage(e)}`;
          // A reply that is not a trace is saved all the same, for the user to look at.
          const saved = path.join(dir, 'trace.out');
          if (existsSync(saved)) files.push(saved);
        }
      })();
      traceRun.catch(() => {});
    }
    try {
      for (let i = 1; i < K && !signal?.aborted; i++) {
        await sleepUntil(windowStart + (i * seconds * 1000) / K, signal);
        const g = await profile('goroutine', `goroutine #${i + 1}`, `goroutine.${String(i + 1).padStart(2, '0')}.pb.gz`);
        if (g) goroutines.push(g);
        tick();
      }
      // The window lasts `seconds` even when the CPU request failed at once, so the
      // snapshots after it still bracket the same stretch of time.
      await sleepUntil(windowEnd, signal);
      cpu = await cpuRun;
      await traceRun;
    } finally {
      clearInterval(ticker);
    }
  }

  // ---- after the window
  const afterSteps = 7;
  n = 0;
  const after = (step: string) => emit({ phase: 'after', step, done: n++, of: afterSteps });
  after('allocs #2');
  const allocs2 = await profile('allocs', 'allocs #2', 'allocs.2.pb.gz');
  after('mutex #2');
  const mutex2 = await profile('mutex', 'mutex #2', 'mutex.2.pb.gz');
  after('block #2');
  const block2 = await profile('block', 'block #2', 'block.2.pb.gz');
  after('heap');
  const heap = await profile('heap', 'heap (gc=1)', 'heap.pb.gz', { gc: '1' });
  after('goroutine dump');
  const goroutineDump = await dump('goroutine debug=2 dump', 'goroutines.txt');
  after('threadcreate');
  const threadcreate = await profile('threadcreate', 'threadcreate', 'threadcreate.pb.gz');
  after('goroutineleak');
  // Confirmation for leak suspects where the runtime offers it; a 404 is no failure.
  let leakProfile: CapturedLeakProfile | undefined;
  let leakFailure: string | undefined;
  if (!signal?.aborted) {
    try {
      leakProfile = (await captureLeakProfile(base, { dir, timeoutMs, signal })) ?? undefined;
      if (leakProfile) files.push(leakProfile.path);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      if (!signal?.aborted) leakFailure = e.message;
    }
  }

  // ---- statuses
  const aborted = signal?.aborted ?? false;
  const interrupted = (kind: CaptureKind, taken: boolean): void => {
    if (aborted && !taken && !failures.has(kind)) fail(kind, 'not captured: interrupted');
  };
  interrupted('cpu', !!cpu);
  interrupted('heap', !!heap);
  interrupted('threadcreate', !!threadcreate);
  interrupted('goroutine-dump', !!goroutineDump);
  interrupted('allocs', !!(allocs1 && allocs2));
  interrupted('mutex', !!(mutex1 && mutex2));
  interrupted('block', !!(block1 && block2));
  interrupted('goroutine', goroutines.length === K);

  for (const kind of [...PROFILE_TYPES, 'goroutine-dump'] as CaptureKind[]) {
    const f = failures.get(kind);
    status[kind] = f ? { state: 'failed', message: f.join('; ') } : { state: 'ok' };
  }
  if (traceSeconds > 0) {
    if (traceFailure) status.trace = { state: 'failed', message: traceFailure };
    else if (!trace) status.trace = { state: 'failed', message: 'not captured: interrupted' };
    else status.trace = { state: 'ok' };
  }
  if (status.goroutine.state === 'failed') status.goroutine.message += ` (${goroutines.length} of ${K} snapshots taken)`;
  if (leakFailure) status.goroutineleak = { state: 'failed', message: leakFailure };
  else if (leakProfile) status.goroutineleak = { state: 'ok' };

  const hint = { service: base.href, traced: !!trace };
  if (mutexOn === false) status.mutex = { state: 'disabled', message: disabledMessage('mutex', hint) };
  else if (mutexOn === null && status.mutex.state === 'ok') {
    status.mutex.message = mutexNote ?? 'the service does not say whether mutex profiling is on (no "sampling period" in its debug=1 output)';
  }

  if (status.block.state === 'ok' && block1 && block2) {
    emit({ phase: 'checking', step: 'block profile rate' });
    const blockOn = await blockRecording(base, block1, block2, !!cpu, { timeoutMs, signal });
    if (blockOn === false) status.block = { state: 'disabled', message: disabledMessage('block', hint) };
    else if (blockOn === null) status.block.message = 'could not tell whether block profiling is on';
    else if (typeof blockOn === 'string') status.block = { state: 'failed', message: blockOn };
  }

  const finishedAt = new Date();
  const set: CaptureSet = {
    service: base.href,
    dir,
    seconds,
    startedAt,
    finishedAt,
    cpu,
    heap,
    threadcreate,
    allocs: { older: allocs1, newer: allocs2 },
    mutex: { older: mutex1, newer: mutex2 },
    block: { older: block1, newer: block2 },
    goroutines,
    goroutineDump,
    goroutineFirstDump,
    leakProfile,
    trace,
    traceSeconds,
    status,
    files,
    aborted,
  };
  try {
    set.manifest = await writeManifest(set);
    files.push(set.manifest);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    // The profiles are saved; a missing manifest only costs the offline summary.
  }
  emit({ phase: 'done' });
  return set;
}

/**
 * Whether the block profile is recording. More contentions in the later snapshot prove
 * it on. No more, across a window in which net/http/pprof's CPU handler blocked for
 * `seconds` in its own select (an event that is always recorded when the profile is
 * on; see profiles.ts), proves it off. Without that CPU request, ask with the 1s probe.
 * Returns a message string when the snapshots are not profiles.
 */
async function blockRecording(
  base: URL,
  older: CapturedProfile,
  newer: CapturedProfile,
  cpuRan: boolean,
  opts: { timeoutMs?: number; signal?: AbortSignal },
): Promise<boolean | null | string> {
  try {
    if (compareInt64(contentions(newer.bytes, newer.path), contentions(older.bytes, older.path)) > 0) return true;
    if (cpuRan) return false;
    return await profileEnabled(base, 'block', opts);
  } catch (e) {
    if (!(e instanceof UserError) || opts.signal?.aborted) {
      if (opts.signal?.aborted) return null;
      throw e;
    }
    return e.message;
  }
}

/** A failed trace in diagnose's words: the profiles were served, so a 404 is about the trace only. */
function traceMessage(e: UserError): string {
  if (e instanceof NotFoundError) {
    return `${e.url}: 404: the service does not serve execution traces at /debug/pprof/trace (net/http/pprof's pprof.Trace handler); the rest of the diagnosis does not need it (--no-trace skips it)`;
  }
  return e.message.replace('use a smaller --seconds', 'use a smaller --trace-seconds');
}

/** Failures that every later request would repeat: stop at once with the one clear error. */
function dooms(e: UserError): boolean {
  if (e instanceof NotFoundError) return e.reason === 'no-pprof' || e.reason === 'not-found';
  return e instanceof FetchError && (e.code === 'REFUSED' || e.code === 'DNS' || e.code === 'UNREACHABLE' || e.code === 'TLS' || e.code === 'BAD_RESPONSE');
}

async function sleepUntil(when: number, signal?: AbortSignal): Promise<void> {
  const ms = when - Date.now();
  if (ms <= 0 || signal?.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks the signal
  }
}
