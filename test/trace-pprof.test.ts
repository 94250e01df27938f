// Blocking profiles from an execution trace (src/analysis/trace/blocking.ts) against
// `go tool trace -pprof=net|sync|syscall|sched`: the trace written by testdata/go/tracegen
// is turned into the four profiles here and by Go, and both are compared through
// `go tool pprof -top` and as raw sample multisets (values + symbolized stack).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { needGo } from './support/go.js';
import { writeTracegenTrace } from './support/tracegen.js';
import { pprof, topRows } from './support/pprof.js';
import { goEnv } from './support/go.js';
import { decodeProfile, encodeProfile } from '../src/formats/pprof/index.js';
import type { Profile } from '../src/formats/pprof/profile.js';
import { orderedEvents } from '../src/formats/trace/index.js';
import { BLOCKING_KINDS, blockingProfiles, type BlockingKind } from '../src/analysis/trace/blocking.js';

let tmp = '';
const ours = new Map<BlockingKind, string>();
const theirs = new Map<BlockingKind, string>();
const ourProfiles = new Map<BlockingKind, Profile>();

before(async () => {
  if (needGo) return;
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-trace-pprof-'));
  const file = await writeTracegenTrace(tmp);
  const buf = await fsp.readFile(file);
  const profiles = blockingProfiles(orderedEvents(buf, { input: file }));
  await Promise.all(
    BLOCKING_KINDS.map(async (kind) => {
      const mine = path.join(tmp, `ours-${kind}.pb.gz`);
      await fsp.writeFile(mine, encodeProfile(profiles[kind], { gzip: true }));
      ours.set(kind, mine);
      ourProfiles.set(kind, profiles[kind]);
      const go = path.join(tmp, `go-${kind}.pb.gz`);
      const out = execFileSync('go', ['tool', 'trace', `-pprof=${kind}`, file], { env: goEnv(), maxBuffer: 256 << 20, timeout: 60_000 });
      await fsp.writeFile(go, out);
      theirs.set(kind, go);
    }),
  );
});

after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** Each sample as "count delay | func file:line; ..." (leaf first), sorted. */
function sampleMultiset(p: Profile): string[] {
  const locs = new Map(p.locations.map((l) => [String(l.id), l]));
  const fns = new Map(p.functions.map((f) => [String(f.id), f]));
  return p.samples
    .map((s) => {
      const stack = s.locationIds.map((id) => {
        const l = locs.get(String(id))!;
        return l.lines.map((ln) => {
          const f = fns.get(String(ln.functionId))!;
          return `${f.name} ${f.filename}:${ln.line} @${l.address.toString(16)}`;
        });
      });
      return `${s.values.join(' ')} | ${stack.join('; ')}`;
    })
    .sort();
}

for (const kind of BLOCKING_KINDS) {
  test(`-pprof=${kind}: go tool pprof -top rows equal Go's`, { skip: needGo }, () => {
    const want = topRows(pprof('-top', theirs.get(kind)!));
    const got = topRows(pprof('-top', ours.get(kind)!));
    assert.deepEqual(got, want);
  });

  test(`-pprof=${kind}: same sample multiset, sample types and period as Go`, { skip: needGo }, async () => {
    const go = decodeProfile(await fsp.readFile(theirs.get(kind)!), theirs.get(kind)!);
    const mine = ourProfiles.get(kind)!;
    assert.deepEqual(mine.sampleTypes, go.sampleTypes);
    assert.deepEqual(mine.periodType, go.periodType);
    assert.equal(String(mine.period), String(go.period));
    assert.deepEqual(sampleMultiset(mine), sampleMultiset(go));
  });
}

test('the tracegen trace exercises every kind', { skip: needGo }, () => {
  for (const kind of BLOCKING_KINDS) assert.ok(ourProfiles.get(kind)!.samples.length > 0, `${kind} has samples`);
});
