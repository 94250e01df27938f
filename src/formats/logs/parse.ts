// One log line, whatever wrote it, to a LogEntry. The shape is recognised per line, so one
// file may mix them: a JSON object (slog, zap production, logrus, zerolog, or any other
// with the usual keys), zap's development console encoder (tab-separated), logfmt (slog
// text, logrus text, go-kit), the log package's "2006/01/02 15:04:05 file.go:12: msg", or
// plain text. Fields are flattened with dots ({"dd":{"trace_id":…}} is dd.trace_id), ids
// converted to W3C form, times to Unix nanoseconds.
import { idKind, spanIdOf, traceIdOf } from './ids.js';
import { levelOf } from './level.js';
import { parseLogfmt } from './logfmt.js';
import type { LogDialect, LogEntry } from './model.js';
import { parseTimeText } from './time.js';

export type LineResult = { entry: LogEntry } | { unreadable: string };

const MSG_KEYS = ['msg', 'message', '@message', 'M'];
const TIME_KEYS = ['time', 'ts', 'timestamp', '@timestamp', 't', 'T', 'date'];
const LEVEL_KEYS = ['level', 'lvl', 'severity', 'log.level', '@level', 'L', 'levelname'];
const SOURCE_KEYS = ['caller', 'source', 'file', 'logger.caller', 'src', 'C'];
const ERROR_KEYS = ['error', 'err', 'error.message', 'exception'];
const SERVICE_KEYS = ['service', 'service.name', 'app', 'application'];

// A number of 16+ digits (nanosecond times, Datadog ids) as a JSON value: quoted before
// parsing, so it is read from its digits and not rounded to a double.
const BIG_NUMBER = /([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const BINARY = /[\x00-\x08\x0e-\x1a\x1c-\x1f\ufffd]/;
const ZAP_CONSOLE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[^\t]*)\t([A-Za-z]+)\t/;
const STDLOG = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) (?:(\S+\.go:\d+): )?/;
const GO_SOURCE = /^\S+\.go:\d+$/;

export function parseLogLine(line: string, input: string, lineNo: number): LineResult {
  let s = line;
  if (s.indexOf('\x1b') >= 0) s = s.replace(ANSI, '');
  if (BINARY.test(s)) return { unreadable: 'binary data' };
  const t = s.trim();
  if (t === '') return { unreadable: 'empty line' };
  const e = blank(input, lineNo);
  if (t.charCodeAt(0) === 123 /* { */) {
    const obj = parseJsonObject(t);
    if (!obj) return { unreadable: 'invalid JSON' };
    const flat = new Map<string, string>();
    flatten(obj, '', flat);
    fill(e, flat);
    e.dialect = jsonDialect(flat, e.levelText);
    return { entry: e };
  }
  let m = ZAP_CONSOLE.exec(t);
  if (m && levelOf(m[2]!) !== '') {
    zapConsole(e, t, m);
    return { entry: e };
  }
  m = STDLOG.exec(t);
  if (m) {
    e.dialect = 'stdlog';
    e.timeNs = parseTimeText(m[1]!);
    e.source = m[2] ?? '';
    e.message = t.slice(m[0].length);
    return { entry: e };
  }
  const kv = parseLogfmt(t);
  if (kv && (kv.has('msg') || kv.has('level') || kv.has('lvl') || kv.has('time') || kv.has('ts')) && kv.size >= 2) {
    fill(e, kv);
    e.dialect = 'logfmt';
    return { entry: e };
  }
  e.dialect = 'text';
  e.message = t;
  return { entry: e };
}

function blank(input: string, line: number): LogEntry {
  return {
    input,
    line,
    timeNs: null,
    level: '',
    levelText: '',
    message: '',
    service: '',
    traceId: '',
    spanId: '',
    traceKey: '',
    source: '',
    error: '',
    fields: {},
    dialect: 'text',
  };
}

function parseJsonObject(t: string): Record<string, unknown> | null {
  const quoted = BIG_NUMBER.test(t) ? t.replace(BIG_NUMBER, '$1"$2"') : null;
  BIG_NUMBER.lastIndex = 0;
  for (const text of quoted ? [quoted, t] : [t]) {
    try {
      const v: unknown = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
      return null;
    } catch {
      // the original text next, if the quoting was the problem
    }
  }
  return null;
}

