// Levels by name or number, onto one scale.
import type { Level } from './model.js';

const NAMES: Record<string, Level> = {
  trace: 'trace',
  trc: 'trace',
  verbose: 'trace',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  dpanic: 'panic',
  panic: 'panic',
  pnc: 'panic',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  ftl: 'fatal',
};

/**
 * A level as written: names in any case (slog's "WARN+2" by its base), zerolog's and
 * logrus' names, zap's (dpanic is a panic), syslog's; numbers on zerolog's scale (-1 trace
 * … 5 panic) or pino/bunyan's (10 trace … 60 fatal). '' when unknown.
 */
export function levelOf(text: string): Level {
  const t = text.trim();
  if (t === '') return '';
  const byName = NAMES[t.toLowerCase()];
  if (byName) return byName;
  const slog = /^([A-Za-z]+)[+-]\d+$/.exec(t);
  if (slog) return NAMES[slog[1]!.toLowerCase()] ?? '';
  if (/^-?\d+$/.test(t)) {
    const n = Number(t);
    const zerolog: Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic'];
    if (n >= -1 && n <= 5) return zerolog[n + 1]!;
    const pino: Record<number, Level> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
    return pino[n] ?? '';
  }
  return '';
}

/** Levels in order of severity, for --level (at least). */
export const LEVEL_ORDER: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'panic', 'fatal'];

export function levelRank(l: Level): number {
  return LEVEL_ORDER.indexOf(l);
}
