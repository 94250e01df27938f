// The persistence rule of the leak verdict (analysis/goroutines/members.ts) on real dumps
// (testdata/go/persist, with the local Go and Go 1.27): goroutines that stay blocked
// where they are while the GC moves their stacks persist; workers back at the same line
// with a new job, and goroutines replaced by others at the same place, do not. Then the
// verdicts analyzeLeaks draws from it, with controlled count series on those groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fromBuffer } from '../src/formats/input.js';
import { readSnapshot } from '../src/analysis/goroutines/snapshot.js';
import { followedIds, persistence, sameWait, type MemberDump } from '../src/analysis/goroutines/members.js';
import { analyzeLeaks, type LeakSample } from '../src/analysis/goroutines/leak.js';
import type { GoroutineGroup } from '../src/analysis/goroutines/group.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildGo, needGo, newerGoUnavailable, NEWER_GO, repoRoot, type Toolchain } from './support/go.js';

const run = promisify(execFile);

async function dumps(toolchain: Toolchain): Promise<{ first: string; second: string }> {
  const bin = await buildGo('testdata/go/persist', toolchain === 'local' ? {} : { toolchain, goDirective: '1.27' });
  const { stdout } = await run(bin, [], { timeout: 60_000, maxBuffer: 16 << 20, env: { PATH: process.env.PATH ?? '' } });
  const [first, second] = stdout.split('=== second dump ===\n');
  assert.ok(first && second, 'two dumps');
  return { first, second };
}

async function read(text: string, t: number, earlier: MemberDump[]) {
  return readSnapshot(fromBuffer(Buffer.from(text)), `dump at ${t}`, { members: { t, follow: followedIds(earlier) } });
}

/** Argument text of every goroutine in `fn` (leaf frame), by id. */
function argsById(text: string, fn: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const g of text.split('\n\n')) {
    const id = /^goroutine (\d+) /.exec(g)?.[1];
    const m = new RegExp(`\\n${fn.replace(/[.*()]/g, '\\$&')}\\(([^)]*)\\)\\n`).exec(g);
    if (id && m) out.set(Number(id), m[1]!);
  }
  return out;
}

for (const toolchain of ['local', NEWER_GO] as const) {
  test(`persistence on real dumps (${toolchain === 'local' ? 'local Go' : toolchain})`, { skip: needGo, timeout: 600_000 }, async (t) => {
    if (toolchain !== 'local') {
      const why = newerGoUnavailable();
      if (why) return t.skip(why);
    }
    const { first, second } = await dumps(toolchain);
    const a = await read(first, 0, []);
    const b = await read(second, 5000, [a.members!]);
    const key = (fn: string) => {
      const g = a.groups.find((x) => x.blockingSite?.func === fn);
      assert.ok(g, `${fn} in the first dump`);
      return g.stackKey;
    };

    // Blocked all along: the same ids, the same place, arguments equal up to a stack move.
    const stay = persistence(key('main.waitForever'), [a.members!, b.members!])!;
    assert.deepEqual({ ...stay, fromMs: 0, toMs: 0 }, { fromMs: 0, toMs: 0, before: 4, after: 4, followed: 4, stayed: 4, returned: 0, gone: 0, persists: true, truncated: false });
    assert.deepEqual([stay.fromMs, stay.toMs], [0, 5000]);
    // The GC did move those stacks: the pointer arguments changed, by multiples of 2 KiB.
    const before = argsById(first, 'main.waitForever');
    const after = argsById(second, 'main.waitForever');
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    const moved = [...before].filter(([id, args]) => after.get(id) !== args);
    assert.ok(moved.length > 0, `no stack moved: ${JSON.stringify([...before])} / ${JSON.stringify([...after])}`);
    for (const [id, args] of moved) {
      assert.ok(sameWait(args, after.get(id)!), `${args} -> ${after.get(id)}`);
      assert.equal((BigInt(after.get(id)!) - BigInt(args)) % 2048n, 0n);
    }

    // Workers on their next job: still there, same line, new arguments.
    const workers = persistence(key('main.handleJob'), [a.members!, b.members!])!;
    assert.deepEqual([workers.followed, workers.stayed, workers.returned, workers.gone, workers.persists], [3, 0, 3, 0, false]);
    const jobs1 = argsById(first, 'main.handleJob');
    const jobs2 = argsById(second, 'main.handleJob');
    for (const [id, args] of jobs1) assert.equal(sameWait(args, jobs2.get(id)!), false, `${args} -> ${jobs2.get(id)}`);

    // Replaced by other goroutines at the same place: 3 before, 3 after, none the same.
    const churn = persistence(key('main.inflight'), [a.members!, b.members!])!;
    assert.deepEqual([churn.before, churn.after, churn.followed, churn.stayed, churn.returned, churn.gone, churn.persists], [3, 3, 3, 0, 0, 3, false]);

    // Only the later dump has members: nothing to follow.
    assert.equal(persistence(key('main.inflight'), [b.members!]), null);

    // Edges of the argument rule, from the real argument texts, changed on purpose: one
    // value moved by a non-multiple of 2 KiB, two values moved by different distances, a
    // "?" that appears, a different number of arguments.
    const [, real] = [...jobs1][0]!;
    const ptr = real.split(', ')[0]!;
    const bump = (hex: string, by: bigint) => '0x' + (BigInt(hex.replace('?', '')) + by).toString(16);
    assert.equal(sameWait(real, real), true);
    assert.equal(sameWait(`${ptr}, ${ptr}`, `${bump(ptr, 4096n)}, ${bump(ptr, 4096n)}`), true, 'one stack move');
    assert.equal(sameWait(`${ptr}, ${ptr}`, `${bump(ptr, 4096n)}, ${bump(ptr, 8192n)}`), false, 'two distances');
    assert.equal(sameWait(ptr, bump(ptr, 48n)), false, 'not a stack move');
    assert.equal(sameWait(ptr, ptr + '?'), false);
    assert.equal(sameWait(ptr, `${ptr}, 0x1`), false);
    assert.equal(sameWait(`{${ptr}, 0x1}`, `{${bump(ptr, 2048n)}, 0x1}`), true);
    assert.equal(sameWait('...', '...'), true);
  });
}

