// Worker thread body for load.ts: one share of the connections, results into shared columns.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Samples } from '../../formats/http/samples.js';
import { HttpClient } from './client.js';
import { sendLoop, type WorkerGo, type WorkerJob, type WorkerPart } from './load.js';

const job = workerData as WorkerJob;
try {
  const client = new HttpClient({
    ...job.cfg,
    url: new URL(job.cfg.url),
    resolve: new Map(job.cfg.resolve),
    body: job.cfg.body ? Buffer.from(job.cfg.body) : null,
  });
  const samples = Samples.attach(job.requests, job.buffers);
  const ctl = new Int32Array(job.ctl);
  const go = await new Promise<WorkerGo>((resolve) => {
    parentPort!.once('message', (m: WorkerGo) => resolve(m));
    parentPort!.postMessage({ ready: true });
  });
  const t0 = go.t0Epoch - performance.timeOrigin;
  const cpu = await sendLoop(client, samples, ctl, { requests: job.requests, t0, durationMs: job.durationMs, rate: job.rate }, job.loops, job.fixedTraceparent);
  const part: WorkerPart = {
    count: samples.count,
    failures: [...samples.failures],
    protocols: [...samples.protocols],
    opened: client.opened,
    reused: client.reusedCount,
    retries: client.retries,
    cpu,
  };
  parentPort!.postMessage({ part });
} catch (e) {
  parentPort!.postMessage({ error: (e as Error)?.stack ?? String(e) });
}
