// The ordering layer (src/formats/trace/: event-stream.ts, order.ts, batch-cursor.ts)
// against Go's own parser: the trace written
// by testdata/go/tracegen is ordered here and compared, event by event, with the stream
// `go tool trace -d=parsed` prints (Go's internal/trace Reader, one `Event.String()` per
// event: "M=.. P=.. G=.. Kind Time=NS ..." followed by indented stack lines).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { needGo } from './support/go.js';
import { writeTracegenTrace } from './support/tracegen.js';
import { FormatError } from '../src/errors.js';
import {
  EvGoStart,
  batchEvents,
  eventString,
  nsPerTick,
  orderedEvents,
  readTrace,
  readTraceStream,
  ticksToNs,
  type OrderedEvent,
} from '../src/formats/trace/index.js';
import { runLines } from './support/go-tool.js';

let tmp = '';
let file = '';
let buf: Buffer = Buffer.alloc(0);
/** Go's event lines (the first line of each Event.String()). */
let goLines: GoEvent[] = [];
/** Go's whole Event.String() of each event (stack lines included). */
let goTexts: string[] = [];
let mine: OrderedEvent[] = [];

interface GoEvent {
  line: string;
  m: number;
  p: number;
  g: number;
  kind: string;
  time: number;
  /** The kind-specific rest of the line. */
  rest: string;
}

const EVENT_LINE = /^M=(-?\d+) P=(-?\d+) G=(-?\d+) (\w+) Time=(\d+)(.*)$/;

/** Parses one line of `go tool trace -d=parsed`; null for stack and continuation lines. */
function parseGoLine(line: string): GoEvent | null {
  const r = EVENT_LINE.exec(line);
  if (!r) return null;
  return { line, m: Number(r[1]), p: Number(r[2]), g: Number(r[3]), kind: r[4]!, time: Number(r[5]), rest: r[6]! };
}

before(async () => {
  if (needGo) return;
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-order-'));
  file = await writeTracegenTrace(tmp);
  buf = await fsp.readFile(file);
  const lines: GoEvent[] = [];
  const texts: string[][] = [];
  await runLines('go', ['tool', 'trace', '-d=parsed', file], (line) => {
    const e = parseGoLine(line);
    if (e) {
      lines.push(e);
      texts.push([line]);
    } else texts[texts.length - 1]?.push(line);
  });
  goLines = lines;
  goTexts = texts.map((t) => t.join('\n'));
  mine = [...orderedEvents(buf, { input: file })];
});

test.after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** What of Go's line this layer reproduces: context, kind, time and the state transition. */
function myLine(e: OrderedEvent): string {
  let s = `M=${e.m} P=${e.p} G=${e.g} ${e.kind} Time=${e.time}`;
  const t = e.transition;
  if (t) s += ` ${t.resource === 'goroutine' ? 'GoID' : 'ProcID'}=${t.id} ${t.from}->${t.to} Reason=${JSON.stringify(t.reason)}`;
  if (e.kind === 'Sync') s += ` N=${e.args[0]}`;
  if (e.kind === 'RegionBegin' || e.kind === 'RegionEnd' || e.kind === 'Log') s += ` Task=${e.args[0]}`;
  if (e.kind === 'TaskBegin') s += ` ID=${e.args[0]} Parent=${e.args[1] === -1 ? '18446744073709551615' : e.args[1]}`;
  return s;
}

/** The same part of Go's line. */
function goPart(e: GoEvent): string {
  let s = `M=${e.m} P=${e.p} G=${e.g} ${e.kind} Time=${e.time}`;
  const pick = (re: RegExp): string => {
    const r = re.exec(e.rest);
    assert.ok(r, `go line has ${re}: ${e.line}`);
    return r[0];
  };
  if (e.kind === 'StateTransition') s += pick(/^ (GoID|ProcID)=\d+ \w+->\w+ Reason="[^"]*"/);
  if (e.kind === 'Sync') s += pick(/^ N=\d+/);
  if (e.kind === 'RegionBegin' || e.kind === 'RegionEnd' || e.kind === 'Log') s += pick(/^ Task=\d+/);
  if (e.kind === 'TaskBegin') s += pick(/^ ID=\d+ Parent=\d+/);
  return s;
}

