// One log line as goscope reads it, whatever wrote it (slog JSON/text, zap, logrus,
// zerolog, go-kit logfmt, the standard log package) and OTLP log records: the fields every
// analysis needs, normalised, plus where the line came from so a finding can point at it.
// Everything here is untrusted text from a service.

/** Which writer's shape the line matched ('json': a JSON object of no library recognised). */
export type LogDialect = 'slog-json' | 'zap-json' | 'zap-console' | 'logrus-json' | 'zerolog' | 'logfmt' | 'stdlog' | 'otlp' | 'text' | 'json';

/** Levels on one scale (OTLP's severity ranges: 1 trace, 5 debug, 9 info, 13 warn, 17 error, 21 fatal). */
export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'panic' | '';

export interface LogEntry {
  /** Input name and 1-based line number (for OTLP: the record's position). */
  input: string;
  line: number;
  /** Unix nanoseconds; null when the line has no time that could be read. */
  timeNs: bigint | null;
  level: Level;
  /** The level as written ("WARN", "40", "warning"). */
  levelText: string;
  message: string;
  /** service.name / "service" / "app" when the line says; '' otherwise. */
  service: string;
  /** W3C form (32 and 16 lowercase hex), converted from the key and encoding found; '' when none. */
  traceId: string;
  spanId: string;
  /** Which key held the trace id ("trace_id", "dd.trace_id"…), '' when none. */
  traceKey: string;
  /** "file.go:123" from caller/source, '' when none. */
  source: string;
  /** The error field's text, '' when none. */
  error: string;
  /** Any other fields, as strings. */
  fields: Record<string, string>;
  dialect: LogDialect;
}
