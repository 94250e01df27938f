// loggen's truth file (testdata/go/loggen/README.md): what each logging call wrote, one
// JSON line per call. Pure (no Go): the checked-in fixtures' unit tests read it too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { LogEntry } from '../../src/formats/logs/model.js';

export interface Truth {
  line: number;
  dialect: string;
  timeNs: string;
  timeMaxNs: string;
  precisionNs: number;
  level: string;
  msg: string;
  service: string;
  traceId: string;
  spanId: string;
  traceKey: string;
  error: string;
  sourceFile: string;
  stack: boolean;
  panicBlock?: boolean;
  /** A line written torn on purpose (-torn): why it cannot be read. */
  torn?: string;
}

export function readTruth(file: string): Truth[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Truth);
}

/** Asserts that the entry read at want.line holds every field loggen says it logged. */
export function assertEntryIsTruth(e: LogEntry | undefined, want: Truth): asserts e is LogEntry {
  const at = `line ${want.line} (${want.dialect})`;
  assert.ok(e, `${at} was not read as an entry`);
  assert.equal(e.dialect, want.dialect, at);
  assert.equal(e.level, want.level, at);
  assert.equal(e.message, want.msg, at);
  assert.equal(e.service, want.service, at);
  assert.equal(e.error, want.error, at);
  assert.equal(e.spanId, want.spanId, at);
  assert.equal(e.traceKey, want.traceKey, at);
  // A Datadog id holds the low 64 bits: it is the W3C id's low half.
  assert.equal(e.traceId, want.traceKey.startsWith('dd.') ? '0'.repeat(16) + want.traceId.slice(16) : want.traceId, at);
  assert.ok(e.timeNs !== null, `${at}: no time`);
  const lo = BigInt(want.timeNs) - BigInt(want.precisionNs);
  const hi = BigInt(want.timeMaxNs) + BigInt(want.precisionNs);
  assert.ok(e.timeNs > lo && e.timeNs < hi, `${at}: time ${e.timeNs} not within ${want.precisionNs} ns of ${want.timeNs}..${want.timeMaxNs}`);
  if (want.sourceFile) assert.match(e.source, new RegExp(`(^|/)${want.sourceFile.replace('.', '\\.')}:\\d+$`), at);
  if (want.stack) assert.ok(e.fields.stack || e.fields.stacktrace, `${at}: its stack trace was not kept`);
}
