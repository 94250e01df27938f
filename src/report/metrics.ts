// goscope metrics' words: each problem's one-line text and fix from its structured fields
// (promlint's problems keep promlint's text), the terminal report grouped by severity,
// and the JSON (schema goscope.metrics/v1). Everything from the exposition is untrusted:
// through clean() on its way to the terminal.
import type { CardinalityRow, MetricProblem, MetricsAnalysis, RuleId, RuntimeFacts } from '../analysis/metrics/index.js';
import { RULES } from '../analysis/metrics/index.js';
import { formatBytes } from '../lib/limits.js';
import { clip } from '../lib/text.js';
import { escapeHtml } from './html.js';
import { clean, plural, style, table, type Style } from './term.js';

const FIXES: Record<RuleId, string> = {
  help: 'give the metric a Help string where it is created',
  'base-unit': 'export the base unit (convert the value) and name the metric after it',
  'counter-total': 'rename the counter with a "_total" suffix',
  'non-counter-total': 'drop "_total" (only counters end in _total), or make it a counter if it only goes up',
  'reserved-suffix': 'rename it: _bucket, _count and _sum belong to histograms and summaries',
  'reserved-label': 'rename the label: "le" belongs to histogram buckets, "quantile" to summaries',
  'type-in-name': 'drop the type from the name: the TYPE line already says it',
  'reserved-chars': 'use "_" instead: colons are reserved for recording rules',
  'camel-case': 'write the name in snake_case',
  'unit-abbreviation': 'spell the unit out, in base units: _seconds, _bytes',
  'duplicate-series': 'export each label set once per family: Prometheus drops the repeated samples of a scrape',
  'empty-label-value': 'set the value (Prometheus reads "" as no label, so these series merge with unlabelled ones), or leave the label out',
  'unbounded-label': 'take the label out (ids belong in logs, traces or exemplars) or map values onto a small fixed set (route templates, status classes)',
  'high-cardinality': 'drop or coarsen the label that multiplies the series',
  'histogram-bucket-order': "write the buckets in increasing le order (client_golang's Histogram does)",
  'histogram-not-cumulative':
    'each bucket counts every observation <= le, so counts never drop from one bucket to the next: use a client library histogram instead of hand-written buckets',
  'histogram-no-inf': 'add the le="+Inf" bucket: it counts every observation and equals _count',
  'histogram-count-mismatch': 'make _count equal the le="+Inf" bucket: both count every observation',
  'native-histogram-count': "the zero bucket and all buckets must add up to the count: report it to the exporter's authors",
  'summary-quantile-range': 'quantiles are between 0 and 1 (0.99, not 99)',
  'counter-negative': 'counters count up from 0: use a gauge for a value that can go below it',
  'family-split': 'write all samples of a family together, after its HELP and TYPE lines',
  'same-quantity': 'export the quantity once, in base units (_seconds, _bytes), and drop or deprecate the other name',
  'unit-suffix': 'make the name end in the unit (_seconds for # UNIT seconds), or fix the unit',
  'counter-reset': 'a counter only goes down when the process restarts: if it did not, this is a gauge, or the counter is recreated',
  'series-churn': 'series that come and go are per request or per moment: take such labels out, or Prometheus keeps every one for its retention',
  'family-churn': 'export every family on every scrape (with zero values when idle) so series do not go stale and come back',
  'fd-limit': 'raise the open files limit (ulimit -n, LimitNOFILE) or find what keeps descriptors open',
  'heap-limit': 'raise GOMEMLIMIT or lower memory use: near the limit the GC runs almost continuously',
};

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function seconds(s: number): string {
  if (s === 0) return '0';
  if (s < 1e-3) return `${Number((s * 1e6).toPrecision(3))}µs`;
  if (s < 1) return `${Number((s * 1e3).toPrecision(3))}ms`;
  return `${Number(s.toPrecision(3))}s`;
}

const KIND_WORDS: Record<string, string> = {
  uuid: 'UUIDs',
  email: 'e-mail addresses',
  ip: 'IP addresses',
  timestamp: 'timestamps',
  id: 'ids',
  path: 'URL paths with ids in them',
};

