// The nodes of a pprof report at a granularity: pprof's graph.NodeInfo of every
// (location, line) pair after profile.Aggregate, deduplicated, with the printable names
// `go tool pprof` shows (graph.NodeInfo.PrintableName).
//
// Inlined frames stay separate nodes at every granularity (pprof's default, no
// -noinlines). File names are cleaned like pprof does (/proc/self/cwd/ prefixes trimmed,
// then filepath.Clean); function names are kept whole.
import type { Int64, Line, Profile, ProfileFunction } from '../../formats/pprof/index.js';
import type { SampleView } from './filter.js';

export type Granularity = 'functions' | 'filefunctions' | 'files' | 'lines' | 'addresses';

export const GRANULARITIES: readonly Granularity[] = ['functions', 'filefunctions', 'files', 'lines', 'addresses'];

/** pprof's graph.NodeInfo (OrigName is always empty in the reports goscope mirrors). */
export interface NodeInfo {
  name: string;
  address: Int64;
  file: string;
  startLine: Int64;
  lineno: Int64;
  columnno: Int64;
  objfile: string;
}

export interface NodeTable {
  count: number;
  info: NodeInfo[];
  /** PrintableName of each node. */
  names: string[];
  /** Nodes of the location at position p: locNodes[locStart[p]] … locNodes[locStart[p+1]-1], innermost line first. */
  locStart: Int32Array;
  locNodes: Int32Array;
  /** 1 for nodes that are an inlined (not the outermost) line of some location. */
  inlinedSomewhere: Uint8Array;
}

/** Go's path.Clean (file names in profiles use "/"). */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  // Most paths are clean already.
  if (!/(^|\/)\.{1,2}(\/|$)|\/\/|.\/$/.test(path)) return path;
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const s = out.join('/');
  return rooted ? '/' + s : s === '' ? '.' : s;
}

