// The Prometheus text format 0.0.4 and OpenMetrics 1.0 text, read as a stream of lines.
//
// The text format is read as client_golang's expfmt.TextParser reads it (the parser
// behind promtool and promlint): the same families (samples join the family of their
// name, or of a summary/histogram whose _count/_sum/_bucket they are), the same errors
// (a second HELP or TYPE, a TYPE after samples, bad escapes, duplicate label names), so
// goscope's promlint rules see what promlint sees. OpenMetrics adds # UNIT, # EOF,
// exemplars, _created, float timestamps in seconds and the info, stateset and
// gaugehistogram types. Prometheus 3's quoted UTF-8 names ({"my.metric", "a.b"="1"})
// are read in both.
//
// Series are assembled from consecutive lines (a histogram's buckets, _sum and _count)
// and handed to the sink one at a time: memory is one line and one series.

import { FormatError } from '../../errors.js';
import { clip } from '../../lib/text.js';
import { Series, own, type ExpositionSink, type Family, type MetricType, type ParseSummary } from './model.js';

/** Longest line accepted: far beyond any real exposition, it bounds what one line can cost. */
export const MAX_LINE = 1 << 24;

const WINDOW = 1 << 16;

const TEXT_TYPES: Record<string, MetricType> = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  SUMMARY: 'summary',
  UNTYPED: 'untyped',
  HISTOGRAM: 'histogram',
  GAUGE_HISTOGRAM: 'gaugehistogram',
  GAUGEHISTOGRAM: 'gaugehistogram',
};

const OM_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  summary: 'summary',
  unknown: 'untyped',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  info: 'info',
  stateset: 'stateset',
};

/** Sample name suffixes each OpenMetrics type allows (besides the bare name, where allowed). */
const OM_SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [],
  untyped: [],
  stateset: [],
  info: ['_info'],
  summary: ['_count', '_sum', '_created'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
};

const SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info'];

const C_TAB = 9;
const C_SPACE = 32;
const C_QUOTE = 34;
const C_HASH = 35;
const C_COMMA = 44;
const C_EQ = 61;
const C_BACKSLASH = 92;
const C_LBRACE = 123;
const C_RBRACE = 125;

export class TextParser {
  readonly input: string;
  readonly om: boolean;
  private readonly sink: ExpositionSink;
  private carry: Buffer | null = null;
  private lineNo = 0;
  private samples = 0;
  private bytes = 0;
  private eof = false;
  private readonly byDeclared = new Map<string, Family>();
  private readonly families: Family[] = [];
  private current: Family | null = null;
  private pending: Series | null = null;
  private pendingFamily: Family | null = null;
  private pendingKey = '';
  // The line being parsed.
  private l = '';
  private p = 0;

  constructor(input: string, om: boolean, sink: ExpositionSink) {
    this.input = input;
    this.om = om;
    this.sink = sink;
  }

