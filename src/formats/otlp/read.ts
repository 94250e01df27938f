// Reading spans and log records from files and replies, one at a time:
//   - OTLP JSON Lines: one Export*ServiceRequest per line, as the collector's file exporter
//     and `goscope otlp` write them (traces, logs and metrics lines may be mixed);
//   - one OTLP/JSON request, pretty-printed or not;
//   - one OTLP protobuf request (a .pb body as captured off the wire);
//   - Jaeger's query API reply (jaeger.ts);
// each possibly gzipped. Memory holds one line (one request) at a time, capped by
// GOSCOPE_MAX_OTLP; a JSON line that cannot be read is counted and located, not fatal.

import { createReadStream } from 'node:fs';
import { FormatError } from '../../errors.js';
import { limit, limitHint } from '../../lib/limits.js';
import { collect, gunzipCapped, isGzip, maxInflatedFromEnv, peek, DEFAULT_MAX_INFLATED, type Chunks } from '../input.js';
import type { OtlpLogRecord, Span } from './model.js';
import { logsOfRequest, metricPointsOfRequest, signalOf, spansOfRequest, type JsonContext } from './json.js';
import { isJaegerReply, parseJaegerJson, spansOfJaegerReply } from './jaeger.js';
import { decodeRequest } from './protobuf.js';
import type { Signal } from './schema.js';

export type OtlpItem = { kind: 'span'; span: Span } | { kind: 'log'; log: OtlpLogRecord } | { kind: 'metrics'; points: number };

export type OtlpFileFormat = 'otlp-jsonl' | 'otlp-json' | 'otlp-protobuf' | 'jaeger' | 'empty';

export interface OtlpReadStats {
  format: OtlpFileFormat;
  /** Requests (lines, documents) read. */
  requests: number;
  spans: number;
  logs: number;
  metricPoints: number;
  /** JSON lines that could not be read, and where the first one is. */
  badLines: number;
  firstBad?: string;
}

export interface OtlpReadOptions {
  /** The signal of a protobuf input (a bare protobuf request does not say which it is). Default: traces. */
  protobufSignal?: Signal;
  /** Bytes one line or document may take (default: GOSCOPE_MAX_OTLP, 128 MiB). */
  maxDoc?: number;
  /** Filled in as the input is read. */
  stats?: OtlpReadStats;
}

export function newReadStats(): OtlpReadStats {
  return { format: 'empty', requests: 0, spans: 0, logs: 0, metricPoints: 0, badLines: 0 };
}

/** A file's bytes as chunks. */
export function fileChunks(path: string): Chunks {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** Every span, log record and metrics request of the input, in order. */
export async function* readOtlp(chunks: Chunks, input: string, opts: OtlpReadOptions = {}): AsyncGenerator<OtlpItem> {
  const stats = opts.stats ?? newReadStats();
  const maxDoc = opts.maxDoc ?? limit('otlp');
  let { head, rest } = await peek(chunks, 16);
  if (isGzip(head)) {
    ({ head, rest } = await peek(gunzipCapped(rest, input, maxInflatedFromEnv(DEFAULT_MAX_INFLATED)), 16));
  }
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (head.length === 0) return;
  if (i < head.length && head[i] !== 0x7b /* { */) {
    // Protobuf: held whole, as one request.
    stats.format = 'otlp-protobuf';
    const signal = opts.protobufSignal ?? 'traces';
    const bytes = await collect(rest, input, maxDoc, limitHint('otlp', maxDoc));
    const req = decodeRequest(signal, bytes, input);
    stats.requests++;
    yield* itemsOf(req, { input, where: '' }, stats);
    return;
  }

  const lines = new LineSplitter(rest, input, maxDoc);
  let first: string | null = null;
  for (let line = await lines.next(); line !== null; line = await lines.next()) {
    if (isBlank(line)) continue;
    const ctx: JsonContext = { input, where: `line ${lines.lineNo}` };
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      if (first === null && stats.requests === 0 && stats.badLines === 0) {
        // Not one request per line: a pretty-printed document. Read it whole.
        first = line;
        break;
      }
      countBad(stats, ctx, `not valid JSON (${(e as Error).message})`);
      continue;
    }
    if (isJaegerReply(doc)) {
      stats.format = 'jaeger';
      stats.requests++;
      yield* jaegerItems(parseJaegerJson(line, ctx), ctx, stats);
      continue;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !signalOf(doc as Record<string, unknown>)) {
      countBad(stats, ctx, 'not an OTLP request (no resourceSpans, resourceLogs or resourceMetrics)');
      continue;
    }
    if (stats.format === 'empty') stats.format = 'otlp-jsonl';
    stats.requests++;
    try {
      yield* itemsOf(doc as Record<string, unknown>, ctx, stats);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      countBad(stats, ctx, e.message);
    }
  }
  if (first !== null) {
    const parts = [first];
    let size = first.length;
    for await (const line of lines.lines()) {
      size += line.length + 1;
      if (size > maxDoc) throw new FormatError(input, '', `JSON document exceeds ${maxDoc} bytes`, limitHint('otlp', maxDoc));
      parts.push(line);
    }
    const text = parts.join('\n');
    const ctx: JsonContext = { input, where: '' };
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new FormatError(input, '', `not OTLP JSON, OTLP JSON Lines, OTLP protobuf or a Jaeger reply (${(e as Error).message})`);
    }
    stats.requests++;
    if (isJaegerReply(doc)) {
      stats.format = 'jaeger';
      yield* jaegerItems(parseJaegerJson(text, ctx), ctx, stats);
    } else if (doc !== null && typeof doc === 'object' && !Array.isArray(doc) && signalOf(doc as Record<string, unknown>)) {
      stats.format = 'otlp-json';
      yield* itemsOf(doc as Record<string, unknown>, ctx, stats);
    } else {
      throw new FormatError(input, '', 'JSON, but neither an OTLP request nor a Jaeger reply');
    }
  }
  if (stats.requests === 0 && stats.badLines > 0) {
    throw new FormatError(input, '', `no line is an OTLP request or Jaeger reply (${stats.badLines} unreadable; first at ${stats.firstBad ?? '?'})`);
  }
}

