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
import { groupName } from '../src/analysis/goroutines/name.js';
import { groupJson, notLeakJson, renderLeak, suspectJson } from '../src/report/goroutines.js';
import { style } from '../src/report/term.js';
import { diagnoseHtml } from '../src/report/diagnose-html.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildGo, needGo, newerGoUnavailable, NEWER_GO, repoRoot, type Toolchain } from './support/go.js';

const run = promisify(execFile);

async function dumps(toolchain: Toolchain): Promise<{ first: string; second: string; debug0: Buffer }> {
  const bin = await buildGo('testdata/go/persist', toolchain === 'local' ? {} : { toolchain, goDirective: '1.27' });
  const dir = mkdtempSync(path.join(tmpdir(), 'goscope-persist-'));
  try {
    const file = path.join(dir, 'goroutine.pb.gz');
    const { stdout } = await run(bin, ['-debug0', file], { timeout: 60_000, maxBuffer: 16 << 20, env: { PATH: process.env.PATH ?? '' } });
    const [first, second] = stdout.split('=== second dump ===\n');
    assert.ok(first && second, 'two dumps');
    return { first, second, debug0: readFileSync(file) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    assert.deepEqual(
      { ...stay, fromMs: 0, toMs: 0 },
      { fromMs: 0, toMs: 0, before: 4, after: 4, followed: 4, stayed: 4, returned: 0, gone: 0, persists: true, truncated: false },
    );
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

test(
  'leak verdicts with members followed: persisting groups are suspects, turnover and unfollowed ones are not',
  { skip: needGo, timeout: 600_000 },
  async () => {
    const { first, second } = await dumps('local');
    const a = await read(first, 0, []);
    const b = await read(second, 35_000, [a.members!]);
    const site = (fn: string) => a.groups.find((g) => g.blockingSite?.func === fn)!.stackKey;
    const up = [1, 4, 7, 10, 13, 16, 19, 22];
    const series = new Map(['main.waitForever', 'main.handleJob', 'main.inflight'].map((fn) => [site(fn), up]));
    const samples = grown(a.groups, series, 8);

    const v = analyzeLeaks({ samples, detail: b.groups, leakProfile: null, members: [a.members!, b.members!] });
    assert.deepEqual(
      v.suspects.map((s) => s.blockingSite?.func),
      ['main.waitForever'],
    );
    assert.equal(v.suspects[0]!.evidence, 'ids');
    assert.equal(v.suspects[0]!.persistence!.stayed, 4);
    assert.equal(v.suspects[0]!.confidence, 'high');
    assert.deepEqual(v.notLeaks.map((x) => [x.blockingSite?.func, x.reason]).sort(), [
      ['main.handleJob', 'turnover'],
      ['main.inflight', 'turnover'],
    ]);
    assert.equal(v.persistenceChecked, true);

    // Growth alone (no dumps given) flags all three: what the rule exists to prevent.
    const legacy = analyzeLeaks({ samples, detail: b.groups, leakProfile: null });
    assert.deepEqual(legacy.suspects.map((s) => s.blockingSite?.func).sort(), ['main.handleJob', 'main.inflight', 'main.waitForever']);
    assert.equal(legacy.suspects[0]!.persistence, null);

    // Only one dump (no earlier members to follow), or none: nothing is shown to persist.
    for (const members of [[b.members!], []]) {
      const u = analyzeLeaks({ samples, detail: b.groups, leakProfile: null, members });
      assert.deepEqual(u.suspects, []);
      assert.deepEqual(
        u.notLeaks.map((x) => x.reason),
        ['unfollowed', 'unfollowed', 'unfollowed'],
      );
    }
    // Go's goroutineleak profile is a proof of its own.
    const byProfile = analyzeLeaks({
      samples,
      detail: b.groups,
      leakProfile: [b.groups.find((g) => g.blockingSite?.func === 'main.inflight')!],
      members: [b.members!],
    });
    assert.deepEqual(
      byProfile.suspects.map((s) => [s.blockingSite?.func, s.evidence]),
      [['main.inflight', 'goroutineleak']],
    );

    // Goroutines that have all waited a minute or more persist even without an earlier
    // dump (the real 61 s wait of testdata/golden).
    const golden = await readSnapshot(fromBuffer(readFileSync(path.join(repoRoot, 'testdata/golden/minutes.stack.txt'))), 'minutes.stack.txt', {
      members: { t: 0 },
    });
    const send = golden.groups.find((g) => g.state === 'chan send')!;
    assert.ok(send.waitMinutes.min >= 1);
    const w = analyzeLeaks({
      samples: grown(golden.groups, new Map([[send.stackKey, up]]), 8),
      detail: golden.groups,
      leakProfile: null,
      members: [golden.members!],
    });
    assert.deepEqual(
      w.suspects.map((s) => [s.stackKey, s.evidence, s.persistence]),
      [[send.stackKey, 'wait-minutes', null]],
    );
  },
);

test('leak suspects and groups that are not leaks are named as the goroutine views name groups', { skip: needGo, timeout: 600_000 }, async () => {
  const { first, second, debug0 } = await dumps('local');
  const a = await read(first, 0, []);
  const b = await read(second, 35_000, [a.members!]);
  const wg = (gs: readonly GoroutineGroup[]) => gs.find((g) => g.state === 'sync.WaitGroup.Wait')!;
  const key = (fn: string) => a.groups.find((g) => g.blockingSite?.func === fn)!.stackKey;
  const up = [1, 4, 7, 10, 13, 16, 19, 22];
  const series = new Map([key('main.waitForever'), key('main.handleJob'), wg(a.groups).stackKey].map((k) => [k, up]));
  const v = analyzeLeaks({ samples: grown(a.groups, series, 8), detail: b.groups, leakProfile: null, members: [a.members!, b.members!] });

  // Blocked in the standard library, started by the service: named by its site and creator.
  const std = v.suspects.find((s) => s.stackKey === wg(a.groups).stackKey)!;
  assert.ok(std, 'the goroutines started as `go never.Wait()` persist');
  assert.equal(std.blockingSite, null);
  assert.match(std.site?.func ?? '', /^sync\./);
  const text = renderLeak('persist', up, v, style(false), null);
  assert.match(text, /\n {6}blocked at  sync\.\S+ \S+\.go:\d+ \(standard library\)\n {6}created by  main\.main \S*main\.go:\d+\n/);
  assert.doesNotMatch(text, /standard library only/);
  // The name, site and wait wording in --json are the ones `goroutines --json` gives the same group.
  const views = new Map(b.groups.map((g) => [g.stackKey, groupJson(g)]));
  const named = [...v.suspects.map((x) => [x.stackKey, suspectJson(x)] as const), ...v.notLeaks.map((x) => [x.stackKey, notLeakJson(x)] as const)];
  assert.equal(named.length, 3);
  for (const [k, x] of named) {
    const g = views.get(k);
    assert.ok(g, `${x.name} is a group of the last dump`);
    assert.deepEqual([x.name, x.site, x.waitText], [g.name, g.site, g.waitText]);
  }
  assert.deepEqual(
    v.notLeaks.map((x) => notLeakJson(x).name),
    [groupName(b.groups.find((g) => g.blockingSite?.func === 'main.handleJob')!)],
  );
  // report.html (diagnose) names them the same way: wait wording, site, creator.
  const html = diagnoseHtml(
    { leaks: v, groups: b.groups, findings: [], trace: null },
    {
      service: 'persist',
      captureDir: '/tmp/x',
      seconds: 35,
      startedAt: new Date(0),
      finishedAt: new Date(35_000),
      goroutineTotals: up,
      aborted: false,
      files: [],
      reportPath: '/tmp/x/report.html',
    },
    [],
    [],
  );
  const block = html.slice(html.indexOf('data-suspect="2"'), html.indexOf('</div>', html.indexOf('data-suspect="2"')));
  assert.match(
    block,
    /· sync\.WaitGroup\.Wait ·.*<th>blocked at<\/th><td><code>sync\.[^<]+<\/code> <span class="dim">\S+\.go:\d+<\/span><\/td>.*<th>created by<\/th><td><code>main\.main<\/code>/s,
  );
  assert.match(
    html,
    /data-not-leak="turnover">22 goroutines chan receive at <code>main\.handleJob<\/code> <span class="dim">\S*main\.go:\d+<\/span> <span class="dim">created by<\/span> <code>main\.main<\/code>/,
  );
  assert.match(text, /\n {6}at main\.handleJob \S*main\.go:\d+ · created by main\.main \S*main\.go:\d+\n/);

  // Counted by debug=0 profiles only (no states, no later debug=2 dump): the runtime's
  // wording, as `goroutines` prints a debug=0 group, not goscope's older descriptions.
  const p1 = await readSnapshot(fromBuffer(debug0), 'debug0');
  const s1 = analyzeLeaks({
    samples: grown(p1.groups, new Map([[p1.groups.find((g) => g.blockingSite?.func === 'main.waitForever')!.stackKey, up]]), 8),
    leakProfile: null,
  });
  assert.equal(s1.suspects.length, 1);
  assert.equal(suspectJson(s1.suspects[0]!).waitText, 'chan receive');
  const t1 = renderLeak('persist', up, s1, style(false), null);
  assert.match(t1, /^#1 {2}22 goroutines {2}chan receive {2}/m);
  assert.doesNotMatch(t1, /channel receive/);
});
