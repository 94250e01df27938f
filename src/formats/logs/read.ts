// A log stream to entries, crashes and GODEBUG series, in one pass. Besides the line-by-line
// dialects (parse.ts) it follows what spans lines: a panic or goroutine dump printed into
// the log (handed to the goroutine parser), stack traces that follow their log line (zap's
// development encoder, logrus hooks), and the runtime's gctrace/schedtrace lines.
// Unreadable lines are counted and the first ones kept with their line number; nothing in a
// line makes the read fail.
import { fromBuffer, type Chunks } from '../input.js';
import { parseTextDump } from '../goroutines/text.js';
import type { Goroutine } from '../goroutines/model.js';
import { parseGcLine, parseSchedLine, type GcCycle, type SchedSample } from './godebug.js';
import { scanLogLines, type ByteSource, type LineOptions, type LineScan } from './lines.js';
import type { LogEntry } from './model.js';
import { parseLogLine } from './parse.js';

export type CrashKind = 'panic' | 'fatal' | 'recovered' | 'dump';

export interface CrashBlock {
  input: string;
  /** First and last line of the block (1-based). */
  line: number;
  endLine: number;
  kind: CrashKind;
  /** "panic: …", "fatal error: …", or the log line that reported a recovered panic. */
  headline: string;
  /** The signal line of a crash ("[signal SIGSEGV: …]"), '' when none. */
  signal: string;
  /** The goroutines in it, as the goroutine parser reads them (at most MAX_GOROUTINES). */
  goroutines: Goroutine[];
  /** Goroutines in the block (more than kept when it is huge). */
  total: number;
}

export interface Unreadable {
  input: string;
  line: number;
  reason: string;
  /** The line's start, for the message. */
  text: string;
}

export interface LogSink {
  entry(e: LogEntry): void;
  unreadable?(u: Unreadable): void;
  crash?(c: CrashBlock): void;
  gc?(c: GcCycle, input: string): void;
  sched?(s: SchedSample, input: string): void;
}

export interface ReadStats extends LineScan {
  entries: number;
  unreadable: number;
  /** Lines that belong to the line before (stack traces) or to a crash block. */
  continuation: number;
  crashes: number;
  gcLines: number;
  schedLines: number;
}

export interface ReadOptions extends LineOptions {
  /** Only lines holding one of these are read (no crashes or series then). */
  needles?: LineOptions['needles'];
}

interface OpenBlock {
  line: number;
  end: number;
  kind: CrashKind;
  headline: string;
  parts: string[];
  len: number;
}

const MAX_BLOCK_CHARS = 2 << 20;
const MAX_PARSED_BLOCKS = 16;
const MAX_GOROUTINES = 10_000;
const MAX_STACK_CHARS = 64 << 10;

