// The Go 1.22+ execution-trace reader (src/formats/trace) against real traces written by
// testdata/go/tracegen, with Go's own reader as the oracle: `go tool trace -d=wire` prints
// every wire-level record (batch headers, table entries, events with raw arguments) and
// `go tool trace -d=parsed` the ordered event stream (only Sync and StackSample counts
// are compared here; ordering is not implemented yet).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goMinor, needGo } from './support/go.js';
import { writeTracegenTrace } from './support/tracegen.js';
import { FormatError } from '../src/errors.js';
import {
  batchEvents,
  eventName,
  FORMAT_WRITERS,
  traceFormat,
  traceFormatText,
  readGenerations,
  readTrace,
  readTraceHeader,
  stackFrames,
  type Generation,
} from '../src/formats/trace/index.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { goToolEnv, runLines } from './support/go-tool.js';

let tmp = '';
let file = '';
let buf: Buffer = Buffer.alloc(0);

before(async () => {
  if (needGo) return;
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-trace-'));
  file = await writeTracegenTrace(tmp);
  buf = await fsp.readFile(file);
});

test.after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const U64_MAX = '18446744073709551615';
const u64 = (n: number): string => (n === -1 ? U64_MAX : String(n));

test('reads the real trace: header, generations, tables, every byte consumed', { skip: needGo }, () => {
  const [, minor] = goMinor()!;
  const { header, generations } = readTrace(buf, file);
  assert.ok(FORMAT_WRITERS[header.version].includes(`go1.${minor}`), `format go1.${header.version} is one Go 1.${minor} writes`);
  assert.ok(generations.length > 0);

  let pos = 16;
  const strings = new Set<string>();
  const funcs = new Set<string>();
  generations.forEach((g, i) => {
    assert.equal(g.gen, generations[0]!.gen + i, 'generation numbers are consecutive');
    assert.equal(g.offset, pos, `generation ${g.gen} starts where the previous ended`);
    let p = g.offset;
    for (const b of g.batches) {
      assert.equal(b.offset, p, `batch at ${b.offset} follows the previous one`);
      assert.equal(b.gen, g.gen);
      p = b.dataOffset + b.data.length;
    }
    assert.equal(g.end, header.version >= 26 ? p + 1 : p, 'generation end (EndOfGeneration byte from Go 1.26)');
    pos = g.end;
    const kinds = (k: string): number => g.batches.filter((b) => b.kind === k).length;
    assert.equal(kinds('sync'), 1, 'one sync batch per generation');
    assert.ok(kinds('strings') >= 1 && kinds('stacks') >= 1 && kinds('events') >= 1);
    assert.equal(g.batches.length, kinds('events') + kinds('strings') + kinds('stacks') + kinds('cpu-samples') + kinds('sync') + kinds('experimental'));
    assert.equal(
      [...g.eventBatches.values()].reduce((n, l) => n + l.length, 0),
      kinds('events'),
    );
    assert.ok(g.strings.size > 0 && g.stacks.size > 0 && g.ticksPerSecond > 0);
    if (header.version >= 25) assert.ok(g.clockSnapshot && g.clockSnapshot.mono > 0);
    for (const s of g.strings.values()) strings.add(s);
    for (const id of g.stacks.keys()) for (const f of stackFrames(g, id)) funcs.add(f.func);
  });
  assert.equal(pos, buf.length, 'the last generation ends at the end of the file');

  for (const name of [
    'tracegen.main',
    'tracegen.round',
    'tracegen.churn',
    'tracegen.channels',
    'tracegen.mutex',
    'tracegen.tcp',
    'tracegen.files',
    'tracegen.sleep',
    'tracegen.gc',
    'tracegen.cpu',
    'tracegen.phase',
    'start',
    'end',
  ]) {
    assert.ok(strings.has(name), `string table has ${JSON.stringify(name)}`);
  }
  for (const fn of ['main.main', 'main.churn', 'main.pipeline', 'main.contend', 'main.tcpRoundTrips', 'main.fileIO']) {
    assert.ok(funcs.has(fn), `a stack has ${fn}`);
  }
  assert.ok(
    generations.some((g) => g.cpuSamples.length > 0),
    'CPU samples are present',
  );
});

interface WireRecord {
  name: string;
  args: Map<string, string>;
  sub: string[]; // indented lines (stack frames, string data)
}

