// The Go runtime's own metrics, as client_golang's Go and process collectors export
// them, turned into facts: Go version, goroutines, threads, GC pauses, heap against
// GOMEMLIMIT, open file descriptors against their limit.
import { own, type Family, type Series } from '../../formats/prometheus/index.js';
import type { MetricProblem } from './rules.js';

export interface GcPauses {
  /** Quantile -> seconds, as go_gc_duration_seconds reports them (0, 0.25, 0.5, 0.75, 1). */
  quantiles: Record<string, number>;
  count: number;
  sumSeconds: number;
}

export interface RuntimeFacts {
  goVersion: string | null;
  goroutines: number | null;
  threads: number | null;
  gomaxprocs: number | null;
  /** GOGC (-1: off). */
  gogc: number | null;
  /** GOMEMLIMIT in bytes; null when absent or not set (math.MaxInt64). */
  memoryLimitBytes: number | null;
  heapAllocBytes: number | null;
  /** Memory the Go runtime holds from the OS and has not returned (sys - heap released): what GOMEMLIMIT limits. */
  runtimeBytes: number | null;
  residentBytes: number | null;
  openFds: number | null;
  maxFds: number | null;
  startTimeSeconds: number | null;
  gcPauses: GcPauses | null;
}

/** The families read, and the fact each feeds. */
const WANTED = new Set([
  'go_info',
  'go_goroutines',
  'go_threads',
  'go_sched_gomaxprocs_threads',
  'go_gc_gogc_percent',
  'go_gc_gomemlimit_bytes',
  'go_memstats_heap_alloc_bytes',
  'go_memstats_sys_bytes',
  'go_memstats_heap_released_bytes',
  'process_resident_memory_bytes',
  'process_open_fds',
  'process_max_fds',
  'process_start_time_seconds',
  'go_gc_duration_seconds',
]);

/** math.MaxInt64 as a float: GOMEMLIMIT's "no limit". */
const NO_LIMIT = 9.2e18;

export class RuntimeCollector {
  private readonly values = new Map<string, number>();
  private version: string | null = null;
  private pauses: GcPauses | null = null;

  wants(f: Family): boolean {
    return WANTED.has(f.name);
  }

  add(f: Family, s: Series): void {
    if (f.name === 'go_info') {
      const i = s.labels.indexOf('version');
      if (i >= 0 && i % 2 === 0) this.version = own(s.labels[i + 1]!);
      return;
    }
    if (s.labels.length > 0 || this.values.has(f.name)) return; // only a family's one unlabelled series
    if (f.name === 'go_gc_duration_seconds') {
      if (!s.quantiles) return;
      const quantiles: Record<string, number> = {};
      s.quantiles.forEach((q, i) => (quantiles[String(q)] = s.quantileValues![i]!));
      this.pauses = { quantiles, count: s.count ?? 0, sumSeconds: s.sum ?? 0 };
      this.values.set(f.name, 1);
      return;
    }
    this.values.set(f.name, s.value);
  }

  facts(): RuntimeFacts | null {
    const v = (k: string): number | null => {
      const x = this.values.get(k);
      return x === undefined || Number.isNaN(x) ? null : x;
    };
    if (this.values.size === 0 && this.version === null) return null;
    const limit = v('go_gc_gomemlimit_bytes');
    const sys = v('go_memstats_sys_bytes');
    const released = v('go_memstats_heap_released_bytes');
    return {
      goVersion: this.version,
      goroutines: v('go_goroutines'),
      threads: v('go_threads'),
      gomaxprocs: v('go_sched_gomaxprocs_threads'),
      gogc: v('go_gc_gogc_percent'),
      memoryLimitBytes: limit !== null && limit < NO_LIMIT ? limit : null,
      heapAllocBytes: v('go_memstats_heap_alloc_bytes'),
      runtimeBytes: sys !== null ? sys - (released ?? 0) : null,
      residentBytes: v('process_resident_memory_bytes'),
      openFds: v('process_open_fds'),
      maxFds: v('process_max_fds'),
      startTimeSeconds: v('process_start_time_seconds'),
      gcPauses: this.pauses,
    };
  }
}

/** File descriptors at this share of their limit are a problem: accept() fails at the limit. */
export const FD_LIMIT_SHARE = 0.8;
/** Runtime memory at this share of GOMEMLIMIT: the GC runs ever more often near it. */
export const HEAP_LIMIT_SHARE = 0.9;

export function runtimeProblems(r: RuntimeFacts | null): MetricProblem[] {
  const out: MetricProblem[] = [];
  if (!r) return out;
  if (r.openFds !== null && r.maxFds !== null && r.maxFds > 0 && r.openFds >= FD_LIMIT_SHARE * r.maxFds) {
    out.push({ rule: 'fd-limit', severity: 'warning', metric: 'process_open_fds', count: 1, data: { open: r.openFds, max: r.maxFds } });
  }
  if (r.runtimeBytes !== null && r.memoryLimitBytes !== null && r.runtimeBytes >= HEAP_LIMIT_SHARE * r.memoryLimitBytes) {
    out.push({
      rule: 'heap-limit',
      severity: 'warning',
      metric: 'go_gc_gomemlimit_bytes',
      count: 1,
      data: { bytes: r.runtimeBytes, limit: r.memoryLimitBytes },
    });
  }
  return out;
}
