// Capturing profiles from a live service: the real demo service (loaded, and a second
// one started with mutex/block profiling off and a 1s WriteTimeout), plus tiny Node
// servers for the failures a Go service cannot be made to show on demand (no pprof at
// all, a hanging reply, connection refused, a reply that is not a profile, and the 400
// that Go < 1.23 sends for a CPU profile longer than its WriteTimeout).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { needGo, startDemo, type Demo } from './support/go.js';
import { startLoad, type Load } from '../scripts/load.js';
import { decodeProfile, indexProfile, int64ToNumber, type Profile } from '../src/formats/pprof/index.js';
import { FetchError, HttpStatusError, NotFoundError } from '../src/collect/fetch.js';
import {
  NotAProfileError,
  captureGoroutineText,
  captureProfile,
  disabledMessage,
  enableHint,
  profileEnabled,
  type CapturedProfile,
  type ProfileType,
} from '../src/collect/profiles.js';
import { captureAll, type CaptureProgress } from '../src/collect/plan.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'goscope-profile-capture-'));
let n = 0;
const freshDir = (): string => mkdtempSync(path.join(work, `c${n++}-`));

let demo: Demo | undefined; // loaded, profiling on
let quiet: Demo | undefined; // no load, mutex/block profiling off, WriteTimeout 1s
let load: Load | undefined;

before(async () => {
  if (needGo) return;
  [demo, quiet] = await Promise.all([startDemo(), startDemo({ args: ['-mutex-fraction', '0', '-block-rate', '0', '-write-timeout', '1s'] })]);
  load = startLoad(demo.url);
  await sleep(1500); // every hot spot has been hit a few times
});

