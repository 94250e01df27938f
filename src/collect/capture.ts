// Saving what was captured from a service, so nothing the user captured is ever lost:
// every file is written to a temporary name, synced, then moved into place atomically,
// and an existing capture is never overwritten (a "-2", "-3" ... suffix is added instead).

import { createHash, randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { mkdir, open, link, rename, unlink, stat, access } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

export const DEFAULT_CAPTURE_ROOT = 'goscope-captures';

/** Temporary files being written right now: an interrupted process removes them on its way out. */
const inFlight = new Set<string>();

/** Removes every temporary capture file still being written (for Ctrl-C: synchronous, never throws). */
export function removeTemporaries(): void {
  for (const f of inFlight) {
    try {
      unlinkSync(f);
    } catch {
      // already moved into place or removed
    }
  }
  inFlight.clear();
}

/**
 * Create the directory for one capture session and return its path.
 * - `base` given (--out): that directory, created if needed (it may already exist).
 * - otherwise `./goscope-captures/<label>-<YYYYMMDD-HHMMSS>/` (label e.g. "127.0.0.1_6060",
 *   see serviceLabel; "capture" if none), made unique with "-2", "-3" ... if it exists.
 */
export async function captureDir(base?: string, label?: string, now: Date = new Date()): Promise<string> {
  if (base !== undefined && base !== '') {
    try {
      await mkdir(base, { recursive: true });
    } catch (err) {
      throw dirError(base, err);
    }
    const st = await stat(base).catch(() => undefined);
    if (!st?.isDirectory()) throw new UserError(`${base}: not a directory (choose another --out directory)`);
    return base;
  }
  const root = DEFAULT_CAPTURE_ROOT;
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw dirError(root, err);
  }
  const stem = `${label ? safeName(label) : 'capture'}-${timestamp(now)}`;
  for (let i = 1; ; i++) {
    const dir = path.join(root, i === 1 ? stem : `${stem}-${i}`);
    try {
      await mkdir(dir); // not recursive: EEXIST tells us someone else has it
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && i < 1000) continue;
      throw dirError(dir, err);
    }
  }
}

/** "host_port" for a service URL: http://127.0.0.1:6060 -> "127.0.0.1_6060", [::1]:6060 -> "ip6---1_6060". */
export function serviceLabel(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.startsWith('[') ? 'ip6-' + url.hostname.slice(1, -1).replace(/:/g, '-') : url.hostname;
  return safeName(`${host}_${port}`);
}

/**
 * Write `data` to `<dir>/<safeName(name)>` atomically (temporary file, fsync, move into
 * place) and return the path. If that file exists already, "-2", "-3" ... is inserted
 * before the extension; existing captures are never replaced.
 */
export async function saveCapture(dir: string, name: string, data: Uint8Array | string): Promise<string> {
  return saveCaptureStream(dir, name, [typeof data === 'string' ? Buffer.from(data) : data]);
}

