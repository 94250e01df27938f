// goscope http <url>: one request timed phase by phase (httpstat's waterfall with Go's
// httptrace facts), or many (-n N, -z DURATION, -q RATE open loop; -c C connections) with
// percentiles; timeouts named by phase, a W3C traceparent on every request, --slo and
// --fail for scripts, --dump and --echo-diff.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { UsageError, UserError } from '../errors.js';
import { HttpClient, type ClientConfig } from '../collect/http/client.js';
import { defaultThreads, MAX_REQUESTS, runLoad } from '../collect/http/load.js';
import { warmUp } from '../collect/http/warmup.js';
import { hostOf, portOf } from '../collect/http/dial.js';
import type { HeaderList } from '../formats/http/h1.js';
import { parseEcho } from '../formats/http/echo.js';
import { parseTraceparent, TraceIdSource } from '../formats/http/traceparent.js';
import { echoDiff } from '../analysis/http/echo-diff.js';
import { checkSlo, parseSlo, type SloResult, type SloRule } from '../analysis/http/slo.js';
import { summarise } from '../analysis/http/stats.js';
import { Samples } from '../formats/http/samples.js';
import { progress } from '../report/progress.js';
import { loadJson, renderLoad, renderSingle, singleJson, type LoadReport, type SingleReport } from '../report/http.js';
import { fmtMs } from '../formats/http/duration.js';
import { parseDuration, parseInteger } from './args.js';
import { goscopeVersion, note, outStyle, printJson, wantsProgress, write, writeOutput } from './common.js';
import { clean } from '../report/term.js';
import { EXIT_INTERRUPTED, graceful } from './interrupt.js';
import { defineCommand, JSON_FLAG, type FlagDefs, type Invocation } from './spec.js';

const EXIT_SLO = 4;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Body kept in memory for -o and --echo-diff. */
const BODY_CAP = 64 * 1024 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const REQUEST = 'request';
const TRACE = 'trace context';
const TIMEOUTS = 'timeouts (named with the phase they fired in, and the time of each earlier phase)';
const MANY = 'many requests';
const OUTPUT = 'output';

