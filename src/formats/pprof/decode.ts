// pprof profile.proto decoder: gzip-transparent, validating, exact for 64-bit values.
//
// Two passes over the bytes. Pass 1 walks only the top-level fields: it decodes the
// scalar fields and records where each string, sample, mapping, location and function
// lies (Go writes the string table after the messages that index it). Pass 2 decodes the
// string table, then the messages straight into the model with strings resolved:
// mappings and functions before the locations that reference them, locations before the
// samples, so every reference is checked as it is read and every error names its byte.
// Lengths are always checked against the bytes left before anything is allocated.

import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '../../errors.js';
import { bombError, gzipError } from '../input.js';
import { limit, limitHint } from '../../lib/limits.js';
import type { Int64, Label, Line, Location, Mapping, Profile, ProfileFunction, Sample, ValueType } from './profile.js';
import { Reader, WIRE_LEN, WIRE_VARINT } from '../protobuf/wire.js';

export interface DecodeOptions {
  /** Cap on the gunzipped size in bytes (default 256 MiB, or GOSCOPE_MAX_INFLATE: lib/limits.ts). */
  maxInflatedBytes?: number;
}

const LEGACY_PROBLEM = 'legacy (pre-protobuf) profile format is not supported';
const LEGACY_HINT = 'convert it with `go tool pprof -proto FILE > out.pb.gz`';

/**
 * Decodes a pprof profile (gzipped or not). `input` names the source in error messages.
 * Throws FormatError (with a byte offset) for anything that is not a valid profile.
 */
export function decodeProfile(bytes: Uint8Array, input: string, opts?: DecodeOptions): Profile {
  const cap = opts?.maxInflatedBytes ?? limit('inflate');
  if (!Number.isSafeInteger(cap) || cap < 1) throw new RangeError(`maxInflatedBytes must be a positive integer, got ${cap}`);
  let data = bytes;
  let suffix = '';
  if (data.length === 0) throw new FormatError(input, 'byte 0', 'empty input: not a pprof profile');
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    data = gunzip(bytes, input, cap);
    suffix = ' of the decompressed data';
    if (data.length === 0) throw new FormatError(input, 'byte 0' + suffix, 'empty input: not a pprof profile');
  }
  if (isLegacy(data)) throw new FormatError(input, 'byte 0' + suffix, LEGACY_PROBLEM, LEGACY_HINT);
  try {
    return new Decoder(new Reader(data, input, suffix)).decode();
  } catch (e) {
    const text = e instanceof FormatError ? textStart(data) : null;
    if (text !== null) {
      throw new FormatError(input, 'byte 0' + suffix, `not a pprof profile: the input is text starting ${JSON.stringify(text)}`);
    }
    throw e;
  }
}

function gunzip(bytes: Uint8Array, input: string, cap: number): Uint8Array {
  // zlib stops as soon as more than `cap` bytes come out, so a bomb costs the cap at most.
  // The gzip trailer's ISIZE (the size mod 2^32) as the chunk size lets zlib write an
  // honest profile into one buffer (N bytes, not 2N while pieces are joined); a trailer
  // that lies only costs more chunks, or address space never touched.
  const isize = bytes.length >= 18 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(bytes.length - 4) : 0;
  const chunkSize = Math.min(Math.max(isize + 1, 64 * 1024), cap + 1);
  try {
    const out = gunzipSync(bytes, { maxOutputLength: cap, chunkSize });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw bombError(input, cap, 'byte 0 (gzip stream)', limitHint('inflate', cap));
    // zlib reports no offset: a truncation shows at the end, corruption anywhere in it.
    throw gzipError(input, e, `byte ${bytes.length} (gzip stream)`);
  }
}

const LEGACY_TEXT = /^\s*(heap profile:|heap_v2\/|--- ?[a-z]|goroutine profile: total|threadcreate profile: total|[a-z_]+ profile: total \d)/i;

