// Worker thread body for group-file.ts: groups one part of a dump file.
import { parentPort, workerData } from 'node:worker_threads';
import { groupPart, type PartRequest } from './group-file.js';

try {
  const result = await groupPart(workerData as PartRequest);
  parentPort!.postMessage({ ok: true, result });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: (e as Error).message });
}
