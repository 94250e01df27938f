// `goscope http` output: the verdict, httpstat's waterfall for one request, percentile
// tables and a histogram for many, and the goscope.http/v1 JSON.
import type { Exchange, Hop, Phases, TlsFacts } from '../formats/http/exchange.js';
import { headerValue } from '../formats/http/h1.js';
import { spanIdOf } from '../formats/http/traceparent.js';
import type { EchoDiff } from '../analysis/http/echo-diff.js';
import type { SloResult } from '../analysis/http/slo.js';
import type { LoadSummary, Stat } from '../analysis/http/stats.js';
import { clean, plural, table, type Style } from './term.js';
import { fmtMs } from '../formats/http/duration.js';
import type { ClientTime, ConnectSplit } from '../lib/thread-time.js';

export const HTTP_SCHEMA = 'goscope.http/v1';

const round3 = (v: number | null): number | null => (v === null || Number.isNaN(v) ? null : Math.round(v * 1000) / 1000);

function roundPhases(p: Phases): Phases {
  const out = { ...p };
  for (const k of Object.keys(out) as (keyof Phases)[]) out[k] = round3(out[k]);
  return out;
}

const LABEL: Record<keyof Phases, string> = {
  dns: 'dns lookup',
  connect: 'tcp connect',
  tls: 'tls handshake',
  requestWrite: 'request write',
  serverProcessing: 'server processing',
  transfer: 'content transfer',
  ttfb: 'time to first byte',
  total: 'total',
};

/** The phase that took the largest share of the time (server processing net of writing the request). */
export function dominantPhase(p: Phases): { phase: keyof Phases; ms: number; share: number } | null {
  if (p.total === null || p.total <= 0) return null;
  const parts: [keyof Phases, number | null][] = [
    ['dns', p.dns],
    ['connect', p.connect],
    ['tls', p.tls],
    ['serverProcessing', p.serverProcessing],
    ['transfer', p.transfer],
  ];
  let best: [keyof Phases, number] | null = null;
  for (const [k, v] of parts) if (v !== null && (!best || v > best[1])) best = [k, v];
  if (!best) return null;
  return { phase: best[0], ms: best[1], share: best[1] / p.total };
}

// ---------------------------------------------------------------------------------------
// One request

/** The timeouts a run was given, ms; 0 is none. */
export interface TimeoutsMs {
  connect: number;
  tls: number;
  header: number;
  total: number;
}

/** The timeouts as goscope.http/v1 writes them: ms, null for none. */
function timeoutsJson(t: TimeoutsMs): Record<keyof TimeoutsMs, number | null> {
  const v = (ms: number): number | null => (ms > 0 ? ms : null);
  return { connect: v(t.connect), tls: v(t.tls), header: v(t.header), total: v(t.total) };
}

export interface SingleReport {
  ex: Exchange;
  timeouts: TimeoutsMs;
  method: string;
  url: string;
  dump: boolean;
  echo: EchoDiff | { error: string } | null;
  slo: SloResult[] | null;
  /** Where the body was saved (-o), if it was. */
  bodyFile: string | null;
}