  /** Feeds the next bytes. Throws FormatError at the first malformed line. */
  push(chunk: Uint8Array): void {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytes += buf.length;
    if (this.carry) {
      buf = Buffer.concat([this.carry, buf]);
      this.carry = null;
    }
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      if (buf.length > MAX_LINE) this.fail(this.lineNo + 1, 1, `line longer than ${MAX_LINE} bytes: not a Prometheus exposition`);
      this.carry = Buffer.from(buf); // a copy: the caller may reuse its chunk
      return;
    }
    if (last + 1 < buf.length) this.carry = Buffer.from(buf.subarray(last + 1));
    // Decoded in windows of about 64 KiB: a string that large stays in V8's young
    // generation and dies young, where 1 MiB strings went to the large-object space and
    // doubled the peak memory.
    let from = 0;
    while (from <= last) {
      let to = last;
      if (last - from > WINDOW) {
        const nl = buf.lastIndexOf(10, from + WINDOW);
        to = nl >= from ? nl : buf.indexOf(10, from + WINDOW);
      }
      this.lines(buf.subarray(from, to + 1), to - from);
      from = to + 1;
    }
  }

  /** The input ended: the last line (without newline) is read, families are closed. */
  end(): ParseSummary {
    if (this.carry && this.carry.length > 0) {
      const rest = this.carry;
      this.carry = null;
      this.lines(Buffer.concat([rest, Buffer.from('\n')]), rest.length);
    }
    if (this.om && !this.eof) {
      this.fail(this.lineNo, 1, 'truncated OpenMetrics exposition: it does not end with "# EOF"', 'the reply was cut off, or it is not OpenMetrics');
    }
    this.flush();
    if (this.current) this.sink.endFamily?.(this.current);
    this.current = null;
    return { format: this.om ? 'openmetrics' : 'text', families: this.families, samples: this.samples, bytes: this.bytes };
  }

  private lines(buf: Buffer, last: number): void {
    let text = buf.toString('utf8', 0, last + 1);
    if (text.includes('\ufffd')) this.checkUtf8(buf, last);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.lineNo++;
      if (nl - start > MAX_LINE) this.fail(this.lineNo, 1, `line longer than ${MAX_LINE} bytes: not a Prometheus exposition`);
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    text = '';
  }

  /** U+FFFD in the decoded text: a real one, or bytes that are not UTF-8 (refused, as Go's parser refuses them). */
  private checkUtf8(buf: Buffer, last: number): void {
    const dec = new TextDecoder('utf-8', { fatal: true });
    let start = 0;
    let line = this.lineNo;
    while (start <= last) {
      const nl = buf.indexOf(10, start);
      line++;
      try {
        dec.decode(buf.subarray(start, nl));
      } catch {
        this.fail(line, 1, 'invalid UTF-8', 'the exposition must be UTF-8 text');
      }
      start = nl + 1;
    }
  }

  private line(l: string): void {
    if (this.eof) {
      if (l.trim() === '') return;
      this.fail(this.lineNo, 1, 'content after "# EOF"', 'OpenMetrics ends at # EOF');
    }
    this.l = l;
    this.p = 0;
    this.skipBlank();
    if (this.p >= l.length) return; // empty line
    const c = l.charCodeAt(this.p);
    if (c === C_HASH) this.comment();
    else this.sample();
  }

  // ---------------------------------------------------------------------------
  // Comments: # HELP, # TYPE, # UNIT, # EOF

  private comment(): void {
    const l = this.l;
    this.p++;
    this.skipBlank();
    if (this.p >= l.length) return;
    const kwStart = this.p;
    while (this.p < l.length && !isBlank(l.charCodeAt(this.p))) this.p++;
    const keyword = l.slice(kwStart, this.p);
    if (this.om && keyword === 'EOF' && this.p >= l.length && kwStart === 2) {
      this.flush();
      this.eof = true;
      return;
    }
    if (keyword !== 'HELP' && keyword !== 'TYPE' && !(this.om && keyword === 'UNIT')) return; // a plain comment
    if (this.p >= l.length) return;
    this.skipBlank();
    if (this.p >= l.length) return;
    const nameAt = this.p;
    const name = this.metricName();
    if (this.p >= l.length) return; // "# HELP name": nothing to record (as Go)
    if (!isBlank(l.charCodeAt(this.p))) this.fail(this.lineNo, this.p + 1, 'invalid metric name in comment');
    if (name === '') this.fail(this.lineNo, nameAt + 1, 'invalid metric name in comment');
    let f = this.byDeclared.get(name);
    // client_golang's OpenMetrics output names a counter family without its _total, so
    // counter go_memstats_alloc_bytes_total follows gauge go_memstats_alloc_bytes under
    // the same name: in OpenMetrics, metadata after a family's samples starts a new family.
    if (this.om && f && (f.series > 0 || this.pendingFamily === f)) f = undefined;
    this.skipBlank();
    if (this.p >= l.length) {
      if (!f) this.family(name, 'untyped', false);
      return;
    }
    f ??= this.family(name, 'untyped', false);
    const rest = this.p;
    if (keyword === 'HELP') {
      if (f.help !== null || (f as FamilyState).helpSeen) this.fail(this.lineNo, kwStart + 1, `second HELP line for metric name ${quote(name)}`);
      (f as FamilyState).helpSeen = true;
      f.help = own(this.unescapeHelp(rest));
    } else if (keyword === 'TYPE') {
      if (f.typed || f.series > 0 || this.pendingFamily === f) {
        this.fail(this.lineNo, kwStart + 1, `second TYPE line for metric name ${quote(name)}, or TYPE reported after samples`);
      }
      const word = l.slice(rest);
      const type = this.om ? OM_TYPES[word] : TEXT_TYPES[word.toUpperCase()];
      if (!type) this.fail(this.lineNo, rest + 1, `unknown metric type ${quote(word)}`);
      f.type = type;
      f.typed = true;
      f.name = dtoName(f.declared, type, this.om);
    } else {
      if (f.unit !== null) this.fail(this.lineNo, kwStart + 1, `second UNIT line for metric name ${quote(name)}`);
      f.unit = own(l.slice(rest));
    }
  }

  private unescapeHelp(from: number): string {
    const l = this.l;
    if (l.indexOf('\\', from) < 0) return l.slice(from);
    let out = '';
    for (let i = from; i < l.length; i++) {
      const c = l.charCodeAt(i);
      if (c !== C_BACKSLASH) {
        out += l[i];
        continue;
      }
      const n = l[++i];
      if (n === '\\') out += '\\';
      else if (n === 'n') out += '\n';
      else if (n === '"') out += '"';
      else this.fail(this.lineNo, i, `invalid escape sequence '\\${n ?? ''}'`);
    }
    return out;
  }

  private family(declared: string, type: MetricType, typed: boolean): Family {
    declared = own(declared);
    const f: FamilyState = {
      name: dtoName(declared, type, this.om),
      declared,
      type,
      help: null,
      unit: null,
      line: this.lineNo,
      typed,
      series: 0,
      split: false,
      helpSeen: false,
    };
    this.byDeclared.set(declared, f);
    this.families.push(f);
    return f;
  }

  // ---------------------------------------------------------------------------
  // Samples

  private sample(): void {
    const l = this.l;
    const lineNo = this.lineNo;
    let name: string;
    const labels: string[] = [];
    let le: string | undefined;
    let quantile: string | undefined;
    const nameAt = this.p;
    if (l.charCodeAt(this.p) === C_LBRACE) {
      name = '';
    } else {
      name = this.metricName();
      if (name === '') this.fail(lineNo, nameAt + 1, 'invalid metric name', 'a name starts with a letter, "_" or ":"');
      if (!this.om) this.skipBlank();
    }
    if (this.p < l.length && l.charCodeAt(this.p) === C_LBRACE) {
      this.p++;
      let first = true;
      for (;;) {
        this.skipBlank();
        if (this.p >= l.length) this.fail(lineNo, this.p + 1, 'unexpected end of line in the label set', 'a label set ends with "}"');
        const c = l.charCodeAt(this.p);
        if (c === C_RBRACE) {
          this.p++;
          break;
        }
        const at = this.p;
        const lname = this.labelName();
        if (lname === null) this.fail(lineNo, at + 1, `invalid label name${name ? ` for metric ${quote(name)}` : ''}`);
        this.skipBlank();
        const d = l.charCodeAt(this.p);
        if (d !== C_EQ) {
          // {"metric.name", ...}: the name inside the braces (quoted, once, first).
          if (first && name === '' && l.charCodeAt(at) === C_QUOTE && (d === C_COMMA || d === C_RBRACE)) {
            name = lname;
            if (d === C_COMMA) this.p++;
            first = false;
            continue;
          }
          if (d === C_COMMA || d === C_RBRACE) this.fail(lineNo, at + 1, name ? `multiple metric names for metric ${quote(name)}` : 'invalid metric name');
          this.fail(lineNo, this.p + 1, `expected '=' after label name, found ${charName(l, this.p)}`);
        }
        first = false;
        this.p++;
        this.skipBlank();
        if (l.charCodeAt(this.p) !== C_QUOTE) this.fail(lineNo, this.p + 1, `expected '"' at start of label value, found ${charName(l, this.p)}`);
        const value = this.quoted();
        if (lname === '__name__') this.fail(lineNo, at + 1, 'label name "__name__" is reserved');
        for (let i = 0; i < labels.length; i += 2) {
          if (labels[i] === lname) this.fail(lineNo, at + 1, `duplicate label names for metric ${quote(name)}`);
        }
        if (lname === 'le' && le === undefined) le = value;
        else if (lname === 'quantile' && quantile === undefined) quantile = value;
        labels.push(lname, value);
        this.skipBlank();
        const e = l.charCodeAt(this.p);
        if (e === C_COMMA) this.p++;
        else if (e !== C_RBRACE) this.fail(lineNo, this.p + 1, `unexpected end of label value ${quote(value)}`);
      }
      if (name === '') this.fail(lineNo, nameAt + 1, 'invalid metric name', 'no metric name before or inside the braces');
    }
    // The value.
    const gap = this.p;
    this.skipBlank();
    if (this.om && this.p - gap !== 1) this.fail(lineNo, gap + 1, 'expected one space before the value');
    const vAt = this.p;
    while (this.p < l.length && !isBlank(l.charCodeAt(this.p))) this.p++;
    const vText = l.slice(vAt, this.p);
    if (vText === '') this.fail(lineNo, vAt + 1, 'expected a value, found end of line');
    const value = parseValue(vText);
    if (value === undefined) this.fail(lineNo, vAt + 1, `expected float as value, got ${quote(vText)}`);
    // Timestamp and (OpenMetrics) exemplar.
    let ts: number | undefined;
    let exemplar = false;
    this.skipBlank();
    if (this.p < l.length && !(this.om && l.charCodeAt(this.p) === C_HASH)) {
      const tAt = this.p;
      while (this.p < l.length && !isBlank(l.charCodeAt(this.p))) this.p++;
      const tText = l.slice(tAt, this.p);
      if (this.om) {
        const s = parseValue(tText);
        if (s === undefined || !Number.isFinite(s)) this.fail(lineNo, tAt + 1, `expected a timestamp in seconds, got ${quote(tText)}`);
        ts = Math.round(s * 1000);
      } else {
        if (!/^[+-]?\d+$/.test(tText) || !Number.isSafeInteger(Number(tText))) this.fail(lineNo, tAt + 1, `expected integer as timestamp, got ${quote(tText)}`);
        ts = Number(tText);
      }
      this.skipBlank();
    }
    if (this.p < l.length) {
      if (this.om && l.charCodeAt(this.p) === C_HASH) {
        this.exemplarAt(this.p);
        exemplar = true;
      } else {
        this.fail(lineNo, this.p + 1, `spurious string after timestamp: ${quote(l.slice(this.p))}`);
      }
    }
    this.samples++;
    this.add(name, labels, le, quantile, value, ts, exemplar, lineNo);
  }

  /** ` # {labels} value [timestamp]` after an OpenMetrics sample. */
  private exemplarAt(at: number): void {
    const l = this.l;
    const m = /^# \{/.exec(l.slice(at, at + 3));
    if (!m) this.fail(this.lineNo, at + 1, 'invalid exemplar: expected "# {"');
    this.p = at + 3;
    for (;;) {
      if (this.p >= l.length) this.fail(this.lineNo, this.p + 1, 'unexpected end of line in the exemplar');
      if (l.charCodeAt(this.p) === C_RBRACE) {
        this.p++;
        break;
      }
      const nAt = this.p;
      if (this.labelName() === null || l.charCodeAt(this.p) !== C_EQ) this.fail(this.lineNo, nAt + 1, 'invalid exemplar label');
      this.p++;
      if (l.charCodeAt(this.p) !== C_QUOTE) this.fail(this.lineNo, this.p + 1, 'invalid exemplar label value');
      this.quoted();
      if (l.charCodeAt(this.p) === C_COMMA) this.p++;
    }
    const rest = l.slice(this.p).trim().split(' ');
    if (rest.length < 1 || rest.length > 2 || parseValue(rest[0]!) === undefined || (rest[1] !== undefined && parseValue(rest[1]) === undefined)) {
      this.fail(this.lineNo, this.p + 1, 'invalid exemplar: expected a value and an optional timestamp');
    }
  }

  /** A metric name at p: bare ([a-zA-Z_:][a-zA-Z0-9_:]*) or quoted; '' when none. */
  private metricName(): string {
    const l = this.l;
    if (l.charCodeAt(this.p) === C_QUOTE) return this.quoted();
    const start = this.p;
    let c = l.charCodeAt(this.p);
    if (!(isLetter(c) || c === 58)) return '';
    this.p++;
    while (this.p < l.length) {
      c = l.charCodeAt(this.p);
      if (isLetter(c) || (c >= 48 && c <= 57) || c === 58) this.p++;
      else break;
    }
    return l.slice(start, this.p);
  }

  /** A label name at p: bare ([a-zA-Z_][a-zA-Z0-9_]*) or quoted; null when none. */
  private labelName(): string | null {
    const l = this.l;
    if (l.charCodeAt(this.p) === C_QUOTE) return this.quoted();
    const start = this.p;
    let c = l.charCodeAt(this.p);
    if (!isLetter(c)) return null;
    this.p++;
    while (this.p < l.length) {
      c = l.charCodeAt(this.p);
      if (isLetter(c) || (c >= 48 && c <= 57)) this.p++;
      else break;
    }
    return l.slice(start, this.p);
  }

  /** A quoted string at p (p at the opening quote); escapes \\ \" \n. */
  private quoted(): string {
    const l = this.l;
    const open = this.p;
    let i = open + 1;
    const close = l.indexOf('"', i);
    const bs = l.indexOf('\\', i);
    if (close >= 0 && (bs < 0 || bs > close)) {
      this.p = close + 1;
      return l.slice(i, close);
    }
    let out = '';
    for (; i < l.length; i++) {
      const c = l.charCodeAt(i);
      if (c === C_QUOTE) {
        this.p = i + 1;
        return out;
      }
      if (c === C_BACKSLASH) {
        const n = l[++i];
        if (n === '\\') out += '\\';
        else if (n === '"') out += '"';
        else if (n === 'n') out += '\n';
        else this.fail(this.lineNo, i, `invalid escape sequence '\\${n ?? ''}'`);
      } else out += l[i];
    }
    return this.fail(this.lineNo, open + 1, `unterminated quoted string ${JSON.stringify(l.slice(open, open + 40))}`);
  }

  private skipBlank(): void {
    const l = this.l;
    while (this.p < l.length) {
      const c = l.charCodeAt(this.p);
      if (c === C_SPACE || c === C_TAB) this.p++;
      else break;
    }
  }

  // ---------------------------------------------------------------------------
  // Assembling series

  private resolve(name: string): { f: Family; suffix: string } {
    const exact = this.byDeclared.get(name);
    if (exact && (!this.om || bareAllowed(exact.type))) return { f: exact, suffix: '' };
    for (const s of SUFFIXES) {
      if (name.length > s.length && name.endsWith(s)) {
        const f = this.byDeclared.get(name.slice(0, -s.length));
        if (!f) continue;
        if (this.om ? OM_SUFFIXES[f.type].includes(s) : textSuffix(f.type, s)) return { f, suffix: s };
      }
    }
    if (exact) return { f: exact, suffix: '' };
    return { f: this.family(name, 'untyped', false), suffix: '' };
  }

  private add(
    name: string,
    labels: string[],
    le: string | undefined,
    quantile: string | undefined,
    value: number,
    ts: number | undefined,
    exemplar: boolean,
    lineNo: number,
  ): void {
    const { f, suffix } = this.resolve(name);
    if (f !== this.current) {
      this.flush();
      if (this.current) this.sink.endFamily?.(this.current);
      if (f.series > 0) f.split = true;
      this.current = f;
    }
    const t = f.type;
    const histo = t === 'histogram' || t === 'gaugehistogram';
    if (histo || t === 'summary') {
      // le/quantile are not part of the series' identity.
      if ((histo ? le : quantile) !== undefined) dropLabel(labels, histo ? 'le' : 'quantile');
      const key = labels.join('\u0000');
      let s = this.pending;
      if (!s || this.pendingFamily !== f || this.pendingKey !== key) {
        this.flush();
        s = this.start(f, labels, key, lineNo);
      }
      if (ts !== undefined && s.timestampMs === undefined) s.timestampMs = ts;
      if (exemplar) s.exemplars++;
      if (suffix === '_count' || suffix === '_gcount') s.count = value;
      else if (suffix === '_sum' || suffix === '_gsum') s.sum = value;
      else if (suffix === '_created') s.created = value;
      else if (histo) {
        if (le === undefined) {
          if (suffix === '_bucket') this.fail(lineNo, 1, `histogram bucket without an "le" label`);
          return;
        }
        const bound = parseValue(le);
        if (bound === undefined) this.fail(lineNo, 1, `expected float as value for 'le' label, got ${quote(le)}`);
        (s.les ??= []).push(bound);
        (s.bucketCounts ??= []).push(value);
      } else {
        if (quantile === undefined) return;
        const q = parseValue(quantile);
        if (q === undefined) this.fail(lineNo, 1, `expected float as value for 'quantile' label, got ${quote(quantile)}`);
        (s.quantiles ??= []).push(q);
        (s.quantileValues ??= []).push(value);
      }
      return;
    }
    if (suffix === '_created') {
      // OpenMetrics counter: _created follows its _total.
      const key = labels.join('\u0000');
      if (this.pending && this.pendingFamily === f && this.pendingKey === key) this.pending.created = value;
      return;
    }
    this.flush();
    const s = this.start(f, labels, t === 'counter' && this.om ? labels.join('\u0000') : '', lineNo);
    s.value = value;
    s.timestampMs = ts;
    if (exemplar) s.exemplars++;
    if (!(t === 'counter' && this.om)) this.flush();
  }

  private start(f: Family, labels: string[], key: string, lineNo: number): Series {
    const s = new Series(labels, lineNo);
    this.pending = s;
    this.pendingFamily = f;
    this.pendingKey = key;
    return s;
  }

  private flush(): void {
    const s = this.pending;
    const f = this.pendingFamily;
    if (!s || !f) return;
    this.pending = null;
    this.pendingFamily = null;
    f.series++;
    this.sink.series(f, s);
  }

  private fail(line: number, col: number, problem: string, hint?: string): never {
    throw new FormatError(this.input, `line ${line}${col > 0 ? `, column ${col}` : ''}`, problem, hint);
  }
}