/** Legacy formats google/pprof still reads: text heap/contention/count profiles, binary CPU. */
function isLegacy(d: Uint8Array): boolean {
  // Binary CPU profile: header words 0, 3, 0, period, 0 in 32- or 64-bit words, either
  // byte order. A protobuf can never start with 0x00 (field number 0).
  if (d.length >= 8 && d[0] === 0 && d[1] === 0 && d[2] === 0 && d[3] === 0) {
    const w32le = d[4] === 3 && d[5] === 0 && d[6] === 0 && d[7] === 0;
    const w32be = d[4] === 0 && d[5] === 0 && d[6] === 0 && d[7] === 3;
    if (w32le || w32be) return true;
    if (d.length >= 16 && d[4] === 0 && d[5] === 0 && d[6] === 0 && d[7] === 0) {
      let le = d[8] === 3;
      let be = d[15] === 3;
      for (let i = 9; i < 15; i++) if (d[i] !== 0) le = be = false;
      if (le && d[15] !== 0) le = false;
      if (be && d[8] !== 0) be = false;
      if (le || be) return true;
    }
    return false;
  }
  // Text: "heap profile: …", "--- contention:", "goroutine profile: total N", ….
  if (d[0]! > 0x7a) return false;
  let head = '';
  for (let i = 0; i < d.length && i < 64; i++) head += String.fromCharCode(d[i]!);
  return LEGACY_TEXT.test(head);
}