/** One line saying what is wrong (promlint's own text for its rules). */
export function problemText(p: MetricProblem): string {
  if (p.text !== undefined) return p.text;
  const d = p.data ?? {};
  const num = (k: string) => Number(d[k] ?? 0);
  switch (p.rule) {
    case 'empty-label-value':
      return `label "${p.label}" is empty on ${plural(num('empty'), 'series', 'series')} beside ${plural(num('values'), 'real value')}`;
    case 'unbounded-label':
      return `label "${p.label}" has ${n(num('values'))}${d.estimated ? ' (estimated)' : ''} distinct values that look like ${KIND_WORDS[String(d.kind)] ?? d.kind} (${n(num('matching'))} of ${n(num('classified'))} checked)`;
    case 'high-cardinality':
      return `${n(num('series'))} series (over ${n(num('limit'))}); label "${p.label}" multiplies them ×${num('factor')} with ${n(num('values'))} values`;
    case 'histogram-bucket-order':
      return `histogram buckets are not in increasing le order (${plural(p.count, 'series', 'series')})`;
    case 'histogram-not-cumulative':
      return `histogram buckets are not cumulative: a bucket counts fewer than the one below it (${plural(p.count, 'series', 'series')})`;
    case 'histogram-no-inf':
      return `histogram has no le="+Inf" bucket (${plural(p.count, 'series', 'series')})`;
    case 'histogram-count-mismatch':
      return `histogram _count differs from its le="+Inf" bucket (${plural(p.count, 'series', 'series')})`;
    case 'native-histogram-count':
      return `native histogram buckets do not add up to its count (${plural(p.count, 'series', 'series')})`;
    case 'summary-quantile-range':
      return `summary quantile outside [0, 1] (${plural(p.count, 'series', 'series')})`;
    case 'counter-negative':
      return `counter is negative (${plural(p.count, 'series', 'series')})`;
    case 'family-split':
      return p.examples?.length
        ? `samples of one series are not together (${plural(p.count, 'series', 'series')})`
        : `the family's samples are split into ${num('parts')} groups: another family's samples come in between`;
    case 'same-quantity':
      return `the same quantity as ${d.others} (${d.unit} vs ${d.otherUnits})`;
    case 'unit-suffix':
      return `# UNIT says "${d.unit}" but the name does not end in "_${d.unit}"${d.nameUnit ? ` (it ends in "_${d.nameUnit}")` : ''}${d.refused ? ': Prometheus refuses the whole scrape' : ''}`;
    case 'counter-reset':
      return `went down between scrapes in ${plural(p.count, 'series', 'series')}${num('restarts') > 0 ? ' (the process restarted in between)' : ''}`;
    case 'series-churn':
      return `${n(num('added'))} series appeared and ${n(num('removed'))} disappeared over ${num('scrapes')} scrapes`;
    case 'family-churn':
      return d.change === 'appeared'
        ? `the family was missing, then appeared (over ${num('scrapes')} scrapes)`
        : `the family vanished in a later scrape (over ${num('scrapes')} scrapes)`;
    case 'fd-limit':
      return `open file descriptors at ${Math.round((100 * num('open')) / num('max'))}% of the limit (${n(num('open'))} of ${n(num('max'))})`;
    case 'heap-limit':
      return `Go runtime memory at ${Math.round((100 * num('bytes')) / num('limit'))}% of GOMEMLIMIT (${formatBytes(num('bytes'))} of ${formatBytes(num('limit'))})`;
    default:
      return p.rule;
  }
}

export function problemFix(p: MetricProblem): string {
  return FIXES[p.rule];
}

// ---------------------------------------------------------------------------------------
// JSON

export interface MetricsMeta {
  /** What was read: the URL scraped, a file, or "stdin". */
  source: string;
  /** Captures saved, one per scrape. */
  saved: string[];
  scrapes: number;
  gzip?: boolean;
}

export function problemJson(p: MetricProblem) {
  return {
    metric: p.metric,
    rule: p.rule,
    severity: p.severity,
    text: problemText(p),
    fix: problemFix(p),
    promlint: !!(RULES[p.rule] as { promlint?: boolean }).promlint,
    count: p.count,
    ...(p.label !== undefined ? { label: p.label } : {}),
    ...(p.examples?.length ? { examples: p.examples } : {}),
    ...(p.data ? { data: p.data } : {}),
  };
}

