// --slo: bounds on phase percentiles and on the error rate, checked after a run.
import type { PhaseName } from '../../formats/http/exchange.js';
import type { Samples } from '../../formats/http/samples.js';
import { nearestRank, sortedValues } from './stats.js';

export interface SloRule {
  /** The rule as the user wrote it. */
  text: string;
  metric: PhaseName | 'errors';
  /** 'p99', 'p50', 'p99.9', 'max', 'mean'; 'rate' for errors. */
  stat: string;
  /** Milliseconds for phases; a fraction (0.01 = 1%) or, with `countBound`, a count for errors. */
  bound: number;
  countBound: boolean;
}

export interface SloResult extends SloRule {
  /** The measured value (ms, fraction or count); null when the phase never happened. */
  actual: number | null;
  pass: boolean;
}

const ALIASES: Record<string, PhaseName | 'errors'> = {
  dns: 'dns',
  connect: 'connect',
  tls: 'tls',
  write: 'requestWrite',
  requestwrite: 'requestWrite',
  server: 'serverProcessing',
  serverprocessing: 'serverProcessing',
  transfer: 'transfer',
  ttfb: 'ttfb',
  total: 'total',
  errors: 'errors',
};

/** Parses "total=200ms,ttfb.p90=100ms,errors=1%"; returns the problem for a usage error. */
export function parseSlo(text: string): SloRule[] | { error: string } {
  const rules: SloRule[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+)(?:[.:](p\d{1,2}(?:\.\d+)?|max|mean))?\s*(<=|<|=)\s*(.+)$/.exec(part);
    if (!m) return { error: `"${part}" is not metric[.pNN]=bound (e.g. total=200ms, ttfb.p90=100ms, errors=1%)` };
    const metric = ALIASES[m[1]!.toLowerCase()];
    if (!metric) return { error: `unknown metric "${m[1]}" in "${part}" (use ${Object.keys(ALIASES).join(', ')})` };
    const value = m[4]!.trim();
    if (metric === 'errors') {
      if (m[2]) return { error: `"${part}": errors takes a rate (1%) or a count (0), not a percentile` };
      const pct = /^(\d+(?:\.\d+)?)%$/.exec(value);
      if (pct) rules.push({ text: part, metric, stat: 'rate', bound: Number(pct[1]) / 100, countBound: false });
      else if (/^\d+$/.test(value)) rules.push({ text: part, metric, stat: 'count', bound: Number(value), countBound: true });
      else return { error: `"${part}": errors takes a rate such as 1% or a count such as 0` };
      continue;
    }
    const stat = (m[2] ?? 'p99').toLowerCase();
    if (stat.startsWith('p') && !(Number(stat.slice(1)) > 0 && Number(stat.slice(1)) <= 100)) return { error: `"${part}": percentile must be in (0, 100]` };
    const ms = durationMs(value);
    if (ms === null) return { error: `"${part}": "${value}" is not a duration (use e.g. 250ms, 1.5s, 800us)` };
    rules.push({ text: part, metric, stat, bound: ms, countBound: false });
  }
  if (rules.length === 0) return { error: 'no rules (e.g. --slo total=200ms,ttfb.p90=100ms)' };
  return rules;
}

function durationMs(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(us|µs|ms|s|m)$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 'us' || m[2] === 'µs' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60000;
}

export function checkSlo(rules: SloRule[], s: Samples): SloResult[] {
  return rules.map((r) => {
    if (r.metric === 'errors') {
      const failed = s.failures.size;
      const actual = r.countBound ? failed : s.count ? failed / s.count : 0;
      return { ...r, actual, pass: actual <= r.bound };
    }
    const sorted = sortedValues(s.phases[r.metric], s.capacity);
    if (sorted.length === 0) return { ...r, actual: null, pass: true };
    const actual =
      r.stat === 'mean' ? sorted.reduce((a, b) => a + b, 0) / sorted.length : r.stat === 'max' ? sorted[sorted.length - 1]! : nearestRank(sorted, Number(r.stat.slice(1)));
    return { ...r, actual, pass: actual <= r.bound };
  });
}