interface FamilyState extends Family {
  helpSeen: boolean;
}

/** The name client_golang gives the family (what promlint sees). */
function dtoName(declared: string, type: MetricType, om: boolean): string {
  if (!om) return declared;
  if (type === 'counter' && !declared.endsWith('_total')) return declared + '_total';
  if (type === 'info' && !declared.endsWith('_info')) return declared + '_info';
  return declared;
}

function bareAllowed(t: MetricType): boolean {
  return t === 'gauge' || t === 'untyped' || t === 'stateset' || t === 'summary';
}

/** Go's text parser: _count/_sum join a summary; _count/_sum/_bucket a histogram. */
function textSuffix(t: MetricType, s: string): boolean {
  if (t === 'summary') return s === '_count' || s === '_sum';
  if (t === 'histogram' || t === 'gaugehistogram') return s === '_count' || s === '_sum' || s === '_bucket';
  return false;
}

/** Removes the first `name` label from flat pairs. */
function dropLabel(labels: string[], name: string): void {
  for (let i = 0; i < labels.length; i += 2) {
    if (labels[i] === name) {
      labels.splice(i, 2);
      return;
    }
  }
}

function isBlank(c: number): boolean {
  return c === C_SPACE || c === C_TAB;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** A piece of the input quoted in a message: clipped, so one long line cannot make a megabyte of message. */
function quote(s: string): string {
  return `"${clip(s, 60)}"`;
}

function charName(l: string, p: number): string {
  return p >= l.length ? 'end of line' : JSON.stringify(l[p]);
}

/**
 * A sample value as Go's strconv.ParseFloat reads it (what expfmt accepts): decimal
 * numbers, Inf/+Inf/-Inf/infinity and NaN in any case; no hex, no "_", no blanks.
 * undefined when it is not a number.
 */
export function parseValue(s: string): number | undefined {
  const c = s.charCodeAt(s.length - 1);
  if (c >= 48 && c <= 57) {
    // Ends in a digit: Number() agrees with Go except on hex/octal/binary prefixes and blanks.
    const n = Number(s);
    if (n === n && !/[xXoObB_ \t]/.test(s)) return n;
    return undefined;
  }
  if (c === 46) {
    const n = Number(s);
    return n === n && /^[+-]?\d+\.$/.test(s) ? n : undefined;
  }
  const w = s.toLowerCase();
  if (w === 'nan' || w === '+nan' || w === '-nan') return NaN;
  if (w === 'inf' || w === '+inf' || w === 'infinity' || w === '+infinity') return Infinity;
  if (w === '-inf' || w === '-infinity') return -Infinity;
  return undefined;
}
