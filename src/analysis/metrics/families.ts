// Per-family aggregates, built one series at a time as the exposition streams by: series
// counts (exact, as 64-bit hashes), label value sets (exact up to a cap, estimated past
// it), empty values, what the values look like, which label multiplies the series, and
// the checks of each histogram, summary and counter. A family's sets live only while its
// series arrive; when it ends they shrink to a summary, so memory is one family's sets.
import { formatSeries as fmtSeries, formatValue as goFloat, own, type Family, type Series } from '../../formats/prometheus/index.js';
import { CLASSIFY_MAX, classify, type ValueKind } from './classify.js';
import { Distinct, HashSet64, fmix, fold, hashA, hashB } from './hash.js';
import type { RuleId } from './rules.js';

const EXAMPLES = 3;
/** Series-without-one-label counted exactly up to this many, estimated beyond (only a ratio is shown). */
const WITHOUT_CAP = 4096;

/** A series as text, as a flat string of its own (examples outlive the input). */
function formatSeries(name: string, labels: readonly string[], extra?: readonly string[]): string {
  return own(fmtSeries(name, labels, extra));
}

export interface KindCount {
  kind: ValueKind;
  /** Distinct values of this kind among those classified. */
  values: number;
  examples: string[];
}

export interface LabelSummary {
  name: string;
  /** Series that have this label. */
  series: number;
  /** Distinct values (an estimate when `estimated`). */
  values: number;
  estimated: boolean;
  /**
   * How many times the label multiplies the family: its series over the distinct series
   * left when the label is dropped (1: it adds no series; 50: fifty series where one would do).
   */
  factor: number;
  /** Series whose value is "". */
  empty: number;
  emptyExamples: string[];
  /** The first distinct values. */
  examples: string[];
  /** Distinct values classified (at most CLASSIFY_MAX) and the kinds found among them. */
  classified: number;
  kinds: KindCount[];
}

/** A check that failed on some series of a family: how often, and the first cases. */
export interface CheckHit {
  count: number;
  examples: string[];
  data?: Record<string, number | string>;
}

export interface FamilySummary {
  family: Family;
  /** Label sets (client_golang metrics). */
  labelSets: number;
  /** Series as Prometheus stores them and promtool --extended counts them (histogram: buckets + 2, summary: quantiles + 2). */
  series: number;
  labels: LabelSummary[];
  /** Occurrences of each label name over all series (promlint). */
  labelUses: Map<string, number>;
  duplicates: number;
  duplicateExamples: string[];
  checks: Map<RuleId, CheckHit>;
  /** Times its series resumed after another family's (the exposition split it). */
  resumed: number;
}

class LabelAcc {
  readonly name: string;
  readonly seedA: number;
  readonly seedB: number;
  series = 0;
  empty = 0;
  emptyExamples: string[] = [];
  values = new Distinct();
  without = new Distinct(WITHOUT_CAP);
  examples: string[] = [];
  classified = 0;
  kinds = new Map<ValueKind, KindCount>();

  constructor(name: string) {
    this.name = name;
    this.seedA = fmix(hashA(name));
    this.seedB = fmix(hashB(name)) ^ 0x5bd1e995;
  }
}

/** One family's series while they arrive. */
export class FamilyAcc {
  readonly family: Family;
  private readonly labels = new Map<string, LabelAcc>();
  readonly labelUses = new Map<string, number>();
  private seriesSet: HashSet64 | null = new HashSet64();
  labelSets = 0;
  series = 0;
  duplicates = 0;
  duplicateExamples: string[] = [];
  readonly checks = new Map<RuleId, CheckHit>();
  private pa = new Int32Array(16);
  private pb = new Int32Array(16);
  /** Identity of the last series added (for callers that track series across scrapes). */
  lastA = 0;
  lastB = 0;

  constructor(family: Family) {
    this.family = family;
  }

