// Bounded, deterministic fuzzing of the execution-trace parser (src/formats/trace): mutants
// of a real trace written by testdata/go/tracegen must either parse completely (every event
// of orderedEvents) or throw a FormatError whose message is one line starting with the
// input's name. Anything else (TypeError, RangeError, an assertion, a hang, a huge
// allocation) is a parser bug.
//
// Two bases: two consecutive generations of the trace (0.7-3 MB; few mutants, a parse
// costs ~0.5 s per MB) and its smallest generation of >= 2 KB alone behind the header (a valid
// trace by itself, usually 5-70 KB; most mutants). Mutations, chosen by a PRNG seeded per case (so one case
// can be regenerated alone): bit flips anywhere, in batch headers and in the tables;
// cuts; batch size / generation / M / time fields, string and stack table entries (IDs,
// lengths, frame counts, frame string IDs), event arguments and types, CPU sample fields,
// all rewritten as varints with boundary values; duplicated, removed and swapped byte
// ranges and whole batches.
//
// Each case runs in a worker thread (two in parallel, with a heap limit): a case that
// takes longer than CASE_TIMEOUT_MS is terminated and reported, as is a worker that runs
// out of memory. A failing mutant is written to os.tmpdir()/goscope-trace-fuzz/ and its
// case (seed, number, mutation, offsets) is named in the failure.
//
// Environment: GOSCOPE_FUZZ_SEED (default 20261122), GOSCOPE_FUZZ_CASES (cases on the
// small base, default 240; the full base gets a sixth of that, fewer when it is big), GOSCOPE_FUZZ_ONLY
// ("small:17" or "full:3": run that one case).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, promises as fsp, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FormatError } from '../src/errors.js';
import { mulberry32 } from '../scripts/prng.js';
import {
  EvEndOfGeneration,
  EvProcsChange,
  batchEvents,
  orderedEvents,
  readBatches,
  readTraceHeader,
  readTraceStream,
  type Batch,
  type TraceVersion,
} from '../src/formats/trace/index.js';

const CASE_TIMEOUT_MS = 10_000;
/** Worker heap limit: parsing a 3 MB trace takes ~170 MB of heap. */
const WORKER_HEAP_MB = 1024;
/** After a case and a full collection, the worker's heap and array buffers must be below these (input: bytes of the mutant); the peak is bounded by WORKER_HEAP_MB. */
const heapLimit = (input: number) => 32 * 2 ** 20 + 4 * input;
const BUFFERS_LIMIT = 64 * 2 ** 20;

// ---------------------------------------------------------------------------
// The worker: parses what it is sent.

interface Job {
  id: number;
  input: string;
  bytes: Uint8Array;
}

type Outcome =
  | { kind: 'parsed'; events: number }
  | { kind: 'format-error'; message: string }
  | { kind: 'crash'; name: string; message: string; stack: string }
  | { kind: 'timeout' }
  | { kind: 'worker-died'; message: string };

interface Reply {
  id: number;
  outcome: Outcome;
  ms: number;
  heapUsed: number;
  arrayBuffers: number;
}

