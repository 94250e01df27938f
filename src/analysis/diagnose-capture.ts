// From one diagnose capture (the files of a run, live or read back from its folder) to
// the diagnosis: goroutine series and the members of the debug=2 dumps, decoded
// profiles, the deltas of the windowed pairs, the trace, and a note for every capture or
// step that did not work. Nothing here fetches: the bytes come with the capture, the
// dumps and the trace are streamed through `open`, and `keepDelta` stores a delta where
// the caller wants it (the capture folder), so a live run and an offline one on its
// folder compute the same thing from the same files.
import { UserError } from '../errors.js';
import { fromBuffer, type Chunks } from '../formats/input.js';
import { decodeProfile, encodeProfile, type Profile } from '../formats/pprof/index.js';
import { unreadableDump, withSavedTo } from '../formats/reply.js';
import { diagnose, type DiagnosedKind, type DiagnoseInput, type Diagnosis, type ProfileInput } from './diagnose.js';
import { buildFlameTree, type FlameTree } from '../shared/flame-tree.js';
import type { GoroutineGroup } from './goroutines/group.js';
import type { LeakSample } from './goroutines/leak.js';
import { followedIds, type MemberDump } from './goroutines/members.js';
import { readSnapshot } from './goroutines/snapshot.js';
import { deltaProfile } from './profile/delta.js';
import { selectSampleIndex } from './profile/sample-index.js';
import { sampleStacks } from './profile/stacks.js';
import { analyseTraceStream } from './trace/stream.js';

interface Fetched {
  path: string;
  /** Where it was fetched from ('' when not known): what a failure to read it names. */
  url?: string;
  requestedAt: Date;
  fetchedAt: Date;
}

interface WithBytes extends Fetched {
  bytes: Uint8Array;
}

interface Streamed extends Fetched {
  size: number;
}

/** The name a capture is read under: its URL (a failure then adds where it was saved), else its file. */
function nameOf(c: Fetched): string {
  return c.url || c.path;
}

/** The first bytes of a stream (at least 4 KiB when it has them), for saying what a reply was. */
async function headOf(chunks: Chunks): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of chunks) {
    parts.push(c);
    n += c.length;
    if (n >= 4096) break;
  }
  return Buffer.concat(parts);
}

/** What a diagnose run captured (collect/plan.ts's CaptureSet has this shape). */
export interface DiagnoseCapture {
  seconds: number;
  cpu?: WithBytes;
  heap?: WithBytes;
  allocs: { older?: WithBytes; newer?: WithBytes };
  mutex: { older?: WithBytes; newer?: WithBytes };
  block: { older?: WithBytes; newer?: WithBytes };
  /** debug=0 goroutine snapshots in time order. */
  goroutines: readonly WithBytes[];
  goroutineFirstDump?: Streamed;
  goroutineDump?: Streamed;
  leakProfile?: WithBytes;
  /** The execution trace, streamed from its file. */
  trace?: Streamed;
  status: Record<string, { state: 'ok' | 'disabled' | 'failed'; message?: string }>;
}

/** A capture that was disabled or failed, or a step of the analysis that failed. */
export interface DiagnoseNote {
  kind: string;
  state: 'disabled' | 'failed';
  message: string;
}

export interface DiagnoseFlame {
  kind: string;
  sampleType: string;
  unit: string;
  file?: string;
  tree: FlameTree;
}

/** One debug=2 dump the leak verdict followed goroutines in. */
export interface FollowedDump {
  file: string;
  /** Seconds since the first goroutine snapshot. */
  offsetSeconds: number;
  goroutines: number;
  truncated: boolean;
}

export interface CaptureAnalysis {
  diagnosis: Diagnosis;
  notes: DiagnoseNote[];
  flames: DiagnoseFlame[];
  /** Goroutines per debug=0 snapshot. */
  goroutineTotals: number[];
  /** The debug=2 dumps read, first one first. */
  dumps: FollowedDump[];
  /** Where `keepDelta` stored each delta, in order. */
  deltaFiles: string[];
  /** Anything was read: a profile, a goroutine snapshot or dump, or the trace. */
  usable: boolean;
}

export interface CaptureIo {
  /** Streams a saved file. */
  open(path: string): Chunks;
  /** Stores a delta profile (gzipped .pb.gz bytes) as `<kind>.delta.pb.gz`; returns its path. */
  keepDelta(kind: string, bytes: Uint8Array): Promise<string>;
  /** Progress, e.g. "analysing the trace…". */
  onStep?(step: string): void;
}

const WINDOWED: readonly ('allocs' | 'mutex' | 'block')[] = ['allocs', 'mutex', 'block'];

/** A warning instead of an abort: one broken capture must not lose the others' findings. */
function guard<T>(notes: DiagnoseNote[], kind: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    notes.push({ kind, state: 'failed', message: e.message });
    return undefined;
  }
}

async function guarded<T>(notes: DiagnoseNote[], kind: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    notes.push({ kind, state: 'failed', message: e.message });
    return undefined;
  }
}

/** A goroutine profile held in memory (a debug=0 snapshot, the goroutineleak profile). */
function readBytes(c: WithBytes) {
  return readSnapshot(fromBuffer(c.bytes), nameOf(c)).catch((e: unknown) => {
    throw unreadableDump(e, nameOf(c), c.path, c.bytes, c.bytes.length);
  });
}

