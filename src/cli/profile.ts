// goscope profile <service> --type T: capture one profile, save it, show its top.
import { UsageError, UserError } from '../errors.js';
import { resolveSource, serviceBase } from '../collect/source.js';
import { sessionDir } from '../collect/acquire.js';
import { captureProfile, enableHint, profileEnabled, type ProfileType } from '../collect/profiles.js';
import { decodeProfile, encodeProfile } from '../formats/pprof/index.js';
import { deltaProfile } from '../analysis/profile/delta.js';
import { top } from '../analysis/profile/top.js';
import { renderTopText, topJson } from '../report/top.js';
import { progress } from '../report/progress.js';
import { saveCapture } from '../collect/capture.js';
import { flameInput } from '../analysis/flame/input.js';
import { flamePage } from '../report/flame-page.js';
import { clean } from '../report/term.js';
import { parseDuration } from './args.js';
import { note, outStyle, printJson, wantsProgress, write, writeOutput } from './common.js';
import { printFilterWarnings, timeoutFlag, VIEW_FLAGS, viewOptions } from './profile-flags.js';
import { defineCommand, JSON_FLAG, OUT_FLAG, TIMEOUT_FLAG, type FlagDefs, type Invocation } from './spec.js';

const TYPES: readonly ProfileType[] = ['cpu', 'heap', 'allocs', 'goroutine', 'mutex', 'block', 'threadcreate'];
const CUMULATIVE = new Set<ProfileType>(['allocs', 'mutex', 'block']);

const PROFILE_FLAGS = {
  type: { type: 'string', arg: 'T', default: 'cpu', help: 'one of the types above' },
  seconds: { type: 'string', arg: 'N', help: 'capture window (cpu default 10; allocs/mutex/block: delta window)' },
  html: { type: 'string', short: 'o', arg: 'FILE', help: 'also write a flame graph of the profile' },
  ...VIEW_FLAGS,
  timeout: TIMEOUT_FLAG('deadline of the whole request, body included (default 30s; the CPU request adds --seconds)'),
  out: OUT_FLAG(),
  json: JSON_FLAG('goscope.top/v1 plus captured files'),
} as const satisfies FlagDefs;

export const profileSpec = defineCommand({
  name: 'profile',
  args: '<service-url> --type T',
  summary: 'capture one profile (cpu, heap, allocs, mutex, block, …) and show its top',
  usage: ['profile <service-url> --type T [--seconds N] [flags]'],
  description: `Captures one profile from a service's net/http/pprof, saves it (standard .pb.gz) in the
capture folder, and prints its top like go tool pprof -top.`,
  before: [
    `types:
  cpu           CPU for --seconds (default 10)
  heap          memory in use now (and allocated since start)
  allocs        allocations: with --seconds, only those made during that window
                (goscope takes two snapshots and subtracts; Go's own seconds= is not used)
  mutex, block  lock contention and blocking (with --seconds: during that window);
                empty until the service enables them, which goscope detects and explains
  goroutine     goroutines by stack (goscope goroutines shows more)
  threadcreate  stacks that created OS threads`,
  ],
  flags: PROFILE_FLAGS,
  exits: 'exit codes: 0 ok, 1 failure (unreachable service, disabled or missing profile), 2 usage',
  run: profile,
});

async function profile({ flags, positionals, io }: Invocation<typeof PROFILE_FLAGS>): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('profile: expected one <service-url>, e.g. http://127.0.0.1:6060; see goscope profile --help');
  const type = flags.type as ProfileType;
  if (!TYPES.includes(type)) throw new UsageError(`--type: expected one of ${TYPES.join(', ')}, got "${type}"`);
  let seconds: number | undefined;
  if (flags.seconds !== undefined) {
    seconds = parseDuration(flags.seconds, 'seconds') / 1000;
    if (seconds < 1) throw new UsageError('--seconds: at least 1');
    if (!CUMULATIVE.has(type) && type !== 'cpu')
      throw new UsageError(`--seconds: a ${type} profile is a snapshot; a window applies to cpu, allocs, mutex and block`);
  }
  if (type === 'cpu') seconds ??= 10;
  const source = resolveSource(positionals[0]!);
  if (source.kind === 'file' || source.kind === 'stdin')
    throw new UsageError(`profile: ${source.input} is not a live service (for a saved profile use goscope top ${source.input})`);
  const base = serviceBase(source);
  const view = viewOptions(flags);
  const json = flags.json;
  const timeoutMs = timeoutFlag(flags);
  const dir = await sessionDir(source, { path: null }, flags.out);
  const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });

  if (type === 'mutex' || type === 'block') {
    const enabled = await profileEnabled(base, type, { timeoutMs });
    if (enabled === false) {
      prog.done();
      throw new UserError(`${base.href}: the ${type} profile is disabled in this service: add ${enableHint(type)} at startup`);
    }
  }

  const files: string[] = [];
  let profile;
  try {
    if (type === 'cpu') {
      const c = await captureProfile(base, 'cpu', { dir, seconds, timeoutMs, onTick: (left) => prog.update(`CPU profile: ${left}s left`) });
      files.push(c.path);
      profile = decodeProfile(c.bytes, c.path);
    } else if (seconds !== undefined) {
      const first = await captureProfile(base, type, { dir, name: `${type}.1.pb.gz`, timeoutMs });
      files.push(first.path);
      for (let left = seconds; left > 0; left--) {
        prog.update(`${type}: second snapshot in ${left}s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const second = await captureProfile(base, type, { dir, name: `${type}.2.pb.gz`, timeoutMs });
      files.push(second.path);
      profile = deltaProfile(decodeProfile(first.bytes, first.path), decodeProfile(second.bytes, second.path));
      files.push(await saveCapture(dir, `${type}.delta.pb.gz`, encodeProfile(profile, { gzip: true })));
    } else {
      const c = await captureProfile(base, type, { dir, timeoutMs });
      files.push(c.path);
      profile = decodeProfile(c.bytes, c.path);
    }
  } finally {
    prog.done();
  }

  if (flags.html !== undefined) {
    const input = flameInput(profile, view);
    await writeOutput(flags.html, flamePage(input, `${base.host} · ${type} · ${input.sampleType}`).html);
  }
  const report = top(profile, view);
  if (json) printJson(io, { ...topJson(report), captureDir: dir, files });
  else {
    write(io, renderTopText(report, profile, outStyle(io)));
    printFilterWarnings(io, report.warnings);
    note(io, `saved ${files.map(clean).join(', ')}${flags.html !== undefined ? `; flame graph in ${clean(flags.html)}` : ''}`);
  }
  return 0;
}
