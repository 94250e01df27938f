// `goscope traces` output: the verdict (findings) first, then the slowest operations, where
// errors concentrate and the calls between services; with --trace-id, one request's view: the
// client's phases (--http), a waterfall of its spans with the critical path marked, and its
// log lines under the spans they belong to. And the goscope.traces/v1 JSON.
import type { RequestsAnalysis, RequestView } from '../analysis/requests/analyse.js';
import type { Finding } from '../analysis/requests/model.js';
import type { LogEntry } from '../formats/logs/model.js';
import { fmtMs } from '../formats/http/duration.js';
import { clean, plural, table, type Style } from './term.js';

export const TRACES_SCHEMA = 'goscope.traces/v1';

const KIND_NAME: Record<number, string> = { 0: '', 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };

/** An operation with its span kind, dimmed, where the kind tells same-named spans apart. */
function opName(name: string, kind: number, s: Style): string {
  return KIND_NAME[kind] ? `${clean(name)} ${s.dim(KIND_NAME[kind]!)}` : clean(name);
}

/**
 * A finding's one line, from its fields (analysis/requests keeps the numbers and sites). Names
 * in it come from the spans: the caller cleans or escapes it for where it goes.
 */
export function findingText(f: Finding): string {
  switch (f.kind) {
    case 'timeout': {
      const e = f.evidence;
      const who = e.budgetSource === 'client' ? `the client (${e.budgetService}) "${e.budgetOperation}"` : `${e.budgetService} "${e.budgetOperation}"`;
      return `${who} timed out after ${e.budgetMs} ms; ${f.service} "${f.operation}" spent ${e.consumedMs} ms of it on its own`;
    }
    case 'budget-exceeded':
      return `${f.service} "${f.operation}" ran ${f.evidence.ranMs} ms with ${f.evidence.leftAtStartMs} ms of its caller's budget left: its deadline did not shrink`;
    case 'outlived-parent':
      return `${f.service} "${f.operation}" kept running ${f.evidence.overrunMs} ms after ${f.evidence.parentService} "${f.evidence.parentOperation}" ended: cancellation did not reach it`;
    case 'context-break': {
      const e = f.evidence;
      return `${f.service} "${f.operation}" started a new trace while ${e.callerService} "${e.callerOperation}" (trace ${e.callerTraceId}) was calling it: the incoming trace context was not extracted`;
    }
    case 'logs-without-trace-id': {
      const e = f.evidence;
      return `${f.service}: ${e.withoutTraceId} of ${e.linesInside} log lines written inside its traced requests (${Math.round(e.share * 100)}%) carry no trace id`;
    }
  }
}

/** A finding in goscope.traces/v1: its fields, the words (`summary`), its evidence. */
export function findingJson(f: Finding): unknown {
  return { kind: f.kind, service: f.service, operation: f.operation, traceId: f.traceId, spanId: f.spanId, summary: findingText(f), evidence: f.evidence };
}

function findingLines(f: Finding, s: Style): string[] {
  const where = f.operation ? `${clean(f.service)} ${s.bold(`"${clean(f.operation)}"`)}` : clean(f.service);
  const out = [`  ${s.red(f.kind.padEnd(22))}${where}${f.traceId ? s.dim(`  trace ${f.traceId}`) : ''}`, `    ${clean(findingText(f))}`];
  if (f.kind === 'timeout') {
    const hops = f.evidence.hops;
    out.push(s.dim('    budget ledger (entered at / left of the budget):'));
    out.push(...table(hops.map((h) => [`      ${clean(h.service)}`, opName(h.operation, h.kind, s), `+${fmtMs(h.enteredAtMs)}`, `${fmtMs(h.leftMs)} left`])));
  } else if (f.kind === 'budget-exceeded') {
    const e = f.evidence;
    out.push(
      s.dim(
        `    caller ${clean(e.callerService)} "${clean(e.callerOperation)}" gave up after ${fmtMs(e.callerBudgetMs)}${e.waitedOn ? `; it was waiting on ${clean(e.waitedOn.service)} "${clean(e.waitedOn.operation)}" (${fmtMs(e.waitedOn.ms)})` : ''}`,
      ),
    );
  } else if (f.kind === 'context-break') {
    out.push(s.dim(`    caller: ${clean(f.evidence.callerService)} "${clean(f.evidence.callerOperation)}" in trace ${clean(f.evidence.callerTraceId)}`));
  }
  return out;
}

/** Findings of one kind at one service and operation shown in full before the rest are counted. */
export const SHOWN_PER_GROUP = 2;

