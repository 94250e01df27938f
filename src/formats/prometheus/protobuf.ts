// The protobuf exposition: a stream of io.prometheus.client.MetricFamily messages, each
// behind its length as a varint ("encoding=delimited"), decoded with the project's own
// protobuf wire reader. One family is held at a time (the largest family bounds memory),
// its metrics handed to the sink as series in the shape the text parser gives: a
// classic histogram gets its implicit +Inf bucket (as client_golang's text encoders
// write it), a native histogram its spans and absolute bucket counts.

import { FormatError } from '../../errors.js';
import { clip } from '../../lib/text.js';
import { Reader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../protobuf/wire.js';
import { Series, type ExpositionSink, type Family, type MetricType, type NativeHistogram, type ParseSummary } from './model.js';

const TYPES: MetricType[] = ['counter', 'gauge', 'summary', 'untyped', 'histogram', 'gaugehistogram'];

export class ProtobufParser {
  readonly input: string;
  private readonly sink: ExpositionSink;
  private parts: Buffer[] = [];
  private have = 0;
  private offset = 0;
  private readonly byName = new Map<string, Family>();
  private readonly families: Family[] = [];
  private samples = 0;
  private bytes = 0;
  private index = 0;

  constructor(input: string, sink: ExpositionSink) {
    this.input = input;
    this.sink = sink;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.have += chunk.byteLength;
    this.bytes += chunk.byteLength;
    for (;;) {
      const head = this.header();
      if (!head) return;
      const [hdr, len] = head;
      if (this.have < hdr + len) return;
      const all = this.take(hdr + len);
      this.family(all.subarray(hdr), this.offset + hdr);
      this.offset += hdr + len;
    }
  }

  end(): ParseSummary {
    if (this.have > 0) {
      const head = this.header();
      const what = head ? `a family of ${head[1]} bytes with ${this.have - head[0]} present` : 'an incomplete length prefix';
      throw new FormatError(this.input, `byte ${this.offset}`, `truncated protobuf exposition: ${what}`, 'the reply was cut off');
    }
    return { format: 'protobuf', families: this.families, samples: this.samples, bytes: this.bytes };
  }

  /** [header bytes, message length] of the next message, or null until enough bytes are there. */
  private header(): [number, number] | null {
    let v = 0;
    let mul = 1;
    let i = 0;
    for (const p of this.parts) {
      for (let j = 0; j < p.length; j++, i++) {
        const b = p[j]!;
        v += (b & 0x7f) * mul;
        if (b < 0x80) {
          if (v > 0x7fffffff) throw new FormatError(this.input, `byte ${this.offset}`, `not a protobuf exposition: a family of ${v} bytes`);
          return [i + 1, v];
        }
        mul *= 128;
        if (i >= 4) throw new FormatError(this.input, `byte ${this.offset}`, 'not a protobuf exposition: malformed length prefix');
      }
    }
    return null;
  }

  /** The next n bytes as one buffer (copied only when they span chunks). */
  private take(n: number): Buffer {
    const first = this.parts[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.parts);
      out = all.subarray(0, n);
      this.parts = all.length > n ? [all.subarray(n)] : [];
    }
    this.have -= n;
    return out;
  }

  private family(msg: Buffer, at: number): void {
    const r: Reader = new Reader(msg, this.input, ` of the family at byte ${at}`);
    r.notFormat = 'not a protobuf exposition';
    let name: string | undefined;
    let help: string | null = null;
    let type = 0;
    let unit: string | null = null;
    const metrics: number[] = [];
    while (r.pos < r.end) {
      const tagAt = r.pos;
      const t = r.tag();
      const field = t >>> 3;
      const wt = t & 7;
      if (field === 1 && wt === WIRE_LEN) name = r.string(r.len());
      else if (field === 2 && wt === WIRE_LEN) help = r.string(r.len());
      else if (field === 3 && wt === WIRE_VARINT) type = r.uint();
      else if (field === 4 && wt === WIRE_LEN) {
        const n = r.len();
        metrics.push(r.pos, r.pos + n);
        r.pos += n;
      } else if (field === 5 && wt === WIRE_LEN) unit = r.string(r.len());
      else r.skip(t, tagAt);
    }
    r.notFormat = '';
    if (!name) r.fail(0, 'not a protobuf exposition: a family without a name');
    const mtype = TYPES[type];
    if (!mtype) r.fail(0, `unknown metric type ${type} for "${clip(name, 60)}"`);
    this.index++;
    let f = this.byName.get(name);
    if (!f) {
      f = { name, declared: name, type: mtype, help, unit, line: this.index, typed: true, series: 0, split: false };
      this.byName.set(name, f);
      this.families.push(f);
    } else if (f.series > 0) f.split = true;
    for (let i = 0; i < metrics.length; i += 2) {
      r.pos = metrics[i]!;
      r.end = metrics[i + 1]!;
      const s = this.metric(r, f.type);
      this.samples++;
      f.series++;
      this.sink.series(f, s);
    }
    this.sink.endFamily?.(f);
  }

  private metric(r: Reader, type: MetricType): Series {
    const end = r.end;
    const s = new Series([], this.index);
    let counter: number | undefined;
    let gauge: number | undefined;
    let untyped: number | undefined;
    while (r.pos < end) {
      const tagAt = r.pos;
      const t = r.tag();
      const field = t >>> 3;
      const wt = t & 7;
      if (wt === WIRE_LEN && field !== 1 && field !== 2 && field !== 3 && field !== 4 && field !== 5 && field !== 7) {
        r.skip(t, tagAt);
        continue;
      }
      if (field === 6 && wt === WIRE_VARINT) {
        s.timestampMs = Number(r.int64());
        continue;
      }
      if (wt !== WIRE_LEN) {
        r.skip(t, tagAt);
        continue;
      }
      const n = r.len();
      const stop = r.pos + n;
      r.end = stop;
      switch (field) {
        case 1: {
          let lname = '';
          let lvalue = '';
          while (r.pos < stop) {
            const a = r.pos;
            const lt = r.tag();
            if (lt === 10) lname = r.string(r.len());
            else if (lt === 18) lvalue = r.string(r.len());
            else r.skip(lt, a);
          }
          s.labels.push(lname, lvalue);
          break;
        }
        case 2:
          gauge = this.scalar(r, stop);
          break;
        case 3:
          counter = this.scalar(r, stop, s);
          break;
        case 5:
          untyped = this.scalar(r, stop);
          break;
        case 4:
          this.summary(r, stop, s);
          break;
        case 7:
          this.histogram(r, stop, s);
          break;
      }
      r.pos = stop;
      r.end = end;
    }
    const v = type === 'counter' ? counter : type === 'gauge' ? gauge : type === 'untyped' ? untyped : undefined;
    s.value = v ?? counter ?? gauge ?? untyped ?? NaN;
    return s;
  }

  /** Gauge, Counter or Untyped: value (1); a counter's exemplar (2) and created timestamp (3). */
  private scalar(r: Reader, stop: number, s?: Series): number {
    let v = 0;
    while (r.pos < stop) {
      const a = r.pos;
      const t = r.tag();
      if (t === (1 << 3) + WIRE_FIXED64) v = r.double();
      else if (s && t === 18) {
        s.exemplars++;
        r.skip(t, a);
      } else if (s && t === 26) s.created = this.timestamp(r);
      else r.skip(t, a);
    }
    return v;
  }

  private summary(r: Reader, stop: number, s: Series): void {
    s.quantiles = [];
    s.quantileValues = [];
    s.count = 0;
    s.sum = 0;
    while (r.pos < stop) {
      const a = r.pos;
      const t = r.tag();
      if (t === 8) s.count = r.uint();
      else if (t === 17) s.sum = r.double();
      else if (t === 26) {
        const e = r.pos + r.len();
        let q = 0;
        let v = 0;
        while (r.pos < e) {
          const b = r.pos;
          const qt = r.tag();
          if (qt === 9) q = r.double();
          else if (qt === 17) v = r.double();
          else r.skip(qt, b);
        }
        s.quantiles.push(q);
        s.quantileValues.push(v);
      } else if (t === 34) s.created = this.timestamp(r);
      else r.skip(t, a);
    }
  }

  private histogram(r: Reader, stop: number, s: Series): void {
    const les: number[] = [];
    const counts: number[] = [];
    let count = 0;
    let sum = 0;
    let native = false;
    const nh: NativeHistogram = { schema: 0, zeroThreshold: 0, zeroCount: 0, positiveSpans: [], negativeSpans: [], positiveCounts: [], negativeCounts: [] };
    const posDelta: number[] = [];
    const negDelta: number[] = [];
    while (r.pos < stop) {
      const a = r.pos;
      const t = r.tag();
      const field = t >>> 3;
      const wt = t & 7;
      switch (field) {
        case 1:
          if (wt === WIRE_VARINT) count = r.uint();
          else r.skip(t, a);
          break;
        case 4:
          if (wt === WIRE_FIXED64) count = r.double();
          else r.skip(t, a);
          break;
        case 2:
          if (wt === WIRE_FIXED64) sum = r.double();
          else r.skip(t, a);
          break;
        case 3: {
          if (wt !== WIRE_LEN) {
            r.skip(t, a);
            break;
          }
          const e = r.pos + r.len();
          let c = 0;
          let ub = 0;
          while (r.pos < e) {
            const b = r.pos;
            const bt = r.tag();
            if (bt === 8) c = r.uint();
            else if (bt === 33) c = r.double();
            else if (bt === 17) ub = r.double();
            else if (bt === 26) {
              s.exemplars++;
              r.skip(bt, b);
            } else r.skip(bt, b);
          }
          les.push(ub);
          counts.push(c);
          break;
        }
        case 5:
          native = true;
          nh.schema = wt === WIRE_VARINT ? r.sint() : (r.skip(t, a), 0);
          break;
        case 6:
          native = true;
          if (wt === WIRE_FIXED64) nh.zeroThreshold = r.double();
          else r.skip(t, a);
          break;
        case 7:
          native = true;
          if (wt === WIRE_VARINT) nh.zeroCount = r.uint();
          else r.skip(t, a);
          break;
        case 8:
          native = true;
          if (wt === WIRE_FIXED64) nh.zeroCount = r.double();
          else r.skip(t, a);
          break;
        case 9:
        case 12: {
          native = true;
          if (wt !== WIRE_LEN) {
            r.skip(t, a);
            break;
          }
          const e = r.pos + r.len();
          let off = 0;
          let len = 0;
          while (r.pos < e) {
            const b = r.pos;
            const st = r.tag();
            if (st === 8) off = r.sint();
            else if (st === 16) len = r.uint();
            else r.skip(st, b);
          }
          (field === 9 ? nh.negativeSpans : nh.positiveSpans).push(off, len);
          break;
        }
        case 10:
        case 13:
          native = true;
          this.repeated(r, t, a, field === 10 ? negDelta : posDelta, () => r.sint());
          break;
        case 11:
        case 14:
          native = true;
          this.repeated(r, t, a, field === 11 ? nh.negativeCounts : nh.positiveCounts, () => r.double(), WIRE_FIXED64);
          break;
        case 15:
          if (wt === WIRE_LEN) s.created = this.timestamp(r);
          else r.skip(t, a);
          break;
        case 16:
          s.exemplars++;
          r.skip(t, a);
          break;
        default:
          r.skip(t, a);
      }
    }
    if (native) {
      for (const [deltas, out] of [
        [posDelta, nh.positiveCounts],
        [negDelta, nh.negativeCounts],
      ] as const) {
        let c = 0;
        for (const d of deltas) {
          c += d;
          out.push(c);
        }
      }
      s.native = nh;
    }
    // The +Inf bucket is implicit in protobuf: client_golang's text encoders write it as the count.
    if (les.length === 0 || les[les.length - 1] !== Infinity) {
      les.push(Infinity);
      counts.push(count);
    }
    s.les = les;
    s.bucketCounts = counts;
    s.count = count;
    s.sum = sum;
  }

  /** A repeated scalar field, packed or not. */
  private repeated(r: Reader, t: number, tagAt: number, out: number[], read: () => number, elem = WIRE_VARINT): void {
    const wt = t & 7;
    if (wt === WIRE_LEN) {
      const e = r.pos + r.len();
      const saved = r.end;
      r.end = e;
      while (r.pos < e) out.push(read());
      r.end = saved;
    } else if (wt === elem) out.push(read());
    else r.skip(t, tagAt);
  }

  /** google.protobuf.Timestamp -> seconds. */
  private timestamp(r: Reader): number {
    const e = r.pos + r.len();
    let sec = 0;
    let nanos = 0;
    while (r.pos < e) {
      const a = r.pos;
      const t = r.tag();
      if (t === 8) sec = Number(r.int64());
      else if (t === 16) nanos = Number(r.int64());
      else r.skip(t, a);
    }
    return sec + nanos / 1e9;
  }
}
