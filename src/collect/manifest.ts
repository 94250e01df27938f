// capture.json (schema goscope.capture/v1): what a diagnose run took, when, and how each
// capture went, written last into the capture folder; and reading a folder back, so
// `goscope diagnose <folder>` analyses it again offline with the very inputs of the live
// run. The manifest is read as untrusted input: a file it names must be a plain name in
// the folder itself, and every field is checked before use.
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { collect } from '../formats/input.js';
import { limit } from '../lib/limits.js';
import { readFileChunks } from './acquire.js';
import { saveCapture } from './capture.js';
import type { CaptureSet, CaptureStatus, SnapshotPair } from './capture-set.js';
import { PROFILE_TYPES, type CapturedLeakProfile, type CapturedProfile, type CapturedText, type ProfileType } from './profiles.js';
import type { CapturedTrace } from './trace.js';

export const MANIFEST = 'capture.json';
const SCHEMA = 'goscope.capture/v1';

// Roles of the goroutine captures (the profile types need none).
const FINAL_DUMP = 'debug=2 dump';
const FIRST_DUMP = 'first debug=2 dump';
const snapshotRole = (i: number): string => `snapshot ${i + 1}`;

// A manifest is a few KB.
const MAX_MANIFEST = 16 * 1024 * 1024;

interface Entry {
  type: string;
  role?: string;
  file: string;
  url: string;
  requestedAt: string;
  fetchedAt: string;
}

/** Saves capture.json in the set's folder; returns its path. */
export async function writeManifest(set: CaptureSet): Promise<string> {
  const rel = (p: string): string => path.relative(set.dir, p);
  const entry = (p: { path: string; url: string; requestedAt: Date; fetchedAt: Date } | undefined, type: string, role?: string): Entry | undefined =>
    p && { type, ...(role ? { role } : {}), file: rel(p.path), url: p.url, requestedAt: p.requestedAt.toISOString(), fetchedAt: p.fetchedAt.toISOString() };
  const captures = [
    entry(set.allocs.older, 'allocs', 'older'),
    entry(set.mutex.older, 'mutex', 'older'),
    entry(set.block.older, 'block', 'older'),
    ...set.goroutines.map((g, i) => entry(g, 'goroutine', snapshotRole(i))),
    entry(set.goroutineFirstDump, 'goroutine', FIRST_DUMP),
    entry(set.trace, 'trace', `last ${set.traceSeconds}s of the window`),
    entry(set.cpu, 'cpu'),
    entry(set.allocs.newer, 'allocs', 'newer'),
    entry(set.mutex.newer, 'mutex', 'newer'),
    entry(set.block.newer, 'block', 'newer'),
    entry(set.heap, 'heap'),
    entry(set.goroutineDump, 'goroutine', FINAL_DUMP),
    entry(set.threadcreate, 'threadcreate'),
    entry(set.leakProfile, 'goroutineleak'),
  ].filter((x) => x !== undefined);
  const doc = {
    schema: SCHEMA,
    service: set.service,
    seconds: set.seconds,
    ...(set.traceSeconds > 0 ? { traceSeconds: set.traceSeconds } : {}),
    startedAt: set.startedAt.toISOString(),
    finishedAt: set.finishedAt.toISOString(),
    aborted: set.aborted,
    status: set.status,
    captures,
    // Every file saved, in capture order (failed replies kept for the user included).
    files: set.files.map(rel),
  };
  return saveCapture(set.dir, MANIFEST, JSON.stringify(doc, null, 2) + '\n');
}

/** Whether `dir` holds a diagnose capture (its manifest). */
export function isCaptureFolder(dir: string): boolean {
  return existsSync(path.join(dir, MANIFEST));
}

/**
 * A capture folder read back as the CaptureSet its live run had: profiles and the trace
 * in memory, the debug=2 dumps by path (they are streamed when analysed).
 */
