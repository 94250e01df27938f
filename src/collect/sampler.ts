// Taking N snapshots of one endpoint at a fixed interval. Ticks are scheduled from the
// start time, so slow responses do not stretch the series. Each snapshot is saved before
// the caller sees it.
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchBytes } from './fetch.js';
import { saveCapture } from './capture.js';

export interface Snapshot {
  index: number;
  /** Milliseconds since the first request started. */
  t: number;
  at: Date;
  bytes: Buffer;
  savedTo: string;
}

export interface SampleOptions {
  url: URL;
  samples: number;
  intervalMs: number;
  dir: string;
  /** File name for snapshot i. */
  name: (i: number) => string;
  timeoutMs?: number;
  /** Stop early (Ctrl-C): the snapshots taken so far are kept. */
  signal?: AbortSignal;
  onWait?: (nextIndex: number, msLeft: number) => void;
}

export async function* sample(opts: SampleOptions): AsyncGenerator<Snapshot> {
  const start = Date.now();
  for (let i = 0; i < opts.samples; i++) {
    const due = start + i * opts.intervalMs;
    while (Date.now() < due) {
      if (opts.signal?.aborted) return;
      const left = due - Date.now();
      opts.onWait?.(i, left);
      try {
        await sleep(Math.min(left, 250), undefined, { signal: opts.signal });
      } catch {
        return; // aborted
      }
    }
    if (opts.signal?.aborted) return;
    const at = new Date();
    const t = Date.now() - start;
    const bytes = await fetchBytes(opts.url, { timeoutMs: opts.timeoutMs });
    const savedTo = await saveCapture(opts.dir, opts.name(i), bytes);
    yield { index: i, t, at, bytes, savedTo };
  }
}
