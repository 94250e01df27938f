// Every goroutine dump form, parsed from real Go runtime output (testdata/go/dumpgen, the
// corpus, the one golden file), and checked against what the program planted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fromBuffer } from '../src/formats/input.js';
import { parseGoroutinesAll } from '../src/formats/goroutines/parse.js';
import type { Goroutine } from '../src/formats/goroutines/model.js';
import { groupAll } from '../src/analysis/goroutines/group.js';
import { classify } from '../src/analysis/goroutines/classify.js';
import { userSite } from '../src/analysis/stack.js';
import { needGo, runDumpgen, leakExperimentSupported } from './support/go.js';
import { repoRoot } from './support/go.js';

async function parse(buf: Buffer | string, name = 'dump', opts = {}) {
  return parseGoroutinesAll(fromBuffer(Buffer.from(buf)), name, opts);
}

function byFunc(gs: Goroutine[], fn: string): Goroutine {
  const g = gs.find((x) => x.frames.some((f) => f.func === fn));
  assert.ok(g, `a goroutine with frame ${fn}`);
  return g;
}

/** Planted goroutine (its blocking function in dumpgen) -> the state the runtime prints. */
const PLANTED: Array<[string, string]> = [
  ['main.blockChanSend', 'chan send'],
  ['main.blockChanRecv', 'chan receive'],
  ['main.blockSelect', 'select'],
  ['main.blockSelectNoCases', 'select (no cases)'],
  ['main.blockNilChanRecv', 'chan receive (nil chan)'],
  ['main.blockNilChanSend', 'chan send (nil chan)'],
  ['main.blockMutexLock', 'sync.Mutex.Lock'],
  ['main.blockWaitGroupWait', 'sync.WaitGroup.Wait'],
  ['main.blockCondWait', 'sync.Cond.Wait'],
  ['main.blockSleep', 'sleep'],
  ['main.blockNetRead', 'IO wait'],
];

let stackOut: Buffer | null = null;
async function stackDump(): Promise<Buffer> {
  if (!stackOut) stackOut = (await runDumpgen('stack')).stdout;
  return stackOut;
}

