// goscope flame <profile>... -o flame.html | --format speedscope | --format folded
import path from 'node:path';
import { UsageError } from '../errors.js';
import { encodeFolded } from '../formats/folded.js';
import { encodeSpeedscope } from '../formats/speedscope.js';
import { flameInput } from '../analysis/flame/input.js';
import { flamePage } from '../report/flame-page.js';
import { clean } from '../report/term.js';
import { note, writeData, writeOutput } from './common.js';
import { FLAME_VIEW_FLAGS, loadProfiles, printFilterWarnings, timeoutFlag, viewOptions } from './profile-flags.js';
import { defineCommand, OUT_FLAG, TIMEOUT_FLAG } from './spec.js';

const FORMATS = ['html', 'speedscope', 'folded'] as const;
type Format = (typeof FORMATS)[number];

export const flameSpec = defineCommand({
  name: 'flame',
  args: '<profile>...',
  summary: 'flame graph: self-contained HTML, speedscope JSON or folded stacks',
  usage: ['flame <profile>... [-o flame.html] [--format html|speedscope|folded] [flags]'],
  description: `Writes a flame graph of a profile. The HTML file is self-contained (opens offline): click
a frame to zoom, the breadcrumb to zoom out, search (highlights matches and sums them),
hover for self and total, and a callers/callees (sandwich) view of one function. With
--diff-base, frames are coloured by change (red grew, blue shrank).
<profile> is a .pb.gz file, a profile URL or - (several are merged).`,
  flags: {
    output: { type: 'string', short: 'o', arg: 'FILE', help: 'where to write (default flame.html for html, stdout otherwise; - for stdout)' },
    format: { type: 'string', arg: 'F', default: 'html', help: 'html (default), speedscope (speedscope.app JSON), folded (a;b;c 123 lines)' },
    'diff-base': { type: 'string', arg: 'P', help: 'colour by the change from profile P (html only)' },
    normalize: { type: 'boolean', help: "scale the new profile to the base's total first (as pprof)" },
    title: { type: 'string', arg: 'T', help: "page title (default: the profile's file name and sample type)" },
    ...FLAME_VIEW_FLAGS,
    timeout: TIMEOUT_FLAG('deadline of each whole request for URLs, body included (default 30s)'),
    out: OUT_FLAG('capture folder for fetched profiles'),
  },
  exits: 'exit codes: 0 ok, 1 failure, 2 usage',
  async run({ flags, positionals, io }) {
    if (positionals.length === 0) throw new UsageError('flame: expected at least one profile (a file, a profile URL or -); see goscope flame --help');
    const format = flags.format as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format: expected html, speedscope or folded, got "${format}"`);
    const baseArg = flags['diff-base'];
    if (baseArg !== undefined && format !== 'html') throw new UsageError(`flame: --diff-base needs --format html (${format} has no notion of a base)`);
    if (flags.normalize && baseArg === undefined) throw new UsageError('flame: --normalize needs --diff-base');
    const view = viewOptions(flags);
    const { profile, base } = await loadProfiles('flame', positionals, { base: baseArg, timeoutMs: timeoutFlag(flags), outDir: flags.out });
    const input = flameInput(profile, view, base, flags.normalize);
    printFilterWarnings(io, input.warnings);

    const output = flags.output ?? (format === 'html' ? 'flame.html' : '-');
    let text: string;
    let nodes = 0;
    if (format === 'folded') text = encodeFolded(input.stacks);
    else if (format === 'speedscope') text = encodeSpeedscope(input.stacks, { name: positionals.join(' + ') + ` (${input.sampleType})`, unit: input.unit });
    else {
      const title = flags.title ?? `${positionals.map((p) => path.basename(p)).join(' + ')} · ${input.sampleType}${base ? ' (diff)' : ''}`;
      ({ html: text, nodes } = flamePage(input, title));
    }
    if (output === '-') {
      writeData(io, text);
      return 0;
    }
    await writeOutput(output, text);
    note(io, `wrote ${clean(output)}${nodes ? ` (${nodes.toLocaleString('en-US')} frames)` : ''}`);
    return 0;
  },
});
