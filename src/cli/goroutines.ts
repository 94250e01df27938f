// goscope goroutines <source> | goscope goroutines diff <before> <after>
import { stat } from 'node:fs/promises';
import { FormatError, UsageError } from '../errors.js';
import { groupFile } from './group-file.js';
import { acquire } from '../collect/acquire.js';
import { resolveSource } from '../collect/source.js';
import { parseGoroutines } from '../formats/goroutines/parse.js';
import { readHead } from '../collect/reply.js';
import { unreadableDump } from '../formats/reply.js';
import type { DumpInfo } from '../formats/goroutines/model.js';
import { DEFAULT_SIMILARITY, Grouper, SIMILARITIES, type GoroutineGroup, type Similarity } from '../analysis/goroutines/group.js';
import { diffSnapshots } from '../analysis/goroutines/diff.js';
import { waitText } from '../analysis/goroutines/classify.js';
import { diffJson, goroutinesJson, renderDiff, renderGroups, skippedWarning } from '../report/goroutines.js';
import { parseDuration, parseInteger, parseRegex } from './args.js';
import { note, outStyle, printJson, write, type Io } from './common.js';
import { defineCommand, JSON_FLAG, OUT_FLAG, TIMEOUT_FLAG } from './spec.js';
import { clean } from '../report/term.js';

function similarityFlag(v: string): Similarity {
  if ((SIMILARITIES as readonly string[]).includes(v)) return v as Similarity;
  throw new UsageError(`--similarity: expected one of ${SIMILARITIES.join(', ')}, got "${String(v)}"`);
}

interface Snapshot {
  info: DumpInfo;
  groups: GoroutineGroup[];
  savedTo?: string;
}

/** Reads one source (fetching and saving it first if it is a URL) and groups it. */
async function snapshot(
  arg: string,
  sim: Similarity,
  opts: { partial?: boolean; debug?: string; timeoutMs?: number; outDir?: string; saveAs?: string; dir?: { path: string | null } },
): Promise<Snapshot> {
  const source = resolveSource(arg);
  const debug = opts.debug ?? '2';
  const acq = await acquire(source, {
    profile: 'goroutine',
    params: { debug },
    saveAs: opts.saveAs ?? (debug === '0' ? 'goroutine.pb.gz' : `goroutine.debug${debug}.txt`),
    timeoutMs: opts.timeoutMs,
    limit: 'dump',
    outDir: opts.outDir,
    dir: opts.dir,
  });
  const parse = { allowPartial: opts.partial, args: sim === 'pointer' || sim === 'exact' };
  try {
    // A regular file (or a saved capture) can be split across cores; a FIFO or a
    // process substitution (<(cat dump)) has no size and is read as a stream.
    const st = acq.path ? await stat(acq.path) : null;
    if (acq.path && st?.isFile()) {
      const { info, groups } = await groupFile(acq.path, acq.input, st.size, sim, parse);
      return { info, groups, savedTo: acq.savedTo };
    }
    const grouper = new Grouper(sim);
    const info = await parseGoroutines(acq.chunks, acq.input, (g) => grouper.add(g), parse);
    return { info, groups: grouper.groups(), savedTo: acq.savedTo };
  } catch (e) {
    if (acq.savedTo && e instanceof FormatError) {
      // A service answered 2xx with something else: say what, as profile and trace do.
      const { head, size } = await readHead(acq.savedTo);
      throw unreadableDump(e, acq.input, acq.savedTo, head, size);
    }
    throw e;
  }
}

/** Lines a lenient read had to skip are never silent: one line on stderr (the output stays clean for pipes and --json). */
function warnSkipped(io: Io, info: DumpInfo): void {
  const w = skippedWarning(info);
  if (w) note(io, `goscope: ${w}`);
}

function matches(g: GoroutineGroup, re: RegExp): boolean {
  if (re.test(g.state) || re.test(waitText(g))) return true;
  for (const f of g.frames) if (re.test(f.func) || re.test(f.file)) return true;
  if (g.createdBy && re.test(g.createdBy.func)) return true;
  for (const [k, vs] of Object.entries(g.labels)) for (const v of vs) if (re.test(`${k}=${v}`)) return true;
  return false;
}

const SHARED = {
  similarity: {
    type: 'string',
    arg: 'LEVEL',
    default: DEFAULT_SIMILARITY,
    help: 'how alike stacks must be to share a group: value (default: same functions and lines), function (names only), pointer (also equal arguments except addresses and "?" values: panicparse\'s default), exact (identical arguments)',
  },
  debug: { type: 'string', arg: '0|1|2', default: '2', help: 'form to fetch from a service (default 2: states and wait times)' },
  partial: { type: 'boolean', help: 'analyse a dump cut off mid-goroutine instead of failing' },
  timeout: TIMEOUT_FLAG('deadline of the whole request for URLs, body included (default 30s)'),
  out: OUT_FLAG('capture folder for fetched dumps (default ./goscope-captures/…)'),
} as const;

