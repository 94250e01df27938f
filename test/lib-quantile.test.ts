// src/lib/quantile.ts: nearest-rank percentiles (the definition the HTTP probe and the trace
// summary share) and the median.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, nearestRank } from '../src/lib/quantile.js';

test('nearestRank: the value at rank ceil(p/100 n), clamped; NaN for no values', () => {
  const v = Float64Array.from({ length: 10 }, (_, i) => (i + 1) * 10);
  assert.equal(nearestRank(v, 50), 50);
  assert.equal(nearestRank(v, 51), 60, 'the next rank up, never an interpolation');
  assert.equal(nearestRank(v, 90), 90);
  assert.equal(nearestRank(v, 99), 100);
  assert.equal(nearestRank(v, 100), 100);
  assert.equal(nearestRank(v, 0.001), 10, 'the smallest value, not below it');
  assert.equal(nearestRank([7], 99), 7);
  assert.ok(Number.isNaN(nearestRank([], 50)));
});

test('nearestRank with p in percent reads p50, p90 and p99 as the fractions 0.5, 0.9 and 0.99 would', () => {
  // The trace summary computed ceil(0.9 n) before it shared this function: the same index
  // for every n (90/100 and 0.9 are the same double).
  for (let n = 1; n <= 2000; n++) {
    for (const [p, f] of [
      [50, 0.5],
      [90, 0.9],
      [99, 0.99],
    ] as const) {
      assert.equal(Math.ceil((p / 100) * n), Math.ceil(f * n), `n=${n} p=${p}`);
    }
  }
});

test('median: the middle value or the mean of the two middle ones; the input is not reordered', () => {
  const xs = [5, 1, 4, 2];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 4, 2]);
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([3]), 3);
  assert.ok(Number.isNaN(median([])));
});
