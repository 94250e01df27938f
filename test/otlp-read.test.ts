// The OTLP readers on what the OpenTelemetry Go SDK really sends (testdata/go/otlpgen): the
// protobuf request bodies it POSTs, captured by a bare HTTP server, decode to exactly the
// spans and log records the SDK ended (ids, parents, names, every attribute type, times to
// the nanosecond, status, events, links); the same requests as OTLP JSON Lines (the
// collector's file exporter format), gzipped, snake_case, pretty-printed or with base64 ids
// read the same; broken lines are counted and located, not fatal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { needGo } from './support/go.js';
import { asTruth, bySpanId, byTimeAndBody, logAsTruth, readTruth, runOtlpgen, type TruthLog, type TruthSpan } from './support/otlpgen.js';
import { fromBuffer } from '../src/formats/input.js';
import { decodeRequest } from '../src/formats/otlp/protobuf.js';
import { fileChunks, newReadStats, readOtlp, readSpans, readLogRecords } from '../src/formats/otlp/read.js';
import type { OtlpLogRecord, Span } from '../src/formats/otlp/model.js';
import { FormatError } from '../src/errors.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-otlp-read-'));
const bodies: { path: string; body: Buffer; gzip: boolean }[] = [];
let truth: { spans: TruthSpan[]; logs: TruthLog[] } | undefined;
let skip: string | false = needGo;

before(async () => {
  if (skip) return;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      const gz = req.headers['content-encoding'] === 'gzip';
      bodies.push({ path: req.url ?? '', body: gz ? gunzipSync(raw) : raw, gzip: gz });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const truthFile = path.join(tmp, 'truth.jsonl');
    const r = await runOtlpgen(['-export', `http://127.0.0.1:${port}`, '-gzip', '-traces', '7', '-logs', '-truth', truthFile]);
    if (r.code !== 0) throw new Error(`otlpgen failed: ${r.stderr}`);
    truth = readTruth(truthFile);
  } catch (e) {
    skip = `otlpgen could not be built or run (the OpenTelemetry SDK comes from the module proxy): ${(e as Error).message.split('\n')[0]}`;
  } finally {
    server.close();
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function all<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

function traceBodies(): Buffer[] {
  return bodies.filter((b) => b.path === '/v1/traces').map((b) => b.body);
}
function logBodies(): Buffer[] {
  return bodies.filter((b) => b.path === '/v1/logs').map((b) => b.body);
}

/** The requests as OTLP JSON Lines, as goscope's receiver and the collector's file exporter write them. */
function jsonLines(): string {
  return (
    [...traceBodies().map((b) => decodeRequest('traces', b, 'body')), ...logBodies().map((b) => decodeRequest('logs', b, 'body'))]
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n'
  );
}

function checkSpans(spans: Span[]): void {
  assert.ok(truth);
  assert.equal(spans.length, truth.spans.length);
  assert.deepEqual(bySpanId(spans.map(asTruth)), bySpanId(truth.spans));
}

function checkLogs(logs: OtlpLogRecord[]): void {
  assert.ok(truth);
  assert.equal(logs.length, truth.logs.length);
  assert.deepEqual(byTimeAndBody(logs.map(logAsTruth)), byTimeAndBody(truth.logs));
}

test('protobuf request bodies from the Go SDK decode to exactly the spans it ended', async (t) => {
  if (skip) return t.skip(skip);
  assert.ok(
    bodies.some((b) => b.gzip),
    'the SDK sent gzip',
  );
  const spans: Span[] = [];
  for (const b of traceBodies()) spans.push(...(await all(readSpans(fromBuffer(b), 'body.pb'))));
  checkSpans(spans);
  // What the fixture plants is really there (so the equality above means something).
  assert.ok(
    spans.some((s) => s.attributes['big.int'] === 9007199254740993n),
    'int64 beyond 2^53 stays exact',
  );
  assert.ok(spans.some((s) => s.status.code === 2 && s.events.some((e) => e.name === 'exception')));
  assert.ok(spans.some((s) => s.links.length === 1));
  assert.ok(
    spans.some((s) => s.startNs % 1000n !== 0n),
    'nanosecond digits survive',
  );
  const roots = spans.filter((s) => s.parentSpanId === '');
  assert.equal(roots.length, 7);
  // Spans share their resource and scope objects.
  assert.equal(new Set(spans.map((s) => s.resource)).size, traceBodies().length);
});

test('protobuf log bodies decode to exactly the records the SDK emitted, with trace context', async (t) => {
  if (skip) return t.skip(skip);
  const logs: OtlpLogRecord[] = [];
  for (const b of logBodies()) logs.push(...(await all(readLogRecords(fromBuffer(b), 'logs.pb', { protobufSignal: 'logs' }))));
  checkLogs(logs);
  assert.ok(logs.every((l) => /^[0-9a-f]{32}$/.test(l.traceId) && /^[0-9a-f]{16}$/.test(l.spanId)));
});

test('OTLP JSON Lines (file exporter format), plain and gzipped, in small chunks', async (t) => {
  if (skip) return t.skip(skip);
  const text = jsonLines();
  // The JSON mapping: hex ids, int64 as strings, enums as numbers.
  const first = JSON.parse(text.split('\n')[0]!);
  const span0 = first.resourceSpans[0].scopeSpans[0].spans[0];
  assert.match(span0.traceId, /^[0-9a-f]{32}$/);
  assert.equal(typeof span0.startTimeUnixNano, 'string');
  assert.equal(typeof span0.kind, 'number');

  const file = path.join(tmp, 'otlp.jsonl');
  writeFileSync(file, text);
  const stats = newReadStats();
  const items = await all(readOtlp(fileChunks(file), file, { stats }));
  checkSpans(items.flatMap((i) => (i.kind === 'span' ? [i.span] : [])));
  checkLogs(items.flatMap((i) => (i.kind === 'log' ? [i.log] : [])));
  assert.equal(stats.format, 'otlp-jsonl');
  assert.equal(stats.requests, traceBodies().length + logBodies().length);
  assert.equal(stats.badLines, 0);

  const gz = gzipSync(Buffer.from(text));
  checkSpans(await all(readSpans(fromBuffer(gz, 7), 'otlp.jsonl.gz')));
  checkLogs(await all(readLogRecords(fromBuffer(Buffer.from(text), 5), 'otlp.jsonl')));
});

function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())] = snakeKeys(x);
    return o;
  }
  return v;
}