function debugFlag(debug: string): string {
  if (!['0', '1', '2'].includes(debug)) throw new UsageError(`--debug: expected 0, 1 or 2, got "${debug}"`);
  return debug;
}

export const goroutinesSpec = defineCommand({
  name: 'goroutines',
  args: '<source>',
  summary: 'group goroutines by stack: why they wait, where, who made them',
  usage: ['goroutines <source> [flags]', 'goroutines diff <before> <after> [flags]   (see goscope goroutines diff --help)'],
  description: `Groups goroutines by stack and says why each group waits and where (the first frame in
your code). <source> is a service base URL (http://127.0.0.1:6060, pprof under
/debug/pprof), a full profile URL, a file, or - for stdin. Every dump form works:
debug=2 text, runtime.Stack output, panics and fatal errors (also inside a log),
debug=1, debug=0 pprof, the goroutineleak profile; gzipped or not.`,
  flags: {
    similarity: SHARED.similarity,
    filter: { type: 'string', arg: 'REGEX', help: 'keep groups with a frame, state or label matching REGEX' },
    'min-count': { type: 'string', arg: 'N', default: '1', help: 'keep groups with at least N goroutines' },
    stacks: { type: 'string', arg: 'N', default: '10', help: 'print full stacks for the first N groups' },
    debug: SHARED.debug,
    partial: SHARED.partial,
    timeout: SHARED.timeout,
    out: SHARED.out,
    json: JSON_FLAG('goscope.goroutines/v1'),
  },
  exits: 'exit codes: 0 ok, 1 failure (unreadable input, service error), 2 usage',
  async run({ flags, positionals, io }) {
    if (positionals.length !== 1) throw new UsageError('goroutines: expected one <source> (a URL, a file or -); see goscope goroutines --help');
    const sim = similarityFlag(flags.similarity);
    const filter = flags.filter !== undefined ? parseRegex(flags.filter, 'filter') : null;
    const minCount = parseInteger(flags['min-count'], 'min-count', 1);
    const stacks = parseInteger(flags.stacks, 'stacks', 0);
    const debug = debugFlag(flags.debug);
    const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, 'timeout') : undefined;
    const snap = await snapshot(positionals[0]!, sim, { partial: flags.partial, debug, timeoutMs, outDir: flags.out });
    warnSkipped(io, snap.info);
    const shown = snap.groups.filter((g) => g.count >= minCount && (!filter || matches(g, filter)));
    const shownTotal = shown.reduce((s, g) => s + g.count, 0);
    if (flags.json) {
      printJson(io, { ...goroutinesJson(snap.info, shown, sim, shownTotal), savedTo: snap.savedTo ?? null });
    } else {
      write(io, renderGroups(snap.info, shown, sim, outStyle(io), { stacks, totalGroups: snap.groups.length }));
      if (snap.savedTo) write(io, `saved ${clean(snap.savedTo)}`);
    }
    return 0;
  },
});

export const goroutinesDiffSpec = defineCommand({
  name: 'goroutines diff',
  args: '<before> <after>',
  summary: 'what changed between two goroutine snapshots',
  usage: ['goroutines diff <before> <after> [flags]'],
  description: `What changed between two goroutine snapshots: groups (by stack, as goscope goroutines
makes them) that appeared, vanished, grew or shrank, largest change first. <before> and
<after> are each a service base URL, a full profile URL, a file or - (one of them), in
any dump form; the two may differ in form (a debug=2 dump and a debug=0 profile).`,
  flags: {
    similarity: SHARED.similarity,
    limit: { type: 'string', arg: 'N', default: '30', help: 'list at most N changed groups (default 30; --json lists them all)' },
    debug: SHARED.debug,
    partial: SHARED.partial,
    timeout: SHARED.timeout,
    out: SHARED.out,
    json: JSON_FLAG('goscope.goroutines-diff/v1'),
  },
  exits: 'exit codes: 0 ok, 1 failure (unreadable input, service error), 2 usage',
  async run({ flags, positionals, io }) {
    if (positionals.length !== 2) throw new UsageError('goroutines diff: expected <before> <after>; see goscope goroutines diff --help');
    const sim = similarityFlag(flags.similarity);
    const limit = parseInteger(flags.limit, 'limit', 1);
    const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, 'timeout') : undefined;
    const dir = { path: null as string | null };
    const debug = debugFlag(flags.debug);
    const opts = { partial: flags.partial, timeoutMs, outDir: flags.out, dir, debug };
    const a = await snapshot(positionals[0]!, sim, { ...opts, saveAs: 'before.goroutine.txt' });
    const b = await snapshot(positionals[1]!, sim, { ...opts, saveAs: 'after.goroutine.txt' });
    warnSkipped(io, a.info);
    warnSkipped(io, b.info);
    const d = diffSnapshots(a.groups, b.groups);
    if (flags.json) printJson(io, diffJson(a.info.input, b.info.input, d));
    else write(io, renderDiff(a.info.input, b.info.input, d, outStyle(io), limit));
    return 0;
  },
});