/** Like saveCapture, for a body that arrives in chunks (e.g. from fetchStream): never held in memory whole. */
export async function saveCaptureStream(dir: string, name: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string> {
  const file = safeName(name);
  const tmp = path.join(dir, `.${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx', 0o644);
  } catch (err) {
    throw writeError(path.join(dir, file), err);
  }
  inFlight.add(tmp);
  try {
    return await writeThenPlace(tmp, fh, dir, file, chunks);
  } finally {
    inFlight.delete(tmp);
  }
}

async function writeThenPlace(
  tmp: string,
  fh: import('node:fs/promises').FileHandle,
  dir: string,
  file: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<string> {
  let written = 0;
  let sourceError: unknown;
  const it = isAsync(chunks) ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  try {
    try {
      for (;;) {
        let r: IteratorResult<Uint8Array>;
        try {
          r = await it.next();
        } catch (err) {
          sourceError = err;
          break;
        }
        if (r.done) break;
        const chunk = r.value;
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
        written += chunk.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (sourceError === undefined) return await placeFile(tmp, dir, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    if (sourceError === undefined) await Promise.resolve(it.return?.()).catch(() => {}); // release the source
    if (err instanceof UserError) throw err;
    if ((err as NodeJS.ErrnoException)?.code) throw writeError(path.join(dir, file), err);
    throw err;
  }
  // The source failed midway (the service closed the connection, or went quiet): keep
  // what arrived as "<name>.partial". Not when goscope stopped reading a body that was
  // larger than such a capture can be, or still arriving at the deadline (an endless
  // body): that is not a capture worth the disk, and can be as large as the cap (a GiB).
  const stopped = (sourceError as { code?: string })?.code;
  if (written === 0 || stopped === 'TOO_LARGE' || stopped === 'DEADLINE') {
    await unlink(tmp).catch(() => {});
    throw sourceError;
  }
  let kept: string | undefined;
  try {
    kept = await placeFile(tmp, dir, file + '.partial');
  } catch {
    await unlink(tmp).catch(() => {});
  }
  if (kept && sourceError instanceof Error) sourceError.message += ` (the ${written} bytes received were saved to ${kept})`;
  throw sourceError;
}

function isAsync<T>(x: AsyncIterable<T> | Iterable<T>): x is AsyncIterable<T> {
  return typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/** Move tmp to dir/file without replacing anything that is there. */
async function placeFile(tmp: string, dir: string, file: string): Promise<string> {
  const dot = extIndex(file);
  const stem = file.slice(0, dot);
  const ext = file.slice(dot);
  for (let i = 1; i < 10000; i++) {
    const target = path.join(dir, i === 1 ? file : `${stem}-${i}${ext}`);
    try {
      // link() fails with EEXIST instead of replacing: an atomic "create if absent".
      await link(tmp, target);
      await unlink(tmp).catch(() => {});
      return target;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // File systems without hard links: check, then rename (atomic replace of a name we just saw free).
      if (await exists(target)) continue;
      await rename(tmp, target);
      return target;
    }
  }
  throw new UserError(`${path.join(dir, file)}: too many captures with this name (choose another --out directory)`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Index where the extension starts (".txt", ".pb.gz"), or the length if none. */
function extIndex(file: string): number {
  const m = /(\.[A-Za-z0-9]{1,8}){1,2}$/.exec(file);
  return m && m.index > 0 ? m.index : file.length;
}

const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

/**
 * Any untrusted text -> a safe file name component: only [A-Za-z0-9._-], no leading dots
 * (nor "-" or "_"), no ".." runs, at most 100 characters (long names keep a hash of the
 * original and their extension so they stay distinct), never empty ("unnamed").
 */
export function safeName(s: string): string {
  let out = s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/_{2,}/g, '_')
    .replace(/^[._-]+/, '')
    .replace(/\.+$/, '');
  if (out.length > 100) {
    const hash = createHash('sha256').update(s).digest('hex').slice(0, 8);
    const dot = extIndex(out);
    const ext = out.length - dot <= 18 ? out.slice(dot) : '';
    out = out.slice(0, 100 - ext.length - 9).replace(/[._-]+$/, '') + '-' + hash + ext;
  }
  if (out === '') return 'unnamed';
  if (RESERVED.test(out)) out = '_' + out;
  return out;
}

/** Local time as YYYYMMDD-HHMMSS. */
export function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function dirError(dir: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way'
        : code === 'EROFS'
          ? 'read-only file system'
          : code === 'ENOSPC'
            ? 'no space left on device'
            : (code ?? 'failed');
  return new UserError(`${dir}: cannot create capture directory: ${why} (choose another --out directory)`);
}

function writeError(file: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOSPC'
      ? 'no space left on device'
      : code === 'EDQUOT'
        ? 'disk quota exceeded'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOENT' || code === 'ENOTDIR'
            ? 'the directory does not exist'
            : code === 'EROFS'
              ? 'read-only file system'
              : (code ?? 'failed');
  return new UserError(`${file}: cannot save capture: ${why} (free space or choose another --out directory)`);
}
