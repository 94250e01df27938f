// Parser for goroutine tracebacks as the Go runtime prints them: /debug/pprof/goroutine?debug=2,
// runtime.Stack(buf, true), panics and "fatal error:" crashes (GOTRACEBACK=all|system|crash),
// also when embedded in a log with other lines around them, indented, or with CRLF endings.
// Line-driven state machine: one pass, no backtracking, nothing retained but the goroutine
// being built.
import { FormatError } from '../../errors.js';
import { forEachLine, type Chunks } from '../input.js';
import { newGoroutine, type Frame, type Goroutine } from './model.js';

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
}

// goroutine 18 gp=0xc000102a80 m=nil [chan receive, 3 minutes, locked to thread labels:{"a": "b"}]:
const HEADER = /^goroutine (\d+)(?: gp=0x[0-9a-f]+ m=(?:\d+|nil)(?: mp=0x[0-9a-f]+)?)? \[(.*)\]:$/;
const ORIGIN = /^\[originating from goroutine (\d+)\]:$/;
const ELIDED = /^\.\.\.(?:(\d+) frames elided|additional frames elided)\.\.\.$/;
const CREATED = /^created by (.+?)(?: in goroutine (\d+))?$/;

// Interning keeps one copy of each function and file name and, as a side effect, stops
// substrings from pinning the (large) chunk string they were sliced from.
const interned = new Map<string, string>();
export function intern(s: string): string {
  let v = interned.get(s);
  if (v === undefined) {
    v = (' ' + s).slice(1);
    if (interned.size > 2_000_000) interned.clear();
    interned.set(v, v);
  }
  return v;
}

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
  const b: Bracket = { state: '', waitMinutes: 0, lockedToThread: false, leaked: false, labels: null };
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

function trimLeft(line: string): string {
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i ? line.slice(i) : line;
}

