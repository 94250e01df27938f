// goscope traces <dir|file|jaeger-url>: distributed traces (OTLP JSON Lines, OTLP JSON or
// protobuf, Jaeger's JSON) analysed request by request: findings first (timeouts with their
// budget ledger, hops past their budget, work outliving its caller, broken trace context,
// logs without trace ids), the slowest operations by self time, and with --trace-id one
// request's view joining the client's phases (--http), the spans and the logs (--logs).
import { readFile } from 'node:fs/promises';
import { UsageError, UserError } from '../errors.js';
import { analyseGroups } from '../analysis/requests/analyse.js';
import { SpanStore } from '../analysis/requests/store.js';
import { toRec } from '../analysis/requests/tree.js';
import { spansOf, type SpanInput } from '../collect/spans.js';
import type { LogEntry } from '../formats/logs/model.js';
import { readLog } from '../formats/logs/read.js';
import { readFileChunks } from '../collect/acquire.js';
import { readSavedHttp, type ClientRequest } from '../formats/http/saved.js';
import { renderTraces, tracesJson } from '../report/traces.js';
import { note, outStyle, printJsonStream, write } from './common.js';
import { timeoutFlag } from './profile-flags.js';
import { defineCommand, JSON_FLAG, OUT_FLAG, TIMEOUT_FLAG } from './spec.js';

// Log lines --logs holds in memory to join with spans (a LogEntry is a few hundred bytes).
const MAX_JOINED_LOG_LINES = 500_000;

export const tracesSpec = defineCommand({
  name: 'traces',
  args: '<dir|file|jaeger-url>...',
  summary: 'why a request was slow or timed out: findings and one request across services',
  usage: ['traces <dir|file|jaeger-url>... [flags]'],
  description: `Reads spans (OTLP JSON Lines as goscope otlp --out and the collector's file exporter
write them, one OTLP JSON or protobuf request, or a Jaeger query reply; a folder means
every file in it; a Jaeger URL is fetched and saved first) and follows each request
through the services. Findings come first, each naming the service and operation:
  timeout                the request's budget (the timed-out client span), what was left at
                         each hop, and the span whose own time consumed it
  budget-exceeded        a hop that kept waiting after its caller's deadline passed
  outlived-parent        a span still running after its caller's span ended
  context-break          a server span starting a new trace while a client span of another
                         trace was calling it (the trace context was not extracted)
  logs-without-trace-id  per service, log lines inside its requests without a trace id
then the slowest operations by p99 self time, error hot spots and the calls between
services. --trace-id shows one request: a waterfall with the critical path, the client's
request from a saved goscope http --json as its first span (the parent of the first
server span; a client timeout that fired is the request's budget), and the log lines
under their spans (lines without ids matched by service and time, marked so).
Past 200,000 spans they are spilled to temporary files by trace id and analysed a part
at a time (GOSCOPE_TRACES_SPILL=N changes the threshold).`,
  flags: {
    'trace-id': { type: 'string', arg: 'ID', help: 'show this request (32 hex digits): waterfall, critical path, logs' },
    logs: { type: 'string', multiple: true, arg: 'FILE', help: 'log files to join (any format goscope logs reads), repeatable' },
    http: { type: 'string', arg: 'FILE', help: 'a saved goscope http --json result: its request joined above the server spans' },
    timeout: TIMEOUT_FLAG('deadline of the request to Jaeger (default 30s)'),
    out: OUT_FLAG('where a Jaeger reply is saved (default ./goscope-captures/…)'),
    json: JSON_FLAG('goscope.traces/v1'),
  },
  exits: 'exit codes: 0 no findings, 3 findings, 1 failure (unreadable input: one line naming it), 2 usage, 130 interrupted',
  async run({ flags, positionals, io }) {
    if (positionals.length === 0) throw new UsageError('traces: expected a folder, a file or a Jaeger URL; see goscope traces --help');
    let traceId: string | undefined;
    if (flags['trace-id'] !== undefined) {
      traceId = flags['trace-id'].trim().toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(traceId)) throw new UsageError(`traces: --trace-id ${flags['trace-id']} is not a W3C trace id (32 hex digits)`);
    }
    const inputs: SpanInput[] = positionals.map((arg) => ({ arg, files: [], stats: [] }));
    // Past SPILL_ABOVE spans the store spills them to temporary files by trace id and the
    // analysis reads them back a partition at a time (bounded memory on a million spans).
    const store = new SpanStore({ spillAbove: spillAboveFromEnv() });
    try {
      for (const input of inputs) {
        for await (const span of spansOf(input, { traceId, timeoutMs: timeoutFlag(flags), outDir: flags.out, onSaved: (f) => note(io, `saved ${f}`) }))
          store.add(toRec(span));
      }
      for (const input of inputs) {
        for (const [i, st] of input.stats.entries()) {
          if (st.badLines) note(io, `goscope: warning: ${input.files[i]}: ${st.badLines} unreadable line(s), first at ${st.firstBad ?? '?'}`);
        }
      }
      if (store.size === 0) throw new UserError(`traces: no spans in ${positionals.join(', ')}`);
      let logs: LogEntry[] | undefined;
      if (flags.logs.length) {
        logs = [];
        let dropped = 0;
        for (const f of flags.logs) {
          const keep = (e: LogEntry): void => {
            if (logs!.length < MAX_JOINED_LOG_LINES) logs!.push(e);
            else dropped++;
          };
          let st;
          try {
            st = await readLog(readFileChunks(f), f, { entry: keep });
          } catch (e) {
            if (!(e instanceof UserError)) throw e;
            throw new UserError(`traces: cannot read --logs ${f}: ${e.message}`);
          }
          if (st.unreadable) note(io, `goscope: warning: ${f}: ${st.unreadable} line(s) could not be read as a log line and were skipped`);
        }
        if (dropped)
          note(
            io,
            `goscope: warning: --logs: only the first ${MAX_JOINED_LOG_LINES} lines are joined, ${dropped} more were skipped (use goscope logs --trace-id for one request in big logs)`,
          );
      }
      let client: ClientRequest[] | undefined;
      if (flags.http !== undefined) {
        let text: string;
        try {
          text = await readFile(flags.http, 'utf8');
        } catch (e) {
          throw new UserError(`traces: cannot read --http ${flags.http}: ${(e as Error).message}`);
        }
        client = readSavedHttp(text, flags.http);
      }
      const a = analyseGroups(store.groups(), { logs, traceId, client });
      if (traceId && !a.view) note(io, `goscope: warning: trace ${traceId} is not among the ${a.traces} traces read`);
      if (flags.json) await printJsonStream(io, tracesJson(a, positionals));
      else write(io, renderTraces(a, outStyle(io)));
      return a.findings.length ? 3 : 0;
    } finally {
      store.close();
    }
  },
});

/** GOSCOPE_TRACES_SPILL: spans held in memory before spilling (tests lower it; default SPILL_ABOVE). */
function spillAboveFromEnv(): number | undefined {
  const v = process.env.GOSCOPE_TRACES_SPILL;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`GOSCOPE_TRACES_SPILL=${v}: expected a number of spans (an integer >= 0)`);
  return n;
}