if (!isMainThread && (workerData as { traceFuzz?: boolean } | null)?.traceFuzz) {
  const classify = (e: unknown): Outcome => {
    if (e instanceof FormatError) return { kind: 'format-error', message: e.message };
    const err = e instanceof Error ? e : new Error(String(e));
    return { kind: 'crash', name: err.name, message: err.message, stack: err.stack ?? '' };
  };
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc') as () => void;
  parentPort!.on('message', (job: Job) => {
    void (async () => {
      const t0 = performance.now();
      let outcome: Outcome;
      try {
        let n = 0;
        for (const _ of orderedEvents(job.bytes, { input: job.input })) n++;
        outcome = { kind: 'parsed', events: n };
      } catch (e) {
        outcome = classify(e);
      }
      // The streaming path (what goscope trace uses: 64 KiB chunks, no separate batch scan)
      // must be as clean: the same events when the whole buffer parses, an error when not.
      let streamed: Outcome;
      try {
        let n = 0;
        const bytes = job.bytes;
        await readTraceStream(
          (async function* () {
            for (let at = 0; at < bytes.length; at += 65536) yield bytes.subarray(at, at + 65536);
          })(),
          () => n++,
          { input: job.input },
        );
        streamed = { kind: 'parsed', events: n };
      } catch (e) {
        streamed = classify(e);
      }
      if (streamed.kind === 'crash') outcome = { ...streamed, message: `streaming: ${streamed.message}` };
      else if (outcome.kind === 'parsed' && (streamed.kind !== 'parsed' || streamed.events !== outcome.events)) {
        outcome = {
          kind: 'crash',
          name: 'StreamMismatch',
          message: `whole buffer: ${outcome.events} events; streaming: ${streamed.kind === 'parsed' ? `${streamed.events} events` : streamed.kind === 'format-error' ? streamed.message : streamed.kind}`,
          stack: '',
        };
      } else if (outcome.kind === 'format-error' && streamed.kind === 'parsed') {
        outcome = { kind: 'crash', name: 'StreamMismatch', message: `whole buffer: ${outcome.message}; streaming parsed ${streamed.events} events`, stack: '' };
      }
      // Measured after a full collection: what the case left behind, not how much garbage
      // the collector happened not to have swept yet (that made the check flaky under load).
      collect();
      const mem = process.memoryUsage();
      const reply: Reply = { id: job.id, outcome, ms: performance.now() - t0, heapUsed: v8.getHeapStatistics().used_heap_size, arrayBuffers: mem.arrayBuffers };
      parentPort!.postMessage(reply);
    })();
  });
}

// ---------------------------------------------------------------------------
// Deterministic randomness and varints

class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

