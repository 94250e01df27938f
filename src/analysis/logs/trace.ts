// One request's lines: every entry whose trace id is the one asked for (a 64-bit id from
// Datadog's decimal field matches a W3C id by its low half), in time order.
import { sameTrace } from '../../formats/logs/ids.js';
import type { LogEntry } from '../../formats/logs/model.js';

export const MAX_TRACE_LINES = 100_000;

export class TraceCollector {
  readonly lines: LogEntry[] = [];
  dropped = 0;
  constructor(readonly traceId: string) {}

  entry(e: LogEntry): void {
    if (!sameTrace(e.traceId, this.traceId)) return;
    if (this.lines.length >= MAX_TRACE_LINES) {
      this.dropped++;
      return;
    }
    this.lines.push(e);
  }

  /** Time order; lines without a time keep their place after the timed ones, by input and line. */
  sorted(): LogEntry[] {
    return [...this.lines].sort((a, b) => {
      if (a.timeNs !== null && b.timeNs !== null && a.timeNs !== b.timeNs) return a.timeNs < b.timeNs ? -1 : 1;
      if ((a.timeNs === null) !== (b.timeNs === null)) return a.timeNs === null ? 1 : -1;
      return a.input === b.input ? a.line - b.line : a.input < b.input ? -1 : 1;
    });
  }
}
