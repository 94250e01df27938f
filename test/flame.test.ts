// The flame graph's Node side: the tree builder (src/shared/flame-tree.ts), the folded and
// speedscope encoders and the HTML primitives (escaping), on real profiles written by
// testdata/go/profgen and on small in-memory stacks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGo, needGo } from './support/go.js';
import { decodeProfile, type Profile } from '../src/formats/pprof/index.js';
import { sampleStacks } from '../src/analysis/profile/stacks.js';
import { buildFlameTree, findFlameNode, flameNodeCount, flamePath, type FlameStack, type FlameTree } from '../src/shared/flame-tree.js';
import { encodeFolded, foldedFrameName } from '../src/formats/folded.js';
import { encodeSpeedscope, speedscopeUnit } from '../src/formats/speedscope.js';
import { escapeHtml, flameSectionHtml, htmlPage, jsonForScript } from '../src/report/html.js';
import { UserError } from '../src/errors.js';

// ---------- real profiles ----------

const work = mkdtempSync(join(tmpdir(), 'goscope-flame-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const profiles: Record<string, Profile> = {};
before(async () => {
  if (needGo) return;
  const bin = await buildGo('testdata/go/profgen');
  const out = join(work, 'profiles');
  execFileSync(bin, ['-out', out, '-cpu', '300ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const name of ['cpu', 'cpu2', 'heap', 'mutex', 'block', 'goroutine']) {
    profiles[name] = decodeProfile(readFileSync(join(out, `${name}.pb.gz`)), `${name}.pb.gz`);
  }
});

/** The profile's samples of one sample type as flame stacks (engineer A's sampleStacks). */
function profileStacks(p: Profile, sampleIndex: number): FlameStack[] {
  return sampleStacks(p, { sampleIndex: String(sampleIndex) }).stacks;
}

/** Structural invariants every tree must keep (the browser relies on them). */
function checkInvariants(t: FlameTree): void {
  const n = flameNodeCount(t);
  assert.equal(t.parent[0], -1);
  assert.equal(t.nameIdx[0], -1);
  let next = 1;
  for (let i = 0; i < n; i++) {
    // Plain comparisons: assert per node is too slow for big trees.
    if (t.firstChild[i] !== next) assert.fail(`children of ${i} do not follow the previous node's`);
    let sum = t.self[i]!;
    let prevW = Infinity;
    for (let c = t.firstChild[i]!; c < t.firstChild[i]! + t.childCount[i]!; c++) {
      if (t.parent[c] !== i) assert.fail(`parent of ${c} is not ${i}`);
      const w = t.total[c]! + (t.baseTotal ? t.baseTotal[c]! : 0);
      if (w > prevW) assert.fail(`children of ${i} not sorted by weight`);
      prevW = w;
      sum += t.total[c]!;
    }
    if (t.total[i] !== sum) assert.fail(`total of ${i} (${t.total[i]}) != self + children (${sum})`);
    next += t.childCount[i]!;
  }
  assert.equal(next, n);
}

for (const [name, index] of [
  ['cpu', 1],
  ['heap', 1],
  ['heap', 3],
  ['mutex', 1],
  ['block', 1],
  ['goroutine', 0],
] as const) {
  test(`tree of profgen ${name}.pb.gz, sample type ${index}: totals, selfs and paths match the samples`, { skip: needGo }, () => {
    const p = profiles[name]!;
    const stacks = profileStacks(p, index);
    assert.ok(stacks.length > 0, 'profile has samples');
    const t = buildFlameTree(stacks);
    checkInvariants(t);
    assert.equal(t.baseSelf, null);
    const sum = stacks.reduce((a, s) => a + s.value, 0);
    assert.equal(t.total[0], sum, 'root total = sum of sample values');

    // Every stack ends at the node of its path; the node's self is the sum of the
    // stacks with exactly that path (identical paths merged).
    const byPath = new Map<string, number>();
    for (const s of stacks) byPath.set(s.frames.join('\n'), (byPath.get(s.frames.join('\n')) ?? 0) + s.value);
    let selfNodes = 0;
    for (let i = 0; i < flameNodeCount(t); i++) if (t.self[i] !== 0) selfNodes++;
    assert.equal(selfNodes, [...byPath.values()].filter((v) => v !== 0).length, 'one node with self per distinct path');
    for (const [key, v] of byPath) {
      const node = findFlameNode(t, key === '' ? [] : key.split('\n'));
      assert.ok(node >= 0, `path ${key} present`);
      assert.equal(t.self[node], v);
      assert.deepEqual(flamePath(t, node), key === '' ? [] : key.split('\n'));
    }

    // Each function's flat (sum of selfs) equals the sum of stacks where it is the leaf.
    const flat = new Map<string, number>();
    for (const s of stacks) {
      const leaf = s.frames[s.frames.length - 1];
      if (leaf !== undefined) flat.set(leaf, (flat.get(leaf) ?? 0) + s.value);
    }
    const treeFlat = new Map<string, number>();
    for (let i = 1; i < flameNodeCount(t); i++) {
      const fn = t.names[t.nameIdx[i]!]!;
      if (t.self[i] !== 0) treeFlat.set(fn, (treeFlat.get(fn) ?? 0) + t.self[i]!);
    }
    assert.deepEqual(new Map([...treeFlat].sort()), new Map([...flat].filter(([, v]) => v !== 0).sort()));
  });
}

test('diff tree of profgen cpu2 against cpu: union of both trees, both sides exact', { skip: needGo }, () => {
  const cur = profileStacks(profiles.cpu2!, 1);
  const base = profileStacks(profiles.cpu!, 1);
  const t = buildFlameTree(cur, { base });
  checkInvariants(t);
  assert.ok(t.baseSelf && t.baseTotal);
  assert.equal(
    t.total[0],
    cur.reduce((a, s) => a + s.value, 0),
  );
  assert.equal(
    t.baseTotal[0],
    base.reduce((a, s) => a + s.value, 0),
  );
  const newOnly = buildFlameTree(cur);
  const baseOnly = buildFlameTree(base);
  // Every path of either side is in the union with that side's values, 0 on the other.
  for (const [side, tree, arr] of [
    ['new', newOnly, t.total],
    ['base', baseOnly, t.baseTotal],
  ] as const) {
    for (let i = 1; i < flameNodeCount(tree); i++) {
      const path = flamePath(tree, i);
      const u = findFlameNode(t, path);
      assert.ok(u >= 0, `${side} path ${path.join(';')} in the union`);
      assert.equal(arr[u], tree.total[i]);
    }
  }
  // The union has exactly the paths of both sides.
  const paths = new Set<string>();
  for (const tree of [newOnly, baseOnly]) for (let i = 1; i < flameNodeCount(tree); i++) paths.add(flamePath(tree, i).join('\n'));
  assert.equal(flameNodeCount(t), paths.size + 1);
});

const corpusDir = join(fileURLToPath(new URL('../../', import.meta.url)), '../shared/corpus/pprof');
const corpusSkip = existsSync(corpusDir) ? false : `corpus folder ${corpusDir} is absent`;

test('tree of the corpus large.cpu.pb.gz: invariants, totals, same tree whatever the stack order', { skip: corpusSkip }, () => {
  const p = decodeProfile(readFileSync(join(corpusDir, 'large.cpu.pb.gz')), 'large.cpu.pb.gz');
  const stacks = profileStacks(p, p.sampleTypes.length - 1);
  const t = buildFlameTree(stacks);
  checkInvariants(t);
  assert.equal(
    t.total[0],
    stacks.reduce((a, s) => a + s.value, 0),
  );
  assert.ok(flameNodeCount(t) > 1000, `${flameNodeCount(t)} nodes`);
  // Reversed input (no shared prefixes between neighbours) builds the identical tree.
  const r = buildFlameTree([...stacks].reverse());
  assert.deepEqual([r.names.length, r.nameIdx.length], [t.names.length, t.nameIdx.length]);
  for (let i = 0; i < flameNodeCount(t); i++) {
    if (r.names[r.nameIdx[i]!] !== t.names[t.nameIdx[i]!] || r.parent[i] !== t.parent[i] || r.self[i] !== t.self[i]) {
      assert.fail(`node ${i} differs: ${flamePath(r, i).join(';')} vs ${flamePath(t, i).join(';')}`);
    }
  }
});

// ---------- small in-memory stacks ----------

test('buildFlameTree merges identical paths, sums totals and selfs, orders children by weight', () => {
  const t = buildFlameTree([
    { frames: ['a', 'b', 'c'], value: 3 },
    { frames: ['a', 'b'], value: 2 },
    { frames: ['a', 'd'], value: 10 },
    { frames: ['a', 'b', 'c'], value: 4 },
    { frames: ['e'], value: 1 },
    { frames: ['z'], value: 0 },
    { frames: [], value: 5 },
  ]);
  checkInvariants(t);
  assert.equal(flameNodeCount(t), 6, 'root, a, e, d, b, c (z has no value)');
  assert.equal(t.total[0], 25);
  assert.equal(t.self[0], 5, 'a stack without frames counts as the root');
  assert.deepEqual(flamePath(t, 1), ['a']);
  assert.deepEqual(flamePath(t, 2), ['e']);
  assert.deepEqual(flamePath(t, 3), ['a', 'd'], 'd (10) before b (9)');
  assert.deepEqual(flamePath(t, 4), ['a', 'b']);
  const c = findFlameNode(t, ['a', 'b', 'c']);
  assert.equal(t.self[c], 7);
  assert.equal(t.total[findFlameNode(t, ['a', 'b'])], 9);
  assert.equal(t.self[findFlameNode(t, ['a', 'b'])], 2);
  assert.equal(t.total[1], 19);
  assert.equal(findFlameNode(t, ['z']), -1);
  assert.throws(() => buildFlameTree([{ frames: ['a'], value: NaN }]), /finite/);
});

test('buildFlameTree: siblings of equal weight are ordered by name; names are shared', () => {
  const t = buildFlameTree([
    { frames: ['m', 'y'], value: 1 },
    { frames: ['m', 'x'], value: 1 },
    { frames: ['y'], value: 2 },
  ]);
  assert.deepEqual(
    [1, 2].map((i) => flamePath(t, i)),
    [['m'], ['y']],
    'm before y (equal totals, by name)',
  );
  assert.deepEqual(
    [3, 4].map((i) => flamePath(t, i)),
    [
      ['m', 'x'],
      ['m', 'y'],
    ],
  );
  assert.equal(t.nameIdx[2], t.nameIdx[4], 'one name entry for y');
});

test('buildFlameTree: negative values (a pprof diff profile) count toward the base', () => {
  const t = buildFlameTree([
    { frames: ['a', 'b'], value: 5 },
    { frames: ['a', 'b'], value: -2 },
    { frames: ['a', 'c'], value: -4 },
  ]);
  checkInvariants(t);
  assert.ok(t.baseSelf && t.baseTotal);
  const b = findFlameNode(t, ['a', 'b']);
  const c = findFlameNode(t, ['a', 'c']);
  assert.deepEqual([t.self[b], t.baseSelf[b], t.self[c], t.baseSelf[c]], [5, 2, 0, 4]);
  assert.deepEqual([t.total[0], t.baseTotal[0]], [5, 6]);
  // Siblings are ordered by weight = base + new: b (7) before c (4).
  assert.deepEqual(flamePath(t, 2), ['a', 'b']);

  const u = buildFlameTree([{ frames: ['a'], value: 1 }], { base: [{ frames: ['b'], value: 3 }] });
  assert.deepEqual(flamePath(u, 1), ['b'], 'base-only nodes are part of the union');
  assert.deepEqual([u.total[1], u.baseTotal![1]], [0, 3]);
});

test('buildFlameTree: non-integer values give the same totals as the browser sums', () => {
  const t = buildFlameTree([
    { frames: ['a', 'b'], value: 0.1 },
    { frames: ['a', 'c'], value: 0.2 },
    { frames: ['a'], value: 0.3 },
  ]);
  // Reverse level order, as the page (childTotals in src/shared/flame-tree.ts): a's self, then b (last child), then c.
  const a = 0.3 + 0.1 + 0.2;
  assert.equal(t.total[1], a);
  assert.equal(t.total[0], 0 + a);
});

// ---------- folded ----------

function parseFolded(text: string): Map<string, number> {
  const m = new Map<string, number>();
  assert.ok(text === '' || text.endsWith('\n'));
  for (const line of text.split('\n').slice(0, -1)) {
    const sp = line.lastIndexOf(' ');
    const v = Number(line.slice(sp + 1));
    assert.ok(Number.isInteger(v) && v > 0, `integer value in ${JSON.stringify(line)}`);
    const key = line.slice(0, sp);
    assert.ok(!m.has(key), `stack ${key} written once`);
    m.set(key, v);
  }
  return m;
}

test('folded: real CPU and heap profiles, merged stacks, sums equal the tree', { skip: needGo }, () => {
  for (const [name, index] of [
    ['cpu', 1],
    ['heap', 3],
  ] as const) {
    const stacks = profileStacks(profiles[name]!, index);
    const text = encodeFolded(stacks);
    const lines = parseFolded(text);
    const keys = [...lines.keys()];
    assert.deepEqual(keys, [...keys].sort(), 'sorted by stack');
    const expected = new Map<string, number>();
    for (const s of stacks) expected.set(s.frames.join(';'), (expected.get(s.frames.join(';')) ?? 0) + s.value);
    assert.equal(lines.size, expected.size, 'one line per distinct stack');
    for (const [k, v] of expected) assert.equal(lines.get(k), v, k);
    // Reading the lines back gives the same tree.
    const back = buildFlameTree([...lines].map(([k, v]) => ({ frames: k.split(';'), value: v })));
    const orig = buildFlameTree(stacks);
    assert.deepEqual([back.names.length, back.total, back.self, back.parent], [orig.names.length, orig.total, orig.self, orig.parent]);
  }
});

test('folded: separators in names are replaced, values rounded, zero sums dropped, negatives refused', () => {
  const text = encodeFolded([
    { frames: ['main.f;g', 'line\nbreak'], value: 1.4 },
    { frames: ['main.f;g', 'line\nbreak'], value: 1.4 },
    { frames: ['a'], value: 2 },
    { frames: ['a'], value: -2 },
    { frames: ['', 'b'], value: 1 },
    { frames: [], value: 3 },
  ]);
  assert.equal(text, '[unknown] 3\n[unknown];b 1\nmain.f:g;line break 3\n');
  assert.equal(foldedFrameName('x\r\ny;z'), 'x  y:z');
  assert.throws(
    () => encodeFolded([{ frames: ['a'], value: -1 }]),
    (e: unknown) => e instanceof UserError && /negative/.test((e as Error).message),
  );
});

// ---------- speedscope ----------

/** Checks the file against speedscope's file-format spec and returns its stacks. */
function validateSpeedscope(json: string): { unit: string; stacks: FlameStack[]; endValue: number } {
  const f = JSON.parse(json) as Record<string, unknown>;
  assert.equal(f.$schema, 'https://www.speedscope.app/file-format-schema.json');
  const shared = f.shared as { frames: { name: unknown }[] };
  assert.ok(Array.isArray(shared.frames));
  for (const fr of shared.frames) assert.equal(typeof fr.name, 'string');
  const profs = f.profiles as Record<string, unknown>[];
  assert.ok(Array.isArray(profs) && profs.length === 1);
  assert.equal(f.activeProfileIndex, 0);
  const p = profs[0]!;
  assert.equal(p.type, 'sampled');
  assert.equal(typeof p.name, 'string');
  assert.ok(['none', 'nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes'].includes(p.unit as string));
  assert.equal(typeof p.startValue, 'number');
  assert.ok((p.endValue as number) >= (p.startValue as number));
  const samples = p.samples as number[][];
  const weights = p.weights as number[];
  assert.ok(Array.isArray(samples) && Array.isArray(weights));
  assert.equal(samples.length, weights.length, 'one weight per sample');
  const stacks: FlameStack[] = [];
  let sum = 0;
  samples.forEach((s, i) => {
    assert.ok(Array.isArray(s));
    for (const ix of s) assert.ok(Number.isInteger(ix) && ix >= 0 && ix < shared.frames.length, 'frame index in range');
    assert.ok(typeof weights[i] === 'number' && weights[i]! > 0);
    sum += weights[i]!;
    stacks.push({ frames: s.map((ix) => shared.frames[ix]!.name as string), value: weights[i]! });
  });
  assert.equal(p.endValue, sum);
  return { unit: p.unit as string, stacks, endValue: sum };
}

test('speedscope: real CPU and heap profiles give valid files with the same tree', { skip: needGo }, () => {
  for (const [name, index, unit, ssUnit] of [
    ['cpu', 1, 'nanoseconds', 'nanoseconds'],
    ['cpu', 0, 'count', 'none'],
    ['heap', 3, 'bytes', 'bytes'],
  ] as const) {
    const p = profiles[name]!;
    assert.equal(p.sampleTypes[index]!.unit, unit);
    const stacks = profileStacks(p, index);
    const doc = validateSpeedscope(encodeSpeedscope(stacks, { name: `${name}.pb.gz`, unit }));
    assert.equal(doc.unit, ssUnit);
    const distinct = new Set(stacks.map((s) => s.frames.join('\n')));
    assert.equal(doc.stacks.length, distinct.size, 'identical stacks merged');
    const a = buildFlameTree(doc.stacks);
    const b = buildFlameTree(stacks);
    assert.deepEqual([a.total, a.self, a.parent], [b.total, b.self, b.parent]);
  }
});

test('speedscope: unit mapping follows pprof unit names; negatives refused', () => {
  assert.deepEqual(speedscopeUnit('nanoseconds'), { unit: 'nanoseconds', factor: 1 });
  assert.deepEqual(speedscopeUnit('ms'), { unit: 'milliseconds', factor: 1 });
  assert.deepEqual(speedscopeUnit('Seconds'), { unit: 'seconds', factor: 1 });
  assert.deepEqual(speedscopeUnit('bytes'), { unit: 'bytes', factor: 1 });
  assert.deepEqual(speedscopeUnit('kilobytes'), { unit: 'bytes', factor: 1024 });
  assert.deepEqual(speedscopeUnit('count'), { unit: 'none', factor: 1 });
  const kb = validateSpeedscope(encodeSpeedscope([{ frames: ['a'], value: 2 }], { name: 'x', unit: 'kB' }));
  assert.deepEqual([kb.unit, kb.endValue], ['bytes', 2048]);
  assert.throws(() => encodeSpeedscope([{ frames: ['a'], value: -1 }], { name: 'x', unit: 'count' }), UserError);
  const evil = '</script><img src=x onerror=alert(1)>';
  const doc = validateSpeedscope(encodeSpeedscope([{ frames: [evil, 'b'], value: 1 }], { name: evil, unit: 'count' }));
  assert.deepEqual(doc.stacks[0]!.frames, [evil, 'b']);
});

// ---------- HTML escaping ----------

/** A data-block number array: JSON numbers, or varints (5 bits a base-64 digit, low first, digit >= 32 = more follow). */
function numbersOf(v: string | number[]): number[] {
  if (typeof v !== 'string') return v;
  const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const out: number[] = [];
  let acc = 0n;
  let shift = 0n;
  for (const ch of v) {
    const d = digits.indexOf(ch);
    assert.ok(d >= 0, `varint digit ${ch}`);
    acc += BigInt(d & 31) << shift;
    shift += 5n;
    if (d < 32) {
      out.push(Number(acc));
      acc = 0n;
      shift = 0n;
    }
  }
  assert.equal(shift, 0n, 'no dangling digits');
  return out;
}

test('data block numbers: varints for safe non-negative integers, JSON otherwise, both exact', () => {
  const values = [0, 1, 31, 32, 1023, 1024, 2 ** 31, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  const t = buildFlameTree(values.map((v, i) => ({ frames: [`f${i}`], value: v })));
  const data = (tree: FlameTree) => {
    const html = flameSectionHtml({ id: 'x', title: '', unit: '', sampleType: '', tree });
    return JSON.parse(/class="gf-data">([^]*?)<\/script>/.exec(html)![1]!) as Record<string, string | number[]>;
  };
  const d = data(t);
  assert.equal(typeof d.self, 'string');
  assert.deepEqual(numbersOf(d.self!), Array.from(t.self));
  const f = buildFlameTree([
    { frames: ['a'], value: 0.5 },
    { frames: ['b'], value: 2 },
  ]);
  const df = data(f);
  assert.deepEqual(df.self, [0, 2, 0.5], 'non-integer selfs as a JSON array');
  assert.equal(typeof df.nameIdx, 'string');
});

const EVIL = '</script><img src=x onerror="window.__pwned=1">&amp;\u2028\u2029<!--';

test('escapeHtml and jsonForScript make untrusted text inert', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;');
  const j = jsonForScript({ name: EVIL });
  assert.ok(!/[<>&\u2028\u2029]/.test(j), j);
  assert.deepEqual(JSON.parse(j), { name: EVIL }, 'JSON.parse reads it back unchanged');
  // Also a valid JavaScript expression with the same value.
  assert.deepEqual(new Function(`return ${j}`)(), { name: EVIL });
  assert.throws(() => jsonForScript(undefined), TypeError);
});

test('flame section and page: names only in the data block, escaped; no external resources', () => {
  const tree = buildFlameTree([
    { frames: ['main.main', EVIL], value: 3 },
    { frames: ['main.main', 'ok'], value: 1 },
  ]);
  const section = flameSectionHtml({ id: 'f1', title: `t ${EVIL}`, unit: 'count', sampleType: EVIL, tree });
  let page: string;
  try {
    page = htmlPage({ title: EVIL, body: section });
  } catch (e) {
    if (e instanceof UserError && /report script/.test(e.message)) {
      // The page needs dist/web/report.js: the suite builds it (npm run build) before tests.
      throw new Error('build web/ first: ' + e.message);
    }
    throw e;
  }
  const scripts = page.match(/<script\b/gi)!.length;
  assert.equal(page.match(/<\/script/gi)!.length, scripts, 'every </script closes a script element we opened');
  assert.ok(!page.includes('<img'), 'no markup from a name');
  assert.equal(scripts, 2, 'the data block and the page script');
  const data = /<script type="application\/json" class="gf-data">([^]*?)<\/script>/.exec(page)![1]!;
  const parsed = JSON.parse(data) as Record<string, string | number[]> & { names: string[]; sampleType: string };
  assert.ok(parsed.names.includes(EVIL));
  assert.equal(parsed.sampleType, EVIL);
  assert.deepEqual(
    numbersOf(parsed.nameIdx!),
    Array.from(tree.nameIdx, (x) => x + 1),
  );
  assert.deepEqual(numbersOf(parsed.childCount!), Array.from(tree.childCount));
  assert.deepEqual(numbersOf(parsed.self!), Array.from(tree.self));
  assert.equal(parsed.baseSelf, null);
  assert.ok(page.includes(`<title>${escapeHtml(EVIL)}</title>`));
  const markup = page.replace(/<script\b[^>]*>[^]*?<\/script>/g, '');
  for (const tag of markup.match(/<[a-z][^>]*>/gi)!) assert.ok(!/\s(?:src|href)\s*=/i.test(tag), `no src/href attribute: ${tag}`);
  assert.ok(!/<link\b/i.test(page));
  assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
  assert.throws(() => flameSectionHtml({ id: 'a b"', title: '', unit: '', sampleType: '', tree }), TypeError);
});
