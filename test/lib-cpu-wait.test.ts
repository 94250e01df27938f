// src/lib/cpu-wait.ts: the calling thread's wait for a CPU, from Linux schedstat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CpuWait, parseRunDelayMs, parseSlices } from '../src/lib/cpu-wait.js';

const linux = process.platform === 'linux';

test('run_delay is the second schedstat field, in ms; anything else is NaN', () => {
  const b = (s: string) => Buffer.from(s, 'latin1');
  assert.equal(parseRunDelayMs(b('92992327 17218392 30\n')), 17.218392);
  assert.equal(parseRunDelayMs(b('0 0 1\n')), 0);
  assert.equal(parseSlices(b('92992327 17218392 30\n')), 30);
  assert.ok(Number.isNaN(parseSlices(b('1 2'))));
  assert.ok(Number.isNaN(parseRunDelayMs(b(''))));
  assert.ok(Number.isNaN(parseRunDelayMs(b('123'))));
  assert.ok(Number.isNaN(parseRunDelayMs(b('123 x 4'))));
  assert.ok(Number.isNaN(parseRunDelayMs(b('123 45x 4'))));
});

test("reads this thread's counter, and it only grows", { skip: !linux && 'schedstat is Linux only' }, () => {
  const w = CpuWait.forThisThread();
  assert.ok(w, '/proc/thread-self/schedstat is readable');
  const a = w.ms();
  const file = parseRunDelayMs(readFileSync('/proc/thread-self/schedstat'));
  const b = w.ms();
  assert.ok(a <= file && file <= b, `${a} <= ${file} <= ${b}`);
  const s = w.sample();
  assert.ok(s.waitedMs >= b && Number.isInteger(s.slices) && s.slices > 0, JSON.stringify(s));
  w.close();
  assert.ok(Number.isNaN(w.ms()), 'closed');
});

// More busy threads than cores: each waits for a CPU a good part of the time, and the
// counter of the thread that measures says so.
test('a thread kept from the CPU by busy threads sees its wait', { skip: !linux && 'schedstat is Linux only' }, async () => {
  const cores = availableParallelism();
  const n = 2 * cores;
  const stop = new SharedArrayBuffer(4);
  const spinners = Array.from(
    { length: n },
    () =>
      new Worker('const { workerData } = require("node:worker_threads"); const s = new Int32Array(workerData); while (Atomics.load(s, 0) === 0);', {
        eval: true,
        workerData: stop,
      }),
  );
  try {
    await Promise.all(spinners.map((w) => new Promise((resolve) => w.once('online', resolve))));
    const w = CpuWait.forThisThread()!;
    const w0 = w.ms();
    const t0 = performance.now();
    while (performance.now() - t0 < 500);
    const waited = w.ms() - w0;
    w.close();
    // 2 x cores + 1 runnable threads on `cores` cores: a fair share leaves this one waiting
    // about half the time; a tenth is far from that, and far from zero.
    assert.ok(waited >= 50, `waited ${waited} ms of 500 with ${n} busy threads on ${cores} cores`);
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
    await Promise.all(spinners.map((w) => w.terminate()));
  }
});
