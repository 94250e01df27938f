// The pure parts of goscope http: W3C traceparent rules, HTTP/1.1 framing on bytes a real
// Go net/http server wrote (split at every position), --slo rules, percentiles, /etc/hosts.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BodyReader, framingOf, headEnd, keepsAlive, parseResponseHead } from '../src/formats/http/h1.js';
import { parseTraceparent, TraceIdSource } from '../src/formats/http/traceparent.js';
import { parseEcho } from '../src/formats/http/echo.js';
import { Samples } from '../src/formats/http/samples.js';
import { emptyPhases, type Exchange } from '../src/formats/http/exchange.js';
import { checkSlo, parseSlo } from '../src/analysis/http/slo.js';
import { histogram, stat, summarise } from '../src/analysis/http/stats.js';
import { nearestRank } from '../src/lib/quantile.js';
import { echoDiff } from '../src/analysis/http/echo-diff.js';
import { parseHosts } from '../src/collect/http/hosts.js';
import { renderLoad, type LoadReport } from '../src/report/http.js';
import type { ClientTime } from '../src/lib/thread-time.js';
import { style } from '../src/report/term.js';
import { needGo, startDemo, type Demo } from './support/go.js';

describe('traceparent (W3C Trace Context)', () => {
  test('the spec example parses', () => {
    const tp = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    assert.ok(!('error' in tp));
    assert.equal(tp.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(tp.parentId, '00f067aa0ba902b7');
    assert.equal(tp.sampled, true);
  });
  test('invalid values are rejected with the reason', () => {
    const bad: [string, RegExp][] = [
      ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', /lowercase/],
      ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', /trace-id is all zeros/],
      ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', /parent-id is all zeros/],
      ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', /version ff/],
      ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', /exactly 55/],
      ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', /too short/],
      ['00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01', /joined by "-"/],
      ['00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01', /not hex/],
      ['cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x', /after trace-flags/],
    ];
    for (const [v, why] of bad) {
      const r = parseTraceparent(v);
      assert.ok('error' in r, v);
      assert.match(r.error, why, v);
    }
    // A future version may carry more fields after a dash.
    assert.ok(!('error' in parseTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds')));
  });
  test('generated traceparents are valid and distinct', () => {
    const src = new TraceIdSource();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const v = src.traceparent();
      const r = parseTraceparent(v);
      assert.ok(!('error' in r), v);
      assert.equal(r.value, v);
      seen.add(r.traceId);
    }
    assert.equal(seen.size, 2000);
  });
});

/** The raw bytes of one HTTP/1.1 exchange with the demo, as its Go net/http server wrote them. */
function rawExchange(base: string, path: string): Promise<Buffer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const s = net.connect({ host: u.hostname, port: Number(u.port) }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
    });
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(parts)));
  });
}

/** Feeds `raw` in two pieces split at `cut`; returns the parsed head, body bytes and the kept body. */
function parseSplit(raw: Buffer, cut: number, method = 'GET') {
  const pieces = [raw.subarray(0, cut), raw.subarray(cut)];
  let head: Buffer = Buffer.alloc(0);
  let reader: BodyReader | null = null;
  let parsed = null as ReturnType<typeof parseResponseHead> | null;
  const kept: Buffer[] = [];
  for (const piece of pieces) {
    let buf = piece;
    if (!reader) {
      buf = Buffer.concat([head, piece]);
      const end = headEnd(buf, 0, buf.length);
      if (end < 0) {
        head = buf;
        continue;
      }
      parsed = parseResponseHead(buf, end);
      reader = new BodyReader(framingOf(parsed, method), (b, s, e) => kept.push(Buffer.from(b.subarray(s, e))));
      buf = buf.subarray(end);
    }
    reader.feed(buf, 0, buf.length);
  }
  if (reader && !reader.done) reader.eof();
  return { parsed: parsed!, done: reader?.done ?? false, bytes: reader?.bytes ?? 0, body: Buffer.concat(kept) };
}