function firstDivergence(a: string[], b: string[]): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      const ctx = (l: string[]): string => l.slice(Math.max(0, i - 3), i + 4).join('\n    ');
      return `event ${i}:\n  go:\n    ${ctx(a)}\n  goscope:\n    ${ctx(b)}`;
    }
  }
  return `lengths ${a.length} (go) vs ${b.length} (goscope)`;
}

test('same number of events of each kind as go tool trace -d=parsed', { skip: needGo }, () => {
  const count = (kinds: string[]): Record<string, number> => {
    const c: Record<string, number> = {};
    for (const k of kinds) c[k] = (c[k] ?? 0) + 1;
    return c;
  };
  assert.ok(goLines.length > 10_000, `go printed ${goLines.length} events`);
  const want = count(goLines.map((e) => e.kind));
  assert.deepEqual(count(mine.map((e) => e.kind)), want);
  for (const k of [
    'Sync',
    'StateTransition',
    'StackSample',
    'Metric',
    'RangeBegin',
    'RangeEnd',
    'TaskBegin',
    'TaskEnd',
    'RegionBegin',
    'RegionEnd',
    'Log',
    'Label',
  ]) {
    assert.ok(want[k]! > 0, `the trace has ${k} events`);
  }
  assert.equal(mine.length, goLines.length);
});

test('same sequence of (kind, time) as Go: order and nanosecond timestamps', { skip: needGo }, () => {
  const a = goLines.map((e) => `${e.kind} ${e.time}`);
  const b = mine.map((e) => `${e.kind} ${e.time}`);
  if (a.join('\n') !== b.join('\n')) assert.fail(firstDivergence(a, b));
  for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.time > mine[i - 1]!.time, `time strictly increases at event ${i}`);
});

test('same M/P/G context, state transitions (resource, from->to, reason), Sync N, task and region IDs', { skip: needGo }, () => {
  const a = goLines.map(goPart);
  const b = mine.map(myLine);
  if (a.join('\n') !== b.join('\n')) assert.fail(firstDivergence(a, b));
});

test('every event prints exactly as go tool trace -d=parsed prints it (Event.String: arguments, names, stacks)', { skip: needGo }, () => {
  assert.equal(goTexts.length, mine.length);
  const b = mine.map(eventString);
  for (let i = 0; i < b.length; i++) {
    if (goTexts[i] !== b[i]) assert.fail(`event ${i}:\n  go:\n${goTexts[i]}\n  goscope:\n${b[i]}`);
  }
  // The comparison covers every kind Go prints in this trace, with stacks.
  const kinds = new Set(goTexts.filter((t) => t.includes('\nStack=\n\t')).map((t) => parseGoLine(t.split('\n')[0]!)!.kind));
  for (const k of ['StateTransition', 'StackSample', 'Metric', 'RangeBegin', 'TaskBegin', 'TaskEnd', 'RegionBegin', 'RegionEnd', 'Log'])
    assert.ok(kinds.has(k), `${k} events with stacks were compared`);
  assert.ok(
    goTexts.some((t) => t.includes('\nTransitionStack=\n\t')),
    'transition stacks were compared',
  );
});

/** buf in chunks of the given sizes (cycled), as a stream would deliver it. */
async function* chunked(b: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (let at = 0; at < b.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield b.subarray(at, at + n);
    at += n;
  }
}

