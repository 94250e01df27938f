// N requests over C connections: C workers take request numbers in turn, each keeping its
// connection alive between requests (or opening one per request with --no-keepalive).
import { Samples } from '../../formats/http/samples.js';
import type { HttpClient } from './client.js';
import { now } from './timer.js';

export interface LoadOptions {
  requests: number;
  concurrency: number;
  /** A traceparent for request i. */
  traceparent(i: number): string;
  /** Called after each request completes (cheap; the caller throttles drawing). */
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
}

export async function runLoad(client: HttpClient, opts: LoadOptions): Promise<LoadRun> {
  const samples = new Samples(opts.requests);
  let next = 0;
  let failed = 0;
  const t0 = now();
  const worker = async (): Promise<void> => {
    while (next < opts.requests && !opts.signal?.aborted) {
      const i = next++;
      const ex = await client.send(i, opts.traceparent(i));
      samples.add(ex);
      if (ex.failure) failed++;
      opts.onProgress?.(samples.count, failed, now() - t0);
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Math.min(opts.concurrency, opts.requests); w++) workers.push(worker());
  await Promise.all(workers);
  const elapsedMs = now() - t0;
  client.close();
  return { samples, elapsedMs, skipped: opts.requests - samples.count, opened: client.opened, reused: client.reusedCount, retries: client.retries };
}