function caseSeed(seed: number, base: string, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${base}:${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

function uvarintAt(buf: Uint8Array, pos: number): { value: bigint; len: number } {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; pos + i < buf.length && i < 10; i++) {
    const b = buf[pos + i]!;
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (b < 0x80) return { value: v, len: i + 1 };
  }
  return { value: v, len: Math.min(10, buf.length - pos) };
}

function encodeUvarint(v: bigint): Uint8Array {
  const out: number[] = [];
  v = BigInt.asUintN(64, v);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function splice(buf: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(buf.length - remove + insert.length);
  out.set(buf.subarray(0, at), 0);
  out.set(insert, at);
  out.set(buf.subarray(at + remove), at + insert.length);
  return out;
}

const ALL_ONES = (1n << 64n) - 1n;

/** Boundary values for a varint field currently holding `v`. */
function specialValues(v: bigint, r: Rand): bigint[] {
  return [
    0n,
    1n,
    v + 1n,
    v > 0n ? v - 1n : 2n,
    v * 2n + 7n,
    1024n,
    1025n,
    65536n,
    65537n,
    1n << 31n,
    1n << 32n,
    (1n << 53n) - 1n,
    1n << 53n,
    1n << 63n,
    ALL_ONES - 1n,
    ALL_ONES,
    BigInt(r.int(1 << 20)),
    BigInt(r.int(256)),
  ];
}

// ---------------------------------------------------------------------------
// The structure of a base trace, for targeted mutations

interface Field {
  name: string;
  pos: number;
  len: number;
  value: bigint;
}

interface BaseBatch {
  b: Batch;
  /** batch header fields: gen, m, time, size */
  fields: Field[];
  /** table entries' fields (strings: id, length; stacks: id, count, frames' pc/func/file/line; CPU samples) */
  entries: Field[];
  /** events: offset of each event and its varint fields (dt, args) */
  events: { pos: number; fields: Field[] }[];
}

interface Base {
  name: string;
  bytes: Uint8Array;
  version: TraceVersion;
  batches: BaseBatch[];
  /** Offsets of EndOfGeneration bytes. */
  ends: number[];
}

function readFields(buf: Uint8Array, pos: number, names: string[]): { fields: Field[]; end: number } {
  const fields: Field[] = [];
  for (const name of names) {
    const { value, len } = uvarintAt(buf, pos);
    fields.push({ name, pos, len, value });
    pos += len;
  }
  return { fields, end: pos };
}

function analyse(name: string, bytes: Uint8Array): Base {
  const version = readTraceHeader(bytes, name).version;
  const batches: BaseBatch[] = [];
  const ends: number[] = [];
  for (const t of readBatches(bytes, name)) {
    if (t.end) {
      ends.push(t.offset);
      continue;
    }
    const b = t as Batch;
    const start = b.offset + 1 + (b.kind === 'experimental' ? 1 : 0);
    const { fields } = readFields(bytes, start, ['gen', 'm', 'time', 'size']);
    const entries: Field[] = [];
    const events: BaseBatch['events'] = [];
    const end = b.dataOffset + b.data.length;
    let p = b.dataOffset + 1;
    if (b.kind === 'strings') {
      while (p < end) {
        const f = readFields(bytes, p + 1, ['string id', 'string length']);
        entries.push(...f.fields);
        p = f.end + Number(f.fields[1]!.value);
      }
    } else if (b.kind === 'stacks') {
      while (p < end) {
        const f = readFields(bytes, p + 1, ['stack id', 'frame count']);
        entries.push(...f.fields);
        p = f.end;
        for (let i = 0; i < Number(f.fields[1]!.value); i++) {
          const fr = readFields(bytes, p, ['frame pc', 'frame func string id', 'frame file string id', 'frame line']);
          entries.push(...fr.fields);
          p = fr.end;
        }
      }
    } else if (b.kind === 'cpu-samples') {
      while (p < end) {
        const f = readFields(bytes, p + 1, ['sample time', 'sample m', 'sample p', 'sample g', 'sample stack id']);
        entries.push(...f.fields);
        p = f.end;
      }
    } else if (b.kind === 'events') {
      for (const e of batchEvents(b, version, name)) {
        events.push({ pos: e.offset, fields: readFields(bytes, e.offset + 1, [`${e.name} dt`, ...e.args.map((_, i) => `${e.name} arg ${i + 1}`)]).fields });
      }
    }
    batches.push({ b, fields, entries, events });
  }
  return { name, bytes, version, batches, ends };
}

// ---------------------------------------------------------------------------
// Mutations

interface Mutant {
  base: string;
  index: number;
  what: string;
  bytes: Uint8Array;
}

const at = (n: number) => `byte ${n}`;

function flipBits(buf: Uint8Array, r: Rand, lo: number, hi: number): { bytes: Uint8Array; what: string } {
  const out = buf.slice();
  const flips: string[] = [];
  for (let k = r.range(1, 4); k > 0; k--) {
    const pos = r.range(lo, Math.max(lo, hi - 1));
    const bit = r.int(8);
    out[pos]! ^= 1 << bit;
    flips.push(`${pos}.${bit}`);
  }
  return { bytes: out, what: `bits ${flips.join(', ')} (byte.bit)` };
}

function setField(buf: Uint8Array, f: Field, v: bigint): { bytes: Uint8Array; what: string } {
  return { bytes: splice(buf, f.pos, f.len, encodeUvarint(v)), what: `${f.name} at ${at(f.pos)}: ${f.value} -> ${BigInt.asUintN(64, v)}` };
}

type Strategy = (base: Base, r: Rand) => { bytes: Uint8Array; what: string } | null;

const kindOf = (base: Base, kinds: string[]) => base.batches.filter((x) => kinds.includes(x.b.kind));
const batchEnd = (x: BaseBatch) => x.b.dataOffset + x.b.data.length;

const STRATEGIES: Record<string, Strategy> = {
  flip: (base, r) => flipBits(base.bytes, r, 0, base.bytes.length),
  'flip-batch-header': (base, r) => {
    const x = r.pick(base.batches);
    return flipBits(base.bytes, r, x.b.offset, x.b.dataOffset + 1);
  },
  'flip-table': (base, r) => {
    const xs = kindOf(base, ['strings', 'stacks', 'cpu-samples', 'sync']);
    const x = r.pick(xs);
    return flipBits(base.bytes, r, x.b.dataOffset, batchEnd(x));
  },
  cut: (base, r) => {
    const n = r.next() < 0.3 ? r.pick(base.batches).b.offset + r.range(-2, 8) : r.int(base.bytes.length);
    const len = Math.max(0, Math.min(base.bytes.length - 1, n));
    return { bytes: base.bytes.slice(0, len), what: `cut at ${at(len)}` };
  },
  'batch-size': (base, r) => {
    const x = r.pick(base.batches);
    const f = x.fields[3]!;
    return setField(base.bytes, f, r.pick(specialValues(f.value, r)));
  },
  'batch-field': (base, r) => {
    const x = r.pick(base.batches);
    const f = r.pick(x.fields.slice(0, 3));
    return setField(base.bytes, f, r.pick(specialValues(f.value, r)));
  },
  'string-entry': (base, r) => {
    const fs = kindOf(base, ['strings']).flatMap((x) => x.entries);
    const f = r.pick(fs);
    const ids = fs.filter((e) => e.name === 'string id').map((e) => e.value);
    return setField(base.bytes, f, r.next() < 0.3 && f.name === 'string id' ? r.pick(ids) : r.pick(specialValues(f.value, r)));
  },
  'stack-entry': (base, r) => {
    const fs = kindOf(base, ['stacks']).flatMap((x) => x.entries);
    const f = r.pick(r.next() < 0.5 ? fs.filter((e) => e.name === 'stack id' || e.name === 'frame count') : fs);
    const ids = fs.filter((e) => e.name === 'stack id').map((e) => e.value);
    return setField(base.bytes, f, r.next() < 0.3 && f.name === 'stack id' ? r.pick(ids) : r.pick(specialValues(f.value, r)));
  },
  'cpu-sample': (base, r) => {
    const fs = kindOf(base, ['cpu-samples']).flatMap((x) => x.entries);
    if (fs.length === 0) return null;
    const f = r.pick(fs);
    return setField(base.bytes, f, r.pick(specialValues(f.value, r)));
  },
  'event-arg': (base, r) => {
    const evs = kindOf(base, ['events']).flatMap((x) => x.events);
    const e = r.pick(evs);
    const f = r.pick(e.fields);
    return setField(base.bytes, f, r.pick(specialValues(f.value, r)));
  },
  'event-type': (base, r) => {
    const evs = kindOf(base, ['events']).flatMap((x) => x.events);
    const e = r.pick(evs);
    const out = base.bytes.slice();
    const t = r.next() < 0.5 ? r.range(EvProcsChange, EvEndOfGeneration) : r.int(256);
    const was = out[e.pos]!;
    out[e.pos] = t;
    return { bytes: out, what: `event type at ${at(e.pos)}: ${was} -> ${t}` };
  },
  'dup-range': (base, r) => {
    const from = r.int(base.bytes.length);
    const len = Math.min(base.bytes.length - from, r.range(1, r.next() < 0.5 ? 16 : 4096));
    const to = r.int(base.bytes.length + 1);
    return { bytes: splice(base.bytes, to, 0, base.bytes.slice(from, from + len)), what: `copy of bytes ${from}..${from + len} inserted at ${at(to)}` };
  },
  'remove-range': (base, r) => {
    const from = r.range(16, base.bytes.length - 1);
    const len = Math.min(base.bytes.length - from, r.range(1, r.next() < 0.5 ? 16 : 4096));
    return { bytes: splice(base.bytes, from, len), what: `bytes ${from}..${from + len} removed` };
  },
  'dup-batch': (base, r) => {
    const x = r.pick(base.batches);
    const copy = base.bytes.slice(x.b.offset, batchEnd(x));
    const to = r.next() < 0.5 ? batchEnd(x) : r.pick(base.batches).b.offset;
    return { bytes: splice(base.bytes, to, 0, copy), what: `${x.b.kind} batch at ${at(x.b.offset)} (M ${x.b.m}, gen ${x.b.gen}) copied to ${at(to)}` };
  },
  'remove-batch': (base, r) => {
    const x = r.pick(base.batches);
    return {
      bytes: splice(base.bytes, x.b.offset, batchEnd(x) - x.b.offset),
      what: `${x.b.kind} batch at ${at(x.b.offset)} (M ${x.b.m}, gen ${x.b.gen}) removed`,
    };
  },
  'swap-batches': (base, r) => {
    let i = r.int(base.batches.length);
    let j = r.int(base.batches.length);
    if (i === j) return null;
    if (i > j) [i, j] = [j, i];
    const a = base.batches[i]!;
    const b = base.batches[j]!;
    const bytes = base.bytes;
    const out = new Uint8Array(bytes.length);
    let p = 0;
    for (const part of [
      bytes.subarray(0, a.b.offset),
      bytes.subarray(b.b.offset, batchEnd(b)),
      bytes.subarray(batchEnd(a), b.b.offset),
      bytes.subarray(a.b.offset, batchEnd(a)),
      bytes.subarray(batchEnd(b)),
    ]) {
      out.set(part, p);
      p += part.length;
    }
    return { bytes: out, what: `${a.b.kind} batch at ${at(a.b.offset)} swapped with ${b.b.kind} batch at ${at(b.b.offset)}` };
  },
};

// Weights: bit flips and structure-aware field changes dominate.
const WEIGHTED: string[] = Object.entries({
  flip: 5,
  'flip-batch-header': 3,
  'flip-table': 2,
  cut: 2,
  'batch-size': 2,
  'batch-field': 1,
  'string-entry': 2,
  'stack-entry': 2,
  'cpu-sample': 1,
  'event-arg': 4,
  'event-type': 1,
  'dup-range': 1,
  'remove-range': 1,
  'dup-batch': 1,
  'remove-batch': 1,
  'swap-batches': 1,
}).flatMap(([k, w]) => Array<string>(w).fill(k));

function mutant(base: Base, seed: number, index: number): Mutant {
  const r = new Rand(caseSeed(seed, base.name, index));
  for (;;) {
    const s = r.pick(WEIGHTED);
    const m = STRATEGIES[s]!(base, r);
    if (m) return { base: base.name, index, what: `${s}: ${m.what}`, bytes: m.bytes };
  }
}

// ---------------------------------------------------------------------------
// Running cases in workers

class Runner {
  private worker: Worker | null = null;
  private pending: { id: number; worker: Worker; resolve: (r: Reply) => void; timer: NodeJS.Timeout } | null = null;

  private spawn(): Worker {
    const w = new Worker(new URL(import.meta.url), { workerData: { traceFuzz: true }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    w.on('message', (r: Reply) => {
      if (!this.pending || this.pending.worker !== w || r.id !== this.pending.id) return;
      const p = this.pending;
      this.pending = null;
      clearTimeout(p.timer);
      p.resolve(r);
    });
    const died = (message: string) => {
      if (this.worker === w) this.worker = null;
      // A worker terminated on a timeout exits later, while the next case runs elsewhere.
      if (!this.pending || this.pending.worker !== w) return;
      const p = this.pending;
      this.pending = null;
      clearTimeout(p.timer);
      p.resolve({ id: p.id, outcome: { kind: 'worker-died', message }, ms: NaN, heapUsed: NaN, arrayBuffers: NaN });
    };
    w.on('error', (e) => died(`${e.name}: ${e.message}${'code' in e ? ` (${String(e.code)})` : ''}`));
    w.on('exit', (code) => died(`worker exited (code ${code})`));
    return w;
  }

  run(id: number, input: string, bytes: Uint8Array): Promise<Reply> {
    this.worker ??= this.spawn();
    const w = this.worker;
    return new Promise((resolve) => {
      const t0 = performance.now();
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = null;
        this.worker = null;
        void w.terminate();
        resolve({ id, outcome: { kind: 'timeout' }, ms: performance.now() - t0, heapUsed: NaN, arrayBuffers: NaN });
      }, CASE_TIMEOUT_MS);
      this.pending = { id, worker: w, resolve, timer };
      w.postMessage({ id, input, bytes } satisfies Job);
    });
  }

  async close(): Promise<void> {
    if (this.worker) await this.worker.terminate();
    this.worker = null;
  }
}

// ---------------------------------------------------------------------------
// The tests

/**
 * Parser crashes found by this fuzzer and not fixed yet: a case whose failure matches is
 * reported by the `todo` test below instead of failing the suite. Each entry says what
 * is wrong; delete it once the parser is fixed.
 */
const KNOWN_CRASHES: { note: string; matches: (o: Outcome) => boolean }[] = [];

interface Result {
  m: Mutant;
  input: string;
  reply: Reply;
  problem: string | null;
  file?: string;
}

if (isMainThread) {
  // Loaded lazily: the worker thread never needs the Go helpers.
  const { needGo } = await import('./support/go.js');
  const { writeTracegenTrace } = await import('./support/tracegen.js');

  const seed = Number(process.env.GOSCOPE_FUZZ_SEED ?? 20261122);
  const smallCases = Number(process.env.GOSCOPE_FUZZ_CASES ?? 240);
  const only = process.env.GOSCOPE_FUZZ_ONLY; // "small:17"
  const failDir = path.join(os.tmpdir(), 'goscope-trace-fuzz');

  let tmp = '';
  const bases: Base[] = [];
  const results: Result[] = [];
  const baseline: Record<string, Reply> = {};
  let elapsedMs = 0;
  let fullCases = 0;

  /** Checks a case's outcome; null when it is acceptable. */
  const judge = (input: string, o: Outcome): string | null => {
    switch (o.kind) {
      case 'parsed':
        return null;
      case 'format-error':
        if (o.message.includes('\n')) return `FormatError message has several lines: ${JSON.stringify(o.message)}`;
        if (!o.message.startsWith(input + ': ')) return `FormatError message does not start with the input name: ${JSON.stringify(o.message)}`;
        return null;
      case 'crash':
        return `${o.name}: ${o.message}\n${o.stack}`;
      case 'timeout':
        return `no result within ${CASE_TIMEOUT_MS} ms (worker terminated)`;
      case 'worker-died':
        return `the worker died: ${o.message}`;
    }
  };

  before(async () => {
    if (needGo) return;
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-trace-fuzz-'));
    const file = await writeTracegenTrace(tmp);
    const whole = new Uint8Array(await fsp.readFile(file));
    const wholeBase = analyse('full', whole);
    // Generations as [start, end) file offsets (each generation of a Go 1.22+ trace stands
    // alone: a header followed by any run of consecutive generations is a valid trace).
    const gens: [number, number][] = [];
    let start = 16;
    if (wholeBase.version >= 26) {
      for (const e of wholeBase.ends) {
        gens.push([start, e + 1]);
        start = e + 1;
      }
    } else {
      for (let i = 1; i < wholeBase.batches.length; i++) {
        const x = wholeBase.batches[i]!;
        if (wholeBase.batches[i - 1]!.b.gen !== x.b.gen) {
          gens.push([start, x.b.offset]);
          start = x.b.offset;
        }
      }
      gens.push([start, whole.length]);
    }
    const withHeader = (s: number, e: number): Uint8Array => {
      const out = new Uint8Array(16 + e - s);
      out.set(whole.subarray(0, 16), 0);
      out.set(whole.subarray(s, e), 16);
      return out;
    };
    const size = (g: [number, number]) => g[1] - g[0];
    // small: the smallest generation of at least 2 KB (the last one, cut by trace.Stop, is
    // usually the smallest: 5-70 KB), or else the largest.
    const some = gens.filter((g) => size(g) >= 2048);
    const [s, e] = some.length > 0 ? some.reduce((a, b) => (size(b) < size(a) ? b : a)) : gens.reduce((a, b) => (size(b) > size(a) ? b : a));
    const small = withHeader(s, e);
    // full: the two consecutive generations of the smallest total size (the whole trace
    // has 2-3 generations, 0.7-3 MB depending on the machine's load).
    let pair: [number, number] = [16, whole.length];
    for (let i = 0; i + 1 < gens.length; i++) {
      const p: [number, number] = [gens[i]![0], gens[i + 1]![1]];
      if (i === 0 || size(p) < size(pair)) pair = p;
    }
    const fullBase = pair[0] === 16 && pair[1] === whole.length ? wholeBase : analyse('full', withHeader(pair[0], pair[1]));
    // About 20 MB of full-trace parsing in all (a 1 MB trace parses in ~0.5 s).
    fullCases = Math.max(4, Math.min(Math.round(smallCases / 6), Math.round(20e6 / fullBase.bytes.length)));
    bases.push(analyse('small', small), fullBase);

    const runners = [new Runner(), new Runner()];
    const t0 = performance.now();
    try {
      for (const b of bases) {
        const r = await runners[0]!.run(-1, `${b.name}.trace`, b.bytes);
        baseline[b.name] = r;
      }
      const queue: Mutant[] = [];
      for (const b of bases) {
        const n = b.name === 'small' ? smallCases : fullCases;
        for (let i = 0; i < n; i++) {
          if (only && only !== `${b.name}:${i}`) continue;
          queue.push(mutant(b, seed, i));
        }
      }
      let next = 0;
      await Promise.all(
        runners.map(async (runner) => {
          while (next < queue.length) {
            const id = next++;
            const m = queue[id]!;
            const input = `mutant-${m.base}-${m.index}.trace`;
            const reply = await runner.run(id, input, m.bytes);
            const res: Result = { m, input, reply, problem: judge(input, reply.outcome) };
            if (res.problem === null && reply.outcome.kind !== 'timeout' && reply.outcome.kind !== 'worker-died') {
              if (reply.heapUsed > heapLimit(m.bytes.length))
                res.problem = `worker heap ${(reply.heapUsed / 2 ** 20).toFixed(0)} MB after the case (limit ${(heapLimit(m.bytes.length) / 2 ** 20).toFixed(0)} MB)`;
              else if (reply.arrayBuffers > BUFFERS_LIMIT + m.bytes.length)
                res.problem = `${(reply.arrayBuffers / 2 ** 20).toFixed(0)} MB of array buffers after the case`;
            }
            if (res.problem !== null) {
              mkdirSync(failDir, { recursive: true });
              res.file = path.join(failDir, `seed${seed}-${m.base}-${m.index}.trace`);
              writeFileSync(res.file, m.bytes);
            }
            results.push(res);
          }
        }),
      );
    } finally {
      await Promise.all(runners.map((r) => r.close()));
    }
    elapsedMs = performance.now() - t0;
    results.sort((a, b) => (a.m.base === b.m.base ? a.m.index - b.m.index : a.m.base < b.m.base ? -1 : 1));
  });

  after(async () => {
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  const describe = (r: Result): string =>
    `case ${r.m.base}:${r.m.index} (GOSCOPE_FUZZ_SEED=${seed} GOSCOPE_FUZZ_ONLY=${r.m.base}:${r.m.index}), ${r.m.what}; mutant saved as ${r.file}\n  -> ${r.problem!.replace(/\n/g, '\n     ')}`;
  const known = (r: Result): string | undefined => KNOWN_CRASHES.find((k) => k.matches(r.reply.outcome))?.note;

  test('the unmutated bases parse completely', { skip: needGo }, () => {
    for (const b of bases) {
      const o = baseline[b.name]!.outcome;
      assert.equal(o.kind, 'parsed', `${b.name} (${b.bytes.length} bytes): ${JSON.stringify(o)}`);
    }
  });

  test(`every mutant parses completely or throws a one-line FormatError naming the input (seed ${seed})`, { skip: needGo }, (t) => {
    const count = (k: string) => results.filter((r) => r.reply.outcome.kind === k).length;
    t.diagnostic(
      `${results.length} mutants in ${(elapsedMs / 1000).toFixed(1)} s (bases: ${bases.map((b) => `${b.name} ${b.bytes.length} bytes`).join(', ')}): ` +
        `${count('parsed')} parsed, ${count('format-error')} FormatError, ${results.filter((r) => r.problem).length} problems`,
    );
    if (!only) {
      // The mutations must reach both outcomes, or the fuzzer tests nothing.
      assert.ok(count('parsed') > 0 && count('format-error') > results.length / 4, 'mutants exercise both outcomes');
    }
    const bad = results.filter((r) => r.problem !== null && known(r) === undefined);
    assert.equal(bad.length, 0, `${bad.length} mutants broke the parser:\n${bad.map(describe).join('\n')}`);
  });

  test('memory stays bounded (worker heap and buffers after each case)', { skip: needGo }, (t) => {
    const ok = results.filter((r) => Number.isFinite(r.reply.heapUsed));
    const maxHeap = Math.max(0, ...ok.map((r) => r.reply.heapUsed));
    const maxBuf = Math.max(0, ...ok.map((r) => r.reply.arrayBuffers));
    t.diagnostic(
      `max worker heap retained after a case ${(maxHeap / 2 ** 20).toFixed(1)} MB, max array buffers ${(maxBuf / 2 ** 20).toFixed(1)} MB (heap limit ${WORKER_HEAP_MB} MB)`,
    );
    const over = ok.filter((r) => r.reply.heapUsed > heapLimit(r.m.bytes.length));
    assert.equal(over.length, 0, over.map(describe).join('\n'));
    assert.ok(maxBuf <= BUFFERS_LIMIT + 2 ** 21, `array buffers ${maxBuf}`);
    const died = results.filter((r) => r.reply.outcome.kind === 'worker-died' && known(r) === undefined);
    assert.equal(died.length, 0, died.map(describe).join('\n'));
  });

  test(
    'known parser crashes (see KNOWN_CRASHES)',
    { skip: needGo, todo: KNOWN_CRASHES.length > 0 ? 'parser crashes found by this fuzzer, not fixed yet' : false },
    () => {
      const hits = results.filter((r) => r.problem !== null && known(r) !== undefined);
      assert.equal(hits.length, 0, `${hits.length} mutants hit known crashes:\n${hits.map((r) => `[${known(r)}] ${describe(r)}`).join('\n')}`);
    },
  );
}
