// goscope metrics <url|file|->: read a service's Prometheus metrics (scraped like
// Prometheus does, saved first) or a saved exposition, and lint it: promlint's rules with
// promlint's words, then what promlint does not check (label values, cardinality per
// label, histograms and summaries, units, changes across scrapes), and the Go runtime's
// own metrics as facts.
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, UserError } from '../errors.js';
import { readFileChunks, sessionDir } from '../collect/acquire.js';
import { expositionTail, metricsUrl, scrapeMetrics, unreadableScrape, type Scraped } from '../collect/metrics.js';
import { resolveSource } from '../collect/source.js';
import type { ExpositionFormat } from '../formats/prometheus/index.js';
import { analyseExposition, isRule, PROMLINT_RULES, RULE_IDS, Scrapes, type MetricsAnalysis, type RuleId } from '../analysis/metrics/index.js';
import { metricsJson, renderMetrics, type MetricsMeta } from '../report/metrics.js';
import { progress, type Progress } from '../report/progress.js';
import { parseDuration, parseInteger } from './args.js';
import { note, outStyle, printJson, wantsProgress, write } from './common.js';
import { EXIT_INTERRUPTED, graceful } from './interrupt.js';
import { wrap } from './help.js';
import { timeoutFlag } from './profile-flags.js';
import { defineCommand, JSON_FLAG, OUT_FLAG, TIMEOUT_FLAG, type FlagDefs, type Invocation } from './spec.js';

const FORMATS: readonly ExpositionFormat[] = ['text', 'openmetrics', 'protobuf'];

/** Exit code when problems (errors or warnings) were found: promtool's lint exit code. */
export const EXIT_PROBLEMS = 3;

const METRICS_FLAGS = {
  samples: { type: 'string', arg: 'N', default: '1', help: 'scrape N times (default 1; 2 or more compare scrapes)' },
  interval: { type: 'string', arg: 'D', help: 'time between scrapes (default 10s)' },
  disable: { type: 'string', multiple: true, arg: 'R,…', help: 'rules not to apply (repeatable; "promlint" means all of promlint\'s)' },
  format: { type: 'string', arg: 'F', help: 'ask for (or read a file as) text, openmetrics or protobuf' },
  top: { type: 'string', arg: 'N', default: '10', help: 'families in the cardinality table' },
  timeout: TIMEOUT_FLAG('deadline of each whole request, body included (default 30s)'),
  out: OUT_FLAG(),
  json: JSON_FLAG('goscope.metrics/v1'),
} as const satisfies FlagDefs;

export const metricsSpec = defineCommand({
  name: 'metrics',
  args: '<url|file|->',
  summary: "lint Prometheus metrics: promlint's rules, label values, cardinality per label, histograms, units, changes across scrapes, Go runtime facts",
  usage: ['metrics <service-url|metrics-url|file|-> [flags]'],
  description: `Scrapes a service's Prometheus metrics (a service URL, as the other commands take it,
means <service>/metrics: http://h:9090 and http://h/admin/debug/pprof/ scrape
http://h:9090/metrics and http://h/admin/metrics; any other URL is used as given) with
Prometheus's own Accept header and gzip, saves the reply in the capture folder, and
lints it; or reads a saved exposition (text 0.0.4, OpenMetrics 1.0 or delimited
protobuf; the format is recognised). Problems are grouped by severity, each
with its rule, an example and a fix:
  - promlint's rules (promtool check metrics), with promlint's exact text;
  - label values: an empty value beside real ones, unbounded values (ids, UUIDs, IPs,
    e-mails, timestamps, URL paths with ids), cardinality per family with the factor
    each label multiplies it by;
  - histograms and summaries that cannot be right (buckets not cumulative, no +Inf,
    _count unlike +Inf, quantiles outside [0, 1]), negative counters;
  - the same quantity under two names or units, an OpenMetrics # UNIT the name lacks;
  - with --samples N: counters that go down, series churn, families that come and go.
The Go runtime's own metrics become facts: Go version, goroutines (and their trend),
threads, GC pauses, heap against GOMEMLIMIT, open files against their limit.`,
  flags: METRICS_FLAGS,
  after: [wrap(`rules: ${RULE_IDS.join(', ')}`, 90).join('\n')],
  exits: `exit codes: 0 no problems (notes only), 3 problems found (errors or warnings, as promtool
check metrics exits 3 for lint problems), 1 failure (unreachable service, malformed
exposition: one line naming the input, line and column), 2 usage, 130 interrupted
(the scrapes taken are analysed)`,
  run: metrics,
});

