// A tiny WebAssembly assembler: enough of the binary format (wasm 1.0 plus the fixed-width
// SIMD proposal, both in Node >= 20) to emit small hot loops from TypeScript at run time,
// specialised for their constants, with nothing fetched or checked in as a blob.
// Reference: https://webassembly.github.io/spec/core/binary/ and the SIMD opcode table.

export const I32 = 0x7f;
export const I64 = 0x7e;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  if (n < 0 || !Number.isInteger(n)) throw new RangeError(`uleb: ${n}`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(n: number): number[] {
  if (!Number.isInteger(n)) throw new RangeError(`sleb: ${n}`);
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n = Math.floor(n / 128);
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
};

/** Block types: no value, or one value. */
export const EMPTY = 0x40;

/**
 * A function body under construction: each method appends one instruction. Memory
 * instructions take the static offset (memarg) and assume natural alignment is not
 * promised (align 0), which is always valid.
 */
export class Body {
  readonly bytes: number[] = [];
  private op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  private simd(code: number, ...rest: number[]): this {
    return this.op(0xfd, ...uleb(code), ...rest);
  }
  // control
  block(type = EMPTY): this {
    return this.op(0x02, type);
  }
  loop(type = EMPTY): this {
    return this.op(0x03, type);
  }
  if(type = EMPTY): this {
    return this.op(0x04, type);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  return(): this {
    return this.op(0x0f);
  }
  drop(): this {
    return this.op(0x1a);
  }
  // variables
  localGet(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  localSet(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  localTee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  globalGet(i: number): this {
    return this.op(0x23, ...uleb(i));
  }
  globalSet(i: number): this {
    return this.op(0x24, ...uleb(i));
  }
  // memory
  i32Load8u(offset = 0): this {
    return this.op(0x2d, 0, ...uleb(offset));
  }
  i32Load(offset = 0): this {
    return this.op(0x28, 0, ...uleb(offset));
  }
  i32Store(offset = 0): this {
    return this.op(0x36, 0, ...uleb(offset));
  }
  // i32 arithmetic and comparison
  i32Const(n: number): this {
    return this.op(0x41, ...sleb(n | 0));
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32GtU(): this {
    return this.op(0x4b);
  }
  i32LeS(): this {
    return this.op(0x4c);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i32Ctz(): this {
    return this.op(0x68);
  }
  i32Popcnt(): this {
    return this.op(0x69);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32Xor(): this {
    return this.op(0x73);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  // SIMD (v128)
  v128Load(offset = 0): this {
    return this.simd(0x00, 0, ...uleb(offset));
  }
  v128Const(bytes: ArrayLike<number>): this {
    if (bytes.length !== 16) throw new RangeError('v128.const takes 16 bytes');
    return this.simd(0x0c, ...Array.from(bytes, (b) => b & 0xff));
  }
  i8x16Splat(): this {
    return this.simd(0x0f);
  }
  i8x16Eq(): this {
    return this.simd(0x23);
  }
  v128Not(): this {
    return this.simd(0x4d);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  v128AnyTrue(): this {
    return this.simd(0x53);
  }
  i8x16Bitmask(): this {
    return this.simd(0x64);
  }
}

export interface FuncDef {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Locals after the parameters, in order. */
  locals: ValType[];
  body: Body;
}

export interface ModuleDef {
  /** A memory imported as env.mem (min pages). */
  importMemory?: { min: number; max?: number };
  /** Mutable i32 globals, exported by name, starting at 0. */
  globals?: string[];
  funcs: FuncDef[];
}

/** The module's bytes: types, the memory import, functions, globals, exports and code. */
export function assemble(def: ModuleDef): Uint8Array<ArrayBuffer> {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  out.push(...section(1, vec(def.funcs.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]))));
  if (def.importMemory) {
    const { min, max } = def.importMemory;
    const limits = max === undefined ? [0x00, ...uleb(min)] : [0x01, ...uleb(min), ...uleb(max)];
    out.push(...section(2, vec([[...name('env'), ...name('mem'), 0x02, ...limits]])));
  }
  out.push(...section(3, vec(def.funcs.map((_, i) => uleb(i)))));
  const globals = def.globals ?? [];
  if (globals.length) out.push(...section(6, vec(globals.map(() => [I32, 0x01, 0x41, 0x00, 0x0b]))));
  const exports = [...def.funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]), ...globals.map((g, i) => [...name(g), 0x03, ...uleb(i)])];
  out.push(...section(7, vec(exports)));
  const bodies = def.funcs.map((f) => {
    // Locals as runs of one type.
    const runs: number[][] = [];
    for (let i = 0; i < f.locals.length;) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push([...uleb(j - i), f.locals[i]!]);
      i = j;
    }
    const code = [...vec(runs), ...f.body.bytes, 0x0b];
    return [...uleb(code.length), ...code];
  });
  out.push(...section(10, vec(bodies)));
  return Uint8Array.from(out);
}

let simdOk: boolean | null = null;

/** Whether this runtime has WebAssembly with fixed-width SIMD (V8 has since Node 16.4). */
export function simdSupported(): boolean {
  if (simdOk !== null) return simdOk;
  try {
    const b = new Body().i32Const(0).i8x16Splat().v128AnyTrue();
    simdOk = typeof WebAssembly === 'object' && WebAssembly.validate(assemble({ funcs: [{ name: 'f', params: [], results: [I32], locals: [], body: b }] }));
  } catch {
    simdOk = false;
  }
  return simdOk;
}
