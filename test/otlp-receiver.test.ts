// goscope's OTLP receiver against the OpenTelemetry Go SDK's exporters (testdata/go/otlpgen):
// over OTLP/HTTP and OTLP/gRPC, gzipped or not, every span and log record the SDK ended is
// on disk as OTLP JSON Lines, exactly (ids, parents, attributes, ns times, status, events,
// links); and the spec's answers for what an exporter can get wrong or too much of: JSON
// bodies, partial_success, 400, 404, 405, 413, 415, 429 with Retry-After, gRPC
// RESOURCE_EXHAUSTED with a RetryInfo, INVALID_ARGUMENT, UNIMPLEMENTED.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { needGo } from './support/go.js';
import { asTruth, bySpanId, byTimeAndBody, logAsTruth, readTruth, runOtlpgen, buildOtlpgen } from './support/otlpgen.js';
import { startReceiver, type Receiver } from '../src/collect/otlp/receiver.js';
import { fileChunks, newReadStats, readOtlp } from '../src/formats/otlp/read.js';
import { Reader } from '../src/formats/protobuf/wire.js';
import type { OtlpLogRecord, Span } from '../src/formats/otlp/model.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-otlp-recv-'));
let skip: string | false = needGo;
before(async () => {
  if (skip) return;
  try {
    await buildOtlpgen();
  } catch (e) {
    skip = `otlpgen could not be built (the OpenTelemetry SDK comes from the module proxy): ${(e as Error).message.split('\n')[0]}`;
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
async function receiver(opts: { http?: boolean; grpc?: boolean; maxRequestBytes?: number; maxPendingBytes?: number } = {}): Promise<Receiver> {
  const dir = path.join(tmp, `r${++n}`);
  mkdirSync(dir);
  return startReceiver({
    httpListen: opts.http === false ? null : '127.0.0.1:0',
    grpcListen: opts.grpc === false ? null : '127.0.0.1:0',
    outDir: dir,
    maxRequestBytes: opts.maxRequestBytes,
    maxPendingBytes: opts.maxPendingBytes,
  });
}

async function stored(r: Receiver): Promise<{ spans: Span[]; logs: OtlpLogRecord[] }> {
  const spans: Span[] = [];
  const logs: OtlpLogRecord[] = [];
  for (const p of Object.values(await r.store.paths())) {
    const stats = newReadStats();
    for await (const it of readOtlp(fileChunks(p), p, { stats })) {
      if (it.kind === 'span') spans.push(it.span);
      else if (it.kind === 'log') logs.push(it.log);
    }
    assert.equal(stats.badLines, 0);
  }
  return { spans, logs };
}

test('the Go SDK over OTLP/HTTP and OTLP/gRPC with gzip: every span and record stored exactly', async (t) => {
  if (skip) return t.skip(skip);
  const viaHttp = await receiver({ grpc: false });
  const viaGrpc = await receiver({ http: false });
  const truthFile = path.join(tmp, 'truth1.jsonl');
  const run = await runOtlpgen([
    '-export',
    `http://${viaHttp.httpAddress}`,
    '-export',
    `grpc://${viaGrpc.grpcAddress}`,
    '-gzip',
    '-traces',
    '9',
    '-logs',
    '-truth',
    truthFile,
  ]);
  assert.equal(run.code, 0, run.stderr);
  await viaHttp.close();
  await viaGrpc.close();
  const truth = readTruth(truthFile);
  assert.equal(truth.spans.length, 36);
  for (const r of [viaHttp, viaGrpc]) {
    const got = await stored(r);
    assert.deepEqual(bySpanId(got.spans.map(asTruth)), bySpanId(truth.spans));
    assert.deepEqual(byTimeAndBody(got.logs.map(logAsTruth)), byTimeAndBody(truth.logs));
    assert.equal(r.state.counts.spans, 36);
    assert.equal(r.state.counts.logs, truth.logs.length);
    assert.equal(r.state.counts.rejectedItems + r.state.counts.rejectedRequests, 0);
    assert.equal(r.state.traces.size, 9);
    assert.deepEqual([...r.state.services.keys()], ['otlpgen']);
    const starts = truth.spans.map((s) => s.startNs).sort((a, b) => (a < b ? -1 : 1));
    assert.equal(r.state.firstNs, String(starts[0]));
  }
});

test('uncompressed OTLP/HTTP protobuf from the SDK is stored exactly too', async (t) => {
  if (skip) return t.skip(skip);
  const r = await receiver({ grpc: false });
  const truthFile = path.join(tmp, 'truth2.jsonl');
  const run = await runOtlpgen(['-export', `http://${r.httpAddress}`, '-traces', '3', '-truth', truthFile]);
  assert.equal(run.code, 0, run.stderr);
  await r.close();
  assert.deepEqual(bySpanId((await stored(r)).spans.map(asTruth)), bySpanId(readTruth(truthFile).spans));
});

async function post(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body), headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** google.rpc.Status -> { code, message } (fields 1 and 2). */
function rpcStatus(b: Uint8Array): { code: number; message: string; details: number } {
  const r = new Reader(b, 'status');
  const out = { code: 0, message: '', details: 0 };
  while (r.pos < r.end) {
    const at = r.pos;
    const t = r.tag();
    if (t === 8) out.code = r.uint();
    else if (t === 18) out.message = r.string(r.len());
    else if (t === 26) {
      out.details++;
      r.skip(t, at);
    } else r.skip(t, at);
  }
  return out;
}

const SPAN = (traceId: string, spanId: string, name: string) => ({
  traceId,
  spanId,
  name,
  kind: 2,
  startTimeUnixNano: '1700000000000000001',
  endTimeUnixNano: '1700000000500000002',
});

test('OTLP/HTTP JSON: stored as sent, gzip accepted, bad ids rejected as partial_success', async () => {
  const r = await receiver({ grpc: false });
  const req = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeSpans: [
          {
            scope: { name: 's' },
            spans: [
              SPAN('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 'ok'),
              SPAN('xyz', 'b7ad6b7169203332', 'bad'),
              SPAN('0af7651916cd43dd8448eb211c80319c', '0000000000000000', 'zero'),
            ],
          },
        ],
      },
    ],
  };
  const url = `http://${r.httpAddress}/v1/traces`;
  const a = await post(url, JSON.stringify(req), { 'content-type': 'application/json' });
  assert.equal(a.status, 200);
  assert.equal(a.headers.get('content-type'), 'application/json');
  const ps = JSON.parse(a.body.toString()).partialSuccess;
  assert.equal(ps.rejectedSpans, '2');
  assert.match(ps.errorMessage, /^2 spans rejected; first: span "bad": traceId "xyz" is not 16 bytes of hex/);
  const ok = {
    resourceSpans: [
      { ...req.resourceSpans[0], scopeSpans: [{ scope: { name: 's' }, spans: [SPAN('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203333', 'gz')] }] },
    ],
  };
  const b = await post(url, gzipSync(JSON.stringify(ok)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(b.status, 200);
  assert.equal(b.body.toString(), '{}');
  await r.close();
  const { spans } = await stored(r);
  assert.deepEqual(
    spans.map((s) => s.name),
    ['ok', 'gz'],
  );
  assert.equal(spans[0]!.startNs, 1700000000000000001n);
  assert.equal(spans[0]!.resource.service, 'api');
  assert.equal(r.state.counts.rejectedItems, 2);
});

test('OTLP/HTTP errors: 400, 404, 405, 413, 415 and 429 with Retry-After, each with a google.rpc.Status', async () => {
  const r = await receiver({ grpc: false, maxRequestBytes: 1000 });
  const base = `http://${r.httpAddress}`;
  const pb = { 'content-type': 'application/x-protobuf' };
  let x = await post(`${base}/v1/traces`, new Uint8Array([0x0a, 0x10, 0x01]), pb);
  assert.equal(x.status, 400);
  assert.equal(rpcStatus(x.body).code, 3);
  assert.match(rpcStatus(x.body).message, /^bad OTLP traces request: traces request: byte 1: truncated data/);
  x = await post(`${base}/v1/traces`, '{"resourceSpans": [', { 'content-type': 'application/json' });
  assert.equal(x.status, 400);
  assert.match(JSON.parse(x.body.toString()).message, /^bad OTLP traces request:/);
  x = await post(`${base}/v2/traces`, '', pb);
  assert.equal(x.status, 404);
  const g = await fetch(`${base}/v1/traces`);
  assert.equal(g.status, 405);
  assert.equal(g.headers.get('allow'), 'POST');
  x = await post(`${base}/v1/logs`, 'hello', { 'content-type': 'text/plain' });
  assert.equal(x.status, 415);
  x = await post(`${base}/v1/metrics`, new Uint8Array(5000), pb);
  assert.equal(x.status, 413);
  assert.match(rpcStatus(x.body).message, /exceeds 1000/);
  // A gzip bomb: small on the wire, over the cap inflated.
  x = await post(`${base}/v1/traces`, gzipSync(Buffer.alloc(100_000)), { ...pb, 'content-encoding': 'gzip' });
  assert.equal(x.status, 413);
  assert.match(rpcStatus(x.body).message, /inflated body exceeds 1000 bytes/);
  await r.close();

  const busy = await receiver({ grpc: false, maxPendingBytes: -1 });
  x = await post(`http://${busy.httpAddress}/v1/traces`, new Uint8Array(0), pb);
  assert.equal(x.status, 429);
  assert.equal(x.headers.get('retry-after'), '1');
  assert.equal(rpcStatus(x.body).code, 14);
  await busy.close();
});

async function grpcCall(
  address: string,
  method: string,
  message: Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: string; message: string; details?: string; body: Buffer }> {
  const client = http2.connect(`http://${address}`);
  client.on('error', () => {});
  try {
    return await new Promise((resolve, reject) => {
      const req = client.request({ ':method': 'POST', ':path': method, 'content-type': 'application/grpc', te: 'trailers', ...headers });
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt32BE(message.length, 1);
      frame.set(message, 5);
      let head: http2.IncomingHttpHeaders = {};
      const parts: Buffer[] = [];
      req.on('response', (h) => (head = h));
      req.on('data', (b: Buffer) => parts.push(b));
      req.on('trailers', (tr) => (head = { ...head, ...tr }));
      req.on('end', () =>
        resolve({
          status: String(head['grpc-status']),
          message: decodeURIComponent(String(head['grpc-message'] ?? '')),
          details: head['grpc-status-details-bin'] as string | undefined,
          body: Buffer.concat(parts),
        }),
      );
      req.on('error', reject);
      req.end(frame);
    });
  } finally {
    client.close();
  }
}

test('OTLP/gRPC errors: INVALID_ARGUMENT, UNIMPLEMENTED, RESOURCE_EXHAUSTED with a RetryInfo', async () => {
  const r = await receiver({ http: false });
  const trace = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
  let x = await grpcCall(r.grpcAddress!, trace, new Uint8Array(0));
  assert.equal(x.status, '0');
  assert.deepEqual([...x.body], [0, 0, 0, 0, 0]); // an empty ExportTraceServiceResponse
  x = await grpcCall(r.grpcAddress!, trace, new Uint8Array([0x0a, 0x10, 0x01]));
  assert.equal(x.status, '3');
  assert.match(x.message, /^bad OTLP traces request: .*truncated/);
  x = await grpcCall(r.grpcAddress!, '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', new Uint8Array(0));
  assert.equal(x.status, '12');
  await r.close();

  const busy = await receiver({ http: false, maxPendingBytes: -1 });
  x = await grpcCall(busy.grpcAddress!, trace, new Uint8Array(0));
  assert.equal(x.status, '8');
  const st = rpcStatus(Buffer.from(x.details ?? '', 'base64'));
  assert.equal(st.code, 8);
  assert.equal(st.details, 1, 'a RetryInfo detail, so exporters retry');
  await busy.close();
});

test('a listen address in use is one clear line', async () => {
  const a = await receiver({ grpc: false });
  await assert.rejects(startReceiver({ httpListen: a.httpAddress!, grpcListen: null, outDir: tmp }), (e: unknown) =>
    /^OTLP\/HTTP 127\.0\.0\.1:\d+: cannot listen: the address is in use/.test((e as Error).message),
  );
  await a.close();
  // Nothing received: no files.
  assert.deepEqual(await a.store.paths(), {});
});
