// Finding any of a few byte strings (one trace id's forms) in a large buffer in one pass,
// counting the line breaks on the way (for file:line): the inner loop of `goscope logs
// --trace-id`. The fast path is a WebAssembly function with 128-bit SIMD assembled at run
// time for the needles at hand: each 16-byte block is compared against every needle's first
// and last byte at once (Muła's "generic SIMD" filter), candidates are verified byte by
// byte, and the block's '\n' bits are counted with popcnt. Letters of a needle marked
// `fold` match in either case (hex ids written with %X). The pure JS fallback gives the
// same answers (tests compare them on random buffers); it is used where WebAssembly SIMD
// is missing or GOSCOPE_NO_WASM=1.
import { assemble, Body, I32, simdSupported, V128, type ValType } from '../../lib/wasm.js';

export interface Needle {
  bytes: Uint8Array;
  /** ASCII letters match in either case. */
  fold: boolean;
}

export type FinderKind = 'wasm' | 'js';

export interface Finder {
  readonly kind: FinderKind;
  /** Where the bytes to search must be (for WebAssembly: a view of its memory). */
  readonly buffer: Buffer;
  /**
   * The first position p in [pos, end) where a needle starts and ends by `end`, or -1;
   * afterwards `newlines` is the number of '\n' in [pos, p) (in [pos, end) when -1).
   */
  find(pos: number, end: number): number;
  readonly newlines: number;
}

const MAX_NEEDLES = 8;
const MAX_NEEDLE = 64;
const PAGE = 65536;

interface Prepared {
  bytes: number[];
  /** Per byte: 0x20 where the byte is a letter that matches in either case, else 0. */
  fold: number[];
}

function prepare(needles: readonly Needle[]): Prepared[] {
  if (needles.length === 0 || needles.length > MAX_NEEDLES) throw new RangeError(`1 to ${MAX_NEEDLES} needles, got ${needles.length}`);
  return needles.map((n) => {
    if (n.bytes.length === 0 || n.bytes.length > MAX_NEEDLE) throw new RangeError(`a needle is 1 to ${MAX_NEEDLE} bytes`);
    const bytes: number[] = [];
    const fold: number[] = [];
    for (const c of n.bytes) {
      if (c === 10) throw new RangeError('a needle cannot hold a line break');
      const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
      bytes.push(n.fold && letter ? c | 0x20 : c);
      fold.push(n.fold && letter ? 0x20 : 0);
    }
    return { bytes, fold };
  });
}

/**
 * A finder over a buffer of `size` bytes. kind 'auto' takes WebAssembly SIMD when the
 * runtime has it (and GOSCOPE_NO_WASM is not set).
 */
export function makeFinder(needles: readonly Needle[], size: number, kind: FinderKind | 'auto' = 'auto'): Finder {
  const p = prepare(needles);
  const wasm = kind === 'wasm' || (kind === 'auto' && !process.env.GOSCOPE_NO_WASM && simdSupported());
  if (kind === 'wasm' && !simdSupported()) throw new Error('WebAssembly SIMD is not available in this runtime');
  return wasm ? wasmFinder(needles, size) : jsFinder(p, Buffer.allocUnsafe(size));
}

function jsFinder(needles: Prepared[], buffer: Buffer): Finder {
  // One table lookup per byte: 1 where a needle can start (in every case it matches), 2 at '\n'.
  const table = new Uint8Array(256);
  for (const n of needles) {
    table[n.bytes[0]!] = 1;
    if (n.fold[0]) table[n.bytes[0]! & ~0x20] = 1;
  }
  table[10] = 2;
  const b = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  const bytes = needles.map((n) => Uint8Array.from(n.bytes));
  const folds = needles.map((n) => Uint8Array.from(n.fold));
  const count = needles.length;
  const f = {
    kind: 'js' as const,
    buffer,
    newlines: 0,
    find(pos: number, end: number): number {
      let nl = 0;
      for (let i = pos; i < end; i++) {
        const t = table[b[i]!]!;
        if (t === 0) continue;
        if (t === 2) {
          nl++;
          continue;
        }
        for (let k = 0; k < count; k++) {
          const nb = bytes[k]!;
          const nf = folds[k]!;
          const len = nb.length;
          if (i + len > end) continue;
          let j = 0;
          while (j < len && (b[i + j]! | nf[j]!) === nb[j]) j++;
          if (j === len) {
            f.newlines = nl;
            return i;
          }
        }
      }
      f.newlines = nl;
      return -1;
    },
  };
  return f;
}

const splat = (b: number): number[] => new Array<number>(16).fill(b);

