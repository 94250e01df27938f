// Reading pprof profiles named on the command line (files, profile URLs, stdin) and the
// flags every profile command shares, spelled like `go tool pprof`'s.
import { stat, readFile } from 'node:fs/promises';
import { UsageError, UserError } from '../errors.js';
import { acquire } from '../collect/acquire.js';
import { safeName } from '../collect/capture.js';
import { resolveSource } from '../collect/source.js';
import { checkInflatedSize, collect } from '../formats/input.js';
import { decodeProfile, type Profile } from '../formats/pprof/index.js';
import { formatBytes, limit, limitHint } from '../lib/limits.js';
import { checkGranularity, type TopOptions } from '../analysis/profile/top.js';
import { termSafe } from '../lib/text.js';
import { parseDuration, parseInteger, type FlagSpec, type Parsed } from './args.js';
import { note, type Io } from './common.js';

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
    throw new UsageError(`${command}: ${arg} is a service, not a profile: capture one with goscope profile ${arg} --type cpu (or give a profile URL such as ${arg.replace(/\/+$/, '')}/debug/pprof/heap)`);
  }
  const saveAs = source.url ? safeName(source.url.pathname.split('/').filter(Boolean).pop() ?? 'profile') + '.pb.gz' : 'profile.pb.gz';
  // A file larger than a decompressed profile may be (gzipped or not) is refused before
  // it is read: stat knows its size.
  const max = limit('inflate');
  if (source.kind === 'file') {
    const file = source.path!;
    const size = (await stat(file).catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`${file}: cannot read (${e.code ?? e.message})`);
    })).size;
    if (size > max) {
      throw new UserError(`${file}: ${formatBytes(size)} is larger than any profile goscope reads (${formatBytes(max)}): is this a profile? (${limitHint('inflate', max)})`);
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

/** Flags shared by top, diff, flame and profile. */
export const VIEW_FLAGS = {
  'sample-index': { type: 'string' },
  granularity: { type: 'string' },
  focus: { type: 'string' },
  ignore: { type: 'string' },
  hide: { type: 'string' },
  show: { type: 'string' },
  tagfocus: { type: 'string' },
  tagignore: { type: 'string' },
  nodecount: { type: 'string' },
  nodefraction: { type: 'string' },
} as const satisfies FlagSpec;

export const VIEW_HELP = `  --sample-index T   sample type to show (name like alloc_space, or index); default:
                     the profile's default type, else its last one
  --granularity G    functions (default), filefunctions, files, lines, addresses
  --focus RE         keep samples with a frame matching RE
  --ignore RE        drop samples with a frame matching RE
  --hide RE          drop frames matching RE (their cost moves to the caller)
  --show RE          keep only frames matching RE
  --tagfocus T       keep samples whose labels match (key=value, key=RE, bytes=1kb:4kb)
  --tagignore T      drop samples whose labels match
  --nodecount N      show at most N rows
  --nodefraction F   hide rows whose cum is below F of the total (default 0.005)`;

export function viewOptions(flags: Parsed['flags']): TopOptions {
  const str = (k: string): string | undefined => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const o: TopOptions = {};
  const si = str('sample-index');
  if (si !== undefined) o.sampleIndex = si;
  const g = str('granularity');
  if (g !== undefined) o.granularity = checkGranularity(g);
  // Regexes are Go (RE2) syntax; the analysis compiles and rejects them with pprof's wording.
  for (const k of ['focus', 'ignore', 'hide', 'show'] as const) {
    const v = str(k);
    if (v !== undefined) o[k] = v;
  }
  const tf = str('tagfocus');
  if (tf !== undefined) o.tagfocus = tf;
  const ti = str('tagignore');
  if (ti !== undefined) o.tagignore = ti;
  const nc = str('nodecount');
  if (nc !== undefined) o.nodecount = parseInteger(nc, 'nodecount', 0);
  const nf = str('nodefraction');
  if (nf !== undefined) {
    const n = Number(nf);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--nodefraction: expected a number between 0 and 1, got "${nf}"`);
    o.nodefraction = n;
  }
  return o;
}

export function timeoutFlag(flags: Parsed['flags']): number | undefined {
  return typeof flags.timeout === 'string' ? parseDuration(flags.timeout, 'timeout') : undefined;
}

/**
 * What pprof prints on stderr about the filters ("Focus expression matched no samples",
 * a tag seen with several units): the same lines, on stderr, so a filter that matched
 * nothing is not mistaken for an empty profile. Tag keys come from the profile: sanitised.
 */
export function printFilterWarnings(io: Io, warnings: readonly string[]): void {
  for (const w of warnings) note(io, termSafe(w));
}