async function metrics({ flags, positionals, given, io }: Invocation<typeof METRICS_FLAGS>): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('metrics: expected one <service-url>, metrics URL, file or -; see goscope metrics --help');
  const disabled = disabledRules(flags.disable);
  let format: ExpositionFormat | undefined;
  if (flags.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got "${flags.format}"`);
    format = flags.format as ExpositionFormat;
  }
  const top = parseInteger(flags.top, 'top', 0);
  const source = resolveSource(positionals[0]!);
  const live = source.kind === 'service' || source.kind === 'url';
  const samples = parseInteger(flags.samples, 'samples', 1);
  if (!live && (samples > 1 || given.has('interval')))
    throw new UsageError(`--samples/--interval: only when scraping a service (${source.input} is a saved exposition)`);
  const intervalMs = flags.interval !== undefined ? parseDuration(flags.interval, 'interval') : 10_000;
  if (samples > 1 && intervalMs < 100) throw new UsageError('--interval: at least 100ms');
  const json = flags.json;
  const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });

  let analysis: MetricsAnalysis | undefined;
  const meta: MetricsMeta = { source: source.input, saved: [], scrapes: 0 };
  let interrupted = false;
  try {
    if (live) {
      const url = metricsUrl(source.url!, source.kind === 'service');
      meta.source = url.href;
      const dir = await sessionDir(source, { path: null }, flags.out);
      const scrapes = samples > 1 ? new Scrapes() : undefined;
      const g = graceful();
      try {
        for (let i = 0; i < samples; i++) {
          if (i > 0) {
            prog.update(`metrics: next scrape in ${Math.round(intervalMs / 1000)}s (${i} of ${samples} done)`);
            try {
              await sleep(intervalMs, undefined, { signal: g.signal });
            } catch {
              interrupted = true;
              break;
            }
          }
          prog.update(`metrics: scraping ${url.href}${samples > 1 ? ` (${i + 1} of ${samples})` : ''}`);
          let sc: Scraped;
          try {
            sc = await scrapeMetrics(url, { dir, timeoutMs: timeoutFlag(flags), format, signal: g.signal });
          } catch (e) {
            // Ctrl-C during a scrape: the scrapes read so far are analysed (none: exit 130 all the same).
            if (g.signal.aborted) {
              interrupted = true;
              break;
            }
            throw e;
          }
          meta.saved.push(sc.path);
          meta.source = sc.url;
          meta.gzip = sc.gzip;
          const scraped = sc;
          analysis = await analyseFile(sc.path, sc.url, sc.format ?? format, { disabled, scrapes }, prog).catch(async (e: unknown) => {
            throw await unreadableScrape(e, scraped);
          });
          meta.scrapes++;
        }
      } finally {
        g.release();
      }
    } else if (source.kind === 'file') {
      analysis = await analyseFile(source.path!, source.path!, format, { disabled }, prog);
      meta.scrapes = 1;
    } else {
      meta.source = 'stdin';
      analysis = await analyseExposition(process.stdin, { input: 'stdin', format, onBytes: bytesProgress(prog) }, { disabled });
      meta.scrapes = 1;
    }
  } finally {
    prog.done();
  }
  if (!analysis) {
    if (!interrupted) throw new UserError(`${meta.source}: nothing was read`);
    note(io, `goscope: interrupted before the first scrape of ${meta.source} was read${meta.saved.length ? '' : '; nothing was saved'}`);
    return EXIT_INTERRUPTED;
  }
  if (json) printJson(io, metricsJson(analysis, meta));
  else write(io, renderMetrics(analysis, meta, outStyle(io), { top }));
  if (interrupted) return EXIT_INTERRUPTED;
  return analysis.problems.some((p) => p.severity !== 'info') ? EXIT_PROBLEMS : 0;
}

function disabledRules(values: readonly string[]): Set<RuleId> {
  const out = new Set<RuleId>();
  for (const v of values) {
    for (const r of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (r === 'promlint') for (const p of PROMLINT_RULES) out.add(p);
      else if (isRule(r)) out.add(r);
      else throw new UsageError(`--disable: unknown rule "${r}" (rules: promlint, ${RULE_IDS.join(', ')})`);
    }
  }
  return out;
}

function bytesProgress(prog: Progress): (n: number) => void {
  return (read) => prog.update(`metrics: read ${(read / 1e6).toFixed(0)} MB`);
}

async function analyseFile(
  path: string,
  input: string,
  format: ExpositionFormat | undefined,
  opts: Parameters<typeof analyseExposition>[2],
  prog: Progress,
): Promise<MetricsAnalysis> {
  return analyseExposition(readFileChunks(path), { input, format, tail: format ? undefined : await expositionTail(path), onBytes: bytesProgress(prog) }, opts);
}