export function metricsJson(a: MetricsAnalysis, meta: MetricsMeta) {
  return {
    schema: 'goscope.metrics/v1',
    source: meta.source,
    saved: meta.saved,
    format: a.format,
    bytes: a.bytes,
    scrapes: meta.scrapes,
    families: a.families,
    series: a.series,
    labelSets: a.labelSets,
    problems: a.problems.map(problemJson),
    cardinality: a.cardinality,
    runtime: a.runtime,
  };
}

// ---------------------------------------------------------------------------------------
// Terminal

const FORMAT_NAMES = { text: 'Prometheus text 0.0.4', openmetrics: 'OpenMetrics 1.0', protobuf: 'protobuf (delimited)' } as const;

export interface RenderOptions {
  /** Cardinality rows to show (default 10). */
  top?: number;
  /** Examples per problem (default 2). */
  examples?: number;
}

export function renderMetrics(a: MetricsAnalysis, meta: MetricsMeta, st: Style, opts: RenderOptions = {}): string {
  const lines: string[] = [];
  const errors = a.problems.filter((p) => p.severity === 'error');
  const warnings = a.problems.filter((p) => p.severity === 'warning');
  const infos = a.problems.filter((p) => p.severity === 'info');
  lines.push(
    `${st.bold(clean(meta.source))}: ${FORMAT_NAMES[a.format]}${meta.gzip ? ', gzip' : ''}, ${formatBytes(a.bytes)}${meta.scrapes > 1 ? `, ${meta.scrapes} scrapes` : ''}`,
  );
  const verdict =
    errors.length + warnings.length === 0
      ? st.green('no problems')
      : [errors.length ? st.red(plural(errors.length, 'error')) : '', warnings.length ? st.yellow(plural(warnings.length, 'warning')) : '']
          .filter(Boolean)
          .join(', ');
  lines.push(`${plural(a.families, 'family', 'families')}, ${n(a.series)} series (${n(a.labelSets)} label sets): ${verdict}`);
  if (a.runtime) lines.push('', ...runtimeLines(a.runtime, st));
  const ex = opts.examples ?? 3;
  for (const [title, list, color] of [
    ['errors', errors, st.red],
    ['warnings', warnings, st.yellow],
    ['notes', infos, st.cyan],
  ] as const) {
    if (list.length === 0) continue;
    lines.push('', color(st.bold(`${title} (${list.length})`)));
    for (const p of list) {
      const where = p.label !== undefined ? `${clean(p.metric)} ${st.dim('{' + clean(p.label) + '}')}` : clean(p.metric);
      const times = p.text !== undefined && p.count > 1 ? ` (×${p.count})` : '';
      lines.push(`  ${st.bold(where)}: ${clean(problemText(p))}${times} ${st.dim('[' + p.rule + ']')}`);
      const examples = (p.examples ?? []).slice(0, ex).map((e) => clean(clip(e, 160)));
      // Label values fit on one line; series get one each.
      if (p.rule === 'unbounded-label' || p.rule === 'high-cardinality') {
        if (examples.length) lines.push(`      ${st.dim('e.g.')} ${examples.join(', ')}`);
      } else for (const e of examples) lines.push(`      ${st.dim('e.g.')} ${e}`);
      lines.push(`      ${st.dim('fix:')} ${problemFix(p)}`);
    }
  }
  lines.push('', ...cardinalityLines(a.cardinality, a.families, st, opts.top ?? 10));
  if (meta.saved.length) lines.push('', st.dim(`saved ${meta.saved.map(clean).join(', ')}`));
  return lines.join('\n');
}

