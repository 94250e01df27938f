// The flame graph's data block and the page's tree, in Node: src/shared/ is what the page
// runs, so the decoder and the sandwich view are tested here without a browser. Trees
// come from real profiles (testdata/go/profgen, the corpus) and from small stacks; the
// sandwich is checked against the stacks themselves.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needGo, repoRoot } from './support/go.js';
import { profgen } from './support/pprof.js';
import { decodeProfile } from '../src/formats/pprof/index.js';
import { sampleStacks } from '../src/analysis/profile/stacks.js';
import { jsonForScript } from '../src/report/html.js';
import { buildFlameTree, flameNodeCount, flamePath, type FlameStack, type FlameTree } from '../src/shared/flame-tree.js';
import { flameData, parseFlameData, viewTreeOfData, type FlameData } from '../src/shared/flame-data.js';
import { decodeInts, decodeNumbers, encodeFixedVarints, encodeNumbers, encodeVarints } from '../src/shared/varint.js';
import { nodeName, viewOfFlameTree, type ViewTree } from '../src/shared/view-tree.js';
import { outermost, sandwich } from '../src/shared/sandwich.js';

const corpus = join(repoRoot, '../shared/corpus/pprof/large.cpu.pb.gz');
const corpusSkip = existsSync(corpus) ? false : `corpus file ${corpus} is absent`;

const stacks: Record<string, FlameStack[]> = {};
before(async () => {
  if (needGo) return;
  const dir = await profgen('-cpu', '300ms', '-extra');
  const load = (file: string, index: number) => sampleStacks(decodeProfile(readFileSync(join(dir, file)), file), { sampleIndex: String(index) }).stacks;
  stacks.cpu = load('cpu.pb.gz', 1);
  stacks.cpu2 = load('cpu2.pb.gz', 1);
  stacks.heap = load('heap.pb.gz', 1);
  stacks.deep = load('deep.pb.gz', 1);
  stacks.mutex = load('mutex.pb.gz', 1);
});

/** JSON.stringify's text, escaped as jsonForScript escapes it. */
function stringifiedForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** The block as the page reads it: through the report's JSON writer and the page's parser. */
function roundTrip(tree: FlameTree, title = 't'): { data: FlameData; text: string; view: ViewTree } {
  const block = flameData({ title, unit: 'nanoseconds', sampleType: 'cpu', tree });
  const text = jsonForScript(block);
  // The encoded columns go in as they are; the text is still what JSON.stringify writes.
  assert.equal(text, stringifiedForScript(block));
  const data = parseFlameData(text);
  return { data, text, view: viewTreeOfData(data) };
}

/** The page's tree has every column of the Node tree, value for value. */
function assertSameTree(v: ViewTree, t: FlameTree): void {
  assert.equal(v.n, flameNodeCount(t));
  assert.deepEqual(v.names, t.names);
  // Per node through nameOf first: the fixed-width name indexes are read undecoded.
  for (let i = 0; i < v.n; i++) if (v.nameOf(i) !== t.nameIdx[i]) assert.fail(`nameOf(${i}) = ${v.nameOf(i)}, not ${t.nameIdx[i]}`);
  assert.deepEqual(v.nameIdx, t.nameIdx);
  assert.deepEqual(v.parent, t.parent);
  assert.deepEqual(v.firstChild, t.firstChild);
  assert.deepEqual(v.childCount, t.childCount);
  assert.deepEqual(v.self, t.self);
  assert.deepEqual(v.total, t.total, 'totals summed as Node sums them (bit for bit)');
  assert.deepEqual(v.baseSelf, t.baseSelf);
  assert.deepEqual(v.baseTotal, t.baseTotal);
  if (t.baseTotal)
    assert.deepEqual(
      v.weight,
      t.total.map((x, i) => x + t.baseTotal![i]!),
    );
  else assert.deepEqual(v.weight, t.total);
}

