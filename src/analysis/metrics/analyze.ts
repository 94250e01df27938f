// goscope metrics' analysis of one scrape: a sink for the exposition parsers that keeps
// per-family aggregates while series stream by, then turns them into problems (promlint's
// rules with promlint's words, and goscope's own), a cardinality table and the Go
// runtime's facts. Across scrapes, a Scrapes object carries what the next one compares
// against (series identities, counter values) and what was found between them.
import type { ExpositionSink, Family, ParseSummary, Series } from '../../formats/prometheus/index.js';
import { FamilyAcc, mergeSummary, type FamilySummary } from './families.js';
import { KIND_MIN } from './classify.js';
import { sameQuantity, unitSuffix } from './names.js';
import { promlint } from './promlint.js';
import { RULES, SEVERITY_ORDER, type MetricProblem, type RuleId } from './rules.js';
import { RuntimeCollector, runtimeProblems, type RuntimeFacts } from './runtime.js';
import type { Scrapes } from './scrapes.js';

/** A family with more series than this is a problem (one family should not be a tenth of a small Prometheus). */
export const HIGH_CARDINALITY = 10_000;
/** Share of a label's classified values that must be of one unbounded kind. */
export const UNBOUNDED_SHARE = 0.5;

export interface CardinalityRow {
  metric: string;
  type: string;
  /** Series as Prometheus stores them (promtool check metrics --extended's cardinality). */
  series: number;
  /** Label sets (client_golang metrics: a histogram is one). */
  labelSets: number;
  /** Share of all series. */
  share: number;
  /** Label name -> distinct values. */
  labels: Record<string, number>;
  /** Label name -> how many times it multiplies the family's series. */
  factors: Record<string, number>;
  /** Labels whose distinct count is an estimate (past 65,536 values). */
  estimated?: string[];
}

export interface MetricsAnalysis {
  format: ParseSummary['format'];
  bytes: number;
  families: number;
  series: number;
  labelSets: number;
  problems: MetricProblem[];
  cardinality: CardinalityRow[];
  runtime: RuntimeFacts | null;
  /** Per-family summaries, for reports that want more than the table. */
  summaries: FamilySummary[];
}

export interface AnalyseOptions {
  /** Rules not to apply. */
  disabled?: ReadonlySet<RuleId>;
  /** Cross-scrape state (two or more scrapes). */
  scrapes?: Scrapes;
  highCardinality?: number;
}

export class MetricsAnalyzer implements ExpositionSink {
  private readonly opts: AnalyseOptions;
  private current: FamilyAcc | null = null;
  private readonly summaries = new Map<Family, FamilySummary>();
  private readonly runtimeCollector = new RuntimeCollector();

  constructor(opts: AnalyseOptions = {}) {
    this.opts = opts;
    opts.scrapes?.begin();
  }

  series(f: Family, s: Series): void {
    let acc = this.current;
    if (!acc || acc.family !== f) {
      if (acc) this.endFamily(acc.family);
      acc = this.current = new FamilyAcc(f);
    }
    acc.add(s);
    if (this.runtimeCollector.wants(f)) this.runtimeCollector.add(f, s);
    this.opts.scrapes?.series(f, s, acc.lastA, acc.lastB);
  }

  endFamily(f: Family): void {
    const acc = this.current;
    if (!acc || acc.family !== f) return;
    this.current = null;
    this.opts.scrapes?.endFamily(f, acc);
    const sum = acc.finish();
    const prev = this.summaries.get(f);
    if (prev) mergeSummary(prev, sum);
    else this.summaries.set(f, sum);
  }

