// A stopgap reader of slog JSONHandler lines (one JSON object per line: time, level, msg,
// source, service, trace_id, span_id, err), enough for `goscope traces --logs` to join the
// demo's logs before the full log parsers (branch i14-logs: every dialect, gzip, bounded
// memory per line) are merged; then `traces` should read logs through those instead.
// Lines that are not JSON objects are counted, never fatal.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Level, LogEntry } from './model.js';

const LEVELS: Record<string, Level> = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', WARNING: 'warn', ERROR: 'error' };
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function timeNs(v: unknown): bigint | null {
  if (typeof v !== 'string') return null;
  // RFC 3339 with up to 9 fractional digits: Date keeps ms, the rest is added back.
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(v);
  if (!m) return null;
  const ms = Date.parse(m[1]! + m[3]!);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

export interface SlogRead {
  entries: LogEntry[];
  unreadable: number;
}

export async function readSlogJsonFile(path: string, input = path): Promise<SlogRead> {
  const entries: LogEntry[] = [];
  let unreadable = 0;
  let line = 0;
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const text of rl) {
    line++;
    if (!text.trim()) continue;
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      unreadable++;
      continue;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      unreadable++;
      continue;
    }
    const r = o as Record<string, unknown>;
    const str = (k: string): string => (typeof r[k] === 'string' ? (r[k] as string) : '');
    const src = r.source as Record<string, unknown> | undefined;
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(r)) if (!['time', 'level', 'msg', 'service', 'trace_id', 'span_id', 'source', 'err', 'error'].includes(k)) fields[k] = typeof v === 'string' ? v : JSON.stringify(v);
    const traceId = str('trace_id').toLowerCase();
    const spanId = str('span_id').toLowerCase();
    entries.push({
      input,
      line,
      timeNs: timeNs(r.time),
      level: LEVELS[str('level').toUpperCase()] ?? '',
      levelText: str('level'),
      message: str('msg'),
      service: str('service'),
      traceId: HEX32.test(traceId) ? traceId : '',
      spanId: HEX16.test(spanId) ? spanId : '',
      traceKey: HEX32.test(traceId) ? 'trace_id' : '',
      source: src && typeof src.file === 'string' ? `${src.file}:${String(src.line ?? '')}` : '',
      error: str('err') || str('error'),
      fields,
      dialect: 'slog-json',
    });
  }
  return { entries, unreadable };
}
