// Quantiles of plain samples. Two definitions are in use and kept apart on purpose:
//   nearestRank  the p-th percentile as Go's httptrace probe (testdata/go/httpprobe), hey
//                and goscope's trace summary take it: a value of the sample, the one at
//                rank ceil(p/100 * n); the HTTP oracle tests compare with it exactly;
//   median       the middle value, or the mean of the two middle ones (trend slopes,
//                leak halves, benchmark runs).
// Go's mutator utilisation distribution quantiles (analysis/trace/mmu.ts MUD) are a third,
// Go's own, and stay with the MUD.

/** The nearest-rank p-th percentile (0 < p <= 100) of ascending values; NaN when there are none. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const i = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return sorted[i]!;
}

/** The median of xs (in any order; xs is not changed); NaN when there are none. */
export function median(xs: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}