/** Spans only (log records and metrics are skipped). */
export async function* readSpans(chunks: Chunks, input: string, opts: OtlpReadOptions = {}): AsyncGenerator<Span> {
  for await (const it of readOtlp(chunks, input, opts)) if (it.kind === 'span') yield it.span;
}

/** Log records only. */
export async function* readLogRecords(chunks: Chunks, input: string, opts: OtlpReadOptions = {}): AsyncGenerator<OtlpLogRecord> {
  for await (const it of readOtlp(chunks, input, opts)) if (it.kind === 'log') yield it.log;
}

function countBad(stats: OtlpReadStats, ctx: JsonContext, problem: string): void {
  stats.badLines++;
  if (!stats.firstBad) stats.firstBad = `${ctx.where}: ${problem}`;
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** The items of one request object, collected first so a bad request yields nothing half-read. */
function itemsOf(req: Record<string, unknown>, ctx: JsonContext, stats: OtlpReadStats): OtlpItem[] {
  const out: OtlpItem[] = [];
  switch (signalOf(req)) {
    case 'traces':
      spansOfRequest(req, ctx, (span) => out.push({ kind: 'span', span }));
      stats.spans += out.length;
      break;
    case 'logs':
      logsOfRequest(req, ctx, (log) => out.push({ kind: 'log', log }));
      stats.logs += out.length;
      break;
    case 'metrics': {
      const points = metricPointsOfRequest(req);
      stats.metricPoints += points;
      out.push({ kind: 'metrics', points });
      break;
    }
  }
  return out;
}

function jaegerItems(doc: unknown, ctx: JsonContext, stats: OtlpReadStats): OtlpItem[] {
  const out: OtlpItem[] = [];
  spansOfJaegerReply(doc, ctx, (span) => out.push({ kind: 'span', span }));
  stats.spans += out.length;
  return out;
}

/**
 * Lines of a byte stream as strings (UTF-8), without '\n' or a trailing '\r'. Holds one
 * chunk and one partial line; a line longer than `maxLine` bytes is a format error.
 * Resumable: a caller may stop iterating and call lines() again without losing bytes.
 */
class LineSplitter {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private done = false;
  lineNo = 0;

  constructor(
    chunks: Chunks,
    private readonly input: string,
    private readonly maxLine: number,
  ) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  async next(): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0) {
        let line: Buffer = this.buf.subarray(this.pos, nl);
        this.pos = nl + 1;
        if (this.carryLen) {
          line = Buffer.concat([...this.carry, line]);
          this.carry = [];
          this.carryLen = 0;
        }
        this.lineNo++;
        if (line.length > this.maxLine) throw tooLong(this.input, this.lineNo, this.maxLine);
        return stripCR(line).toString('utf8');
      }
      if (this.pos < this.buf.length) {
        // Copy: the chunk's memory may be reused by the stream.
        this.carry.push(Buffer.from(this.buf.subarray(this.pos)));
        this.carryLen += this.buf.length - this.pos;
        if (this.carryLen > this.maxLine) throw tooLong(this.input, this.lineNo + 1, this.maxLine);
      }
      this.buf = Buffer.alloc(0);
      this.pos = 0;
      if (this.done) break;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        continue;
      }
      this.buf = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
    if (!this.carryLen) return null;
    const last = Buffer.concat(this.carry);
    this.carry = [];
    this.carryLen = 0;
    this.lineNo++;
    return stripCR(last).toString('utf8');
  }

  async *lines(): AsyncGenerator<string> {
    for (let l = await this.next(); l !== null; l = await this.next()) yield l;
  }
}

function stripCR(b: Buffer): Buffer {
  return b.length && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b;
}

function tooLong(input: string, lineNo: number, max: number): FormatError {
  return new FormatError(input, `line ${lineNo}`, `line longer than ${max} bytes`, limitHint('otlp', max));
}
