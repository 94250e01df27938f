// Names that disagree with each other or with their declared unit: the same quantity
// exported twice (http_request_duration_seconds beside http_request_latency_ms, so
// dashboards and alerts silently mix scales), and an OpenMetrics # UNIT the name does
// not end with.
import type { ExpositionFormat, Family } from '../../formats/prometheus/index.js';
import type { MetricProblem } from './rules.js';

type Dimension = 'time' | 'size';

/** Unit tokens at the end of a name: their dimension and size in the base unit. */
const UNIT_TOKENS: Record<string, [Dimension, number]> = {
  nanoseconds: ['time', 1e-9],
  ns: ['time', 1e-9],
  microseconds: ['time', 1e-6],
  us: ['time', 1e-6],
  milliseconds: ['time', 1e-3],
  ms: ['time', 1e-3],
  seconds: ['time', 1],
  second: ['time', 1],
  secs: ['time', 1],
  sec: ['time', 1],
  s: ['time', 1],
  minutes: ['time', 60],
  hours: ['time', 3600],
  bytes: ['size', 1],
  b: ['size', 1],
  kilobytes: ['size', 1e3],
  kb: ['size', 1e3],
  kibibytes: ['size', 1024],
  kib: ['size', 1024],
  megabytes: ['size', 1e6],
  mb: ['size', 1e6],
  mebibytes: ['size', 1024 ** 2],
  mib: ['size', 1024 ** 2],
  gigabytes: ['size', 1e9],
  gb: ['size', 1e9],
  bits: ['size', 1 / 8],
};

/** Words that name the same quantity. */
const SYNONYMS: Record<string, string> = {
  duration: 'duration',
  latency: 'duration',
  latencies: 'duration',
  time: 'duration',
  elapsed: 'duration',
  took: 'duration',
  size: 'size',
  length: 'size',
  len: 'size',
};

const TYPE_SUFFIXES = new Set(['total', 'count', 'sum', 'bucket', 'created', 'info']);

export interface Quantity {
  key: string;
  unit: string;
  dimension: Dimension;
}

/** What a name measures, in which unit: undefined when its name ends in no known unit. */
export function quantityOf(name: string): Quantity | undefined {
  const tokens = name.toLowerCase().split(/[_.]/).filter(Boolean);
  while (tokens.length > 1 && TYPE_SUFFIXES.has(tokens[tokens.length - 1]!)) tokens.pop();
  const unit = tokens[tokens.length - 1];
  if (!unit || tokens.length < 2) return undefined;
  const u = UNIT_TOKENS[unit];
  if (!u || !Object.hasOwn(UNIT_TOKENS, unit)) return undefined;
  tokens.pop();
  const words = tokens.map((t) => SYNONYMS[t] ?? t);
  return { key: `${u[0]}:${words.join('_')}`, unit, dimension: u[0] };
}

export function sameQuantity(families: readonly Family[]): MetricProblem[] {
  const groups = new Map<string, { family: Family; q: Quantity }[]>();
  for (const f of families) {
    if (f.series === 0) continue;
    const q = quantityOf(f.name);
    if (!q) continue;
    // A counter of bytes and a gauge of bytes are a total and a level: different quantities.
    q.key += f.type === 'counter' ? '/counter' : f.type === 'histogram' || f.type === 'summary' || f.type === 'gaugehistogram' ? '/distribution' : '/level';
    const g = groups.get(q.key);
    if (g) g.push({ family: f, q });
    else groups.set(q.key, [{ family: f, q }]);
  }
  const out: MetricProblem[] = [];
  for (const g of groups.values()) {
    const names = [...new Set(g.map((x) => x.family.name))];
    if (names.length < 2) continue;
    g.sort((a, b) => (a.family.name < b.family.name ? -1 : 1));
    const [first, ...rest] = g;
    const units = [...new Set(g.map((x) => x.q.unit))];
    out.push({
      rule: 'same-quantity',
      severity: 'warning',
      metric: first!.family.name,
      count: g.length,
      examples: rest.map((x) => x.family.name),
      data: { unit: first!.q.unit, others: rest.map((x) => x.family.name).join(', '), otherUnits: rest.map((x) => x.q.unit).join(', '), units: units.length },
    });
  }
  return out;
}

/**
 * A # UNIT the name does not end with. In OpenMetrics text Prometheus refuses the whole
 * scrape for it ("unit … not a suffix of metric …", textparse/openmetricsparse.go, on the
 * name as the # UNIT line writes it): an error there. In protobuf (MetricFamily.unit, the
 * name with a counter's _total) Prometheus takes it: a warning.
 */
export function unitSuffix(families: readonly Family[], format: ExpositionFormat): MetricProblem[] {
  const out: MetricProblem[] = [];
  const om = format === 'openmetrics';
  for (const f of families) {
    if (!f.unit) continue;
    let base = f.declared;
    if (!om && f.type === 'counter' && base.endsWith('_total')) base = base.slice(0, -6);
    if (base.endsWith('_' + f.unit)) continue;
    const q = quantityOf(f.name);
    out.push({
      rule: 'unit-suffix',
      severity: om ? 'error' : 'warning',
      metric: f.name,
      count: 1,
      data: { unit: f.unit, ...(q ? { nameUnit: q.unit } : {}), ...(om ? { refused: true } : {}) },
    });
  }
  return out;
}
