// Jaeger v1.75.0 (all-in-one, built from the module proxy) as a real peer: the Go SDK
// (testdata/go/otlpgen) exports the same spans to goscope's receiver and to Jaeger's OTLP
// receiver; goscope's reader of Jaeger's query API (`/api/traces/{id}` and the
// `/api/traces?service=…` search) gives the spans goscope received itself, compared at
// what Jaeger keeps: microseconds (start, and duration as Jaeger truncates it), array
// attributes as JSON strings, links without attributes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { needGo, installJaeger } from './support/go.js';
import { startJaeger, type Jaeger } from './support/jaeger.js';
import { bySpanId, runOtlpgen, buildOtlpgen } from './support/otlpgen.js';
import { startReceiver } from '../src/collect/otlp/receiver.js';
import { fileChunks, newReadStats, readSpans } from '../src/formats/otlp/read.js';
import { fromBuffer } from '../src/formats/input.js';
import type { AttrValue, Attributes, Span } from '../src/formats/otlp/model.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-otlp-jaeger-'));
let skip: string | false = needGo;
let jaeger: Jaeger | undefined;

async function waitFor<T>(what: string, deadlineMs: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${jaeger?.log().slice(-2000) ?? ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  if (skip) return;
  let bin: string;
  try {
    [bin] = await Promise.all([installJaeger(), buildOtlpgen()]);
  } catch (e) {
    skip = `Jaeger or otlpgen could not be built (both come from the module proxy): ${(e as Error).message.split('\n')[0]}`;
    return;
  }
  jaeger = await startJaeger({ bin, batchTimeout: '100ms' });
});

after(async () => {
  await jaeger?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** What Jaeger can keep of a value: arrays and maps become JSON strings. */
function jaegerValue(v: AttrValue): AttrValue {
  if (Array.isArray(v)) return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
  return v;
}
function jaegerAttrs(a: Attributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) out[k] = jaegerValue(v);
  return out;
}

/** A span as Jaeger can give it back. */
function atJaegerPrecision(s: Span) {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    startUs: s.startNs / 1000n,
    durationUs: (s.endNs - s.startNs) / 1000n,
    attributes: jaegerAttrs(s.attributes),
    events: s.events.map((e) => ({ name: e.name, timeUs: e.timeNs / 1000n, attributes: jaegerAttrs(e.attributes) })),
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
    status: s.status,
    traceState: s.traceState,
    resource: { service: s.resource.service, attributes: jaegerAttrs(s.resource.attributes) },
    scope: s.scope,
  };
}

/** Jaeger's spans in the same shape: its reader gives whole µs as ns, end = start + duration. */
const fromJaeger = atJaegerPrecision;

test("goscope's reader of Jaeger's API gives the spans goscope received itself", async (t) => {
  if (skip) return t.skip(skip);
  const out = path.join(tmp, 'recv');
  mkdirSync(out);
  const r = await startReceiver({ httpListen: '127.0.0.1:0', grpcListen: null, outDir: out });
  const run = await runOtlpgen([
    '-export',
    `http://${r.httpAddress}`,
    '-export',
    `grpc://${jaeger!.otlpGrpcAddr!}`,
    '-gzip',
    '-traces',
    '5',
    '-service',
    'otlpgen-jaeger',
  ]);
  await r.close();
  assert.equal(run.code, 0, run.stderr);
  const own: Span[] = [];
  for await (const s of readSpans(fileChunks((await r.store.paths()).traces!), 'traces.jsonl')) own.push(s);
  assert.equal(own.length, 20);
  const traceIds = [...new Set(own.map((s) => s.traceId))];
  assert.equal(traceIds.length, 5);

  const fromApi: Span[] = [];
  for (const id of traceIds) {
    // Jaeger stores asynchronously: wait until the whole trace is there.
    const body = await waitFor(`trace ${id} in Jaeger`, 30_000, async () => {
      const res = await fetch(`${jaeger!.queryUrl}/api/traces/${id}`);
      if (!res.ok) return undefined;
      const b = Buffer.from(await res.arrayBuffer());
      const doc = JSON.parse(b.toString());
      return doc.data?.[0]?.spans?.length === 4 ? b : undefined;
    });
    const stats = newReadStats();
    for await (const s of readSpans(fromBuffer(body), `/api/traces/${id}`, { stats })) fromApi.push(s);
    assert.equal(stats.format, 'jaeger');
  }
  const want = bySpanId(own).map(atJaegerPrecision);
  const got = bySpanId(fromApi).map(fromJaeger);
  // Keys Jaeger adds of its own, if any, are named in the failure rather than hidden.
  assert.deepEqual(got, want);
  assert.ok(
    fromApi.some((s) => s.attributes['big.int'] === 9007199254740993n),
    'int64 beyond 2^53 stays exact through Jaeger JSON',
  );
  // What the fixture plants came back through Jaeger's tags (so the equality means something).
  assert.ok(fromApi.some((s) => s.status.code === 2 && s.status.message === 'query timed out' && s.events.some((e) => e.name === 'exception')));
  assert.ok(fromApi.some((s) => s.kind === 4) && fromApi.some((s) => s.links.length === 1));
  assert.ok(fromApi.every((s) => s.scope.name === 'goscope.dev/otlpgen' && s.resource.service === 'otlpgen-jaeger'));

  // The search reply: every trace of the service.
  const res = await fetch(`${jaeger!.queryUrl}/api/traces?service=otlpgen-jaeger&limit=100&lookback=1h`);
  assert.ok(res.ok);
  const found: Span[] = [];
  for await (const s of readSpans(fromBuffer(Buffer.from(await res.arrayBuffer())), 'search')) found.push(s);
  assert.deepEqual(bySpanId(found).map(fromJaeger), want);
});