  /** Adds one series; returns false when its label set was seen before in this family. */
  add(s: Series): boolean {
    const L = s.labels;
    const n = L.length >> 1;
    if (this.pa.length < n) {
      this.pa = new Int32Array(n * 2);
      this.pb = new Int32Array(n * 2);
    }
    const pa = this.pa;
    const pb = this.pb;
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < n; i++) {
      const name = L[2 * i]!;
      const value = L[2 * i + 1]!;
      let lab = this.labels.get(name);
      if (!lab) {
        lab = new LabelAcc(own(name));
        this.labels.set(name, lab);
      }
      lab.series++;
      // hashA and hashB of the value in one pass (the hot loop of the whole analysis).
      let ha = lab.seedA;
      let hb = lab.seedB;
      for (let j = 0; j < value.length; j++) {
        const c = value.charCodeAt(j);
        ha = Math.imul(ha ^ c, 0x01000193);
        hb = Math.imul(hb ^ c, 0x5bd1e995) ^ (hb >>> 15);
      }
      const va = fmix(ha);
      const vb = fmix(hb);
      pa[i] = va;
      pb[i] = vb;
      a = fold(a, va);
      b = fold(b, vb);
      if (lab.values.add(va, vb)) {
        if (lab.examples.length < EXAMPLES) lab.examples.push(own(value));
        if (lab.classified < CLASSIFY_MAX && value !== '') {
          lab.classified++;
          const kind = classify(value);
          if (kind) {
            let k = lab.kinds.get(kind);
            if (!k) lab.kinds.set(kind, (k = { kind, values: 0, examples: [] }));
            k.values++;
            if (k.examples.length < EXAMPLES) k.examples.push(own(value));
          }
        }
      }
      if (value === '') {
        lab.empty++;
        if (lab.emptyExamples.length < EXAMPLES) lab.emptyExamples.push(formatSeries(this.family.name, L));
      }
    }
    if (n > 1) {
      for (let i = 0; i < n; i++) {
        let wa = 0x811c9dc5;
        let wb = 0x9747b28c;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          wa = fold(wa, pa[j]!);
          wb = fold(wb, pb[j]!);
        }
        this.labels.get(L[2 * i]!)!.without.add(fmix(wa), fmix(wb));
      }
    } else if (n === 1) {
      this.labels.get(L[0]!)!.without.add(1, 1);
    }
    this.labelSets++;
    this.series += promtoolSeries(s);
    a = fmix(a);
    b = fmix(b);
    this.lastA = a;
    this.lastB = b;
    for (let i = 0; i < L.length; i += 2) {
      const u = this.labelUses.get(L[i]!);
      this.labelUses.set(u === undefined ? own(L[i]!) : L[i]!, (u ?? 0) + 1);
    }
    const fresh = this.seriesSet!.add(a, b);
    if (!fresh) {
      const t = this.family.type;
      if (t === 'histogram' || t === 'gaugehistogram' || t === 'summary') {
        // Go's parser merges such lines into one series; they are a split, not a duplicate.
        this.hit('family-split', formatSeries(this.family.name, L));
      } else {
        this.duplicates++;
        if (this.duplicateExamples.length < EXAMPLES) this.duplicateExamples.push(formatSeries(this.family.name, L));
      }
    }
    this.check(s);
    return fresh;
  }

  /** The set of series identities (kept across scrapes for churn). */
  takeSeriesSet(): HashSet64 {
    const s = this.seriesSet!;
    this.seriesSet = null;
    return s;
  }

  hit(rule: RuleId, example: string, data?: Record<string, number | string>): void {
    let h = this.checks.get(rule);
    if (!h) this.checks.set(rule, (h = { count: 0, examples: [], ...(data ? { data } : {}) }));
    h.count++;
    if (h.examples.length < EXAMPLES) h.examples.push(own(example));
  }

  /** Histogram, summary and counter values that cannot be right. */
  private check(s: Series): void {
    const t = this.family.type;
    if (t === 'counter' && s.value < 0) this.hit('counter-negative', `${formatSeries(this.family.name, s.labels)} ${s.value}`);
    const les = s.les;
    const counts = s.bucketCounts;
    if (les && counts && les.length > 0) {
      const name = this.family.declared;
      for (let i = 1; i < les.length; i++) {
        if (!(les[i]! > les[i - 1]!)) {
          this.hit('histogram-bucket-order', `${formatSeries(name + '_bucket', s.labels, ['le', goFloat(les[i - 1]!)])} before le="${goFloat(les[i]!)}"`);
          break;
        }
      }
      for (let i = 1; i < counts.length; i++) {
        if (counts[i]! < counts[i - 1]!) {
          this.hit(
            'histogram-not-cumulative',
            `${formatSeries(name + '_bucket', s.labels, ['le', goFloat(les[i]!)])} ${goFloat(counts[i]!)} < ${goFloat(counts[i - 1]!)} at le="${goFloat(les[i - 1]!)}"`,
          );
          break;
        }
      }
      const last = les[les.length - 1]!;
      if (last !== Infinity) this.hit('histogram-no-inf', `${formatSeries(name + '_bucket', s.labels)}: highest le="${goFloat(last)}"`);
      else if (s.count !== undefined && s.count !== counts[counts.length - 1]) {
        this.hit(
          'histogram-count-mismatch',
          `${formatSeries(name + '_count', s.labels)} ${goFloat(s.count)} but le="+Inf" ${goFloat(counts[counts.length - 1]!)}`,
        );
      }
    }
    const nh = s.native;
    if (nh) {
      let total = nh.zeroCount;
      let negative = false;
      for (const c of nh.positiveCounts) {
        total += c;
        if (c < 0) negative = true;
      }
      for (const c of nh.negativeCounts) {
        total += c;
        if (c < 0) negative = true;
      }
      // Buckets of a native histogram with classic buckets too: only the native part is checked here.
      if (
        negative ||
        (s.count !== undefined &&
          Math.abs(total - s.count) > 1e-9 * Math.max(1, s.count) &&
          !(nh.positiveSpans.length === 0 && nh.negativeSpans.length === 0 && total === 0))
      ) {
        this.hit(
          'native-histogram-count',
          `${formatSeries(this.family.name, s.labels)}: count ${goFloat(s.count ?? 0)}, buckets add up to ${goFloat(total)}${negative ? ' (a bucket count is negative)' : ''}`,
        );
      }
    }
    const qs = s.quantiles;
    if (qs) {
      for (const q of qs) {
        if (!(q >= 0 && q <= 1)) {
          this.hit('summary-quantile-range', `${formatSeries(this.family.name, s.labels, ['quantile', goFloat(q)])}`);
          break;
        }
      }
    }
  }

  /** The family's summary; its sets are released. */
  finish(): FamilySummary {
    const labels: LabelSummary[] = [];
    for (const lab of this.labels.values()) {
      const without = lab.without.size;
      labels.push({
        name: lab.name,
        series: lab.series,
        values: lab.values.size,
        estimated: lab.values.estimated,
        factor: without > 0 ? lab.series / without : 1,
        empty: lab.empty,
        emptyExamples: lab.emptyExamples,
        examples: lab.examples,
        classified: lab.classified,
        kinds: [...lab.kinds.values()].sort((x, y) => y.values - x.values),
      });
    }
    this.labels.clear();
    this.seriesSet = null;
    return {
      family: this.family,
      labelSets: this.labelSets,
      series: this.series,
      labels,
      labelUses: this.labelUses,
      duplicates: this.duplicates,
      duplicateExamples: this.duplicateExamples,
      checks: this.checks,
      resumed: 0,
    };
  }
}

/** promtool check metrics --extended's count for one series. */
function promtoolSeries(s: Series): number {
  if (s.les) return s.les.length + 2;
  if (s.quantiles) return s.quantiles.length + 2;
  if (s.count !== undefined || s.sum !== undefined) return 2;
  return 1;
}

/** Adds a later streak of a split family to its summary (counts add up; distinct values are then upper bounds). */
export function mergeSummary(into: FamilySummary, more: FamilySummary): void {
  into.labelSets += more.labelSets;
  into.series += more.series;
  into.duplicates += more.duplicates;
  into.resumed++;
  for (const [k, v] of more.labelUses) into.labelUses.set(k, (into.labelUses.get(k) ?? 0) + v);
  for (const l of more.labels) {
    const m = into.labels.find((x) => x.name === l.name);
    if (!m) into.labels.push(l);
    else {
      m.series += l.series;
      m.values += l.values;
      m.empty += l.empty;
      m.estimated = true;
    }
  }
  for (const [rule, h] of more.checks) {
    const m = into.checks.get(rule);
    if (!m) into.checks.set(rule, h);
    else {
      m.count += h.count;
      for (const e of h.examples) if (m.examples.length < EXAMPLES) m.examples.push(e);
    }
  }
}