function parseWireLine(line: string): WireRecord {
  const [name, ...rest] = line.split(' ');
  const args = new Map<string, string>();
  for (const kv of rest) {
    const i = kv.indexOf('=');
    if (i > 0) args.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return { name: name!, args, sub: [] };
}

test('matches go tool trace -d=wire record by record', { skip: needGo }, async () => {
  const wire: WireRecord[] = [];
  await runLines('go', ['tool', 'trace', '-d=wire', file], (line) => {
    if (line.startsWith('\t')) wire[wire.length - 1]!.sub.push(line.slice(1));
    else if (line.trim()) wire.push(parseWireLine(line));
  });
  const { header, generations } = readTrace(buf, file);
  let w = 0;
  const next = (): WireRecord => {
    assert.ok(w < wire.length, 'go tool trace -d=wire has more records');
    return wire[w++]!;
  };
  for (const g of generations) {
    for (const b of g.batches) {
      const hb = next();
      assert.equal(hb.name, b.kind === 'experimental' ? 'ExperimentalBatch' : 'EventBatch', `record ${w}`);
      assert.deepEqual(
        [hb.args.get('gen'), hb.args.get('m'), hb.args.get('time')],
        [String(b.gen), u64(b.m), String(b.time)],
        `batch header at byte ${b.offset}`,
      );
      if (b.kind === 'experimental') {
        w = wire.findIndex((r, i) => i >= w && (r.name === 'EventBatch' || r.name === 'ExperimentalBatch' || r.name === 'EndOfGeneration'));
        continue;
      }
      assert.equal(hb.args.get('size'), String(b.data.length));
      switch (b.kind) {
        case 'strings': {
          assert.equal(next().name, 'Strings');
          const ids = [...g.strings.keys()];
          // The strings batch(es) hold the whole table in order of appearance.
          for (;;) {
            if (wire[w]?.name !== 'String') break;
            const r = next();
            const id = Number(r.args.get('id'));
            assert.ok(g.strings.has(id), `string ${id}`);
            const data = r.sub[0]!.replace(/^data=/, '');
            if (!data.includes('\\')) assert.equal(JSON.stringify(g.strings.get(id)), data, `string ${id}`);
          }
          assert.ok(ids.length > 0);
          break;
        }
        case 'stacks': {
          assert.equal(next().name, 'Stacks');
          while (wire[w]?.name === 'Stack') {
            const r = next();
            const id = Number(r.args.get('id'));
            const pcs = g.stacks.get(id);
            assert.ok(pcs, `stack ${id}`);
            assert.equal(String(pcs.length), r.args.get('nframes'));
            const want = r.sub.map((l) => l.trim());
            const got = pcs.map((pc) => {
              const f = g.frames.get(pc)!;
              return `pc=${pc} func=${f.funcID} file=${f.fileID} line=${f.line}`;
            });
            // Frames are stored per PC, first definition wins (as in Go's reader).
            assert.deepEqual(got, want, `stack ${id}`);
          }
          break;
        }
        case 'cpu-samples': {
          assert.equal(next().name, 'CPUSamples');
          // Samples are kept in file order, one list per generation.
          const before = g.batches.slice(0, g.batches.indexOf(b)).filter((x) => x.kind === 'cpu-samples');
          let k = before.length === 0 ? 0 : NaN;
          assert.equal(before.length, 0, 'tracegen writes one CPU samples batch per generation');
          while (wire[w]?.name === 'CPUSample') {
            const r = next();
            const s = g.cpuSamples[k++]!;
            assert.deepEqual([...r.args.values()], [s.time, s.m, s.p, s.g === -1 ? 0 : s.g, s.stack].map(u64), `CPU sample ${k}`);
          }
          assert.equal(k, g.cpuSamples.length);
          break;
        }
        case 'sync': {
          if (header.version >= 25) assert.equal(next().name, 'Sync');
          while (wire[w]?.name === 'Frequency' || wire[w]?.name === 'ClockSnapshot') {
            const r = next();
            if (r.name === 'Frequency') assert.equal(r.args.get('freq'), String(g.ticksPerSecond));
            else assert.equal(r.args.get('mono'), String(g.clockSnapshot!.mono));
          }
          break;
        }
        case 'events': {
          let n = 0;
          for (const ev of batchEvents(b, header.version, file)) {
            const r = next();
            assert.equal(r.name, ev.name, `event at byte ${ev.offset}`);
            const want = [...r.args.values()];
            assert.deepEqual([String(ev.dt), ...ev.args.map(u64)], want, `${ev.name} at byte ${ev.offset}`);
            n++;
          }
          assert.equal(n, b.events);
          break;
        }
      }
    }
    if (header.version >= 26) assert.equal(next().name, 'EndOfGeneration');
  }
  assert.equal(w, wire.length, 'every wire record was matched');
  const totalStrings = generations.reduce((n, g) => n + g.strings.size, 0);
  assert.equal(wire.filter((r) => r.name === 'String').length, totalStrings);
  assert.equal(
    wire.filter((r) => r.name === 'Stack').length,
    generations.reduce((n, g) => n + g.stacks.size, 0),
  );
  assert.equal(
    wire.filter((r) => r.name === 'CPUSample').length,
    generations.reduce((n, g) => n + g.cpuSamples.length, 0),
  );
});

test('agrees with go tool trace -d=parsed on generations and CPU samples', { skip: needGo }, async () => {
  let syncs = 0;
  let samples = 0;
  const monos: string[] = [];
  await runLines('go', ['tool', 'trace', '-d=parsed', file], (line) => {
    if (line.includes(' Sync ')) {
      syncs++;
      const m = / Mono=(\d+)/.exec(line);
      if (m) monos.push(m[1]!);
    } else if (line.includes(' StackSample ')) samples++;
  });
  const { header, generations } = readTrace(buf, file);
  assert.equal(syncs, generations.length + 1, 'one Sync per generation plus the final one');
  assert.equal(
    samples,
    generations.reduce((n, g) => n + g.cpuSamples.length, 0),
  );
  if (header.version >= 25)
    assert.deepEqual(
      monos,
      generations.map((g) => String(g.clockSnapshot!.mono)),
    );
});

// ---------------------------------------------------------------------------
// Errors

function expectFormatError(f: () => unknown, pattern: RegExp, what: string): FormatError {
  const t0 = performance.now();
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  assert.ok(err instanceof FormatError, `${what}: expected a FormatError, got ${err === undefined ? 'no error' : String((err as Error).stack ?? err)}`);
  assert.ok(!err.message.includes('\n'), `${what}: one line: ${err.message}`);
  assert.match(err.message, pattern, what);
  assert.ok(ms < 3000, `${what}: took ${ms} ms`);
  return err;
}

const all = (b: Uint8Array): Generation[] => [...readGenerations(b, 'x.trace')];

test('truncated traces give a one-line FormatError with a byte offset', { skip: needGo }, () => {
  const { generations } = readTrace(buf, file);
  const g0 = generations[0]!;
  const cuts = new Set<number>([5, 15, 17, 20, buf.length - 1, buf.length - 7, Math.floor(buf.length / 2)]);
  for (const b of g0.batches.slice(0, 6)) {
    cuts.add(b.offset + 1);
    cuts.add(b.dataOffset + Math.floor(b.data.length / 2));
    cuts.add(b.dataOffset + b.data.length - 1);
  }
  for (const n of cuts) {
    const e = expectFormatError(() => all(buf.subarray(0, n)), /^x\.trace: byte \d+: /, `cut at ${n}`);
    if (n > 16) assert.match(e.message, /end of file|runs past|incomplete generation|no frequency|no clock snapshot/, `cut at ${n}`);
  }
});

test('old, unknown and non-trace headers', () => {
  const body = Buffer.from([1, 1, 0, 1, 0]);
  const e = expectFormatError(() => readTraceHeader(Buffer.concat([Buffer.from('go 1.21 trace\0\0\0'), body]), 'old.trace'), /Go 1\.21/, 'go 1.21');
  assert.match(e.message, /old format: open it with that Go version's go tool trace/);
  expectFormatError(() => readTraceHeader(Buffer.from('go 1.11 trace\0\0\0'), 'old.trace'), /Go 1\.11 .*old format/, 'go 1.11');
  expectFormatError(() => readTraceHeader(Buffer.from('go 1.24 trace\0\0\0'), 't'), /unknown trace version go 1\.24/, 'go 1.24');
  expectFormatError(() => readTraceHeader(Buffer.from('go 1.31 trace\0\0\0'), 't'), /go 1\.31 is newer/, 'go 1.31');
  expectFormatError(() => readTraceHeader(Buffer.from('\x1f\x8b\x08\0\0\0\0\0\0\0\0\0\0\0\0\0', 'latin1'), 't'), /not a Go execution trace/, 'gzip');
  expectFormatError(() => readTraceHeader(Buffer.alloc(0), 't'), /not a Go execution trace|truncated trace header/, 'empty');
  expectFormatError(() => readTraceHeader(Buffer.from('go 1.2'), 't'), /truncated trace header/, 'short');
  for (const v of [22, 23, 25, 26]) assert.equal(readTraceHeader(Buffer.from(`go 1.${v} trace\0\0\0`)).version, v);
  // The header's version is a format version: named for what it is, with the Go releases that write it.
  assert.deepEqual(traceFormat('go1.23'), { version: 'go1.23', writtenBy: ['go1.23', 'go1.24'] });
  assert.equal(traceFormatText('go1.22'), 'format go1.22 (written by Go 1.22)');
  assert.equal(traceFormatText('go1.23'), 'format go1.23 (written by Go 1.23 or 1.24)');
  assert.equal(traceFormatText('go1.26'), 'format go1.26 (written by Go 1.26 or 1.27)');
  assert.equal(traceFormat('go1.24'), null);
  assert.equal(traceFormatText('go1.24'), 'format go1.24');
  assert.deepEqual(all(Buffer.from('go 1.26 trace\0\0\0')), [], 'a header alone is an empty trace');
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

test('random bytes, huge sizes and corrupted bytes never hang or escape as other errors', () => {
  const r = rng(42);
  const random = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
  expectFormatError(() => all(random(1 << 16)), /not a Go execution trace/, 'random bytes');
  for (const v of [22, 23, 25, 26]) {
    for (let i = 0; i < 20; i++) {
      expectFormatError(
        () => all(Buffer.concat([Buffer.from(`go 1.${v} trace\0\0\0`), random(1 + Math.floor(r() * 4096))])),
        /^x\.trace: byte \d+: /,
        `random body ${v}/${i}`,
      );
    }
  }
  const hdr = Buffer.from('go 1.26 trace\0\0\0');
  const uv = (n: bigint): number[] => {
    const out: number[] = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const batch = (size: bigint, tail: number[] = []): Buffer => Buffer.concat([hdr, Buffer.from([1, ...uv(1n), ...uv(3n), ...uv(100n), ...uv(size), ...tail])]);
  expectFormatError(() => all(batch(1n << 40n)), /byte 20: invalid batch size 1099511627776, maximum is 65536/, 'huge size');
  expectFormatError(() => all(batch((1n << 64n) - 2n)), /invalid batch size|out of range/, 'size near 2^64');
  expectFormatError(
    () => all(Buffer.concat([hdr, Buffer.from([1, 1, 3, 100, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])])),
    /varint overflow/,
    'varint overflow',
  );
  expectFormatError(() => all(batch(60000n, [9, 1])), /runs past the end of the file/, 'size past EOF');
  // A strings batch with a string longer than allowed, and a stack with too many frames.
  const cut = [4, 5, 1, 10, 65, 66];
  expectFormatError(
    () => all(batch(BigInt(cut.length), cut)),
    /x\.trace: byte 22: string 1 runs past the end of the batch at byte 16/,
    'string past batch end',
  );
  const strBatch = [4, 5, 1, ...uv(5000n)];
  expectFormatError(() => all(batch(BigInt(strBatch.length), strBatch)), /invalid string size 5000/, 'string too long');
  const stkBatch = [2, 3, 1, ...uv(1000n)];
  expectFormatError(() => all(batch(BigInt(stkBatch.length), stkBatch)), /invalid stack size 1000/, 'stack too deep');
});

test('single-byte corruptions of the real trace: parse or FormatError, fast', { skip: needGo }, () => {
  const r = rng(7);
  const t0 = performance.now();
  let errors = 0;
  for (let i = 0; i < 25; i++) {
    const c = Buffer.from(buf);
    const at = 16 + Math.floor(r() * (c.length - 16));
    c[at] = (c[at]! + 1 + Math.floor(r() * 255)) & 0xff;
    try {
      all(c);
    } catch (e) {
      assert.ok(e instanceof FormatError, `corrupt byte ${at}: ${String((e as Error).stack ?? e)}`);
      assert.ok(!e.message.includes('\n'));
      errors++;
    }
  }
  assert.ok(performance.now() - t0 < 10_000);
  assert.ok(errors >= 0);
});

// ---------------------------------------------------------------------------
// Go 1.22, 1.23 and 1.25 traces: Go's own reader tests keep hand-made traces in the
// text form of -d=wire (src/internal/trace/testdata/tests/*.test, txtar, "Trace Go1.NN").
// Encode them to bytes the way internal/trace/raw's Writer does, then read them.

function goUnquote(q: string): Buffer {
  assert.ok(q.startsWith('"') && q.endsWith('"'), `quoted data: ${q}`);
  const out: number[] = [];
  const body = q.slice(1, -1);
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const e = body[++i]!;
    if (e in simple) out.push(simple[e]!);
    else if (e === 'x') {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      out.push(...Buffer.from(String.fromCodePoint(parseInt(body.slice(i + 1, i + 1 + n), 16)), 'utf8'));
      i += n;
    } else {
      out.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    }
  }
  return Buffer.from(out);
}

function encodeTextTrace(text: string): Buffer {
  const types = new Map<string, number>();
  for (let t = 1; t < 64; t++) if (!eventName(t).startsWith('Invalid')) types.set(eventName(t), t);
  const lines = text.split('\n');
  const m = /^Trace Go1\.(\d+)$/.exec(lines[0]!.trim());
  assert.ok(m, `text trace header: ${lines[0]}`);
  const out: number[] = [...Buffer.from(`go 1.${m[1]} trace\0\0\0`, 'latin1')];
  const uv = (v: bigint): void => {
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
  };
  for (const raw of lines.slice(1)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    if (line.startsWith('data=')) {
      const d = goUnquote(line.slice(5).trim());
      uv(BigInt(d.length));
      out.push(...d);
      continue;
    }
    const [name, ...kvs] = line.split(/\s+/);
    const values = kvs.map((kv) => BigInt(kv.slice(kv.indexOf('=') + 1)));
    if (name!.startsWith('pc=')) {
      uv(BigInt(name!.slice(3)));
      values.forEach(uv);
      continue;
    }
    const t = types.get(name!);
    assert.ok(t !== undefined, `unknown event ${name}`);
    out.push(t);
    values.forEach(uv);
  }
  return Buffer.from(out);
}

function goRoot(): string | null {
  try {
    return execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8', env: goToolEnv() }).trim();
  } catch {
    return null;
  }
}

test("reads the Go 1.22, 1.23 and 1.25 traces of Go's own reader tests", { skip: needGo }, (t) => {
  const dir = path.join(goRoot() ?? '', 'src/internal/trace/testdata/tests');
  if (!existsSync(dir)) return t.skip(`no ${dir}`);
  const seen = new Set<number>();
  let n = 0;
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.test'))
    .sort()) {
    const txt = readFileSync(path.join(dir, name), 'utf8');
    const i = txt.indexOf('-- trace --\n');
    if (i < 0) continue;
    const bytes = encodeTextTrace(txt.slice(i + '-- trace --\n'.length).split('\n-- ')[0]!);
    const expectOK = /-- expect --\nSUCCESS/.test(txt);
    const header = readTraceHeader(bytes, name);
    const generations: Generation[] = [];
    try {
      for (const g of readGenerations(bytes, name)) generations.push(g);
    } catch (e) {
      // Go's reader also yields the complete generations before a framing error (< 1.26).
      assert.ok(!expectOK && e instanceof FormatError, `${name}: ${String(e)}`);
    }
    seen.add(header.version);
    assert.ok(generations.length > 0, name);
    const events = generations.reduce((k, g) => k + g.batches.reduce((j, b) => j + b.events, 0), 0);
    assert.ok(events > 0, name);
    // The FAILURE cases fail in Go's ordering layer (not implemented here).
    n++;
  }
  assert.ok(n >= 20, `read ${n} test traces`);
  assert.ok(seen.has(22), 'a Go 1.22 trace was read');
  t.diagnostic(`read ${n} test traces, versions ${[...seen].sort().join(', ')}`);
});