const HTTP_FLAGS = {
  request: { type: 'string', short: 'X', arg: 'METHOD', section: REQUEST, help: 'method (default GET; POST with -d)' },
  header: {
    type: 'string',
    short: 'H',
    multiple: true,
    arg: "'Name: value'",
    section: REQUEST,
    help: "add a header (repeatable); 'Name:' removes a default one ('traceparent:' sends no traceparent)",
  },
  data: {
    type: 'string',
    short: 'd',
    arg: 'DATA|@FILE',
    section: REQUEST,
    help: 'request body (@- reads stdin); Content-Type defaults to application/x-www-form-urlencoded as with curl',
  },
  location: { type: 'boolean', short: 'L', section: REQUEST, help: "follow redirects (Go's Client rules)" },
  'max-redirs': { type: 'string', arg: 'N', default: '10', section: REQUEST, help: 'at most N redirects with -L' },
  insecure: { type: 'boolean', short: 'k', section: REQUEST, help: 'do not verify the TLS certificate (its facts are still shown)' },
  cacert: { type: 'string', arg: 'FILE', section: REQUEST, help: 'also trust the CA certificate(s) in this PEM file' },
  resolve: { type: 'string', multiple: true, arg: 'H:P:ADDR', section: REQUEST, help: 'connect to ADDR for host H port P, no DNS lookup (repeatable)' },
  ipv4: { type: 'boolean', short: '4', section: REQUEST, help: 'IPv4 only' },
  ipv6: { type: 'boolean', short: '6', section: REQUEST, help: 'IPv6 only' },
  'http1.1': { type: 'boolean', section: REQUEST, help: 'do not offer HTTP/2 over TLS' },
  'http2-prior-knowledge': {
    type: 'boolean',
    section: REQUEST,
    help: 'speak HTTP/2 without TLS (h2c) to http:// URLs, as curl does; https:// still negotiates with ALPN',
  },
  output: { type: 'string', short: 'o', arg: 'FILE', section: REQUEST, help: 'save the response body (one request)' },
  fail: {
    type: 'boolean',
    section: REQUEST,
    help: 'a 4xx or 5xx response is a failure, as with curl --fail: exit 1, counted in errors, listed with trace-ids',
  },
  traceparent: { type: 'string', arg: 'V', section: TRACE, help: 'send this traceparent (validated) instead of a fresh one' },
  tracestate: { type: 'string', arg: 'V', section: TRACE, help: 'passed through unchanged (or give it with -H)' },
  baggage: { type: 'string', arg: 'V', section: TRACE, help: 'passed through unchanged (or give it with -H)' },
  'connect-timeout': { type: 'string', arg: 'D', section: TIMEOUTS, help: "DNS and TCP connect (Go's Dialer.Timeout)" },
  'tls-timeout': { type: 'string', arg: 'D', section: TIMEOUTS, help: 'TLS handshake (Transport.TLSHandshakeTimeout)' },
  'header-timeout': { type: 'string', arg: 'D', section: TIMEOUTS, help: 'request written to response head (Transport.ResponseHeaderTimeout)' },
  timeout: { type: 'string', arg: 'D', section: TIMEOUTS, help: 'whole request incl. redirects and body (Client.Timeout; default 30s, 0 for none)' },
  requests: { type: 'string', short: 'n', arg: 'N', section: MANY, help: 'number of requests (default 1)' },
  concurrency: { type: 'string', short: 'c', arg: 'C', default: '1', section: MANY, help: 'connections, each sending its requests in turn' },
  duration: {
    type: 'string',
    short: 'z',
    arg: 'DURATION',
    section: MANY,
    help: 'keep sending for this long (e.g. 30s, 5m); with -n as well, the run ends at whichever comes first',
  },
  rate: {
    type: 'string',
    short: 'q',
    arg: 'RATE',
    section: MANY,
    help: "open loop: RATE requests per second in total, each sent on schedule whether or not earlier ones were answered (at most -c at a time); ttfb and total count from the scheduled time, so a stalled server shows. Needs -z or -n. hey's -q differs: a per-worker limit in a closed loop (hey -c 10 -q 5 sends at most 50/s, and sends less when the server slows down)",
  },
  'no-keepalive': { type: 'boolean', section: MANY, help: 'a new connection for every request' },
  slo: {
    type: 'string',
    arg: 'RULES',
    section: MANY,
    help: 'e.g. total=200ms,ttfb.p90=100ms,errors=1%,status5xx=0: exit 4 when a bound is exceeded. A percentile (default p99; p50, p90, p99.9, max, mean) of dns, connect, tls, write, server, transfer, ttfb, total; errors: failed requests (no response, timeout; 4xx/5xx with --fail), a rate 1% or a count 0; status5xx, status4xx, statusNNN, status>=NNN: responses with those statuses, a rate or a count',
  },
  dump: { type: 'boolean', section: OUTPUT, help: 'the request as sent and the response head as received' },
  'echo-diff': {
    type: 'boolean',
    section: OUTPUT,
    help: "the URL echoes the request headers it received (the demo's /echo, httpbin's /headers): show what was added, dropped or changed on the way, and whether trace context survived",
  },
  json: { ...JSON_FLAG('goscope.http/v1'), section: OUTPUT },
} as const satisfies FlagDefs;

