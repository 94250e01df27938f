// src/analysis/requests: the tree, self time and critical path arithmetic on span shapes
// made on purpose (the algorithm's edge cases: parallel siblings, an outlived child, an
// orphan, a parent cycle), including the case where Jaeger's UI critical path is wrong. The
// findings on real spans are tested with testdata/go/otdemo in requests-demo.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTree } from '../src/analysis/requests/tree.js';
import type { EvidenceOf, Finding, SpanRec, TraceTree } from '../src/analysis/requests/model.js';
import { traceFindings } from '../src/analysis/requests/findings.js';
import { findingJson, findingText, renderTraces, SHOWN_PER_GROUP } from '../src/report/traces.js';
import { analyseRequests } from '../src/analysis/requests/analyse.js';
import { style } from '../src/report/term.js';
import { readSavedHttp } from '../src/formats/http/saved.js';
import { attachLogs, logCoverage } from '../src/analysis/requests/logs.js';
import { spanIdOf, traceIdOf } from '../src/formats/logs/ids.js';
import type { LogEntry } from '../src/formats/logs/model.js';

const T = 'a'.repeat(32);
const MS = 1_000_000n;

function rec(spanId: string, parentId: string, startMs: number, endMs: number, extra: Partial<SpanRec> = {}): SpanRec {
  return {
    traceId: T,
    spanId,
    parentId,
    name: spanId,
    service: 'svc',
    kind: 1,
    start: BigInt(startMs) * MS,
    end: BigInt(endMs) * MS,
    status: 0,
    statusMessage: '',
    exceptions: [],
    httpStatus: null,
    peer: '',
    ...extra,
  };
}

/** The finding's evidence, its kind checked (the evidence's type follows the kind). */
function evidenceOf<K extends Finding['kind']>(f: Finding | undefined, kind: K): EvidenceOf[K] {
  assert.equal(f?.kind, kind);
  return f!.evidence as EvidenceOf[K];
}

const path = (t: TraceTree): string[] => t.criticalPath.map((s) => `${s.node.rec.spanId} ${Number(s.startNs / MS)}-${Number(s.endNs / MS)}`).reverse();
const self = (t: TraceTree, id: string): number => Number(t.nodes.find((n) => n.rec.spanId === id)!.selfNs / MS);

test('critical path: a sibling still running when the last child started is on the path (Jaeger UI puts that time on the parent)', () => {
  // P 0-100 waits for A 10-80 and C 60-95 (C started while A ran).
  const t = buildTree(T, [rec('P', '', 0, 100), rec('A', 'P', 10, 80), rec('C', 'P', 60, 95)]);
  assert.deepEqual(path(t), ['P 0-10', 'A 10-60', 'C 60-95', 'P 95-100']);
  // jaeger-ui's findLastFinishingChildSpan, coming back from C at 60, only accepts children
  // that ended before 60; A ended at 80, so Jaeger gives P 0-60, C 60-95, P 95-100.
  assert.equal(self(t, 'P'), 15, 'self time: 100 minus the union 10-95');
});

test('critical path: sequential children, a gap between them stays with the parent', () => {
  const t = buildTree(T, [rec('P', '', 0, 100), rec('A', 'P', 5, 40), rec('B', 'P', 50, 90), rec('B1', 'B', 55, 85)]);
  assert.deepEqual(path(t), ['P 0-5', 'A 5-40', 'P 40-50', 'B 50-55', 'B1 55-85', 'B 85-90', 'P 90-100']);
  assert.equal(self(t, 'P'), 25);
  assert.equal(self(t, 'B'), 10);
});

test('critical path: a child that outlived its parent counts only until the parent ended', () => {
  const t = buildTree(T, [rec('P', '', 0, 50), rec('A', 'P', 10, 200)]);
  assert.deepEqual(path(t), ['P 0-10', 'A 10-50']);
  assert.equal(self(t, 'P'), 10);
  assert.equal(self(t, 'A'), 190);
});

test('critical path: a fully overlapped short sibling is not on it', () => {
  const t = buildTree(T, [rec('P', '', 0, 100), rec('A', 'P', 10, 90), rec('B', 'P', 20, 30)]);
  assert.deepEqual(path(t), ['P 0-10', 'A 10-90', 'P 90-100']);
});

test('tree: a span whose parent never arrived is an orphan root; a parent cycle does not loop', () => {
  const t = buildTree(T, [rec('R', '', 0, 100), rec('O', 'missing', 10, 20), rec('X', 'Y', 30, 40), rec('Y', 'X', 35, 45)]);
  assert.equal(t.roots.length, 3);
  assert.deepEqual(
    t.roots.map((r) => [r.rec.spanId, r.orphan]),
    [
      ['R', false],
      ['O', true],
      ['Y', true],
    ],
  );
  assert.equal(t.nodes.find((n) => n.rec.spanId === 'X')!.parent!.rec.spanId, 'Y', 'the first link stands, the one closing the cycle is cut');
});

