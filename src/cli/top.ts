// goscope top <profile>... | goscope diff <base> <new>: go tool pprof -top, same rows.
import { UsageError } from '../errors.js';
import type { Profile } from '../formats/pprof/index.js';
import { top } from '../analysis/profile/top.js';
import { peek } from '../analysis/profile/peek.js';
import { mergeProfiles } from '../analysis/profile/merge.js';
import { diffProfiles } from '../analysis/profile/diff.js';
import { peekJson, renderPeekText, renderTopText, topJson } from '../report/top.js';
import { parseArgs } from './args.js';
import { outStyle, printJson, write, type Io } from './common.js';
import { loadProfile, printFilterWarnings, timeoutFlag, VIEW_FLAGS, VIEW_HELP, viewOptions } from './profile-input.js';

export const TOP_HELP = `usage: goscope top <profile>... [flags]

Prints where a profile's cost goes, like go tool pprof -top and with the same rows and
numbers: flat (in the function itself), cum (with everything it calls) and their shares.
<profile> is a .pb.gz file (gzipped or raw), a profile URL
(http://host:port/debug/pprof/heap) or - for stdin; several profiles are merged.

flags:
${VIEW_HELP}
  --diff-base P      subtract profile P first (what changed: negative = less)
  --normalize        scale the profile to the base's total before subtracting (as pprof)
  --peek RE          callers and callees of the functions matching RE instead
  --timeout D        deadline of each whole request for URLs, body included (default 30s)
  --out DIR          capture folder for fetched profiles (default ./goscope-captures/…)
  --json             machine-readable output (schema goscope.top/v1, goscope.peek/v1)

exit codes: 0 ok, 1 failure (unreadable profile, service error), 2 usage`;

export const DIFF_HELP = `usage: goscope diff <base> <new> [flags]

What changed between two profiles of the same kind: go tool pprof -top -diff_base=<base>
<new>, same rows and numbers. Positive values grew, negative values shrank. For a flame
graph of the change: goscope flame <new> --diff-base <base> -o diff.html

flags:
${VIEW_HELP}
  --normalize        scale the new profile to the base's total first (compare shapes,
                     not volumes: e.g. two CPU profiles of different lengths)
  --timeout D        deadline of each whole request for URLs, body included (default 30s)
  --out DIR          capture folder for fetched profiles
  --json             machine-readable output (schema goscope.top/v1)

exit codes: 0 ok, 1 failure, 2 usage`;

const FLAGS = {
  ...VIEW_FLAGS,
  'diff-base': { type: 'string' },
  normalize: { type: 'boolean' },
  peek: { type: 'string' },
  timeout: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Loads, merges and (optionally) diffs the command's profiles: the one profile to show. */
export async function profilesFor(
  command: string,
  inputs: readonly string[],
  base: string | undefined,
  normalize: boolean,
  fetch: { timeoutMs?: number; outDir?: string },
): Promise<{ profile: Profile; inputs: string[] }> {
  const dir = { path: null as string | null };
  const loaded = [];
  for (const arg of inputs) loaded.push(await loadProfile(arg, command, { ...fetch, dir }));
  const names = loaded.map((l) => l.input);
  let profile = loaded.length === 1 ? loaded[0]!.profile : mergeProfiles(loaded.map((l) => l.profile), names);
  if (base !== undefined) {
    const b = await loadProfile(base, command, { ...fetch, dir });
    profile = diffProfiles(b.profile, profile, { normalize });
  } else if (normalize) {
    throw new UsageError(`${command}: --normalize needs a base profile (--diff-base)`);
  }
  return { profile, inputs: names };
}

export async function topCommand(argv: string[], io: Io, mode: 'top' | 'diff' = 'top'): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS, mode);
  if (flags.help) {
    write(io, mode === 'top' ? TOP_HELP : DIFF_HELP);
    return 0;
  }
  let inputs = positionals;
  let base = typeof flags['diff-base'] === 'string' ? flags['diff-base'] : undefined;
  if (mode === 'diff') {
    if (positionals.length !== 2) throw new UsageError('diff: expected <base> <new> (two profiles); see goscope diff --help');
    if (base !== undefined) throw new UsageError('diff: the base is the first argument; --diff-base is for goscope top');
    if (flags.peek !== undefined) throw new UsageError('diff: --peek is for goscope top');
    base = positionals[0]!;
    inputs = [positionals[1]!];
  } else if (positionals.length === 0) {
    throw new UsageError('top: expected at least one profile (a file, a profile URL or -); see goscope top --help');
  }
  if (inputs.filter((a) => a === '-').length + (base === '-' ? 1 : 0) > 1) throw new UsageError(`${mode}: stdin (-) can be read only once`);
  const view = viewOptions(flags);
  const { profile } = await profilesFor(mode, inputs, base, !!flags.normalize, { timeoutMs: timeoutFlag(flags), outDir: typeof flags.out === 'string' ? flags.out : undefined });

  if (typeof flags.peek === 'string') {
    const report = peek(profile, flags.peek, view);
    if (flags.json) printJson(io, peekJson(report));
    else {
      write(io, renderPeekText(report, profile, outStyle(io)));
      printFilterWarnings(io, report.warnings);
    }
    return 0;
  }
  const report = top(profile, view);
  if (flags.json) printJson(io, topJson(report));
  else {
    write(io, renderTopText(report, profile, outStyle(io)));
    // JSON carries them in "warnings".
    printFilterWarnings(io, report.warnings);
  }
  return 0;
}
