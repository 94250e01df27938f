// Many requests over C connections: C loops take request numbers in turn, each keeping its
// connection alive between requests (or opening one per request with --no-keepalive).
// Closed loop by default (a loop sends its next request when the last one is answered),
// for N requests (-n) or for a time (-z); open loop with a rate (-q): request k is due
// k/rate seconds after the start whatever happened to the others, and its latency counts
// from then, so a server that stalls shows as the stall it is (wrk2 and vegeta do the
// same; a closed loop would just send less and hide it: "coordinated omission").
// Large runs spread the connections over worker threads: on loopback most of a request's
// cost is the kernel's TCP work inside write(), and one JavaScript thread cannot do that
// for 50 connections as fast as Go's client does on every core. Workers write results
// straight into shared columns at each request's index.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Failure } from '../../formats/http/exchange.js';
import { Samples, type SampleBuffers } from '../../formats/http/samples.js';
import { TraceIdSource } from '../../formats/http/traceparent.js';
import { machineStealMs, split, type ClientTime } from '../../lib/thread-time.js';
import { HttpClient, type ClientConfig } from './client.js';
import { now } from './timer.js';

/** The most requests one run records (about 90 bytes of columns each). */
export const MAX_REQUESTS = 2_000_000;

export interface LoadOptions {
  /** At most this many requests (-n; with -z alone, MAX_REQUESTS). */
  requests: number;
  concurrency: number;
  /** Threads sending requests (1: this one). */
  threads: number;
  /** Send this traceparent on every request instead of fresh ones. */
  fixedTraceparent: string | null;
  /** -z: take no new request after this long (ms); null: run until `requests` are done. */
  durationMs: number | null;
  /** -q: open loop at this many requests per second in total; null: closed loop. */
  rate: number | null;
  /** Called about 10 times a second while requests run. */
  onProgress?(done: number, failed: number, elapsedMs: number): void;
  /** Stop taking new requests (Ctrl-C): the run ends with what completed. */
  signal?: AbortSignal;
}

export interface LoadRun {
  samples: Samples;
  /** Wall time from the first request to the last response, ms. */
  elapsedMs: number;
  /** Requests that were planned (-n, or -q's schedule) but not sent because the run was stopped. */
  skipped: number;
  /** The run stopped taking requests because -z's time was up. */
  timeUp: boolean;
  /** A -z run without -n stopped at MAX_REQUESTS. */
  capped: boolean;
  opened: number;
  reused: number;
  retries: number;
  threads: number;
  /** Where the client's threads' time went (null where the kernel does not say). */
  cpu: ClientTime | null;
}

function mergeTimes(parts: (ClientTime | null)[]): ClientTime | null {
  if (parts.length === 0 || parts.some((p) => p === null)) return null;
  const all = parts as ClientTime[];
  const sum = (k: 'onCpuMs' | 'waitedMs' | 'slices' | 'stoppedMs' | 'connectsHeldUp'): number => all.reduce((a, p) => a + p[k], 0);
  let slowest: ClientTime['slowestConnect'] = null;
  for (const p of all) if (p.slowestConnect && (!slowest || p.slowestConnect.ms > slowest.ms)) slowest = p.slowestConnect;
  return {
    onCpuMs: sum('onCpuMs'),
    waitedMs: sum('waitedMs'),
    slices: sum('slices'),
    stoppedMs: sum('stoppedMs'),
    machineStealMs: null,
    connectHeldUpMaxMs: Math.max(...all.map((p) => p.connectHeldUpMaxMs)),
    connectsHeldUp: sum('connectsHeldUp'),
    slowestConnect: slowest,
  };
}

/**
 * Threads for a run: workers pay off for long runs over several connections, but a
 * service on this machine needs cores too (on a 2-core machine a second client thread
 * made loopback runs slower), so loopback targets get half the cores. GOSCOPE_THREADS
 * overrides.
 */
export function defaultThreads(requests: number, concurrency: number, loopback: boolean): number {
  const env = Number(process.env.GOSCOPE_THREADS);
  const cores = availableParallelism();
  const auto = requests < 2000 ? 1 : Math.min(4, loopback ? Math.floor(cores / 2) : cores);
  const cap = Number.isInteger(env) && env >= 1 ? env : auto;
  return Math.max(1, Math.min(cap, concurrency));
}

// Control words shared with the workers.
const NEXT = 0;
const DONE = 1;
const FAILED = 2;
const STOP = 3;
/** Set by the first loop that found -z's time up. */
const TIME_UP = 4;

export interface WorkerPart {
  count: number;
  failures: [number, Failure][];
  protocols: [string, number][];
  opened: number;
  reused: number;
  retries: number;
  cpu: ClientTime | null;
}

