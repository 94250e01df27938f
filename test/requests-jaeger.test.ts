// Jaeger as the peer: the spans otdemo exported (recorded as the OTLP/HTTP protobuf bodies
// it sent) are replayed to a real Jaeger v1.75.0 (v2 all-in-one, memory storage) over
// OTLP/HTTP; for every trace, goscope's tree read back from Jaeger's query API
// (/api/traces/{id}) must equal the tree goscope built from the recorded bodies: the same
// spans, parents, depths, services, names and kinds, the same critical path, and the same
// times to the microsecond (Jaeger keeps microseconds; OTLP has nanoseconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installJaeger, runOtdemo, skipWithoutGo } from './support/go.js';
import { goscope } from './support/cli.js';
import { startJaeger } from './support/jaeger.js';

function post(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Row {
  spanId: string;
  parentId: string;
  depth: number;
  service: string;
  name: string;
  kind: number;
  offsetMs: number;
  durationMs: number;
  selfMs: number;
  critical: boolean;
}

test('Jaeger v1.75.0: goscope trees from its query API equal goscope trees from the OTLP it was sent', { timeout: 900_000 }, async (t) => {
  if (skipWithoutGo(t)) return;
  let jaeger: string;
  try {
    jaeger = await installJaeger();
  } catch (e) {
    t.skip(`Jaeger v1.75.0 could not be built (it comes from the module proxy): ${(e as Error).message}`);
    return;
  }
  const root = mkdtempSync(path.join(tmpdir(), 'goscope-jaeger-'));
  const spans = path.join(root, 'spans');
  const logs = path.join(root, 'logs');
  mkdirSync(spans);
  mkdirSync(logs);
  // Record what otdemo sends.
  let n = 0;
  const rec = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      if (req.url === '/v1/traces' && body.length) writeFileSync(path.join(spans, `${String(n++).padStart(4, '0')}.pb`), body);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => rec.listen(0, '127.0.0.1', r));
  // Jaeger starts while otdemo runs.
  const starting = startJaeger({ bin: jaeger, protocols: ['http'], batchTimeout: '100ms' });
  starting.catch(() => {}); // awaited below; this only keeps an early failure from being unhandled
  try {
    try {
      const r = await runOtdemo({ otlp: `http://127.0.0.1:${(rec.address() as net.AddressInfo).port}`, logs });
      assert.equal(r.code, 0, r.stderr.toString());
    } catch (e) {
      t.skip(`otdemo could not be built or run: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    const { queryUrl: query, otlpHttpUrl } = await starting;
    for (const f of readdirSync(spans).sort()) {
      const status = await post(`${otlpHttpUrl!}/v1/traces`, readFileSync(path.join(spans, f)));
      assert.equal(status, 200, `Jaeger took ${f}`);
    }
    const own = await goscope(['traces', spans, '--json']);
    const doc = JSON.parse(own.stdout) as { traces: number; spans: number; findings: { traceId: string; evidence?: Record<string, unknown> }[] };
    // The traces with findings (timeout, budget-exceeded, outlived-parent, both sides of the context break).
    const traceIds = [...new Set(doc.findings.flatMap((f) => [f.traceId, String(f.evidence?.callerTraceId ?? '')]).filter(Boolean))];
    assert.ok(traceIds.length >= 3);
    for (const id of traceIds) {
      const mine = await goscope(['traces', spans, '--trace-id', id, '--json']);
      const want = (JSON.parse(mine.stdout) as { request: { spans: Row[] } }).request.spans;
      // Jaeger stores what its batch processor flushed: wait until it has the whole trace.
      let got: Row[] = [];
      const until = Date.now() + 30_000;
      for (;;) {
        const theirs = await goscope(['traces', `${query}/api/traces/${id}`, '--trace-id', id, '--json', '--out', path.join(root, 'captures')]);
        if (theirs.code === 0 || theirs.code === 3) {
          got = (JSON.parse(theirs.stdout) as { request: { spans: Row[] } | null }).request?.spans ?? [];
          if (got.length === want.length) break;
        }
        if (Date.now() > until) break;
        await sleep(300);
      }
      const shape = (rows: Row[]) =>
        rows.map((r) => ({ spanId: r.spanId, parentId: r.parentId, depth: r.depth, service: r.service, name: r.name, kind: r.kind, critical: r.critical }));
      assert.deepEqual(shape(got), shape(want), `trace ${id}: the same tree from Jaeger`);
      for (let i = 0; i < want.length; i++) {
        for (const k of ['offsetMs', 'durationMs', 'selfMs'] as const) {
          assert.ok(
            Math.abs(got[i]![k] - want[i]![k]) <= 0.002,
            `trace ${id} span ${want[i]!.name} ${k}: ${got[i]![k]} from Jaeger, ${want[i]![k]} from OTLP (Jaeger keeps microseconds)`,
          );
        }
      }
    }
  } finally {
    await starting.then(
      (j) => j.stop(),
      () => undefined,
    );
    await new Promise<void>((r) => rec.close(() => r()));
    rmSync(root, { recursive: true, force: true });
  }
});