test('findings: a child running past a parent that did not time out is outlived-parent; past one that did, budget-exceeded', () => {
  const dl = { status: 2, statusMessage: 'context deadline exceeded', kind: 3 };
  const outlived = traceFindings(buildTree(T, [rec('P', '', 0, 10, { kind: 2 }), rec('G', 'P', 1, 500)]));
  assert.deepEqual(
    outlived.map((f) => [f.kind, f.operation]),
    [['outlived-parent', 'G']],
  );
  const budget = traceFindings(
    buildTree(T, [rec('P', '', 0, 300, { kind: 2 }), rec('C', 'P', 1, 301, dl), rec('S', 'C', 2, 600, { kind: 2, service: 'orders' })]),
  );
  assert.deepEqual(
    budget.map((f) => [f.kind, f.service, f.operation]),
    [['budget-exceeded', 'orders', 'S']],
    'the timeout it explains is not reported again',
  );
  assert.equal(evidenceOf(budget[0], 'budget-exceeded').leftAtStartMs, 299);
  const timeout = traceFindings(
    buildTree(T, [
      rec('P', '', 0, 300, { kind: 2 }),
      rec('C', 'P', 0, 300, dl),
      rec('S', 'C', 2, 301, { kind: 2 }),
      rec('W', 'S', 20, 301, { name: 'pool.acquire' }),
    ]),
  );
  assert.deepEqual(
    timeout.map((f) => [f.kind, f.operation]),
    [['timeout', 'pool.acquire']],
  );
  const te = evidenceOf(timeout[0], 'timeout');
  assert.equal(te.budgetMs, 300);
  assert.equal(te.consumedMs, 280);
  assert.deepEqual(
    te.hops.map((h) => [h.operation, h.leftMs]),
    [
      ['C', 300],
      ['S', 298],
      ['pool.acquire', 280],
    ],
  );
});

test('findings are fields; report/traces.ts writes their words, and the JSON carries both', () => {
  const dl = { status: 2, statusMessage: 'context deadline exceeded', kind: 3 };
  const [f] = traceFindings(
    buildTree(T, [
      rec('C', '', 0, 300, { ...dl, service: 'gateway', name: 'GET /order' }),
      rec('W', 'C', 20, 301, { service: 'inventory', name: 'pool.acquire' }),
    ]),
  );
  assert.ok(f && !('summary' in f), 'analysis keeps no sentence');
  const e = evidenceOf(f, 'timeout');
  assert.deepEqual([e.budgetSource, e.budgetService, e.budgetSpanId, e.budgetMs, e.consumedMs], ['span', 'gateway', 'C', 300, 280]);
  assert.equal(findingText(f), 'gateway "GET /order" timed out after 300 ms; inventory "pool.acquire" spent 280 ms of it on its own');
  const j = findingJson(f) as Record<string, unknown>;
  assert.deepEqual(Object.keys(j), ['kind', 'service', 'operation', 'traceId', 'spanId', 'summary', 'evidence']);
  assert.equal(j.summary, findingText(f));
});

test('the budget: a span whose own status names the deadline wins over an outer one that only received a 504', () => {
  const dl = { status: 2, statusMessage: 'context deadline exceeded', kind: 3 };
  const fs = traceFindings(
    buildTree(T, [
      rec('U', '', 0, 320, { kind: 3, status: 2, httpStatus: 504, service: 'client' }),
      rec('G', 'U', 1, 319, { kind: 2, service: 'gateway', httpStatus: 504 }),
      rec('C', 'G', 2, 302, { ...dl, service: 'gateway' }),
      rec('W', 'C', 3, 302, { service: 'orders', name: 'slow' }),
    ]),
  );
  assert.deepEqual(
    fs.map((f) => [f.kind, f.operation]),
    [['timeout', 'slow']],
  );
  assert.equal(evidenceOf(fs[0], 'timeout').budgetSpanId, 'C');
});

test('terminal: many traces with the same finding show the first in full, then a count; JSON keeps every one', () => {
  const dl = { status: 2, statusMessage: 'context deadline exceeded', kind: 3, service: 'gateway', name: 'GET /order' };
  const recs: SpanRec[] = [];
  for (let i = 0; i < 6; i++) {
    const traceId = i.toString(16).padStart(32, '0');
    recs.push({ ...rec('C', '', 0, 300, dl), traceId }, { ...rec('W', 'C', 20, 301, { service: 'inventory', name: 'pool.acquire' }), traceId });
  }
  const a = analyseRequests(recs);
  assert.equal(a.findings.length, 6);
  const text = renderTraces(a, style(false));
  assert.equal(text.split('\n').filter((l) => l.startsWith('  timeout ')).length, SHOWN_PER_GROUP);
  assert.match(
    text,
    new RegExp(`… ${6 - SHOWN_PER_GROUP} more traces with timeout at inventory "pool.acquire" \\(0+2, 0+3, 0+4, …; --json lists every one\\)`),
  );
});