export function renderSingle(r: SingleReport, s: Style): string {
  const { ex } = r;
  const out: string[] = [];
  const final = ex.hops[ex.hops.length - 1]!;
  if (ex.failure) {
    out.push(s.red(s.bold(`failed: ${clean(ex.failure.message)}`)));
  } else {
    const d = dominantPhase(ex.phases);
    const status = `${final.status} ${clean(final.reason)}`.trim();
    const why = d && d.share >= 0.5 ? `: ${LABEL[d.phase]} took ${fmtMs(d.ms)} (${Math.round(d.share * 100)}%)` : '';
    out.push(s.bold(`${statusColour(final.status, s)(status)} in ${fmtMs(ex.phases.total)}${why}`));
  }
  out.push(ex.traceparent ? `trace-id ${ex.traceId}  ${s.dim(`(traceparent: ${ex.traceparent})`)}` : s.dim("no traceparent sent (-H 'traceparent:')"));
  for (const h of ex.hops.slice(0, -1)) out.push(s.dim(`redirect: ${h.method} ${clean(h.url)} -> ${h.status} in ${fmtMs(h.phases.total)}`));
  if (final.conn) out.push(connLine(final, s));
  if (final.conn?.tls) out.push(...tlsLines(final.conn.tls, s));
  out.push('');

  if (r.dump) {
    if (final.requestDump) out.push(s.dim('> request as sent'), ...dumpLines(final.requestDump, '> '));
    if (final.responseDump) out.push(s.dim('< response head as received'), ...dumpLines(final.responseDump, '< '));
    if (final.requestDump || final.responseDump) out.push('');
  } else if (final.status !== null) {
    out.push(s.cyan(`${final.conn?.protocol ?? ''} ${final.status} ${clean(final.reason)}`.trim()));
    for (const [n, v] of final.headers) out.push(`${s.dim(clean(n) + ':')} ${clean(v)}`);
    out.push('');
  }
  if (r.bodyFile) out.push(s.dim(`body (${plural(final.bodyBytes, 'byte')}) saved to ${clean(r.bodyFile)}`), '');

  out.push(...waterfall(ex.phases, final.conn?.tls !== null && final.conn?.tls !== undefined, final.conn?.reused ?? false, s));
  if (r.echo) out.push('', ...renderEcho(r.echo, s));
  if (r.slo) out.push('', ...renderSlo(r.slo, s));
  return out.join('\n');
}

function statusColour(status: number | null, s: Style): (x: string) => string {
  if (status === null) return s.red;
  return status >= 500 ? s.red : status >= 400 ? s.yellow : s.green;
}

function connLine(h: Hop, s: Style): string {
  const c = h.conn!;
  const how = c.reused ? `reused connection #${c.id} (idle ${fmtMs(c.idleMs)})` : `new connection #${c.id}`;
  return `${s.dim('connected to')} ${clean(c.remote)} ${s.dim('from')} ${clean(c.local)}: ${how}, ${clean(c.protocol)}`;
}

function tlsLines(t: TlsFacts, s: Style): string[] {
  // Everything here came from the server's handshake and certificate.
  const alpn = t.alpn ? `, ALPN ${clean(t.alpn)}` : '';
  const verified = t.verified ? s.green('verified') : s.yellow(`NOT verified (${t.verifyError}; -k)`);
  const days = Number.isNaN(t.expiresInDays)
    ? ''
    : t.expiresInDays < 0
      ? s.red(` EXPIRED ${-t.expiresInDays} days ago`)
      : t.expiresInDays < 14
        ? s.yellow(` (${t.expiresInDays} days left)`)
        : s.dim(` (${t.expiresInDays} days left)`);
  return [
    `${s.dim('tls')} ${clean(t.version)} ${clean(t.cipher)}${alpn}`,
    `${s.dim('certificate')} ${clean(t.subject)} ${s.dim('issued by')} ${clean(t.issuer)}, ${verified}`,
    `${s.dim('  names')} ${clean(t.altNames.join(', ') || '-')}  ${s.dim('expires')} ${clean(t.validTo)}${days}`,
  ];
}

