// Closed-loop load with a set number of clients, each sending its next request as soon
// as the last one answered, over kept-alive connections (as hey or a browser does): the
// traffic a leak verdict must not mistake for a leak. The concurrency can step up (a
// ramp: 4, 8, … 36), stay (steady load) or drop to zero (a load that stops).
import http from 'node:http';
import { countedGet, type ResponseCounts } from './load.js';

export interface RampStats extends ResponseCounts {
  /** The highest concurrency reached. */
  peak: number;
}

export interface Ramp {
  stats: RampStats;
  /** Clients now running. */
  readonly concurrency: number;
  /** Sets the number of clients: new ones start at once, extra ones stop after their request. */
  set(n: number): void;
  /** Steps the concurrency by `step` every `everyMs` up to `max` (a ramp); returns when there. */
  stepUp(step: number, max: number, everyMs: number, signal?: AbortSignal): Promise<void>;
  stop(): Promise<RampStats>;
}

export function startRamp(base: string, path: string, opts: { concurrency?: number; maxSockets?: number; timeoutMs?: number } = {}): Ramp {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 256 });
  const stats: RampStats = { sent: 0, byStatus: {}, errors: 0, peak: 0 };
  let target = 0;
  let running = 0;
  let stopped = false;
  const clients = new Set<Promise<void>>();
  const once = () => countedGet(base + path, agent, opts.timeoutMs ?? 10_000, stats);
  const client = async (index: number) => {
    while (!stopped && index < target) await once();
  };
  const set = (n: number) => {
    target = Math.max(0, n);
    stats.peak = Math.max(stats.peak, target);
    while (running < target) {
      const c = client(running++).finally(() => {
        running--;
        clients.delete(c);
      });
      clients.add(c);
    }
  };
  set(opts.concurrency ?? 0);
  return {
    stats,
    get concurrency() {
      return target;
    },
    set,
    async stepUp(step, max, everyMs, signal) {
      while (target < max && !stopped && !signal?.aborted) {
        await new Promise((r) => setTimeout(r, everyMs));
        if (!stopped && !signal?.aborted) set(Math.min(max, target + step));
      }
    },
    async stop() {
      stopped = true;
      target = 0;
      await Promise.all(clients);
      agent.destroy();
      return stats;
    },
  };
}