function runtimeLines(r: RuntimeFacts & { goroutinesTrend?: (number | null)[] }, st: Style): string[] {
  const parts: string[] = [];
  if (r.goVersion) parts.push(clean(r.goVersion));
  if (r.goroutines !== null) {
    const trend = r.goroutinesTrend && r.goroutinesTrend.length > 1 ? ` (${r.goroutinesTrend.map((x) => (x === null ? '?' : n(x))).join(' → ')})` : '';
    parts.push(`${n(r.goroutines)} goroutines${trend}`);
  }
  if (r.threads !== null) parts.push(`${n(r.threads)} threads`);
  if (r.gomaxprocs !== null) parts.push(`GOMAXPROCS ${r.gomaxprocs}`);
  if (r.gogc !== null) parts.push(`GOGC ${r.gogc < 0 ? 'off' : r.gogc}`);
  const out = [`${st.bold('Go runtime')}  ${parts.join(' · ')}`];
  const mem: string[] = [];
  if (r.heapAllocBytes !== null) mem.push(`heap ${formatBytes(r.heapAllocBytes)}`);
  if (r.runtimeBytes !== null) {
    mem.push(
      r.memoryLimitBytes !== null
        ? `runtime ${formatBytes(r.runtimeBytes)} of GOMEMLIMIT ${formatBytes(r.memoryLimitBytes)} (${Math.round((100 * r.runtimeBytes) / r.memoryLimitBytes)}%)`
        : `runtime ${formatBytes(r.runtimeBytes)}, no GOMEMLIMIT`,
    );
  }
  if (r.residentBytes !== null) mem.push(`RSS ${formatBytes(r.residentBytes)}`);
  if (r.openFds !== null) mem.push(`open fds ${n(r.openFds)}${r.maxFds !== null ? ` of ${n(r.maxFds)}` : ''}`);
  if (mem.length) out.push(`            ${mem.join(' · ')}`);
  const g = r.gcPauses;
  if (g) {
    const q = (k: string) => (g.quantiles[k] !== undefined ? seconds(g.quantiles[k]!) : '?');
    out.push(
      g.count === 0 ? '            no GC cycle yet' : `            GC pauses p50 ${q('0.5')}, p75 ${q('0.75')}, max ${q('1')} over ${plural(g.count, 'cycle')}`,
    );
  }
  return out;
}

function cardinalityLines(rows: readonly CardinalityRow[], families: number, st: Style, top: number): string[] {
  const shown = rows.slice(0, top);
  if (shown.length === 0) return [st.bold('cardinality: no series')];
  const head = [st.bold('cardinality') + st.dim(` (top ${shown.length} of ${families} families by series)`)];
  const t = [['METRIC', 'TYPE', 'SERIES', 'SHARE', 'LABELS: distinct values ×series multiplied'].map((h) => st.dim(h))];
  for (const r of shown) {
    const labels = Object.entries(r.labels)
      .sort((a, b) => (r.factors[b[0]] ?? 1) - (r.factors[a[0]] ?? 1))
      .slice(0, 5)
      .map(([k, v]) => `${clean(k)} ${n(v)}${(r.factors[k] ?? 1) > 1 ? ' ×' + r.factors[k] : ''}`)
      .join(', ');
    t.push([clean(clip(r.metric, 48)), r.type, n(r.series), `${(r.share * 100).toFixed(1)}%`, labels || st.dim('(no labels)')]);
  }
  return [...head, ...table(t).map((l) => '  ' + l)];
}

// ---------------------------------------------------------------------------------------
// In goscope diagnose: the service's /metrics in a few lines.

/** What diagnose learned from /metrics: the analysis, or why there is none. */
export interface MetricsDigest {
  url: string;
  /** 'ok': scraped and read; 'absent': the service has no /metrics (404); 'failed': anything else. */
  state: 'ok' | 'absent' | 'failed';
  message?: string;
  saved?: string;
  analysis?: MetricsAnalysis;
}

/** Problems diagnose shows: the worst few. */
export const DIGEST_PROBLEMS = 5;