function dumpLines(text: string, prefix: string): string[] {
  const lines = text.split('\r\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => prefix + clean(l));
}

/** httpstat's waterfall: each phase in its column, the running total below (curl's time_* names). */
export function waterfall(p: Phases, tls: boolean, reused: boolean, s: Style): string[] {
  const cols: [string, number | null][] = [
    ['DNS Lookup', p.dns],
    ['TCP Connection', p.connect],
    ...(tls ? ([['TLS Handshake', p.tls]] as [string, number | null][]) : []),
    ['Server Processing', p.serverProcessing],
    ['Content Transfer', p.transfer],
  ];
  const widths = cols.map(([name]) => name.length + 4);
  const center = (text: string, w: number) => {
    const left = Math.floor((w - text.length) / 2);
    return ' '.repeat(Math.max(0, left)) + text + ' '.repeat(Math.max(0, w - text.length - left));
  };
  const shown = (v: number | null, k: number) => (v === null ? (reused && k < cols.length - 2 ? 'reused' : '-') : fmtMs(v));
  const head = ' ' + cols.map(([n], i) => center(n, widths[i]!)).join(' ');
  const vals = '[' + cols.map(([, v], i) => center(shown(v, i), widths[i]!)).join(s.dim('|')) + ']';
  const bars = ' ' + widths.map((w) => ' '.repeat(w)).join('|') + '|';
  const sum = (...xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
  const cum: [string, number | null][] = [
    ['namelookup', p.dns ?? 0],
    ['connect', sum(p.dns, p.connect)],
    ...(tls ? ([['pretransfer', sum(p.dns, p.connect, p.tls)]] as [string, number][]) : []),
    ['starttransfer', p.ttfb],
    ['total', p.total],
  ];
  const lines = [s.dim(head), vals, s.dim(bars)];
  let edge = 0;
  for (let i = 0; i < cum.length; i++) {
    edge += widths[i]! + 1;
    const label = `${cum[i]![0]}:${fmtMs(cum[i]![1])}`;
    const pad = Math.max(0, edge - label.length + 1);
    let line = ' '.repeat(pad) + label;
    let pos = edge + 1;
    for (let j = i + 1; j < widths.length; j++) {
      pos += widths[j]! + 1;
      line += ' '.repeat(Math.max(1, pos - line.length - 1)) + '|';
    }
    lines.push(i === cum.length - 1 ? s.bold(line) : line);
  }
  return lines;
}

export function renderEcho(e: EchoDiff | { error: string }, s: Style): string[] {
  if ('error' in e) return [s.yellow(`--echo-diff: ${clean(e.error)}`)];
  const out = [s.bold('headers on the way (sent -> received by the echo endpoint)')];
  const rows: string[][] = [];
  const unchanged: string[] = [];
  for (const c of e.changes) {
    if (c.change === 'unchanged') {
      unchanged.push(c.name);
      continue;
    }
    const mark = c.change === 'added' ? s.green('+') : c.change === 'dropped' ? s.red('-') : s.yellow('~');
    const value =
      c.change === 'added' ? clean(c.received!) : c.change === 'dropped' ? clean(c.sent!) : `${clean(c.sent!)} ${s.dim('->')} ${clean(c.received!)}`;
    rows.push([`  ${mark} ${clean(c.name)}`, c.change, value]);
  }
  out.push(...table(rows));
  if (unchanged.length) out.push(s.dim(`  = ${unchanged.length} unchanged: ${unchanged.map(clean).join(', ')}`));
  const tc = e.traceContext;
  const colour = tc.verdict === 'intact' || tc.verdict === 'new-span' ? s.green : tc.verdict === 'not-sent' ? s.dim : s.red;
  out.push(`trace context: ${colour(tc.verdict)}: ${clean(tc.detail)}`);
  return out;
}

export function renderSlo(results: SloResult[], s: Style): string[] {
  const out = [s.bold('SLO')];
  const rows = results.map((r) => {
    const counted = r.metric === 'errors' || r.metric === 'status';
    const actual = r.actual === null ? 'n/a' : counted ? (r.countBound ? String(r.actual) : `${(r.actual * 100).toFixed(2)}%`) : fmtMs(r.actual);
    const bound = counted ? (r.countBound ? String(r.bound) : `${+(r.bound * 100).toFixed(4)}%`) : fmtMs(r.bound);
    const name = r.metric === 'errors' ? `errors (${r.stat})` : r.metric === 'status' ? `status ${r.statusLabel} (${r.stat})` : `${r.metric} ${r.stat}`;
    return [`  ${r.pass ? s.green('ok  ') : s.red('FAIL')}`, name, `${actual} <= ${bound}`];
  });
  out.push(...table(rows));
  return out;
}

export function singleJson(r: SingleReport): unknown {
  const { ex } = r;
  const final = ex.hops[ex.hops.length - 1]!;
  const conn = final.conn;
  return {
    schema: HTTP_SCHEMA,
    mode: 'single',
    method: r.method,
    url: r.url,
    traceparent: ex.traceparent || null,
    traceId: ex.traceId || null,
    spanId: ex.traceparent ? spanIdOf(ex.traceparent) : null,
    timeouts: timeoutsJson(r.timeouts),
    startedAtUnixMs: ex.startedAtUnixMs === undefined ? null : Math.round(ex.startedAtUnixMs * 1000) / 1000,
    status: final.status,
    protocol: conn?.protocol ?? null,
    phases: roundPhases(ex.phases),
    connection: conn
      ? {
          id: conn.id,
          reused: conn.reused,
          wasIdle: conn.wasIdle,
          idleMs: round3(conn.idleMs),
          remote: conn.remote,
          local: conn.local,
          protocol: conn.protocol,
        }
      : null,
    tls: conn?.tls ?? null,
    response:
      final.status === null ? null : { status: final.status, reason: final.reason, headers: final.headers, bodyBytes: final.bodyBytes, bodyFile: r.bodyFile },
    redirects: ex.hops
      .slice(0, -1)
      .map((h) => ({ method: h.method, url: h.url, status: h.status, location: headerValue(h.headers, 'location') ?? null, phases: roundPhases(h.phases) })),
    dump: r.dump ? { request: final.requestDump, response: final.responseDump } : null,
    echoDiff: r.echo,
    slo: r.slo,
    error: ex.failure,
  };
}

// ---------------------------------------------------------------------------------------
// Many requests

export interface LoadReport {
  method: string;
  timeouts: TimeoutsMs;
  url: string;
  concurrency: number;
  keepAlive: boolean;
  elapsedMs: number;
  skipped: number;
  opened: number;
  retries: number;
  summary: LoadSummary;
  slo: SloResult[] | null;
  /** -q: the open loop's rate (requests per second in total); null in a closed loop. */
  rate: number | null;
  /** -z, ms. */
  durationMs: number | null;
  /** -z's time ended the run. */
  timeUp: boolean;
  /** A -z run stopped at this many requests (the per-run maximum). */
  capped: number | null;
  /** A traceparent went out with each request. */
  traced: boolean;
  /** --fail: 4xx and 5xx responses are failures. */
  failStatus: boolean;
  /** Ctrl-C stopped the run. */
  interrupted: boolean;
  /** Where the client threads' time went; null where the kernel does not say. */
  cpu: ClientTime | null;
  /** Client threads that sent requests. */
  threads: number;
}

const TABLE_PHASES: (keyof Phases)[] = ['dns', 'connect', 'tls', 'requestWrite', 'serverProcessing', 'transfer', 'ttfb', 'total'];

export function renderLoad(r: LoadReport, s: Style): string {
  const sum = r.summary;
  const out: string[] = [];
  const rps = sum.requests / (r.elapsedMs / 1000);
  const conns = `${plural(r.concurrency, 'connection')}${r.keepAlive ? '' : ' (no keep-alive)'}`;
  const pace = r.rate !== null ? ` at ${rateText(r.rate)} (open loop)` : '';
  const limit = r.rate === null && r.durationMs !== null ? ` (-z ${fmtMs(r.durationMs)})` : '';
  out.push(
    s.bold(
      `${r.method} ${clean(r.url)}: ${plural(sum.requests, 'request')}${pace} over ${conns} in ${fmtMs(r.elapsedMs)}${limit}, ${rps.toFixed(rps >= 100 ? 0 : 1)} req/s`,
    ),
  );
  const statuses = Object.entries(sum.statuses)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${statusColour(Number(k), s)(k)} x${v}`)
    .join(', ');
  out.push(
    `${outcome(r, s)}${statuses ? `; status ${statuses}` : ''}${Object.keys(sum.protocols).length ? `; ${Object.keys(sum.protocols).map(clean).join(', ')}` : ''}`,
  );
  if (r.skipped) out.push(s.yellow(`stopped early: ${r.skipped} requests not sent`));
  else if (r.interrupted) out.push(s.yellow('stopped early (interrupted)'));
  if (r.capped !== null) out.push(s.yellow(`stopped at ${r.capped} requests, the most one run records: lower -z or add -n`));
  const tail = sum.tail;
  if (tail && tail.totalMs > 0) {
    const where = tail.phase === 'wait' ? `${s.bold('behind schedule')} (waiting for a free connection)` : `in ${s.bold(LABEL[tail.phase])}`;
    const who = tail.requests === 1 ? 'the slowest request' : `the slowest ${tail.requests} requests (total >= ${fmtMs(tail.fromMs)})`;
    out.push(`${who}: most time ${where}, ${fmtMs(tail.phaseMs)} of ${fmtMs(tail.totalMs)}${tail.requests === 1 ? '' : ' on average'}`);
  }
  out.push('');
  const rows: string[][] = [['phase', 'min', 'p50', 'p90', 'p99', 'max', 'requests'].map((h) => s.dim(h))];
  const row = (label: string, st: Stat | null) => [
    label,
    ...(st ? [st.min, st.p50, st.p90, st.p99, st.max].map(fmtMs) : ['-', '-', '-', '-', '-']),
    String(st?.count ?? 0),
  ];
  // Open loop: how late requests started against the schedule; ttfb and total count from it.
  if (r.rate !== null) rows.push(row(LABEL_WAIT, sum.wait));
  for (const k of TABLE_PHASES) rows.push(row(LABEL[k], sum.phases[k]));
  out.push(...table(rows));
  if (r.rate !== null && sum.wait && sum.wait.p99 >= 5) {
    out.push(
      s.yellow(
        `requests started up to ${fmtMs(sum.wait.p99)} (p99) after their scheduled time: all ${plural(r.concurrency, 'connection')} were busy, so the service answered slower than ${rateText(r.rate)} needs with -c ${r.concurrency}; ttfb and total count from the scheduled time`,
      ),
    );
  }
  out.push('');
  if (sum.histogram.length) {
    out.push(s.dim('total latency'));
    const peak = Math.max(...sum.histogram.map((b) => b.count));
    const hrows = sum.histogram.map((b) => [
      `  ${fmtMs(b.fromMs)} - ${fmtMs(b.toMs)}`,
      '█'.repeat(Math.round((b.count / peak) * 40)) + (b.count > 0 && b.count / peak < 1 / 80 ? '▏' : ''),
      String(b.count),
    ]);
    out.push(...table(hrows, 1));
    out.push('');
  }
  const busy = heldUpNote(r);
  if (busy) out.push(s.yellow(busy), '');
  const reusedPct = sum.requests ? ((sum.reusedRequests / sum.requests) * 100).toFixed(1) : '0';
  out.push(
    `connections: ${r.opened} opened, ${sum.reusedRequests} requests on reused connections (${reusedPct}%)${r.retries ? `, ${r.retries} re-sent after a stale keep-alive connection` : ''}`,
  );
  if (sum.slowest.length) {
    out.push(s.dim(r.traced ? 'slowest requests (find them in the service logs by trace-id):' : "slowest requests (no traceparent sent: -H 'traceparent:'):"));
    out.push(
      ...table(
        sum.slowest.map((x) => [
          `  ${fmtMs(x.totalMs)}`,
          String(x.status || '-'),
          x.traceId || '-',
          s.dim(`#${x.index + 1}${x.reused ? ' reused' : ' new conn'}`),
        ]),
      ),
    );
  }
  if (sum.errors.length) {
    out.push('', s.red(s.bold('errors')));
    for (const e of sum.errors) {
      out.push(`  ${s.red(clean(e.key))} x${e.count}: ${clean(e.example)}`);
      if (e.traceIds.length) out.push(s.dim(`    trace-ids: ${e.traceIds.join(', ')}`));
    }
  }
  if (r.slo) {
    out.push('', ...renderSlo(r.slo, s));
    // errors=0 passing over server errors is the trap: say what it did not count.
    const fives = sum.statusClasses['5xx'] ?? 0;
    if (!r.failStatus && fives > 0 && r.slo.some((x) => x.metric === 'errors') && !r.slo.some((x) => x.metric === 'status')) {
      out.push(
        s.yellow(
          `  errors counts requests that got no response; ${fives} of ${plural(sum.requests, 'response')} were 5xx: add status5xx=0 (or --fail) to count them`,
        ),
      );
    }
  }
  return out.join('\n');
}

