// pprof profile.proto encoder.
//
// Writes fields in profile.proto order, repeated scalars packed, default (zero/empty)
// scalars omitted. String fields are looked up in `p.stringTable` (first occurrence
// wins) so a decoded profile is written back with its original table; strings not in
// the table are appended. The encoder does not validate references: it will happily
// write dangling ids (tests use that to build bad profiles).

import { gzipSync } from 'node:zlib';
import type { Int64, Profile, ValueType } from './profile.js';
import { WIRE_LEN, WIRE_VARINT, Writer } from '../protobuf/wire.js';

export interface EncodeOptions {
  /** Gzip the output, as pprof files on disk and over HTTP are (default false). */
  gzip?: boolean;
}

/** Encodes a profile as profile.proto bytes (gzipped when opts.gzip). */
export function encodeProfile(p: Profile, opts?: EncodeOptions): Uint8Array {
  const out = new Encoder(p).encode();
  if (opts?.gzip) {
    const z = gzipSync(out);
    return new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
  }
  return out;
}

const T_VARINT = (f: number): number => f * 8 + WIRE_VARINT;
const T_LEN = (f: number): number => f * 8 + WIRE_LEN;

class Encoder {
  private readonly p: Profile;
  private readonly w: Writer;
  private readonly table: string[];
  private readonly index = new Map<string, number>();

  constructor(p: Profile) {
    this.p = p;
    const src = p.stringTable ?? [];
    this.table = src.length > 0 && src[0] === '' ? src.slice() : ['', ...src];
    const index = this.index;
    const table = this.table;
    for (let i = 0; i < table.length; i++) {
      const s = table[i]!;
      if (!index.has(s)) index.set(s, i);
    }
    // Roughly: strings plus ~40 bytes per message.
    let estimate = 1024;
    for (const s of table) estimate += s.length + 2;
    estimate += 40 * (p.samples.length + p.locations.length + p.functions.length + p.mappings.length);
    this.w = new Writer(estimate);
  }

  /** String index for `s`, appending it to the table when new. */
  private s(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      if (typeof s !== 'string') throw new TypeError(`pprof encode: expected a string, got ${typeof s}`);
      i = this.table.length;
      this.table.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  private strField(tag: number, s: string): void {
    const i = this.s(s);
    if (i !== 0) {
      this.w.uint(tag);
      this.w.uint(i);
    }
  }

  private intField(tag: number, v: Int64): void {
    if (v !== 0 && v !== 0n) {
      this.w.uint(tag);
      this.w.int64(v);
    }
  }

  private boolField(tag: number, v: boolean): void {
    if (v) {
      this.w.uint(tag);
      this.w.uint(1);
    }
  }

  private valueType(field: number, vt: ValueType): void {
    const w = this.w;
    w.uint(T_LEN(field));
    const at = w.beginLen();
    this.strField(T_VARINT(1), vt.type);
    this.strField(T_VARINT(2), vt.unit);
    w.endLen(at);
  }

  private packed(field: number, values: readonly Int64[]): void {
    if (values.length === 0) return;
    const w = this.w;
    w.uint(T_LEN(field));
    const at = w.beginLen();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (typeof v === 'number' && v >= 0 && v < 0x80) {
        w.ensure(1);
        w.buf[w.pos++] = v;
      } else {
        w.int64(v);
      }
    }
    w.endLen(at);
  }

  encode(): Uint8Array {
    const p = this.p;
    const w = this.w;

    for (const st of p.sampleTypes) this.valueType(1, st);

    for (const s of p.samples) {
      w.uint(T_LEN(2));
      const at = w.beginLen();
      this.packed(1, s.locationIds);
      this.packed(2, s.values);
      for (const l of s.labels) {
        w.uint(T_LEN(3));
        const lat = w.beginLen();
        this.strField(T_VARINT(1), l.key);
        this.strField(T_VARINT(2), l.str);
        this.intField(T_VARINT(3), l.num);
        this.strField(T_VARINT(4), l.numUnit);
        w.endLen(lat);
      }
      w.endLen(at);
    }

    for (const m of p.mappings) {
      w.uint(T_LEN(3));
      const at = w.beginLen();
      this.intField(T_VARINT(1), m.id);
      this.intField(T_VARINT(2), m.memoryStart);
      this.intField(T_VARINT(3), m.memoryLimit);
      this.intField(T_VARINT(4), m.fileOffset);
      this.strField(T_VARINT(5), m.filename);
      this.strField(T_VARINT(6), m.buildId);
      this.boolField(T_VARINT(7), m.hasFunctions);
      this.boolField(T_VARINT(8), m.hasFilenames);
      this.boolField(T_VARINT(9), m.hasLineNumbers);
      this.boolField(T_VARINT(10), m.hasInlineFrames);
      w.endLen(at);
    }

    for (const l of p.locations) {
      w.uint(T_LEN(4));
      const at = w.beginLen();
      this.intField(T_VARINT(1), l.id);
      this.intField(T_VARINT(2), l.mappingId);
      this.intField(T_VARINT(3), l.address);
      for (const ln of l.lines) {
        w.uint(T_LEN(4));
        const lat = w.beginLen();
        this.intField(T_VARINT(1), ln.functionId);
        this.intField(T_VARINT(2), ln.line);
        this.intField(T_VARINT(3), ln.column);
        w.endLen(lat);
      }
      this.boolField(T_VARINT(5), l.isFolded);
      w.endLen(at);
    }

    for (const f of p.functions) {
      w.uint(T_LEN(5));
      const at = w.beginLen();
      this.intField(T_VARINT(1), f.id);
      this.strField(T_VARINT(2), f.name);
      this.strField(T_VARINT(3), f.systemName);
      this.strField(T_VARINT(4), f.filename);
      this.intField(T_VARINT(5), f.startLine);
      w.endLen(at);
    }

    // Index the remaining strings before writing the table.
    const dropFrames = this.s(p.dropFrames);
    const keepFrames = this.s(p.keepFrames);
    const comments = p.comments.map((c) => this.s(c));
    const defaultSampleType = this.s(p.defaultSampleType);
    const docUrl = this.s(p.docUrl);
    const periodType = p.periodType;
    if (periodType) {
      this.s(periodType.type);
      this.s(periodType.unit);
    }

    for (const s of this.table) {
      w.uint(T_LEN(6));
      w.string(s);
    }

    this.intField(T_VARINT(7), dropFrames);
    this.intField(T_VARINT(8), keepFrames);
    this.intField(T_VARINT(9), p.timeNanos);
    this.intField(T_VARINT(10), p.durationNanos);
    if (periodType) this.valueType(11, periodType);
    this.intField(T_VARINT(12), p.period);
    this.packed(13, comments);
    this.intField(T_VARINT(14), defaultSampleType);
    this.intField(T_VARINT(15), docUrl);
    return w.finish();
  }
}
