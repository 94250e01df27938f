// Parser for goroutine tracebacks as the Go runtime prints them: /debug/pprof/goroutine?debug=2,
// runtime.Stack(buf, true), panics and "fatal error:" crashes (GOTRACEBACK=all|system|crash),
// also when embedded in a log with other lines around them, indented, or with CRLF endings.
// Line-driven state machine: one pass, no backtracking, nothing retained but the goroutine
// being built.
import { FormatError } from '../../errors.js';
import { scanLines, type Chunks } from '../input.js';
import { newGoroutine, type Frame, type Goroutine } from './model.js';
import { intern } from '../strings.js';

export interface TextResult {
  records: number;
  total: number;
  crash: string | null;
  bytes: number;
  truncated: boolean;
  /** Line where the first goroutine header was found (1-based), 0 if none. */
  firstLine: number;
}

export interface TextOptions {
  /** Accept a dump cut off mid-goroutine (pprof cuts debug=2 at 64 MiB): drop the partial one. */
  allowPartial?: boolean;
  /** Keep each frame's argument text (default true); grouping by stack alone does not need it. */
  args?: boolean;
}

// goroutine 18 gp=0xc000102a80 m=nil [chan receive, 3 minutes, locked to thread labels:{"a": "b"}]:
const HEADER = /^goroutine (\d+)(?: gp=0x[0-9a-f]+ m=(?:\d+|nil)(?: mp=0x[0-9a-f]+)?)? \[(.*)\]:$/;
const ORIGIN = /^\[originating from goroutine (\d+)\]:$/;
const ELIDED = /^\.\.\.(?:(\d+) frames elided|additional frames elided)\.\.\.$/;

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
}

/** Parses the text between the header's brackets. */
export function parseBracket(s: string): Bracket {
  const b: Bracket = { state: s, waitMinutes: 0, lockedToThread: false, leaked: false, labels: null };
  // Most headers carry the bare status.
  if (s.indexOf(',') < 0 && s.indexOf(' (') < 0 && s.indexOf(' labels:') < 0) return b;
  const li = s.indexOf(' labels:{');
  if (li >= 0 && s.endsWith('}')) {
    b.labels = parseLabelObject(s.slice(li + 8));
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

/** {"k": "v", "k2": "v2"} as printed by the runtime (Go-quoted strings, close to JSON). */
export function parseLabelObject(s: string): Record<string, string> | null {
  try {
    const o = JSON.parse(s) as unknown;
    if (o && typeof o === 'object' && !Array.isArray(o)) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(o as Record<string, unknown>)) out[k] = String(v);
      return out;
    }
  } catch {
    // Go quoting may use \x escapes JSON does not allow: fall back to a tolerant scan.
  }
  const out: Record<string, string> = {};
  const re = /"((?:[^"\\]|\\.)*)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  let any = false;
  while ((m = re.exec(s))) {
    out[unquote(m[1]!)] = unquote(m[2]!);
    any = true;
  }
  return any ? out : null;
}

function unquote(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e[0] === 'x' || (e[0] === 'u' && e.length === 5)) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 'n' ? '\n' : e === 't' ? '\t' : e;
  });
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
  Broken, // a frame's file line was missing: a cut (if nothing follows) or noise in a log
}

/**
 * Streams goroutines out of a text dump. Calls `emit` once per complete goroutine.
 * Throws FormatError when no goroutine is found or the dump is cut off mid-goroutine.
 *
 * Hot loop: lines arrive by index in the decoded chunk (scanLines); only the pieces a frame
 * keeps (function, arguments, file) are sliced out.
 */
export async function parseTextDump(
  chunks: Chunks,
  input: string,
  emit: (g: Goroutine) => void,
  opts: TextOptions = {},
): Promise<TextResult> {
  let st = St.Outside;
  let g: Goroutine | null = null;
  let pendingFunc = '';
  let pendingArgs: string | undefined;
  const keepArgs = opts.args !== false;
  let pendingCreated = '';
  let frames: Frame[] = [];
  let records = 0;
  let crash: string | null = null;
  let firstLine = 0;
  let gLine = 0;
  let truncatedAt = 0;
  let createdForAncestor = false;
  let lineNo = 0;

  // The goroutine stays unemitted until we know whether the input ends here.
  const broken = () => {
    truncatedAt = lineNo;
    st = St.Broken;
  };

  const finish = () => {
    if (g) {
      if (g.ancestors.length && frames !== g.frames) g.ancestors[g.ancestors.length - 1]!.frames = frames;
      emit(g);
      records++;
    }
    g = null;
    frames = [];
    st = St.Outside;
  };

  /** One line: s[b, end) with indentation and '\r' already removed. */
  const onLine = (s: string, b: number, end: number) => {
    if (b === end) {
      if (st === St.File || st === St.CreatedFile || st === St.AncestorFile) truncatedAt = lineNo;
      finish();
      return;
    }
    if (st === St.Broken) finish(); // something followed: it was noise, not a cut
    const c0 = s.charCodeAt(b);
    const cl = s.charCodeAt(end - 1);
    // A header can start a goroutine anywhere (dumps without blank lines between, logs).
    if (c0 === 103 /* g */ && cl === 58 /* : */ && s.charCodeAt(end - 2) === 93 /* ] */ && s.startsWith('goroutine ', b)) {
      const m = HEADER.exec(s.slice(b, end));
      if (m) {
        finish();
        g = newGoroutine();
        g.id = Number(m[1]);
        const br = parseBracket(m[2]!);
        g.state = br.state;
        g.waitMinutes = br.waitMinutes;
        g.lockedToThread = br.lockedToThread;
        g.leaked = br.leaked;
        g.labels = br.labels;
        frames = g.frames;
        st = St.Frames;
        gLine = lineNo;
        if (!firstLine) firstLine = lineNo;
        return;
      }
    }
    switch (st) {
      case St.Outside:
      case St.Broken:
        if (crash === null && (s.startsWith('panic: ', b) || s.startsWith('fatal error: ', b))) crash = s.slice(b, end);
        return;
      case St.File:
      case St.AncestorFile:
      case St.CreatedFile: {
        if (!g) return;
        const gg = g as Goroutine;
        const fl = parseFileLine(s, b, end);
        if (!fl) {
          broken();
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
          if (open > b) {
            pendingFunc = intern(unescapePath(s.slice(b, open)));
            pendingArgs = keepArgs ? s.slice(open + 1, end - 1) : undefined;
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
    onLine(str, b, end);
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
  if (records === 0) {
    throw new FormatError(
      input,
      '',
      'no goroutine dump found',
      'expected /debug/pprof/goroutine?debug=2 or ?debug=1 output, runtime.Stack text, a panic, or a debug=0 profile',
    );
  }
  return { records, total: records, crash, bytes, truncated: truncatedAt > 0, firstLine };
}