/** "/path/file.go:123 +0x1d fp=… sp=… pc=…" -> [file, line], or null. */
function parseFileLine(s: string): [string, number] | null {
  let end = s.indexOf(' +0x');
  if (end < 0) end = s.indexOf(' fp=');
  if (end < 0) end = s.length;
  const colon = s.lastIndexOf(':', end);
  if (colon <= 0) return null;
  let n = 0;
  for (let i = colon + 1; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (colon + 1 === end) return null;
  return [intern(s.slice(0, colon)), n];
}

const enum St {
  Outside, // between goroutines (log lines, crash preamble, register dumps…)
  Frames, // inside a goroutine, expecting a function line, created by, or blank
  File, // after a function line, expecting its file:line
  CreatedFile, // after "created by", expecting its file:line
  Ancestor, // inside an [originating from goroutine N] block
  AncestorFile,
}

/**
 * Streams goroutines out of a text dump. Calls `emit` once per complete goroutine.
 * Throws FormatError when no goroutine is found or the dump is cut off mid-goroutine.
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
  let frames: Frame[] = [];
  let records = 0;
  let crash: string | null = null;
  let firstLine = 0;
  let gLine = 0;
  let truncatedAt = 0;
  let createdForAncestor = false;

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

  const onLine = (raw: string, lineNo: number) => {
    const line = raw.length && (raw.charCodeAt(0) === 32 || raw.charCodeAt(0) === 9) ? trimLeft(raw) : raw;
    if (line.length === 0) {
      if (st === St.File || st === St.CreatedFile || st === St.AncestorFile) {
        truncatedAt = lineNo; // a function line without its file line: only at a cut
      }
      finish();
      return;
    }
    const c0 = line.charCodeAt(0);
    // A header can start a goroutine anywhere (dumps without blank lines between, logs).
    if (c0 === 103 /* g */ && line.startsWith('goroutine ') && line.endsWith(']:')) {
      const m = HEADER.exec(line);
      if (m) {
        finish();
        g = newGoroutine();
        g.id = Number(m[1]);
        const b = parseBracket(m[2]!);
        g.state = b.state;
        g.waitMinutes = b.waitMinutes;
        g.lockedToThread = b.lockedToThread;
        g.leaked = b.leaked;
        g.labels = b.labels;
        frames = g.frames;
        st = St.Frames;
        gLine = lineNo;
        if (!firstLine) firstLine = lineNo;
        return;
      }
    }
    switch (st) {
      case St.Outside:
        if (crash === null && (line.startsWith('panic: ') || line.startsWith('fatal error: '))) crash = line;
        return;
      case St.File:
      case St.AncestorFile: {
        const fl = parseFileLine(line);
        if (!fl) {
          truncatedAt = lineNo;
          finish();
          return;
        }
        const f: Frame = { func: pendingFunc, file: fl[0], line: fl[1] };
        if (pendingArgs !== undefined) f.args = pendingArgs;
        frames.push(f);
        st = st === St.File ? St.Frames : St.Ancestor;
        return;
      }
      case St.CreatedFile: {
        const fl = parseFileLine(line);
        if (g && fl) {
          const site = { func: pendingFunc, file: fl[0], line: fl[1] };
          if (createdForAncestor) g.ancestors[g.ancestors.length - 1]!.createdBy = site;
          else g.createdBy = site;
          st = createdForAncestor ? St.Ancestor : St.Frames;
        } else {
          truncatedAt = lineNo;
          finish();
        }
        return;
      }
      case St.Frames:
      case St.Ancestor: {
        if (c0 === 99 /* c */ && line.startsWith('created by ')) {
          const m = CREATED.exec(line)!;
          pendingFunc = intern(unescapePath(m[1]!));
          createdForAncestor = st === St.Ancestor;
          if (m[2] !== undefined && g && !createdForAncestor) g.parentId = Number(m[2]);
          st = St.CreatedFile;
          return;
        }
        if (c0 === 46 /* . */) {
          const m = ELIDED.exec(line);
          if (m && g) {
            g.elidedFrames = m[1] ? Number(m[1]) : -1;
            return;
          }
        }
        if (c0 === 91 /* [ */) {
          const m = ORIGIN.exec(line);
          if (m && g) {
            if (g.ancestors.length) g.ancestors[g.ancestors.length - 1]!.frames = frames;
            g.ancestors.push({ id: Number(m[1]), frames: [] });
            frames = [];
            st = St.Ancestor;
            return;
          }
        }
        if (line.startsWith('goroutine running on other thread')) {
          if (g) g.stackUnavailable = true;
          return;
        }
        // A function line: "pkg.fn(args)" or "pkg.fn(...)"; anything else ends the goroutine
        // (a log line printed right after a dump without a blank line).
        if (line.charCodeAt(line.length - 1) === 41 /* ) */) {
          const open = line.lastIndexOf('(');
          if (open > 0) {
            pendingFunc = intern(unescapePath(line.slice(0, open)));
            pendingArgs = line.slice(open + 1, -1);
            st = st === St.Frames ? St.File : St.AncestorFile;
            return;
          }
        }
        finish();
        return;
      }
    }
  };

  const stats = await forEachLine(chunks, input, onLine);
  st = st as St; // assigned inside onLine
  if (st === St.File || st === St.CreatedFile || st === St.AncestorFile) truncatedAt = stats.lines;
  else if (st !== St.Outside && !stats.endedWithNewline && stats.lines > 0) truncatedAt = stats.lines;
  // A goroutine whose header is the last line has no frames at all: cut off.
  const last = g as Goroutine | null;
  if (last && last.frames.length === 0 && !last.stackUnavailable && gLine === stats.lines) truncatedAt = stats.lines;

  if (truncatedAt && truncatedAt >= stats.lines - 1) {
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
  if (stats.bytes === 0) throw new FormatError(input, '', 'empty input', 'expected a goroutine dump or profile');
  if (records === 0) {
    throw new FormatError(
      input,
      '',
      'no goroutine dump found',
      'expected /debug/pprof/goroutine?debug=2 or ?debug=1 output, runtime.Stack text, a panic, or a debug=0 profile',
    );
  }
  return { records, total: records, crash, bytes: stats.bytes, truncated: truncatedAt > 0, firstLine };
}
