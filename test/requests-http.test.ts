// One view per request, end to end with the real client: otdemo (three services with the
// OpenTelemetry Go SDK and otelhttp) serves on loopback and exports its spans to goscope's
// own OTLP receiver (`goscope otlp`); the real `goscope http --json` calls the gateway (a
// healthy path, and the planted timeout path with the inventory pool held by the batch job);
// then `goscope traces DIR --trace-id <the http result's trace id> --http saved.json --logs …`
// must show the client's request, the server spans and the logs joined: same trace id, the
// client's span (the traceparent's parent-id) the parent of the gateway's server span, and a
// client timeout that fired is the timeout finding's budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, skipWithoutGo, startOtdemo, type Otdemo } from './support/go.js';
import { goscope } from './support/cli.js';

interface Row {
  spanId: string;
  parentId: string;
  depth: number;
  service: string;
  name: string;
  kind: number;
  origin: string;
  orphan: boolean;
}

interface TracesDoc {
  orphanSpans: number;
  findings: { kind: string; service: string; operation: string; traceId: string; summary: string; evidence: Record<string, unknown> }[];
  request: {
    traceId: string;
    clientJoined: boolean;
    client: { traceId: string; spanId: string; timedOut: string | null; timeouts: { total: number | null } | null } | null;
    findings: string[];
    spans: Row[];
    logs: { spanId: string | null; match: string; message: string }[];
  } | null;
}

interface HttpDoc {
  traceparent: string;
  traceId: string;
  spanId: string;
  status: number | null;
  timeouts: { connect: number | null; tls: number | null; header: number | null; total: number | null };
  error: { kind: string; timeout: string | null } | null;
}

