// Checks that the real Go fixture programs build and that the Go runtime really
// prints every feature goscope's parsers are tested against (see
// testdata/go/dumpgen/README.md and testdata/go/demo/README.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import {
  BENCHGEN_DIR,
  DEMO_DIR,
  DUMPGEN_DIR,
  buildGo,
  goMinor,
  leakBuildEnv,
  leakProfileSupported,
  needGo,
  repoRoot,
  runDumpgen,
  startDemo,
  tracebackLabelsSupported,
  type RunResult,
} from './support/go.js';

const BUILD_TIMEOUT = 10 * 60_000; // a cold Go build cache needs ~15 s per program
const RUN_TIMEOUT = 60_000;
const noLeak: string | false = needGo || (leakProfileSupported() ? false : 'goroutineleak profile needs Go 1.26+');

/** The goroutine blocks of a text dump ("goroutine N [...]:" up to the blank line). */
function goroutines(text: string): string[] {
  return text.split(/\n\n+(?=goroutine \d+)/).filter((b) => /^goroutine \d+/.test(b));
}

/** The one goroutine block whose frames mention `fn`. */
function goroutineWith(text: string, fn: string): string {
  const found = goroutines(text).filter((b) => b.includes(fn + '('));
  assert.equal(found.length, 1, `expected exactly one goroutine running ${fn}, found ${found.length}`);
  return found[0]!;
}

function header(block: string): string {
  return block.slice(0, block.indexOf('\n'));
}

