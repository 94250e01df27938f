// Log files as lines of bytes: any size, gzip or not, CRLF or LF. The bytes are read into
// one large buffer that is reused (from a file: straight into it, no chunk copies), whole
// lines are handed on from it, and the partial line at its end is moved to its start before
// the next read, so a line (and an id in it) is never split. A line longer than the cap is
// cut to the cap, counted and still handed on (its head is usually enough to read the time
// and level); a line longer than the buffer is handed on as its first buffer's worth, the
// rest skipped. A log is never refused for one bad line. With needles, only the lines
// holding one of them are handed on: the raw bytes are searched in one pass for every
// needle at once (search.ts), counting line breaks on the way, before anything is decoded.
import { DEFAULT_MAX_INFLATED, gunzipCapped, isGzip, maxInflatedFromEnv, type Chunks } from '../input.js';
import { makeFinder, type FinderKind, type Needle } from './search.js';

export const DEFAULT_MAX_LOG_LINE = 1 << 20;
export const DEFAULT_LOG_BUFFER = 8 << 20;

/** Bytes read on demand into a caller's buffer (a file read with fs.read, or chunks copied). */
export interface ByteSource {
  /** Reads up to `len` bytes into buf at `off`; resolves to 0 at the end. */
  read(buf: Uint8Array, off: number, len: number): Promise<number>;
  /** Called once when reading ends, normally or not. */
  close?(): Promise<void>;
}

export interface LineScan {
  bytes: number;
  lines: number;
  /** Lines cut to the cap. */
  longLines: number;
  gzipped: boolean;
}

export interface LineOptions {
  maxLine?: number;
  /** Hand on only lines that contain one of these. */
  needles?: readonly Needle[];
  /** The buffer's size (at least twice maxLine is used). */
  bufferSize?: number;
  /** The needle search's implementation (default: WebAssembly SIMD where available). */
  finder?: FinderKind | 'auto';
}

/** A chunk stream as a ByteSource: each read copies from the current chunk. */
export function chunkSource(chunks: Chunks): ByteSource {
  const it = chunks[Symbol.asyncIterator]();
  let cur: Uint8Array | null = null;
  let at = 0;
  let done = false;
  return {
    async read(buf, off, len) {
      while (!done && (cur === null || at >= cur.length)) {
        const r = await it.next();
        if (r.done) done = true;
        else [cur, at] = [r.value, 0];
      }
      if (done || cur === null) return 0;
      const n = Math.min(len, cur.length - at);
      buf.set(cur.subarray(at, at + n), off);
      at += n;
      return n;
    },
    async close() {
      if (!done) await it.return?.();
    },
  };
}

function isChunks(x: Chunks | ByteSource): x is Chunks {
  return typeof (x as Partial<Chunks>)[Symbol.asyncIterator] === 'function';
}

/**
 * Calls `onLine(buf, start, end, lineNo, cut)` for each line (buf[start, end) without the
 * line break; `cut` when the line was longer than the cap). `buf` is only valid during the
 * call. Gzip is detected from the first bytes.
 */
export async function scanLogLines(
  input: Chunks | ByteSource,
  name: string,
  onLine: (buf: Buffer, start: number, end: number, lineNo: number, cut: boolean) => void,
  opts: LineOptions = {},
): Promise<LineScan> {
  const maxLine = opts.maxLine ?? DEFAULT_MAX_LOG_LINE;
  const size = Math.max(opts.bufferSize ?? DEFAULT_LOG_BUFFER, 2 * maxLine + 2);
  const finder = opts.needles?.length ? makeFinder(opts.needles, size, opts.finder) : null;
  const buf = finder ? finder.buffer : Buffer.allocUnsafe(size);
  const st: LineScan = { bytes: 0, lines: 0, longLines: 0, gzipped: false };
  const first = isChunks(input) ? chunkSource(input) : input;
  let src = first;
  let filled = 0;
  let eof = false;

  const fill = async (): Promise<void> => {
    while (!eof && filled < size) {
      const n = await src.read(buf, filled, size - filled);
      if (n === 0) eof = true;
      else {
        filled += n;
        st.bytes += n;
      }
    }
  };
  const emit = (start: number, end: number, lineNo: number, cut: boolean): void => {
    if (end > start && buf[end - 1] === 13) end--;
    if (end - start > maxLine) {
      end = start + maxLine;
      cut = true;
    }
    if (cut) st.longLines++;
    onLine(buf, start, end, lineNo, cut);
  };
  // The complete lines in [s, e) (at the end of the input the last may have no line break).
  const lines = (s: number, e: number): void => {
    let p = s;
    if (!finder) {
      while (p < e) {
        let nl = buf.indexOf(10, p);
        if (nl < 0 || nl >= e) nl = e;
        emit(p, nl, ++st.lines, false);
        p = nl + 1;
      }
      return;
    }
    for (;;) {
      const h = finder.find(p, e);
      st.lines += finder.newlines;
      if (h < 0) {
        if (e > p && buf[e - 1] !== 10) st.lines++; // the last line, without a line break
        return;
      }
      const ls = Math.max(p, buf.lastIndexOf(10, h) + 1);
      let le = buf.indexOf(10, h);
      if (le < 0 || le >= e) le = e;
      emit(ls, le, ++st.lines, false);
      if (le >= e) return;
      p = le + 1;
    }
  };

  try {
    await fill();
    if (isGzip(buf.subarray(0, filled))) {
      st.gzipped = true;
      const head = Buffer.from(buf.subarray(0, filled));
      const rawEnded = eof;
      const raw = (async function* (): Chunks {
        yield head;
        if (rawEnded) return;
        for (;;) {
          const b = Buffer.allocUnsafe(1 << 20);
          const n = await first.read(b, 0, b.length);
          if (n === 0) return;
          yield b.subarray(0, n);
        }
      })();
      src = chunkSource(gunzipCapped(raw, name, maxInflatedFromEnv(DEFAULT_MAX_INFLATED * 64)));
      [filled, eof, st.bytes] = [0, false, 0];
      await fill();
    }
    // Within a line longer than the buffer whose head was handed on: skip to its end.
    let skipping = false;
    for (;;) {
      let pos = 0;
      if (skipping) {
        const nl = buf.subarray(0, filled).indexOf(10);
        if (nl >= 0) [pos, skipping] = [nl + 1, false];
        else pos = filled;
      }
      let end = eof ? filled : buf.lastIndexOf(10, filled - 1) + 1;
      if (end < pos) end = pos;
      if (end > pos) lines(pos, end);
      if (eof) break;
      if (end === 0 && filled === size && !skipping) {
        // One line fills the buffer: its head is the line, cut.
        const hit = finder ? finder.find(0, size) >= 0 : true;
        if (finder) st.lines += finder.newlines; // 0: there is no line break
        st.lines++;
        if (hit) emit(0, size, st.lines, true);
        skipping = true;
        end = size;
      } else if (skipping) end = filled;
      buf.copyWithin(0, end, filled);
      filled -= end;
      await fill();
    }
  } finally {
    await src.close?.();
    if (src !== first) await first.close?.();
  }
  return st;
}
