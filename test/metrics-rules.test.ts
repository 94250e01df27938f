// Unit checks of the pieces behind goscope metrics' rules: value kinds, quantities and
// units, the hash sets and their estimate, Go's float formatting, the runtime limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../src/analysis/metrics/classify.js';
import { quantityOf } from '../src/analysis/metrics/names.js';
import { Distinct, HashSet64 } from '../src/analysis/metrics/hash.js';
import { metricUnit } from '../src/analysis/metrics/promlint.js';
import { runtimeProblems, type RuntimeFacts } from '../src/analysis/metrics/runtime.js';
import { formatValue } from '../src/formats/prometheus/index.js';

test('label value kinds: unbounded-looking values are named, bounded ones are not', () => {
  const cases: [string, string | undefined][] = [
    ['9f3a0007-001f-4001-a003-5e1f000003d1', 'uuid'],
    ['user7@example.com', 'email'],
    ['10.0.3.17', 'ip'],
    ['10.0.3.17:8080', 'ip'],
    ['2001:db8::1', 'ip'],
    ['1767225600', 'timestamp'],
    ['1767225600123', 'timestamp'],
    ['2026-12-05T14:00:00Z', 'timestamp'],
    ['100017', 'id'],
    ['req-4711', 'id'],
    ['4bf92f3577b34da6', 'id'],
    ['/users/4711/orders', 'path'],
    ['https://x.test/items/12345', 'path'],
    ['/users/{id}/orders', undefined],
    ['GET', undefined],
    ['200', undefined],
    ['eu-west-1', undefined],
    ['tenant-07', undefined],
    ['/healthz', undefined],
    ['svc-042', undefined],
  ];
  for (const [v, k] of cases) assert.equal(classify(v), k, v);
});

test('quantities: the same thing under two names or units has one key', () => {
  const k = (n: string) => quantityOf(n)?.key;
  assert.equal(k('http_request_duration_seconds'), k('http_request_latency_ms'));
  assert.equal(k('upload_time_ms'), k('upload_duration_seconds'));
  assert.equal(k('response_size_bytes'), k('response_length_kb'));
  assert.notEqual(k('http_request_duration_seconds'), k('http_response_duration_seconds'));
  assert.equal(quantityOf('http_requests_total'), undefined, 'no unit, no quantity');
  assert.equal(quantityOf('process_cpu_seconds_total')?.unit, 'seconds');
});

test("promlint's unit table: prefixes, base units, first token wins", () => {
  assert.deepEqual(metricUnit('cache_size_kilobytes'), { unit: 'kilobytes', base: 'bytes' });
  assert.deepEqual(metricUnit('link_speed_megabits'), { unit: 'megabits', base: 'bytes' });
  assert.deepEqual(metricUnit('uptime_hours_total'), { unit: 'hours', base: 'seconds' });
  assert.deepEqual(metricUnit('request_duration_seconds'), { unit: 'seconds', base: 'seconds' });
  assert.equal(metricUnit('constructor_total'), undefined, 'no prototype keys');
});

test('hash sets: exact below the cap, a close estimate beyond it', () => {
  const s = new HashSet64();
  for (let i = 0; i < 100_000; i++) assert.ok(s.add(i * 2654435761, i ^ 0x5bd1e995));
  assert.equal(s.size, 100_000);
  assert.ok(!s.add(7 * 2654435761, 7 ^ 0x5bd1e995));
  assert.ok(s.add(0, 0) && !s.add(0, 0), 'the empty key is a member like any other');
  const d = new Distinct(1000);
  for (let i = 0; i < 300_000; i++) d.add(Math.imul(i, 0x85ebca6b) ^ 0x1234, Math.imul(i, 0xc2b2ae35));
  assert.ok(d.estimated);
  assert.ok(Math.abs(d.size - 300_000) / 300_000 < 0.04, `estimate ${d.size}`);
});

test("values print as client_golang writes them (Go's shortest 'g')", () => {
  const cases: [number, string][] = [
    [1027, '1027'],
    [0.001, '0.001'],
    [1.5e9, '1.5e+09'],
    [52428800, '5.24288e+07'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-3.25, '-3.25'],
    [Infinity, '+Inf'],
    [NaN, 'NaN'],
  ];
  for (const [v, s] of cases) assert.equal(formatValue(v), s, String(v));
});

test('runtime limits: open files at 80% of the limit, memory at 90% of GOMEMLIMIT', () => {
  const base: RuntimeFacts = {
    goVersion: 'go1.26.8',
    goroutines: 10,
    threads: 8,
    gomaxprocs: 2,
    gogc: 100,
    memoryLimitBytes: null,
    heapAllocBytes: 1,
    runtimeBytes: 100,
    residentBytes: 1,
    openFds: 10,
    maxFds: 1024,
    startTimeSeconds: 1,
    gcPauses: null,
  };
  assert.deepEqual(runtimeProblems(base), []);
  assert.deepEqual(
    runtimeProblems({ ...base, openFds: 820 }).map((p) => p.rule),
    ['fd-limit'],
  );
  assert.deepEqual(
    runtimeProblems({ ...base, memoryLimitBytes: 110 }).map((p) => p.rule),
    ['heap-limit'],
  );
  assert.deepEqual(runtimeProblems({ ...base, memoryLimitBytes: 200 }), []);
});