export function metricsDigestLines(m: MetricsDigest, st: Style): string[] {
  if (m.state !== 'ok' || !m.analysis) {
    return [
      st.bold('metrics') + st.dim(` · ${clean(m.url)}: `) + (m.state === 'absent' ? 'the service serves no /metrics' : `not read: ${clean(m.message ?? '')}`),
    ];
  }
  const a = m.analysis;
  const errors = a.problems.filter((p) => p.severity === 'error').length;
  const warnings = a.problems.filter((p) => p.severity === 'warning').length;
  const out = [
    st.bold('metrics') +
      st.dim(` · ${clean(m.url)} · ${plural(a.families, 'family', 'families')}, ${n(a.series)} series · `) +
      (errors + warnings ? [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ') : 'no problems'),
  ];
  if (a.runtime) out.push(...runtimeLines(a.runtime, st).map((l) => '  ' + l.replace(/^ {12}/, '            ')));
  for (const p of a.problems.filter((x) => x.severity !== 'info').slice(0, DIGEST_PROBLEMS)) {
    const where = p.label !== undefined ? `${clean(p.metric)} {${clean(p.label)}}` : clean(p.metric);
    out.push(`  ${p.severity === 'error' ? st.red('error') : st.yellow('warning')} ${where}: ${clean(problemText(p))} ${st.dim('[' + p.rule + ']')}`);
  }
  const more = errors + warnings - DIGEST_PROBLEMS;
  if (more > 0 || a.problems.length)
    out.push(st.dim(`  ${more > 0 ? `${more} more; ` : ''}every problem with its fix: goscope metrics ${clean(m.saved ?? m.url)}`));
  return out;
}

export function metricsDigestJson(m: MetricsDigest) {
  const a = m.analysis;
  return {
    url: m.url,
    state: m.state,
    ...(m.message ? { message: m.message } : {}),
    ...(m.saved ? { saved: m.saved } : {}),
    ...(a
      ? {
          format: a.format,
          families: a.families,
          series: a.series,
          errors: a.problems.filter((p) => p.severity === 'error').length,
          warnings: a.problems.filter((p) => p.severity === 'warning').length,
          problems: a.problems
            .filter((p) => p.severity !== 'info')
            .slice(0, DIGEST_PROBLEMS)
            .map(problemJson),
          runtime: a.runtime,
        }
      : {}),
  };
}

/**
 * The same digest as a section of diagnose's HTML report: the runtime facts and the worst
 * problems with their fixes. Untrusted text is cleaned as for the terminal (so a bidi
 * override cannot reorder the page either), then HTML-escaped.
 */
export function metricsDigestHtml(m: MetricsDigest): string {
  const e = (s: string) => escapeHtml(clean(s));
  const parts = ['<h2 id="metrics">Metrics</h2>'];
  if (m.state !== 'ok' || !m.analysis) {
    const why = m.state === 'absent' ? 'the service serves no /metrics' : `not read: ${m.message ?? ''}`;
    parts.push(`<p data-metrics-state="${m.state}"><code>${e(m.url)}</code>: ${e(why)}</p>`);
    return parts.join('\n');
  }
  const a = m.analysis;
  const errors = a.problems.filter((p) => p.severity === 'error').length;
  const warnings = a.problems.filter((p) => p.severity === 'warning').length;
  const verdict =
    errors + warnings ? [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ') : 'no problems';
  parts.push(
    `<p data-metrics-state="ok"><code>${e(m.url)}</code> · ${e(plural(a.families, 'family', 'families'))}, ${e(n(a.series))} series · <b>${e(verdict)}</b></p>`,
  );
  if (a.runtime)
    parts.push(
      `<ul id="metrics-runtime">${runtimeLines(a.runtime, style(false))
        .map((l) => `<li>${escapeHtml(l.trim())}</li>`)
        .join('')}</ul>`,
    );
  const worst = a.problems.filter((p) => p.severity !== 'info').slice(0, DIGEST_PROBLEMS);
  if (worst.length) {
    parts.push('<table class="t" id="metrics-problems"><tr><th>severity</th><th>metric</th><th>problem</th><th>fix</th></tr>');
    for (const p of worst) {
      const where = `<code>${e(p.metric)}</code>${p.label !== undefined ? ` <span class="dim">{${e(p.label)}}</span>` : ''}`;
      const example = p.examples?.length ? `<br><span class="dim">e.g. ${e(clip(p.examples[0]!, 160))}</span>` : '';
      parts.push(
        `<tr data-metrics-rule="${escapeHtml(p.rule)}"><td>${p.severity}</td><td>${where}</td><td>${e(problemText(p))} <span class="dim">[${escapeHtml(p.rule)}]</span>${example}</td><td>${escapeHtml(problemFix(p))}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  if (a.problems.length)
    parts.push(
      `<p class="dim">${errors + warnings > worst.length ? `${errors + warnings - worst.length} more; ` : ''}every problem with its fix: <code>goscope metrics ${e(m.saved ?? m.url)}</code></p>`,
    );
  return parts.join('\n');
}