/** Go's filepath.Base. */
export function baseName(path: string): string {
  if (path === '') return '.';
  path = path.replace(/\/+$/, '');
  if (path === '') return '/';
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

// report.trimPath with no -trim_path and no -source_path: only the /proc/self/cwd prefixes.
function trimPath(path: string): string {
  for (const prefix of ['/proc/self/cwd/./', '/proc/self/cwd/']) {
    if (path.startsWith(prefix)) return path.slice(prefix.length);
  }
  return path;
}

function hex16(v: Int64): string {
  return (typeof v === 'bigint' ? v.toString(16) : v.toString(16)).padStart(16, '0');
}

/** graph.NodeInfo.PrintableName. */
export function printableName(i: NodeInfo): string {
  const parts: string[] = [];
  if (i.address !== 0) parts.push(hex16(i.address));
  if (i.name !== '') parts.push(i.name);
  if (i.lineno !== 0) {
    parts.push(`${i.file}:${i.lineno}` + (i.columnno !== 0 ? `:${i.columnno}` : ''));
  } else if (i.file !== '') {
    parts.push(i.file);
  } else if (i.name !== '') {
    // the name alone
  } else if (i.objfile !== '') {
    parts.push('[' + baseName(i.objfile) + ']');
  } else {
    parts.push('<unknown>');
  }
  return parts.join(' ');
}

/** fmt.Sprint(NodeInfo): pprof's last-resort tie-break between nodes. */
export function infoString(i: NodeInfo): string {
  return `{${i.name}  ${i.address} ${i.file} ${i.startLine} ${i.lineno} ${i.columnno} ${i.objfile}}`;
}

/** What profile.Aggregate keeps at each granularity (inlined frames always stay). */
interface Keep {
  functionName: boolean;
  fileName: boolean;
  lineNumber: boolean;
  column: boolean;
  address: boolean;
}

const KEEP: Record<Granularity, Keep> = {
  functions: { functionName: true, fileName: false, lineNumber: false, column: false, address: false },
  filefunctions: { functionName: true, fileName: true, lineNumber: false, column: false, address: false },
  files: { functionName: false, fileName: true, lineNumber: false, column: false, address: false },
  lines: { functionName: true, fileName: true, lineNumber: true, column: false, address: false },
  // pprof does not aggregate at all for addresses (with inlined frames kept).
  addresses: { functionName: true, fileName: true, lineNumber: true, column: true, address: true },
};

const NO_LINE: Line = { functionId: 0, line: 0, column: 0 };

/** The report nodes of `view`'s locations at `granularity`. */
export function buildNodes(view: SampleView, granularity: Granularity): NodeTable {
  const keep = KEEP[granularity];
  if (!keep) throw new RangeError(`unknown granularity ${String(granularity)}`);
  const p: Profile = view.profile;
  const objfiles = new Map<Int64, string>();
  for (const m of p.mappings) objfiles.set(m.id, m.filename);

  // A node is identified by its function's part (name, file, start line), line, column,
  // address and binary; the function part is interned once per function.
  interface FnPart {
    id: number;
    name: string;
    file: string;
    startLine: Int64;
  }
  const fnParts = new Map<ProfileFunction, FnPart>();
  const partIds = new Map<string, number>();
  // Names and files are interned, so part keys stay short.
  const strings = new Map<string, number>();
  const intern = (s: string): number => {
    let id = strings.get(s);
    if (id === undefined) strings.set(s, (id = strings.size));
    return id;
  };
  const cleanFiles = new Map<string, string>();
  const partOf = (f: ProfileFunction | undefined): FnPart => {
    let part = f && fnParts.get(f);
    if (part === undefined) {
      const name = f && keep.functionName ? f.name : '';
      let file = '';
      if (f && keep.fileName && f.filename !== '') {
        file = cleanFiles.get(f.filename) ?? '';
        if (file === '') cleanFiles.set(f.filename, (file = cleanPath(trimPath(f.filename))));
      }
      // pprof keeps the start line (and the binary) only for nodes without a name.
      const startLine = f && name === '' ? f.startLine : 0;
      const key = `${intern(name)},${intern(file)},${startLine}`;
      let id = partIds.get(key);
      if (id === undefined) partIds.set(key, (id = partIds.size));
      part = { id, name, file, startLine };
      if (f) fnParts.set(f, part);
    }
    return part;
  };
  const noFunction = partOf(undefined);

  const ids = new Map<string, number>();
  const byPart = new Map<number, number>();
  const info: NodeInfo[] = [];
  const nLoc = p.locations.length;
  const locStart = new Int32Array(nLoc + 1);
  let locNodes = new Int32Array(Math.max(16, nLoc));
  let used = 0;
  const inner: number[] = [];
  for (let pos = 0; pos < nLoc; pos++) {
    locStart[pos] = used;
    if (view.hidden[pos]) continue;
    const loc = p.locations[pos]!;
    const address = keep.address ? loc.address : 0;
    const objfile = loc.mappingId === 0 ? '' : (objfiles.get(loc.mappingId) ?? '');
    let lines = view.lines[pos]!;
    if (lines.length === 0) lines = [NO_LINE];
    for (let li = 0; li < lines.length; li++) {
      const line = lines[li]!;
      const fn = line.functionId === 0 ? undefined : view.functions.get(line.functionId);
      const part = fn ? partOf(fn) : noFunction;
      const lineno = fn && keep.lineNumber ? line.line : 0;
      const columnno = fn && keep.column ? line.column : 0;
      const obj = part.name === '' ? objfile : '';
      // Whole-function nodes (the usual case) are keyed by their function part alone.
      const simple = lineno === 0 && columnno === 0 && address === 0 && obj === '';
      let id = simple ? byPart.get(part.id) : ids.get(`${part.id},${lineno},${columnno},${address},${obj}`);
      if (id === undefined) {
        id = info.length;
        if (simple) byPart.set(part.id, id);
        else ids.set(`${part.id},${lineno},${columnno},${address},${obj}`, id);
        info.push({ name: part.name, address, file: part.file, startLine: part.startLine, lineno, columnno, objfile: obj });
      }
      if (used === locNodes.length) {
        const grown = new Int32Array(used * 2);
        grown.set(locNodes);
        locNodes = grown;
      }
      locNodes[used++] = id;
      if (li !== lines.length - 1) inner.push(id);
    }
  }
  locStart[nLoc] = used;
  const inlinedSomewhere = new Uint8Array(info.length);
  for (const id of inner) inlinedSomewhere[id] = 1;
  return {
    count: info.length,
    info,
    names: info.map(printableName),
    locStart,
    locNodes: locNodes.subarray(0, used),
    inlinedSomewhere,
  };
}
