// --slo: bounds on phase percentiles, on the error rate and on response statuses, checked
// after a run.
import type { PhaseName } from '../../formats/http/exchange.js';
import type { Samples } from '../../formats/http/samples.js';
import { nearestRank } from '../../lib/quantile.js';
import { countStatus, sortedValues } from './stats.js';

export interface SloRule {
  /** The rule as the user wrote it. */
  text: string;
  /**
   * A phase; 'errors' (requests that failed: no response, a timeout, or a 4xx/5xx with
   * --fail); 'status' (responses whose status is in [statusFrom, statusTo]).
   */
  metric: PhaseName | 'errors' | 'status';
  /** 'p99', 'p50', 'p99.9', 'max', 'mean'; 'rate' or 'count' for errors and statuses. */
  stat: string;
  /** Milliseconds for phases; a fraction (0.01 = 1%) or, with `countBound`, a count. */
  bound: number;
  countBound: boolean;
  /** For 'status': the statuses counted, e.g. 500-599 for status5xx. */
  statusFrom?: number;
  statusTo?: number;
  /** For 'status': how the rule names them ("5xx", ">=500", "503"). */
  statusLabel?: string;
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

const EXAMPLE = 'e.g. total=200ms, ttfb.p90=100ms, errors=1%, status5xx=0';

/** Parses "total=200ms,ttfb.p90=100ms,errors=1%,status5xx=0"; returns the problem for a usage error. */
export function parseSlo(text: string): SloRule[] | { error: string } {
  const rules: SloRule[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    // status5xx=0, status503=1%, status>=500=0.5%: a count or a rate of responses.
    const st = /^status\s*(?:([1-5])xx|(\d{3})|>=\s*(\d{3}))\s*(<=|<|=)\s*(.+)$/i.exec(part);
    if (st) {
      const [from, to, label] = st[1]
        ? [Number(st[1]) * 100, Number(st[1]) * 100 + 99, `${st[1]}xx`]
        : st[2]
          ? [Number(st[2]), Number(st[2]), st[2]]
          : [Number(st[3]), 999, `>=${st[3]}`];
      if (from < 100 || from > 599) return { error: `"${part}": ${from} is not an HTTP status (100-599)` };
      const bound = rateOrCount(st[5]!.trim());
      if (!bound) return { error: `"${part}": status${label} takes a rate such as 1% or a count such as 0` };
      rules.push({
        text: part,
        metric: 'status',
        stat: bound.count ? 'count' : 'rate',
        bound: bound.value,
        countBound: bound.count,
        statusFrom: from,
        statusTo: to,
        statusLabel: label,
      });
      continue;
    }
    if (/^status/i.test(part)) return { error: `"${part}" is not a status rule (use status5xx=0, status4xx=1%, status503=0 or status>=500=1%)` };
    const m = /^([A-Za-z]+)(?:[.:](p\d{1,2}(?:\.\d+)?|max|mean))?\s*(<=|<|=)\s*(.+)$/.exec(part);
    if (!m) return { error: `"${part}" is not metric[.pNN]=bound (${EXAMPLE})` };
    const metric = ALIASES[m[1]!.toLowerCase()];
    if (!metric)
      return { error: `unknown metric "${m[1]}" in "${part}" (use ${Object.keys(ALIASES).join(', ')}, or status5xx, status4xx, statusNNN, status>=NNN)` };
    const value = m[4]!.trim();
    if (metric === 'errors') {
      if (m[2]) return { error: `"${part}": errors takes a rate (1%) or a count (0), not a percentile` };
      const bound = rateOrCount(value);
      if (!bound) return { error: `"${part}": errors takes a rate such as 1% or a count such as 0` };
      rules.push({ text: part, metric, stat: bound.count ? 'count' : 'rate', bound: bound.value, countBound: bound.count });
      continue;
    }
    const stat = (m[2] ?? 'p99').toLowerCase();
    if (stat.startsWith('p') && !(Number(stat.slice(1)) > 0 && Number(stat.slice(1)) <= 100)) return { error: `"${part}": percentile must be in (0, 100]` };
    const ms = durationMs(value);
    if (ms === null) return { error: `"${part}": "${value}" is not a duration (use e.g. 250ms, 1.5s, 800us)` };
    rules.push({ text: part, metric, stat, bound: ms, countBound: false });
  }
  if (rules.length === 0) return { error: `no rules (${EXAMPLE})` };
  return rules;
}

/** "1%" -> a rate of 0.01; "3" -> a count of 3. */
function rateOrCount(v: string): { value: number; count: boolean } | null {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (pct) return { value: Number(pct[1]) / 100, count: false };
  if (/^\d+$/.test(v)) return { value: Number(v), count: true };
  return null;
}

function durationMs(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(us|µs|ms|s|m)$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 'us' || m[2] === 'µs' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60000;
}

export function checkSlo(rules: SloRule[], s: Samples): SloResult[] {
  return rules.map((r) => {
    if (r.metric === 'errors' || r.metric === 'status') {
      const k = r.metric === 'errors' ? s.failures.size : countStatus(s, r.statusFrom!, r.statusTo!);
      const actual = r.countBound ? k : s.count ? k / s.count : 0;
      return { ...r, actual, pass: actual <= r.bound };
    }
    const sorted = sortedValues(s.phases[r.metric], s.count > 0 ? s.size : 0);
    if (sorted.length === 0) return { ...r, actual: null, pass: true };
    const actual =
      r.stat === 'mean'
        ? sorted.reduce((a, b) => a + b, 0) / sorted.length
        : r.stat === 'max'
          ? sorted[sorted.length - 1]!
          : nearestRank(sorted, Number(r.stat.slice(1)));
    return { ...r, actual, pass: actual <= r.bound };
  });
}
