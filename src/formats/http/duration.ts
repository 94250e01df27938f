// Milliseconds as goscope http prints them, in messages and reports alike: three
// significant digits or so, switching to seconds above one second.
export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)}s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)}s`;
  if (v >= 100) return `${Math.round(v)}ms`;
  if (v >= 10) return `${v.toFixed(1)}ms`;
  if (v >= 1) return `${v.toFixed(2)}ms`;
  return `${v.toFixed(3)}ms`;
}
