// Tests for the pprof codec (src/formats/pprof): real profiles from the shared corpus and
// from testdata/go/profgen, exactness of 64-bit values against `go tool pprof`, and
// every class of bad input.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { goEnv } from './support/go.js';
import { FormatError } from '../src/errors.js';
import { checkInflatedSize } from '../src/formats/input.js';
import {
  addInt64,
  compareInt64,
  decodeProfile,
  emptyProfile,
  encodeProfile,
  equalInt64,
  indexProfile,
  int64ToNumber,
  int64ToString,
  negInt64,
  subInt64,
  sumInt64,
  type Int64,
  type Profile,
  type Sample,
} from '../src/formats/pprof/index.js';

// ---------- environment ----------

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const corpusDir = join(repoRoot, '../shared/corpus/pprof');
const haveCorpus = existsSync(corpusDir);
const corpusSkip = haveCorpus ? false : `corpus folder ${corpusDir} is absent`;
const haveGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
const goSkip = haveGo ? false : '`go` is not installed';

const work = mkdtempSync(join(tmpdir(), 'goscope-pprof-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const env = goEnv();

function corpus(name: string): Uint8Array {
  return readFileSync(join(corpusDir, name));
}

function pprof(...args: string[]): string {
  return execFileSync('go', ['tool', 'pprof', ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 << 20,
  });
}

let profgenDir: string | null = null;
/** Builds and runs testdata/go/profgen once; returns the directory with its profiles. */
function profgen(): string {
  if (profgenDir) return profgenDir;
  const src = join(repoRoot, 'testdata/go/profgen');
  const bin = join(work, 'profgen');
  execFileSync('go', ['build', '-o', bin, '.'], { cwd: src, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = join(work, 'profiles');
  execFileSync(bin, ['-out', out, '-cpu', '300ms'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  profgenDir = out;
  return out;
}

function tmpFile(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

/** Asserts `fn` throws a FormatError naming `input` and a byte offset, matching `re`. */
function throwsFormat(fn: () => unknown, input: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    const msg = (e as Error).message;
    assert.ok(msg.startsWith(`${input}: byte `), `message should name the input and a byte offset: ${msg}`);
    assert.match(msg, re);
    assert.ok(!msg.includes('\n'), 'one-line message');
    return true;
  });
}

// ---------- `go tool pprof -raw` oracle ----------

interface RawSample {
  values: string[];
  ids: string[];
  labels: string[];
}

/** The Samples section of `go tool pprof -raw`. */
function parseRawSamples(text: string): RawSample[] {
  const lines = text.split('\n');
  let i = lines.indexOf('Samples:');
  assert.ok(i >= 0, 'no Samples: section');
  i += 2; // skip the sample types line
  const out: RawSample[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^\s*(-?\d+(?:\s+-?\d+)*):((?:\s+\d+)*)\s*$/.exec(line);
    if (m) {
      out.push({ values: m[1]!.trim().split(/\s+/), ids: m[2]!.trim().split(/\s+/).filter(Boolean), labels: [] });
      continue;
    }
    if (/^\s{8,}\S/.test(line) && out.length > 0) {
      out[out.length - 1]!.labels.push(line.trim());
      continue;
    }
    break;
  }
  return out;
}

/** Renders a decoded sample the way google/pprof's Sample.string() does. */
function renderSample(s: Sample): RawSample {
  const str = new Map<string, string[]>();
  const num = new Map<string, string[]>();
  const units = new Map<string, string[]>();
  for (const l of s.labels) {
    if (l.str !== '') {
      if (!str.has(l.key)) str.set(l.key, []);
      str.get(l.key)!.push(l.str);
    } else {
      if (!num.has(l.key)) {
        num.set(l.key, []);
        units.set(l.key, []);
      }
      num.get(l.key)!.push(int64ToString(l.num));
      units.get(l.key)!.push(l.numUnit);
    }
  }
  const labels: string[] = [];
  if (str.size > 0) {
    labels.push(
      [...str]
        .map(([k, v]) => `${k}:[${v.join(' ')}]`)
        .sort()
        .join(' '),
    );
  }
  if (num.size > 0) {
    labels.push(
      [...num]
        .map(([k, v]) => {
          const u = units.get(k)!;
          return u.some((x) => x !== '') ? `${k}:[${v.map((x, i) => `${x} ${u[i]}`).join(' ')}]` : `${k}:[${v.join(' ')}]`;
        })
        .sort()
        .join(' '),
    );
  }
  return { values: s.values.map(int64ToString), ids: s.locationIds.map(int64ToString), labels };
}

function assertMatchesRaw(p: Profile, file: string): void {
  const raw = parseRawSamples(pprof('-raw', file));
  assert.equal(raw.length, p.samples.length, 'sample count');
  assert.deepEqual(p.samples.map(renderSample), raw);
}

function topLines(file: string): string[] {
  return pprof('-top', file).split('\n');
}

/** decode -> encode -> decode gives a deep-equal model; returns the encoded gzip bytes. */
function roundTrip(p: Profile): Uint8Array {
  const plain = encodeProfile(p);
  assert.deepEqual(decodeProfile(plain, 're-encoded'), p);
  const gz = encodeProfile(p, { gzip: true });
  assert.equal(gz[0], 0x1f);
  assert.deepEqual(decodeProfile(gz, 're-encoded.gz'), p);
  return gz;
}

// ---------- hand-built protobuf ----------

function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}
const fv = (field: number, v: number | bigint): number[] => [...varint(field * 8), ...varint(v)];
const fb = (field: number, body: number[]): number[] => [...varint(field * 8 + 2), ...varint(body.length), ...body];
const fs = (field: number, s: string): number[] => fb(field, [...Buffer.from(s, 'utf8')]);
const bytes = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());

/** A minimal valid profile: strings "", samples, count, main.f; one sample of value 5. */
function minimal(
  opts: { sample?: number[]; samples?: number[][]; location?: number[]; fn?: number[]; extraTop?: number[]; strings?: string[] } = {},
): Uint8Array {
  const strings = opts.strings ?? ['', 'samples', 'count', 'main.f'];
  const samples = opts.samples ?? [opts.sample ?? [...fb(1, [1]), ...fb(2, [5])]];
  return bytes(
    fb(1, [...fv(1, 1), ...fv(2, 2)]),
    ...samples.map((s) => fb(2, s)),
    fb(4, opts.location ?? [...fv(1, 1), ...fb(4, fv(1, 1))]),
    fb(5, opts.fn ?? [...fv(1, 1), ...fv(2, 3)]),
    ...strings.map((s) => fs(6, s)),
    opts.extraTop ?? [],
  );
}

/** A small hand-made model (valid). */
function model(): Profile {
  const p = emptyProfile();
  p.sampleTypes.push({ type: 'samples', unit: 'count' }, { type: 'space', unit: 'bytes' });
  p.periodType = { type: 'space', unit: 'bytes' };
  p.period = 1;
  p.mappings.push({
    id: 1,
    memoryStart: 0x400000,
    memoryLimit: 0xffffffffff601000n,
    fileOffset: 0,
    filename: '/bin/x',
    buildId: 'abc',
    hasFunctions: true,
    hasFilenames: true,
    hasLineNumbers: true,
    hasInlineFrames: true,
  });
  for (let i = 1; i <= 4; i++) {
    p.functions.push({ id: i, name: `main.f${i}`, systemName: `main.f${i}`, filename: 'x.go', startLine: 10 * i });
    p.locations.push({
      id: i,
      mappingId: 1,
      address: i === 4 ? 0xffffffffff600000n : 0x401000 + i,
      lines: [{ functionId: i, line: i, column: 0 }],
      isFolded: false,
    });
  }
  return p;
}

// ---------- Int64 helpers and varints ----------

test('Int64 helpers are exact across the 2^53 boundary', () => {
  const max = Number.MAX_SAFE_INTEGER;
  assert.equal(addInt64(max, 1), 9007199254740992n);
  assert.equal(addInt64(9007199254740992n, -1), max);
  assert.equal(typeof addInt64(9007199254740992n, -1), 'number');
  assert.equal(subInt64(-max, 2), -9007199254740993n);
  assert.equal(negInt64(-(2n ** 63n)), 2n ** 63n);
  assert.equal(negInt64(0), 0);
  assert.equal(sumInt64([max, 1, 1, -3]), max - 1);
  assert.equal(sumInt64([2n ** 63n - 1n, 1]), 2n ** 63n);
  assert.equal(compareInt64(9007199254740993n, max), 1);
  assert.equal(compareInt64(-5, 3n ** 40n), -1);
  assert.equal(compareInt64(7, 7), 0);
  assert.ok(equalInt64(5, 5n));
  assert.equal(int64ToString(-(2n ** 63n)), '-9223372036854775808');
  assert.equal(int64ToString(-5), '-5');
  assert.equal(int64ToNumber(2n ** 60n), 2 ** 60);
});

test('negative int64 values decode as negative numbers (not 2^64 - n)', () => {
  // value -5 as a 10-byte two's complement varint: fb ff ff ff ff ff ff ff ff 01
  const ten = varint(-5);
  assert.deepEqual(ten, [0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  const packed = decodeProfile(minimal({ sample: [...fb(1, [1]), ...fb(2, ten)] }), 'neg.pb');
  assert.deepEqual(packed.samples[0]!.values, [-5]);
  const unpacked = decodeProfile(minimal({ sample: [...fv(1, 1), ...fv(2, -5)] }), 'neg.pb');
  assert.deepEqual(unpacked.samples[0]!.values, [-5]);
  const edge = [-1, -(2 ** 53) + 1, -(2n ** 53n), -(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n, 2 ** 53 - 1, 2 ** 49, 2 ** 49 - 1, 2n ** 56n + 3n];
  const p = decodeProfile(minimal({ samples: edge.map((v) => [...fb(1, [1]), ...fb(2, varint(v))]) }), 'edge.pb');
  // Canonical form: numbers when safe, bigints otherwise, exact either way.
  assert.deepEqual(
    p.samples.flatMap((s) => s.values),
    [-1, -(2 ** 53) + 1, -(2n ** 53n), -(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n, 2 ** 53 - 1, 2 ** 49, 2 ** 49 - 1, 2n ** 56n + 3n],
  );
});

test('packed and unpacked repeated fields decode alike; unknown fields of every wire type are skipped', () => {
  const unknown = [
    ...fv(40, 123456789012345n), // varint
    ...varint(41 * 8 + 1),
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8, // fixed64
    ...fs(42, 'ignored'), // length-delimited
    ...varint(43 * 8 + 5),
    1,
    2,
    3,
    4, // fixed32
  ];
  const packed = decodeProfile(minimal({ sample: [...fb(1, [1, 1]), ...fb(2, [5])], extraTop: fb(13, [1, 2]) }), 'packed.pb');
  const unpacked = decodeProfile(
    minimal({
      sample: [...fv(1, 1), ...unknown, ...fv(1, 1), ...fv(2, 5)],
      location: [...unknown, ...fv(1, 1), ...fb(4, [...unknown, ...fv(1, 1)])],
      fn: [...fv(1, 1), ...unknown, ...fv(2, 3)],
      extraTop: [...unknown, ...fv(13, 1), ...fv(13, 2)],
    }),
    'unpacked.pb',
  );
  assert.deepEqual(unpacked, packed);
  assert.deepEqual(packed.samples[0], { locationIds: [1, 1], values: [5], labels: [] });
  assert.deepEqual(packed.comments, ['samples', 'count']);
  assert.equal(packed.functions[0]!.name, 'main.f');
  // Mixed: one packed run and one unpacked value append to the same list.
  const mixed = decodeProfile(minimal({ sample: [...fb(1, [1]), ...fv(1, 1), ...fv(2, 5)] }), 'mixed.pb');
  assert.deepEqual(mixed.samples[0]!.locationIds, [1, 1]);
});

// ---------- 64-bit exactness against go tool pprof ----------

test('values beyond 2^53 and int64 extremes round-trip and match go tool pprof -raw', { skip: goSkip }, () => {
  const p = model();
  p.samples.push(
    {
      locationIds: [1],
      values: [2n ** 63n - 1n, -5],
      labels: [
        { key: 'request_size', str: '', num: 1024, numUnit: 'bytes' },
        { key: 'k', str: 'v', num: 0, numUnit: '' },
      ],
    },
    { locationIds: [2], values: [-(2n ** 63n), 2n ** 53n + 1n], labels: [] },
    { locationIds: [3, 4], values: [-1, Number.MAX_SAFE_INTEGER], labels: [] },
  );
  const back = decodeProfile(encodeProfile(p), 'big.pb');
  const gz = roundTrip(back);
  assert.deepEqual(
    back.samples.map((s) => s.values),
    [
      [2n ** 63n - 1n, -5],
      [-(2n ** 63n), 2n ** 53n + 1n],
      [-1, Number.MAX_SAFE_INTEGER],
    ],
  );
  assert.equal(back.mappings[0]!.memoryLimit, 0xffffffffff601000n);
  assert.equal(back.locations[3]!.address, 0xffffffffff600000n);
  const file = tmpFile('big.pb.gz', gz);
  const raw = pprof('-raw', file);
  assertMatchesRaw(back, file);
  assert.match(raw, /^\s+9223372036854775807\s+-5: 1 $/m);
  assert.match(raw, /^\s+-9223372036854775808\s+9007199254740993: 2 $/m);
  assert.match(raw, /request_size:\[1024 bytes\]/);
  assert.match(raw, /0xffffffffff600000 M=1 main\.f4/);
  assert.match(raw, /^1: 0x400000\/0xffffffffff601000\/0x0 \/bin\/x abc/m);
});

test('out-of-range Int64 values are refused by the encoder', () => {
  const p = model();
  p.samples.push({ locationIds: [1], values: [2n ** 64n, 0], labels: [] });
  assert.throws(() => encodeProfile(p), RangeError);
  p.samples[0]!.values = [2 ** 60, 0]; // unsafe number: must be a bigint
  assert.throws(() => encodeProfile(p), RangeError);
});

// ---------- corpus ----------

test('corpus: large.cpu decodes, round-trips, and re-encodes to identical go tool pprof -top', { skip: corpusSkip }, () => {
  const bytesIn = corpus('large.cpu.pb.gz');
  const p = decodeProfile(bytesIn, 'large.cpu.pb.gz');
  assert.deepEqual(p.sampleTypes, [
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  assert.equal(p.samples.length, 20430);
  assert.equal(p.functions.length, 23038);
  assert.equal(p.locations.length, 23355);
  assert.equal(p.stringTable[0], '');
  const idx = indexProfile(p);
  for (const s of p.samples) for (const id of s.locationIds) assert.ok(idx.locations.has(id));
  const gz = roundTrip(p);
  if (haveGo) {
    const file = tmpFile('large.re.pb.gz', gz);
    assert.deepEqual(topLines(file), topLines(join(corpusDir, 'large.cpu.pb.gz')));
  }
  // Linear time: generous bound that still catches quadratic behaviour.
  const raw = gunzipSync(bytesIn);
  const t0 = performance.now();
  decodeProfile(raw, 'large.cpu');
  assert.ok(performance.now() - t0 < 2000, 'decoding large.cpu took over 2 s');
});

for (const name of ['sample.cpu.pb.gz', 'go.nomappings.crash.pb.gz']) {
  test(`corpus: ${name} decodes exactly as go tool pprof -raw shows, round-trips, -top identical`, { skip: corpusSkip }, () => {
    const p = decodeProfile(corpus(name), name);
    assert.ok(p.samples.length > 0);
    const gz = roundTrip(p);
    if (!haveGo) return;
    const orig = join(corpusDir, name);
    assertMatchesRaw(p, orig);
    assert.deepEqual(topLines(tmpFile(name.replace('.pb.gz', '.re.pb.gz'), gz)), topLines(orig));
  });
}

test('corpus: legacy profiles and the fuzz crasher give clear FormatErrors', { skip: corpusSkip }, () => {
  for (const name of ['legacy-go.crc32.cpu', 'legacy-gobench.heap']) {
    throwsFormat(
      () => decodeProfile(corpus(name), name),
      name,
      /legacy \(pre-protobuf\) profile format is not supported \(convert it with `go tool pprof -proto FILE > out\.pb\.gz`\)/,
    );
    // Also when gzipped.
    throwsFormat(() => decodeProfile(gzipSync(corpus(name)), name + '.gz'), name + '.gz', /legacy \(pre-protobuf\)/);
  }
  throwsFormat(() => decodeProfile(corpus('fuzz-crasher.bin'), 'fuzz-crasher.bin'), 'fuzz-crasher.bin', /./);
});

// ---------- profiles written by Go (testdata/go/profgen) ----------

test('profgen: goroutine profile labels (pprof.Do) decode exactly', { skip: goSkip }, () => {
  const file = join(profgen(), 'goroutine.pb.gz');
  const p = decodeProfile(readFileSync(file), 'goroutine.pb.gz');
  assert.deepEqual(p.sampleTypes, [{ type: 'goroutine', unit: 'count' }]);
  const labelSets = p.samples
    .map((s) =>
      s.labels
        .map((l) => `${l.key}=${l.str}`)
        .sort()
        .join(','),
    )
    .filter(Boolean)
    .sort();
  assert.deepEqual(labelSets, ['role=parked,worker=w0', 'role=parked,worker=w1', 'role=parked,worker=w2', 'role=sleeper']);
  for (const s of p.samples) for (const l of s.labels) assert.deepEqual([l.num, l.numUnit], [0, '']);
  assertMatchesRaw(p, file);
  assert.deepEqual(topLines(tmpFile('goroutine.re.pb.gz', roundTrip(p))), topLines(file));
});

test('profgen: heap profile numeric labels ("bytes") decode exactly', { skip: goSkip }, () => {
  const file = join(profgen(), 'heap.pb.gz');
  const p = decodeProfile(readFileSync(file), 'heap.pb.gz');
  assert.deepEqual(
    p.sampleTypes.map((t) => `${t.type}/${t.unit}`),
    ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes'],
  );
  assert.equal(p.defaultSampleType, '');
  const numeric = p.samples.flatMap((s) => s.labels).filter((l) => l.key === 'bytes');
  assert.ok(numeric.length > 0, 'heap samples carry the "bytes" label');
  for (const l of numeric) {
    assert.equal(l.str, '');
    assert.ok(typeof l.num === 'number' && l.num > 0);
  }
  assertMatchesRaw(p, file);
  assert.deepEqual(topLines(tmpFile('heap.re.pb.gz', roundTrip(p))), topLines(file));
});

test('profgen: CPU (with pprof.Do labels), mutex and block profiles round-trip with identical -top', { skip: goSkip }, () => {
  const dir = profgen();
  const expectTypes: Record<string, string[]> = {
    'cpu.pb.gz': ['samples/count', 'cpu/nanoseconds'],
    'mutex.pb.gz': ['contentions/count', 'delay/nanoseconds'],
    'block.pb.gz': ['contentions/count', 'delay/nanoseconds'],
  };
  for (const [name, types] of Object.entries(expectTypes)) {
    const file = join(dir, name);
    const p = decodeProfile(readFileSync(file), name);
    assert.deepEqual(
      p.sampleTypes.map((t) => `${t.type}/${t.unit}`),
      types,
      name,
    );
    assert.ok(p.samples.length > 0, `${name} has samples`);
    if (name === 'cpu.pb.gz') {
      assert.ok(p.samples.some((s) => s.labels.some((l) => l.key === 'phase' && l.str === 'cpu.pb.gz')));
      assert.ok(int64ToNumber(p.durationNanos) > 0);
      assert.deepEqual(p.periodType, { type: 'cpu', unit: 'nanoseconds' });
    }
    assertMatchesRaw(p, file);
    assert.deepEqual(topLines(tmpFile(name.replace('.pb.gz', '.re.pb.gz'), roundTrip(p))), topLines(file), name);
  }
});

test('diff profile (go tool pprof -diff_base): negative values decode exactly', { skip: goSkip }, () => {
  const dir = profgen();
  const diff = execFileSync('go', ['tool', 'pprof', '-proto', `-diff_base=${join(dir, 'cpu.pb.gz')}`, join(dir, 'cpu2.pb.gz')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const file = tmpFile('diff.pb.gz', diff);
  const p = decodeProfile(diff, 'diff.pb.gz');
  const negatives = p.samples.filter((s) => s.values.some((v) => compareInt64(v, 0) < 0));
  assert.ok(negatives.length > 0, 'the diff has negative samples');
  for (const s of negatives) {
    for (const v of s.values) assert.equal(typeof v, 'number', 'small negatives are plain numbers');
    assert.ok(s.labels.some((l) => l.key === 'pprof::base' && l.str === 'true'));
  }
  // Base and new totals: the diff's sum is new - base.
  const cpuIdx = 1;
  const base = decodeProfile(readFileSync(join(dir, 'cpu.pb.gz')), 'cpu.pb.gz');
  const next = decodeProfile(readFileSync(join(dir, 'cpu2.pb.gz')), 'cpu2.pb.gz');
  const total = (q: Profile): Int64 => sumInt64(q.samples.map((s) => s.values[cpuIdx]!));
  assert.equal(total(p), subInt64(total(next), total(base)));
  assertMatchesRaw(p, file);
  assert.deepEqual(topLines(tmpFile('diff.re.pb.gz', roundTrip(p))), topLines(file));
});

// ---------- bad inputs ----------

test('empty input', () => {
  throwsFormat(() => decodeProfile(new Uint8Array(0), 'empty.pb'), 'empty.pb', /empty input/);
  throwsFormat(() => decodeProfile(gzipSync(new Uint8Array(0)), 'empty.pb.gz'), 'empty.pb.gz', /empty input/);
});

test('truncated protobuf: every cut point fails cleanly; interior cuts are rejected', { skip: corpusSkip }, () => {
  const raw = gunzipSync(corpus('sample.cpu.pb.gz'));
  for (let cut = 1; cut < raw.length; cut++) {
    try {
      decodeProfile(raw.subarray(0, cut), 'cut.pb');
    } catch (e) {
      assert.ok(e instanceof FormatError, `cut at ${cut}: ${String(e)}`);
      assert.match((e as Error).message, /^cut\.pb: byte \d+/);
    }
  }
  for (const cut of [1, 2, 7, 100, Math.floor(raw.length / 3), Math.floor(raw.length / 2), raw.length - 1]) {
    throwsFormat(() => decodeProfile(raw.subarray(0, cut), 'cut.pb'), 'cut.pb', /truncated|string index|not a pprof profile|does not exist|expected/);
  }
  throwsFormat(() => decodeProfile(raw.subarray(0, raw.length - 1), 'cut.pb'), 'cut.pb', /truncated data/);
  throwsFormat(
    () => decodeProfile(raw.subarray(0, 3), 'cut.pb'),
    'cut.pb',
    /^cut\.pb: byte 1: truncated data: length \d+ exceeds the 1 byte left in the input/,
  );
});

test('truncated and corrupt gzip', { skip: corpusSkip }, () => {
  const gz = corpus('sample.cpu.pb.gz');
  for (const cut of [gz.length >> 1, gz.length - 4, 12]) {
    throwsFormat(() => decodeProfile(gz.subarray(0, cut), 'cut.pb.gz'), 'cut.pb.gz', /truncated gzip data/);
  }
  const bad = Uint8Array.from(gz);
  bad[3] = 0xff; // reserved flag bits
  bad[20]! ^= 0xff;
  throwsFormat(() => decodeProfile(bad, 'bad.pb.gz'), 'bad.pb.gz', /gzip/);
});

test('gzip bomb is stopped at maxInflatedBytes', () => {
  const bomb = gzipSync(new Uint8Array(64 << 20));
  assert.ok(bomb.length < 1 << 20);
  throwsFormat(
    () => decodeProfile(bomb, 'bomb.pb.gz', { maxInflatedBytes: 16 << 20 }),
    'bomb.pb.gz',
    /decompressed size exceeds 16777216 bytes \(possible gzip bomb\)/,
  );
});

test('the gzip trailer (ISIZE) only sizes the output buffer: a lying one neither breaks decoding nor lifts the cap', { skip: corpusSkip }, async () => {
  const gz = Buffer.from(corpus('sample.cpu.pb.gz'));
  const want = decodeProfile(gz, 'ok.pb.gz');
  for (const isize of [0, 7, 0xffffffff]) {
    const lying = Buffer.from(gz);
    lying.writeUInt32LE(isize, lying.length - 4);
    // zlib checks ISIZE only after the last byte: a wrong one is a corrupt stream, never a wrong profile.
    let got: unknown;
    try {
      got = decodeProfile(lying, 'lying.pb.gz');
    } catch (e) {
      got = e;
    }
    assert.ok(
      got instanceof FormatError ||
        JSON.stringify(got, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) === JSON.stringify(want, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      String(got),
    );
  }
  const bomb = Buffer.from(gzipSync(new Uint8Array(64 << 20)));
  bomb.writeUInt32LE(100, bomb.length - 4); // claims 100 bytes
  throwsFormat(() => decodeProfile(bomb, 'bomb.pb.gz', { maxInflatedBytes: 16 << 20 }), 'bomb.pb.gz', /possible gzip bomb/);
  // The streaming check finds the same bomb without inflating it in memory.
  await assert.rejects(
    checkInflatedSize(bomb, 'bomb.pb.gz', 16 << 20),
    /bomb\.pb\.gz: byte 16777216 of the decompressed data: decompressed size exceeds 16777216 bytes \(possible gzip bomb\) \(set GOSCOPE_MAX_INFLATE=32MiB to allow more\)/,
  );
  await checkInflatedSize(gz, 'ok.pb.gz', 16 << 20);
});

test('bogus length prefixes', () => {
  // Top level: a sample claiming 2^32 bytes, and one claiming 2^63.
  throwsFormat(
    () => decodeProfile(bytes(fs(6, ''), [0x12, ...varint(2 ** 32)], [1, 2, 3]), 'len.pb'),
    'len.pb',
    /^len\.pb: byte 3: truncated data: length 4294967296 exceeds the 3 bytes left/,
  );
  throwsFormat(() => decodeProfile(bytes(fs(6, ''), [0x12, ...varint(2n ** 63n)]), 'len.pb'), 'len.pb', /truncated data: length prefix ≥ 2\^53/);
  // Nested: a line longer than its location.
  throwsFormat(
    () => decodeProfile(minimal({ location: [...fv(1, 1), 0x22, 50, 8, 1] }), 'nested.pb'),
    'nested.pb',
    /truncated data: length 50 exceeds the 2 bytes left in the enclosing message/,
  );
  // Packed values running past their field.
  throwsFormat(() => decodeProfile(minimal({ sample: [...fb(1, [1]), ...fb(2, [0x85])] }), 'packed.pb'), 'packed.pb', /truncated data/);
  throwsFormat(() => decodeProfile(minimal({ sample: [...fb(1, [0x81]), ...fb(2, [5])] }), 'packed.pb'), 'packed.pb', /truncated data/);
});

test('malformed varints and wire types', () => {
  throwsFormat(() => decodeProfile(minimal({ sample: [...fb(1, [1]), 0x10, ...Array(10).fill(0xff), 0x01] }), 'v.pb'), 'v.pb', /longer than 10 bytes/);
  throwsFormat(() => decodeProfile(minimal({ sample: [...fb(1, [1]), 0x10, ...Array(9).fill(0xff), 0x02] }), 'v.pb'), 'v.pb', /overflows 64 bits/);
  throwsFormat(() => decodeProfile(minimal({ extraTop: [...varint(20 * 8 + 3), 0] }), 'g.pb'), 'g.pb', /groups \(wire type 3\)/);
  throwsFormat(() => decodeProfile(minimal({ extraTop: [...varint(20 * 8 + 4)] }), 'g.pb'), 'g.pb', /end-group/);
  throwsFormat(
    () => decodeProfile(minimal({ fn: [...fv(1, 1), ...fs(2, 'main.f')] }), 'wt.pb'),
    'wt.pb',
    /function\.name \(field 2\) has wire type length-delimited, expected varint/,
  );
});

test('not a pprof profile', () => {
  // Another protobuf message (field 1 as a varint), random bytes, no string table, text.
  throwsFormat(
    () => decodeProfile(Uint8Array.from([0x08, 0x96, 0x01]), 'other.pb'),
    'other.pb',
    /not a pprof profile: Profile\.sample_type \(field 1\) has wire type varint/,
  );
  throwsFormat(() => decodeProfile(bytes(fs(20, 'hello'), fv(21, 7)), 'other.pb'), 'other.pb', /not a pprof profile: it has no string table/);
  throwsFormat(() => decodeProfile(bytes(fs(6, 'x')), 'other.pb'), 'other.pb', /not a pprof profile: string_table\[0\] must be ""/);
  throwsFormat(
    () => decodeProfile(Buffer.from('goroutine 1 [running]:\nmain.main()\n\t/x.go:3 +0x1\n'), 'dump.txt'),
    'dump.txt',
    /not a pprof profile: the input is text starting "goroutine 1 \[running\]:"/,
  );
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 16;
  };
  for (let i = 0; i < 200; i++) {
    const junk = Uint8Array.from({ length: 1 + (rnd() % 300) }, () => rnd() & 0xff);
    assert.throws(() => decodeProfile(junk, 'junk.bin'), FormatError);
  }
  throwsFormat(() => decodeProfile(Uint8Array.from([0x1e, 0x00, 0x6f]), 'junk.bin'), 'junk.bin', /not a pprof profile/);
});

test('string index out of range', () => {
  throwsFormat(
    () => decodeProfile(minimal({ fn: [...fv(1, 1), ...fv(2, 7)] }), 'str.pb'),
    'str.pb',
    /string index 7 out of range \(the string table has 4 entries\)/,
  );
  throwsFormat(() => decodeProfile(minimal({ fn: [...fv(1, 1), ...fv(2, -1)] }), 'str.pb'), 'str.pb', /string index -1 out of range/);
  throwsFormat(() => decodeProfile(minimal({ extraTop: fv(14, 99) }), 'str.pb'), 'str.pb', /string index 99 out of range/);
  throwsFormat(
    () => decodeProfile(minimal({ sample: [...fb(1, [1]), ...fb(2, [5]), ...fb(3, [...fv(1, 1), ...fv(2, 2n ** 60n)])] }), 'str.pb'),
    'str.pb',
    /string index 1152921504606846976 out of range/,
  );
  // Offsets point at the bad field: string index 7 sits right after fn's "id" field.
  const data = minimal({ fn: [...fv(1, 1), ...fv(2, 7)] });
  const at = data.length - ['', 'samples', 'count', 'main.f'].reduce((n, s) => n + 2 + s.length, 0) - 1;
  throwsFormat(() => decodeProfile(data, 'str.pb'), 'str.pb', new RegExp(`^str\\.pb: byte ${at}: `));
});

test('dangling ids, duplicate ids and value counts', () => {
  const dangling = (mutate: (p: Profile) => void, re: RegExp): void => {
    const p = model();
    p.samples.push({ locationIds: [1, 2], values: [1, 2], labels: [] });
    mutate(p);
    throwsFormat(() => decodeProfile(encodeProfile(p, { gzip: true }), 'bad.pb.gz'), 'bad.pb.gz', re);
  };
  dangling((p) => p.samples[0]!.locationIds.push(99), /sample refers to location id 99, which does not exist/);
  dangling((p) => (p.samples[0]!.locationIds = [2n ** 64n - 1n]), /location id 18446744073709551615/);
  dangling((p) => (p.locations[0]!.mappingId = 7), /location refers to mapping id 7/);
  dangling((p) => (p.locations[1]!.lines[0]!.functionId = 8), /location line refers to function id 8/);
  dangling((p) => p.locations.push({ ...p.locations[0]!, lines: [] }), /duplicate location id 1/);
  dangling((p) => p.functions.push({ ...p.functions[0]!, id: 0 }), /function has id 0/);
  dangling((p) => (p.samples[0]!.values = [1]), /sample has 1 value, expected 2/);
  dangling((p) => (p.sampleTypes = []), /sample has 2 values but the profile has no sample types/);
  // Offsets are relative to the decompressed data and say so.
  dangling((p) => p.samples[0]!.locationIds.push(99), /^bad\.pb\.gz: byte \d+ of the decompressed data: /);
  // Sparse (non-dense) ids go through the Set path and are still checked.
  const p = model();
  p.locations[0]!.id = 2n ** 62n;
  p.samples.push({ locationIds: [2n ** 62n, 2], values: [1, 2], labels: [] });
  assert.deepEqual(decodeProfile(encodeProfile(p), 'sparse.pb').samples[0]!.locationIds, [2n ** 62n, 2]);
  p.samples[0]!.locationIds.push(1);
  throwsFormat(() => decodeProfile(encodeProfile(p), 'sparse.pb'), 'sparse.pb', /location id 1, which does not exist/);
});

test('adversarial shapes stay linear', () => {
  // One sample split into 200k packed runs of one id each (appending them with concat
  // would be quadratic).
  const runs = 200_000;
  const sample: number[] = [];
  for (let i = 0; i < runs; i++) sample.push(0x0a, 1, 1);
  sample.push(...fb(2, [5]));
  const t0 = performance.now();
  const p = decodeProfile(minimal({ sample }), 'runs.pb');
  assert.equal(p.samples[0]!.locationIds.length, runs);
  assert.ok(performance.now() - t0 < 2000, 'decoding 200k packed runs took over 2 s');
  // Samples without sample types are rejected (as google/pprof does).
  throwsFormat(() => decodeProfile(bytes(fb(2, []), fs(6, '')), 'notypes.pb'), 'notypes.pb', /sample has 0 values but the profile has no sample types/);
});

test('random corruption of a real profile never escapes as a non-FormatError', { skip: corpusSkip }, () => {
  const raw = gunzipSync(corpus('sample.cpu.pb.gz'));
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 8;
  };
  for (let i = 0; i < 3000; i++) {
    const data = Uint8Array.from(raw);
    const flips = 1 + (rnd() % 4);
    for (let j = 0; j < flips; j++) data[rnd() % data.length] = rnd() & 0xff;
    try {
      decodeProfile(data, 'mutant.pb');
    } catch (e) {
      assert.ok(e instanceof FormatError, `mutant ${i}: ${String(e)}`);
    }
  }
});

test('encoding keeps the original string table and appends new strings', () => {
  const p = decodeProfile(minimal({ strings: ['', 'samples', 'count', 'main.f', 'unused'] }), 'st.pb');
  assert.deepEqual(p.stringTable, ['', 'samples', 'count', 'main.f', 'unused']);
  p.functions[0]!.name = 'main.g';
  const q = decodeProfile(encodeProfile(p), 'st2.pb');
  assert.deepEqual(q.stringTable, ['', 'samples', 'count', 'main.f', 'unused', 'main.g']);
  assert.equal(q.functions[0]!.name, 'main.g');
  // A model built by hand with an empty table gets "" at index 0.
  const m = model();
  m.stringTable = [];
  m.samples.push({ locationIds: [1], values: [1, 2], labels: [{ key: 'k', str: 'ü∑', num: 0, numUnit: '' }] });
  const r = decodeProfile(encodeProfile(m), 'hand.pb');
  assert.equal(r.stringTable[0], '');
  assert.equal(r.samples[0]!.labels[0]!.str, 'ü∑');
});