/** How a run paces its requests, on this thread's clock. */
export interface Pace {
  requests: number;
  /** When request 0 is due (performance.now() of this thread). */
  t0: number;
  durationMs: number | null;
  rate: number | null;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `at` (this thread's clock); false if the run was stopped first. Timers
 * fire up to a millisecond late, and in an open loop lateness counts as latency, so the
 * last two milliseconds pass turn by turn through the event loop.
 */
async function until(at: number, ctl: Int32Array): Promise<boolean> {
  for (;;) {
    if (Atomics.load(ctl, STOP)) return false;
    const left = at - now();
    if (left <= 0) return true;
    if (left > 2) await sleep(Math.min(left - 1.5, 100));
    else await nextTurn();
  }
}

/**
 * Sends requests until the shared counter reaches `requests`, the time is up or STOP is set;
 * then closes the client and says how long this thread waited for a CPU meanwhile.
 */
export async function sendLoop(
  client: HttpClient,
  samples: Samples,
  ctl: Int32Array,
  pace: Pace,
  loops: number,
  fixedTraceparent: string | null,
): Promise<ClientTime | null> {
  const atStart = client.clock?.read();
  const ids = new TraceIdSource();
  const { requests, t0, rate } = pace;
  const endAt = pace.durationMs === null ? Infinity : t0 + pace.durationMs;
  let ramped: () => void = () => {};
  const ramp = new Promise<void>((resolve) => (ramped = resolve));
  let rampDone = false;
  const loop = async (): Promise<void> => {
    for (let sent = 0; ; sent++) {
      // A loop's first request goes out with its new connection; its next ones wait until
      // every loop has started (the ramp below), so that the connections opened last are
      // not timed in an event loop busy with the traffic of those opened first.
      if (sent === 1 && !rampDone && rate === null) await ramp;
      if (Atomics.load(ctl, STOP)) return;
      // Closed loop: -z ends the run; an open loop's schedule already ends there.
      if (endAt !== Infinity && rate === null && now() >= endAt) {
        Atomics.store(ctl, TIME_UP, 1);
        return;
      }
      // While connections are being opened, the next request waits for the end of this
      // event-loop turn: its write (the costly part of a request on loopback) then does
      // not sit between the poll and a 'connect' event later in the same batch.
      if (client.connecting > 0) await nextTurn();
      const i = Atomics.add(ctl, NEXT, 1);
      if (i >= requests) return;
      let due: number | undefined;
      let wait = NaN;
      if (rate !== null) {
        due = t0 + (i * 1000) / rate;
        if (!(await until(due, ctl))) {
          samples.skip(i);
          return;
        }
        wait = now() - due;
      }
      const ex = await client.send(i, fixedTraceparent ?? ids.traceparent(), due);
      samples.add(ex, wait);
      Atomics.add(ctl, DONE, 1);
      if (ex.failure) Atomics.add(ctl, FAILED, 1);
    }
  };
  // One connection opened per event-loop turn. Started all at once, the C connect()
  // calls would all be issued before the loop first polls, so each connection's time
  // would include the connect() calls of the others (3-5 ms at -c 50 on loopback where
  // the connect itself takes 0.05 ms, and Go's client reads 0.5 ms). A ramp over the
  // first few milliseconds of the run.
  const all: Promise<void>[] = [];
  for (let k = 0; k < loops; k++) {
    if (k > 0) await nextTurn();
    all.push(loop());
  }
  rampDone = true;
  ramped();
  await Promise.all(all);
  const atEnd = client.clock?.read();
  client.close();
  if (!atStart || !atEnd || Number.isNaN(atEnd.waitMs - atStart.waitMs)) return null;
  const s = split(atStart, atEnd);
  return {
    onCpuMs: s.onCpuMs,
    waitedMs: s.waitMs,
    slices: atEnd.slices - atStart.slices,
    stoppedMs: s.stoppedMs,
    machineStealMs: null,
    connectHeldUpMaxMs: client.connectHeldUpMaxMs,
    connectsHeldUp: client.connectsHeldUp,
    slowestConnect: client.slowestConnect,
  };
}

export async function runLoad(cfg: ClientConfig, opts: LoadOptions): Promise<LoadRun> {
  const threads = Math.max(1, Math.min(opts.threads, opts.concurrency));
  const ctl = new Int32Array(new SharedArrayBuffer(4 * 8));
  // A -z run's length is not known: its columns start small and grow.
  const openEnded = opts.durationMs !== null && opts.rate === null;
  const initial = openEnded ? Math.min(opts.requests, 65_536) : opts.requests;
  const samples = threads > 1 ? Samples.shared(opts.requests, initial) : Samples.create(opts.requests, initial);
  const onAbort = () => Atomics.store(ctl, STOP, 1);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let t0 = now();
  const stealAtStart = machineStealMs();
  const ticker = setInterval(() => opts.onProgress?.(Atomics.load(ctl, DONE), Atomics.load(ctl, FAILED), now() - t0), 100);
  const finish = (elapsedMs: number, parts: { opened: number; reused: number; retries: number; cpu: ClientTime | null }): LoadRun => {
    const claimed = Math.min(Atomics.load(ctl, NEXT), opts.requests);
    samples.size = Math.max(samples.size, claimed);
    const timeUp = Atomics.load(ctl, TIME_UP) === 1;
    const steal = machineStealMs();
    if (parts.cpu && steal !== null && stealAtStart !== null) parts.cpu.machineStealMs = steal - stealAtStart;
    return {
      samples,
      elapsedMs,
      skipped: openEnded ? 0 : opts.requests - samples.count,
      timeUp,
      capped: openEnded && !timeUp && samples.count >= opts.requests,
      ...parts,
      threads,
    };
  };
  try {
    if (threads === 1) {
      const client = new HttpClient(cfg);
      t0 = now();
      const pace: Pace = { requests: opts.requests, t0, durationMs: opts.durationMs, rate: opts.rate };
      const cpu = await sendLoop(client, samples, ctl, pace, Math.min(opts.concurrency, opts.requests), opts.fixedTraceparent);
      return finish(now() - t0, { opened: client.opened, reused: client.reusedCount, retries: client.retries, cpu });
    }
    const parts = await runWorkers(cfg, opts, threads, samples.sharedBuffers, ctl, (t) => (t0 = t));
    const elapsedMs = now() - t0;
    let opened = 0;
    let reused = 0;
    let retries = 0;
    for (const p of parts) {
      samples.absorb(p);
      opened += p.opened;
      reused += p.reused;
      retries += p.retries;
    }
    return finish(elapsedMs, { opened, reused, retries, cpu: mergeTimes(parts.map((p) => p.cpu)) });
  } finally {
    clearInterval(ticker);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** What a worker needs to rebuild the client (URL and Map do not cross threads as they are). */
export interface WorkerJob {
  cfg: Omit<ClientConfig, 'url' | 'resolve' | 'body'> & { url: string; resolve: [string, string][]; body: Uint8Array | null };
  requests: number;
  durationMs: number | null;
  rate: number | null;
  loops: number;
  fixedTraceparent: string | null;
  buffers: SampleBuffers;
  ctl: SharedArrayBuffer;
}

/** The 'go' message: when request 0 is due, as an absolute time (each thread has its own clock origin). */
export interface WorkerGo {
  t0Epoch: number;
}

function runWorkers(
  cfg: ClientConfig,
  opts: LoadOptions,
  threads: number,
  buffers: SampleBuffers,
  ctl: Int32Array,
  started: (t: number) => void,
): Promise<WorkerPart[]> {
  const base = { ...cfg, url: cfg.url.href, resolve: [...cfg.resolve], body: cfg.body ? new Uint8Array(cfg.body) : null };
  const workers: Worker[] = [];
  const results: Promise<WorkerPart>[] = [];
  let ready = 0;
  let go: () => void = () => {};
  const allReady = new Promise<void>((resolve) => (go = resolve));
  const conc = Math.min(opts.concurrency, opts.requests);
  for (let w = 0; w < threads; w++) {
    const loops = Math.floor(conc / threads) + (w < conc % threads ? 1 : 0);
    const job: WorkerJob = {
      cfg: base,
      requests: opts.requests,
      durationMs: opts.durationMs,
      rate: opts.rate,
      loops,
      fixedTraceparent: opts.fixedTraceparent,
      buffers,
      ctl: ctl.buffer as SharedArrayBuffer,
    };
    const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: job });
    workers.push(worker);
    results.push(
      new Promise<WorkerPart>((resolve, reject) => {
        worker.on('message', (m: { ready?: true; part?: WorkerPart; error?: string }) => {
          if (m.ready) {
            if (++ready === threads) go();
          } else if (m.part) resolve(m.part);
          else if (m.error) reject(new Error(`load worker: ${m.error}`));
        });
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`load worker exited (${code}) before reporting`)));
      }),
    );
  }
  return (async () => {
    try {
      await Promise.race([allReady, Promise.all(results)]);
      const t0 = now();
      started(t0);
      const msg: WorkerGo = { t0Epoch: performance.timeOrigin + t0 };
      for (const w of workers) w.postMessage(msg);
      return await Promise.all(results);
    } finally {
      for (const w of workers) void w.terminate();
    }
  })();
}