test('--http: a saved goscope http request joins its trace above the server span it called; its fired timeout is the budget', () => {
  const traceId = 'c'.repeat(32);
  const clientSpan = 'd'.repeat(16);
  const start = 1_790_000_000_000; // Unix ms
  // A goscope.http/v1 single result from before spanId was written: the span id comes from the traceparent.
  const saved = readSavedHttp(
    JSON.stringify({
      schema: 'goscope.http/v1',
      mode: 'single',
      method: 'GET',
      url: 'http://gw/checkout',
      traceparent: `00-${traceId}-${clientSpan}-01`,
      traceId,
      startedAtUnixMs: start,
      status: null,
      phases: { dns: null, connect: 1, tls: null, requestWrite: 0.5, serverProcessing: null, transfer: null, ttfb: null, total: null },
      timeouts: { connect: null, tls: null, header: null, total: 250 },
      error: { kind: 'timeout', phase: 'serverProcessing', timeout: 'total', message: 'GET http://gw/checkout: --timeout 250ms fired', code: null },
    }),
    'saved.json',
  );
  assert.deepEqual([saved[0]!.spanId, saved[0]!.timedOut, saved[0]!.timeouts?.total], [clientSpan, 'total', 250]);
  const at = (ms: number): bigint => BigInt(start + ms) * MS;
  const spans: SpanRec[] = [
    { ...rec('S', clientSpan, 0, 0, { kind: 2, service: 'gateway', name: 'GET /checkout', status: 2 }), traceId, start: at(2), end: at(255) },
    { ...rec('W', 'S', 0, 0, { service: 'inventory', name: 'pool.acquire' }), traceId, start: at(3), end: at(254) },
  ];
  const bare = analyseRequests(spans, { traceId });
  assert.equal(bare.orphans, 1, "without --http the server span's parent was never received");
  assert.deepEqual(bare.findings, [], 'no span says deadline');
  const a = analyseRequests(spans, { traceId, client: saved });
  assert.equal(a.orphans, 0);
  assert.equal(a.spans, 2, "the client's request is not counted as a received span");
  assert.deepEqual(
    a.services.map((x) => x.service),
    ['gateway', 'inventory'],
  );
  const v = a.view!;
  assert.equal(v.clientJoined, true);
  assert.deepEqual(
    v.rows.map((r) => [r.origin, r.service, r.depth, r.offsetMs, r.durationMs]),
    [
      ['client', 'goscope http', 0, 0, 250],
      ['span', 'gateway', 1, 2, 253],
      ['span', 'inventory', 2, 3, 251],
    ],
  );
  assert.equal(v.clientOffsetMs, -2);
  const e = evidenceOf(a.findings[0], 'timeout');
  assert.deepEqual([e.budgetSource, e.budgetService, e.budgetSpanId, e.budgetMs, e.consumedMs], ['client', 'goscope http', clientSpan, 250, 247]);
  assert.deepEqual(
    e.hops.map((h) => [h.service, h.enteredAtMs, h.leftMs]),
    [
      ['goscope http', 0, 250],
      ['gateway', 2, 248],
      ['inventory', 3, 247],
    ],
  );
  assert.match(
    findingText(a.findings[0]!),
    /^the client \(goscope http\) "GET http:\/\/gw\/checkout" timed out after 250 ms; inventory "pool.acquire" spent 247 ms/,
  );
});

test('logs join a trace by its full id or, from Datadog decimal and 64-bit hex ids, by its low 64 bits', () => {
  const id = '4bf92f3577b34da6a3ce929d0e0e4736';
  const t = buildTree(id, [rec('00f067aa0ba902b7', '', 0, 100, { traceId: id })]);
  const line = (n: number, traceId: string, spanId = ''): LogEntry => ({
    input: 'app.log',
    line: n,
    timeNs: 50n * MS,
    level: 'info',
    levelText: 'INFO',
    message: `line ${n}`,
    service: 'svc',
    traceId,
    spanId,
    traceKey: 'trace_id',
    source: '',
    error: '',
    fields: {},
    dialect: 'slog-json',
  });
  const dd = traceIdOf(BigInt('0x' + id.slice(16)).toString(10), 'dd.trace_id');
  const logs = [
    line(1, id, '00f067aa0ba902b7'),
    line(2, dd, spanIdOf(BigInt('0x00f067aa0ba902b7').toString(10), 'dd.span_id')),
    line(3, traceIdOf(id.slice(16).toUpperCase(), 'trace_id')),
    line(4, 'ffffffffffffffff' + id.slice(16)), // another 128-bit trace with the same low half
    line(5, '0'.repeat(16) + 'a3ce929d0e0e4737'),
  ];
  assert.deepEqual(
    attachLogs(t, logs).map((a) => [a.entry.line, a.how]),
    [
      [1, 'span-id'],
      [2, 'span-id'],
      [3, 'trace-id'],
    ],
  );
  const cov = logCoverage([t], logs);
  assert.deepEqual(cov, [{ service: 'svc', inside: 5, withoutTraceId: 0, unknownTraceId: 2 }]);
});
