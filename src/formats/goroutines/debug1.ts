// Parser for the aggregated text form, /debug/pprof/goroutine?debug=1 (and the goroutineleak
// profile's debug=1): "goroutine profile: total N", then per distinct stack
// "COUNT @ 0xPC…", an optional "# labels: {…}", and "#\t0xPC\tfunc+0xOFF\tfile:line" frames.
// The runtime omits the leading runtime.* frames here, so the wait reason is not recoverable
// from this form alone (debug=0 keeps them).
import { FormatError } from '../../errors.js';
import { scanLines, type Chunks } from '../input.js';
import { newGoroutine, type Goroutine } from './model.js';
import { parseLabelObject } from './labels.js';
import { intern } from '../strings.js';

export interface Debug1Result {
  records: number;
  total: number;
  leakProfile: boolean;
  bytes: number;
  truncated: boolean;
}

const TOTAL = /^(goroutine|goroutineleak) profile: total (\d+)$/;

export async function parseDebug1(chunks: Chunks, input: string, emit: (g: Goroutine) => void, opts: { allowPartial?: boolean } = {}): Promise<Debug1Result> {
  let declared = -1;
  let leakProfile = false;
  let cur: Goroutine | null = null;
  let records = 0;
  let total = 0;
  let badLine = 0;
  let badText = '';

  const finish = () => {
    if (cur) {
      emit(cur);
      records++;
      total += cur.count;
    }
    cur = null;
  };

  const stats = await scanLines(chunks, input, (str, start, end, lineNo) => {
    const line = str.slice(start, end);
    if (badLine) return;
    if (declared < 0) {
      const m = TOTAL.exec(line.trim());
      if (!m) {
        badLine = lineNo;
        badText = 'expected "goroutine profile: total N"';
        return;
      }
      leakProfile = m[1] === 'goroutineleak';
      declared = Number(m[2]);
      return;
    }
    if (line.length === 0) {
      finish();
      return;
    }
    if (line.charCodeAt(0) === 35 /* # */) {
      if (!cur) {
        badLine = lineNo;
        badText = 'frame line outside a stack record';
        return;
      }
      if (line.startsWith('# labels: ')) {
        cur.labels = parseLabelObject(line.slice(10));
        return;
      }
      // "#\t0x4dc33d\tmain.blockSend+0x1d\t/tmp/gs/main.go:14" (tabwriter may repeat tabs)
      const parts = line.split('\t').filter((p) => p.length > 0);
      if (parts.length < 4) {
        badLine = lineNo;
        badText = 'malformed frame line';
        return;
      }
      let fn = parts[2]!;
      const plus = fn.lastIndexOf('+0x');
      if (plus > 0) fn = fn.slice(0, plus);
      const loc = parts.slice(3).join(' ');
      const colon = loc.lastIndexOf(':');
      const ln = colon > 0 ? Number(loc.slice(colon + 1)) : NaN;
      cur.frames.push({
        func: intern(fn),
        file: intern(colon > 0 && Number.isFinite(ln) ? loc.slice(0, colon) : loc),
        line: Number.isFinite(ln) ? ln : 0,
      });
      return;
    }
    const at = line.indexOf(' @ ');
    const n = at > 0 ? Number(line.slice(0, at)) : NaN;
    if (!Number.isInteger(n) || n < 0) {
      badLine = lineNo;
      badText = 'expected "COUNT @ 0xPC…"';
      return;
    }
    finish();
    cur = newGoroutine();
    cur.count = n;
  });

  if (stats.bytes === 0) throw new FormatError(input, '', 'empty input');
  // A malformed last line without a newline is where the input was cut, not bad data.
  const cutLine = badLine === stats.lines && !stats.endedWithNewline && declared >= 0;
  if (cutLine) badLine = 0;
  if (badLine) throw new FormatError(input, `line ${badLine}`, `not a debug=1 goroutine profile: ${badText}`);
  const cutMidRecord = (!stats.endedWithNewline && cur !== null) || cutLine;
  if (cutMidRecord) cur = null; // its last frame may be a fragment
  finish();
  const truncated = cutMidRecord || total < declared;
  if (truncated && !opts.allowPartial) {
    throw new FormatError(
      input,
      `line ${stats.lines}`,
      `profile is truncated: header says ${declared} goroutines, found ${total}`,
      'pass --partial to analyse what is there',
    );
  }
  return { records, total, leakProfile, bytes: stats.bytes, truncated };
}