export async function analyseCapture(set: DiagnoseCapture, io: CaptureIo): Promise<CaptureAnalysis> {
  const notes: DiagnoseNote[] = [];

  // Goroutine series: times relative to the first snapshot.
  const taken: LeakSample[] = [];
  const totals: number[] = [];
  const t0 = set.goroutines[0]?.fetchedAt.getTime() ?? 0;
  for (const g of set.goroutines) {
    const r = await guarded(notes, 'goroutine', () => readBytes(g));
    if (!r) continue;
    taken.push({ t: g.fetchedAt.getTime() - t0, groups: r.groups });
    totals.push(r.total);
  }
  // The two debug=2 dumps: members followed from the first to the last; states, wait
  // minutes and creators from the last.
  const members: MemberDump[] = [];
  const dumps: FollowedDump[] = [];
  let detail: GoroutineGroup[] | undefined;
  for (const d of [set.goroutineFirstDump, set.goroutineDump]) {
    if (!d) continue;
    const t = d.requestedAt.getTime() - t0;
    const r = await guarded(notes, 'goroutine-dump', () =>
      readSnapshot(io.open(d.path), nameOf(d), { partial: true, members: { t, follow: followedIds(members) } }).catch(async (e: unknown) => {
        throw unreadableDump(e, nameOf(d), d.path, await headOf(io.open(d.path)), d.size);
      }),
    );
    if (!r) continue;
    members.push(r.members!);
    dumps.push({ file: d.path, offsetSeconds: t / 1000, goroutines: r.total, truncated: r.info.truncated });
    if (d === set.goroutineDump) detail = r.groups;
  }
  let leakProfile: GoroutineGroup[] | null = null;
  if (set.leakProfile) {
    const lp = set.leakProfile;
    leakProfile = (await guarded(notes, 'goroutineleak', () => readBytes(lp)))?.groups ?? null;
  }

  // Profiles: decode, subtract the windowed pairs, keep each delta on disk too.
  const inputs: ProfileInput[] = [];
  const flames: DiagnoseFlame[] = [];
  const deltaFiles: string[] = [];
  const decode = (c: WithBytes): Profile => {
    try {
      return decodeProfile(c.bytes, nameOf(c));
    } catch (e) {
      throw withSavedTo(e, c.path);
    }
  };
  const decoded = (kind: string, c: WithBytes | undefined): Profile | undefined => (c ? guard(notes, kind, () => decode(c)) : undefined);
  const add = (kind: DiagnosedKind, p: Profile | undefined, windowSeconds: number | null, file: string | undefined) => {
    if (!p) return;
    const sampleIndex = selectSampleIndex(p);
    inputs.push({ kind, profile: p, sampleIndex, windowSeconds });
    const st = sampleStacks(p, {});
    flames.push({ kind, sampleType: st.sampleType.type, unit: st.sampleType.unit, file, tree: buildFlameTree(st.stacks) });
  };
  const cpu = decoded('cpu', set.cpu);
  add('cpu', cpu, cpu && Number(cpu.durationNanos) > 0 ? Number(cpu.durationNanos) / 1e9 : set.seconds, set.cpu?.path);
  add('heap', decoded('heap', set.heap), null, set.heap?.path);
  for (const kind of WINDOWED) {
    const pair = set[kind];
    if (set.status[kind]?.state !== 'ok' || !pair.older || !pair.newer) continue;
    const older = decoded(kind, pair.older);
    const newer = decoded(kind, pair.newer);
    if (!older || !newer) continue;
    const delta = guard(notes, kind, () => deltaProfile(older, newer));
    if (!delta) continue;
    const file = await io.keepDelta(kind, encodeProfile(delta, { gzip: true }));
    deltaFiles.push(file);
    const window = (pair.newer.fetchedAt.getTime() - pair.older.fetchedAt.getTime()) / 1000;
    add(kind, delta, window, file);
  }
  const last = set.goroutines[set.goroutines.length - 1];
  const lastProfile = decoded('goroutine', last);
  if (lastProfile) {
    const st = sampleStacks(lastProfile, {});
    flames.push({ kind: 'goroutine', sampleType: st.sampleType.type, unit: st.sampleType.unit, file: last!.path, tree: buildFlameTree(st.stacks) });
  }

  // The execution trace: one streaming pass, no timeline (the report shows verdicts and
  // blocking flame graphs; goscope trace on trace.out gives the rest).
  let trace: DiagnoseInput['trace'];
  if (set.trace) {
    io.onStep?.('analysing the trace…');
    const tr = set.trace;
    trace = await guarded(notes, 'trace', async () => {
      const { analysis, header } = await analyseTraceStream(io.open(tr.path), nameOf(tr)).catch((e: unknown) => {
        throw withSavedTo(e, tr.path);
      });
      return { analysis, goVersion: header.goVersion, file: tr.path };
    });
  }

  const diagnosis = diagnose({ goroutineSamples: taken, detail, leakProfile, members, profiles: inputs, trace });
  for (const [kind, s] of Object.entries(set.status)) {
    if (s.state !== 'ok') notes.push({ kind, state: s.state, message: s.message ?? '' });
  }
  const usable = inputs.length > 0 || taken.length > 0 || dumps.length > 0 || trace !== undefined;
  return { diagnosis, notes, flames, goroutineTotals: totals, dumps, deltaFiles, usable };
}
