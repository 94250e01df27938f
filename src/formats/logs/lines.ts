// Log files as lines of bytes: any size (a file over 1 GB streams through one chunk and one
// partial line), gzip or not, CRLF or LF. A line longer than the cap is cut to the cap,
// counted and still handed on (its head is usually enough to read the time and level); a
// log is never refused for one bad line. With needles, only the lines holding one of them
// are handed on: the raw bytes are searched before anything is decoded, which is what
// makes finding one trace id in a big file fast.
import { DEFAULT_MAX_INFLATED, gunzipCapped, isGzip, maxInflatedFromEnv, peek, type Chunks } from '../input.js';

export const DEFAULT_MAX_LOG_LINE = 1 << 20;

export interface LineScan {
  bytes: number;
  lines: number;
  /** Lines cut to the cap. */
  longLines: number;
  gzipped: boolean;
}

export interface LineOptions {
  maxLine?: number;
  /** Hand on only lines that contain one of these byte strings. */
  needles?: readonly Buffer[];
}

/**
 * Calls `onLine(buf, start, end, lineNo, cut)` for each line (buf[start, end) without the
 * line break; `cut` when the line was longer than the cap). `buf` is only valid during the
 * call. Gzip is detected from the first bytes.
 */
export async function scanLogLines(
  chunks: Chunks,
  input: string,
  onLine: (buf: Buffer, start: number, end: number, lineNo: number, cut: boolean) => void,
  opts: LineOptions = {},
): Promise<LineScan> {
  const maxLine = opts.maxLine ?? DEFAULT_MAX_LOG_LINE;
  const needles = opts.needles && opts.needles.length ? opts.needles : null;
  const peeked = await peek(chunks, 2);
  const head = peeked.head;
  let rest = peeked.rest;
  const gzipped = isGzip(head);
  if (gzipped) rest = gunzipCapped(rest, input, maxInflatedFromEnv(DEFAULT_MAX_INFLATED * 64));
  const st: LineScan = { bytes: 0, lines: 0, longLines: 0, gzipped };
  // The line split across chunks: its bytes so far (at most maxLine kept) and whether it overflowed.
  let carry: Buffer[] = [];
  let carryLen = 0;
  let carryCut = false;

  const emit = (buf: Buffer, start: number, end: number, cut: boolean): void => {
    if (end > start && buf[end - 1] === 13) end--;
    if (end - start > maxLine) {
      end = start + maxLine;
      cut = true;
    }
    st.lines++;
    if (cut) st.longLines++;
    onLine(buf, start, end, st.lines, cut);
  };
  const flushCarry = (tail: Buffer | null): void => {
    const parts = tail ? [...carry, tail] : carry;
    const line = Buffer.concat(parts);
    carry = [];
    carryLen = 0;
    const cut = carryCut;
    carryCut = false;
    if (needles && !needles.some((n) => line.indexOf(n) >= 0)) {
      st.lines++;
      if (cut) st.longLines++;
      return;
    }
    emit(line, 0, line.length, cut);
  };
  const addCarry = (b: Buffer): void => {
    const room = maxLine + 1 - carryLen;
    if (room <= 0) {
      carryCut = true;
      return;
    }
    if (b.length > room) carryCut = true;
    const part = b.length > room ? b.subarray(0, room) : b;
    carry.push(Buffer.from(part)); // a copy: the chunk is not ours to keep
    carryLen += part.length;
  };

  for await (const c of rest) {
    const buf = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    st.bytes += buf.length;
    let pos = 0;
    if (carryLen || carryCut) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        addCarry(buf);
        continue;
      }
      flushCarry(buf.subarray(0, Math.min(nl, pos + maxLine + 1)));
      pos = nl + 1;
    }
    if (needles) pos = scanNeedles(buf, pos, needles, emit, st);
    else {
      for (;;) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) break;
        emit(buf, pos, nl, false);
        pos = nl + 1;
      }
    }
    if (pos < buf.length) addCarry(buf.subarray(pos));
  }
  if (carryLen || carryCut) flushCarry(null);
  return st;
}

/**
 * The needle path: jumps from hit to hit, counting the line breaks in between (the line
 * numbers), and hands on each line that holds a hit once. Returns where the last complete
 * line ends.
 */
function scanNeedles(
  buf: Buffer,
  pos: number,
  needles: readonly Buffer[],
  emit: (b: Buffer, s: number, e: number, cut: boolean) => void,
  st: LineScan,
): number {
  const end = buf.lastIndexOf(10);
  if (end < pos) return pos;
  const next = needles.map((n) => buf.indexOf(n, pos));
  let counted = pos; // line breaks before `counted` are in st.lines
  for (;;) {
    let hit = -1;
    for (const h of next) if (h >= 0 && (hit < 0 || h < hit)) hit = h;
    if (hit < 0 || hit > end) break;
    const lineStart = hit === 0 ? 0 : buf.lastIndexOf(10, hit - 1) + 1;
    const lineEnd = buf.indexOf(10, hit);
    st.lines += countLines(buf, counted, lineStart);
    emit(buf, Math.max(lineStart, pos), lineEnd, false);
    counted = lineEnd + 1;
    for (let i = 0; i < next.length; i++) if (next[i]! >= 0 && next[i]! < counted) next[i] = buf.indexOf(needles[i]!, counted);
  }
  st.lines += countLines(buf, counted, end + 1);
  return end + 1;
}

function countLines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i >= 0 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
