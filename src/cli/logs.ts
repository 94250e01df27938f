// goscope logs <file|->…: what a service's logs say (levels over time, the top error
// messages as templates, trace-id coverage per service, crashes, GODEBUG GC and scheduler
// series, unreadable lines), or, with --trace-id, one request's lines in time order.
import { UsageError, UserError } from '../errors.js';
import { readFileInto } from '../collect/acquire.js';
import { parseTraceIdArg, traceNeedles } from '../formats/logs/ids.js';
import { levelOf, levelRank } from '../formats/logs/level.js';
import type { LogEntry } from '../formats/logs/model.js';
import { readLog, type ReadStats } from '../formats/logs/read.js';
import { parseTimeText } from '../formats/logs/time.js';
import { LogSummarizer } from '../analysis/logs/summary.js';
import { TraceCollector } from '../analysis/logs/trace.js';
import { logsJson, renderLogsText, renderTraceText, traceJson } from '../report/logs.js';
import { progress } from '../report/progress.js';
import { parseInteger } from './args.js';
import { note, outStyle, printJson, wantsProgress, write } from './common.js';
import { defineCommand, JSON_FLAG, type FlagDefs, type Invocation } from './spec.js';

/** Exit code when the logs show a crash (an unrecovered panic or a fatal error). */
export const EXIT_CRASH = 3;

const LOGS_FLAGS = {
  'trace-id': { type: 'string', arg: 'ID', help: "print that request's lines in time order: W3C hex (32 digits), 16 hex digits or Datadog's decimal" },
  level: { type: 'string', arg: 'L', help: 'only lines at level L or above (trace, debug, info, warn, error, panic, fatal)' },
  since: { type: 'string', arg: 'T', help: 'only lines at or after time T (RFC 3339, e.g. 2026-03-14T09:30:00Z)' },
  until: { type: 'string', arg: 'T', help: 'only lines before time T (RFC 3339)' },
  top: { type: 'string', arg: 'N', default: '10', help: 'error messages in the table' },
  json: JSON_FLAG('goscope.logs/v1'),
} as const satisfies FlagDefs;

export const logsSpec = defineCommand({
  name: 'logs',
  args: '<file|->...',
  summary: 'what logs say: levels over time, top errors as templates, trace-id coverage, crashes, GC; --trace-id for one request',
  usage: ['logs <file|->... [flags]', 'logs <file|->... --trace-id ID'],
  description: `Reads log files (gzipped or not, any size: they are streamed) as Go services write them,
each line recognised on its own, so one file may mix them: log/slog JSON and text, zap
(production JSON and the development console encoder), logrus (JSON and text), zerolog,
go-kit logfmt, the log package, any JSON object with the usual keys, plain text.
Prints lines by level over time, the top error messages as templates (ids, numbers,
UUIDs, hex, IP addresses and quoted strings masked), the share of lines with a trace id
per service and under which key, panics and goroutine dumps found in the logs (read by
the goroutine parser: where it panicked, the goroutine groups), GODEBUG=gctrace=1 and
schedtrace lines as GC and scheduler series, and the lines that could not be read
(counted and located; never fatal).
--trace-id prints one request's lines from all inputs in time order; the raw bytes are
searched for every form of the id in one pass (its low 64 bits in hex, either case, and in
Datadog's decimal) before a line is parsed, so a large file is searched about as fast as
grep -F; a line with only the low 64 bits matches a W3C id by its low half.`,
  flags: LOGS_FLAGS,
  exits: `exit codes: 0 ok, 3 an unrecovered panic or fatal error is in the logs, 1 failure (no
input could be read; with --trace-id: no line has that trace id), 2 usage, 130 interrupted`,
  run: logs,
});

