// Loading pprof profiles (files, profile URLs, stdin) and decoding them: the one place
// top, diff and flame read the profiles named on their command lines. Fetched profiles are
// saved before they are decoded.
import { stat, readFile } from 'node:fs/promises';
import { UsageError, UserError } from '../errors.js';
import { acquire } from './acquire.js';
import { safeName } from './capture.js';
import { resolveSource } from './source.js';
import { checkInflatedSize, collect } from '../formats/input.js';
import { decodeProfile, type Profile } from '../formats/pprof/index.js';
import { formatBytes, limit, limitHint } from '../lib/limits.js';

export interface LoadedProfile {
  profile: Profile;
  /** Name for messages: the path, "stdin" or the URL. */
  input: string;
  /** Where a fetched profile was saved. */
  savedTo?: string;
}

/**
 * One profile from a file, `-` or a profile URL (fetched and saved before decoding). A
 * service base URL is refused: which profile to take, and for how long, is `profile`'s job.
 */
export async function loadProfile(
  arg: string,
  command: string,
  opts: { timeoutMs?: number; outDir?: string; dir?: { path: string | null } } = {},
): Promise<LoadedProfile> {
  const source = resolveSource(arg);
  if (source.kind === 'service') {
    throw new UsageError(
      `${command}: ${arg} is a service, not a profile: capture one with goscope profile ${arg} --type cpu (or give a profile URL such as ${arg.replace(/\/+$/, '')}/debug/pprof/heap)`,
    );
  }
  const saveAs = source.url ? safeName(source.url.pathname.split('/').filter(Boolean).pop() ?? 'profile') + '.pb.gz' : 'profile.pb.gz';
  // A file larger than a decompressed profile may be (gzipped or not) is refused before
  // it is read: stat knows its size.
  const max = limit('inflate');
  if (source.kind === 'file') {
    const file = source.path!;
    const size = (
      await stat(file).catch((e: NodeJS.ErrnoException) => {
        throw new UserError(`${file}: cannot read (${e.code ?? e.message})`);
      })
    ).size;
    if (size > max) {
      throw new UserError(
        `${file}: ${formatBytes(size)} is larger than any profile goscope reads (${formatBytes(max)}): is this a profile? (${limitHint('inflate', max)})`,
      );
    }
    if (size > 0) {
      const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        throw new UserError(`${file}: cannot read (${e.code ?? e.message})`);
      });
      await checkInflatedSize(bytes, file, max, limitHint('inflate', max));
      return { profile: decodeProfile(bytes, file), input: file };
    }
    // size 0: a FIFO or /dev/stdin-like file: streamed below, with the same cap.
  }
  const acq = await acquire(source, { profile: '', params: {}, saveAs, timeoutMs: opts.timeoutMs, outDir: opts.outDir, dir: opts.dir });
  const bytes = await collect(acq.chunks, acq.input, max, limitHint('inflate', max));
  await checkInflatedSize(bytes, acq.input, max, limitHint('inflate', max));
  return { profile: decodeProfile(bytes, acq.input), input: acq.input, savedTo: acq.savedTo };
}
