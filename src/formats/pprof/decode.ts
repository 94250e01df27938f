// pprof profile.proto decoder: gzip-transparent, validating, exact for 64-bit values.
//
// Two passes over the bytes. Pass 1 walks only the top-level fields: it decodes the
// string table and the scalar fields and records where each sample, mapping, location
// and function message lies. Pass 2 decodes those messages straight into the model with
// strings resolved, mappings and functions before the locations that reference them, and
// locations before the samples, so every reference is checked as it is read and every
// error names the byte where it occurs.

import { gunzipSync } from 'node:zlib';
import { FormatError } from '../../errors.js';
import type {
  Int64,
  Label,
  Line,
  Location,
  Mapping,
  Profile,
  ProfileFunction,
  Sample,
  ValueType,
} from './profile.js';
import { Reader, WIRE_LEN, WIRE_VARINT } from './wire.js';

export interface DecodeOptions {
  /** Cap on the gunzipped size in bytes (default 1 GiB). */
  maxInflatedBytes?: number;
}

export const DEFAULT_MAX_INFLATED_BYTES = 1 << 30;

const LEGACY_PROBLEM = 'legacy (pre-protobuf) profile format is not supported';
const LEGACY_HINT = 'convert it with `go tool pprof -proto FILE > out.pb.gz`';

/**
 * Decodes a pprof profile (gzipped or not). `input` names the source in error messages.
 * Throws FormatError (with a byte offset) for anything that is not a valid profile.
 */
