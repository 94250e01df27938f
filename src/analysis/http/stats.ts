// Percentiles, a latency histogram and counts over a load run's samples.
import { PHASES, type Failure, type PhaseName } from '../../formats/http/exchange.js';
import type { Samples } from '../../formats/http/samples.js';
import { nearestRank } from '../../lib/quantile.js';

export interface Stat {
  /** Requests in which the phase happened. */
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The non-NaN values of `values[0, n)` (phases that did not happen are NaN), sorted. */
export function sortedValues(values: Float64Array, n = values.length): Float64Array {
  const kept = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === v) kept[k++] = v;
  }
  return kept.subarray(0, k).sort();
}

/** Statistics of the non-NaN values of `values[0, n)`; null when there are none. */
export function stat(values: Float64Array, n = values.length): Stat | null {
  const sorted = sortedValues(values, n);
  const k = sorted.length;
  if (k === 0) return null;
  let sum = 0;
  for (let i = 0; i < k; i++) sum += sorted[i]!;
  return {
    count: k,
    min: sorted[0]!,
    mean: sum / k,
    p50: nearestRank(sorted, 50),
    p90: nearestRank(sorted, 90),
    p99: nearestRank(sorted, 99),
    max: sorted[k - 1]!,
  };
}

export interface Bucket {
  /** Lower bound (inclusive) and upper bound (exclusive), ms. */
  fromMs: number;
  toMs: number;
  count: number;
}

/**
 * Counts on a 1-2-5 log scale from the fastest to the slowest value: a long tail gets as
 * many rows as the bulk, unlike hey's equal-width buckets.
 */
export function histogram(values: Float64Array, n = values.length): Bucket[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === v) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) return [];
  const edges: number[] = [];
  let e = niceBelow(Math.max(lo, 0.001));
  edges.push(e);
  while (e <= hi) {
    e = nextNice(e);
    edges.push(e);
  }
  const buckets: Bucket[] = [];
  for (let b = 0; b + 1 < edges.length; b++) buckets.push({ fromMs: edges[b]!, toMs: edges[b + 1]!, count: 0 });
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    let b = 0;
    while (b < buckets.length - 1 && v >= buckets[b]!.toMs) b++;
    buckets[b]!.count++;
  }
  return buckets;
}

/** Largest 1-2-5 value <= v. */
function niceBelow(v: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  const m = v / p;
  const nice = m >= 5 ? 5 : m >= 2 ? 2 : 1;
  return round(nice * p);
}

function nextNice(v: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
  const m = Math.round(v / p);
  return round(m === 1 ? 2 * p : m === 2 ? 5 * p : 10 * p);
}

function round(v: number): number {
  return Number(v.toPrecision(6));
}

export interface ErrorGroup {
  /** "timeout (header)", "refused", ... */
  key: string;
  kind: Failure['kind'];
  timeout: Failure['timeout'];
  phase: Failure['phase'];
  count: number;
  /** The first message of the kind (the URL and advice are the same for all). */
  example: string;
  /** Trace ids of the first few, to look them up in the service's logs (none without traceparent). */
  traceIds: string[];
}

export interface SlowRequest {
  index: number;
  traceId: string;
  totalMs: number;
  status: number;
  reused: boolean;
}

/** Where the slowest requests spent their time. */
export interface Tail {
  /** Requests at or above the p99 of total (at least one). */
  requests: number;
  /** The p99 of total: the tail's threshold, ms. */
  fromMs: number;
  /** The phase that took the largest share of those requests' time ('wait': behind an open loop's schedule). */
  phase: 'dns' | 'connect' | 'tls' | 'serverProcessing' | 'transfer' | 'wait';
  /** Its mean over those requests (0 where it did not happen, e.g. connect on a reused connection), and their mean total, ms. */
  phaseMs: number;
  totalMs: number;
}

export interface LoadSummary {
  requests: number;
  completed: number;
  failed: number;
  phases: Record<PhaseName, Stat | null>;
  /** Open loop (-q): the wait past each request's scheduled send time; null in a closed loop. */
  wait: Stat | null;
  /** Responses by class: "2xx", "3xx", "4xx", "5xx" (and "1xx"), only those seen. */
  statusClasses: Record<string, number>;
  /** The slowest 1% and the phase they spent most time in; null without a completed request. */
  tail: Tail | null;
  histogram: Bucket[];
  statuses: Record<string, number>;
  errors: ErrorGroup[];
  /** Requests on reused connections (among completed and failed). */
  reusedRequests: number;
  slowest: SlowRequest[];
  protocols: Record<string, number>;
}