function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code ?? r.signal}\n${r.stderr.toString()}`);
}

/** The states every text dump of dumpgen must show (see park.go). */
function assertParkedStates(text: string): void {
  const expect: Array<[string, string]> = [
    ['main.blockChanSend', '[chan send]:'],
    ['main.blockChanRecv', '[chan receive]:'],
    ['main.blockSelect', '[select]:'],
    ['main.blockSelectNoCases', '[select (no cases)]:'],
    ['main.blockNilChanRecv', '[chan receive (nil chan)]:'],
    ['main.blockNilChanSend', '[chan send (nil chan)]:'],
    ['main.blockMutexLock', '[sync.Mutex.Lock]:'],
    ['main.blockRWMutexLock', '[sync.RWMutex.Lock]:'],
    ['main.blockRWMutexRLock', '[sync.RWMutex.RLock]:'],
    ['main.blockWaitGroupWait', '[sync.WaitGroup.Wait]:'],
    ['main.blockCondWait', '[sync.Cond.Wait]:'],
    ['main.blockSleep', '[sleep]:'],
    ['main.blockNetRead', '[IO wait]:'],
    ['main.blockLockedToThread', '[chan receive, locked to thread]:'],
  ];
  if (process.platform === 'linux' || process.platform === 'darwin') expect.push(['main.blockInSyscall', '[syscall]:']);
  for (const [fn, state] of expect) {
    const g = goroutineWith(text, fn);
    assert.ok(header(g).endsWith(' ' + state), `${fn}: header ${JSON.stringify(header(g))} should end with ${state}`);
  }
  // Deep recursion: the runtime elides the middle frames.
  assert.match(goroutineWith(text, 'main.recurseDeep'), /\n\.\.\.\d+ frames elided\.\.\.\n/);
  // Inlined frame: "(...)" arguments and no +0x offset.
  assert.match(goroutineWith(text, 'main.recvInlined'), /\nmain\.recvInlined\(\.\.\.\)\n\t\S+park\.go:\d+\n/);
  // Created by a goroutine other than main.
  const children = goroutines(text).filter((b) => b.includes('main.childWorker('));
  assert.equal(children.length, 3);
  const child = /\ncreated by main\.spawnChildren in goroutine (\d+)\n/.exec(children[0]!);
  assert.ok(child && child[1] !== '1', 'childWorker should be created by spawnChildren in a goroutine other than 1');
  assert.match(text, /\ncreated by main\.childWorker in goroutine \d+\n/);
  // The busy goroutine is not waiting (in crash dumps it may also be
  // "running on other thread; stack unavailable", without frames).
  const spin = goroutines(text).filter((b) => b.includes('main.spinCPU('));
  if (spin.length) assert.match(header(spin[0]!), /\[(running|runnable)\]:$/);
  assert.match(text, /(^|\n)goroutine 1 \[running\]:\n/);
}

test('go fixtures build (dumpgen, demo, benchgen)', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const builds = [buildGo(DUMPGEN_DIR), buildGo(DEMO_DIR), buildGo(BENCHGEN_DIR)];
  if (leakProfileSupported()) {
    builds.push(buildGo(DUMPGEN_DIR, { env: leakBuildEnv() }), buildGo(DEMO_DIR, { env: leakBuildEnv() }));
  }
  for (const bin of await Promise.all(builds)) assert.ok(path.isAbsolute(bin));
  // Building twice returns the cached binary.
  assert.equal(await buildGo(DUMPGEN_DIR), await builds[0]);
});

test('benchgen writes a runtime.Stack dump', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const { promises: fsp } = await import('node:fs');
  const os = await import('node:os');
  const bin = await buildGo(BENCHGEN_DIR);
  const out = path.join(os.tmpdir(), `goscope-benchgen-${process.pid}.txt`);
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(bin, ['-n', '3000', '-o', out], { encoding: 'utf8', timeout: RUN_TIMEOUT });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /gen: 3000 goroutines/);
  const text = await fsp.readFile(out, 'utf8');
  await fsp.rm(out, { force: true });
  const gs = goroutines(text);
  assert.ok(gs.length >= 3000, `${gs.length} goroutines`);
  for (const s of ['[chan send]:', '[chan receive]:', '[select]:', '[sync.Mutex.Lock]:', '[sync.WaitGroup.Wait]:', '[sync.Cond.Wait]:', '[sleep]:']) {
    assert.ok(text.includes(s), s);
  }
});

test('dumpgen stack: runtime.Stack(all) shows every parked state', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('stack');
  assertOk(r, 'stack');
  assertParkedStates(r.stdout.toString());
});

test('dumpgen debug2: goroutine profile debug=2', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('debug2');
  assertOk(r, 'debug2');
  const text = r.stdout.toString();
  assert.match(text, /^goroutine 1 \[running\]:\nruntime\/pprof\.writeGoroutineStacks\(/);
  assertParkedStates(text);
});

test('dumpgen debug1: goroutine profile debug=1 with labels', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('debug1');
  assertOk(r, 'debug1');
  const text = r.stdout.toString();
  assert.match(text, /^goroutine profile: total \d+\n/);
  assert.match(text, /^3 @( 0x[0-9a-f]+)+\n#\t0x[0-9a-f]+\tmain\.childWorker\+0x[0-9a-f]+\t/m);
  // The labeled goroutine and the child that inherited its labels.
  assert.equal(text.split('\n# labels: {"handler":"/api/x", "tenant":"t1"}\n').length - 1, 2);
});

test('dumpgen debug0: gzipped pprof protobuf with labels', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('debug0');
  assertOk(r, 'debug0');
  assert.deepEqual([...r.stdout.subarray(0, 2)], [0x1f, 0x8b]);
  const pb = gunzipSync(r.stdout).toString('latin1');
  for (const s of ['goroutine', 'count', 'handler', '/api/x', 'tenant', 't1', 'main.blockWithLabels', 'main.recurseDeep']) {
    assert.ok(pb.includes(s), `protobuf lacks ${s}`);
  }
});

test('dumpgen leak*: goroutineleak profile (experiment build)', { skip: noLeak, timeout: BUILD_TIMEOUT }, async () => {
  const leak2 = await runDumpgen('leak2', { experiment: true });
  assertOk(leak2, 'leak2');
  const text = leak2.stdout.toString();
  for (const [fn, state] of [
    ['main.leakedSender', '[chan send (leaked)]:'],
    ['main.leakedReceiver', '[chan receive (leaked)]:'],
    ['main.leakedWaitGroup', '[sync.WaitGroup.Wait (leaked)]:'],
    ['main.blockSelectNoCases', '[select (no cases) (leaked)]:'],
    ['main.blockNilChanRecv', '[chan receive (nil chan) (leaked)]:'],
    ['main.blockNilChanSend', '[chan send (nil chan) (leaked)]:'],
    // Reachable primitives: blocked, but not leaked.
    ['main.blockChanSend', '[chan send]:'],
    ['main.blockMutexLock', '[sync.Mutex.Lock]:'],
  ] as const) {
    assert.ok(header(goroutineWith(text, fn)).endsWith(' ' + state), `${fn}: ${header(goroutineWith(text, fn))}`);
  }

  const leak1 = await runDumpgen('leak1', { experiment: true });
  assertOk(leak1, 'leak1');
  const t1 = leak1.stdout.toString();
  assert.match(t1, /^goroutineleak profile: total 6\n/);
  for (const fn of ['leakedSender', 'leakedReceiver', 'leakedWaitGroup', 'blockSelectNoCases', 'blockNilChanRecv', 'blockNilChanSend']) {
    assert.match(t1, new RegExp(`\\tmain\\.${fn}\\+0x`));
  }
  for (const fn of ['blockChanSend', 'blockMutexLock', 'blockWaitGroupWait', 'spinCPU']) {
    assert.doesNotMatch(t1, new RegExp(`\\tmain\\.${fn}\\+0x`));
  }

  const leak0 = await runDumpgen('leak0', { experiment: true });
  assertOk(leak0, 'leak0');
  const pb = gunzipSync(leak0.stdout).toString('latin1');
  assert.ok(pb.includes('goroutineleak') && pb.includes('main.leakedSender'));
});

test('dumpgen leak* without the profile exits 3', { skip: needGo, timeout: BUILD_TIMEOUT }, async (t) => {
  const v = goMinor()!;
  if (v[0] === 1 && v[1] >= 27) {
    t.skip('Go 1.27+ always has the goroutineleak profile');
    return;
  }
  const r = await runDumpgen('leak1');
  assert.equal(r.code, 3);
  assert.match(r.stderr.toString(), /has no goroutineleak profile/);
});

test('dumpgen panic: GOTRACEBACK=all', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('panic', { env: { GOTRACEBACK: 'all' } });
  assert.equal(r.code, 2);
  const text = r.stderr.toString();
  assert.match(text, /^panic: boom: something went wrong\n\ngoroutine 1 \[running\]:\nmain\.panicNow\(/);
  assertParkedStates(text);
  assert.match(text, /\ngoroutine \d+ \[running\]:\n\tgoroutine running on other thread; stack unavailable\ncreated by main\.parkAll in goroutine 1\n/);
});

test('dumpgen panic: default GOTRACEBACK shows one goroutine', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('panic');
  assert.equal(r.code, 2);
  const text = r.stderr.toString();
  assert.equal(goroutines(text).length, 1);
  assert.match(text, /^panic: boom: something went wrong\n\ngoroutine 1 \[running\]:\n/);
});

test('dumpgen fatal: GOTRACEBACK=system', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('fatal', { env: { GOTRACEBACK: 'system' } });
  assert.equal(r.code, 2);
  const text = r.stderr.toString();
  assert.match(text, /^fatal error: sync: unlock of unlocked mutex\n\ngoroutine 1 gp=0x[0-9a-f]+ m=\d+ mp=0x[0-9a-f]+ \[running\]:\nruntime\.fatal\(/);
  assert.match(text, /\ngoroutine \d+ gp=0x[0-9a-f]+ m=nil \[chan send\]:\n/);
  assert.match(text, /\ngoroutine \d+ gp=0x[0-9a-f]+ m=\d+ mp=0x[0-9a-f]+ \[running\]:\n\tgoroutine running on other thread; stack unavailable\n/);
  assert.match(text, / fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+\n/);
  assert.match(text, /\nruntime\.gopark\(/);
  assert.match(text, /\[force gc \(idle\)\]:/);
});

test('dumpgen fatalmap: concurrent map writes', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('fatalmap', { env: { GOTRACEBACK: 'all' } });
  assert.equal(r.code, 2);
  // Two writers can detect the race at once, and their messages may interleave.
  assert.match(r.stderr.toString(), /^fatal error: concurrent map writes\n/);
  assert.match(r.stderr.toString(), /\ngoroutine \d+ \[running\]:\n/);
});

test('dumpgen deadlock: all goroutines are asleep', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('deadlock');
  assert.equal(r.code, 2, r.stderr.toString());
  const text = r.stderr.toString();
  assert.match(text, /^fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 \[chan receive\]:\nmain\.main\(\)/);
  assert.ok(goroutines(text).length >= 20);
});

test('dumpgen logged: a dump inside log lines', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('logged');
  assertOk(r, 'logged');
  const text = r.stdout.toString();
  const stamp = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `;
  assert.match(text, new RegExp(`^${stamp}starting dumpgen pid=\\d+`));
  assert.match(text, new RegExp(`\\n${stamp}SIGQUIT-style dump follows\\ngoroutine 1 \\[running\\]:\\n`));
  assert.match(text, new RegExp(`\\n\\n?${stamp}dump complete\\n${stamp}shutting down\\n$`));
  assertParkedStates(text);
});

