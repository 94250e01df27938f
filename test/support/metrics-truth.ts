// metricsgen's truth file (-truth): the series its client_golang registry holds, gathered
// as dto before any exposition format, one JSON line each; and an exposition read by
// goscope into the same rows. Pure (no Go).
import { readFileSync } from 'node:fs';
import { readExposition, type ExpositionFormat, type Family, type Series } from '../../src/formats/prometheus/index.js';

export interface MetricRow {
  family: string;
  type: string;
  help: string;
  labels: string[];
  value: number | null;
  count: number | null;
  sum: number | null;
  /** Classic buckets [upper bound, cumulative count]; +Inf as the string "+Inf". */
  buckets: Array<[number | string, number]>;
  quantiles: Array<[number, number]>;
  timestampMs: number | null;
}

interface TruthLine {
  family: string;
  type: string;
  help: string;
  labels: string[];
  value: string | null;
  count: string | null;
  sum: string | null;
  buckets: [string, string][];
  quantiles: [string, string][];
  timestampMs: number | null;
}

/** Go's 'g' float text ("+Inf", "-Inf", "NaN" included) as a number. */
function goFloat(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

const le = (v: number): number | string => (v === Infinity ? '+Inf' : v);

/**
 * The truth file as rows. Every exposition format writes a histogram's +Inf bucket (its
 * count) even where the registry holds none (a native-only histogram, or client_golang's
 * implicit +Inf): the rows add it the same way, as any reader of those formats sees it.
 */
export function readMetricsTruth(file: string): MetricRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const t = JSON.parse(l) as TruthLine;
      const buckets: Array<[number | string, number]> = t.buckets.map(([b, c]) => [le(goFloat(b)), Number(c)]);
      if (t.type === 'histogram' && buckets[buckets.length - 1]?.[0] !== '+Inf') buckets.push(['+Inf', Number(t.count)]);
      return {
        family: t.family,
        type: t.type,
        help: t.help,
        labels: t.labels,
        value: t.value === null ? null : goFloat(t.value),
        count: t.count === null ? null : Number(t.count),
        sum: t.sum === null ? null : goFloat(t.sum),
        buckets,
        quantiles: t.quantiles.map(([q, v]) => [goFloat(q), goFloat(v)]),
        timestampMs: t.timestampMs,
      };
    });
}

async function* once(buf: Uint8Array): AsyncGenerator<Uint8Array> {
  yield buf;
}

/** An exposition read by goscope, as rows in the truth's shape. */
export async function expositionRows(buf: Uint8Array, input: string, format?: ExpositionFormat): Promise<{ rows: MetricRow[]; format: ExpositionFormat }> {
  const rows: MetricRow[] = [];
  const summary = await readExposition(
    once(buf),
    { input, format },
    {
      series(f: Family, s: Series) {
        rows.push({
          family: f.name,
          type: f.type,
          help: f.help ?? '',
          labels: s.labels,
          // A histogram or summary has no value of its own (dto: none; the model: NaN).
          value: f.type === 'histogram' || f.type === 'summary' ? null : s.value,
          count: s.count ?? null,
          sum: s.sum ?? null,
          buckets: (s.les ?? []).map((b, i) => [le(b), s.bucketCounts![i]!]),
          quantiles: (s.quantiles ?? []).map((q, i) => [q, s.quantileValues![i]!]),
          timestampMs: s.timestampMs ?? null,
        });
      },
    },
  );
  return { rows, format: summary.format };
}