after(async () => {
  await load?.stop();
  await Promise.all([demo?.stop(), quiet?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

/** Functions on the stacks of samples whose value at `index` is non-zero. */
function hotFunctions(p: Profile, index: number): Set<string> {
  const ix = indexProfile(p);
  const out = new Set<string>();
  for (const s of p.samples) {
    if (int64ToNumber(s.values[index]!) === 0) continue;
    for (const id of s.locationIds) for (const line of ix.locations.get(id)!.lines) out.add(ix.functions.get(line.functionId)?.name ?? '?');
  }
  return out;
}

function typesOf(p: Profile): string {
  return p.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(' ');
}

function assertOneLine(e: unknown, url: string, re: RegExp): void {
  assert.ok(e instanceof Error, String(e));
  assert.doesNotMatch(e.message, /\n/, 'one line');
  assert.ok(e.message.includes(url), `names ${url}: ${e.message}`);
  assert.match(e.message, re);
}

test('every profile type from the loaded demo: saved byte for byte, decodable, with its hot spot', { skip: needGo, timeout: 30_000 }, async () => {
  const base = new URL(demo!.url);
  const dir = freshDir();
  // The CPU profile runs while the others are taken (as in a real session).
  const ticks: number[] = [];
  const t0 = Date.now();
  const cpuRun = captureProfile(base, 'cpu', { dir, seconds: 2, onTick: (r) => ticks.push(r) });

  // A second CPU profile while one runs: Go answers 500, we say what it means.
  await sleep(200);
  const busy = await captureProfile(base, 'cpu', { dir, seconds: 1 }).then(
    () => assert.fail('a second concurrent CPU profile must fail'),
    (e: unknown) => e,
  );
  assert.ok(busy instanceof HttpStatusError && busy.status === 500, String(busy));
  assertOneLine(busy, `${demo!.url}/debug/pprof/profile?seconds=1`, /a CPU profile is already running in the service/);

  // Every hot spot once more, inside the CPU window: the profiles are sampled, and this
  // makes their presence certain rather than likely (the load alone almost always does).
  for (const p of ['/cpu?ms=300', '/contended?ms=200', '/fanout?ms=50', '/cache?kb=4096', '/alloc?kb=16384']) {
    assert.equal((await fetch(demo!.url + p)).status, 200, p);
  }

  const got = new Map<ProfileType, CapturedProfile>();
  for (const type of ['heap', 'allocs', 'goroutine', 'mutex', 'block', 'threadcreate'] as const) {
    got.set(type, await captureProfile(base, type, { dir }));
  }
  const cpu = await cpuRun;
  got.set('cpu', cpu);
  assert.ok(Date.now() - t0 >= 1900, 'the CPU profile lasted its 2 seconds');
  assert.deepEqual(ticks.slice(0, 2), [2, 1], `countdown ${ticks.join(' ')}`);
  assert.ok(ticks.length <= 3 && ticks.every((t, i) => i === 0 || t === ticks[i - 1]! - 1), `countdown ${ticks.join(' ')}`);
  assert.ok(cpu.requestedAt <= cpu.fetchedAt);

  const expected: Record<ProfileType, { types: string; index: number; hot: string }> = {
    cpu: { types: 'samples/count cpu/nanoseconds', index: 1, hot: 'main.hashChain' },
    heap: { types: 'alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes', index: 3, hot: 'main.fillSessionCache' },
    allocs: { types: 'alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes', index: 1, hot: 'main.buildReportRows' },
    goroutine: { types: 'goroutine/count', index: 0, hot: 'main.poolWorker' },
    mutex: { types: 'contentions/count delay/nanoseconds', index: 1, hot: 'main.contendedWorker' },
    block: { types: 'contentions/count delay/nanoseconds', index: 1, hot: 'main.gatherReplies' },
    // Go records no stacks for most thread creations (golang/go#6104); the template
    // thread started by signal.Notify's LockOSThread is the one with a real stack.
    threadcreate: { types: 'threadcreate/count', index: 0, hot: 'runtime.newm' },
  };
  for (const [type, c] of got) {
    const want = expected[type];
    assert.equal(path.basename(c.path), `${type}.pb.gz`);
    assert.equal(path.dirname(c.path), dir);
    assert.deepEqual(new Uint8Array(readFileSync(c.path)), new Uint8Array(c.bytes), `${type}: the file holds exactly what the service sent`);
    assert.equal(c.bytes[0], 0x1f, `${type}: gzipped as Go sent it`);
    const p = decodeProfile(c.bytes, c.path);
    assert.equal(typesOf(p), want.types, type);
    assert.ok(hotFunctions(p, want.index).has(want.hot), `${type}: ${want.hot} is in the profile`);
  }

  // Names: the next capture of a type is <type>.1.pb.gz; `name` overrides.
  const heap2 = await captureProfile(base, 'heap', { dir, params: { gc: '1' } });
  assert.equal(path.basename(heap2.path), 'heap.1.pb.gz');
  assert.equal(heap2.url, `${demo!.url}/debug/pprof/heap?gc=1`);
  const named = await captureProfile(base, 'goroutine', { dir, name: 'before-deploy.pb.gz' });
  assert.equal(path.basename(named.path), 'before-deploy.pb.gz');

  const text = await captureGoroutineText(base, { dir });
  assert.equal(path.basename(text.path), 'goroutines.txt');
  const dump = readFileSync(text.path, 'utf8');
  assert.equal(text.size, Buffer.byteLength(dump));
  assert.match(dump, /^goroutine \d+ \[[^\]]+\]:\n/);
  assert.match(dump, /\nmain\.poolWorker\(/);
});

test('mutex and block profiles: disabled told apart from enabled', { skip: needGo, timeout: 20_000 }, async () => {
  const on = new URL(demo!.url);
  const off = new URL(quiet!.url);
  const started = Date.now();
  const [mutexOn, blockOn, mutexOff, blockOff] = await Promise.all([
    profileEnabled(on, 'mutex'),
    profileEnabled(on, 'block'),
    profileEnabled(off, 'mutex'),
    profileEnabled(off, 'block'),
  ]);
  assert.deepEqual({ mutexOn, blockOn, mutexOff, blockOff }, { mutexOn: true, blockOn: true, mutexOff: false, blockOff: false });
  assert.ok(Date.now() - started < 5000, 'the block probe takes about a second');

  // The quiet service has had no contention at all: "enabled but nothing yet" must not
  // be what tells them apart, so check that its profiles really are empty.
  const dir = freshDir();
  for (const type of ['mutex', 'block'] as const) {
    const p = decodeProfile((await captureProfile(off, type, { dir })).bytes, type);
    assert.equal(p.samples.length, 0, `${type} profile of the quiet service is empty`);
  }
  assert.equal(enableHint('mutex'), 'runtime.SetMutexProfileFraction(5)');
  assert.equal(enableHint('block'), 'runtime.SetBlockProfileRate(10000)');
  assert.match(disabledMessage('mutex'), /^mutex profile is disabled.*runtime\.SetMutexProfileFraction\(5\) at startup/);
  assert.match(disabledMessage('block'), /^block profile is disabled.*runtime\.SetBlockProfileRate\(10000\) at startup/);
  // A third-party program cannot take the line of Go: its execution trace records the waits.
  assert.match(
    disabledMessage('mutex', { service: 'http://127.0.0.1:2019/' }),
    /; for a program you cannot change \(a third-party binary\), an execution trace records its lock waits without the profile: goscope trace http:\/\/127\.0\.0\.1:2019\/ --pprof sync -o sync\.pb\.gz$/,
  );
  assert.match(
    disabledMessage('block', { traced: true }),
    /an execution trace records its blocking without the profile: goscope trace <service> --pprof sync -o sync\.pb\.gz; this run's trace section shows them$/,
  );
});

// ---- failures -----------------------------------------------------------------------------

interface Fake {
  url: string;
  close(): Promise<void>;
}

async function fakeServer(handler: http.RequestListener): Promise<Fake> {
  const sockets = new Set<Socket>();
  const server = http.createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('failures are one line naming the URL: no pprof, timeouts, refused, not a profile, old-Go WriteTimeout', { timeout: 20_000 }, async () => {
  const dir = freshDir();
  // A plain HTTP service without net/http/pprof (Go's mux answers like this).
  const plain = await fakeServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  });
  // Accepts, never answers.
  const hang = await fakeServer(() => {});
  // A catch-all web app: 200 and HTML for every path.
  const html = await fakeServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><html><body>welcome</body></html>');
  });
  // What Go <= 1.22's net/http/pprof replied for seconds >= WriteTimeout (Go 1.23+ extends
  // the write deadline instead, so no Go here can produce it).
  const oldGo = await fakeServer((_req, res) => {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Go-Pprof': '1' });
    res.end("profile duration exceeds server's WriteTimeout\n");
  });
  try {
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );

    const e404 = await failure(captureProfile(new URL(plain.url), 'heap', { dir }));
    assert.ok(e404 instanceof NotFoundError && e404.reason === 'no-pprof', String(e404));
    assertOneLine(e404, `${plain.url}/debug/pprof/heap`, /404 Not Found: the service does not serve net\/http\/pprof/);
    // captureAll stops at once when the first request shows there is nothing to capture.
    const all404 = await failure(captureAll(new URL(plain.url), { dir: freshDir(), seconds: 5, goroutineSamples: 2 }));
    assert.ok(all404 instanceof NotFoundError, String(all404));

    const t1 = Date.now();
    const eTimeout = await failure(captureProfile(new URL(hang.url), 'goroutine', { dir, timeoutMs: 300 }));
    assert.ok(eTimeout instanceof FetchError && eTimeout.code === 'TIMEOUT', String(eTimeout));
    assertOneLine(eTimeout, `${hang.url}/debug/pprof/goroutine`, /no response within 0\.3s/);
    assert.ok(Date.now() - t1 < 2000);

    // A CPU request's timeout is its length plus the margin.
    const t2 = Date.now();
    const eCpuTimeout = await failure(captureProfile(new URL(hang.url), 'cpu', { dir, seconds: 1, timeoutMs: 300 }));
    assert.ok(Date.now() - t2 >= 1250, 'waited for the profile length first');
    assertOneLine(eCpuTimeout, `${hang.url}/debug/pprof/profile?seconds=1`, /no response within 1\.3s for a 1s CPU profile/);

    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const eRefused = await failure(captureProfile(new URL(`http://127.0.0.1:${port}`), 'allocs', { dir }));
    assert.ok(eRefused instanceof FetchError && eRefused.code === 'REFUSED', String(eRefused));
    assertOneLine(eRefused, `http://127.0.0.1:${port}/debug/pprof/allocs`, /connection refused/);

    const eHtml = await failure(captureProfile(new URL(html.url), 'mutex', { dir }));
    assert.ok(eHtml instanceof NotAProfileError, String(eHtml));
    assertOneLine(eHtml, `${html.url}/debug/pprof/mutex`, /not a gzipped pprof profile but a reply starting "<!doctype html>/);
    assert.equal(readFileSync(eHtml.savedTo, 'utf8').slice(0, 15), '<!doctype html>', 'the reply was saved anyway');

    const e400 = await failure(captureProfile(new URL(oldGo.url), 'cpu', { dir, seconds: 30 }));
    assert.ok(e400 instanceof HttpStatusError && e400.status === 400, String(e400));
    assertOneLine(
      e400,
      `${oldGo.url}/debug/pprof/profile?seconds=30`,
      /the 30s CPU profile is not shorter than the service's http\.Server WriteTimeout: use a smaller --seconds/,
    );
    // Such a server cannot run the block probe either: "cannot tell", not an error.
    assert.equal(await profileEnabled(new URL(oldGo.url), 'block'), null);
  } finally {
    await Promise.all([plain.close(), hang.close(), html.close(), oldGo.close()]);
  }
});

// ---- captureAll ---------------------------------------------------------------------------

test(
  'captureAll: everything saved, goroutine snapshots spread over the CPU window, disabled profiles reported',
  { skip: needGo, timeout: 20_000 },
  async () => {
    const dir = freshDir();
    const events: CaptureProgress[] = [];
    // The quiet demo has a 1s WriteTimeout: Go 1.23+ extends it for the 2s CPU profile.
    const set = await captureAll(new URL(quiet!.url), { dir, seconds: 2, goroutineSamples: 3, onProgress: (e) => events.push(e) });
    for (const kind of ['cpu', 'heap', 'allocs', 'goroutine', 'threadcreate', 'goroutine-dump'] as const) {
      assert.equal(set.status[kind].state, 'ok', `${kind}: ${set.status[kind].message}`);
    }
    assert.deepEqual(set.status.mutex, { state: 'disabled', message: disabledMessage('mutex', { service: quiet!.url + '/', traced: false }) });
    assert.deepEqual(set.status.block, { state: 'disabled', message: disabledMessage('block', { service: quiet!.url + '/', traced: false }) });
    assert.equal(set.aborted, false);

    const names = readdirSync(dir).sort();
    assert.deepEqual(names, [
      'allocs.1.pb.gz',
      'allocs.2.pb.gz',
      'block.1.pb.gz',
      'block.2.pb.gz',
      'capture.json',
      'cpu.pb.gz',
      'goroutine.01.pb.gz',
      'goroutine.02.pb.gz',
      'goroutine.03.pb.gz',
      'goroutines.first.txt',
      'goroutines.txt',
      'heap.pb.gz',
      'mutex.1.pb.gz',
      'mutex.2.pb.gz',
      'threadcreate.pb.gz',
    ]);
    assert.deepEqual(set.files.map((f) => path.basename(f)).sort(), names);
    for (const f of set.files) if (f.endsWith('.pb.gz')) decodeProfile(readFileSync(f), f);
    assert.equal(set.allocs.older!.path, path.join(dir, 'allocs.1.pb.gz'));
    assert.equal(set.allocs.newer!.path, path.join(dir, 'allocs.2.pb.gz'));
    assert.ok(set.allocs.older!.fetchedAt <= set.allocs.newer!.requestedAt);
    assert.match(set.heap!.url, /\/debug\/pprof\/heap\?gc=1$/);
    assert.match(readFileSync(set.goroutineDump!.path, 'utf8'), /^goroutine \d+ \[/);
    // A debug=2 dump right after the first snapshot too: the leak verdict follows goroutine ids from it.
    assert.match(readFileSync(set.goroutineFirstDump!.path, 'utf8'), /^goroutine \d+ \[/);
    assert.ok(set.goroutineFirstDump!.requestedAt >= set.goroutines[0]!.fetchedAt && set.goroutineFirstDump!.fetchedAt <= set.cpu!.requestedAt);

    // Three snapshots, one before the window and two inside it, 2/3 s apart.
    const cpu = set.cpu!;
    const at = set.goroutines.map((g) => g.requestedAt.getTime() - cpu.requestedAt.getTime());
    assert.equal(at.length, 3);
    assert.ok(at[0]! <= 0 && at[0]! > -500, `snapshot 1 just before the window: ${at}`);
    assert.ok(Math.abs(at[1]! - 667) < 250 && Math.abs(at[2]! - 1333) < 250, `spread over the window: ${at}`);
    for (const g of set.goroutines.slice(1)) assert.ok(g.fetchedAt < cpu.fetchedAt, 'taken while the CPU profile ran');
    assert.ok(cpu.fetchedAt.getTime() - cpu.requestedAt.getTime() >= 1900);
    assert.ok(set.allocs.newer!.requestedAt >= cpu.fetchedAt && set.heap!.requestedAt >= set.allocs.newer!.fetchedAt, 'after the window');

    const cpuTicks = events.filter((e) => e.phase === 'cpu').map((e) => e.remaining);
    assert.equal(cpuTicks[0], 2);
    assert.ok(cpuTicks.includes(1));
    assert.equal(events.at(-1)?.phase, 'done');

    const manifest = JSON.parse(readFileSync(set.manifest!, 'utf8')) as {
      schema: string;
      status: Record<string, { state: string }>;
      captures: { type: string; file: string }[];
    };
    assert.equal(manifest.schema, 'goscope.capture/v1');
    assert.equal(manifest.status.mutex!.state, 'disabled');
    assert.equal(manifest.captures.length, 14);
    assert.ok(manifest.captures.some((c) => c.type === 'goroutine' && c.file === 'goroutines.first.txt'));
    assert.ok(manifest.captures.some((c) => c.type === 'cpu' && c.file === 'cpu.pb.gz'));
  },
);

test('captureAll survives a failing profile (a CPU profile already running) and can be interrupted', { skip: needGo, timeout: 20_000 }, async () => {
  const base = new URL(demo!.url);
  // Someone else's CPU profile holds the profiler for the whole window.
  const other = new AbortController();
  const othersCpu = captureProfile(base, 'cpu', { dir: freshDir(), seconds: 10, signal: other.signal });
  othersCpu.catch(() => {});
  await sleep(300);
  try {
    const dir = freshDir();
    const set = await captureAll(base, { dir, seconds: 2, goroutineSamples: 2 });
    assert.equal(set.status.cpu.state, 'failed');
    assert.match(set.status.cpu.message!, /^cpu \(2s\): .*a CPU profile is already running/);
    assert.equal(set.cpu, undefined);
    for (const kind of ['heap', 'allocs', 'goroutine', 'mutex', 'block', 'threadcreate', 'goroutine-dump'] as const) {
      assert.equal(set.status[kind].state, 'ok', `${kind}: ${set.status[kind].message}`);
    }
    // The window still lasted its 2 seconds, with the second snapshot in the middle.
    const at = set.goroutines.map((g) => g.requestedAt.getTime());
    assert.ok(Math.abs(at[1]! - at[0]! - 1000) < 300, `snapshots ${at}`);
    assert.ok(set.allocs.newer!.requestedAt.getTime() - at[0]! >= 1900);
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('cpu')).length, 0);
    assert.equal(set.files.length, readdirSync(dir).length);
  } finally {
    other.abort();
  }
  await assert.rejects(othersCpu);

  // Interrupted in the middle of the window: stops at once, keeps what it took.
  const dir = freshDir();
  const stop = new AbortController();
  const t0 = Date.now();
  setTimeout(() => stop.abort(), 700);
  const set = await captureAll(base, { dir, seconds: 10, goroutineSamples: 4, signal: stop.signal });
  assert.ok(Date.now() - t0 < 3000, 'stopped promptly');
  assert.equal(set.aborted, true);
  assert.equal(set.status.allocs.state, 'failed');
  assert.match(set.status.cpu.message!, /interrupted/);
  assert.ok(set.allocs.older && !set.allocs.newer);
  assert.equal(set.goroutines.length, 1);
  assert.ok(readdirSync(dir).includes('allocs.1.pb.gz') && readdirSync(dir).includes('capture.json'));
});