async function logs({ flags, positionals, io }: Invocation<typeof LOGS_FLAGS>): Promise<number> {
  if (positionals.length === 0) throw new UsageError('logs: expected at least one log file or - (stdin); see goscope logs --help');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('logs: stdin (-) can be read only once');
  const top = parseInteger(flags.top, 'top', 1);
  let minLevel = -1;
  if (flags.level !== undefined) {
    const l = levelOf(flags.level);
    if (!l) throw new UsageError(`--level: expected trace, debug, info, warn, error, panic or fatal, got "${flags.level}"`);
    minLevel = levelRank(l);
  }
  const since = timeFlag(flags.since, 'since');
  const until = timeFlag(flags.until, 'until');
  let traceId = '';
  if (flags['trace-id'] !== undefined) {
    traceId = parseTraceIdArg(flags['trace-id']);
    if (!traceId) throw new UsageError(`--trace-id: expected a trace id (32 or 16 hex digits, or a decimal Datadog id), got "${flags['trace-id']}"`);
  }
  const keep = (e: LogEntry): boolean => {
    if (minLevel >= 0 && levelRank(e.level) < minLevel) return false;
    if (since !== null && (e.timeNs === null || e.timeNs < since)) return false;
    if (until !== null && (e.timeNs === null || e.timeNs >= until)) return false;
    return true;
  };

  const summary = new LogSummarizer();
  const collector = traceId ? new TraceCollector(traceId) : null;
  const bar = progress({ enabled: wantsProgress(io, flags.json) });
  let read = 0;
  let failed = 0;
  let bytesDone = 0;
  for (const p of positionals) {
    const input = p === '-' ? 'stdin' : p;
    let mine = 0;
    const onRead = (n: number): void => {
      mine += n;
      bar.update(`reading ${input}: ${Math.round(mine / 1e6)} MB (${Math.round((bytesDone + mine) / 1e6)} MB in all)`);
    };
    // A file is read straight into the reader's buffer; stdin comes as a stream.
    const source =
      p === '-'
        ? (async function* () {
            for await (const c of process.stdin as AsyncIterable<Uint8Array>) {
              onRead(c.byteLength);
              yield c;
            }
          })()
        : readFileInto(p, onRead);
    let stats: ReadStats;
    try {
      stats = await readLog(
        source,
        input,
        collector
          ? { entry: (e) => keep(e) && collector.entry(e) }
          : {
              entry: (e) => keep(e) && summary.entry(e),
              unreadable: (u) => summary.unreadableLine(u),
              crash: (c) => summary.crash(c),
              gc: (g, i) => summary.gc(g, i),
              sched: (s, i) => summary.sched(s, i),
            },
        collector ? { needles: traceNeedles(traceId) } : {},
      );
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      bar.done();
      note(io, `goscope: ${e.message}`);
      failed++;
      continue;
    }
    read++;
    bytesDone += mine;
    summary.input(input, stats);
  }
  bar.done();
  if (read === 0) throw new UserError(failed > 1 ? `logs: none of the ${failed} inputs could be read` : 'logs: the input could not be read');

  if (collector) {
    const lines = collector.sorted();
    if (flags.json)
      printJson(
        io,
        traceJson(
          traceId,
          lines,
          collector.dropped,
          positionals.map((p) => (p === '-' ? 'stdin' : p)),
        ),
      );
    else if (lines.length) write(io, renderTraceText(traceId, lines, collector.dropped, outStyle(io)));
    if (lines.length === 0) {
      if (!flags.json)
        note(
          io,
          `goscope: logs: no line has trace id ${traceId} (searched ${positionals.length === 1 ? 'one input' : `${read} inputs`} for it in hex and decimal)`,
        );
      return 1;
    }
    return failed ? 1 : 0;
  }
  const s = summary.finish(top);
  if (flags.json) printJson(io, logsJson(s));
  else write(io, renderLogsText(s, outStyle(io)));
  if (failed) return 1;
  return s.crashes.some((c) => c.kind === 'panic' || c.kind === 'fatal') ? EXIT_CRASH : 0;
}

function timeFlag(v: string | undefined, flag: string): bigint | null {
  if (v === undefined) return null;
  const t = parseTimeText(v);
  if (t === null) throw new UsageError(`--${flag}: expected a time such as 2026-03-14T09:30:00Z, got "${v}"`);
  return t;
}