  finish(parse: ParseSummary): MetricsAnalysis {
    if (this.current) this.endFamily(this.current.family);
    const disabled = this.opts.disabled ?? new Set<RuleId>();
    const summaries = parse.families.filter((f) => f.series > 0).map((f) => this.summaries.get(f)!);
    const problems: MetricProblem[] = [];
    for (const s of summaries) problems.push(...familyProblems(s, this.opts.highCardinality ?? HIGH_CARDINALITY));
    problems.push(...sameQuantity(parse.families), ...unitSuffix(parse.families, parse.format));
    const runtime = this.runtimeCollector.facts();
    const scrapes = this.opts.scrapes;
    if (scrapes) {
      scrapes.end(parse.families, runtime);
      problems.push(...scrapes.problems());
    }
    problems.push(...runtimeProblems(runtime));
    const kept = problems.filter((p) => !disabled.has(p.rule));
    kept.sort(compareProblems);

    const total = summaries.reduce((n, s) => n + s.series, 0);
    const cardinality: CardinalityRow[] = summaries
      .map((s) => {
        const labels: Record<string, number> = {};
        const factors: Record<string, number> = {};
        const estimated: string[] = [];
        for (const l of s.labels) {
          labels[l.name] = l.values;
          factors[l.name] = Math.round(l.factor * 100) / 100;
          if (l.estimated) estimated.push(l.name);
        }
        return {
          metric: s.family.name,
          type: s.family.type,
          series: s.series,
          labelSets: s.labelSets,
          share: total > 0 ? s.series / total : 0,
          labels,
          factors,
          ...(estimated.length ? { estimated } : {}),
        };
      })
      .sort((a, b) => b.series - a.series || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
    return {
      format: parse.format,
      bytes: parse.bytes,
      families: summaries.length,
      series: total,
      labelSets: summaries.reduce((n, s) => n + s.labelSets, 0),
      problems: kept,
      cardinality,
      runtime: scrapes ? scrapes.runtimeWithTrend(runtime) : runtime,
      summaries,
    };
  }
}

/** Errors first, then warnings, then by metric; promlint's problems keep promlint's order within a metric. */
export function compareProblems(a: MetricProblem, b: MetricProblem): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0) ||
    ruleIndex(a.rule) - ruleIndex(b.rule) ||
    ((a.text ?? '') < (b.text ?? '') ? -1 : (a.text ?? '') > (b.text ?? '') ? 1 : 0)
  );
}

const RULE_INDEX = new Map(Object.keys(RULES).map((r, i) => [r, i]));
function ruleIndex(r: RuleId): number {
  return RULE_INDEX.get(r) ?? 0;
}

function familyProblems(s: FamilySummary, highCardinality: number): MetricProblem[] {
  const f = s.family;
  const out: MetricProblem[] = promlint({
    name: f.name,
    type: f.type,
    help: f.help,
    labelUses: s.labelUses,
    duplicates: s.duplicates,
    duplicateExamples: s.duplicateExamples,
  });
  for (const l of s.labels) {
    // An empty value beside real ones: a zero-value field (Prometheus reads "" as no label at all).
    if (l.empty > 0 && l.values > 1) {
      out.push({
        rule: 'empty-label-value',
        severity: 'warning',
        metric: f.name,
        label: l.name,
        count: l.empty,
        examples: l.emptyExamples,
        data: { empty: l.empty, values: l.values - 1, series: l.series },
      });
    }
    // Values of an unbounded kind: the first kind past its minimum that makes up most values.
    for (const k of l.kinds) {
      if (k.values >= KIND_MIN[k.kind] && k.values >= UNBOUNDED_SHARE * l.classified) {
        out.push({
          rule: 'unbounded-label',
          severity: 'warning',
          metric: f.name,
          label: l.name,
          count: l.series,
          examples: k.examples,
          data: { kind: k.kind, values: l.values, matching: k.values, classified: l.classified, ...(l.estimated ? { estimated: true } : {}) },
        });
        break;
      }
    }
  }
  if (s.series > highCardinality && s.labels.length > 0) {
    const top = [...s.labels].sort((a, b) => b.factor - a.factor)[0]!;
    out.push({
      rule: 'high-cardinality',
      severity: 'warning',
      metric: f.name,
      label: top.name,
      count: s.series,
      examples: top.examples,
      data: { series: s.series, labelSets: s.labelSets, values: top.values, factor: Math.round(top.factor * 100) / 100, limit: highCardinality },
    });
  }
  for (const [rule, h] of s.checks) {
    out.push({ rule, severity: RULES[rule].severity, metric: f.name, count: h.count, examples: h.examples, ...(h.data ? { data: h.data } : {}) });
  }
  if (f.split && !s.checks.has('family-split')) {
    out.push({ rule: 'family-split', severity: 'warning', metric: f.name, count: s.resumed + 1, data: { parts: s.resumed + 1 } });
  }
  return out;
}