export async function loadCapture(dir: string): Promise<CaptureSet> {
  const manifestPath = path.join(dir, MANIFEST);
  const bad = (what: string): UserError =>
    new UserError(`${manifestPath}: ${what}: not a capture.json written by goscope diagnose (give the folder of a diagnose run, or a service URL)`);
  let text: Buffer;
  try {
    text = await collect(readFileChunks(manifestPath), manifestPath, MAX_MANIFEST);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${manifestPath}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || doc.schema !== SCHEMA) throw bad(`schema is not ${SCHEMA}`);
  const str = (v: unknown, what: string): string => {
    if (typeof v !== 'string') throw bad(`${what} is missing`);
    return v;
  };
  const date = (v: unknown, what: string): Date => {
    const d = new Date(str(v, what));
    if (Number.isNaN(d.getTime())) throw bad(`${what} is not a date`);
    return d;
  };
  const num = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(`${what} is not a number`);
    return v;
  };
  /** A file the manifest names: a plain name inside the folder, never a path elsewhere. */
  const local = (name: unknown, what: string): string => {
    const f = str(name, what);
    if (f === '' || f !== path.basename(f) || f.includes('\\') || f.startsWith('.')) throw bad(`${what} "${f.slice(0, 80)}" is not a file name in the folder`);
    return path.join(dir, f);
  };
  const sizeOf = async (file: string): Promise<number> => {
    try {
      return (await fsp.stat(file)).size;
    } catch {
      throw new UserError(`${file}: missing: the capture folder is incomplete`);
    }
  };
  const read = async (file: string): Promise<Buffer> => {
    try {
      // A profile larger than a fetch may bring is not one a service served.
      return await collect(readFileChunks(file), file, limit('profile'));
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): the capture folder is incomplete`);
    }
  };

  const status = {} as CaptureSet['status'];
  const st = doc.status && typeof doc.status === 'object' ? (doc.status as Record<string, unknown>) : {};
  for (const [kind, v] of Object.entries(st)) {
    const s = v as Partial<CaptureStatus> | null;
    if (!s || (s.state !== 'ok' && s.state !== 'disabled' && s.state !== 'failed')) throw bad(`status.${kind} is not a capture status`);
    (status as Record<string, CaptureStatus>)[kind] = s.message === undefined ? { state: s.state } : { state: s.state, message: String(s.message) };
  }
  for (const kind of [...PROFILE_TYPES, 'goroutine-dump'] as const) if (!status[kind]) throw bad(`status.${kind} is missing`);

  const set: CaptureSet = {
    service: str(doc.service, 'service'),
    dir,
    seconds: num(doc.seconds, 'seconds'),
    startedAt: date(doc.startedAt, 'startedAt'),
    finishedAt: date(doc.finishedAt, 'finishedAt'),
    allocs: {},
    mutex: {},
    block: {},
    goroutines: [],
    traceSeconds: doc.traceSeconds === undefined ? 0 : num(doc.traceSeconds, 'traceSeconds'),
    status,
    files: [],
    manifest: manifestPath,
    aborted: doc.aborted === true,
  };
  const captures = Array.isArray(doc.captures) ? (doc.captures as Record<string, unknown>[]) : [];
  const snapshots: { i: number; p: CapturedProfile }[] = [];
  for (const [i, c] of captures.entries()) {
    if (!c || typeof c !== 'object') throw bad(`captures[${i}] is not an object`);
    const at = `captures[${i}]`;
    const type = str(c.type, `${at}.type`);
    const role = c.role === undefined ? undefined : str(c.role, `${at}.role`);
    const file = local(c.file, `${at}.file`);
    const times = { url: str(c.url, `${at}.url`), requestedAt: date(c.requestedAt, `${at}.requestedAt`), fetchedAt: date(c.fetchedAt, `${at}.fetchedAt`) };
    if (type === 'goroutine' && (role === FINAL_DUMP || role === FIRST_DUMP)) {
      const dump: CapturedText = { ...times, path: file, size: await sizeOf(file) };
      if (role === FINAL_DUMP) set.goroutineDump = dump;
      else set.goroutineFirstDump = dump;
      continue;
    }
    if (type === 'trace') {
      const t: CapturedTrace = { ...times, path: file, size: await sizeOf(file) };
      set.trace = t;
      continue;
    }
    if (type === 'goroutineleak') {
      const l: CapturedLeakProfile = { ...times, path: file, bytes: await read(file) };
      set.leakProfile = l;
      continue;
    }
    if (!(PROFILE_TYPES as readonly string[]).includes(type)) throw bad(`${at}.type "${type.slice(0, 40)}" is not a capture type`);
    const p: CapturedProfile = { ...times, type: type as ProfileType, path: file, bytes: await read(file) };
    if (type === 'allocs' || type === 'mutex' || type === 'block') {
      const pair: SnapshotPair = set[type];
      if (role === 'older') pair.older = p;
      else if (role === 'newer') pair.newer = p;
      else throw bad(`${at}.role of a ${type} snapshot is neither older nor newer`);
    } else if (type === 'goroutine') {
      const m = /^snapshot (\d+)$/.exec(role ?? '');
      if (!m) throw bad(`${at}.role of a goroutine capture is not known`);
      snapshots.push({ i: Number(m[1]), p });
    } else if (type === 'cpu') set.cpu = p;
    else if (type === 'heap') set.heap = p;
    else if (type === 'threadcreate') set.threadcreate = p;
  }
  set.goroutines = snapshots.sort((a, b) => a.i - b.i).map((s) => s.p);
  // Older manifests list no files and no goroutineleak capture: the captures, and the
  // profile if its file is there.
  if (!set.leakProfile && !Array.isArray(doc.files) && existsSync(path.join(dir, 'goroutineleak.pb.gz'))) {
    const file = path.join(dir, 'goroutineleak.pb.gz');
    const when = set.finishedAt;
    set.leakProfile = { url: '', path: file, bytes: await read(file), requestedAt: when, fetchedAt: when };
  }
  if (Array.isArray(doc.files)) set.files = (doc.files as unknown[]).map((f, i) => local(f, `files[${i}]`));
  else set.files = captures.map((c, i) => local(c.file, `captures[${i}].file`));
  set.files.push(manifestPath);
  return set;
}

/**
 * Saves a file the analysis derives (a delta profile) in the capture folder, or, when the
 * folder has it already with these very bytes (an offline run on a live run's folder),
 * keeps that one: the report then names the same files.
 */
export async function keepInFolder(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  try {
    const st = await fsp.stat(file);
    if (st.size === bytes.length && Buffer.from(bytes).equals(await fsp.readFile(file))) return file;
  } catch {
    // not there (or unreadable): save it
  }
  return saveCapture(dir, name, bytes);
}
