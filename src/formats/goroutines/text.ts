// Parser for goroutine tracebacks as the Go runtime prints them: /debug/pprof/goroutine?debug=2,
// runtime.Stack(buf, true), panics and "fatal error:" crashes (GOTRACEBACK=all|system|crash),
// also when embedded in a log with other lines around them, indented, or with CRLF endings.
// Line-driven state machine: one pass, no backtracking, nothing retained but the goroutine
// being built.
import { FormatError } from '../../errors.js';
import { scanLines, type Chunks } from '../input.js';
import { newGoroutine, type Frame, type Goroutine, type Skipped } from './model.js';
import { parseLabelObject } from './labels.js';
import { intern } from '../strings.js';

export interface TextResult {
  records: number;
  total: number;
  crash: string | null;
  /** "SIGABRT: abort", "[signal SIGSEGV: segmentation violation …]": the signal behind a crash. */
  signal: string | null;
  bytes: number;
  truncated: boolean;
  /** Line where the first goroutine header was found (1-based), 0 if none. */
  firstLine: number;
  /** Lines read. */
  lines: number;
  skipped: Skipped | null;
}

export interface TextOptions {
  /** Accept a dump cut off mid-goroutine (pprof cuts debug=2 at 64 MiB): drop the partial one. */
  allowPartial?: boolean;
  /** Keep each frame's argument text (default true); grouping by stack alone does not need it. */
  args?: boolean;
}