export const httpSpec = defineCommand({
  name: 'http',
  args: '<url>',
  summary: 'time a request by phase (dns, connect, tls, server, transfer); -n/-c load, timeouts by phase, --slo, W3C traceparent, --dump, --echo-diff',
  usage: ['http <url> [flags]'],
  description: `Times one request phase by phase, as Go's net/http/httptrace sees it: DNS lookup, TCP
connect, TLS handshake, request write, server processing (connection ready to first
response byte) and content transfer, with the connection facts (new or reused, idle time,
remote address, HTTP/1.1 or HTTP/2 via ALPN, TLS version, cipher, certificate and its
expiry). With -n, sends many requests and reports each phase's percentiles, a latency
histogram, connection reuse, errors by kind and the slowest requests. Every request
carries a fresh W3C traceparent; its trace-id is printed so the request can be found in
the service's logs.`,
  flags: HTTP_FLAGS,
  exits: `exit codes: 0 ok (a 4xx or 5xx response too, as with curl, unless --fail or a status
rule), 1 a request failed (refused, timeout, TLS, reset, …, a 4xx/5xx with --fail; with
an errors rule in --slo, that rule decides), 2 usage, 4 an --slo bound was exceeded,
130 interrupted (what was done is still reported)`,
  run: http,
});

async function http({ flags, positionals, io }: Invocation<typeof HTTP_FLAGS>): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('http: expected one <url>; see goscope http --help');
  const url = parseUrl(positionals[0]!);

  const nFlag = flags.requests ? parseInteger(flags.requests!, 'n', 1) : null;
  const c = parseInteger(flags.concurrency, 'c', 1);
  // Every request keeps ~90 bytes of columns (8 phases, wait, status, reuse, trace-id) until the report.
  if (nFlag !== null && nFlag > MAX_REQUESTS) throw new UsageError(`-n: at most ${MAX_REQUESTS} requests per run (run several for more)`);
  if (c > 10_000) throw new UsageError('-c: at most 10000 connections');
  const durationMs = flags.duration !== undefined ? parseRunTime(flags.duration!) : null;
  const rate = flags.rate !== undefined ? parseRate(flags.rate!) : null;
  // How many requests: -n; -q's schedule (rate x -z) when shorter; with -z alone as many as
  // fit in the time (-n, if given, still caps them: whichever comes first ends the run).
  let n: number;
  if (rate !== null) {
    if (durationMs === null && nFlag === null) throw new UsageError('-q: say for how long: -z DURATION (or -n N requests)');
    const planned = durationMs === null ? Infinity : Math.ceil((rate * durationMs) / 1000);
    n = Math.min(nFlag ?? Infinity, planned);
    if (n > MAX_REQUESTS) throw new UsageError(`-q ${flags.rate} for ${flags.duration} is ${n} requests; at most ${MAX_REQUESTS} per run (lower -q or -z)`);
  } else n = durationMs !== null ? (nFlag ?? MAX_REQUESTS) : (nFlag ?? 1);
  const single = n === 1 && durationMs === null && rate === null;
  const many = nFlag !== null ? '-n' : durationMs !== null ? '-z' : '-q';
  if (!single && flags['echo-diff']) throw new UsageError(`--echo-diff: compares one request; drop ${many}`);
  if (!single && flags.dump) throw new UsageError(`--dump: shows one request; drop ${many}`);
  if (!single && flags.output) throw new UsageError(`-o: saves the body of one request; drop ${many}`);
  // The report owns stdout: a body mixed into it would corrupt both, so '-' is not a file here.
  if (flags.output === '-') throw new UsageError('-o -: the report is written to stdout; give -o a file name (the body is saved there)');
  if (flags.ipv4 && flags.ipv6) throw new UsageError('-4 and -6 exclude each other');
  if (flags['http1.1'] && flags['http2-prior-knowledge']) throw new UsageError('--http1.1 and --http2-prior-knowledge exclude each other');

  let body: Buffer | null = null;
  const data = flags.data;
  if (data !== undefined) body = readData(data);
  const method = (flags.request ?? (body ? 'POST' : 'GET')).toUpperCase();
  if (!TOKEN.test(method)) throw new UsageError(`-X: "${flags.request}" is not an HTTP method`);

  // Trace context: --traceparent or -H 'traceparent: V', validated; -H 'traceparent:' sends
  // none (as 'Name:' removes any default header); tracestate and baggage as given.
  const userHeaders = flags.header.map(parseHeader);
  const tpHeaders = userHeaders.filter(([k]) => k.toLowerCase() === 'traceparent');
  if (tpHeaders.length > 1) throw new UsageError('-H traceparent: given more than once');
  const tpHeader = tpHeaders[0]?.[1];
  if (tpHeader !== undefined && flags.traceparent !== undefined) throw new UsageError('--traceparent and -H traceparent: give the traceparent one way');
  const sendTraceparent = tpHeader !== '';
  // '' sends none: the client then leaves the header out.
  let fixedTraceparent: string | null = sendTraceparent ? null : '';
  const tpGiven = flags.traceparent ?? tpHeader;
  if (sendTraceparent && tpGiven !== undefined) {
    const tp = parseTraceparent(tpGiven);
    const source = flags.traceparent !== undefined ? '--traceparent' : '-H traceparent';
    if ('error' in tp) throw new UsageError(`${source}: "${tpGiven.slice(0, 80)}" is not a valid W3C traceparent: ${tp.error} (-H 'traceparent:' sends none)`);
    fixedTraceparent = tp.value;
  }
  // Credentials in the URL become Basic auth (as with curl and Go) and leave the URL, so no message shows them.
  let auth: string | null = null;
  if (url.username || url.password) {
    auth = 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
    url.username = '';
    url.password = '';
  }
  const headers = buildHeaders(userHeaders, body !== null, flags.tracestate, flags.baggage, auth);

  const timeouts = {
    connect: msFlag(flags['connect-timeout'], 'connect-timeout', 0),
    tls: msFlag(flags['tls-timeout'], 'tls-timeout', 0),
    header: msFlag(flags['header-timeout'], 'header-timeout', 0),
    total: msFlag(flags.timeout, 'timeout', DEFAULT_TIMEOUT_MS),
  };
  let sloRules: SloRule[] | null = null;
  if (flags.slo !== undefined) {
    const r = parseSlo(flags.slo!);
    if ('error' in r) throw new UsageError(`--slo: ${r.error}`);
    sloRules = r;
  }
  let ca: string[] | null = null;
  if (flags.cacert) {
    try {
      ca = [readFileSync(flags.cacert!, 'utf8')];
    } catch (e) {
      throw new UserError(`--cacert ${flags.cacert}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!/-----BEGIN CERTIFICATE-----/.test(ca[0]!))
      throw new UserError(`--cacert ${flags.cacert}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)`);
  }
  const maxRedirs = parseInteger(flags['max-redirs'], 'max-redirs', 0);

  const cfg: ClientConfig = {
    method,
    url,
    headers,
    body,
    keepAlive: !flags['no-keepalive'],
    maxRedirects: flags.location ? maxRedirs : 0,
    timeouts,
    capture: single,
    bodyCap: single && (flags.output || flags['echo-diff']) ? BODY_CAP : 0,
    family: flags.ipv4 ? 4 : flags.ipv6 ? 6 : 0,
    resolve: parseResolve(flags.resolve),
    insecure: flags.insecure,
    ca,
    alpn: flags['http1.1'] ? ['http/1.1'] : ['h2', 'http/1.1'],
    h2c: !!flags['http2-prior-knowledge'],
    traceparent: sendTraceparent,
    failStatus: flags.fail,
  };
  const json = flags.json;
  const style = outStyle(io);
  await warmUp({ tls: url.protocol === 'https:' || cfg.maxRedirects > 0, h2c: cfg.h2c });

  if (single) {
    const client = new HttpClient(cfg);
    let ex;
    try {
      ex = await client.send(0, fixedTraceparent ?? new TraceIdSource().traceparent());
    } finally {
      client.close();
    }
    let bodyFile: string | null = null;
    const out = flags.output;
    if (out && ex.body && !ex.failure) {
      await writeOutput(out, ex.body, 'the response body');
      bodyFile = out;
    }
    const final = ex.hops[ex.hops.length - 1]!;
    const echo = flags['echo-diff'] && !ex.failure ? diffEcho(ex.body, ex.bodyTruncated, final.sentHeaders, ex.traceparent) : null;
    const samples = Samples.create(1);
    samples.add(ex);
    const slo = sloRules ? checkSlo(sloRules, samples) : null;
    const report: SingleReport = { ex, timeouts, method, url: url.href, dump: flags.dump, echo, slo, bodyFile };
    if (json) printJson(io, singleJson(report));
    else if (!ex.failure || flags.dump) write(io, renderSingle(report, style));
    if (ex.failure) {
      // Once the request was sent the service may have logged it: say which trace to look for.
      const sent = (ex.failure.phase === 'serverProcessing' || ex.failure.phase === 'transfer') && ex.traceId !== '';
      note(io, `goscope: ${clean(ex.failure.message)}${sent ? ` (trace-id ${ex.traceId})` : ''}`);
    }
    return exitCode(slo, ex.failure ? 1 : 0);
  }

  const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });
  // Ctrl-C ends the run early; the requests done are still reported (exit 130).
  const stop = graceful();
  let run;
  try {
    const of = durationMs !== null && rate === null ? '' : `/${n}`;
    run = await runLoad(cfg, {
      requests: n,
      concurrency: c,
      threads: defaultThreads(durationMs !== null && nFlag === null ? Infinity : n, c, isLoopback(url, cfg.resolve)),
      fixedTraceparent,
      durationMs,
      rate,
      signal: stop.signal,
      onProgress: (done, failed, elapsed) =>
        prog.update(
          `${done}${of} requests, ${failed} failed, ${Math.round(done / (elapsed / 1000))} req/s${durationMs !== null ? `, ${fmtMs(Math.min(elapsed, durationMs))} of ${fmtMs(durationMs)}` : ''}`,
        ),
    });
  } finally {
    stop.release();
    prog.done();
  }
  const summary = summarise(run.samples);
  const slo = sloRules ? checkSlo(sloRules, run.samples) : null;
  const report: LoadReport = {
    method,
    timeouts,
    url: url.href,
    concurrency: c,
    keepAlive: cfg.keepAlive,
    elapsedMs: run.elapsedMs,
    skipped: run.skipped,
    opened: run.opened,
    retries: run.retries,
    summary,
    slo,
    rate,
    durationMs,
    timeUp: run.timeUp,
    capped: run.capped && nFlag === null ? MAX_REQUESTS : null,
    traced: sendTraceparent,
    failStatus: cfg.failStatus,
    interrupted: stop.signal.aborted,
    cpu: run.cpu,
    threads: run.threads,
  };
  if (json) printJson(io, loadJson(report));
  else write(io, renderLoad(report, style));
  if (stop.signal.aborted) return EXIT_INTERRUPTED;
  return exitCode(slo, summary.failed > 0 ? 1 : 0);
}

/** 4 when an SLO bound is exceeded; a failed request is 1 unless an errors rule judged it. */
function exitCode(slo: SloResult[] | null, failed: number): number {
  if (slo?.some((r) => !r.pass)) return EXIT_SLO;
  if (slo?.some((r) => r.metric === 'errors')) return 0;
  return failed;
}

function parseUrl(text: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`http: "${text.slice(0, 100)}" is not a valid URL (e.g. http://127.0.0.1:8080/path)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`http: ${url.protocol} URLs are not supported (use http:// or https://)`);
  if (!url.hostname) throw new UsageError(`http: "${text.slice(0, 100)}" has no host`);
  return url;
}

function parseHeader(text: string): [string, string] {
  const i = text.indexOf(':');
  const name = i > 0 ? text.slice(0, i).trim() : '';
  if (!name || !TOKEN.test(name)) throw new UsageError(`-H: "${text.slice(0, 80)}" is not "Name: value"`);
  const value = text.slice(i + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new UsageError(`-H ${name}: the value contains a line break or NUL`);
  return [name, value];
}

/** Defaults, then the user's headers (one of the same name replaces a default in place; an empty value removes it). */
function buildHeaders(
  user: [string, string][],
  hasBody: boolean,
  tracestate: string | undefined,
  baggage: string | undefined,
  auth: string | null,
): HeaderList {
  const list: HeaderList = [
    ['User-Agent', `goscope/${goscopeVersion()}`],
    ['Accept', '*/*'],
    ['traceparent', ''], // placeholder: the client puts each request's value here
  ];
  if (auth) list.push(['Authorization', auth]);
  if (hasBody) list.push(['Content-Type', 'application/x-www-form-urlencoded']);
  for (const [flag, v] of [
    ['tracestate', tracestate],
    ['baggage', baggage],
  ] as const) {
    if (v === undefined) continue;
    if (/[\r\n\0]/.test(v)) throw new UsageError(`--${flag}: the value contains a line break or NUL`);
    list.push([flag, v]);
  }
  const defaults = new Set(list.map(([k]) => k.toLowerCase()));
  defaults.delete('traceparent');
  for (const [name, value] of user) {
    const lower = name.toLowerCase();
    if (lower === 'traceparent') continue;
    if (lower === 'host') throw new UsageError('-H Host: not supported; use --resolve host:port:addr to reach a different address under the URL host');
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection')
      throw new UsageError(`-H ${name}: goscope sets this itself (use -d for a body, --no-keepalive for Connection: close)`);
    const at = defaults.has(lower) ? list.findIndex(([k]) => k.toLowerCase() === lower) : -1;
    defaults.delete(lower);
    if (at >= 0) {
      if (value === '') list.splice(at, 1);
      else list[at] = [name, value];
    } else if (value !== '') list.push([name, value]);
  }
  return list;
}

function readData(data: string): Buffer {
  if (!data.startsWith('@')) return Buffer.from(data, 'utf8');
  const file = data.slice(1);
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    throw new UserError(`-d ${data}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function parseResolve(list: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    const m = /^([^:]+|\[[^\]]+\]):(\d{1,5}):(.+)$/.exec(item);
    const addr = m?.[3]?.replace(/^\[(.*)\]$/, '$1');
    if (!m || !addr || !net.isIP(addr)) throw new UsageError(`--resolve: "${item}" is not host:port:address (e.g. api.example.com:443:127.0.0.1)`);
    out.set(`${m[1]!.replace(/^\[(.*)\]$/, '$1').toLowerCase()}:${Number(m[2])}`, addr);
  }
  return out;
}

/** -z: how long to keep sending. */
function parseRunTime(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text, 'z');
  } catch {
    throw new UsageError(`-z: "${text.slice(0, 40)}" is not a duration (e.g. 30s, 5m, 1h30m)`);
  }
  if (ms < 1) throw new UsageError(`-z: "${text.slice(0, 40)}" is no time at all; give e.g. 30s`);
  return ms;
}

/** -q: requests per second in total. */
function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  const r = m ? Number(m[1]) : NaN;
  if (!(r > 0)) throw new UsageError(`-q: "${text.slice(0, 40)}" is not a rate (requests per second, e.g. 200 or 0.5)`);
  if (r > 1_000_000) throw new UsageError('-q: at most 1000000 requests per second');
  return r;
}

function msFlag(text: string | undefined, flag: string, dflt: number): number {
  return text === undefined ? dflt : parseDuration(text, flag);
}

function diffEcho(body: Buffer | null, truncated: boolean, sent: HeaderList, traceparent: string): SingleReport['echo'] {
  if (truncated) return { error: 'the echo body is larger than 64 MiB' };
  const echoed = parseEcho(body);
  if ('error' in echoed) return { error: `${echoed.error}; --echo-diff needs an endpoint that echoes request headers as JSON` };
  return echoDiff(sent, echoed, traceparent);
}

/** Whether the service runs on this machine (it then competes with goscope for cores). */
function isLoopback(url: URL, resolve: Map<string, string>): boolean {
  const host = hostOf(url).toLowerCase();
  const addr = resolve.get(`${host}:${portOf(url)}`) ?? host;
  return addr === 'localhost' || addr.endsWith('.localhost') || /^127\./.test(addr) || addr === '::1';
}