test('varints: exact from 0 to 2^53 - 1; anything else is written as numbers', () => {
  const values = [0, 1, 31, 32, 1023, 1024, 2 ** 25 + 3, 2 ** 30 - 1, 2 ** 30, 2 ** 31 - 1, 2 ** 31 + 5, 2 ** 40 + 7, 2 ** 52 + 1, Number.MAX_SAFE_INTEGER];
  const f = Float64Array.from(values);
  const text = encodeVarints(f)!.text;
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeNumbers(text, values.length), f);
  const small = Int32Array.from(values.filter((v) => v < 2 ** 31));
  assert.deepEqual(decodeInts(encodeVarints(small)!.text, small.length, 0), small);
  const below = small.filter((v) => v < 2 ** 31 - 1);
  assert.deepEqual(decodeInts(encodeVarints(below, 1)!.text, below.length, -1), below, 'stored + 1, read - 1');
  for (const bad of [-1, 0.5, 2 ** 53, NaN, Infinity]) {
    assert.equal(encodeVarints(Float64Array.of(1, bad)), null, `${bad}`);
    assert.deepEqual(encodeNumbers(Float64Array.of(1, bad)), [1, bad]);
  }
  // Fixed width: every value in `width` digits, readable at i * width.
  const ids = Int32Array.from({ length: 2000 }, (_, i) => (i * 7919) % 1500);
  const fixed = encodeFixedVarints(ids, 1);
  assert.equal(fixed.width, 3, '1501 needs 3 digits of 5 bits');
  assert.equal(fixed.text.text.length, ids.length * 3);
  assert.deepEqual(decodeInts(fixed.text.text, ids.length, -1), ids);
});

test('varints: malformed text is refused, never read as other numbers', () => {
  const ok = encodeVarints(Int32Array.of(5, 1000, 7))!.text;
  assert.deepEqual(decodeInts(ok, 3, 0), Int32Array.of(5, 1000, 7));
  for (const [text, n] of [
    [ok, 2],
    [ok, 4],
    [ok + 'g', 3],
    [ok.slice(0, -1) + '!', 3],
    [ok.slice(0, 2) + 'é' + ok.slice(2), 3],
    ['gggggggA', 1],
  ] as const) {
    assert.throws(() => decodeInts(text, n, 0), /malformed/, `${JSON.stringify(text)} as ${n} values`);
  }
  assert.throws(() => decodeNumbers(ok, 2), /malformed/);
  assert.throws(() => decodeNumbers([1, 2], 3), /malformed/);
});

test('data block of small trees: varints, JSON numbers for non-integers, diff sides; the page reads the same tree', () => {
  const cases: [string, FlameTree][] = [
    [
      'integers',
      buildFlameTree([
        { frames: ['a', 'b'], value: 3 },
        { frames: ['a', 'c'], value: 5 },
        { frames: [], value: 1 },
      ]),
    ],
    [
      'non-integers',
      buildFlameTree([
        { frames: ['a', 'b'], value: 0.1 },
        { frames: ['a', 'c'], value: 0.2 },
        { frames: ['a'], value: 0.3 },
      ]),
    ],
    ['large', buildFlameTree([0, 1, 31, 32, 2 ** 30, 2 ** 31 + 5, 2 ** 40 + 7, 2 ** 52 + 1].map((v, i) => ({ frames: ['m', `f${i}`], value: v })))],
    [
      'diff',
      buildFlameTree(
        [
          { frames: ['a', 'b'], value: 5 },
          { frames: ['a', 'c'], value: -4 },
        ],
        { base: [{ frames: ['d'], value: 2 }] },
      ),
    ],
    ['root only', buildFlameTree([{ frames: [], value: 7 }])],
    ['empty', buildFlameTree([])],
  ];
  for (const [what, tree] of cases) {
    const { data, text, view } = roundTrip(tree, `</script>${what}`);
    assert.deepEqual(parseFlameData(text), JSON.parse(text), `${what}: the fast parse equals JSON.parse`);
    assert.ok(!text.includes('</script'), 'no markup in the block');
    assert.equal(data.title, `</script>${what}`);
    assertSameTree(view, tree);
  }
  const nonInt = roundTrip(cases[1]![1]).data;
  assert.ok(Array.isArray(nonInt.self) && typeof nonInt.childCount === 'string', 'non-integer selfs as JSON numbers, counts as varints');
});