const BLOCK_START = /^(?:panic: |fatal error: |goroutine \d+ (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[|SIG[A-Z0-9]+: )/;
// Lines a traceback is made of: blank, indented, headers, "created by", function calls,
// register dumps, the runtime's crash lines.
const BLOCK_LINE =
  /^(?:$|[\t ]|goroutine \d+ |created by |panic: |fatal error: |\[signal |\[recovered|\[originating|runtime stack:|PC=|SIG[A-Z0-9]+: |exit status \d+$|\.\.\.|r[a-z0-9]{1,3} +0x|[^\s{}"=]+\(.*\)$)/;
// A stack line after a log line, as zap and pkg/errors print them: "pkg.Func" then "\t/file.go:12".
const STACK_LINE = /^(?:\t|[\w./*()[\]-]+\.[\w*()[\]-]+$|[^\s{}"=]+\(.*\)$)/;

export async function readLog(chunks: Chunks | ByteSource, input: string, sink: LogSink, opts: ReadOptions = {}): Promise<ReadStats> {
  const stats: ReadStats = {
    bytes: 0,
    lines: 0,
    longLines: 0,
    gzipped: false,
    entries: 0,
    unreadable: 0,
    continuation: 0,
    crashes: 0,
    gcLines: 0,
    schedLines: 0,
  };
  const filtered = !!opts.needles?.length;
  let pending: LogEntry | null = null as LogEntry | null;
  let stack: string[] = [];
  let stackLen = 0;
  let block: OpenBlock | null = null as OpenBlock | null;
  const blocks: { b: OpenBlock; text: string }[] = [];

  const flushEntry = (): void => {
    if (!pending) return;
    if (stack.length) pending.fields.stack = (pending.fields.stack ? pending.fields.stack + '\n' : '') + stack.join('\n');
    stack = [];
    stackLen = 0;
    stats.entries++;
    sink.entry(pending);
    pending = null;
  };
  const endBlock = (): void => {
    if (!block) return;
    stats.crashes++;
    const text = block.parts.join('\n');
    if (blocks.length < MAX_PARSED_BLOCKS) blocks.push({ b: block, text });
    else sink.crash?.({ input, line: block.line, endLine: block.end, kind: block.kind, headline: block.headline, signal: '', goroutines: [], total: 0 });
    block = null;
  };
  const startBlock = (s: string, lineNo: number, before: LogEntry | null): void => {
    let kind: CrashKind = 'dump';
    let headline = '';
    if (s.startsWith('panic: ')) [kind, headline] = ['panic', s];
    else if (s.startsWith('fatal error: ')) [kind, headline] = ['fatal', s];
    else if (s.startsWith('SIG')) headline = s;
    else if (before && /panic/i.test(before.message)) [kind, headline] = ['recovered', before.message];
    block = { line: lineNo, end: lineNo, kind, headline, parts: [s], len: s.length };
  };

  const onLine = (buf: Buffer, start: number, end: number, lineNo: number, cut: boolean): void => {
    const s = buf.toString('utf8', start, end);
    if (!filtered) {
      if (block) {
        if (BLOCK_LINE.test(s)) {
          stats.continuation++;
          block.end = lineNo;
          if (block.kind === 'panic' && s.startsWith('panic: ')) block.headline += ' ' + s; // nested panics
          if (block.len < MAX_BLOCK_CHARS) {
            block.parts.push(s);
            block.len += s.length + 1;
          }
          return;
        }
        endBlock();
      }
      if (BLOCK_START.test(s)) {
        const before = pending;
        flushEntry();
        startBlock(s, lineNo, before);
        stats.continuation++;
        return;
      }
      if (pending && STACK_LINE.test(s) && s.charCodeAt(0) !== 123) {
        stats.continuation++;
        if (stackLen < MAX_STACK_CHARS) {
          stack.push(s);
          stackLen += s.length + 1;
        }
        return;
      }
      const c = s.charCodeAt(0);
      if (c === 103 /* g */ || c === 83 /* S */) {
        const gc = parseGcLine(s, lineNo);
        if (gc) {
          flushEntry();
          stats.gcLines++;
          sink.gc?.(gc, input);
          return;
        }
        const sc = parseSchedLine(s, lineNo);
        if (sc) {
          flushEntry();
          stats.schedLines++;
          sink.sched?.(sc, input);
          return;
        }
      }
    }
    const r = parseLogLine(s, input, lineNo);
    flushEntry();
    if ('unreadable' in r) {
      if (r.unreadable === 'empty line') return;
      stats.unreadable++;
      sink.unreadable?.({
        input,
        line: lineNo,
        reason: cut ? `${r.unreadable} (line cut at ${opts.maxLine ?? 'the cap'} bytes)` : r.unreadable,
        text: r.unreadable === 'binary data' ? escapedBytes(buf, start, Math.min(end, start + 40)) : s.slice(0, 80),
      });
      return;
    }
    const e = r.entry;
    if (cut) e.fields['goscope.cut'] = 'true';
    if (!filtered) {
      const st = e.fields.stack ?? e.fields.stacktrace ?? '';
      if (/^goroutine \d+ /.test(st)) {
        // A recovered panic logged with its stack in a field (slog, logrus).
        stats.crashes++;
        const panicValue = e.fields.panic ?? e.error;
        const b: OpenBlock = { line: lineNo, end: lineNo, kind: 'recovered', headline: e.message + (panicValue ? ': ' + panicValue : ''), parts: [], len: 0 };
        if (blocks.length < MAX_PARSED_BLOCKS) blocks.push({ b, text: st });
      }
    }
    pending = e;
  };

  const scan = await scanLogLines(chunks, input, onLine, opts);
  endBlock();
  flushEntry();
  Object.assign(stats, scan);
  for (const { b, text } of blocks) {
    const goroutines: Goroutine[] = [];
    let total = 0;
    let signal = '';
    try {
      const r = await parseTextDump(
        fromBuffer(Buffer.from(text)),
        input,
        (g) => {
          total++;
          if (goroutines.length < MAX_GOROUTINES) goroutines.push(g);
        },
        { allowPartial: true, args: false },
      );
      signal = r.signal ?? '';
    } catch {
      // A block the goroutine parser cannot read is still a crash, without its goroutines.
    }
    sink.crash?.({ input, line: b.line, endLine: b.end, kind: b.kind, headline: b.headline, signal, goroutines, total });
  }
  return stats;
}

/** Bytes outside printable ASCII as \\xNN: garbage shown as what it is, not as whatever it decodes to. */
function escapedBytes(buf: Buffer, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0');
  }
  return out;
}