describe('HTTP/1.1 framing on real Go net/http output', { skip: needGo, timeout: 120_000 }, () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(async () => demo?.stop());

  test('Content-Length body (/bytes?kb=3), split at every byte', async () => {
    const raw = await rawExchange(demo.url, '/bytes?kb=3');
    const whole = parseSplit(raw, raw.length);
    assert.equal(whole.parsed.status, 200);
    assert.deepEqual(framingOf(whole.parsed, 'GET'), { kind: 'length', length: 3072 });
    assert.equal(keepsAlive(whole.parsed, framingOf(whole.parsed, 'GET')), false, 'Connection: close was asked for');
    for (let cut = 0; cut <= raw.length; cut += 1) {
      const r = parseSplit(raw, cut);
      assert.ok(r.done, `cut ${cut}`);
      assert.equal(r.bytes, 3072, `cut ${cut}`);
      assert.ok(r.body.equals(whole.body));
    }
  });

  test('chunked body (/slowbody), split at every byte, equals the payload', async () => {
    const raw = await rawExchange(demo.url, '/slowbody?ms=20&chunks=4&kb=1');
    const whole = parseSplit(raw, raw.length);
    assert.deepEqual(framingOf(whole.parsed, 'GET'), { kind: 'chunked' });
    assert.equal(whole.bytes, 4096);
    // The demo's payload: byte i is "0-9a-zA-Z-\n"[i % 64].
    const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n';
    const want = Buffer.from(Array.from({ length: 4096 }, (_, i) => alphabet[i % 64]).join(''), 'latin1');
    assert.ok(whole.body.equals(want), 'the de-chunked body is the payload');
    for (let cut = 0; cut <= raw.length; cut += 7) {
      const r = parseSplit(raw, cut);
      assert.ok(r.done, `cut ${cut}`);
      assert.ok(r.body.equals(want), `cut ${cut}`);
    }
  });

  test('HEAD and 304-style responses have no body; a redirect head parses', async () => {
    const raw = await rawExchange(demo.url, '/redirect?n=1');
    const r = parseSplit(raw, raw.length);
    assert.equal(r.parsed.status, 302);
    assert.ok(r.parsed.headers.some(([n, v]) => n === 'Location' && v.startsWith('/redirect?n=0')));
    assert.deepEqual(framingOf(r.parsed, 'HEAD'), { kind: 'none' });
  });

  test('a reply that is not HTTP is a clear error', () => {
    const buf = Buffer.from('\x16\x03\x01\x00\x05hello\r\n\r\n', 'latin1');
    assert.throws(() => parseResponseHead(buf, buf.length), /not HTTP\/1\.x/);
  });
});

function fakeRun(totals: number[], failures = 0, statuses: number[] = []): Samples {
  const s = Samples.create(totals.length + failures);
  totals.forEach((t, i) => {
    const phases = { ...emptyPhases(), total: t, ttfb: t / 2, serverProcessing: t / 2 };
    s.add({
      index: i,
      traceparent: '',
      traceId: String(i),
      hops: [],
      phases,
      status: statuses[i] ?? 200,
      failure: null,
      body: null,
      bodyTruncated: false,
    } as Exchange);
  });
  for (let f = 0; f < failures; f++) {
    const i = totals.length + f;
    s.add({
      index: i,
      traceparent: '',
      traceId: String(i),
      hops: [],
      phases: emptyPhases(),
      status: null,
      failure: { kind: 'refused', phase: 'connect', timeout: null, message: 'x', code: 'ECONNREFUSED' },
      body: null,
      bodyTruncated: false,
    });
  }
  return s;
}

