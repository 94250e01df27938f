// goscope traces on real spans: testdata/go/otdemo (three services instrumented with the
// OpenTelemetry Go SDK and otelhttp) exports OTLP/HTTP protobuf to a recording endpoint
// here, which saves each request body as it came; goscope traces then reads the folder.
// Each finding the demo plants must be found exactly once, on the right service and
// operation, and its healthy endpoints must give none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runOtdemo, skipWithoutGo } from './support/go.js';
import { goscope } from './support/cli.js';

interface Recorder {
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** An OTLP/HTTP endpoint that only records: every /v1/traces body saved as NNNN.pb. */
async function recorder(dir: string): Promise<Recorder> {
  let n = 0;
  const srv = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body = Buffer.concat(parts);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.url === '/v1/traces' && body.length) writeFileSync(path.join(dir, `${String(n++).padStart(4, '0')}.pb`), body);
      // An empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, dir, close: () => new Promise((r) => srv.close(() => r())) };
}

interface JsonFinding {
  kind: string;
  service: string;
  operation: string;
  traceId: string;
  evidence: Record<string, unknown>;
}

test('otdemo: each planted finding exactly once, on its service and operation; healthy requests none', { timeout: 300_000 }, async (t) => {
  if (skipWithoutGo(t)) return;
  const root = mkdtempSync(path.join(tmpdir(), 'goscope-otdemo-'));
  const spans = path.join(root, 'spans');
  const logs = path.join(root, 'logs');
  mkdirSync(spans);
  mkdirSync(logs);
  const rec = await recorder(spans);
  try {
    let r;
    try {
      r = await runOtdemo({ otlp: rec.url, logs });
    } catch (e) {
      t.skip(`otdemo could not be built or run (its OpenTelemetry modules come from the module proxy): ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    assert.equal(r.code, 0, r.stderr.toString());
    const out = r.stdout.toString();
    for (const p of ['/buy 200', '/home 200', '/stock 200', '/quote 504', '/checkout-async 202', '/checkout 504'])
      assert.ok(out.includes(`GET ${p}`), `${p} in:\n${out}`);

    const logFiles = ['gateway', 'orders', 'inventory'].map((s) => path.join(logs, `${s}.log`));
    const res = await goscope(['traces', spans, '--json', ...logFiles.flatMap((f) => ['--logs', f])]);
    assert.equal(res.code, 3, res.stderr);
    const doc = JSON.parse(res.stdout) as { schema: string; traces: number; spans: number; services: { service: string }[]; findings: JsonFinding[] };
    assert.equal(doc.schema, 'goscope.traces/v1');
    assert.deepEqual(doc.services.map((s) => s.service).sort(), ['gateway', 'inventory', 'orders']);
    const got = doc.findings.map((f) => `${f.kind} ${f.service} ${f.operation}`).sort();
    assert.deepEqual(got, [
      'budget-exceeded orders GET /quote',
      'context-break inventory GET /stock',
      'logs-without-trace-id inventory ',
      'outlived-parent orders audit.write',
      'timeout inventory pool.acquire',
    ]);
    // The same spans spilled to temporary files (GOSCOPE_TRACES_SPILL: past 5 spans) give the same document.
    const spilled = await goscope(['traces', spans, '--json', ...logFiles.flatMap((f) => ['--logs', f])], { env: { GOSCOPE_TRACES_SPILL: '5' } });
    assert.equal(spilled.code, 3, spilled.stderr);
    assert.deepEqual(JSON.parse(spilled.stdout), doc);
    const byKind = new Map(doc.findings.map((f) => [f.kind, f]));
    const timeout = byKind.get('timeout')!;
    assert.equal(timeout.evidence.budgetService, 'gateway');
    assert.equal(timeout.evidence.budgetOperation, 'GET /order');
    assert.ok((timeout.evidence.budgetMs as number) >= 300, `budget ${timeout.evidence.budgetMs} ms: the gateway's 300 ms client timeout`);
    assert.ok((timeout.evidence.share as number) > 0.5, 'the pool wait consumed most of the budget');
    const hops = (timeout.evidence.hops as { service: string; operation: string }[]).map((h) => `${h.service} ${h.operation}`);
    assert.deepEqual(hops, ['gateway GET /order', 'orders GET /order', 'orders GET /reserve', 'inventory GET /reserve', 'inventory pool.acquire']);
    const brk = byKind.get('context-break')!;
    assert.equal(brk.evidence.callerService, 'gateway');
    assert.notEqual(brk.evidence.callerTraceId, brk.traceId);
    assert.equal((byKind.get('budget-exceeded')!.evidence.waitedOn as { operation: string }).operation, 'GET /price');

    // One request's view: the timed-out checkout, with its logs joined.
    const view = await goscope(['traces', spans, '--trace-id', timeout.traceId, ...logFiles.flatMap((f) => ['--logs', f])]);
    assert.equal(view.code, 3, view.stderr);
    assert.match(view.stdout, new RegExp(`request ${timeout.traceId}: .*gateway -> orders -> inventory`));
    assert.match(view.stdout, /inventory pool\.acquire/);
    assert.match(view.stdout, /upstream failed/, "the gateway's error line, joined by its span id");
    assert.match(view.stdout, /reserve abandoned.*no trace id: matched by service and time/, "inventory's line without ids, matched by time and marked");
  } finally {
    await rec.close();
    rmSync(root, { recursive: true, force: true });
  }
});
