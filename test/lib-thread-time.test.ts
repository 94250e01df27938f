// src/lib/thread-time.ts: where the calling thread's time went (Linux schedstat, libuv idle time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { heldUpMs, machineStealMs, parseSchedstat, parseSteal, split, ThreadClock } from '../src/lib/thread-time.js';

const linux = process.platform === 'linux';

test('schedstat: on-CPU ns, run_delay ns, timeslices; anything malformed is NaN', () => {
  const b = (s: string) => Buffer.from(s, 'latin1');
  assert.deepEqual(parseSchedstat(b('92992327 17218392 30\n')), { onCpuNs: 92992327, waitNs: 17218392, slices: 30 });
  assert.deepEqual(parseSchedstat(b('0 0 1\n')), { onCpuNs: 0, waitNs: 0, slices: 1 });
  assert.ok(Number.isNaN(parseSchedstat(b('1 2')).slices));
  assert.ok(Number.isNaN(parseSchedstat(b('')).onCpuNs));
  assert.ok(Number.isNaN(parseSchedstat(b('123')).waitNs));
  assert.ok(Number.isNaN(parseSchedstat(b('123 x 4')).waitNs));
  assert.ok(Number.isNaN(parseSchedstat(b('123 45x 4')).waitNs));
});

test('/proc/stat: steal is the 8th number of the first line, in 10 ms ticks', () => {
  assert.equal(parseSteal('cpu  429044 785 39258 791003 1760 0 4331 826 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n'), 8260);
  assert.equal(parseSteal('cpu  1 2 3 4 5 6 7\n'), null);
  assert.equal(parseSteal('intr 1 2 3'), null);
  if (linux) assert.ok((machineStealMs() ?? -1) >= 0, 'readable here');
});

test('split: the rest of the wall time is stopped; held up is waiting plus stopped', () => {
  const a = { from: 99, to: 100, onCpuMs: 10, waitMs: 1, slices: 5, idleMs: 50 };
  const s = split(a, { from: 129, to: 130, onCpuMs: 15, waitMs: 3, slices: 9, idleMs: 60 });
  assert.deepEqual(s, { wallMs: 31, onCpuMs: 5, waitMs: 2, idleMs: 10, stoppedMs: 14 });
  assert.equal(heldUpMs(s), 16);
  // A connect stamped between the reads, 25 of the window's 31 ms: the 6 ms outside it may
  // all have been held up, so at least 10 of its own were.
  assert.equal(heldUpMs(s, 25), 10);
  assert.equal(heldUpMs(s, 2), 0);
  // On-CPU time not known: stopped is not known either, and held up is the wait alone.
  const u = split({ ...a, onCpuMs: NaN }, { from: 129, to: 130, onCpuMs: NaN, waitMs: 3, slices: 9, idleMs: 60 });
  assert.ok(Number.isNaN(u.stoppedMs));
  assert.equal(heldUpMs(u), 2);
  // The kernel's time inside a poll counts as on-CPU and idle at once: never a negative stop.
  assert.equal(split(a, { from: 109, to: 110, onCpuMs: 15, waitMs: 1, slices: 6, idleMs: 56 }).stoppedMs, 0);
});

test("reads this thread's counters: they only grow, and a spin is on-CPU time", { skip: !linux && 'schedstat is Linux only' }, () => {
  const c = ThreadClock.forThisThread();
  assert.ok(c, '/proc/thread-self/schedstat is readable');
  assert.ok(c.onCpuKnown, "this kernel brings a running thread's on-CPU time up to date on getrusage");
  const a = c.read();
  const file = parseSchedstat(readFileSync('/proc/thread-self/schedstat')).waitNs / 1e6;
  while (performance.now() - a.to < 20);
  const b = c.read();
  assert.ok(a.waitMs <= file && file <= b.waitMs, `${a.waitMs} <= ${file} <= ${b.waitMs}`);
  assert.ok(b.slices >= a.slices && b.idleMs >= a.idleMs, JSON.stringify({ a, b }));
  const s = split(a, b);
  // 20 ms of spinning: on a CPU or waiting for one, give or take the reads.
  assert.ok(Math.abs(s.onCpuMs + s.waitMs + s.stoppedMs - s.wallMs) < 0.5 && s.onCpuMs + s.waitMs >= 19, JSON.stringify(s));
  c.close();
  assert.ok(Number.isNaN(c.read().waitMs), 'closed');
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
    const c = ThreadClock.forThisThread()!;
    const a = c.read();
    while (performance.now() - a.to < 500);
    const waited = c.read().waitMs - a.waitMs;
    c.close();
    // 2 x cores + 1 runnable threads on `cores` cores: a fair share leaves this one waiting
    // about half the time; a tenth is far from that, and far from zero.
    assert.ok(waited >= 50, `waited ${waited} ms of 500 with ${n} busy threads on ${cores} cores`);
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
    await Promise.all(spinners.map((w) => w.terminate()));
  }
});