/** `goscope otlp` receiving OTLP/HTTP into `out` until stop() (SIGINT: it saves, summarises, exits 0). */
async function receiver(out: string): Promise<{ url: string; stop(): Promise<number | null> }> {
  const p = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin/goscope.js'), 'otlp', '--listen', '127.0.0.1:0', '--grpc-listen', 'off', '--out', out, '--json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  const kill = setTimeout(() => p.kill('SIGKILL'), 120_000);
  p.stdout.resume();
  const addr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`goscope otlp did not listen within 20 s: ${stderr}`)), 20_000);
    p.stderr.on('data', (b: Buffer) => {
      stderr += b;
      const m = /on (127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    p.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`goscope otlp exited early: ${stderr}`));
    });
  });
  return {
    url: `http://${addr}`,
    async stop() {
      if (p.exitCode === null) p.kill('SIGINT');
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}

async function http(args: string[], file: string): Promise<{ code: number | null; doc: HttpDoc }> {
  const r = await goscope(['http', '--json', ...args]);
  writeFileSync(file, r.stdout);
  return { code: r.code, doc: JSON.parse(r.stdout) as HttpDoc };
}

/** Holds inventory's pool (the batch job) so a /checkout queues behind it; resolves once it is held. */
async function holdPool(demo: Otdemo, hold: string): Promise<void> {
  const res = await fetch(`${demo.inventory}/batch?hold=${hold}`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, await res.text());
}

test('goscope http -> otdemo -> goscope otlp, then goscope traces --http: client, spans and logs joined in one view', { timeout: 300_000 }, async (t) => {
  if (skipWithoutGo(t)) return;
  const root = mkdtempSync(path.join(tmpdir(), 'goscope-http-join-'));
  const cap = path.join(root, 'spans');
  const logs = path.join(root, 'logs');
  mkdirSync(logs);
  const rec = await receiver(cap);
  let demo: Otdemo | null = null;
  try {
    try {
      demo = await startOtdemo({ otlp: rec.url, logs, slow: '600ms' });
    } catch (e) {
      t.skip(`otdemo could not be built or run (its OpenTelemetry modules come from the module proxy): ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    const healthyFile = path.join(root, 'healthy.json');
    const clientTimeoutFile = path.join(root, 'client-timeout.json');
    const gatewayTimeoutFile = path.join(root, 'gateway-timeout.json');
    const healthy = await http([`${demo.gateway}/buy`], healthyFile);
    assert.equal(healthy.code, 0);
    assert.equal(healthy.doc.status, 200);
    // The client's span id is the traceparent's parent-id; its timeouts are in the JSON.
    assert.match(healthy.doc.spanId, /^[0-9a-f]{16}$/);
    assert.equal(healthy.doc.traceparent, `00-${healthy.doc.traceId}-${healthy.doc.spanId}-01`);
    assert.deepEqual(healthy.doc.timeouts, { connect: null, tls: null, header: null, total: 30_000 });

    // The planted timeout path, twice behind the held pool: the client's 300 ms fires before
    // the gateway's 600 ms; then with goscope http's default 30 s the gateway's fires (504).
    await holdPool(demo, '4s');
    const clientTo = await http(['--timeout', '300ms', `${demo.gateway}/checkout`], clientTimeoutFile);
    assert.equal(clientTo.code, 1);
    assert.equal(clientTo.doc.error?.kind, 'timeout');
    assert.equal(clientTo.doc.error?.timeout, 'total');
    assert.equal(clientTo.doc.timeouts.total, 300);
    const gatewayTo = await http([`${demo.gateway}/checkout`], gatewayTimeoutFile);
    assert.equal(gatewayTo.code, 0, 'a 504 is an answer (no --fail)');
    assert.equal(gatewayTo.doc.status, 504);

    assert.equal(await demo.stop(), 0, 'otdemo flushed its spans and exited');
    assert.equal(await rec.stop(), 0, 'goscope otlp saved and exited');
    const logFiles = ['gateway', 'orders', 'inventory'].flatMap((s) => ['--logs', path.join(logs, `${s}.log`)]);

    const view = async (traceId: string, file: string | null): Promise<TracesDoc> => {
      const r = await goscope(['traces', cap, '--json', '--trace-id', traceId, ...(file ? ['--http', file] : []), ...logFiles]);
      assert.ok(r.code === 0 || r.code === 3, r.stderr);
      return JSON.parse(r.stdout) as TracesDoc;
    };
    const joinedUnder = (doc: TracesDoc, spanId: string): Row => {
      const req = doc.request!;
      const client = req.spans[0]!;
      assert.deepEqual([client.origin, client.spanId, client.service, client.kind, client.depth], ['client', spanId, 'goscope http', 3, 0]);
      const server = req.spans.find((r) => r.service === 'gateway' && r.kind === 2)!;
      assert.equal(server.parentId, spanId, "the gateway's server span is the client span's child");
      assert.equal(server.depth, 1);
      assert.equal(server.orphan, false);
      return server;
    };

    // The client timeout: budget = the client's 300 ms, the ledger starts at the client.
    const ct = await view(clientTo.doc.traceId, clientTimeoutFile);
    assert.equal(ct.request?.traceId, clientTo.doc.traceId);
    assert.equal(ct.request?.client?.traceId, clientTo.doc.traceId);
    assert.equal(ct.request?.client?.timedOut, 'total');
    assert.equal(ct.request?.clientJoined, true);
    joinedUnder(ct, clientTo.doc.spanId);
    const names = ct.request!.spans.map((r) => `${r.service} ${r.name}`);
    for (const n of ['gateway GET /checkout', 'gateway GET /order', 'orders GET /order', 'inventory GET /reserve', 'inventory pool.acquire'])
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    const timeout = ct.findings.find((f) => f.kind === 'timeout' && f.traceId === clientTo.doc.traceId);
    assert.ok(timeout, JSON.stringify(ct.findings.map((f) => f.summary)));
    assert.equal(timeout.evidence.budgetSource, 'client');
    assert.equal(timeout.evidence.budgetService, 'goscope http');
    assert.equal(timeout.evidence.budgetMs, 300, "the client's --timeout");
    assert.equal(`${timeout.service} ${timeout.operation}`, 'inventory pool.acquire');
    const hops = (timeout.evidence.hops as { service: string; operation: string }[]).map((h) => h.service);
    assert.deepEqual(hops, ['goscope http', 'gateway', 'gateway', 'orders', 'orders', 'inventory', 'inventory']);
    assert.match(
      timeout.summary,
      /^the client \(goscope http\) "GET http:\/\/127\.0\.0\.1:\d+\/checkout" timed out after 300 ms; inventory "pool.acquire" spent/,
    );
    // The logs: the gateway's line by its span id, inventory's (no ids) by service and time.
    const logLines = ct.request!.logs.map((l) => `${l.match} ${l.message}`);
    assert.ok(logLines.includes('span-id upstream failed'), logLines.join('\n'));
    assert.ok(logLines.includes('time-window reserve abandoned'), logLines.join('\n'));

    // Without --http the same request's first server span names a parent never received.
    const bare = await view(clientTo.doc.traceId, null);
    assert.equal(bare.request?.clientJoined, false);
    assert.equal(bare.request?.spans.find((r) => r.service === 'gateway' && r.kind === 2)?.orphan, true);
    assert.ok(!bare.findings.some((f) => f.kind === 'timeout' && f.traceId === clientTo.doc.traceId && f.evidence.budgetSource === 'client'));

    // The gateway's timeout: the client had 30 s, so the budget is the gateway's 600 ms client span.
    const gt = await view(gatewayTo.doc.traceId, gatewayTimeoutFile);
    joinedUnder(gt, gatewayTo.doc.spanId);
    const gTimeout = gt.findings.find((f) => f.kind === 'timeout' && f.traceId === gatewayTo.doc.traceId);
    assert.ok(gTimeout, JSON.stringify(gt.findings.map((f) => f.summary)));
    assert.deepEqual([gTimeout.evidence.budgetSource, gTimeout.evidence.budgetService, gTimeout.evidence.budgetOperation], ['span', 'gateway', 'GET /order']);
    assert.ok((gTimeout.evidence.budgetMs as number) >= 600 && (gTimeout.evidence.budgetMs as number) < 30_000, `budget ${gTimeout.evidence.budgetMs}`);

    // The healthy request: joined, no finding in its trace.
    const h = await view(healthy.doc.traceId, healthyFile);
    joinedUnder(h, healthy.doc.spanId);
    assert.deepEqual(h.request?.findings, []);
    assert.deepEqual(h.request!.spans.map((r) => `${r.service} ${r.name}`).slice(1), [
      'gateway GET /buy',
      'gateway GET /order',
      'orders GET /order',
      'orders GET /reserve',
      'inventory GET /reserve',
      'inventory pool.acquire',
      'inventory db.query',
    ]);
  } finally {
    await demo?.stop();
    await rec.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