test('the page parses a block whose keys come in another order (JSON.parse fallback)', () => {
  const tree = buildFlameTree([
    { frames: ['a', 'b'], value: 3 },
    { frames: ['a', 'c'], value: 5 },
  ]);
  const d = flameData({ title: 'x', unit: 'count', sampleType: 's', tree });
  const reordered = JSON.stringify({
    nameIdx: d.nameIdx,
    v: 1,
    self: d.self,
    names: d.names,
    childCount: d.childCount,
    baseSelf: null,
    title: 'x',
    unit: 'count',
    sampleType: 's',
  });
  assertSameTree(viewTreeOfData(parseFlameData(reordered)), tree);
});

test('a block that breaks the layout is refused with a message', () => {
  const tree = buildFlameTree([
    { frames: ['a', 'b'], value: 3 },
    { frames: ['a', 'c'], value: 5 },
  ]);
  const d = JSON.parse(jsonForScript(flameData({ title: 'x', unit: 'count', sampleType: 's', tree }))) as FlameData;
  const child = decodeInts(d.childCount, d.n!, 0);
  const variant = (patch: Partial<FlameData>) => ({ ...d, ...patch });
  assert.throws(
    () => viewTreeOfData(variant({ childCount: encodeVarints(Int32Array.from(child, (c, i) => (i === 0 ? c + 1 : c)))!.text })),
    /add up|level order/,
  );
  assert.throws(() => viewTreeOfData(variant({ childCount: encodeVarints(Int32Array.of(0, ...child.subarray(1), 0))!.text, n: d.n! + 1 })), /malformed/);
  assert.throws(() => viewTreeOfData(variant({ self: encodeVarints(Float64Array.of(1, 2))!.text })), /malformed/);
  assert.throws(() => viewTreeOfData(variant({ nameIdx: [0, 1], nameW: undefined })), /malformed/);
});

for (const [name, base] of [
  ['cpu', undefined],
  ['heap', undefined],
  ['deep', undefined],
  ['mutex', undefined],
  ['cpu2', 'cpu'],
] as const) {
  test(`data block of profgen ${name}${base ? ` against ${base}` : ''}: the page decodes the same tree`, { skip: needGo }, () => {
    const tree = buildFlameTree(stacks[name]!, base ? { base: stacks[base]! } : undefined);
    assertSameTree(roundTrip(tree).view, tree);
  });
}

test('data block of the corpus large.cpu.pb.gz: the page decodes the same tree', { skip: corpusSkip }, () => {
  const p = decodeProfile(readFileSync(corpus), 'large.cpu.pb.gz');
  const tree = buildFlameTree(sampleStacks(p, { sampleIndex: String(p.sampleTypes.length - 1) }).stacks);
  assertSameTree(roundTrip(tree).view, tree);
});

/** Path (names joined) -> value, for the nodes with a value, of a tree or of stacks. */
function pathValues(t: ViewTree, side: 'self' | 'baseSelf' = 'self'): Map<string, number> {
  const m = new Map<string, number>();
  const arr = t[side]!;
  for (let i = 0; i < t.n; i++) {
    if (arr[i] === 0) continue;
    const names: string[] = [];
    for (let p = i; p >= 0; p = p > 0 ? t.parent[p]! : -1) names.push(nodeName(t, p));
    m.set(names.reverse().join(';'), arr[i]!);
  }
  return m;
}

function addTo(m: Map<string, number>, key: string, v: number): void {
  if (v !== 0) m.set(key, (m.get(key) ?? 0) + v);
}

/**
 * The sandwich of `fn` from the stacks: callers are each stack's frames above its first
 * `fn`, nearest first; callees its frames from the first `fn` down. A stack counts once
 * however often `fn` recurs in it.
 */