const LABEL_WAIT = 'behind schedule';

/**
 * When this machine kept goscope from running, the latencies include it: say how much, so
 * a tail is not blamed on the service. A service on the same machine takes turns with the
 * client (on loopback: 3-10% of the run in waits of ~0.03 ms each); a busy machine makes
 * the waits long (0.3-0.5 ms on average with twice as many busy processes as cores). Being
 * stopped (the hypervisor running other machines, a stopped or blocked process) is never
 * part of a client's normal life. One millisecond of either inside a connect is most of
 * that connect's story.
 */
function heldUpNote(r: LoadReport): string | null {
  const c = r.cpu;
  if (!c) return null;
  const threadMs = r.elapsedMs * r.threads;
  const meanWait = c.slices > 0 ? c.waitedMs / c.slices : 0;
  const waitedMuch = c.waitedMs >= 5 && c.waitedMs >= 0.05 * threadMs && meanWait >= 0.1;
  const stopped = Number.isNaN(c.stoppedMs) ? 0 : c.stoppedMs;
  const stoppedMuch = stopped >= STOPPED_NOTE_MS && stopped >= 0.01 * threadMs;
  if (!waitedMuch && !stoppedMuch && c.connectsHeldUp === 0) return null;
  const share = Math.round((100 * c.waitedMs) / threadMs);
  const mean = meanWait > 0 ? `, ${fmtMs(meanWait)} at a time on average` : '';
  const steal = c.machineStealMs ? ` (the hypervisor took ${fmtMs(c.machineStealMs)} of this machine's CPU time meanwhile)` : '';
  const what: string[] = [];
  if (waitedMuch || !stoppedMuch)
    what.push(`waited ${fmtMs(c.waitedMs)} for a CPU (${share}% of the run${r.threads > 1 ? ` on ${r.threads} threads` : ''}${mean})`);
  if (stoppedMuch || stopped >= 0.5) what.push(`was stopped for ${fmtMs(stopped)}${steal}`);
  const connects = c.connectsHeldUp
    ? `; ${plural(c.connectsHeldUp, 'tcp connect')} ${c.connectsHeldUp === 1 ? 'was' : 'were'} held up 1 ms or more (up to ${fmtMs(c.connectHeldUpMaxMs)})`
    : '';
  const causes: string[] = [];
  if (waitedMuch || (!stoppedMuch && c.waitedMs >= stopped)) causes.push('a busy machine or a CPU quota');
  if (stoppedMuch || c.waitedMs < stopped) causes.push(c.machineStealMs ? 'a host busy with other machines' : 'a stopped or blocked process');
  const cause = causes.join(', or ');
  return `goscope was held up: it ${what.join(' and ')}${connects}. ${cause[0]!.toUpperCase()}${cause.slice(1)}: latencies of that size may be the client's, not the service's`;
}

