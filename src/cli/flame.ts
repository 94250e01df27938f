// goscope flame <profile>... -o flame.html | --format speedscope | --format folded
import path from 'node:path';
import { UsageError, UserError } from '../errors.js';
import type { Profile } from '../formats/pprof/index.js';
import { encodeFolded } from '../formats/folded.js';
import { encodeSpeedscope } from '../formats/speedscope.js';
import { sampleStacks } from '../analysis/profile/stacks.js';
import { buildFlameTree, flameNodeCount, type FlameStack } from '../shared/flame-tree.js';
import { flameSectionHtml, htmlPage } from '../report/html.js';
import { mergeProfiles } from '../analysis/profile/merge.js';
import { parseArgs } from './args.js';
import { note, write, writeData, writeOutput, type Io } from './common.js';
import { clean } from '../report/term.js';
import { loadProfile, printFilterWarnings, timeoutFlag, VIEW_FLAGS, VIEW_HELP, viewOptions } from './profile-input.js';
import type { TopOptions } from '../analysis/profile/top.js';

export const FLAME_HELP = `usage: goscope flame <profile>... [-o flame.html] [--format html|speedscope|folded] [flags]

Writes a flame graph of a profile. The HTML file is self-contained (opens offline): click
a frame to zoom, the breadcrumb to zoom out, search (highlights matches and sums them),
hover for self and total, and a callers/callees (sandwich) view of one function. With
--diff-base, frames are coloured by change (red grew, blue shrank).
<profile> is a .pb.gz file, a profile URL or - (several are merged).

flags:
  -o, --output FILE  where to write (default flame.html for html, stdout otherwise; - for stdout)
  --format F         html (default), speedscope (speedscope.app JSON), folded (a;b;c 123 lines)
  --diff-base P      colour by the change from profile P (html only)
  --normalize        scale the new profile to the base's total first (as pprof)
  --title T          page title (default: the profile's file name and sample type)
${VIEW_HELP.split('\n').filter((l) => !/granularity|nodecount|nodefraction|hide rows|show at most|files, lines/.test(l)).join('\n')}
  --timeout D        deadline of each whole request for URLs, body included (default 30s)
  --out DIR          capture folder for fetched profiles

exit codes: 0 ok, 1 failure, 2 usage`;

const FLAGS = {
  ...VIEW_FLAGS,
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  'diff-base': { type: 'string' },
  normalize: { type: 'boolean' },
  title: { type: 'string' },
  timeout: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Format = 'html' | 'speedscope' | 'folded';

export interface FlameInput {
  stacks: FlameStack[];
  base?: FlameStack[];
  sampleType: string;
  unit: string;
  /** pprof's notes about the filters ("Focus expression matched no samples"). */
  warnings: string[];
}

/** Stacks of the shown sample type, with the base's for a diff. */
export function flameInput(profile: Profile, view: TopOptions, base?: Profile, normalize = false): FlameInput {
  const cur = sampleStacks(profile, view);
  const st = cur.sampleType;
  if (!base) return { stacks: cur.stacks, sampleType: st.type, unit: st.unit, warnings: cur.warnings };
  const b = sampleStacks(base, { ...view, sampleIndex: st.type });
  if (b.sampleType.unit !== st.unit) throw new UserError(`base profile's ${st.type} is in ${b.sampleType.unit}, the new one's in ${st.unit}: not comparable`);
  let stacks = cur.stacks;
  if (normalize) {
    // As pprof's -normalize: the new profile is scaled to the base's total.
    const sum = (xs: FlameStack[]) => xs.reduce((a, s) => a + s.value, 0);
    const nc = sum(stacks);
    const f = nc === 0 ? 1 : sum(b.stacks) / nc;
    stacks = stacks.map((s) => ({ frames: s.frames, value: s.value * f }));
  }
  // pprof filters the base and the new profile together: a filter matched nothing only if it matched nothing in either.
  const warnings = cur.warnings.filter((w) => b.warnings.includes(w));
  return { stacks, base: b.stacks, sampleType: st.type, unit: st.unit, warnings };
}

/** A whole flame graph page for one input (a diff when it has a base). */
export function flamePage(input: FlameInput, title: string): { html: string; nodes: number } {
  const tree = buildFlameTree(input.stacks, input.base ? { base: input.base } : undefined);
  return { html: htmlPage({ title, body: flameSectionHtml({ id: 'flame', title, unit: input.unit, sampleType: input.sampleType, tree }) }), nodes: flameNodeCount(tree) };
}

export async function flameCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS, 'flame');
  if (flags.help) {
    write(io, FLAME_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('flame: expected at least one profile (a file, a profile URL or -); see goscope flame --help');
  const format = (typeof flags.format === 'string' ? flags.format : 'html') as Format;
  if (!['html', 'speedscope', 'folded'].includes(format)) throw new UsageError(`--format: expected html, speedscope or folded, got "${format}"`);
  for (const f of ['granularity', 'nodecount', 'nodefraction'] as const) {
    if (flags[f] !== undefined) throw new UsageError(`flame: --${f} does not apply to flame graphs (they show every function)`);
  }
  const baseArg = typeof flags['diff-base'] === 'string' ? flags['diff-base'] : undefined;
  if (baseArg !== undefined && format !== 'html') throw new UsageError(`flame: --diff-base needs --format html (${format} has no notion of a base)`);
  if (flags.normalize && baseArg === undefined) throw new UsageError('flame: --normalize needs --diff-base');
  const view = viewOptions(flags);
  const fetch = { timeoutMs: timeoutFlag(flags), outDir: typeof flags.out === 'string' ? flags.out : undefined, dir: { path: null as string | null } };
  const loaded = [];
  for (const a of positionals) loaded.push(await loadProfile(a, 'flame', fetch));
  const profile = loaded.length === 1 ? loaded[0]!.profile : mergeProfiles(loaded.map((l) => l.profile), loaded.map((l) => l.input));
  const base = baseArg !== undefined ? (await loadProfile(baseArg, 'flame', fetch)).profile : undefined;
  const input = flameInput(profile, view, base, !!flags.normalize);
  printFilterWarnings(io, input.warnings);

  const output = typeof flags.output === 'string' ? flags.output : format === 'html' ? 'flame.html' : '-';
  let text: string;
  let nodes = 0;
  if (format === 'folded') text = encodeFolded(input.stacks);
  else if (format === 'speedscope') text = encodeSpeedscope(input.stacks, { name: positionals.join(' + ') + ` (${input.sampleType})`, unit: input.unit });
  else {
    const title = typeof flags.title === 'string' ? flags.title : `${positionals.map((p) => path.basename(p)).join(' + ')} · ${input.sampleType}${base ? ' (diff)' : ''}`;
    ({ html: text, nodes } = flamePage(input, title));
  }
  if (output === '-') {
    writeData(io, text);
    return 0;
  }
  await writeOutput(output, text);
  note(io, `wrote ${clean(output)}${nodes ? ` (${nodes.toLocaleString('en-US')} frames)` : ''}`);
  return 0;
}
