// The WebAssembly assembler: LEB128 against the spec's examples, and modules it writes
// validated and run by V8 (scalar and SIMD instructions), including the needle finder's
// module for several needle sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, Body, I32, simdSupported, sleb, uleb, V128 } from '../src/lib/wasm.js';
import { findModule } from '../src/formats/logs/search.js';

test('LEB128 as the wasm spec encodes it', () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(127), [0x7f]);
  assert.deepEqual(uleb(128), [0x80, 0x01]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb(0), [0]);
  assert.deepEqual(sleb(-1), [0x7f]);
  assert.deepEqual(sleb(63), [0x3f]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
  assert.deepEqual(sleb(-64), [0x40]);
  assert.deepEqual(sleb(-65), [0xbf, 0x7f]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(sleb(0x7fffffff), [0xff, 0xff, 0xff, 0xff, 0x07]);
  assert.throws(() => uleb(-1));
});

test('an assembled module runs: locals, loops, memory and a global', () => {
  // sum(n) = 0 + 1 + … + (n-1), stored at address 8 and in the global "last".
  const b = new Body();
  b.block().loop();
  b.localGet(1).localGet(0).i32GeS().brIf(1);
  b.localGet(2).localGet(1).i32Add().localSet(2);
  b.localGet(1).i32Const(1).i32Add().localSet(1);
  b.br(0).end().end();
  b.i32Const(8).localGet(2).i32Store(0);
  b.localGet(2).globalSet(0);
  b.localGet(2);
  const bytes = assemble({ importMemory: { min: 1 }, globals: ['last'], funcs: [{ name: 'sum', params: [I32], results: [I32], locals: [I32, I32], body: b }] });
  assert.ok(WebAssembly.validate(bytes));
  const mem = new WebAssembly.Memory({ initial: 1 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } });
  const ex = inst.exports as { sum: (n: number) => number; last: WebAssembly.Global };
  assert.equal(ex.sum(100), 4950);
  assert.equal(ex.last.value, 4950);
  assert.equal(new DataView(mem.buffer).getInt32(8, true), 4950);
  assert.equal(ex.sum(-5), 0);
});

test('SIMD: a 16-byte compare and its bitmask', (t) => {
  if (!simdSupported()) return t.skip('this runtime has no WebAssembly SIMD');
  // mask(addr) = bitmask(v128.load(addr) == splat('x')) | ctz-checked through popcnt
  const b = new Body();
  b.localGet(0).v128Load(0).localTee(1).i32Const(0x78).i8x16Splat().i8x16Eq().i8x16Bitmask();
  const bytes = assemble({ importMemory: { min: 1 }, funcs: [{ name: 'mask', params: [I32], results: [I32], locals: [V128], body: b }] });
  const mem = new WebAssembly.Memory({ initial: 1 });
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } }).exports as { mask: (a: number) => number };
  const view = Buffer.from(mem.buffer);
  view.write('x.x...........xx', 100, 'latin1');
  assert.equal(ex.mask(100), 0b1100000000000101);
  assert.equal(ex.mask(101), 0b0110000000000010);
});

test("the finder's modules validate for one to eight needles of 1 to 64 bytes", (t) => {
  if (!simdSupported()) return t.skip('this runtime has no WebAssembly SIMD');
  const needle = (s: string, fold = false) => ({ bytes: Buffer.from(s, 'latin1'), fold });
  const sets = [
    [needle('a')],
    [needle('a3ce929d0e0e4736', true), needle('11803004958289536822')],
    Array.from({ length: 8 }, (_, i) => needle('x'.repeat(1 + i * 9), i % 2 === 0)),
    [needle('Z'.repeat(64), true)],
  ];
  for (const s of sets) assert.ok(WebAssembly.validate(findModule(s, 2)), s.map((n) => n.bytes.length).join(','));
  assert.throws(() => findModule([needle('a\nb')], 1), /line break/);
  assert.throws(() => findModule([], 1));
});