/** Stopped time worth a note over a run (ms): far above what reading the counters leaves. */
const STOPPED_NOTE_MS = 5;

function roundOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined || Number.isNaN(v) ? null : round3(v);
}

function slowestConnectJson(c: ConnectSplit | null): Record<string, number | null> | null {
  if (!c) return null;
  return {
    ms: round3(c.ms),
    onCpuMs: roundOrNull(c.onCpuMs),
    cpuWaitMs: round3(c.waitMs),
    stoppedMs: roundOrNull(c.stoppedMs),
    eventLoopIdleMs: round3(c.idleMs),
  };
}

function rateText(rate: number): string {
  return `${+rate.toFixed(3)}/s`;
}

/**
 * "no errors" only when nothing failed and no response was a 4xx or 5xx: without --fail
 * those are answers, not failures (as with curl), but a run that got 502s is no success.
 */
function outcome(r: LoadReport, s: Style): string {
  const sum = r.summary;
  const parts: string[] = [];
  if (sum.failed) parts.push(s.red(`${sum.failed} failed`));
  if (!r.failStatus) {
    const fives = sum.statusClasses['5xx'] ?? 0;
    const fours = sum.statusClasses['4xx'] ?? 0;
    if (fives) parts.push(s.red(`${fives} of ${plural(sum.requests, 'response')} 5xx (server errors)`));
    if (fours) parts.push(s.yellow(`${fours}${fives ? '' : ` of ${plural(sum.requests, 'response')}`} 4xx (client errors)`));
  }
  return parts.length ? parts.join(', ') : s.green('no errors');
}

