// Durations of the trace reports, in the terminal and on the timeline page alike:
// three significant digits and the largest unit that keeps the value >= 1.

/** 1.23s, 45.6ms, 7.8µs, 900ns. */
export function formatNs(ns: number): string {
  const a = Math.abs(ns);
  const f = (v: number, u: string): string => `${Number(v.toPrecision(3))}${u}`;
  if (a >= 1e9) return f(ns / 1e9, 's');
  if (a >= 1e6) return f(ns / 1e6, 'ms');
  if (a >= 1e3) return f(ns / 1e3, 'µs');
  return `${Math.round(ns)}ns`;
}