test('dumpgen ancestors: GODEBUG=tracebackancestors=5', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const r = await runDumpgen('ancestors', { env: { GODEBUG: 'tracebackancestors=5' } });
  assertOk(r, 'ancestors');
  const text = r.stdout.toString();
  const g = goroutineWith(text, 'main.grandchildWorker');
  const from = [...g.matchAll(/\n\[originating from goroutine (\d+)\]:\n/g)].map((m) => m[1]);
  assert.equal(from.length, 3, g);
  assert.equal(from[2], '1');
});

test(
  'dumpgen labels: GODEBUG=tracebacklabels=1',
  { skip: needGo || (tracebackLabelsSupported() ? false : 'needs Go 1.26+'), timeout: BUILD_TIMEOUT },
  async () => {
    const r = await runDumpgen('labels', { env: { GODEBUG: 'tracebacklabels=1' } });
    assertOk(r, 'labels');
    const text = r.stdout.toString();
    assert.match(header(goroutineWith(text, 'main.blockWithLabels')), / \[chan receive labels:\{"handler": "\/api\/x", "tenant": "t1"\}\]:$/);
    assert.match(header(goroutineWith(text, 'main.labeledChild')), / \[select labels:\{"handler": "\/api\/x", "tenant": "t1"\}\]:$/);
  },
);