/** Samples in which every group of `groups` has the given series (all others constant). */
function grown(groups: GoroutineGroup[], series: Map<string, number[]>, n: number): LeakSample[] {
  return Array.from({ length: n }, (_, i) => ({ t: i * 5000, groups: groups.map((g) => ({ ...g, count: series.get(g.stackKey)?.[i] ?? g.count })) }));
}

test('leak verdicts with members followed: persisting groups are suspects, turnover and unfollowed ones are not', { skip: needGo, timeout: 600_000 }, async () => {
  const { first, second } = await dumps('local');
  const a = await read(first, 0, []);
  const b = await read(second, 35_000, [a.members!]);
  const site = (fn: string) => a.groups.find((g) => g.blockingSite?.func === fn)!.stackKey;
  const up = [1, 4, 7, 10, 13, 16, 19, 22];
  const series = new Map(['main.waitForever', 'main.handleJob', 'main.inflight'].map((fn) => [site(fn), up]));
  const samples = grown(a.groups, series, 8);

  const v = analyzeLeaks({ samples, detail: b.groups, leakProfile: null, members: [a.members!, b.members!] });
  assert.deepEqual(v.suspects.map((s) => s.blockingSite?.func), ['main.waitForever']);
  assert.equal(v.suspects[0]!.evidence, 'ids');
  assert.equal(v.suspects[0]!.persistence!.stayed, 4);
  assert.equal(v.suspects[0]!.confidence, 'high');
  assert.deepEqual(v.notLeaks.map((x) => [x.blockingSite?.func, x.reason]).sort(), [['main.handleJob', 'turnover'], ['main.inflight', 'turnover']]);
  assert.equal(v.persistenceChecked, true);

  // Growth alone (no dumps given) flags all three: what the rule exists to prevent.
  const legacy = analyzeLeaks({ samples, detail: b.groups, leakProfile: null });
  assert.deepEqual(legacy.suspects.map((s) => s.blockingSite?.func).sort(), ['main.handleJob', 'main.inflight', 'main.waitForever']);
  assert.equal(legacy.suspects[0]!.persistence, null);

  // Only one dump (no earlier members to follow), or none: nothing is shown to persist.
  for (const members of [[b.members!], []]) {
    const u = analyzeLeaks({ samples, detail: b.groups, leakProfile: null, members });
    assert.deepEqual(u.suspects, []);
    assert.deepEqual(u.notLeaks.map((x) => x.reason), ['unfollowed', 'unfollowed', 'unfollowed']);
  }
  // Go's goroutineleak profile is a proof of its own.
  const byProfile = analyzeLeaks({ samples, detail: b.groups, leakProfile: [b.groups.find((g) => g.blockingSite?.func === 'main.inflight')!], members: [b.members!] });
  assert.deepEqual(byProfile.suspects.map((s) => [s.blockingSite?.func, s.evidence]), [['main.inflight', 'goroutineleak']]);

  // Goroutines that have all waited a minute or more persist even without an earlier
  // dump (the real 61 s wait of testdata/golden).
  const golden = await readSnapshot(fromBuffer(readFileSync(path.join(repoRoot, 'testdata/golden/minutes.stack.txt'))), 'minutes.stack.txt', { members: { t: 0 } });
  const send = golden.groups.find((g) => g.state === 'chan send')!;
  assert.ok(send.waitMinutes.min >= 1);
  const w = analyzeLeaks({ samples: grown(golden.groups, new Map([[send.stackKey, up]]), 8), detail: golden.groups, leakProfile: null, members: [golden.members!] });
  assert.deepEqual(w.suspects.map((s) => [s.stackKey, s.evidence, s.persistence]), [[send.stackKey, 'wait-minutes', null]]);
});