// goroutine 18 gp=0xc000102a80 m=nil [chan receive, 3 minutes, locked to thread labels:{"a": "b"}]:
// goroutine 19 [chan receive] {handler: /api/x, tenant: "t 1"}:          (Go 1.27)
const HEADER_START = /^goroutine (\d+)(?: gp=0x[0-9a-f]+ m=(?:\d+|nil)(?: mp=0x[0-9a-f]+)?)? \[/;
/** Looks like a goroutine header (reported when not understood), not "goroutine running on…". */
const HEADER_LIKE = /^goroutine \S+ [^[]*\[/;
const ORIGIN = /^\[originating from goroutine (\d+)\]:$/;
const ELIDED = /^\.\.\.(?:(\d+) frames elided|additional frames elided)\.\.\.$/;
// "SIGQUIT: quit", "SIGABRT: abort" (a signal dump), "[signal SIGSEGV: segmentation violation code=…]".
const SIGNAL = /^(?:SIG[A-Z0-9]+: |\[signal SIG[A-Z0-9]+)/;
/** A function line cut short: "pkg.fn(" with no closing parenthesis. */
const CUT_FRAME = /^[^\s(]+\([^)]*$/;

/** Skipped lines kept for messages. */
const MAX_SKIPPED_SHOWN = 5;

/** "%2e" style escapes in package paths (the runtime escapes '.' and non-ASCII in import paths). */
function unescapePath(name: string): string {
  if (name.indexOf('%') < 0) return name;
  return name.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export interface Bracket {
  state: string;
  waitMinutes: number;
  lockedToThread: boolean;
  leaked: boolean;
  labels: Record<string, string> | null;
  /** Labels were printed but could not be read. */
  badLabels?: boolean;
}

/** Parses the text between the header's brackets. */
export function parseBracket(s: string): Bracket {
  const b: Bracket = { state: s, waitMinutes: 0, lockedToThread: false, leaked: false, labels: null };
  // Most headers carry the bare status.
  if (s.indexOf(',') < 0 && s.indexOf(' (') < 0 && s.indexOf(' labels:') < 0) return b;
  const li = s.indexOf(' labels:{');
  if (li >= 0 && s.endsWith('}')) {
    b.labels = parseLabelObject(s.slice(li + 8));
    if (!b.labels) b.badLabels = true;
    s = s.slice(0, li);
  }
  const parts = s.split(', ');
  let state = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.endsWith(' minutes')) b.waitMinutes = parseInt(p, 10) || 0;
    else if (p === 'locked to thread') b.lockedToThread = true;
    // "synctest bubble N" / "synctest group N": informational
  }
  // Modifiers the runtime appends to the status.
  for (;;) {
    if (state.endsWith(' (scan)')) state = state.slice(0, -7);
    else if (state.endsWith(' (leaked)')) {
      b.leaked = true;
      state = state.slice(0, -9);
    } else break;
  }
  b.state = state;
  return b;
}

/**
 * A goroutine header line -> id and bracket, or null when it is not one. Go 1.26 prints
 * labels inside the brackets ("…labels:{…}]:", opt-in), Go 1.27 after them ("] {…}:").
 * A status never contains ']', so the first ']' closes it unless the line ends in "]:".
 */
export function parseHeader(line: string): { id: number; bracket: Bracket } | null {
  const m = HEADER_START.exec(line);
  if (!m) return null;
  const open = m[0].length;
  const last = line.charCodeAt(line.length - 2);
  if (line.charCodeAt(line.length - 1) !== 58 /* : */) return null;
  if (last === 93 /* ] */) return { id: Number(m[1]), bracket: parseBracket(line.slice(open, -2)) };
  if (last !== 125 /* } */) return null;
  const close = line.indexOf(']', open);
  if (close < 0 || line.startsWith(' {', close + 1) === false) return null;
  const bracket = parseBracket(line.slice(open, close));
  bracket.labels = parseLabelObject(line.slice(close + 2, -1));
  if (!bracket.labels) bracket.badLabels = true;
  return { id: Number(m[1]), bracket };
}

/** "/path/file.go:123 +0x1d fp=… sp=… pc=…" in s[b, end) -> [file, line]. The last ':' precedes
 * the line number (nothing after it contains one); the file may contain ':' and spaces. */
function parseFileLine(s: string, b: number, end: number): [string, number] | null {
  // By hand: String#lastIndexOf is a slow runtime call on a large string, and the colon is
  // only a few characters from the end.
  let colon = end - 1;
  while (colon > b && s.charCodeAt(colon) !== 58) colon--;
  if (colon <= b) return null;
  let n = 0;
  let i = colon + 1;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  if (i === colon + 1 || (i < end && s.charCodeAt(i) !== 32)) return null;
  return [s.slice(b, colon), n];
}

const enum St {
  Outside, // between goroutines (log lines, crash preamble, register dumps…)
  Frames, // inside a goroutine, expecting a function line, created by, or blank
  File, // after a function line, expecting its file:line
  CreatedFile, // after "created by", expecting its file:line
  Ancestor, // inside an [originating from goroutine N] block
  AncestorFile,
  Broken, // a frame's file line was cut off at the end of the input
  Skipping, // the lines of a goroutine whose header was not understood
}

/**
 * A function name as tracebacks print it has no spaces; a log line ending in ")" has some.
 * The first space after b is usually in the arguments or on the next line: one native search.
 */
function isFuncName(s: string, b: number, e: number): boolean {
  const sp = s.indexOf(' ', b);
  return sp < 0 || sp >= e;
}

/**
 * Streams goroutines out of a text dump. Calls `emit` once per complete goroutine.
 * Throws FormatError when no goroutine is found, none has a readable stack, or the dump is
 * cut off mid-goroutine. Reading is lenient, but whatever could not be read inside a
 * goroutine (a mangled frame, a header not understood) is counted in `skipped`.
 *
 * Hot loop: lines arrive by index in the decoded chunk (scanLines); only the pieces a frame
 * keeps (function, arguments, file) are sliced out.
 */
export async function parseTextDump(chunks: Chunks, input: string, emit: (g: Goroutine) => void, opts: TextOptions = {}): Promise<TextResult> {
  let st = St.Outside;
  let g: Goroutine | null = null;
  let pendingFunc = '';
  let pendingArgs: string | undefined;
  let pendingLine = 0;
  const keepArgs = opts.args !== false;
  let pendingCreated = '';
  let frames: Frame[] = [];
  let records = 0;
  let crash: string | null = null;
  let signal: string | null = null;
  let firstLine = 0;
  let gLine = 0;
  let truncatedAt = 0;
  let createdForAncestor = false;
  let lineNo = 0;
  const skipped: Skipped = { lines: 0, goroutines: 0, stackless: 0, first: [] };
  /** A frame missing its file line before a blank line: skipped, unless the input ends there (a cut). */
  let tentative: { line: number; text: string; problem: string } | null = null;

  const skip = (line: number, text: string, problem: string) => {
    skipped.lines++;
    if (skipped.first.length < MAX_SKIPPED_SHOWN) skipped.first.push({ line, text: text.length > 80 ? text.slice(0, 79) + '…' : text, problem });
  };
  const pendingText = (created: boolean) => (created ? `created by ${pendingCreated}` : `${pendingFunc}(${pendingArgs ?? '…'})`);

  // The goroutine stays unemitted until we know whether the input ends here.
  const broken = () => {
    truncatedAt = lineNo;
    st = St.Broken;
  };

  const finish = () => {
    if (g) {
      if (g.ancestors.length && frames !== g.frames) g.ancestors[g.ancestors.length - 1]!.frames = frames;
      if (g.frames.length === 0 && !g.stackUnavailable) skipped.stackless++;
      emit(g);
      records++;
    }
    g = null;
    frames = [];
    st = St.Outside;
  };

  const badHeader = (s: string, b: number, end: number) => {
    finish();
    skipped.goroutines++;
    skip(lineNo, s.slice(b, end), 'goroutine header not understood');
    st = St.Skipping;
  };

  /**
   * One line: s[b, end) with indentation and '\r' already removed; `indented` if it had
   * some; `unterminated` for a last line without a newline.
   */
  const onLine = (s: string, b: number, end: number, indented: boolean, unterminated: boolean): void => {
    if (b === end) {
      if (st === St.File || st === St.CreatedFile || st === St.AncestorFile) {
        truncatedAt = lineNo;
        const created = st === St.CreatedFile;
        tentative = {
          line: pendingLine,
          text: pendingText(created),
          problem: created ? '"created by" line without its file:line' : 'function line without its file:line',
        };
      }
      finish();
      return;
    }
    if (tentative) {
      // Something followed: the frame was mangled, not cut off.
      skip(tentative.line, tentative.text, tentative.problem);
      tentative = null;
      truncatedAt = 0;
    }
    const c0 = s.charCodeAt(b);
    const cl = s.charCodeAt(end - 1);
    // A header can start a goroutine anywhere (dumps without blank lines between, logs).
    if (c0 === 103 /* g */ && s.startsWith('goroutine ', b)) {
      const line = s.slice(b, end);
      const h = parseHeader(line);
      if (h) {
        finish();
        g = newGoroutine();
        g.id = h.id;
        const br = h.bracket;
        g.state = br.state;
        g.waitMinutes = br.waitMinutes;
        g.lockedToThread = br.lockedToThread;
        g.leaked = br.leaked;
        g.labels = br.labels;
        if (br.badLabels) skip(lineNo, line, 'labels not understood: goroutine kept without them');
        frames = g.frames;
        st = St.Frames;
        gLine = lineNo;
        if (!firstLine) firstLine = lineNo;
        return;
      }
      if (HEADER_LIKE.test(line)) {
        badHeader(s, b, end);
        return;
      }
    }
    switch (st) {
      case St.Outside:
        if (crash === null && (s.startsWith('panic: ', b) || s.startsWith('fatal error: ', b))) crash = s.slice(b, end);
        else if (signal === null && (c0 === 83 /* S */ || c0 === 91) /* [ */ && SIGNAL.test(s.slice(b, Math.min(end, b + 24)))) signal = s.slice(b, end);
        return;
      case St.Skipping:
        skipped.lines++;
        return;
      case St.File:
      case St.AncestorFile:
      case St.CreatedFile: {
        if (!g) return;
        const gg = g as Goroutine;
        const fl = parseFileLine(s, b, end);
        if (!fl) {
          // A last line cut short where the file line was due: the input was cut here.
          if (unterminated) {
            broken();
            return;
          }
          // A complete line instead of the file line: the frame was mangled. Report it and
          // read this line as what it is (the next frame, "created by", a log line…).
          const created = st === St.CreatedFile;
          skip(pendingLine, pendingText(created), created ? '"created by" line without its file:line' : 'function line without its file:line');
          st = st === St.AncestorFile ? St.Ancestor : St.Frames;
          onLine(s, b, end, indented, false);
          return;
        }
        if (st === St.CreatedFile) {
          const f: Frame = { func: pendingCreated, file: fl[0], line: fl[1] };
          if (createdForAncestor) gg.ancestors[gg.ancestors.length - 1]!.createdBy = f;
          else gg.createdBy = f;
          st = createdForAncestor ? St.Ancestor : St.Frames;
          return;
        }
        const f: Frame = { func: pendingFunc, file: fl[0], line: fl[1] };
        if (pendingArgs !== undefined) f.args = pendingArgs;
        frames.push(f);
        st = st === St.File ? St.Frames : St.Ancestor;
        return;
      }
      case St.Frames:
      case St.Ancestor: {
        // A function line: "pkg.fn(args)" or "pkg.fn(...)".
        if (cl === 41 /* ) */ && !(c0 === 99 && s.startsWith('created by ', b))) {
          let open = end - 2;
          while (open > b && s.charCodeAt(open) !== 40 /* ( */) open--;
          if (open > b && isFuncName(s, b, open)) {
            pendingFunc = intern(unescapePath(s.slice(b, open)));
            pendingArgs = keepArgs ? s.slice(open + 1, end - 1) : undefined;
            pendingLine = lineNo;
            st = st === St.Frames ? St.File : St.AncestorFile;
            return;
          }
        }
        if (c0 === 99 /* c */ && s.startsWith('created by ', b)) {
          // "created by pkg.fn" or (Go 1.21+) "created by pkg.fn in goroutine N"
          let nameEnd = end;
          const inG = s.lastIndexOf(' in goroutine ', end);
          if (inG > b) {
            const id = Number(s.slice(inG + 14, end));
            if (Number.isInteger(id)) {
              nameEnd = inG;
              if (g && st === St.Frames) (g as Goroutine).parentId = id;
            }
          }
          pendingCreated = intern(unescapePath(s.slice(b + 11, nameEnd)));
          pendingLine = lineNo;
          createdForAncestor = st === St.Ancestor;
          st = St.CreatedFile;
          return;
        }
        if (c0 === 46 /* . */) {
          const m = ELIDED.exec(s.slice(b, end));
          if (m && g) {
            (g as Goroutine).elidedFrames = m[1] ? Number(m[1]) : -1;
            return;
          }
        }
        if (c0 === 91 /* [ */) {
          const m = ORIGIN.exec(s.slice(b, end));
          if (m && g) {
            const gg = g as Goroutine;
            if (gg.ancestors.length) gg.ancestors[gg.ancestors.length - 1]!.frames = frames;
            gg.ancestors.push({ id: Number(m[1]), frames: [] });
            frames = [];
            st = St.Ancestor;
            return;
          }
        }
        if (s.startsWith('goroutine running on other thread', b)) {
          if (g) (g as Goroutine).stackUnavailable = true;
          return;
        }
        // A frame that lost its end, or a file line that lost its function: the goroutine
        // goes on, the line is reported.
        if (CUT_FRAME.test(s.slice(b, end))) {
          skip(lineNo, s.slice(b, end), 'function line cut short');
          return;
        }
        if (indented && parseFileLine(s, b, end)) {
          skip(lineNo, s.slice(b, end), 'file:line without its function line');
          return;
        }
        // Anything else ends the goroutine (a log line printed right after a dump).
        finish();
        return;
      }
    }
  };

  const stats = await scanLines(chunks, input, (str, start, end, n, unterminated) => {
    lineNo = n;
    // Inside a goroutine's frames, a last line with no newline is a cut-off fragment;
    // where a file line is due, it may still be complete (a pasted dump).
    if (unterminated && (st === St.Frames || st === St.Ancestor)) {
      truncatedAt = n;
      return;
    }
    let b = start;
    while (b < end) {
      const c = str.charCodeAt(b);
      if (c !== 32 && c !== 9) break;
      b++;
    }
    onLine(str, b, end, b > start, unterminated);
  });
  const bytes = stats.bytes;
  const lines = lineNo;

  st = st as St; // assigned inside onLine
  if (st === St.File || st === St.CreatedFile || st === St.AncestorFile || st === St.Broken) truncatedAt = lines;
  // A goroutine whose header is the last line has no frames at all: cut off.
  const last = g as Goroutine | null;
  if (last && last.frames.length === 0 && !last.stackUnavailable && gLine === lines) truncatedAt = lines;

  if (truncatedAt && truncatedAt >= lines - 1) {
    if (!opts.allowPartial) {
      throw new FormatError(
        input,
        `line ${truncatedAt}`,
        `dump is truncated inside goroutine ${last ? last.id : '?'}`,
        `${records} complete goroutines before it; pass --partial to analyse those`,
      );
    }
    g = null; // drop the incomplete goroutine
  } else {
    truncatedAt = 0;
  }
  finish();
  if (bytes === 0) throw new FormatError(input, '', 'empty input', 'expected a goroutine dump or profile');
  if (records === 0 && skipped.goroutines === 0) {
    throw new FormatError(
      input,
      '',
      'no goroutine dump found',
      'expected /debug/pprof/goroutine?debug=2 or ?debug=1 output, runtime.Stack text, a panic, or a debug=0 profile',
    );
  }
  if (records === skipped.stackless) {
    // Nothing usable remains: every goroutine header was unreadable or had no readable frame.
    throw new FormatError(input, '', `no goroutine stack could be read: ${skippedSummary(skipped, false)}`, 'is this a complete, unedited goroutine dump?');
  }
  const any = skipped.lines > 0 || skipped.goroutines > 0 || skipped.stackless > 0;
  return { records, total: records, crash, signal, bytes, truncated: truncatedAt > 0, firstLine, lines, skipped: any ? skipped : null };
}

/**
 * "2 lines skipped, 1 goroutine left out (line 2: "main.main(": function line cut short;
 * line 3: …)", for messages. Texts are quoted as JSON; a terminal printer still passes the
 * whole through termSafe.
 */
export function skippedSummary(k: Skipped, counts = true): string {
  const n = (v: number, one: string, many: string) => `${v} ${v === 1 ? one : many}`;
  const parts = [n(k.lines, 'line skipped', 'lines skipped')];
  if (counts && k.goroutines) parts.push(`${n(k.goroutines, 'goroutine', 'goroutines')} left out (header not understood)`);
  if (counts && k.stackless) parts.push(`${n(k.stackless, 'goroutine', 'goroutines')} without a readable frame`);
  const where = k.first.map((x) => `line ${x.line}: ${JSON.stringify(x.text)}: ${x.problem}`);
  const more = k.lines > k.first.length ? '; …' : '';
  return parts.join(', ') + (where.length ? ` (${where.join('; ')}${more})` : '');
}