/** Request indices in use: every one of [0, size) was recorded or skipped. */
function used(s: Samples): number {
  return s.count > 0 ? s.size : 0;
}

/** Requests whose final status is in [from, to]. */
export function countStatus(s: Samples, from: number, to: number): number {
  let k = 0;
  const n = used(s);
  for (let i = 0; i < n; i++) {
    const st = s.status[i]!;
    if (st >= from && st <= to) k++;
  }
  return k;
}

export function summarise(s: Samples, slowest = 5): LoadSummary {
  const n = used(s);
  const phases = {} as Record<PhaseName, Stat | null>;
  for (const p of PHASES) phases[p] = stat(s.phases[p], n);
  const statuses: Record<string, number> = {};
  const statusClasses: Record<string, number> = {};
  let reused = 0;
  for (let i = 0; i < n; i++) {
    const st = s.status[i]!;
    if (st) {
      statuses[st] = (statuses[st] ?? 0) + 1;
      const cls = `${Math.floor(st / 100)}xx`;
      statusClasses[cls] = (statusClasses[cls] ?? 0) + 1;
    }
    reused += s.reused[i]!;
  }
  const groups = new Map<string, ErrorGroup>();
  for (const [i, f] of [...s.failures].sort((a, b) => a[0] - b[0])) {
    const key = f.timeout ? `timeout (${f.timeout})` : f.kind === 'status' ? `status ${f.code}` : f.kind;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, kind: f.kind, timeout: f.timeout, phase: f.phase, count: 0, example: f.message, traceIds: [] }));
    g.count++;
    const id = s.traceId(i);
    if (id && g.traceIds.length < 3) g.traceIds.push(id);
  }
  const total = s.phases.total;
  // The k slowest by insertion into a short sorted list: no sort of every request.
  const top: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = total[i]!;
    if (v !== v || (top.length === slowest && v <= total[top[top.length - 1]!]!)) continue;
    let at = top.length;
    while (at > 0 && total[top[at - 1]!]! < v) at--;
    top.splice(at, 0, i);
    if (top.length > slowest) top.pop();
  }
  return {
    requests: s.count,
    completed: s.count - s.failures.size,
    failed: s.failures.size,
    phases,
    wait: stat(s.wait, n),
    statusClasses,
    tail: phases.total ? tailOf(s, n, phases.total.p99) : null,
    histogram: histogram(total, n),
    statuses,
    errors: [...groups.values()].sort((a, b) => b.count - a.count),
    reusedRequests: reused,
    slowest: top.map((i) => ({ index: i, traceId: s.traceId(i), totalMs: total[i]!, status: s.status[i]!, reused: s.reused[i] === 1 })),
    protocols: Object.fromEntries(s.protocols),
  };
}

/**
 * The slowest 1% of requests (total at or above its p99), and the phase that took most of
 * their time, each phase averaged over all of them. Comparing phases' own p99s misleads:
 * tcp connect happens once per connection, so with 4 connections its "p99" is the slowest
 * of 4 connects, which may be in no slow request at all.
 */
function tailOf(s: Samples, n: number, from: number): Tail | null {
  const keys = ['dns', 'connect', 'tls', 'serverProcessing', 'transfer', 'wait'] as const;
  const cols = keys.map((k) => (k === 'wait' ? s.wait : s.phases[k]));
  const sums = keys.map(() => 0);
  const total = s.phases.total;
  let k = 0;
  let sumTotal = 0;
  for (let i = 0; i < n; i++) {
    const t = total[i]!;
    if (!(t >= from)) continue;
    k++;
    sumTotal += t;
    for (let c = 0; c < cols.length; c++) {
      const v = cols[c]![i]!;
      if (v === v) sums[c]! += v;
    }
  }
  if (k === 0) return null;
  let best = 0;
  for (let c = 1; c < keys.length; c++) if (sums[c]! > sums[best]!) best = c;
  return { requests: k, fromMs: from, phase: keys[best]!, phaseMs: sums[best]! / k, totalMs: sumTotal / k };
}
