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
import { parseArgs, parseDuration, parseInteger, parseRegex } from './args.js';
import { note, outStyle, printJson, write, type Io } from './common.js';
import { clean } from '../report/term.js';

export const GOROUTINES_HELP = `usage: goscope goroutines <source> [flags]
       goscope goroutines diff <before> <after> [flags]

Groups goroutines by stack and says why each group waits and where (the first frame in
your code). <source> is a service base URL (http://127.0.0.1:6060, pprof under
/debug/pprof), a full profile URL, a file, or - for stdin. Every dump form works:
debug=2 text, runtime.Stack output, panics and fatal errors (also inside a log),
debug=1, debug=0 pprof, the goroutineleak profile; gzipped or not.

flags:
  --similarity LEVEL  how alike stacks must be to share a group: value (default:
                      same functions and lines), function (names only), pointer
                      (also equal arguments except addresses and "?" values:
                      panicparse's default), exact (identical arguments)
  --filter REGEX      keep groups with a frame, state or label matching REGEX
  --min-count N       keep groups with at least N goroutines
  --stacks N          print full stacks for the first N groups (default 10)
  --debug 1|2         form to fetch from a service (default 2: states and wait times)
  --partial           analyse a dump cut off mid-goroutine instead of failing
  --timeout D         deadline of the whole request for URLs, body included (default 30s)
  --out DIR           capture folder for fetched dumps (default ./goscope-captures/…)
  --json              machine-readable output (schema goscope.goroutines/v1)

exit codes: 0 ok, 1 failure (unreadable input, service error), 2 usage`;

const FLAGS = {
  similarity: { type: 'string' },
  filter: { type: 'string' },
  'min-count': { type: 'string' },
  stacks: { type: 'string' },
  debug: { type: 'string' },
  partial: { type: 'boolean' },
  timeout: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  limit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function similarityFlag(v: string | boolean | undefined): Similarity {
  if (v === undefined) return DEFAULT_SIMILARITY;
  if (typeof v === 'string' && (SIMILARITIES as readonly string[]).includes(v)) return v as Similarity;
  throw new UsageError(`--similarity: expected one of ${SIMILARITIES.join(', ')}, got "${String(v)}"`);
}

export interface Snapshot {
  info: DumpInfo;
  groups: GoroutineGroup[];
  savedTo?: string;
}

/** Reads one source (fetching and saving it first if it is a URL) and groups it. */
export async function snapshot(
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

export async function goroutinesCommand(argv: string[], io: Io): Promise<number> {
  if (argv[0] === 'diff') return diffCommand(argv.slice(1), io);
  const { flags, positionals } = parseArgs(argv, FLAGS, 'goroutines');
  if (flags.help) {
    write(io, GOROUTINES_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('goroutines: expected one <source> (a URL, a file or -); see goscope goroutines --help');
  const sim = similarityFlag(flags.similarity);
  const filter = typeof flags.filter === 'string' ? parseRegex(flags.filter, 'filter') : null;
  const minCount = typeof flags['min-count'] === 'string' ? parseInteger(flags['min-count'], 'min-count', 1) : 1;
  const stacks = typeof flags.stacks === 'string' ? parseInteger(flags.stacks, 'stacks', 0) : 10;
  const debug = typeof flags.debug === 'string' ? flags.debug : '2';
  if (!['0', '1', '2'].includes(debug)) throw new UsageError(`--debug: expected 0, 1 or 2, got "${debug}"`);
  const timeoutMs = typeof flags.timeout === 'string' ? parseDuration(flags.timeout, 'timeout') : undefined;
  const snap = await snapshot(positionals[0]!, sim, {
    partial: !!flags.partial,
    debug,
    timeoutMs,
    outDir: typeof flags.out === 'string' ? flags.out : undefined,
  });
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
}

async function diffCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, FLAGS, 'goroutines diff');
  if (flags.help) {
    write(io, GOROUTINES_HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('goroutines diff: expected <before> <after>; see goscope goroutines --help');
  const sim = similarityFlag(flags.similarity);
  const limit = typeof flags.limit === 'string' ? parseInteger(flags.limit, 'limit', 1) : 30;
  const timeoutMs = typeof flags.timeout === 'string' ? parseDuration(flags.timeout, 'timeout') : undefined;
  const dir = { path: null as string | null };
  const outDir = typeof flags.out === 'string' ? flags.out : undefined;
  const debug = typeof flags.debug === 'string' ? flags.debug : '2';
  const a = await snapshot(positionals[0]!, sim, { partial: !!flags.partial, timeoutMs, outDir, dir, debug, saveAs: 'before.goroutine.txt' });
  const b = await snapshot(positionals[1]!, sim, { partial: !!flags.partial, timeoutMs, outDir, dir, debug, saveAs: 'after.goroutine.txt' });
  warnSkipped(io, a.info);
  warnSkipped(io, b.info);
  const d = diffSnapshots(a.groups, b.groups);
  if (flags.json) printJson(io, diffJson(a.info.input, b.info.input, d));
  else write(io, renderDiff(a.info.input, b.info.input, d, outStyle(io), limit));
  return 0;
}