/** Nested objects to dotted keys; slog's source object ({function, file, line}) to "file:line". */
function flatten(o: Record<string, unknown>, prefix: string, out: Map<string, string>): void {
  for (const k of Object.keys(o)) {
    const v = o[k];
    const key = prefix ? prefix + '.' + k : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const src = v as Record<string, unknown>;
      if (!prefix && (k === 'source' || k === 'caller') && typeof src.file === 'string') {
        out.set(key, src.line !== undefined ? `${src.file}:${String(src.line)}` : src.file);
        if (typeof src.function === 'string') out.set(key + '.function', src.function);
        continue;
      }
      flatten(src, key, out);
    } else out.set(key, typeof v === 'string' ? v : JSON.stringify(v));
  }
}

/** The known keys to the entry's fields (the first key of each list that is present wins), the rest to fields. */
function fill(e: LogEntry, kv: Map<string, string>): void {
  const used = new Set<string>();
  const first = (keys: readonly string[]): string | undefined => {
    for (const k of keys) {
      const v = kv.get(k);
      if (v !== undefined) {
        used.add(k);
        return v;
      }
    }
    return undefined;
  };
  e.message = first(MSG_KEYS) ?? '';
  const time = first(TIME_KEYS);
  if (time !== undefined) e.timeNs = parseTimeText(time);
  e.levelText = first(LEVEL_KEYS) ?? '';
  e.level = levelOf(e.levelText);
  const src = first(SOURCE_KEYS);
  if (src !== undefined) e.source = src;
  e.error = first(ERROR_KEYS) ?? '';
  e.service = first(SERVICE_KEYS) ?? '';
  for (const [k, v] of kv) {
    if (used.has(k)) continue;
    const kind = idKind(k);
    if (kind === 'trace' && !e.traceId) {
      const id = traceIdOf(v, k);
      if (id) {
        e.traceId = id;
        e.traceKey = k;
        continue;
      }
    } else if (kind === 'span' && !e.spanId) {
      const id = spanIdOf(v, k);
      if (id) {
        e.spanId = id;
        continue;
      }
    }
    if (k !== '_') e.fields[k] = v;
    else e.message = e.message ? e.message + ' ' + v : v;
  }
}

function jsonDialect(kv: Map<string, string>, levelText: string): LogDialect {
  const hasMsg = kv.has('msg');
  if (kv.has('ts') && hasMsg) return 'zap-json';
  if (hasMsg && kv.has('time') && /^[A-Z]+(?:[+-]\d+)?$/.test(levelText)) return 'slog-json';
  if (kv.has('message') && !hasMsg && kv.has('level')) return 'zerolog';
  if (hasMsg && kv.has('time') && /^[a-z]+$/.test(levelText)) return 'logrus-json';
  return 'json';
}

/** zap's console encoder: time, LEVEL, [logger name], [caller], message, [fields as JSON], tab-separated. */
function zapConsole(e: LogEntry, t: string, m: RegExpExecArray): void {
  e.dialect = 'zap-console';
  e.timeNs = parseTimeText(m[1]!);
  e.levelText = m[2]!;
  e.level = levelOf(e.levelText);
  const parts = t.slice(m[0].length).split('\t');
  let kv: Map<string, string> | null = null;
  const last = parts[parts.length - 1]!;
  if (parts.length > 1 && last.startsWith('{') && last.endsWith('}')) {
    const obj = parseJsonObject(last);
    if (obj) {
      kv = new Map();
      flatten(obj, '', kv);
      parts.pop();
    }
  }
  const callerAt = parts.findIndex((p) => GO_SOURCE.test(p));
  if (callerAt >= 0 && callerAt < parts.length - 1) {
    e.source = parts[callerAt]!;
    if (callerAt > 0) e.fields.logger = parts.slice(0, callerAt).join('\t');
    parts.splice(0, callerAt + 1);
  }
  e.message = parts.join('\t');
  if (kv) {
    const msg = e.message;
    const lt = e.levelText;
    fill(e, kv);
    // The console line's own message and level win over same-named fields.
    e.message = msg;
    e.levelText = lt;
    e.level = levelOf(lt);
  }
}