export function decodeProfile(bytes: Uint8Array, input: string, opts?: DecodeOptions): Profile {
  let data = bytes;
  let suffix = '';
  if (data.length === 0) throw new FormatError(input, 'byte 0', 'empty input: not a pprof profile');
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    data = gunzip(bytes, input, opts?.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES);
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
  try {
    const out = gunzipSync(bytes, { maxOutputLength: cap });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new FormatError(input, 'byte 0 (gzip stream)', `decompressed size exceeds ${cap} bytes (possible gzip bomb)`, 'raise maxInflatedBytes if the profile really is this large');
    }
    if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
      throw new FormatError(input, `byte ${bytes.length} (gzip stream)`, 'truncated gzip data');
    }
    throw new FormatError(input, 'byte 0 (gzip stream)', `corrupt gzip data: ${err.message}`);
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
  const c = d[0]!;
  if (c !== 0x68 && c !== 0x48 && c !== 0x2d && c !== 0x67 && c !== 0x74 && !(c <= 0x20) && !(c >= 0x61 && c <= 0x7a)) return false;
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
    if (!(c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f) || c >= 0xc0)) return null;
  }
  let s = '';
  for (let i = 0; i < n && d[i] !== 10; i++) s += String.fromCharCode(d[i]!);
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
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
  private readonly dense: Uint8Array | null;
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
    const buf = r.buf;
    r.notProfile = true;

    // Pass 1: top level.
    const sampleTypeSpans = new Spans(4);
    const sampleSpans = new Spans(1024);
    const mappingSpans = new Spans(16);
    const locationSpans = new Spans(1024);
    const functionSpans = new Spans(1024);
    let periodTypeStart = -1;
    let periodTypeEnd = -1;
    const table = this.table;
    let tableAt = -1;
    let dropFrames: Int64 = 0;
    let dropFramesAt = 0;
    let keepFrames: Int64 = 0;
    let keepFramesAt = 0;
    let timeNanos: Int64 = 0;
    let durationNanos: Int64 = 0;
    let period: Int64 = 0;
    const comments: Int64[] = [];
    const commentsAt: number[] = [];
    let defaultSampleType: Int64 = 0;
    let defaultSampleTypeAt = 0;
    let docUrl: Int64 = 0;
    let docUrlAt = 0;

    while (r.pos < r.end) {
      const tagAt = r.pos;
      const t = r.tag();
      const field = t >>> 3;
      const wt = t & 7;
      if (field <= 6 || field === 11) {
        if (wt !== WIRE_LEN) {
          this.wrongType(t, tagAt, 'Profile', TOP_NAMES[field] ?? '?', 'length-delimited');
        }
        const n = r.len();
        const start = r.pos;
        r.pos = start + n;
        switch (field) {
          case 1:
            sampleTypeSpans.push(start, start + n);
            break;
          case 2:
            sampleSpans.push(start, start + n);
            break;
          case 3:
            mappingSpans.push(start, start + n);
            break;
          case 4:
            locationSpans.push(start, start + n);
            break;
          case 5:
            functionSpans.push(start, start + n);
            break;
          case 6:
            r.pos = start;
            if (table.length === 0) tableAt = tagAt;
            table.push(r.string(n));
            break;
          case 11:
            // Not repeated: the last occurrence wins.
            periodTypeStart = start;
            periodTypeEnd = start + n;
            break;
        }
        continue;
      }
      if (field <= 15) {
        if (field === 13 && wt === WIRE_LEN) {
          const n = r.len();
          const end = r.pos + n;
          const saved = r.end;
          r.end = end;
          while (r.pos < end) {
            commentsAt.push(r.pos);
            comments.push(r.int64());
          }
          r.end = saved;
          continue;
        }
        if (wt !== WIRE_VARINT) {
          this.wrongType(t, tagAt, 'Profile', TOP_NAMES[field]!, field === 13 ? 'varint or length-delimited' : 'varint');
        }
        const at = r.pos;
        const v = r.int64();
        switch (field) {
          case 7:
            dropFrames = v;
            dropFramesAt = at;
            break;
          case 8:
            keepFrames = v;
            keepFramesAt = at;
            break;
          case 9:
            timeNanos = v;
            break;
          case 10:
            durationNanos = v;
            break;
          case 12:
            period = v;
            break;
          case 13:
            commentsAt.push(at);
            comments.push(v);
            break;
          case 14:
            defaultSampleType = v;
            defaultSampleTypeAt = at;
            break;
          case 15:
            docUrl = v;
            docUrlAt = at;
            break;
        }
        continue;
      }
      r.skip(t, tagAt);
    }

    if (table.length === 0) {
      r.fail(0, 'not a pprof profile: it has no string table', 'a profile always has at least the empty string');
    }
    if (table[0] !== '') {
      r.fail(tableAt, `not a pprof profile: string_table[0] must be "", found ${JSON.stringify(table[0]!.slice(0, 40))}`);
    }
    r.notProfile = false;

    // Pass 2: messages, referenced kinds first.
    const sampleTypes: ValueType[] = [];
    for (let i = 0; i < sampleTypeSpans.n; i += 2) {
      sampleTypes.push(this.valueType(sampleTypeSpans.a[i]!, sampleTypeSpans.a[i + 1]!, 'sample_type'));
    }
    const periodType = periodTypeStart < 0 ? null : this.valueType(periodTypeStart, periodTypeEnd, 'period_type');

    let a = mappingSpans.a;
    const mappings: Mapping[] = new Array(mappingSpans.n / 2);
    for (let i = 0, j = 0; i < mappingSpans.n; i += 2, j++) mappings[j] = this.mapping(a[i]!, a[i + 1]!);
    const mappingIds = new IdSet(r, 'mapping', mappings, mappingSpans);

    a = functionSpans.a;
    const functions: ProfileFunction[] = new Array(functionSpans.n / 2);
    for (let i = 0, j = 0; i < functionSpans.n; i += 2, j++) functions[j] = this.func(a[i]!, a[i + 1]!);
    const functionIds = new IdSet(r, 'function', functions, functionSpans);

    a = locationSpans.a;
    const locations: Location[] = new Array(locationSpans.n / 2);
    for (let i = 0, j = 0; i < locationSpans.n; i += 2, j++) {
      locations[j] = this.location(a[i]!, a[i + 1]!, mappingIds, functionIds);
    }
    const locationIds = new IdSet(r, 'location', locations, locationSpans);

    a = sampleSpans.a;
    const samples: Sample[] = new Array(sampleSpans.n / 2);
    const nTypes = sampleTypes.length;
    for (let i = 0, j = 0; i < sampleSpans.n; i += 2, j++) {
      samples[j] = this.sample(a[i]!, a[i + 1]!, locationIds, nTypes);
    }
    r.end = buf.length;

    const commentStrings: string[] = new Array(comments.length);
    for (let i = 0; i < comments.length; i++) commentStrings[i] = this.str(comments[i]!, commentsAt[i]!);

    return {
      sampleTypes,
      samples,
      mappings,
      locations,
      functions,
      stringTable: table,
      dropFrames: this.str(dropFrames, dropFramesAt),
      keepFrames: this.str(keepFrames, keepFramesAt),
      timeNanos,
      durationNanos,
      periodType,
      period,
      comments: commentStrings,
      defaultSampleType: this.str(defaultSampleType, defaultSampleTypeAt),
      docUrl: this.str(docUrl, docUrlAt),
    };
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

  private func(start: number, end: number): ProfileFunction {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let id: Int64 = 0;
    let name = '';
    let systemName = '';
    let filename = '';
    let startLine: Int64 = 0;
    while (r.pos < end) {
      const tagAt = r.pos;
      const t = r.tag();
      const at = r.pos;
      switch (t) {
        case 8:
          id = r.uint64();
          break;
        case 16:
          name = this.str(r.int64(), at);
          break;
        case 24:
          systemName = this.str(r.int64(), at);
          break;
        case 32:
          filename = this.str(r.int64(), at);
          break;
        case 40:
          startLine = r.int64();
          break;
        default:
          if (t >>> 3 <= 5) this.wrongType(t, tagAt, 'function', FUNCTION_NAMES[t >>> 3]!, 'varint');
          r.skip(t, tagAt);
      }
    }
    return { id, name, systemName, filename, startLine };
  }

  private location(start: number, end: number, mappingIds: IdSet, functionIds: IdSet): Location {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let id: Int64 = 0;
    let mappingId: Int64 = 0;
    let address: Int64 = 0;
    let line0: Line | null = null;
    let lines: Line[] | null = null;
    let isFolded = false;
    while (r.pos < end) {
      const tagAt = r.pos;
      const t = r.tag();
      switch (t) {
        case 8:
          id = r.uint64();
          break;
        case 16: {
          const at = r.pos;
          mappingId = r.uint64();
          if (mappingId !== 0 && !mappingIds.has(mappingId)) {
            r.fail(at, `location refers to mapping id ${mappingId}, which does not exist`);
          }
          break;
        }
        case 24:
          address = r.uint64();
          break;
        case 34: {
          const n = r.len();
          const lineEnd = r.pos + n;
          r.end = lineEnd;
          let functionId: Int64 = 0;
          let line: Int64 = 0;
          let column: Int64 = 0;
          while (r.pos < lineEnd) {
            const lTagAt = r.pos;
            const lt = r.tag();
            switch (lt) {
              case 8: {
                const at = r.pos;
                functionId = r.uint64();
                if (functionId !== 0 && !functionIds.has(functionId)) {
                  r.fail(at, `location line refers to function id ${functionId}, which does not exist`);
                }
                break;
              }
              case 16:
                line = r.int64();
                break;
              case 24:
                column = r.int64();
                break;
              default:
                if (lt >>> 3 <= 3) this.wrongType(lt, lTagAt, 'line', LINE_NAMES[lt >>> 3]!, 'varint');
                r.skip(lt, lTagAt);
            }
          }
          r.end = end;
          const ln: Line = { functionId, line, column };
          if (line0 === null) line0 = ln;
          else if (lines === null) lines = [line0, ln];
          else lines.push(ln);
          break;
        }
        case 40:
          isFolded = r.uint() !== 0;
          break;
        default:
          if (t >>> 3 <= 5) {
            this.wrongType(t, tagAt, 'location', LOCATION_NAMES[t >>> 3]!, t >>> 3 === 4 ? 'length-delimited' : 'varint');
          }
          r.skip(t, tagAt);
      }
    }
    return { id, mappingId, address, lines: lines ?? (line0 === null ? [] : [line0]), isFolded };
  }

  private sample(start: number, end: number, locationIds: IdSet, nTypes: number): Sample {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let ids: Int64[] = EMPTY;
    let values: Int64[] = EMPTY;
    let labels: Label[] | null = null;
    while (r.pos < end) {
      const tagAt = r.pos;
      const t = r.tag();
      switch (t) {
        case 10: {
          // Packed location ids.
          const n = r.len();
          const packedEnd = r.pos + n;
          r.end = packedEnd;
          if (ids === EMPTY) {
            // The usual single packed field: allocate the array at its exact size, and
            // read the 1- and 2-byte varints (ids below 16384) inline.
            const buf = r.buf;
            let pos = r.pos;
            const count = countVarints(buf, pos, packedEnd);
            ids = new Array<Int64>(count);
            for (let i = 0; i < count; i++) {
              const at = pos;
              let id: Int64;
              const b0 = buf[pos]!;
              if (b0 < 0x80) {
                id = b0;
                pos++;
              } else {
                // i < count guarantees a terminating byte within the field.
                const b1 = buf[pos + 1]!;
                if (b1 < 0x80) {
                  id = (b0 & 0x7f) | (b1 << 7);
                  pos += 2;
                } else {
                  r.pos = pos;
                  id = r.uint64();
                  pos = r.pos;
                }
              }
              if (!locationIds.has(id)) this.missingLocation(id, at);
              ids[i] = id;
            }
            r.pos = pos;
            if (pos !== packedEnd) this.badPacked(pos);
          } else {
            while (r.pos < packedEnd) {
              const at = r.pos;
              const id = r.uint64();
              if (!locationIds.has(id)) this.missingLocation(id, at);
              ids.push(id);
            }
          }
          r.end = end;
          break;
        }
        case 8: {
          const at = r.pos;
          const id = r.uint64();
          if (!locationIds.has(id)) this.missingLocation(id, at);
          if (ids === EMPTY) ids = [];
          ids.push(id);
          break;
        }
        case 18: {
          const n = r.len();
          const packedEnd = r.pos + n;
          r.end = packedEnd;
          if (values === EMPTY) {
            const count = countVarints(r.buf, r.pos, packedEnd);
            values = new Array<Int64>(count);
            for (let i = 0; i < count; i++) values[i] = r.int64();
            if (r.pos !== packedEnd) this.badPacked(r.pos);
          } else {
            while (r.pos < packedEnd) values.push(r.int64());
          }
          r.end = end;
          break;
        }
        case 16:
          if (values === EMPTY) values = [];
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
    }
    if (values.length !== nTypes) {
      if (nTypes === 0) r.fail(start, `sample has ${values.length} value${values.length === 1 ? '' : 's'} but the profile has no sample types`);
      r.fail(start, `sample has ${values.length} value${values.length === 1 ? '' : 's'}, expected ${nTypes} (one per sample type)`);
    }
    return { locationIds: ids === EMPTY ? [] : ids, values: values === EMPTY ? [] : values, labels: labels ?? [] };
  }

  private badPacked(at: number): never {
    this.r.fail(at, 'truncated data: varint runs past the end of its packed field');
  }

  private missingLocation(id: Int64, at: number): never {
    this.r.fail(at, `sample refers to location id ${id}, which does not exist`);
  }
}

/** Placeholder for "no array yet" (never returned). */
const EMPTY: Int64[] = [];

/** Number of varints in buf[start, end): the bytes that end one (high bit clear). */
function countVarints(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (buf[i]! < 0x80) n++;
  return n;
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