function base64Ids(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(base64Ids);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      o[k] = /^(traceId|spanId|parentSpanId)$/.test(k) && typeof x === 'string' ? Buffer.from(x, 'hex').toString('base64') : base64Ids(x);
    return o;
  }
  return v;
}

test('snake_case names, base64 ids, numeric int64 and a pretty-printed single request read the same', async (t) => {
  if (skip) return t.skip(skip);
  const reqs = traceBodies().map((b) => decodeRequest('traces', b, 'body'));
  const snake = reqs.map((r) => JSON.stringify(snakeKeys(r))).join('\n');
  assert.match(snake, /"resource_spans"/);
  checkSpans(await all(readSpans(fromBuffer(Buffer.from(snake)), 'snake.jsonl')));
  const b64 = reqs.map((r) => JSON.stringify(base64Ids(r))).join('\n');
  checkSpans(await all(readSpans(fromBuffer(Buffer.from(b64)), 'b64.jsonl')));
  // One request, pretty-printed over many lines.
  const one = decodeRequest('traces', traceBodies()[0]!, 'body');
  const stats = newReadStats();
  const spans = await all(readSpans(fromBuffer(Buffer.from(JSON.stringify(one, null, 2)), 100), 'one.json', { stats }));
  assert.equal(stats.format, 'otlp-json');
  assert.equal(
    spans.length,
    (one.resourceSpans as { scopeSpans: { spans: unknown[] }[] }[]).reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0),
  );
});

test('broken lines are counted and located; a file with no OTLP at all is one FormatError', async (t) => {
  if (skip) return t.skip(skip);
  const lines = jsonLines().split('\n').filter(Boolean);
  const mixed = [lines[0], '{"resourceSpans": [ cut', '{"hello": 1}', ...lines.slice(1)].join('\n');
  const stats = newReadStats();
  const spans = await all(readSpans(fromBuffer(Buffer.from(mixed)), 'mixed.jsonl', { stats }));
  checkSpans(spans);
  assert.equal(stats.badLines, 2);
  assert.match(stats.firstBad ?? '', /^line 2: not valid JSON/);

  await assert.rejects(
    all(readSpans(fromBuffer(Buffer.from('{"a":1}\n{"b":2}\n')), 'x.jsonl')),
    (e: unknown) =>
      e instanceof FormatError &&
      /^x\.jsonl: no line is an OTLP request or Jaeger reply \(2 unreadable; first at line 1: not an OTLP request/.test((e as Error).message),
  );
  await assert.rejects(
    all(readSpans(fromBuffer(Buffer.from([0x0a, 0x05, 0x0a, 0x03])), 'cut.pb')),
    (e: unknown) => e instanceof FormatError && /cut\.pb: byte \d+: truncated/.test((e as Error).message),
  );
  const big = Buffer.from('{"resourceSpans":[' + ' '.repeat(2000) + ']}\n');
  await assert.rejects(
    all(readSpans(fromBuffer(big), 'big.jsonl', { maxDoc: 1000 })),
    /big\.jsonl: line 1: line longer than 1000 bytes \(set GOSCOPE_MAX_OTLP=/,
  );
});