describe('--slo and statistics', () => {
  test('nearest-rank percentiles', () => {
    const v = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(nearestRank(v, 50), 50);
    assert.equal(nearestRank(v, 99), 99);
    assert.equal(nearestRank(v, 100), 100);
    assert.equal(nearestRank(Float64Array.of(7), 99), 7);
    const st = stat(Float64Array.of(3, NaN, 1, 2))!;
    assert.deepEqual([st.count, st.min, st.p50, st.max], [3, 1, 2, 3]);
  });
  test('the histogram covers every value on a 1-2-5 scale', () => {
    const v = Float64Array.of(0.3, 0.7, 1.1, 4, 4.5, 19, 230);
    const h = histogram(v);
    assert.equal(
      h.reduce((a, b) => a + b.count, 0),
      7,
    );
    assert.equal(h[0]!.fromMs, 0.2);
    assert.ok(h[h.length - 1]!.toMs > 230);
    for (const b of h) assert.ok([1, 2, 5].includes(Number(String(b.fromMs).replace(/[0.]/g, '')[0])), String(b.fromMs));
  });
  test('rules parse, and bad ones say why', () => {
    const r = parseSlo('total=200ms, ttfb.p90=100ms,server:max=1s,errors=1%');
    assert.ok(Array.isArray(r));
    assert.deepEqual(
      r.map((x) => [x.metric, x.stat, x.bound]),
      [
        ['total', 'p99', 200],
        ['ttfb', 'p90', 100],
        ['serverProcessing', 'max', 1000],
        ['errors', 'rate', 0.01],
      ],
    );
    for (const [bad, why] of [
      ['total', /not metric/],
      ['latency=1s', /unknown metric/],
      ['total=fast', /not a duration/],
      ['errors.p99=1', /rate/],
      ['total.p0=1ms', /percentile/],
    ] as const) {
      const e = parseSlo(bad);
      assert.ok('error' in e, bad);
      assert.match(e.error, why);
    }
  });
  test('rules are checked against the run', () => {
    const s = fakeRun([10, 20, 30, 40, 1000], 1);
    const rules = parseSlo('total.p50=30ms,total=500ms,errors=0,errors=20%');
    assert.ok(Array.isArray(rules));
    const res = checkSlo(rules, s);
    assert.deepEqual(
      res.map((x) => [x.text, x.actual, x.pass]),
      [
        ['total.p50=30ms', 30, true],
        ['total=500ms', 1000, false],
        ['errors=0', 1, false],
        ['errors=20%', 1 / 6, true],
      ],
    );
  });
  test('status rules: a class, a code or a range, as a count or a rate', () => {
    const r = parseSlo('status5xx=0, status4xx=1%,status503=2,status>=500=0.5%');
    assert.ok(Array.isArray(r));
    assert.deepEqual(
      r.map((x) => [x.metric, x.statusFrom, x.statusTo, x.stat, x.bound]),
      [
        ['status', 500, 599, 'count', 0],
        ['status', 400, 499, 'rate', 0.01],
        ['status', 503, 503, 'count', 2],
        ['status', 500, 999, 'rate', 0.005],
      ],
    );
    for (const [bad, why] of [
      ['status6xx=0', /not a status rule/],
      ['status5xx=fast', /rate such as 1% or a count/],
      ['status>=700=1%', /not an HTTP status/],
      ['status.p99=1', /not a status rule/],
    ] as const) {
      const e = parseSlo(bad);
      assert.ok('error' in e, bad);
      assert.match(e.error, why, bad);
    }
    // 100 responses, all 502: errors=0 passes (nothing failed), status5xx=0 does not.
    const s = fakeRun(
      Array.from({ length: 5 }, (_, i) => 10 + i),
      1,
      [200, 502, 503, 404, 200],
    );
    const rules = parseSlo('errors=0,status5xx=1,status>=500=30%,status404=0,status4xx=20%');
    assert.ok(Array.isArray(rules));
    assert.deepEqual(
      checkSlo(rules, s).map((x) => [x.text, x.actual, x.pass]),
      [
        ['errors=0', 1, false],
        ['status5xx=1', 2, false],
        ['status>=500=30%', 2 / 6, false],
        ['status404=0', 1, false],
        ['status4xx=20%', 1 / 6, true],
      ],
    );
    const sum = summarise(s);
    assert.deepEqual(sum.statusClasses, { '2xx': 2, '4xx': 1, '5xx': 2 });
    assert.deepEqual(sum.statuses, { 200: 2, 404: 1, 502: 1, 503: 1 });
  });
  test('the tail: the phase the slowest 1% spent most time in, not the largest phase p99', () => {
    // 2000 requests over 50 connections: one connect took 20 ms, the others 0.1 ms; 30
    // requests waited 15 ms in the server. Connect's own "p99" is the slowest of its 50
    // (20 ms) and beats server processing's p99 (15 ms), but the slow requests are the
    // server's.
    const s = Samples.create(2000);
    for (let i = 0; i < 2000; i++) {
      const connect = i < 50 ? (i === 7 ? 20 : 0.1) : null;
      const server = i >= 1970 ? 15 : 1;
      const phases = {
        ...emptyPhases(),
        connect,
        serverProcessing: server,
        transfer: 0.1,
        ttfb: server + (connect ?? 0),
        total: server + (connect ?? 0) + 0.1,
      };
      s.add({ index: i, traceparent: '', traceId: '', hops: [], phases, status: 200, failure: null, body: null, bodyTruncated: false });
    }
    const sum = summarise(s);
    assert.ok(sum.phases.connect!.p99 > sum.phases.serverProcessing!.p99);
    const tail = sum.tail!;
    assert.equal(tail.phase, 'serverProcessing');
    assert.equal(tail.requests, 31);
    assert.ok(Math.abs(tail.phaseMs - (30 * 15 + 1) / 31) < 1e-9, String(tail.phaseMs));
  });
});