/** The first line of the input if its first bytes are printable text, else null. */
function textStart(d: Uint8Array): string | null {
  const n = Math.min(d.length, 64);
  if (n < 8) return null;
  for (let i = 0; i < n; i++) {
    const c = d[i]!;
    if (!(c === 9 || c === 10 || c === 13 || (c >= 0x20 && c !== 0x7f))) return null;
  }
  let end = 0;
  while (end < n && d[end] !== 10 && d[end] !== 13) end++;
  const s = Buffer.from(d.buffer, d.byteOffset, end).toString('utf8');
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

/** What pass 1 collects from the top level of a profile. */
class TopLevel {
  sampleTypeSpans = new Spans(4);
  sampleSpans = new Spans(1024);
  mappingSpans = new Spans(16);
  locationSpans = new Spans(1024);
  functionSpans = new Spans(1024);
  periodTypeStart = -1;
  periodTypeEnd = -1;
  /** string_table entries (decoded after the scan). */
  stringSpans = new Spans(1024);
  dropFrames: Int64 = 0;
  dropFramesAt = 0;
  keepFrames: Int64 = 0;
  keepFramesAt = 0;
  timeNanos: Int64 = 0;
  durationNanos: Int64 = 0;
  period: Int64 = 0;
  comments: Int64[] = [];
  commentsAt: number[] = [];
  defaultSampleType: Int64 = 0;
  defaultSampleTypeAt = 0;
  docUrl: Int64 = 0;
  docUrlAt = 0;
}

/** A growable list of [start, end) byte ranges, kept off the JS heap. */
class Spans {
  a: Float64Array;
  n = 0;
  constructor(initial: number) {
    this.a = new Float64Array(initial * 2);
  }
  push(start: number, end: number): void {
    if (this.n + 2 > this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = start;
    this.a[this.n++] = end;
  }
}

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'];

/** A set of message ids; dense byte flags when ids are small numbers. */
class IdSet {
  /** Flags indexed by id when ids are small numbers (then `set` is null). */
  readonly dense: Uint8Array | null;
  private readonly set: Set<Int64> | null;

  constructor(r: Reader, kind: string, items: ReadonlyArray<{ id: Int64 }>, spans: Spans) {
    const offsets = spans.a; // offsets[2 * i] is where item i starts
    let max = 0;
    let allSmall = true;
    for (const it of items) {
      const id = it.id;
      if (typeof id !== 'number') {
        allSmall = false;
        break;
      }
      if (id > max) max = id;
    }
    const n = items.length;
    if (allSmall && max <= 4 * n + 1024) {
      const d = new Uint8Array(max + 1);
      for (let i = 0; i < n; i++) {
        const id = items[i]!.id as number;
        if (id === 0) r.fail(offsets[2 * i]!, `${kind} has id 0, which is reserved`);
        if (d[id] === 1) r.fail(offsets[2 * i]!, `duplicate ${kind} id ${id}`);
        d[id] = 1;
      }
      this.dense = d;
      this.set = null;
    } else {
      const s = new Set<Int64>();
      for (let i = 0; i < n; i++) {
        const id = items[i]!.id;
        if (id === 0) r.fail(offsets[2 * i]!, `${kind} has id 0, which is reserved`);
        if (s.has(id)) r.fail(offsets[2 * i]!, `duplicate ${kind} id ${id}`);
        s.add(id);
      }
      this.dense = null;
      this.set = s;
    }
  }

  has(id: Int64): boolean {
    const d = this.dense;
    if (d !== null) return typeof id === 'number' && id < d.length && d[id] === 1;
    return this.set!.has(id);
  }
}

class Decoder {
  private readonly r: Reader;
  private table: string[] = [];

  constructor(r: Reader) {
    this.r = r;
  }

  private wrongType(t: number, tagAt: number, msg: string, field: string, expected: string): never {
    this.r.fail(tagAt, `${msg}.${field} (field ${Math.floor(t / 8)}) has wire type ${WIRE_NAMES[t & 7]}, expected ${expected}`);
  }

  /** Resolves a string index read at byte `at`. */
  private str(idx: Int64, at: number): string {
    const s: string | undefined = this.table[idx as number];
    if (s === undefined) {
      this.r.fail(at, `string index ${idx} out of range (the string table has ${this.table.length} entr${this.table.length === 1 ? 'y' : 'ies'})`);
    }
    return s;
  }

  decode(): Profile {
    const r = this.r;
    const top = new TopLevel();
    r.notFormat = 'not a pprof profile';
    this.scan(top);
    const table = (this.table = r.strings(top.stringSpans.a, top.stringSpans.n));
    if (table.length === 0) {
      r.fail(0, 'not a pprof profile: it has no string table', 'a profile always has at least the empty string');
    }
    if (table[0] !== '') {
      r.fail(top.stringSpans.a[0]!, `not a pprof profile: string_table[0] must be "", found ${JSON.stringify(table[0]!.slice(0, 40))}`);
    }
    r.notFormat = '';

    // Pass 2: messages, referenced kinds first. Each kind has its own loop (function) so
    // that the JIT compiles small units early.
    const sampleTypes: ValueType[] = [];
    const st = top.sampleTypeSpans;
    for (let i = 0; i < st.n; i += 2) sampleTypes.push(this.valueType(st.a[i]!, st.a[i + 1]!, 'sample_type'));
    const periodType = top.periodTypeStart < 0 ? null : this.valueType(top.periodTypeStart, top.periodTypeEnd, 'period_type');

    const mappings = this.mappings(top.mappingSpans);
    const mappingIds = new IdSet(r, 'mapping', mappings, top.mappingSpans);
    const functions = this.functions(top.functionSpans);
    const functionIds = new IdSet(r, 'function', functions, top.functionSpans);
    const locations = this.locations(top.locationSpans, mappingIds, functionIds);
    const locationIds = new IdSet(r, 'location', locations, top.locationSpans);
    const samples = this.samples(top.sampleSpans, locationIds, sampleTypes.length);
    r.end = r.buf.length;

    const comments: string[] = new Array(top.comments.length);
    for (let i = 0; i < comments.length; i++) comments[i] = this.str(top.comments[i]!, top.commentsAt[i]!);

    return {
      sampleTypes,
      samples,
      mappings,
      locations,
      functions,
      stringTable: table,
      dropFrames: this.str(top.dropFrames, top.dropFramesAt),
      keepFrames: this.str(top.keepFrames, top.keepFramesAt),
      timeNanos: top.timeNanos,
      durationNanos: top.durationNanos,
      periodType,
      period: top.period,
      comments,
      defaultSampleType: this.str(top.defaultSampleType, top.defaultSampleTypeAt),
      docUrl: this.str(top.docUrl, top.docUrlAt),
    };
  }

  /** Pass 1: walks the top-level fields. */
  private scan(top: TopLevel): void {
    const r = this.r;
    const buf = r.buf;
    const end = buf.length;
    let pos = 0;
    while (pos < end) {
      const tagAt = pos;
      let t = buf[pos]!;
      if (t >= 8 && t < 0x80) pos++;
      else {
        r.pos = pos;
        t = r.tag();
        pos = r.pos;
      }
      const field = t >>> 3;
      if (field <= 6 || field === 11) {
        if ((t & 7) !== WIRE_LEN) {
          this.wrongType(t, tagAt, 'Profile', TOP_NAMES[field] ?? '?', 'length-delimited');
        }
        let n = pos < end ? buf[pos]! : 0x80;
        if (n < 0x80 && n < end - pos) pos++;
        else {
          r.pos = pos;
          n = r.len();
          pos = r.pos;
        }
        const start = pos;
        pos += n;
        switch (field) {
          case 1:
            top.sampleTypeSpans.push(start, pos);
            break;
          case 2:
            top.sampleSpans.push(start, pos);
            break;
          case 3:
            top.mappingSpans.push(start, pos);
            break;
          case 4:
            top.locationSpans.push(start, pos);
            break;
          case 5:
            top.functionSpans.push(start, pos);
            break;
          case 6:
            top.stringSpans.push(start, pos);
            break;
          case 11:
            // Not repeated: the last occurrence wins.
            top.periodTypeStart = start;
            top.periodTypeEnd = pos;
            break;
        }
        continue;
      }
      r.pos = pos;
      if (field <= 15) this.topScalar(top, t, tagAt);
      else r.skip(t, tagAt);
      pos = r.pos;
    }
  }

  /** Top-level scalar fields 7-15 (rare: one of each per profile). */
  private topScalar(top: TopLevel, t: number, tagAt: number): void {
    const r = this.r;
    const field = t >>> 3;
    const wt = t & 7;
    if (field === 13 && wt === WIRE_LEN) {
      const n = r.len();
      const end = r.pos + n;
      r.end = end;
      while (r.pos < end) {
        top.commentsAt.push(r.pos);
        top.comments.push(r.int64());
      }
      r.end = r.buf.length;
      return;
    }
    if (wt !== WIRE_VARINT) {
      this.wrongType(t, tagAt, 'Profile', TOP_NAMES[field]!, field === 13 ? 'varint or length-delimited' : 'varint');
    }
    const at = r.pos;
    const v = r.int64();
    switch (field) {
      case 7:
        top.dropFrames = v;
        top.dropFramesAt = at;
        break;
      case 8:
        top.keepFrames = v;
        top.keepFramesAt = at;
        break;
      case 9:
        top.timeNanos = v;
        break;
      case 10:
        top.durationNanos = v;
        break;
      case 12:
        top.period = v;
        break;
      case 13:
        top.commentsAt.push(at);
        top.comments.push(v);
        break;
      case 14:
        top.defaultSampleType = v;
        top.defaultSampleTypeAt = at;
        break;
      case 15:
        top.docUrl = v;
        top.docUrlAt = at;
        break;
    }
  }

  private mappings(spans: Spans): Mapping[] {
    const a = spans.a;
    const out: Mapping[] = new Array(spans.n / 2);
    for (let i = 0, j = 0; i < spans.n; i += 2, j++) out[j] = this.mapping(a[i]!, a[i + 1]!);
    return out;
  }

  private functions(spans: Spans): ProfileFunction[] {
    const a = spans.a;
    const out: ProfileFunction[] = new Array(spans.n / 2);
    for (let i = 0, j = 0; i < spans.n; i += 2, j++) out[j] = this.func(a[i]!, a[i + 1]!);
    return out;
  }

  private locations(spans: Spans, mappingIds: IdSet, functionIds: IdSet): Location[] {
    const a = spans.a;
    const out: Location[] = new Array(spans.n / 2);
    for (let i = 0, j = 0; i < spans.n; i += 2, j++) out[j] = this.location(a[i]!, a[i + 1]!, mappingIds, functionIds);
    return out;
  }

  private samples(spans: Spans, locationIds: IdSet, nTypes: number): Sample[] {
    const a = spans.a;
    const out: Sample[] = new Array(spans.n / 2);
    for (let i = 0, j = 0; i < spans.n; i += 2, j++) out[j] = this.sample(a[i]!, a[i + 1]!, locationIds, nTypes);
    return out;
  }

  private valueType(start: number, end: number, what: string): ValueType {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let type = '';
    let unit = '';
    while (r.pos < end) {
      const tagAt = r.pos;
      const t = r.tag();
      if (t === 8 || t === 16) {
        const at = r.pos;
        const s = this.str(r.int64(), at);
        if (t === 8) type = s;
        else unit = s;
      } else if (t >>> 3 <= 2) {
        this.wrongType(t, tagAt, what, t >>> 3 === 1 ? 'type' : 'unit', 'varint');
      } else {
        r.skip(t, tagAt);
      }
    }
    return { type, unit };
  }

  private mapping(start: number, end: number): Mapping {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let id: Int64 = 0;
    let memoryStart: Int64 = 0;
    let memoryLimit: Int64 = 0;
    let fileOffset: Int64 = 0;
    let filename = '';
    let buildId = '';
    let hasFunctions = false;
    let hasFilenames = false;
    let hasLineNumbers = false;
    let hasInlineFrames = false;
    while (r.pos < end) {
      const tagAt = r.pos;
      const t = r.tag();
      const field = t >>> 3;
      if (field > 10) {
        r.skip(t, tagAt);
        continue;
      }
      if ((t & 7) !== WIRE_VARINT) this.wrongType(t, tagAt, 'mapping', MAPPING_NAMES[field]!, 'varint');
      const at = r.pos;
      switch (field) {
        case 1:
          id = r.uint64();
          break;
        case 2:
          memoryStart = r.uint64();
          break;
        case 3:
          memoryLimit = r.uint64();
          break;
        case 4:
          fileOffset = r.uint64();
          break;
        case 5:
          filename = this.str(r.int64(), at);
          break;
        case 6:
          buildId = this.str(r.int64(), at);
          break;
        case 7:
          hasFunctions = r.uint() !== 0;
          break;
        case 8:
          hasFilenames = r.uint() !== 0;
          break;
        case 9:
          hasLineNumbers = r.uint() !== 0;
          break;
        case 10:
          hasInlineFrames = r.uint() !== 0;
          break;
      }
    }
    return {
      id,
      memoryStart,
      memoryLimit,
      fileOffset,
      filename,
      buildId,
      hasFunctions,
      hasFilenames,
      hasLineNumbers,
      hasInlineFrames,
    };
  }

  // The decoders below keep the position in a local and read 1-byte tags and varints
  // inline, calling the Reader only for longer varints and for errors: this matters most
  // before the JIT has optimized them (a profile is usually decoded once per process).

  private func(start: number, end: number): ProfileFunction {
    const r = this.r;
    const buf = r.buf;
    const table = this.table;
    r.end = end;
    let pos = start;
    let id: Int64 = 0;
    let name = '';
    let systemName = '';
    let filename = '';
    let startLine: Int64 = 0;
    while (pos < end) {
      const tagAt = pos;
      let t = buf[pos]!;
      if (t >= 8 && t < 0x80) pos++;
      else {
        r.pos = pos;
        t = r.tag();
        pos = r.pos;
      }
      const at = pos;
      let v: Int64 = pos < end ? buf[pos]! : 0x80;
      if (t === 8 || t === 40) {
        if (v < 0x80) pos++;
        else {
          r.pos = pos;
          v = t === 8 ? r.uint64() : r.int64();
          pos = r.pos;
        }
        if (t === 8) id = v;
        else startLine = v;
      } else if (t === 16 || t === 24 || t === 32) {
        if (v < 0x80) pos++;
        else {
          r.pos = pos;
          v = r.int64();
          pos = r.pos;
        }
        const str: string | undefined = table[v as number];
        if (str === undefined) this.str(v, at); // throws
        if (t === 16) name = str!;
        else if (t === 24) systemName = str!;
        else filename = str!;
      } else {
        if (t >>> 3 <= 5) this.wrongType(t, tagAt, 'function', FUNCTION_NAMES[t >>> 3]!, 'varint');
        r.pos = pos;
        r.skip(t, tagAt);
        pos = r.pos;
      }
    }
    return { id, name, systemName, filename, startLine };
  }

  private location(start: number, end: number, mappingIds: IdSet, functionIds: IdSet): Location {
    const r = this.r;
    const buf = r.buf;
    r.end = end;
    let pos = start;
    let id: Int64 = 0;
    let mappingId: Int64 = 0;
    let address: Int64 = 0;
    let line0: Line | null = null;
    let lines: Line[] | null = null;
    let isFolded = false;
    while (pos < end) {
      const tagAt = pos;
      let t = buf[pos]!;
      if (t >= 8 && t < 0x80) pos++;
      else {
        r.pos = pos;
        t = r.tag();
        pos = r.pos;
      }
      if (t === 34) {
        let n = pos < end ? buf[pos]! : 0x80;
        if (n < 0x80 && n < end - pos) pos++;
        else {
          r.pos = pos;
          n = r.len();
          pos = r.pos;
        }
        const lineEnd = pos + n;
        let functionId: Int64 = 0;
        let line: Int64 = 0;
        let column: Int64 = 0;
        while (pos < lineEnd) {
          const lTagAt = pos;
          let lt = buf[pos]!;
          if (lt >= 8 && lt < 0x80) pos++;
          else {
            r.end = lineEnd;
            r.pos = pos;
            lt = r.tag();
            pos = r.pos;
          }
          if (lt === 8 || lt === 16 || lt === 24) {
            const at = pos;
            let v: Int64 = pos < lineEnd ? buf[pos]! : 0x80;
            if (v < 0x80) pos++;
            else {
              r.end = lineEnd;
              r.pos = pos;
              v = lt === 8 ? r.uint64() : r.int64();
              pos = r.pos;
            }
            if (lt === 8) {
              functionId = v;
              if (v !== 0 && !functionIds.has(v)) {
                r.fail(at, `location line refers to function id ${v}, which does not exist`);
              }
            } else if (lt === 16) line = v;
            else column = v;
          } else {
            if (lt >>> 3 <= 3) this.wrongType(lt, lTagAt, 'line', LINE_NAMES[lt >>> 3]!, 'varint');
            r.end = lineEnd;
            r.pos = pos;
            r.skip(lt, lTagAt);
            pos = r.pos;
          }
        }
        r.end = end;
        const ln: Line = { functionId, line, column };
        if (line0 === null) line0 = ln;
        else if (lines === null) lines = [line0, ln];
        else lines.push(ln);
        continue;
      }
      if (t === 8 || t === 16 || t === 24 || t === 40) {
        const at = pos;
        let v: Int64 = pos < end ? buf[pos]! : 0x80;
        if (v < 0x80) pos++;
        else {
          r.pos = pos;
          v = r.uint64();
          pos = r.pos;
        }
        if (t === 8) id = v;
        else if (t === 16) {
          mappingId = v;
          if (v !== 0 && !mappingIds.has(v)) r.fail(at, `location refers to mapping id ${v}, which does not exist`);
        } else if (t === 24) address = v;
        else isFolded = v !== 0;
        continue;
      }
      if (t >>> 3 <= 5) {
        this.wrongType(t, tagAt, 'location', LOCATION_NAMES[t >>> 3]!, t >>> 3 === 4 ? 'length-delimited' : 'varint');
      }
      r.pos = pos;
      r.skip(t, tagAt);
      pos = r.pos;
    }
    return { id, mappingId, address, lines: lines ?? (line0 === null ? [] : [line0]), isFolded };
  }

  private sample(start: number, end: number, locationIds: IdSet, nTypes: number): Sample {
    const r = this.r;
    const buf = r.buf;
    let pos = start;
    r.end = end;
    let ids: Int64[] | null = null;
    let values: Int64[] | null = null;
    let labels: Label[] | null = null;
    // Hot path: everything below reads 1- and 2-byte varints inline and only calls the
    // Reader for longer ones (and for errors).
    while (pos < end) {
      const tagAt = pos;
      let t = buf[pos]!;
      if (t >= 8 && t < 0x80) pos++;
      else {
        r.pos = pos;
        t = r.tag();
        pos = r.pos;
      }
      if (t === 10 || t === 18) {
        // Packed location ids / values.
        let n = pos < end ? buf[pos]! : 0x80;
        if (n < 0x80 && n <= end - pos - 1) pos++;
        else {
          r.pos = pos;
          n = r.len();
          pos = r.pos;
        }
        const packedEnd = pos + n;
        // One exact-size array per packed field (the count is the number of bytes that
        // end a varint); a malformed last varint leaves bytes over and is reported.
        let count = 0;
        for (let i = pos; i < packedEnd; i++) if (buf[i]! < 0x80) count++;
        const arr = new Array<Int64>(count);
        if (t === 10) {
          const dense = locationIds.dense;
          const denseLen = dense === null ? 0 : dense.length;
          for (let k = 0; k < count; k++) {
            const at = pos;
            let id: Int64;
            const b0 = buf[pos]!;
            if (b0 < 0x80) {
              id = b0;
              pos++;
            } else if (buf[pos + 1]! < 0x80) {
              // k < count guarantees a terminating byte before packedEnd.
              id = (b0 & 0x7f) | (buf[pos + 1]! << 7);
              pos += 2;
            } else {
              r.pos = pos;
              r.end = packedEnd;
              id = r.uint64();
              r.end = end;
              pos = r.pos;
            }
            if (dense !== null ? typeof id !== 'number' || id >= denseLen || dense[id] !== 1 : !locationIds.has(id)) {
              this.missingLocation(id, at);
            }
            arr[k] = id;
          }
          if (ids === null) ids = arr;
          else for (let k = 0; k < count; k++) ids.push(arr[k]!); // (concat would be quadratic)
        } else {
          for (let k = 0; k < count; k++) {
            const b0 = buf[pos]!;
            if (b0 < 0x80) {
              arr[k] = b0;
              pos++;
            } else {
              r.pos = pos;
              r.end = packedEnd;
              arr[k] = r.int64();
              r.end = end;
              pos = r.pos;
            }
          }
          if (values === null) values = arr;
          else for (let k = 0; k < count; k++) values.push(arr[k]!);
        }
        if (pos !== packedEnd) this.badPacked(pos);
        continue;
      }
      r.pos = pos;
      switch (t) {
        case 8: {
          const at = r.pos;
          const id = r.uint64();
          if (!locationIds.has(id)) this.missingLocation(id, at);
          if (ids === null) ids = [];
          ids.push(id);
          break;
        }
        case 16:
          if (values === null) values = [];
          values.push(r.int64());
          break;
        case 26: {
          const n = r.len();
          const labelEnd = r.pos + n;
          r.end = labelEnd;
          let key = '';
          let str = '';
          let num: Int64 = 0;
          let numUnit = '';
          while (r.pos < labelEnd) {
            const lTagAt = r.pos;
            const lt = r.tag();
            const at = r.pos;
            switch (lt) {
              case 8:
                key = this.str(r.int64(), at);
                break;
              case 16:
                str = this.str(r.int64(), at);
                break;
              case 24:
                num = r.int64();
                break;
              case 32:
                numUnit = this.str(r.int64(), at);
                break;
              default:
                if (lt >>> 3 <= 4) this.wrongType(lt, lTagAt, 'label', LABEL_NAMES[lt >>> 3]!, 'varint');
                r.skip(lt, lTagAt);
            }
          }
          r.end = end;
          if (labels === null) labels = [];
          labels.push({ key, str, num, numUnit });
          break;
        }
        default:
          if (t >>> 3 <= 3) {
            this.wrongType(t, tagAt, 'sample', SAMPLE_NAMES[t >>> 3]!, t >>> 3 === 3 ? 'length-delimited' : 'varint or length-delimited');
          }
          r.skip(t, tagAt);
      }
      pos = r.pos;
    }
    const nValues = values === null ? 0 : values.length;
    if (nValues !== nTypes || nTypes === 0) {
      if (nTypes === 0) r.fail(start, `sample has ${nValues} value${nValues === 1 ? '' : 's'} but the profile has no sample types`);
      r.fail(start, `sample has ${nValues} value${nValues === 1 ? '' : 's'}, expected ${nTypes} (one per sample type)`);
    }
    return { locationIds: ids ?? [], values: values ?? [], labels: labels ?? [] };
  }

  private badPacked(at: number): never {
    this.r.fail(at, 'truncated data: varint runs past the end of its packed field');
  }

  private missingLocation(id: Int64, at: number): never {
    this.r.fail(at, `sample refers to location id ${id}, which does not exist`);
  }
}

const TOP_NAMES: Array<string | undefined> = [
  undefined,
  'sample_type',
  'sample',
  'mapping',
  'location',
  'function',
  'string_table',
  'drop_frames',
  'keep_frames',
  'time_nanos',
  'duration_nanos',
  'period_type',
  'period',
  'comment',
  'default_sample_type',
  'doc_url',
];
const MAPPING_NAMES = [
  '',
  'id',
  'memory_start',
  'memory_limit',
  'file_offset',
  'filename',
  'build_id',
  'has_functions',
  'has_filenames',
  'has_line_numbers',
  'has_inline_frames',
];
const FUNCTION_NAMES = ['', 'id', 'name', 'system_name', 'filename', 'start_line'];
const LOCATION_NAMES = ['', 'id', 'mapping_id', 'address', 'line', 'is_folded'];
const LINE_NAMES = ['', 'function_id', 'line', 'column'];
const SAMPLE_NAMES = ['', 'location_id', 'value', 'label'];
const LABEL_NAMES = ['', 'key', 'str', 'num', 'num_unit'];