test('streaming (readTraceStream) gives the same events as the whole-buffer reader, whatever the chunk sizes', { skip: needGo }, async () => {
  const want = mine.map(eventString);
  for (const sizes of [[1 << 20], [4093, 17, 65536, 1], [7]]) {
    if (sizes[0] === 7 && buf.length > 4 << 20) continue; // byte-sized chunks only on small traces
    const got: string[] = [];
    const h = await readTraceStream(chunked(buf, sizes), (e) => got.push(eventString(e)), { input: file });
    assert.match(h.goVersion, /^go1\.2\d$/);
    assert.equal(got.length, want.length, `chunks ${sizes.join(',')}`);
    const i = got.findIndex((x, k) => x !== want[k]);
    assert.equal(i, -1, `chunks ${sizes.join(',')}: first difference at event ${i}`);
  }
  // A cut stream is the same one-line error as a cut file.
  await assert.rejects(
    readTraceStream(chunked(buf.subarray(0, buf.length - 100), [65536]), () => {}, { input: 'cut.trace' }),
    (e: unknown) => e instanceof FormatError && /^cut\.trace: /.test(e.message) && !e.message.includes('\n'),
  );
});

test('timestamps: ticks -> ns as Go (per-delta conversion, Sync at the generation minimum)', { skip: needGo }, () => {
  const { header, generations } = readTrace(buf, file);
  const syncs = mine.filter((e) => e.kind === 'Sync');
  assert.equal(syncs.length, generations.length + 1);
  const g0 = generations[0]!;
  const f = nsPerTick(g0.ticksPerSecond);
  assert.equal(syncs[0]!.time, ticksToNs(g0.minTime, f), 'first Sync at freq.mul(minTs)');
  // The first event of the first non-empty M in file order: its time is mul(base) + mul(dt).
  const [m, batches] = [...g0.eventBatches][0]!;
  const first = batchEvents(batches[0]!, header.version).next().value!;
  const t = ticksToNs(batches[0]!.time, f) + ticksToNs(first.dt, f);
  assert.ok(
    mine.some((e) => e.m === m && e.time === t && e.gen === g0.gen),
    `an event of M ${m} at ${t} ns`,
  );
  // Unit checks of the conversion: trunc(ticks * (1 / (freq / 1e9))).
  assert.equal(ticksToNs(1000, nsPerTick(1e9)), 1000);
  assert.equal(ticksToNs(10, nsPerTick(3e9)), 3);
  assert.equal(ticksToNs(2, nsPerTick(3e9)), 0, 'truncated (0.67 ns -> 0), not rounded');
  assert.equal(ticksToNs(1, nsPerTick(3e9)) * 3, 0, 'deltas are converted one by one (Go), not summed in ticks first');
  assert.equal(ticksToNs(3, nsPerTick(3e9)), 1);
  assert.equal(ticksToNs(7, nsPerTick(15_625_000)), 448);
  assert.equal(ticksToNs(1, nsPerTick(15_625_000)), 64);
});

test('a sequence number that can never be satisfied is a one-line FormatError', { skip: needGo }, () => {
  const { header, generations } = readTrace(buf, file);
  // Find a GoStart (type 16: dt, g, g_seq) whose g_seq is a one-byte varint and make it 127.
  let at = -1;
  outer: for (const g of generations) {
    for (const batches of g.eventBatches.values()) {
      for (const b of batches) {
        for (const e of batchEvents(b, header.version)) {
          if (e.type !== EvGoStart || e.args[1]! >= 100) continue;
          let p = e.offset + 1;
          for (let k = 0; k < 2; k++) while (buf[p++]! & 0x80);
          if (buf[p] === e.args[1]) {
            at = p;
            break outer;
          }
        }
      }
    }
  }
  assert.ok(at > 0, 'found a GoStart to corrupt');
  const bad = Buffer.from(buf);
  bad[at] = 127;
  let err: unknown;
  try {
    for (const _ of orderedEvents(bad, { input: 'x.trace' }));
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof FormatError, `expected a FormatError, got ${String(err)}`);
  assert.ok(!err.message.includes('\n'));
  assert.match(err.message, /^x\.trace: .*(failed to advance|broken trace)/);
});
