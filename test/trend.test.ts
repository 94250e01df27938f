// The trend statistics on series with known answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalUpperTail, trend } from '../src/analysis/trend.js';

const t8 = [0, 1, 2, 3, 4, 5, 6, 7];

test('normal tail matches tabulated values', () => {
  assert.ok(Math.abs(normalUpperTail(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalUpperTail(1.96) - 0.0249979) < 1e-6);
  assert.ok(Math.abs(normalUpperTail(3) - 0.0013499) < 1e-6);
  assert.ok(Math.abs(normalUpperTail(-1) - 0.8413447) < 1e-6);
});

test('strictly increasing: S = n(n-1)/2, z with continuity correction', () => {
  const r = trend([1, 2, 3, 4, 5, 6, 7, 8], t8);
  assert.equal(r.s, 28);
  // var = 8*7*21/18 = 65.333…, z = 27/sqrt(var)
  assert.ok(Math.abs(r.z - 27 / Math.sqrt(65 + 1 / 3)) < 1e-12);
  assert.ok(r.p < 0.001);
  assert.equal(r.slope, 1);
});

test('flat, decreasing and noisy churn are not increasing trends', () => {
  assert.equal(trend([5, 5, 5, 5, 5, 5, 5, 5], t8).p, 1);
  assert.ok(trend([8, 7, 6, 5, 4, 3, 2, 1], t8).p > 0.99);
  assert.ok(trend([3, 7, 2, 6, 3, 5, 4, 3], t8).p > 0.05);
});

test('ties reduce the variance; one spike does not make a trend', () => {
  const r = trend([2, 2, 3, 3, 4, 4, 5, 5], t8);
  assert.equal(r.s, 24);
  // tie groups of 2 (x4): sum t(t-1)(2t+5) = 4 * 2*1*9 = 72 -> var = (1176 - 72)/18
  assert.ok(Math.abs(r.z - 23 / Math.sqrt((1176 - 72) / 18)) < 1e-12);
  const spike = trend([4, 4, 4, 40, 4, 4, 4, 4], t8);
  assert.ok(spike.p > 0.3);
  assert.equal(spike.slope, 0);
});

test('Theil-Sen slope uses the time axis (per minute when t is in minutes)', () => {
  const t = [0, 0.5, 1, 1.5, 2];
  const r = trend([0, 10, 20, 30, 40], t);
  assert.equal(r.slope, 20);
});