test('golden minutes.stack.txt: ", 1 minutes"', () => {
  const text = readFileSync(path.join(repoRoot, 'testdata/golden/minutes.stack.txt'), 'utf8');
  assert.match(text, /\ngoroutine \d+ \[chan send, 1 minutes\]:\n/);
  assert.match(text, /\ngoroutine \d+ \[chan receive, 1 minutes, locked to thread\]:\n/);
  assert.match(header(goroutineWith(text, 'main.blockStartedLate')), /\[chan receive\]:$/);
});

test('demo service: endpoints, /stats and leaked goroutines', { skip: needGo, timeout: BUILD_TIMEOUT }, async () => {
  const experiment = leakProfileSupported();
  const demo = await startDemo({ experiment });
  try {
    const get = async (p: string): Promise<string> => {
      const res = await fetch(demo.url + p);
      const body = await res.text();
      if (p !== '/leak/timeout') assert.equal(res.status, 200, `${p}: ${res.status} ${body}`);
      return body;
    };
    const endpoints = ['/healthz', '/work', '/cpu?ms=20', '/contended?ms=20', '/leak/timeout', '/leak/range', '/leak/waitgroup', '/leak/lock', '/leak/nilchan'];
    for (const p of endpoints) await get(p);
    assert.equal((await get('/healthz')).trim(), 'ok');

    const stats = JSON.parse(await get('/stats')) as { requests: Record<string, number>; goroutines: number };
    for (const p of endpoints) {
      const route = p.replace(/\?.*/, '');
      assert.equal(stats.requests[route], route === '/healthz' ? 2 : 1, route);
    }

    // Each leak endpoint leaves exactly one goroutine blocked at its LEAK line, and the 8
    // pool workers are back at their receive once /work returned. Both take a moment
    // (computeQuote sleeps ~20 ms before its send; a worker signals its job done before
    // it loops back): wait for them, with a deadline, instead of counting at one instant.
    const source = readFileSync(path.join(repoRoot, 'testdata/go/demo/leaks.go'), 'utf8').split('\n');
    const leakAt = new Map<string, number>();
    source.forEach((l, i) => {
      if (!l.includes('// LEAK:')) return;
      const fn = source
        .slice(0, i)
        .reverse()
        .find((x) => /^func \w+\(/.test(x))!
        .replace(/^func (\w+)\(.*$/, '$1');
      leakAt.set(fn, i + 1);
    });
    assert.deepEqual([...leakAt.keys()].sort(), ['awaitShards', 'computeQuote', 'consumeEvents', 'recordAudit', 'waitForConfig']);
    const blockedAt = (fn: string, line: number) =>
      new RegExp(`\\n1 @[ 0-9a-fx]+\\n(#.*\\n)*#\\t0x[0-9a-f]+\\tmain\\.${fn}\\+0x[0-9a-f]+\\t+\\S*leaks\\.go:${line}\\n`);
    const pool = /\n8 @[ 0-9a-fx]+\n#\t0x[0-9a-f]+\tmain\.poolWorker\+/;
    const settled = (prof: string) => [...leakAt].every(([fn, line]) => blockedAt(fn, line).test(prof)) && pool.test(prof);
    let prof = '';
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
      prof = await get('/debug/pprof/goroutine?debug=1');
      if (settled(prof)) break;
    }
    for (const [fn, line] of leakAt) assert.match(prof, blockedAt(fn, line), `main.${fn} blocked at leaks.go:${line}`);
    assert.match(prof, pool);

    if (experiment) {
      // The goroutineleak detector finds a goroutine only once it is blocked where nothing
      // can reach it: ask until it has all four (recordAudit's mutex stays reachable).
      let leaks = '';
      for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
        leaks = await get('/debug/pprof/goroutineleak?debug=1');
        if (/^goroutineleak profile: total 4\n/.test(leaks)) break;
      }
      assert.match(leaks, /^goroutineleak profile: total 4\n/);
      for (const fn of ['computeQuote', 'consumeEvents', 'awaitShards', 'waitForConfig']) assert.match(leaks, new RegExp(`\\tmain\\.${fn}\\+`));
      for (const fn of ['recordAudit', 'poolWorker', 'metricsFlusher']) assert.doesNotMatch(leaks, new RegExp(`\\tmain\\.${fn}\\+`));
    }
  } finally {
    await demo.stop();
  }
  assert.equal(demo.proc.exitCode, 0);
});