export function renderTraces(a: RequestsAnalysis, s: Style): string {
  const out: string[] = [];
  const svcNames = a.services.map((x) => clean(x.service)).join(', ');
  out.push(
    s.bold(`${plural(a.traces, 'trace')}, ${plural(a.spans, 'span')}, ${plural(a.services.length, 'service')}`) +
      (svcNames ? ` (${svcNames})` : '') +
      (a.orphans ? s.dim(`; ${plural(a.orphans, 'span')} whose parent was not received`) : ''),
  );
  out.push('');
  if (a.findings.length === 0)
    out.push(
      s.green('no findings: no timeouts, no hop past its budget, no work outliving its caller, no broken trace context') +
        (a.logCoverage ? s.green(', every log line inside a request has its trace id') : ''),
    );
  else {
    out.push(s.bold(`findings (${a.findings.length})`));
    // Many traces with the same finding (a thousand timeouts in the same pool wait) read as
    // one: the first in full, then how many more and where (--json lists every one).
    const groups = new Map<string, Finding[]>();
    for (const f of a.findings) {
      const key = `${f.kind}\0${f.service}\0${f.operation}`;
      const g = groups.get(key);
      if (g) g.push(f);
      else groups.set(key, [f]);
    }
    for (const g of groups.values()) {
      for (const f of g.slice(0, SHOWN_PER_GROUP)) out.push(...findingLines(f, s));
      const rest = g.slice(SHOWN_PER_GROUP);
      if (rest.length)
        out.push(
          s.dim(
            `  … ${plural(rest.length, 'more trace')} with ${g[0]!.kind} at ${clean(g[0]!.service)} "${clean(g[0]!.operation)}" (${rest
              .slice(0, 3)
              .map((f) => f.traceId)
              .join(', ')}${rest.length > 3 ? ', …' : ''}; --json lists every one)`,
          ),
        );
    }
  }
  const ops = a.summary.operations;
  if (ops.length) {
    out.push('', s.bold('slowest operations (by p99 self time: time in the span itself, not in its children)'));
    out.push(
      ...table([
        [s.dim('  service'), s.dim('operation'), s.dim('count'), s.dim('self p50'), s.dim('self p99'), s.dim('p99'), s.dim('max')],
        ...ops.map((o) => [
          `  ${clean(o.service)}`,
          opName(o.operation, o.kind, s),
          String(o.count),
          fmtMs(o.selfP50Ms),
          fmtMs(o.selfP99Ms),
          fmtMs(o.durationP99Ms),
          fmtMs(o.maxMs),
        ]),
      ]),
    );
  }
  if (a.summary.errors.length) {
    out.push('', s.bold('errors'));
    out.push(
      ...table(
        a.summary.errors.map((e) => [
          `  ${clean(e.service)}`,
          opName(e.operation, e.kind, s),
          `${e.errors}/${e.count}`,
          `${clean(e.topMessage)}${e.topMessageCount > 1 ? ` (${e.topMessageCount}×)` : ''}`,
        ]),
      ),
    );
  }
  if (a.summary.pairs.length) {
    out.push('', s.bold('calls between services (client span durations; gap = client minus server span)'));
    out.push(
      ...table([
        [s.dim('  caller -> callee'), s.dim('calls'), s.dim('p50'), s.dim('p99'), s.dim('gap p50'), s.dim('errors')],
        ...a.summary.pairs.map((p) => [
          `  ${clean(p.caller)} -> ${clean(p.callee)}`,
          String(p.calls),
          fmtMs(p.p50Ms),
          fmtMs(p.p99Ms),
          fmtMs(p.gapP50Ms),
          String(p.errors),
        ]),
      ]),
    );
  }
  if (a.logCoverage && a.logCoverage.length) {
    out.push('', s.bold('log lines inside traced requests'));
    out.push(
      ...table(
        a.logCoverage.map((c) => [
          `  ${clean(c.service)}`,
          `${c.inside} lines`,
          c.withoutTraceId ? s.yellow(`${c.withoutTraceId} without trace id`) : s.green('all with trace id'),
        ]),
      ),
    );
  }
  if (a.view) out.push('', ...renderView(a.view, s));
  return out.join('\n');
}

const BAR = 40;

function bar(offset: number, dur: number, total: number): string {
  if (total <= 0) return '|' + '█'.repeat(BAR) + '|';
  const a = Math.min(BAR - 1, Math.floor((offset / total) * BAR));
  const b = Math.max(a + 1, Math.min(BAR, Math.ceil(((offset + dur) / total) * BAR)));
  return '|' + ' '.repeat(a) + '█'.repeat(b - a) + ' '.repeat(BAR - b) + '|';
}

function logLine(e: LogEntry, how: string, s: Style): string {
  const lvl = (e.level || e.levelText || 'log').toUpperCase();
  const colour = e.level === 'error' || e.level === 'fatal' || e.level === 'panic' ? s.red : e.level === 'warn' ? s.yellow : s.dim;
  const extra = e.error ? ` ${s.dim('error=')}${clean(e.error)}` : '';
  return `${colour(lvl)} ${clean(e.message)}${extra}${how === 'time-window' ? s.yellow('  (no trace id: matched by service and time)') : ''}${s.dim(`  ${clean(e.input)}:${e.line}`)}`;
}