export function loadJson(r: LoadReport): unknown {
  const sum = r.summary;
  const roundStat = (st: Stat | null) =>
    st
      ? { count: st.count, min: round3(st.min), mean: round3(st.mean), p50: round3(st.p50), p90: round3(st.p90), p99: round3(st.p99), max: round3(st.max) }
      : null;
  const phases: Record<string, unknown> = {};
  for (const k of TABLE_PHASES) phases[k] = roundStat(sum.phases[k]);
  return {
    schema: HTTP_SCHEMA,
    mode: 'load',
    method: r.method,
    url: r.url,
    requests: sum.requests,
    concurrency: r.concurrency,
    keepAlive: r.keepAlive,
    elapsedMs: round3(r.elapsedMs),
    requestsPerSecond: round3(sum.requests / (r.elapsedMs / 1000)),
    completed: sum.completed,
    failed: sum.failed,
    skipped: r.skipped,
    rate: r.rate,
    durationMs: r.durationMs,
    timeUp: r.timeUp,
    interrupted: r.interrupted,
    failOnStatus: r.failStatus,
    timeouts: timeoutsJson(r.timeouts),
    wait: roundStat(sum.wait),
    phases,
    histogram: sum.histogram,
    statuses: sum.statuses,
    statusClasses: sum.statusClasses,
    protocols: sum.protocols,
    connections: { opened: r.opened, reusedRequests: sum.reusedRequests, retries: r.retries },
    client: {
      threads: r.threads,
      onCpuMs: roundOrNull(r.cpu?.onCpuMs),
      cpuWaitMs: roundOrNull(r.cpu?.waitedMs),
      cpuTimeslices: r.cpu ? r.cpu.slices : null,
      stoppedMs: roundOrNull(r.cpu?.stoppedMs),
      machineStealMs: r.cpu ? r.cpu.machineStealMs : null,
      connectHeldUpMaxMs: roundOrNull(r.cpu?.connectHeldUpMaxMs),
      connectsHeldUp: r.cpu ? r.cpu.connectsHeldUp : null,
      slowestConnect: slowestConnectJson(r.cpu?.slowestConnect ?? null),
    },
    errors: sum.errors,
    slowest: sum.slowest.map((x) => ({ ...x, traceId: x.traceId || null, totalMs: round3(x.totalMs) })),
    slo: r.slo,
  };
}