/** The find function for these needles, as a module's bytes (exported for the tests). */
export function findModule(needles: readonly Needle[], pages: number): Uint8Array<ArrayBuffer> {
  const ns = prepare(needles);
  const maxLen = Math.max(...ns.map((n) => n.bytes.length));
  // params: 0 pos, 1 end; locals: 2 i, 3 limit, 4 nlc, 5 m, 6 nlmask, 7 p, 8 v0, 9… the bytes at each needle's last offset
  const [POS, END, I, LIMIT, NLC, M, NLMASK, P, V0] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const b = new Body();
  // Verifies needle n at the address in local `at`: falls through on a match, else leaves
  // the enclosing block (depth 0).
  const verify = (n: Prepared, at: number): void => {
    n.bytes.forEach((c, j) => {
      b.localGet(at).i32Load8u(j);
      if (n.fold[j]) b.i32Const(n.fold[j]!).i32Or();
      b.i32Const(c).i32Ne().brIf(0);
    });
  };
  b.localGet(POS).localSet(I);
  b.i32Const(0).localSet(NLC);
  // Two 16-byte blocks per turn while the last needle byte of the last position is before end.
  b.localGet(END)
    .i32Const(32 + maxLen - 1)
    .i32Sub()
    .localSet(LIMIT);
  // The filter compares bytes with 0x20 set (one OR for every needle): necessary for a
  // match in either case, and for an exact one; candidates are then verified exactly.
  const lastOffsets = [...new Set(ns.map((n) => n.bytes.length - 1))];
  const blockMasks = (half: 0 | 16): void => {
    // V0/V1: this half's bytes at offset 0, folded; LAST[k]: at each needle's last offset, folded.
    b.localGet(I).v128Load(half).localTee(V0);
    b.v128Const(splat(10)).i8x16Eq().i8x16Bitmask();
    if (half) b.i32Const(16).i32Shl().localGet(NLMASK).i32Or();
    b.localSet(NLMASK);
    b.localGet(V0).v128Const(splat(0x20)).v128Or().localSet(V0);
    lastOffsets.forEach((off, k) => {
      b.localGet(I)
        .v128Load(half + off)
        .v128Const(splat(0x20))
        .v128Or()
        .localSet(V0 + 1 + k);
    });
    ns.forEach((n, k) => {
      const last = n.bytes.length - 1;
      b.localGet(V0)
        .v128Const(splat(n.bytes[0]! | 0x20))
        .i8x16Eq();
      b.localGet(V0 + 1 + lastOffsets.indexOf(last))
        .v128Const(splat(n.bytes[last]! | 0x20))
        .i8x16Eq();
      b.v128And();
      if (k > 0) b.v128Or();
    });
    b.i8x16Bitmask();
    if (half) b.i32Const(16).i32Shl().localGet(M).i32Or();
    b.localSet(M);
  };
  b.block();
  b.loop();
  b.localGet(I).localGet(LIMIT).i32GtS().brIf(1);
  blockMasks(0);
  blockMasks(16);
  b.localGet(M);
  b.if();
  b.loop();
  b.localGet(I).localGet(M).i32Ctz().i32Add().localSet(P);
  for (const n of ns) {
    b.block();
    verify(n, P);
    // A match: the line breaks before it in these 32 bytes, then the position.
    b.localGet(NLC).localGet(NLMASK).i32Const(1).localGet(P).localGet(I).i32Sub().i32Shl().i32Const(1).i32Sub().i32And().i32Popcnt().i32Add().globalSet(0);
    b.localGet(P).return();
    b.end();
  }
  b.localGet(M).localGet(M).i32Const(1).i32Sub().i32And().localTee(M).brIf(0);
  b.end(); // loop over candidate bits
  b.end(); // if
  b.localGet(NLC).localGet(NLMASK).i32Popcnt().i32Add().localSet(NLC);
  b.localGet(I).i32Const(32).i32Add().localSet(I);
  b.br(0);
  b.end(); // loop over blocks
  b.end(); // block
  // The tail, byte by byte.
  b.block();
  b.loop();
  b.localGet(I).localGet(END).i32GeS().brIf(1);
  b.localGet(I).i32Load8u(0).i32Const(10).i32Eq();
  b.if();
  b.localGet(NLC).i32Const(1).i32Add().localSet(NLC);
  b.else();
  for (const n of ns) {
    b.block();
    b.localGet(I).i32Const(n.bytes.length).i32Add().localGet(END).i32GtS().brIf(0);
    verify(n, I);
    b.localGet(NLC).globalSet(0).localGet(I).return();
    b.end();
  }
  b.end(); // if
  b.localGet(I).i32Const(1).i32Add().localSet(I);
  b.br(0);
  b.end(); // loop
  b.end(); // block
  b.localGet(NLC).globalSet(0);
  b.i32Const(-1);
  return assemble({
    importMemory: { min: pages, max: pages },
    globals: ['nl'],
    funcs: [
      { name: 'find', params: [I32, I32], results: [I32], locals: [I32, I32, I32, I32, I32, I32, V128, ...lastOffsets.map((): ValType => V128)], body: b },
    ],
  });
}

function wasmFinder(needles: readonly Needle[], size: number): Finder {
  const pages = Math.ceil(size / PAGE) + 1;
  const mod = new WebAssembly.Module(findModule(needles, pages));
  const mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const inst = new WebAssembly.Instance(mod, { env: { mem } });
  const exp = inst.exports as { find: (pos: number, end: number) => number; nl: WebAssembly.Global };
  const nl = exp.nl;
  return {
    kind: 'wasm',
    buffer: Buffer.from(mem.buffer, 0, size),
    find: exp.find,
    get newlines() {
      return nl.value as number;
    },
  };
}
