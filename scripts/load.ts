// Load driver for the demo service: steady request rates per endpoint over keep-alive
// connections, so each planted leak grows linearly while pools, tickers and churn stay flat,
// and every profile type (CPU, allocs, heap, mutex, block) has its named hot spot busy.
import http from 'node:http';

export const DEFAULT_RATES: Record<string, number> = {
  '/leak/timeout': 4,
  '/leak/range': 3,
  '/leak/waitgroup': 3,
  '/leak/lock': 3,
  '/leak/nilchan': 2,
  '/work?n=8': 20,
  '/cpu?ms=15': 4,
  '/contended?ms=15': 2,
  // One hot spot per profile type (testdata/go/demo/hotspots.go): allocation churn,
  // a growing cache (in-use heap) and requests that wait on slow backends (block).
  '/alloc?kb=1024': 8,
  '/cache?kb=256': 4,
  '/fanout?ms=20': 5,
  '/healthz': 5,
};

/** The demo's /leak/timeout answers 504 by design. */
export interface LoadStats extends ResponseCounts {
  /** Responses by request path. */
  byPath: Record<string, number>;
}

/** What every load driver here counts. */
export interface ResponseCounts {
  sent: number;
  /** Responses by HTTP status. */
  byStatus: Record<string, number>;
  /** Requests that got no response (connection errors, timeouts). */
  errors: number;
}

/**
 * One GET with the body read and dropped, counted in `stats`: sent; its status when it
 * answers; an error when it gets no response. Resolves with the status (null after an
 * error or a broken body), never rejects.
 */
export function countedGet(url: string, agent: http.Agent, timeoutMs: number, stats: ResponseCounts): Promise<string | null> {
  stats.sent++;
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => {
        const code = String(res.statusCode);
        stats.byStatus[code] = (stats.byStatus[code] ?? 0) + 1;
        resolve(code);
      });
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      stats.errors++;
      resolve(null);
    });
  });
}

export interface Load {
  stats: LoadStats;
  stop(): Promise<LoadStats>;
}

export function startLoad(base: string, rates: Record<string, number> = DEFAULT_RATES): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const stats: LoadStats = { sent: 0, byStatus: {}, errors: 0, byPath: {} };
  const inflight = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  const hit = (p: string) => {
    const done = countedGet(base + p, agent, 10000, stats).then((code) => {
      if (code !== null) stats.byPath[p] = (stats.byPath[p] ?? 0) + 1;
    });
    inflight.add(done);
    void done.then(() => inflight.delete(done));
  };
  for (const [p, rate] of Object.entries(rates)) {
    hit(p);
    timers.push(setInterval(() => hit(p), Math.round(1000 / rate)));
  }
  return {
    stats,
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all(inflight);
      agent.destroy();
      return stats;
    },
  };
}