test('runtime.Stack(all): states, blocking sites, creators, elided frames, locked threads', { skip: needGo }, async () => {
  const { info, goroutines } = await parse(await stackDump(), 'stack.txt');
  assert.equal(info.format, 'text');
  assert.equal(info.crash, null);
  assert.equal(info.total, goroutines.length);
  const headers = (await stackDump()).toString().match(/^goroutine \d+ \[/gm)!.length;
  assert.equal(goroutines.length, headers);
  for (const [fn, state] of PLANTED) {
    const g = byFunc(goroutines, fn);
    assert.equal(g.state, state, fn);
    assert.equal(userSite(g.frames)?.func, fn, `blocking site of ${fn}`);
    assert.ok(g.createdBy, `${fn} has a creator`);
    assert.ok(g.parentId !== null && g.parentId > 0, `${fn}: created by … in goroutine N`);
    assert.ok(
      g.frames.every((f) => f.file.endsWith('.go') && f.line > 0),
      `${fn}: every frame has file:line`,
    );
  }
  assert.equal(classify(byFunc(goroutines, 'main.blockRWMutexRLock')).toString(), 'rwmutex');
  const locked = byFunc(goroutines, 'main.blockLockedToThread');
  assert.equal(locked.lockedToThread, true);
  const deep = byFunc(goroutines, 'main.recurseDeep');
  assert.ok(deep.elidedFrames > 0, 'deep recursion has "...N frames elided..."');
  assert.equal(deep.frames.length, 100, 'the runtime keeps the first and last 50 frames');
  const grand = byFunc(goroutines, 'main.grandchildWorker');
  assert.equal(grand.createdBy?.func, 'main.childWorker');
  assert.ok(
    goroutines.some((g) => g.frames.some((f) => f.args === '...')),
    'inlined frames print (...)',
  );
  const running = goroutines.find((g) => g.state === 'running');
  assert.ok(running, 'the dumping goroutine is running');
});

test('debug=2 with labels (GODEBUG=tracebacklabels=1, Go 1.26+)', { skip: needGo }, async (t) => {
  const r = await runDumpgen('labels', { env: { GODEBUG: 'tracebacklabels=1' } });
  if (!/labels:\{/.test(r.stdout.toString())) return t.skip('this Go version does not print labels in tracebacks');
  const { goroutines } = await parse(r.stdout);
  const g = byFunc(goroutines, 'main.blockWithLabels');
  assert.deepEqual(g.labels, { handler: '/api/x', tenant: 't1' });
  assert.equal(g.state, 'chan receive');
});

test('dump embedded in a log, indented, with CRLF, gzipped', { skip: needGo }, async () => {
  const plain = await parse(await stackDump());
  const logged = await runDumpgen('logged');
  const fromLog = await parse(logged.stdout, 'app.log');
  assert.equal(fromLog.goroutines.length, plain.goroutines.length);
  const text = (await stackDump()).toString();
  const indented = text
    .split('\n')
    .map((l) => (l ? '    ' + l : l))
    .join('\n');
  const crlf = text.replace(/\n/g, '\r\n');
  for (const variant of [indented, crlf]) {
    const r = await parse(variant);
    assert.equal(r.goroutines.length, plain.goroutines.length);
    assert.deepEqual(
      groupAll(r.goroutines).map((g) => [g.count, g.state, g.blockingSite?.func, g.blockingSite?.line]),
      groupAll(plain.goroutines).map((g) => [g.count, g.state, g.blockingSite?.func, g.blockingSite?.line]),
    );
  }
  const gz = await parse(gzipSync(await stackDump()), 'stack.txt.gz');
  assert.equal(gz.info.gzipped, true);
  assert.equal(gz.goroutines.length, plain.goroutines.length);
});

test('panic with GOTRACEBACK=all: crash message, all goroutines, stack unavailable', { skip: needGo }, async () => {
  const r = await runDumpgen('panic', { env: { GOTRACEBACK: 'all', GOMAXPROCS: '4' } });
  const { info, goroutines } = await parse(r.stderr, 'panic.txt');
  assert.match(info.crash ?? '', /^panic: boom/);
  assert.ok(goroutines.length > 10);
  const main = goroutines.find((g) => g.id === 1)!;
  assert.equal(main.state, 'running');
  if (/stack unavailable/.test(r.stderr.toString())) assert.ok(goroutines.some((g) => g.stackUnavailable));
});

test('fatal error with GOTRACEBACK=system: gp=/m= headers and runtime frames', { skip: needGo }, async () => {
  const r = await runDumpgen('fatal', { env: { GOTRACEBACK: 'system' } });
  const text = r.stderr.toString();
  assert.match(text, /^fatal error: /m);
  assert.match(text, /goroutine \d+ gp=0x[0-9a-f]+ m=/);
  const { info, goroutines } = await parse(r.stderr, 'fatal.txt');
  assert.match(info.crash ?? '', /^fatal error: /);
  assert.equal(goroutines.length, text.match(/^goroutine \d+ gp=/gm)!.length);
  assert.ok(
    goroutines.some((g) => g.frames.some((f) => f.func === 'runtime.gopark')),
    'system frames are kept',
  );
  // Classification still finds the planted states through the runtime frames.
  assert.equal(byFunc(goroutines, 'main.blockChanSend').state, 'chan send');
});

test('tracebackancestors: [originating from goroutine N] blocks', { skip: needGo }, async () => {
  const r = await runDumpgen('ancestors', { env: { GODEBUG: 'tracebackancestors=5' } });
  assert.match(r.stdout.toString(), /\[originating from goroutine \d+\]:/);
  const { goroutines } = await parse(r.stdout);
  const grand = byFunc(goroutines, 'main.grandchildWorker');
  assert.ok(grand.ancestors.length >= 2, 'grandchild has parent and grandparent ancestry');
  assert.ok(grand.ancestors.every((a) => a.id > 0 && a.frames.length > 0));
  // Ancestor frames do not leak into the goroutine's own stack.
  assert.equal(userSite(grand.frames)?.func, 'main.grandchildWorker');
  assert.equal(grand.createdBy?.func, 'main.childWorker');
});

test('wait minutes (golden file from a real 61 s wait)', async () => {
  const file = path.join(repoRoot, 'testdata/golden/minutes.stack.txt');
  const { goroutines } = await parse(readFileSync(file), file);
  const waiting = goroutines.filter((g) => g.waitMinutes >= 1);
  assert.ok(waiting.length >= 5, 'blocked goroutines show ", 1 minutes"');
  assert.equal(byFunc(goroutines, 'main.blockChanSend').waitMinutes >= 1, true);
  const groups = groupAll(goroutines);
  assert.ok(groups.some((g) => g.waitMinutes.max >= 1));
});

test('debug=1 and debug=0 give the same stacks and counts as debug=2', { skip: needGo }, async () => {
  const d2 = await parse(await stackDump());
  const d1 = await parse((await runDumpgen('debug1')).stdout, 'debug1.txt');
  const d0 = await parse((await runDumpgen('debug0')).stdout, 'debug0.pb.gz');
  assert.equal(d1.info.format, 'debug1');
  assert.equal(d0.info.format, 'pprof');
  assert.equal(d0.info.gzipped, true);
  const sites = (gs: Goroutine[]) =>
    groupAll(gs, 'value')
      .filter((g) => g.blockingSite && /^main\.block/.test(g.blockingSite.func))
      .map((g) => `${g.count} ${g.stackKey}`)
      .sort();
  assert.deepEqual(sites(d1.goroutines), sites(d2.goroutines));
  assert.deepEqual(sites(d0.goroutines), sites(d2.goroutines));
  // debug=0 keeps runtime frames, so the wait reason is recoverable without a state;
  // except nil channels: the frames (runtime.chanrecv1/chansend1) are the same as for a
  // real channel, only the status text says "nil chan".
  for (const [fn, state] of PLANTED) {
    const g2 = byFunc(d2.goroutines, fn);
    const g0 = byFunc(d0.goroutines, fn);
    const expected = state.endsWith('(nil chan)') ? (state.startsWith('chan send') ? 'chan-send' : 'chan-receive') : classify(g2);
    assert.equal(classify(g0), expected, `${fn} (${state})`);
  }
  // Labels survive in both aggregated forms.
  assert.deepEqual(byFunc(d1.goroutines, 'main.blockWithLabels').labels, { handler: '/api/x', tenant: 't1' });
  assert.deepEqual(byFunc(d0.goroutines, 'main.blockWithLabels').labels, { handler: '/api/x', tenant: 't1' });
});

test(
  'goroutineleak profile (Go 1.26 GOEXPERIMENT=goroutineleakprofile): debug=0/1/2',
  { skip: needGo || (!leakExperimentSupported() && 'needs Go 1.26 for GOEXPERIMENT=goroutineleakprofile') },
  async () => {
    const d2 = await parse((await runDumpgen('leak2', { experiment: true })).stdout);
    const leakedFns = d2.goroutines.filter((g) => g.leaked).map((g) => userSite(g.frames)?.func);
    assert.ok(leakedFns.includes('main.leakedSender'), `leaked: ${leakedFns.join(', ')}`);
    assert.ok(leakedFns.includes('main.leakedReceiver'));
    assert.equal(byFunc(d2.goroutines, 'main.blockNetRead').leaked, false, 'I/O waits are never reported');
    const d1 = await parse((await runDumpgen('leak1', { experiment: true })).stdout);
    assert.equal(d1.info.leakProfile, true);
    assert.ok(d1.goroutines.some((g) => g.frames.some((f) => f.func === 'main.leakedSender')));
    const d0 = await parse((await runDumpgen('leak0', { experiment: true })).stdout);
    assert.equal(d0.info.leakProfile, true);
    assert.equal(d0.info.total, d1.info.total);
  },
);

const corpus = path.resolve(repoRoot, '../shared/corpus/goroutine');
const noCorpus = existsSync(corpus) ? false : `corpus folder ${corpus} absent: skipping`;

test('corpus: goleak dumps (Go 1.21+, Go 1.20 created-by form, tracebackancestors)', { skip: noCorpus }, async () => {
  for (const name of ['goleak-http.txt', 'goleak-http.go1.20.txt', 'goleak-http.tracebackancestors.txt']) {
    const text = readFileSync(path.join(corpus, name));
    const { goroutines } = await parse(text, name);
    assert.equal(goroutines.length, text.toString().match(/^goroutine \d+ \[/gm)!.length, name);
    const server = goroutines.find((g) => g.frames.some((f) => f.func === 'net/http.(*Server).Serve'))!;
    assert.equal(server.state, 'IO wait');
    assert.equal(server.createdBy?.func, 'main.start');
    if (name === 'goleak-http.go1.20.txt') assert.equal(server.parentId, null);
    else assert.equal(server.parentId, 1);
    if (name.includes('ancestors')) {
      assert.equal(server.ancestors.length, 1);
      assert.equal(server.ancestors[0]!.id, 1);
      const rl = goroutines.find((g) => g.frames[0]?.func === 'net/http.(*persistConn).readLoop')!;
      assert.equal(rl.createdBy?.func, 'net/http.(*Transport).dialConn');
      assert.equal(rl.ancestors[0]!.createdBy?.func, 'net/http.(*Transport).queueForDial');
      assert.equal(rl.parentId, 21);
    }
  }
});
