// The Prometheus exposition as goscope reads it, whatever the format: families (name,
// type, help, unit) and, per family, series in the shape of client_model's dto.Metric
// (one histogram or summary is one series, its buckets or quantiles inside it). Parsers
// stream series to a sink one at a time; nothing keeps them all.

export type ExpositionFormat = 'text' | 'openmetrics' | 'protobuf';

/** Metric types of all three formats; 'untyped' is the text format's untyped and OpenMetrics' unknown. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'untyped' | 'info' | 'stateset';

export interface Family {
  /**
   * The name as client_golang and promlint see it (dto.MetricFamily.name): in the text
   * format and protobuf the declared name; for an OpenMetrics counter the declared name
   * plus "_total", for an info metric plus "_info".
   */
  name: string;
  /** The name on its # TYPE/# HELP lines (OpenMetrics counters: without "_total"). */
  declared: string;
  type: MetricType;
  /** null when absent (text format: also when empty, as Go's parser reads it). */
  help: string | null;
  /** OpenMetrics # UNIT (protobuf: MetricFamily.unit); null when absent. */
  unit: string | null;
  /** Line (text) or family number (protobuf, from 1) where the family first appeared. */
  line: number;
  /** Whether the type came from a # TYPE line (or protobuf), not implied by a sample. */
  typed: boolean;
  /** Series seen so far. */
  series: number;
  /** Its series were not all together: another family came in between. */
  split: boolean;
}

/** One native histogram (protobuf only): spans and absolute bucket counts. */
export interface NativeHistogram {
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  /** [offset, length] pairs. */
  positiveSpans: number[];
  negativeSpans: number[];
  /** Absolute bucket counts (deltas already summed). */
  positiveCounts: number[];
  negativeCounts: number[];
}

/** One series: a dto.Metric. Fields not of its type stay at their defaults. */
export class Series {
  /** Flat [name, value, name, value, …] in exposition order; histograms and summaries without le/quantile. */
  labels: string[];
  /** Line (text) or family number (protobuf) of its first sample. */
  line: number;
  /** Counter, gauge, untyped, info and stateset value. */
  value = NaN;
  /** Sample timestamp in milliseconds, when given. */
  timestampMs: number | undefined = undefined;
  /** Created timestamp in seconds (OpenMetrics _created, protobuf created_timestamp). */
  created: number | undefined = undefined;
  /** Classic histogram buckets as given: upper bounds and cumulative counts. */
  les: number[] | undefined = undefined;
  bucketCounts: number[] | undefined = undefined;
  /** Summary quantiles as given. */
  quantiles: number[] | undefined = undefined;
  quantileValues: number[] | undefined = undefined;
  count: number | undefined = undefined;
  sum: number | undefined = undefined;
  native: NativeHistogram | undefined = undefined;
  exemplars = 0;

  constructor(labels: string[], line: number) {
    this.labels = labels;
    this.line = line;
  }
}

export interface ExpositionSink {
  /** A whole series of `family` (the family object is shared and may still gain help text later). */
  series(family: Family, series: Series): void;
  /** The series of `family` have stopped for now (another family began, or the input ended). */
  endFamily?(family: Family): void;
}

export interface ParseSummary {
  format: ExpositionFormat;
  /** Every family, in order of appearance, including those without series. */
  families: Family[];
  /** Sample lines (text formats) or metrics (protobuf). */
  samples: number;
  bytes: number;
}

/** Labels as they are written in the exposition: {a="1",b="x\"y"}. Values escaped, names quoted when not legacy names. */
export function formatLabels(labels: readonly string[], extra?: readonly string[]): string {
  const all = extra ? [...labels, ...extra] : labels;
  if (all.length === 0) return '';
  let s = '{';
  for (let i = 0; i < all.length; i += 2) {
    if (i) s += ',';
    s += (LEGACY_NAME.test(all[i]!) ? all[i] : `"${escapeValue(all[i]!)}"`) + '="' + escapeValue(all[i + 1]!) + '"';
  }
  return s + '}';
}

/** A series as a selector: name{labels} (a UTF-8 name goes inside the braces, quoted). */
export function formatSeries(name: string, labels: readonly string[], extra?: readonly string[]): string {
  if (LEGACY_METRIC.test(name)) return name + formatLabels(labels, extra);
  const inner = formatLabels(labels, extra);
  return `{"${escapeValue(name)}"${inner ? ',' + inner.slice(1) : '}'}`;
}

export const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const LEGACY_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c));
}

/**
 * A value as client_golang writes it (Go's strconv 'g' with shortest precision):
 * 1027, 0.001, 1.5e+09, 5.24288e+07, +Inf, NaN.
 */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  const neg = mant.startsWith('-');
  const digits = mant.replace(/^-/, '').replace('.', '');
  const nd = digits.length;
  let eprec = 6;
  if (eprec > nd && nd >= exp + 1) eprec = nd;
  if (exp < -4 || exp >= eprec) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    return `${neg ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

/**
 * A copy of `s` that does not keep the chunk it was cut from alive: V8 slices share
 * their parent string, so one label value kept as an example would pin a megabyte of
 * input. Everything kept past its line goes through this.
 */
export function own(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
