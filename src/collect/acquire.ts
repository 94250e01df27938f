// Getting the bytes of one input: a file or stdin is read as a stream; a URL is fetched and
// saved to the capture folder first (nothing captured is lost, even if analysis fails),
// then read back from disk.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { LimitKind } from '../lib/limits.js';
import { captureDir, saveCaptureStream, serviceLabel } from './capture.js';
import { fetchStream } from './fetch.js';
import { profileUrl, type Source } from './source.js';

export interface Acquired {
  chunks: AsyncIterable<Uint8Array>;
  /** The file the chunks come from (a local file, or where a fetched capture was saved). */
  path?: string;
  /** Name for messages: the file path, "stdin" or the URL. */
  input: string;
  /** Where a fetched capture was saved. */
  savedTo?: string;
}

/** A file's bytes in 1 MiB chunks (optionally bytes [start, end)); opened only when iterated. */
export function readFileChunks(path: string, range?: { start: number; end: number }): AsyncIterable<Uint8Array> {
  return (async function* () {
    if (range && range.end <= range.start) return; // empty (createReadStream's end is inclusive)
    const s = createReadStream(path, { highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end - 1 } : {}) });
    try {
      for await (const c of s) yield c as Buffer;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UserError(`${path}: cannot read (${code ?? (e as Error).message})`);
    } finally {
      s.destroy();
    }
  })();
}

/**
 * A file read on demand straight into the caller's buffer (fs.read at the current
 * position): no stream chunks, no copies. `onRead` sees each read's size (progress).
 * Opened on the first read; errors are one line naming the file.
 */
export function readFileInto(
  path: string,
  onRead?: (n: number) => void,
): { read(buf: Uint8Array, off: number, len: number): Promise<number>; close(): Promise<void> } {
  let fh: FileHandle | null = null;
  let closed = false;
  const fail = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read (${code ?? (e as Error).message})`);
  };
  return {
    async read(buf, off, len) {
      if (closed) return 0;
      try {
        fh ??= await open(path, 'r');
        const { bytesRead } = await fh.read(buf, off, len, null);
        onRead?.(bytesRead);
        return bytesRead;
      } catch (e) {
        return fail(e);
      }
    },
    async close() {
      closed = true;
      await fh?.close();
      fh = null;
    },
  };
}

export interface AcquireOptions {
  /** For a service: which profile and parameters to fetch. */
  profile: string;
  params: Record<string, string>;
  /** File name for the saved capture. */
  saveAs: string;
  timeoutMs?: number;
  /** What a fetched body is, for its size cap (default 'profile'; goroutine text: 'dump'). */
  limit?: LimitKind;
  /** Capture folder (created on first use when not given). */
  outDir?: string;
  dir?: { path: string | null };
}

/** The capture folder for a session, created lazily and shared by every capture in it. */
export async function sessionDir(source: Source, holder: { path: string | null }, outDir?: string): Promise<string> {
  if (!holder.path) holder.path = await captureDir(outDir, source.url ? serviceLabel(source.url) : undefined);
  return holder.path;
}

export async function acquire(source: Source, opts: AcquireOptions): Promise<Acquired> {
  if (source.kind === 'file') return { chunks: readFileChunks(source.path!), input: source.path!, path: source.path! };
  if (source.kind === 'stdin') return { chunks: process.stdin, input: 'stdin' };
  const url = source.kind === 'service' ? profileUrl(source, opts.profile, opts.params) : source.url!;
  const body = await fetchStream(url, { timeoutMs: opts.timeoutMs, limit: opts.limit });
  const holder = opts.dir ?? { path: null };
  const dir = await sessionDir(source, holder, opts.outDir);
  const saved = await saveCaptureStream(dir, opts.saveAs, body);
  return { chunks: readFileChunks(saved), input: url.href, savedTo: saved, path: saved };
}
