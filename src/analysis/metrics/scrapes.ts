// What changes between scrapes of one service: counters that go down (a reset, or a
// counter that is not one), series that come and go (churn: a label whose values are
// per request or per moment), families that appear or vanish, and the goroutine count's
// trend. Each scrape is compared with the one before; what the next one needs (series
// identities per family, counter values) is kept as 64-bit hashes and numbers.
import { formatSeries, formatValue, own, type Family, type Series } from '../../formats/prometheus/index.js';
import type { FamilyAcc } from './families.js';
import { HashSet64, fmix, hashA, hashB } from './hash.js';
import type { MetricProblem } from './rules.js';
import type { RuntimeFacts } from './runtime.js';

const EXAMPLES = 3;
/** Counter values remembered between scrapes, at most: beyond, resets go unchecked (and it says so). */
export const MAX_TRACKED_COUNTERS = 500_000;

interface Memory {
  families: Set<string>;
  series: Map<string, HashSet64>;
  counters: Map<number, number>;
  startTime: number | null;
}

interface Churn {
  added: number;
  removed: number;
  examples: string[];
}

interface Resets {
  count: number;
  examples: string[];
}

export interface ScrapeTrend {
  goroutines: (number | null)[];
  scrapes: number;
}

export class Scrapes {
  private prev: Memory | null = null;
  private next: Memory | null = null;
  private scrapes = 0;
  private readonly churn = new Map<string, Churn>();
  private readonly resets = new Map<string, Resets>();
  private readonly appeared = new Map<string, number>();
  private readonly vanished = new Map<string, number>();
  private readonly goroutines: (number | null)[] = [];
  private restarts = 0;
  private countersCapped = false;
  private addedNow = new Map<string, number>();
  private readonly familyHash = new Map<string, [number, number]>();

  /** A new scrape starts. */
  begin(): void {
    this.scrapes++;
    this.next = { families: new Set(), series: new Map(), counters: new Map(), startTime: null };
    this.addedNow = new Map();
  }

  series(f: Family, s: Series, a: number, b: number): void {
    const next = this.next!;
    const prev = this.prev;
    // Counter values of all families share one map: the family's name is part of the key.
    let fh = this.familyHash.get(f.name);
    if (!fh) this.familyHash.set(f.name, (fh = [hashA(f.name), hashB(f.name)]));
    const key = fmix(a ^ fh[0]) * 2097152 + (fmix(b ^ fh[1]) >>> 11);
    const value = f.type === 'counter' ? s.value : f.type === 'histogram' || f.type === 'summary' ? s.count : undefined;
    if (value !== undefined && !Number.isNaN(value)) {
      if (next.counters.size < MAX_TRACKED_COUNTERS) next.counters.set(key, value);
      else this.countersCapped = true;
      const before = prev?.counters.get(key);
      if (before !== undefined && value < before) {
        let r = this.resets.get(f.name);
        if (!r) this.resets.set(f.name, (r = { count: 0, examples: [] }));
        r.count++;
        if (r.examples.length < EXAMPLES) r.examples.push(own(`${formatSeries(f.name, s.labels)} ${formatValue(value)} after ${formatValue(before)}`));
      }
    }
    const prevSet = prev?.series.get(f.name);
    if (prev && prevSet && !prevSet.has(a, b)) {
      this.addedNow.set(f.name, (this.addedNow.get(f.name) ?? 0) + 1);
      const c = this.churnOf(f.name);
      c.added++;
      if (c.examples.length < EXAMPLES) c.examples.push(own(formatSeries(f.name, s.labels)));
    }
  }

  endFamily(f: Family, acc: FamilyAcc): void {
    const next = this.next!;
    const set = acc.takeSeriesSet();
    const had = next.series.get(f.name);
    if (had) set.forEach((x, y) => had.add(x, y));
    else next.series.set(f.name, set);
  }

  /** The scrape ended: families that came or went, series that went. */
  end(families: readonly Family[], runtime: RuntimeFacts | null): void {
    const next = this.next!;
    for (const f of families) if (f.series > 0) next.families.add(f.name);
    next.startTime = runtime?.startTimeSeconds ?? null;
    this.goroutines.push(runtime?.goroutines ?? null);
    const prev = this.prev;
    if (prev) {
      for (const name of next.families) if (!prev.families.has(name)) this.appeared.set(name, (this.appeared.get(name) ?? 0) + 1);
      for (const name of prev.families) if (!next.families.has(name)) this.vanished.set(name, (this.vanished.get(name) ?? 0) + 1);
      for (const [name, before] of prev.series) {
        const now = next.series.get(name);
        if (!now) continue;
        const common = now.size - (this.addedNow.get(name) ?? 0);
        const removed = before.size - common;
        if (removed > 0) this.churnOf(name).removed += removed;
      }
      if (prev.startTime !== null && next.startTime !== null && prev.startTime !== next.startTime) this.restarts++;
    }
    this.prev = next;
    this.next = null;
  }

  private churnOf(name: string): Churn {
    let c = this.churn.get(name);
    if (!c) this.churn.set(name, (c = { added: 0, removed: 0, examples: [] }));
    return c;
  }

  problems(): MetricProblem[] {
    if (this.scrapes < 2) return [];
    const out: MetricProblem[] = [];
    for (const [metric, r] of this.resets) {
      // After a restart every counter starts again: worth saying, not a fault of the counter.
      out.push({
        rule: 'counter-reset',
        severity: this.restarts > 0 ? 'info' : 'warning',
        metric,
        count: r.count,
        examples: r.examples,
        data: { scrapes: this.scrapes, restarts: this.restarts },
      });
    }
    for (const [metric, c] of this.churn) {
      const series = this.prev?.series.get(metric)?.size ?? 0;
      // New series alone are normal (a status code seen for the first time); series that go away, or many new ones, are churn.
      if (c.removed === 0 && (c.added < 5 || c.added < 0.1 * series)) continue;
      out.push({
        rule: 'series-churn',
        severity: 'warning',
        metric,
        count: c.added + c.removed,
        examples: c.examples,
        data: { added: c.added, removed: c.removed, series, scrapes: this.scrapes },
      });
    }
    for (const [metric, n] of this.appeared)
      out.push({ rule: 'family-churn', severity: 'warning', metric, count: n, data: { change: 'appeared', times: n, scrapes: this.scrapes } });
    for (const [metric, n] of this.vanished)
      out.push({ rule: 'family-churn', severity: 'warning', metric, count: n, data: { change: 'vanished', times: n, scrapes: this.scrapes } });
    return out;
  }

  /** The last scrape's runtime facts with the goroutine count of every scrape. */
  runtimeWithTrend(r: RuntimeFacts | null): (RuntimeFacts & { goroutinesTrend?: (number | null)[] }) | null {
    if (!r) return null;
    return this.scrapes > 1 ? { ...r, goroutinesTrend: [...this.goroutines] } : r;
  }

  get countersUnchecked(): boolean {
    return this.countersCapped;
  }

  get count(): number {
    return this.scrapes;
  }
}
