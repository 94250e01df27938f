// goscope top <profile>... | goscope diff <base> <new>: go tool pprof -top, same rows.
import { UsageError } from '../errors.js';
import { top } from '../analysis/profile/top.js';
import { peek } from '../analysis/profile/peek.js';
import { diffProfiles } from '../analysis/profile/diff.js';
import { peekJson, renderPeekText, renderTopText, topJson } from '../report/top.js';
import { outStyle, printJson, write, type Io } from './common.js';
import { loadProfiles, printFilterWarnings, timeoutFlag, VIEW_FLAGS, viewOptions } from './profile-flags.js';
import { defineCommand, JSON_FLAG, OUT_FLAG, TIMEOUT_FLAG, type FlagValues } from './spec.js';
import type { TopOptions } from '../analysis/profile/top.js';

const FETCH_FLAGS = {
  timeout: TIMEOUT_FLAG('deadline of each whole request for URLs, body included (default 30s)'),
  out: OUT_FLAG('capture folder for fetched profiles (default ./goscope-captures/…)'),
} as const;

export const topSpec = defineCommand({
  name: 'top',
  args: '<profile>...',
  summary: 'where the cost goes, like go tool pprof -top (same rows and numbers)',
  usage: ['top <profile>... [flags]'],
  description: `Prints where a profile's cost goes, like go tool pprof -top and with the same rows and
numbers: flat (in the function itself), cum (with everything it calls) and their shares.
<profile> is a .pb.gz file (gzipped or raw), a profile URL
(http://host:port/debug/pprof/heap) or - for stdin; several profiles are merged.`,
  flags: {
    ...VIEW_FLAGS,
    'diff-base': { type: 'string', arg: 'P', help: 'subtract profile P first (what changed: negative = less)' },
    normalize: { type: 'boolean', help: "scale the profile to the base's total before subtracting (as pprof)" },
    peek: { type: 'string', arg: 'RE', help: 'callers and callees of the functions matching RE instead' },
    ...FETCH_FLAGS,
    json: JSON_FLAG('goscope.top/v1, goscope.peek/v1'),
  },
  exits: 'exit codes: 0 ok, 1 failure (unreadable profile, service error), 2 usage',
  async run({ flags, positionals, io }) {
    if (positionals.length === 0) throw new UsageError('top: expected at least one profile (a file, a profile URL or -); see goscope top --help');
    return show(io, 'top', positionals, flags['diff-base'], flags);
  },
});

export const diffSpec = defineCommand({
  name: 'diff',
  args: '<base> <new>',
  summary: 'what changed between two profiles (go tool pprof -diff_base)',
  usage: ['diff <base> <new> [flags]'],
  description: `What changed between two profiles of the same kind: go tool pprof -top -diff_base=<base>
<new>, same rows and numbers. Positive values grew, negative values shrank. For a flame
graph of the change: goscope flame <new> --diff-base <base> -o diff.html`,
  flags: {
    ...VIEW_FLAGS,
    normalize: {
      type: 'boolean',
      help: "scale the new profile to the base's total first (compare shapes, not volumes: e.g. two CPU profiles of different lengths)",
    },
    ...FETCH_FLAGS,
    json: JSON_FLAG('goscope.top/v1'),
  },
  exits: 'exit codes: 0 ok, 1 failure, 2 usage',
  async run({ flags, positionals, io }) {
    if (positionals.length !== 2) throw new UsageError('diff: expected <base> <new> (two profiles); see goscope diff --help');
    return show(io, 'diff', [positionals[1]!], positionals[0]!, flags);
  },
});

type ShowFlags = FlagValues<typeof VIEW_FLAGS> & { normalize: boolean; peek?: string; timeout?: string; out?: string; json: boolean };

/** Loads, merges and (with a base) diffs the profiles, then prints their top or --peek. */
async function show(io: Io, command: string, inputs: readonly string[], base: string | undefined, flags: ShowFlags): Promise<number> {
  if (inputs.filter((a) => a === '-').length + (base === '-' ? 1 : 0) > 1) throw new UsageError(`${command}: stdin (-) can be read only once`);
  if (flags.normalize && base === undefined) throw new UsageError(`${command}: --normalize needs a base profile (--diff-base)`);
  const view: TopOptions = viewOptions(flags);
  const loaded = await loadProfiles(command, inputs, { base, timeoutMs: timeoutFlag(flags), outDir: flags.out });
  const profile = loaded.base ? diffProfiles(loaded.base, loaded.profile, { normalize: flags.normalize }) : loaded.profile;

  if (flags.peek !== undefined) {
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
