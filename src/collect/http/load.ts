// N requests over C connections: C loops take request numbers in turn, each keeping its
// connection alive between requests (or opening one per request with --no-keepalive).
// Large runs spread the connections over worker threads: on loopback most of a request's
// cost is the kernel's TCP work inside write(), and one JavaScript thread cannot do that
// for 50 connections as fast as Go's client does on every core. Workers write results
// straight into shared columns at each request's index.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Failure } from '../../formats/http/exchange.js';
import { Samples, type SampleBuffers } from '../../formats/http/samples.js';
import { TraceIdSource } from '../../formats/http/traceparent.js';
import { HttpClient, type ClientConfig } from './client.js';
import { now } from './timer.js';

export interface LoadOptions {
  requests: number;
  concurrency: number;
  /** Threads sending requests (1: this one). */
  threads: number;
  /** Send this traceparent on every request instead of fresh ones. */
  fixedTraceparent: string | null;
  /** Called about 10 times a second while requests run. */
  onProgress?(done: number, failed: number, elapsedMs: number): void;
  /** Stop taking new requests (Ctrl-C): the run ends with what completed. */
  signal?: AbortSignal;
}

export interface LoadRun {
  samples: Samples;
  /** Wall time from the first request to the last response, ms. */
  elapsedMs: number;
  /** Requests that were not sent because the run was stopped. */
  skipped: number;
  opened: number;
  reused: number;
  retries: number;
  threads: number;
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

export interface WorkerPart {
  count: number;
  failures: [number, Failure][];
  protocols: [string, number][];
  opened: number;
  reused: number;
  retries: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sends requests until the shared counter reaches `requests` or STOP is set. */
export async function sendLoop(client: HttpClient, samples: Samples, ctl: Int32Array, requests: number, loops: number, fixedTraceparent: string | null): Promise<void> {
  const ids = new TraceIdSource();
  const loop = async (): Promise<void> => {
    for (;;) {
      if (Atomics.load(ctl, STOP)) return;
      // While connections are being opened, the next request waits for the end of this
      // event-loop turn: its write (the costly part of a request on loopback) then does
      // not sit between the poll and a 'connect' event later in the same batch.
      if (client.connecting > 0) await nextTurn();
      const i = Atomics.add(ctl, NEXT, 1);
      if (i >= requests) return;
      const ex = await client.send(i, fixedTraceparent ?? ids.traceparent());
      samples.add(ex);
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
  await Promise.all(all);
  client.close();
}

export async function runLoad(cfg: ClientConfig, opts: LoadOptions): Promise<LoadRun> {
  const threads = Math.max(1, Math.min(opts.threads, opts.concurrency));
  const ctl = new Int32Array(new SharedArrayBuffer(16));
  const samples = threads > 1 ? Samples.shared(opts.requests) : Samples.create(opts.requests);
  const onAbort = () => Atomics.store(ctl, STOP, 1);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let t0 = now();
  const ticker = setInterval(() => opts.onProgress?.(Atomics.load(ctl, DONE), Atomics.load(ctl, FAILED), now() - t0), 100);
  try {
    if (threads === 1) {
      const client = new HttpClient(cfg);
      t0 = now();
      await sendLoop(client, samples, ctl, opts.requests, Math.min(opts.concurrency, opts.requests), opts.fixedTraceparent);
      const elapsedMs = now() - t0;
      return { samples, elapsedMs, skipped: opts.requests - samples.count, opened: client.opened, reused: client.reusedCount, retries: client.retries, threads };
    }
    const parts = await runWorkers(cfg, opts, threads, samples.buffers!, ctl, (t) => (t0 = t));
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
    return { samples, elapsedMs, skipped: opts.requests - samples.count, opened, reused, retries, threads };
  } finally {
    clearInterval(ticker);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** What a worker needs to rebuild the client (URL and Map do not cross threads as they are). */
export interface WorkerJob {
  cfg: Omit<ClientConfig, 'url' | 'resolve' | 'body'> & { url: string; resolve: [string, string][]; body: Uint8Array | null };
  requests: number;
  loops: number;
  fixedTraceparent: string | null;
  buffers: SampleBuffers;
  ctl: SharedArrayBuffer;
}

function runWorkers(cfg: ClientConfig, opts: LoadOptions, threads: number, buffers: SampleBuffers, ctl: Int32Array, started: (t: number) => void): Promise<WorkerPart[]> {
  const base = { ...cfg, url: cfg.url.href, resolve: [...cfg.resolve], body: cfg.body ? new Uint8Array(cfg.body) : null };
  const workers: Worker[] = [];
  const results: Promise<WorkerPart>[] = [];
  let ready = 0;
  let go: () => void = () => {};
  const allReady = new Promise<void>((resolve) => (go = resolve));
  const conc = Math.min(opts.concurrency, opts.requests);
  for (let w = 0; w < threads; w++) {
    const loops = Math.floor(conc / threads) + (w < conc % threads ? 1 : 0);
    const job: WorkerJob = { cfg: base, requests: opts.requests, loops, fixedTraceparent: opts.fixedTraceparent, buffers, ctl: ctl.buffer as SharedArrayBuffer };
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
      started(now());
      for (const w of workers) w.postMessage('go');
      return await Promise.all(results);
    } finally {
      for (const w of workers) void w.terminate();
    }
  })();
}
