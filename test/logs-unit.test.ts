// The logs reader's pure parts: epoch units and zones, id encodings, level names and
// numbers, Go's logfmt quoting, error templates. (Whole lines from real programs are
// tested in logs-formats.test.ts against loggen.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochOf, parseTimeText } from '../src/formats/logs/time.js';
import { parseTraceIdArg, sameTrace, spanIdOf, traceIdOf, traceNeedles } from '../src/formats/logs/ids.js';
import { levelOf } from '../src/formats/logs/level.js';
import { parseLogfmt } from '../src/formats/logs/logfmt.js';
import { templateOf } from '../src/analysis/logs/template.js';

test('epoch times keep every digit, whatever the unit', () => {
  const ns = 1773480772247795800n;
  assert.equal(epochOf('1773480772.2477958'), ns); // zap's float seconds
  assert.equal(epochOf('1773480772247'), 1773480772247000000n); // ms
  assert.equal(epochOf('1773480772247795'), 1773480772247795000n); // µs
  assert.equal(epochOf('1773480772247795800'), ns); // ns beyond 2^53
  assert.equal(epochOf('1773480772'), 1773480772000000000n);
  assert.equal(parseTimeText('2026-03-14T09:26:53.589793238Z'), 1773480413589793238n);
  assert.equal(parseTimeText('2026-03-14T10:26:53.589+01:00'), 1773480413589000000n);
  assert.equal(parseTimeText('2026-03-14T10:26:53.589+0100'), 1773480413589000000n);
  assert.equal(parseTimeText('not a time'), null);
});

test('trace ids: W3C hex, 64-bit hex and Datadog decimal meet on the low 64 bits', () => {
  const w3c = '4bf92f3577b34da6a3ce929d0e0e4736';
  const low = 'a3ce929d0e0e4736';
  const dec = BigInt('0x' + low).toString(10);
  assert.equal(traceIdOf(w3c.toUpperCase(), 'traceId'), w3c);
  assert.equal(traceIdOf(dec, 'dd.trace_id'), '0'.repeat(16) + low);
  assert.equal(traceIdOf(low, 'trace_id'), '0'.repeat(16) + low);
  assert.equal(traceIdOf('0'.repeat(32), 'trace_id'), '', 'all zeros is no id');
  assert.equal(traceIdOf('18446744073709551616', 'dd.trace_id'), '', 'beyond 64 bits');
  assert.ok(sameTrace(w3c, traceIdOf(dec, 'dd.trace_id')));
  assert.ok(!sameTrace(w3c, '0'.repeat(16) + 'a3ce929d0e0e4737'));
  assert.ok(!sameTrace(w3c, 'ffffffffffffffff' + low), 'two full ids must be equal');
  assert.equal(parseTraceIdArg(dec), '0'.repeat(16) + low);
  assert.equal(spanIdOf('00f067aa0ba902b7'), '00f067aa0ba902b7');
  assert.equal(spanIdOf(BigInt('0x00f067aa0ba902b7').toString(10), 'dd.span_id'), '00f067aa0ba902b7');
  // The low 64 bits in hex (either case) and in decimal, for a 128-bit id and a 64-bit one alike.
  const forms = (id: string) => traceNeedles(id).map((n) => [Buffer.from(n.bytes).toString('latin1'), n.fold]);
  assert.deepEqual(forms(w3c), [
    [low, true],
    [dec, false],
  ]);
  assert.deepEqual(forms(parseTraceIdArg(dec)), forms(w3c));
});

test('levels by name and number', () => {
  assert.equal(levelOf('WARN'), 'warn');
  assert.equal(levelOf('warning'), 'warn');
  assert.equal(levelOf('ERROR+2'), 'error');
  assert.equal(levelOf('DEBUG-4'), 'debug');
  assert.equal(levelOf('dpanic'), 'panic');
  assert.equal(levelOf('3'), 'error'); // zerolog
  assert.equal(levelOf('50'), 'error'); // pino/bunyan
  assert.equal(levelOf('loud'), '');
});

test("logfmt with Go's quoting", () => {
  const kv = parseLogfmt('time=2026-03-14T09:26:53.589Z level=INFO msg="say \\"hi\\"\\n\\tthere" trace.id=abc empty= x=\\u00e9');
  assert.ok(kv);
  assert.equal(kv.get('msg'), 'say "hi"\n\tthere');
  assert.equal(kv.get('trace.id'), 'abc');
  assert.equal(kv.get('empty'), '');
  assert.equal(parseLogfmt('just some words'), null);
});

test('error templates mask what varies', () => {
  assert.equal(templateOf('payment failed for order 41230 after 3 retries'), 'payment failed for order <n> after <n> retries');
  assert.equal(templateOf('user 1bf7d322-11df-79a7-d310-2568b751daaf not found'), 'user <uuid> not found');
  assert.equal(templateOf('dial tcp 10.0.59.27:5432: connect: connection refused'), 'dial tcp <ip>: connect: connection refused');
  assert.equal(templateOf('cache miss for key "session:b90a8c90" in 12ms'), 'cache miss for key "<s>" in <n>ms');
  assert.equal(templateOf('object 0xc000123456 freed twice'), 'object <hex> freed twice');
});
