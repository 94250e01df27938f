// Robust trend statistics for short count series (a handful to a few hundred samples):
// the Mann-Kendall test for a monotonic trend and the Theil-Sen slope. Both use ranks and
// pairwise slopes, so one spike or a burst of churn does not make a trend.
import { median } from '../lib/quantile.js';

/**
 * The fewest points with which Mann-Kendall can reach p < 0.01 at all (a perfectly
 * monotonic series of 6): with fewer, growth alone can flag nothing.
 */
export const MIN_TREND_POINTS = 6;

export interface Trend {
  /** Mann-Kendall S: concordant minus discordant pairs. */
  s: number;
  z: number;
  /** One-sided p-value for an increasing trend. */
  p: number;
  /** Theil-Sen slope, units per unit of `t`. */
  slope: number;
}

/** Standard normal upper tail, Abramowitz-Stegun 26.2.17 (|error| < 7.5e-8). */
export function normalUpperTail(z: number): number {
  if (z < 0) return 1 - normalUpperTail(-z);
  const t = 1 / (1 + 0.2316419 * z);
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return d * poly;
}

export function trend(y: readonly number[], t: readonly number[]): Trend {
  const n = y.length;
  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = y[j]! - y[i]!;
      s += d > 0 ? 1 : d < 0 ? -1 : 0;
      const dt = t[j]! - t[i]!;
      if (dt > 0) slopes.push(d / dt);
    }
  }
  // Variance with the correction for tied values.
  const ties = new Map<number, number>();
  for (const v of y) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const c of ties.values()) if (c > 1) tieTerm += c * (c - 1) * (2 * c + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  let z = 0;
  if (variance > 0) z = s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  return { s, z, p: variance > 0 ? normalUpperTail(z) : 1, slope: slopes.length ? median(slopes) : 0 };
}
