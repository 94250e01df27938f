// client_golang's promlint (prometheus/testutil/promlint, v1.25.0: what `promtool check
// metrics` runs), rule for rule, with its exact messages. The rules read only a family's
// name, type and help and the label names and label sets of its series, which the
// analyser counts while streaming; the problems come out in promlint's order (metric,
// then text) with a count where promlint repeats one.
import type { MetricType } from '../../formats/prometheus/index.js';
import type { MetricProblem, RuleId } from './rules.js';

/** What promlint looks at in one family. */
export interface LintFacts {
  name: string;
  type: MetricType;
  help: string | null;
  /** Occurrences of each label name over all series (promlint checks labels per series). */
  labelUses: Map<string, number>;
  /** Series whose label set repeats an earlier one ("metric not unique"). */
  duplicates: number;
  duplicateExamples: string[];
}

const UNITS: Record<string, string> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};

const PREFIXES = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mebi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
];

const ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

const CAMEL = /[a-z][A-Z]/;

/** promlint's metricUnits: the first token of the name that is a known unit (maybe prefixed). */
export function metricUnit(name: string): { unit: string; base: string } | undefined {
  for (const s of name.split('_')) {
    const base = UNITS[s];
    if (base !== undefined && Object.hasOwn(UNITS, s)) return { unit: s, base };
    for (const p of PREFIXES) {
      if (s.startsWith(p)) {
        const rest = s.slice(p.length);
        if (Object.hasOwn(UNITS, rest)) return { unit: s, base: UNITS[rest]! };
      }
    }
  }
  return undefined;
}

/** Go's %q for the ASCII names promlint quotes. */
function q(s: string): string {
  return JSON.stringify(s);
}

/** client_golang's type name: dto.MetricType.String() lowercased. */
function promlintType(t: MetricType): string | null {
  switch (t) {
    case 'untyped':
      return null;
    case 'gaugehistogram':
      return 'gauge_histogram';
    case 'info':
    case 'stateset':
      return 'gauge'; // OpenMetrics-only types: Prometheus stores them as gauges
    default:
      return t;
  }
}

export function promlint(f: LintFacts): MetricProblem[] {
  const out: MetricProblem[] = [];
  const add = (rule: RuleId, text: string, count = 1, examples?: string[]) => {
    const prev = out.find((p) => p.text === text);
    if (prev) prev.count += count;
    else
      out.push({ rule, severity: rule === 'duplicate-series' ? 'error' : 'warning', metric: f.name, text, count, ...(examples?.length ? { examples } : {}) });
  };
  const type = promlintType(f.type);
  const name = f.name;
  const lower = name.toLowerCase();

  // LintHelp
  if (f.help === null) add('help', 'no help text');
  // LintMetricUnits
  const u = metricUnit(name);
  if (u && u.unit !== u.base) add('base-unit', `use base unit ${q(u.base)} instead of ${q(u.unit)}`);
  // LintCounter
  const total = name.endsWith('_total');
  if (type === 'counter' && !total) add('counter-total', 'counter metrics should have "_total" suffix');
  else if (type !== null && type !== 'counter' && total) add('non-counter-total', 'non-counter metrics should not have "_total" suffix');
  // LintHistogramSummaryReserved
  if (type !== null) {
    const histogram = type === 'histogram';
    const summary = type === 'summary';
    if (!histogram && name.endsWith('_bucket')) add('reserved-suffix', 'non-histogram metrics should not have "_bucket" suffix');
    if (!histogram && !summary && name.endsWith('_count')) add('reserved-suffix', 'non-histogram and non-summary metrics should not have "_count" suffix');
    if (!histogram && !summary && name.endsWith('_sum')) add('reserved-suffix', 'non-histogram and non-summary metrics should not have "_sum" suffix');
    const le = f.labelUses.get('le') ?? 0;
    const quantile = f.labelUses.get('quantile') ?? 0;
    if (!histogram && le > 0) add('reserved-label', 'non-histogram metrics should not have "le" label', le);
    if (!summary && quantile > 0) add('reserved-label', 'non-summary metrics should not have "quantile" label', quantile);
  }
  // LintMetricTypeInName
  if (type !== null && (lower.includes(`_${type}_`) || lower.endsWith(`_${type}`))) add('type-in-name', `metric name should not include type '${type}'`);
  // LintReservedChars
  if (name.includes(':')) add('reserved-chars', "metric names should not contain ':'");
  // LintCamelCase
  if (CAMEL.test(name)) add('camel-case', "metric names should be written in 'snake_case' not 'camelCase'");
  for (const [label, n] of f.labelUses) {
    if (CAMEL.test(label)) add('camel-case', "label names should be written in 'snake_case' not 'camelCase'", n);
  }
  // LintUnitAbbreviations
  for (const a of ABBREVIATIONS) {
    if (lower.includes(`_${a}_`) || lower.endsWith(`_${a}`)) add('unit-abbreviation', 'metric names should not contain abbreviated units');
  }
  // LintDuplicateMetric
  if (f.duplicates > 0) add('duplicate-series', 'metric not unique', f.duplicates, f.duplicateExamples);
  // promlint sorts by metric, then text.
  out.sort((a, b) => (a.text! < b.text! ? -1 : a.text! > b.text! ? 1 : 0));
  return out;
}