export function renderView(v: RequestView, s: Style): string[] {
  const out: string[] = [];
  out.push(s.bold(`request ${v.traceId}: ${fmtMs(v.durationMs)}, ${v.services.map(clean).join(' -> ')}`));
  for (const f of v.findings) out.push(`  ${s.red(f.kind)}: ${clean(findingText(f))}`);
  if (v.client) {
    const c = v.client;
    const p = c.phases;
    const parts = p
      ? (['dns', 'connect', 'tls', 'requestWrite', 'serverProcessing', 'transfer'] as const)
          .filter((k) => p[k] !== null)
          .map((k) => `${k} ${fmtMs(p[k])}`)
          .join(', ')
      : '';
    const took =
      c.totalMs !== null
        ? ` in ${fmtMs(c.totalMs)}`
        : c.timedOut && c.timeouts?.[c.timedOut] != null
          ? `: its ${c.timedOut} timeout (${fmtMs(c.timeouts[c.timedOut])}) fired`
          : '';
    out.push(`client (goscope http): ${clean(c.method)} ${clean(c.url)} -> ${c.status ?? 'no answer'}${took}${parts ? ` (${parts})` : ''}`);
    if (c.error) out.push(`  ${s.red(clean(c.error))}`);
    if (v.clientOffsetMs !== null)
      out.push(
        s.dim(
          `  sent ${fmtMs(Math.abs(v.clientOffsetMs))} ${v.clientOffsetMs <= 0 ? 'before' : 'after'} the first span started${c.totalMs !== null ? `; outside the spans: ${fmtMs(Math.max(0, c.totalMs - v.spansDurationMs))}` : ''}${v.clientJoined ? `; its span ${c.spanId} is the first row, parent of the first server span` : ''}`,
        ),
      );
  }
  out.push(
    s.dim(
      `  ${'offset'.padStart(8)} ${'duration'.padStart(8)} ${'self'.padStart(8)}  ${'0'.padEnd(BAR / 2)}${fmtMs(v.durationMs).padStart(BAR / 2 + 2)}   (* critical path, ! error)`,
    ),
  );
  const logsBySpan = new Map<string, typeof v.logs>();
  for (const l of v.logs) {
    const list = logsBySpan.get(l.spanId) ?? [];
    list.push(l);
    logsBySpan.set(l.spanId, list);
  }
  const rootLogs = logsBySpan.get('') ?? [];
  for (const l of rootLogs) out.push(`  ${' '.repeat(28 + BAR)}${logLine(l.entry, l.how, s)}`);
  for (const r of v.rows) {
    const mark = `${r.critical ? '*' : ' '}${r.error ? s.red('!') : ' '}`;
    const name = `${'  '.repeat(r.depth)}${clean(r.service)} ${r.error ? s.red(clean(r.name)) : clean(r.name)}${KIND_NAME[r.kind] ? s.dim(` ${KIND_NAME[r.kind]}`) : ''}${r.orphan ? s.yellow(' (parent not received)') : ''}${r.origin === 'client' ? s.dim(' (from --http)') : ''}`;
    const b = bar(r.offsetMs, r.durationMs, v.durationMs);
    out.push(
      `${mark}${fmtMs(r.offsetMs).padStart(8)} ${fmtMs(r.durationMs).padStart(8)} ${fmtMs(r.selfMs).padStart(8)}  ${r.critical ? s.cyan(b) : s.dim(b)} ${name}`,
    );
    if (r.error && r.statusMessage && r.origin !== 'client') out.push(`  ${' '.repeat(28 + BAR)}${'  '.repeat(r.depth)}${s.red(clean(r.statusMessage))}`);
    for (const l of logsBySpan.get(r.spanId) ?? []) out.push(`  ${' '.repeat(28 + BAR)}${'  '.repeat(r.depth)}${s.dim('log')} ${logLine(l.entry, l.how, s)}`);
  }
  if (!v.logs.length) out.push(s.dim('  (no log lines: --logs FILE… to join them)'));
  return out;
}

const bigJson = (v: bigint): string => v.toString();

export function tracesJson(a: RequestsAnalysis, inputs: string[]): unknown {
  return {
    schema: TRACES_SCHEMA,
    inputs,
    traces: a.traces,
    spans: a.spans,
    orphanSpans: a.orphans,
    services: a.services,
    findings: a.findings.map(findingJson),
    slowestOperations: a.summary.operations,
    errors: a.summary.errors,
    servicePairs: a.summary.pairs,
    logCoverage: a.logCoverage,
    request: a.view
      ? {
          traceId: a.view.traceId,
          startUnixNs: bigJson(a.view.startUnixNs),
          durationMs: a.view.durationMs,
          services: a.view.services,
          client: a.view.client,
          clientJoined: a.view.clientJoined,
          clientOffsetMs: a.view.clientOffsetMs,
          findings: a.view.findings.map((f) => f.kind),
          spans: a.view.rows,
          logs: a.view.logs.map((l) => ({
            spanId: l.spanId || null,
            match: l.how,
            input: l.entry.input,
            line: l.entry.line,
            timeUnixNs: l.entry.timeNs === null ? null : bigJson(l.entry.timeNs),
            level: l.entry.level,
            message: l.entry.message,
            traceId: l.entry.traceId || null,
          })),
        }
      : null,
  };
}
