// Every rule goscope metrics applies: its id (for --disable and JSON), how bad a hit is,
// and whether it is one of promlint's (whose problems carry promlint's own text).

export type Severity = 'error' | 'warning' | 'info';

export interface RuleInfo {
  severity: Severity;
  /** A rule of client_golang's promlint (promtool check metrics), with its exact problem text. */
  promlint?: true;
  /** Needs two or more scrapes (--samples). */
  scrapes?: true;
}

export const RULES = {
  // promlint, in promlint's order.
  help: { severity: 'warning', promlint: true },
  'base-unit': { severity: 'warning', promlint: true },
  'counter-total': { severity: 'warning', promlint: true },
  'non-counter-total': { severity: 'warning', promlint: true },
  'reserved-suffix': { severity: 'warning', promlint: true },
  'reserved-label': { severity: 'warning', promlint: true },
  'type-in-name': { severity: 'warning', promlint: true },
  'reserved-chars': { severity: 'warning', promlint: true },
  'camel-case': { severity: 'warning', promlint: true },
  'unit-abbreviation': { severity: 'warning', promlint: true },
  'duplicate-series': { severity: 'error', promlint: true },
  // Labels and cardinality.
  'empty-label-value': { severity: 'warning' },
  'unbounded-label': { severity: 'warning' },
  'high-cardinality': { severity: 'warning' },
  // Data that cannot be right.
  'histogram-bucket-order': { severity: 'error' },
  'histogram-not-cumulative': { severity: 'error' },
  'histogram-no-inf': { severity: 'error' },
  'histogram-count-mismatch': { severity: 'error' },
  'native-histogram-count': { severity: 'error' },
  'summary-quantile-range': { severity: 'error' },
  'counter-negative': { severity: 'error' },
  'family-split': { severity: 'warning' },
  // Names and units.
  'same-quantity': { severity: 'warning' },
  /** An error in OpenMetrics text, where Prometheus refuses the scrape for it. */
  'unit-suffix': { severity: 'warning' },
  // Across scrapes.
  'counter-reset': { severity: 'warning', scrapes: true },
  'series-churn': { severity: 'warning', scrapes: true },
  'family-churn': { severity: 'warning', scrapes: true },
  // The Go runtime's own metrics.
  'fd-limit': { severity: 'warning' },
  'heap-limit': { severity: 'warning' },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];

export const PROMLINT_RULES = RULE_IDS.filter((r) => (RULES[r] as RuleInfo).promlint);

export function isRule(s: string): s is RuleId {
  return Object.hasOwn(RULES, s);
}

/** One problem: structured, so any report can word it; promlint's carry promlint's text. */
export interface MetricProblem {
  rule: RuleId;
  severity: Severity;
  /** The family (client_golang's name for it). */
  metric: string;
  /** promlint's message, verbatim (promlint rules only). */
  text?: string;
  label?: string;
  /** Example series or values. */
  examples?: string[];
  /** How many times it occurs (promlint counts each occurrence; others: series affected). */
  count: number;
  /** Rule-specific numbers and names (documented with each rule in report/metrics.ts). */
  data?: Record<string, number | string | boolean>;
}

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
