// A spilled analysis (src/analysis/requests/store.ts: spans written to temporary files by
// trace id, read back a partition at a time, traces in another order) must equal the
// in-memory one on the same input: findings (every kind) in the same order, summary, service
// stats, log coverage and one request's view. Also the JSON writer that streams --json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseGroups, analyseRequests } from '../src/analysis/requests/analyse.js';
import type { SpanRec } from '../src/analysis/requests/model.js';
import { decodeRec, encodeRec, SpanStore } from '../src/analysis/requests/store.js';
import type { LogEntry } from '../src/formats/logs/model.js';
import { jsonPieces } from '../src/lib/json-stream.js';
import { mulberry32 } from '../scripts/prng.js';

const MS = 1_000_000n;
const T0 = 1_790_000_000_000n * MS;

function hex(rnd: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rnd() * 16).toString(16);
  return s;
}

/**
 * Traces of the shapes the findings look for, interleaved as exporters interleave them:
 * healthy ones, timeouts, hops past their budget, work outliving its caller, and context
 * breaks (a client span calling a peer whose server span starts a new trace).
 */
function spans(seed: number, traces: number): { recs: SpanRec[]; logs: LogEntry[]; someTrace: string } {
  const rnd = mulberry32(seed);
  const perTrace: SpanRec[][] = [];
  const logs: LogEntry[] = [];
  const rec = (
    traceId: string,
    parentId: string,
    name: string,
    service: string,
    kind: number,
    s: number,
    e: number,
    extra: Partial<SpanRec> = {},
  ): SpanRec => ({
    traceId,
    spanId: hex(rnd, 16),
    parentId,
    name,
    service,
    kind,
    start: T0 + BigInt(s) * MS,
    end: T0 + BigInt(e) * MS,
    status: 0,
    statusMessage: '',
    exceptions: [],
    httpStatus: null,
    peer: '',
    ...extra,
  });
  for (let i = 0; i < traces; i++) {
    const id = hex(rnd, 32);
    const at = i * 50 + Math.floor(rnd() * 20);
    const shape = i % 5;
    const list: SpanRec[] = [];
    const root = rec(id, '', 'GET /checkout', 'gateway', 2, at, at + 300 + (shape === 1 ? 10 : 0));
    list.push(root);
    const dl = shape === 1 || shape === 2 ? { status: 2, statusMessage: 'context deadline exceeded' } : {};
    const call = rec(id, root.spanId, 'GET /order', 'gateway', 3, at + 1, at + 300, { peer: 'orders:80', ...dl });
    list.push(call);
    if (shape === 4) {
      // The callee's server span starts its own trace: a context break.
      const other = hex(rnd, 32);
      perTrace.push([rec(other, '', 'GET /order', 'orders', 2, at + 2, at + 290, { peer: 'orders:80' })]);
    } else {
      const srv = rec(id, call.spanId, 'GET /order', 'orders', 2, at + 2, at + (shape === 2 ? 700 : 299));
      list.push(srv);
      list.push(rec(id, srv.spanId, 'pool.acquire', 'inventory', 1, at + 3, at + (shape === 2 ? 690 : 280 + Math.floor(rnd() * 10))));
      if (shape === 3) list.push(rec(id, srv.spanId, 'audit.write', 'orders', 1, at + 10, at + 900));
      logs.push({
        input: 'orders.log',
        line: logs.length + 1,
        timeNs: T0 + BigInt(at + 100) * MS,
        level: 'info',
        levelText: 'INFO',
        message: 'working',
        service: i % 2 ? 'orders' : 'inventory',
        traceId: i % 2 ? id : '',
        spanId: i % 2 ? srv.spanId : '',
        traceKey: i % 2 ? 'trace_id' : '',
        source: '',
        error: '',
        fields: {},
        dialect: 'slog-json',
      });
    }
    perTrace.push(list);
  }
  // Interleave: spans of many traces mixed, as batches from several services arrive.
  const recs: SpanRec[] = [];
  const queues = perTrace.map((l) => [...l].reverse());
  while (queues.some((q) => q.length)) {
    const q = queues[Math.floor(rnd() * queues.length)]!;
    const r = q.pop();
    if (r) recs.push(r);
  }
  return { recs, logs, someTrace: perTrace[2]![0]!.traceId };
}

test('spill: a spilled analysis equals the in-memory one (findings of every kind, their order, summary, coverage, one request)', () => {
  const { recs, logs, someTrace } = spans(7, 400);
  const opts = { logs, traceId: someTrace };
  const mem = analyseRequests(recs, opts);
  assert.deepEqual(
    [...new Set(mem.findings.map((f) => f.kind))].sort(),
    ['budget-exceeded', 'context-break', 'logs-without-trace-id', 'outlived-parent', 'timeout'],
    'the input has every kind of finding',
  );
  for (const parts of [1, 3, 64]) {
    const store = new SpanStore({ spillAbove: 100, parts });
    try {
      for (const r of recs) store.add(r);
      assert.equal(store.spilled, true);
      assert.equal(store.size, recs.length);
      const spilled = analyseGroups(store.groups(), opts);
      assert.deepEqual(spilled, mem, `${parts} partitions`);
    } finally {
      store.close();
    }
  }
  // Under the threshold nothing is written.
  const small = new SpanStore({ spillAbove: recs.length });
  for (const r of recs) small.add(r);
  assert.equal(small.spilled, false);
  assert.deepEqual(analyseGroups(small.groups(), opts), mem);
  small.close();
});

test('spill: a record survives encoding (times past 2^53 ns, exceptions, nulls, escapes)', () => {
  const r: SpanRec = {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentId: '',
    name: 'GET /x\n"y"\u2028',
    service: 'svc',
    kind: 3,
    start: 1_790_000_000_123_456_789n,
    end: 1_790_000_000_987_654_321n,
    status: 2,
    statusMessage: 'boom',
    exceptions: ['e1', 'e2'],
    httpStatus: null,
    peer: 'h:1',
  };
  const line = encodeRec(r, 42);
  assert.ok(!line.includes('\n'));
  assert.deepEqual(decodeRec(line), { seq: 42, rec: r });
});

test('json-stream: the pieces are JSON.stringify(value, null, 2), whatever the nesting', () => {
  const values: unknown[] = [
    { a: 1, b: [1, 2, { c: 'x\ny', d: [] }], e: {}, f: null, g: undefined, h: [undefined, 'z'], i: { j: { k: [{ l: 1 }] } } },
    [],
    [[[]]],
    'text',
    { big: Array.from({ length: 1000 }, (_, i) => ({ i, s: `${i}`, nested: { v: [i, i + 1] } })) },
  ];
  for (const v of values) for (const depth of [0, 1, 2, 5]) assert.equal([...jsonPieces(v, depth)].join(''), JSON.stringify(v, null, 2));
});
