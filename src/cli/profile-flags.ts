// The flags every profile command shares, spelled like `go tool pprof`'s, and what they
// turn into: the view options (sample type, filters, granularity) and the profiles loaded
// and merged from the command line.
import { UsageError } from '../errors.js';
import { loadProfile } from '../collect/load-profile.js';
import type { Profile } from '../formats/pprof/index.js';
import { checkGranularity, type TopOptions } from '../analysis/profile/top.js';
import { mergeProfiles } from '../analysis/profile/merge.js';
import { termSafe } from '../lib/text.js';
import { parseDuration, parseInteger } from './args.js';
import { note, type Io } from './common.js';
import type { FlagDefs } from './spec.js';

const SAMPLE_INDEX = {
  type: 'string',
  arg: 'T',
  help: "sample type to show (name like alloc_space, or index); default: the profile's default type, else its last one",
} as const;
const FILTERS = {
  focus: { type: 'string', arg: 'RE', help: 'keep samples with a frame matching RE' },
  ignore: { type: 'string', arg: 'RE', help: 'drop samples with a frame matching RE' },
  hide: { type: 'string', arg: 'RE', help: 'drop frames matching RE (their cost moves to the caller)' },
  show: { type: 'string', arg: 'RE', help: 'keep only frames matching RE' },
  tagfocus: { type: 'string', arg: 'T', help: 'keep samples whose labels match (key=value, key=RE, bytes=1kb:4kb)' },
  tagignore: { type: 'string', arg: 'T', help: 'drop samples whose labels match' },
} as const;

/** The sample type and filters: what a flame graph takes (it shows every function, so no rows to cut). */
export const FLAME_VIEW_FLAGS = { 'sample-index': SAMPLE_INDEX, ...FILTERS } as const satisfies FlagDefs;

/** Flags shared by top, diff and profile: the flame graph's and pprof's row options. */
export const VIEW_FLAGS = {
  'sample-index': SAMPLE_INDEX,
  granularity: { type: 'string', arg: 'G', help: 'functions (default), filefunctions, files, lines, addresses' },
  ...FILTERS,
  nodecount: { type: 'string', arg: 'N', help: 'show at most N rows' },
  nodefraction: { type: 'string', arg: 'F', help: 'hide rows whose cum is below F of the total (default 0.005)' },
} as const satisfies FlagDefs;

type ViewFlags = { [K in keyof typeof VIEW_FLAGS]?: string | undefined };

export function viewOptions(flags: ViewFlags): TopOptions {
  const str = (k: keyof ViewFlags): string | undefined => flags[k];
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

export function timeoutFlag(flags: { timeout?: string | undefined }): number | undefined {
  return flags.timeout !== undefined ? parseDuration(flags.timeout, 'timeout') : undefined;
}

/**
 * What pprof prints on stderr about the filters ("Focus expression matched no samples",
 * a tag seen with several units): the same lines, on stderr, so a filter that matched
 * nothing is not mistaken for an empty profile. Tag keys come from the profile: sanitised.
 */
export function printFilterWarnings(io: Io, warnings: readonly string[]): void {
  for (const w of warnings) note(io, termSafe(w));
}

/**
 * The command's profiles loaded (fetched and saved first for URLs) and merged into one, as
 * pprof merges several; the base (--diff-base) is loaded beside them.
 */
export async function loadProfiles(
  command: string,
  inputs: readonly string[],
  opts: { base?: string; timeoutMs?: number; outDir?: string },
): Promise<{ profile: Profile; inputs: string[]; base?: Profile }> {
  const fetch = { timeoutMs: opts.timeoutMs, outDir: opts.outDir, dir: { path: null as string | null } };
  const loaded = [];
  for (const arg of inputs) loaded.push(await loadProfile(arg, command, fetch));
  const names = loaded.map((l) => l.input);
  const profile =
    loaded.length === 1
      ? loaded[0]!.profile
      : mergeProfiles(
          loaded.map((l) => l.profile),
          names,
        );
  if (opts.base === undefined) return { profile, inputs: names };
  return { profile, inputs: names, base: (await loadProfile(opts.base, command, fetch)).profile };
}