describe('the held-up client note', () => {
  // Numbers measured with the demo on this 2-core machine (see heldUpNote): on loopback
  // the service takes turns with goscope; four busy processes make each wait long; a
  // process stopped (SIGSTOP) now and then, like a virtual CPU the host gives away, is stopped.
  const times = (t: Partial<ClientTime>): ClientTime => ({
    onCpuMs: 600,
    waitedMs: 0,
    slices: 1,
    stoppedMs: 0,
    machineStealMs: 0,
    connectHeldUpMaxMs: 0,
    connectsHeldUp: 0,
    slowestConnect: null,
    ...t,
  });
  const report = (cpu: LoadReport['cpu'], threads = 1): string => {
    const s = Samples.create(1);
    s.add({
      index: 0,
      traceparent: '',
      traceId: '',
      hops: [],
      phases: { ...emptyPhases(), total: 5 },
      status: 200,
      failure: null,
      body: null,
      bodyTruncated: false,
    });
    const r: LoadReport = {
      method: 'GET',
      timeouts: { connect: 0, tls: 0, header: 0, total: 0 },
      url: 'http://127.0.0.1:1/',
      concurrency: 8,
      keepAlive: true,
      elapsedMs: 1400,
      skipped: 0,
      opened: 8,
      retries: 0,
      summary: summarise(s),
      slo: null,
      rate: null,
      durationMs: null,
      timeUp: false,
      capped: null,
      traced: true,
      failStatus: false,
      interrupted: false,
      cpu,
      threads,
    };
    return renderLoad(r, style(false));
  };
  const note = /^goscope was held up: .*$/m;
  test('a service taking turns with goscope on loopback is not a busy machine', () => {
    assert.doesNotMatch(report(times({ waitedMs: 47.8, slices: 1549, connectHeldUpMaxMs: 0.1 })), note);
    assert.doesNotMatch(report(times({ waitedMs: 47.8, slices: 1549, stoppedMs: 2 })), note);
    assert.doesNotMatch(report(null), note);
  });
  test('long waits, or 1 ms inside a connect, are named with their numbers', () => {
    assert.match(
      report(times({ waitedMs: 390.2, slices: 736, connectHeldUpMaxMs: 0.4 })),
      /^goscope was held up: it waited 390ms for a CPU \(28% of the run, 0\.530ms at a time on average\)\. A busy machine or a CPU quota: latencies of that size may be the client's, not the service's$/m,
    );
    // Where on-CPU time is not known (so neither is stopped time), the wait alone is told.
    assert.match(
      report(times({ onCpuMs: NaN, stoppedMs: NaN, waitedMs: 390.2, slices: 736 })),
      /^goscope was held up: it waited 390ms for a CPU \(28% of the run, 0\.530ms at a time on average\)\. A busy machine/m,
    );
    assert.match(
      report(times({ waitedMs: 20, slices: 1000, connectHeldUpMaxMs: 12.4, connectsHeldUp: 2 }), 2),
      /\(1% of the run on 2 threads, 0\.020ms at a time on average\); 2 tcp connects were held up 1 ms or more \(up to 12\.4ms\)\. A busy machine or a CPU quota:/,
    );
  });
  test('stopped time is named, with the steal the host took meanwhile', () => {
    assert.match(
      report(times({ waitedMs: 3, slices: 100, stoppedMs: 120.4, machineStealMs: 130, connectHeldUpMaxMs: 11.9, connectsHeldUp: 1 })),
      /^goscope was held up: it was stopped for 120ms \(the hypervisor took 130ms of this machine's CPU time meanwhile\); 1 tcp connect was held up 1 ms or more \(up to 11\.9ms\)\. A host busy with other machines: latencies/m,
    );
    assert.match(
      report(times({ waitedMs: 3, slices: 100, stoppedMs: 40 })),
      /^goscope was held up: it was stopped for 40\.0ms\. A stopped or blocked process: latencies/m,
    );
  });
});

describe('sample columns', () => {
  const ex = (i: number, total: number, traceId = ''): Exchange => ({
    index: i,
    traceparent: '',
    traceId,
    hops: [],
    phases: { ...emptyPhases(), total },
    status: 200,
    failure: null,
    body: null,
    bodyTruncated: false,
  });
  test('a run of unknown length grows its columns and keeps what was written', () => {
    const s = Samples.create(1000, 4);
    for (let i = 0; i < 100; i++) s.add(ex(i, i, i % 2 ? 'ab'.repeat(16) : ''));
    assert.equal(s.size, 100);
    assert.equal(s.count, 100);
    assert.ok(s.phases.total.length >= 100);
    for (let i = 0; i < 100; i++) assert.equal(s.phases.total[i], i);
    assert.equal(s.traceId(1), 'ab'.repeat(16));
    assert.equal(s.traceId(2), '', 'no traceparent sent');
    s.skip(100);
    assert.equal(s.size, 101);
    assert.ok(Number.isNaN(s.phases.total[100]!));
    assert.equal(stat(s.phases.total, s.size)!.count, 100);
    assert.throws(() => s.add(ex(1000, 1)), /capacity/);
  });
  test('shared columns grown by one thread are seen by another', () => {
    const a = Samples.shared(10_000, 8);
    const b = Samples.attach(10_000, a.sharedBuffers);
    a.add(ex(0, 1));
    b.add(ex(500, 2)); // b grows the shared buffers
    a.add(ex(400, 3)); // a sees them grown (or grows them further)
    b.add(ex(9_999, 4));
    a.absorb({ count: b.count, failures: [], protocols: [] });
    assert.deepEqual([a.phases.total[0], a.phases.total[400], a.phases.total[500], a.phases.total[9_999]], [1, 3, 2, 4]);
  });
});

describe('echo bodies and header diffs', () => {
  test('httpbin-style objects and goscope-style pairs', () => {
    const a = parseEcho(Buffer.from(JSON.stringify({ headers: { Accept: '*/*', 'X-Two': ['a', 'b'] } })));
    assert.ok(!('error' in a));
    assert.deepEqual(a.headers, [
      ['Accept', '*/*'],
      ['X-Two', 'a'],
      ['X-Two', 'b'],
    ]);
    const b = parseEcho(Buffer.from(JSON.stringify({ host: 'h:1', headers: [['Accept', '*/*']] })));
    assert.ok(!('error' in b));
    assert.equal(b.host, 'h:1');
    assert.match((parseEcho(Buffer.from('<html>')) as { error: string }).error, /not JSON/);
    assert.match((parseEcho(Buffer.from('{"ok":true}')) as { error: string }).error, /no "headers"/);
  });
  test('trace context verdicts', () => {
    const sent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const diff = (received: string | null) =>
      echoDiff([['traceparent', sent]], { headers: received === null ? [] : [['Traceparent', received]], host: null }, sent).traceContext.verdict;
    assert.equal(diff(sent), 'intact');
    assert.equal(diff('00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01'), 'new-span');
    assert.equal(diff('00-11111111111111111111111111111111-1111111111111111-01'), 'replaced');
    assert.equal(diff('garbage'), 'invalid');
    assert.equal(diff(null), 'dropped');
    // -H 'traceparent:': none sent; one arriving anyway was added on the way.
    const none = (received: string | null) => echoDiff([], { headers: received === null ? [] : [['Traceparent', received]], host: null }, '').traceContext;
    assert.equal(none(null).verdict, 'not-sent');
    assert.match(none(sent).detail, /but one arrived .*something on the way starts traces/);
  });
});

test('/etc/hosts parsing keeps file order and ignores comments', () => {
  const m = parseHosts('127.0.0.1 localhost\n::1 localhost ip6-localhost # v6\n# 10.0.0.1 nope\n10.1.2.3\tapi.internal API2.internal.\nnot-an-ip foo\n');
  assert.deepEqual(m.get('localhost'), ['127.0.0.1', '::1']);
  assert.deepEqual(m.get('api2.internal'), ['10.1.2.3']);
  assert.equal(m.get('nope'), undefined);
  assert.equal(m.get('foo'), undefined);
});
