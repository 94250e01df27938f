// Go's renderings of the trace summary's numbers, as cmd/trace prints them on its pages:
// time.Duration.String, the high-dynamic-range duration histogram of
// internal/trace/traceviewer (histogram.go TimeHistogram: five buckets per power of ten)
// and the "%2.9f" seconds cmd/trace writes for instants since the trace start.
//
// Pure functions, no I/O.

/** Go's time.Duration(ns).String(): "0s", "1.5µs", "12.345678ms", "1h2m3.5s". */
export function goDuration(ns: number): string {
  let u = Math.trunc(ns);
  const neg = u < 0;
  if (neg) u = -u;
  let out: string;
  if (u < 1e9) {
    if (u === 0) return '0s';
    let prec: number;
    let unit: string;
    if (u < 1e3) {
      prec = 0;
      unit = 'ns';
    } else if (u < 1e6) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [int, frac] = fmtFrac(u, prec);
    out = `${int}${frac}${unit}`;
  } else {
    const [secs, frac] = fmtFrac(u, 9);
    let s = `${secs % 60}${frac}s`;
    let m = Math.floor(secs / 60);
    if (m > 0) {
      s = `${m % 60}m${s}`;
      const h = Math.floor(m / 60);
      if (h > 0) s = `${h}h${s}`;
      m = h;
    }
    out = s;
  }
  return neg ? '-' + out : out;
}

/** Go's fmtFrac: v / 10^prec as [integer part, ".fraction" without trailing zeros or ""]. */
function fmtFrac(v: number, prec: number): [number, string] {
  if (prec === 0) return [v, ''];
  const p = 10 ** prec;
  const int = Math.floor(v / p);
  let f = String(v - int * p)
    .padStart(prec, '0')
    .replace(/0+$/, '');
  if (f !== '') f = '.' + f;
  return [int, f];
}

/** Parses a Go time.Duration string ("1.5ms", "2m3.000000001s", "0s") back to ns; NaN if not one. */
export function parseGoDuration(s: string): number {
  s = s.trim();
  let neg = false;
  if (s.startsWith('-')) {
    neg = true;
    s = s.slice(1);
  }
  if (s === '0' || s === '0s') return 0;
  const units: Record<string, bigint> = {
    ns: 1n,
    us: 1000n,
    µs: 1000n,
    μs: 1000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
  };
  const re = /^(\d+)(?:\.(\d+))?(ns|us|µs|μs|ms|s|m|h)/;
  let total = 0n;
  if (s === '') return NaN;
  while (s !== '') {
    const r = re.exec(s);
    if (!r) return NaN;
    const unit = units[r[3]!]!;
    total += BigInt(r[1]!) * unit;
    if (r[2]) {
      const digits = r[2];
      // Exact for the fractions Go prints (at most 9 digits below the unit).
      total += (BigInt(digits) * unit) / 10n ** BigInt(digits.length);
    }
    s = s.slice(r[0].length);
  }
  const n = Number(total);
  return neg ? -n : n;
}

/** fmt.Sprintf("%2.9f", d.Seconds()) of a non-negative duration, exact. */
export function goSeconds9(ns: number): string {
  const neg = ns < 0;
  const u = Math.abs(Math.trunc(ns));
  const s = `${Math.floor(u / 1e9)}.${String(u % 1e9).padStart(9, '0')}`;
  return neg ? '-' + s : s;
}

/** Five buckets for every power of 10 (Go: math.Log(math.Pow(10, 1.0/5)); the same float64 in V8). */
const LOG_DIV = Math.log(Math.pow(10, 1.0 / 5));

/**
 * internal/trace/traceviewer.TimeHistogram: bucket i holds durations d with
 * int(ln(d) / ln(10^0.2)) == i (d <= 0 in bucket 0). Count is every sample.
 */
export interface TimeHistogram {
  count: number;
  /** Samples per bucket index (length MaxBucket+1 at least; leading buckets may be 0). */
  buckets: number[];
  minBucket: number;
  maxBucket: number;
}

export function newTimeHistogram(): TimeHistogram {
  return { count: 0, buckets: [], minBucket: 0, maxBucket: 0 };
}

/** TimeHistogram.Add, including Go's MinBucket quirk (reset while MaxBucket is 0). */
export function histogramAdd(h: TimeHistogram, d: number): void {
  let bucket = 0;
  if (d > 0) bucket = Math.trunc(Math.log(d) / LOG_DIV);
  while (h.buckets.length <= bucket) h.buckets.push(0);
  h.buckets[bucket]!++;
  if (bucket < h.minBucket || h.maxBucket === 0) h.minBucket = bucket;
  if (bucket > h.maxBucket) h.maxBucket = bucket;
  h.count++;
}

/** TimeHistogram.BucketMin: time.Duration(math.Exp(bucket * logDiv)), ns. */
export function histogramBucketMin(bucket: number): number {
  return Math.trunc(Math.exp(bucket * LOG_DIV));
}

/** The rows cmd/trace draws for a histogram (ToHTML): [MinBucket, MaxBucket], then the final tick. */
export function histogramRows(h: TimeHistogram): { min: number; max: number; count: number }[] {
  if (h.count === 0) return [];
  const rows: { min: number; max: number; count: number }[] = [];
  for (let i = h.minBucket; i <= h.maxBucket; i++) rows.push({ min: histogramBucketMin(i), max: histogramBucketMin(i + 1), count: h.buckets[i] ?? 0 });
  return rows;
}