function expectedSandwich(ss: FlameStack[], fn: string): { callers: Map<string, number>; callees: Map<string, number>; self: number; total: number } {
  const callers = new Map<string, number>();
  const callees = new Map<string, number>();
  let self = 0;
  let total = 0;
  for (const s of ss) {
    const at = s.frames.indexOf(fn);
    if (at < 0) continue;
    total += s.value;
    if (s.frames[s.frames.length - 1] === fn) self += s.value;
    addTo(callers, [fn, ...s.frames.slice(0, at).reverse()].join(';'), s.value);
    addTo(callees, s.frames.slice(at).join(';'), s.value);
  }
  return { callers, callees, self, total };
}

/** Level order, children contiguous and heaviest first: the layout the views draw. */
function assertLayout(t: ViewTree): void {
  let next = 1;
  for (let i = 0; i < t.n; i++) {
    assert.equal(t.firstChild[i], next);
    for (let c = t.firstChild[i]! + 1; c < t.firstChild[i]! + t.childCount[i]!; c++) assert.ok(t.weight[c - 1]! >= t.weight[c]!, 'heaviest first');
    next += t.childCount[i]!;
  }
  assert.equal(next, t.n);
}

test('sandwich of every function of profgen deep.pb.gz (recursion 40 deep, mutual recursion): callers and callees from the stacks', { skip: needGo }, () => {
  const ss = stacks.deep!;
  const view = roundTrip(buildFlameTree(ss)).view;
  let recursive = 0;
  for (let k = 0; k < view.names.length; k++) {
    const fn = view.names[k]!;
    const want = expectedSandwich(ss, fn);
    const sw = sandwich(view, k);
    assertLayout(sw.callers);
    assertLayout(sw.callees);
    assert.equal(sw.callees.total[0], want.total, `${fn}: total counts each sample once`);
    assert.equal(sw.callers.total[0], want.total, `${fn}: callers total`);
    assert.equal(sw.self, want.self, `${fn}: self (pprof's flat)`);
    assert.deepEqual(pathValues(sw.callees), want.callees, `${fn}: callees`);
    assert.deepEqual(pathValues(sw.callers), want.callers, `${fn}: callers`);
    const occ = outermost(view, k);
    let all = 0;
    for (let i = 1; i < view.n; i++) if (view.nameIdx[i] === k) all++;
    if (all > occ.length) recursive++;
  }
  assert.ok(recursive >= 3, `recursive functions seen (${recursive}): main.recurse, main.ping, main.pong`);
});

test('sandwich in a diff (profgen cpu2 against cpu): both sides from the stacks', { skip: needGo }, () => {
  const view = viewOfFlameTree(buildFlameTree(stacks.cpu2!, { base: stacks.cpu! }));
  for (let k = 0; k < view.names.length; k++) {
    const fn = view.names[k]!;
    const cur = expectedSandwich(stacks.cpu2!, fn);
    const old = expectedSandwich(stacks.cpu!, fn);
    const sw = sandwich(view, k);
    assert.deepEqual([sw.callees.total[0], sw.callees.baseTotal![0], sw.self], [cur.total, old.total, cur.self], fn);
    assert.deepEqual(pathValues(sw.callees), cur.callees, `${fn}: new callees`);
    assert.deepEqual(pathValues(sw.callees, 'baseSelf'), old.callees, `${fn}: base callees`);
    assert.deepEqual(pathValues(sw.callers), cur.callers, `${fn}: new callers`);
    assert.deepEqual(pathValues(sw.callers, 'baseSelf'), old.callers, `${fn}: base callers`);
  }
});

test('view of a Node tree shares its arrays; paths read the same', () => {
  const t = buildFlameTree([
    { frames: ['a', 'b', 'c'], value: 2 },
    { frames: ['a', 'd'], value: 1 },
  ]);
  const v = viewOfFlameTree(t);
  assert.equal(v.self, t.self);
  assert.equal(v.parent, t.parent);
  for (let i = 1; i < v.n; i++) assert.equal(nodeName(v, i), flamePath(t, i).at(-1));
  assert.equal(nodeName(v, 0), 'root');
});
