// goscope's -focus/-ignore/-hide/-show/-tagfocus/-tagignore against `go tool pprof` on
// real profiles: the same rows, the same "Active filters" and summary lines, and the same
// notices and warnings pprof prints on stderr. Go regexp syntax that JavaScript spells
// differently is checked through pprof too, and so are the flame-graph stacks
// (sampleStacks) under the same filters.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../src/errors.js';
import { decodeProfile, type Profile } from '../src/formats/pprof/index.js';
import { compileGoRegexp, filterSamples, sampleStacks, top, type TopOptions } from '../src/analysis/profile/index.js';
import { renderTopText } from '../src/report/top.js';
import { style } from '../src/report/term.js';
import { needGo } from './support/go.js';
import { profgen, runPprof } from './support/pprof.js';

function profiles(): Promise<string> {
  return profgen('-extra');
}

function load(file: string): Profile {
  return decodeProfile(readFileSync(file), file);
}

const FILTERS = ['focus', 'ignore', 'hide', 'show', 'tagfocus', 'tagignore'] as const;

/**
 * Runs top for every option set in one interactive pprof session and compares each report
 * (from "Active filters:"/"Showing nodes…" on; no sort ties arise outside -files) and,
 * over the whole session, pprof's stderr with our warnings in order.
 */
function compareWithPprof(file: string, cases: TopOptions[]): void {
  const p = load(file);
  const commands: string[] = [];
  const at: number[] = [];
  for (const o of cases) {
    commands.push(`nodefraction=${o.nodefraction ?? 0.005}`, `sample_index=${o.sampleIndex ?? ''}`, `granularity=${o.granularity ?? 'functions'}`);
    for (const f of FILTERS) commands.push(`${f}=${o[f] ?? ''}`);
    at.push(commands.length);
    commands.push('top');
  }
  const r = runPprof([file], ['nodecount=0', ...commands].join('\n') + '\n');
  assert.equal(r.status, 0, r.stderr);
  const outputs = r.stdout.split('(pprof) ').slice(2);
  const from = (s: string): string => s.slice(s.search(/^(Active filters:|Showing nodes)/m));
  const warnings: string[] = [];
  cases.forEach((o, i) => {
    const report = top(p, o);
    warnings.push(...report.warnings);
    assert.equal(from(renderTopText(report, p, style(false))), from(outputs[at[i]!]!), `${file} ${JSON.stringify(o)}`);
  });
  const stderr = r.stderr.split('\n');
  const pprofWarnings = stderr.slice(stderr.findIndex((l) => l.startsWith('Entering interactive mode')) + 1).filter((l) => l !== '');
  assert.deepEqual(warnings, pprofWarnings, `${file}: notices and warnings`);
}

test('focus, ignore, hide and show = pprof', { skip: needGo }, async () => {
  const dir = await profiles();
  compareWithPprof(join(dir, 'deep.pb.gz'), [
    { focus: 'busy|ping' },
    { focus: 'ping' },
    { ignore: 'pong' },
    { focus: 'recurse', ignore: 'fold' },
    { hide: 'churn' },
    { hide: 'main\\.(mix|fold)', granularity: 'lines' },
    { show: 'recurse|fold' },
    { show: 'main\\.', hide: 'churn', granularity: 'filefunctions' },
    // File names and the mapping's file (the binary) match too.
    { focus: 'work\\.go' },
    { show: 'extra\\.go', granularity: 'addresses' },
    { hide: 'profgen' },
    { ignore: 'profgen' },
    { focus: 'nothing-matches', hide: 'nor-this', show: 'nor-that', ignore: 'nor-here' },
    { focus: 'ping', sampleIndex: '0', nodefraction: 0 },
  ]);
  compareWithPprof(join(dir, 'heap.pb.gz'), [
    { focus: 'allocLarge', sampleIndex: 'alloc_space' },
    { hide: '^runtime\\.', granularity: 'lines' },
    { show: '^main\\.' },
  ]);
});

test('Go regexp syntax means the same as in pprof', { skip: needGo }, async () => {
  const dir = await profiles();
  const patterns = [
    '(?i)MAIN\\.BUSY',
    '^main\\.busy[AB]$',
    '[[:upper:]]$',
    '[[:^lower:]]$',
    '\\Qmain.main\\E',
    'func4\\z',
    '\\Amain',
    '\\pL+\\.main$',
    '\\p{Lu}',
    '\\p{Greek}',
    '\\x{6d}ain\\.main',
    'main.main.func4.1',
    '(?s)main.main',
    'ma{1,}in\\.(?P<fn>busy)',
    'pprof\\.Do',
    'proc\\.go',
    '\\-?busyA',
    'main\\.main\\.func\\d',
    '\\s',
    'a{',
  ];
  compareWithPprof(
    join(dir, 'cpu.pb.gz'),
    patterns.map((show) => ({ show, nodefraction: 0 })),
  );
});

test('tagfocus and tagignore = pprof: string labels, numeric ranges with units', { skip: needGo }, async () => {
  const dir = await profiles();
  compareWithPprof(join(dir, 'deep.pb.gz'), [
    { tagfocus: 'job=deep' },
    { tagfocus: 'job=deep,mutual' },
    { tagfocus: 'shard:2' },
    { tagfocus: 'job:.*,shard:1' },
    { tagignore: 'job=mutual' },
    { tagfocus: 'job=de', tagignore: 'shard=2' },
    { tagfocus: 'job=nothing' },
    { tagfocus: 'w1' },
    { tagfocus: 'nokey=1' },
  ]);
  // The runtime's "bytes" label on heap samples.
  compareWithPprof(join(dir, 'heap.pb.gz'), [
    { tagfocus: 'bytes=4kb:8kb', sampleIndex: 'alloc_space' },
    { tagfocus: 'bytes=4096:5000', sampleIndex: 'alloc_space' },
    { tagfocus: ':1kb', sampleIndex: 'alloc_objects' },
    { tagfocus: '64' },
    { tagfocus: 'bytes=64b' },
    { tagignore: '4kb:', sampleIndex: 'alloc_space' },
    { tagfocus: 'bytes=1mb:', sampleIndex: 'alloc_space' },
    { tagfocus: 'bytes=1kb:2mb', tagignore: 'bytes=4kb', granularity: 'lines' },
  ]);
  compareWithPprof(join(dir, 'goroutine.pb.gz'), [{ tagfocus: 'role=parked' }, { tagfocus: 'worker=w[02]', tagignore: 'role=sleeper' }]);
});

test('filters never modify the profile', { skip: needGo }, async () => {
  const dir = await profiles();
  const p = load(join(dir, 'deep.pb.gz'));
  const before = JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const view = filterSamples(p, { hide: 'churn', show: 'main', focus: 'ping', tagfocus: 'job=mutual' });
  assert.ok(view.samples.length > 0 && view.samples.length < p.samples.length);
  top(p, { hide: 'churn', granularity: 'lines' });
  sampleStacks(p, { show: 'recurse' });
  assert.equal(
    JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    before,
  );
});

test('sampleStacks: flat and cum per function = pprof -top, under filters', { skip: needGo }, async () => {
  const dir = await profiles();
  for (const [name, opts] of [
    ['deep', {}],
    ['deep', { hide: 'churn', tagfocus: 'job=deep' }],
    ['heap', { sampleIndex: 'alloc_space', focus: 'main\\.' }],
    ['mutex', {}],
  ] as Array<[string, TopOptions]>) {
    const file = join(dir, `${name}.pb.gz`);
    const p = load(file);
    const { stacks, sampleType } = sampleStacks(p, opts);
    assert.ok(stacks.every((s) => s.value !== 0 && s.frames.length > 0));
    const flat = new Map<string, number>();
    const cum = new Map<string, number>();
    for (const s of stacks) {
      const leaf = s.frames[s.frames.length - 1]!;
      flat.set(leaf, (flat.get(leaf) ?? 0) + s.value);
      for (const f of new Set(s.frames)) cum.set(f, (cum.get(f) ?? 0) + s.value);
    }
    const r = top(p, { ...opts, nodefraction: 0 });
    assert.equal(r.sampleType, sampleType);
    assert.deepEqual([...cum.keys()].sort(), r.rows.map((row) => row.name).sort(), `${name}: the functions on the stacks are top's rows`);
    for (const row of r.rows) {
      assert.equal(flat.get(row.name) ?? 0, row.flat, `${name} ${row.name} flat`);
      assert.equal(cum.get(row.name), row.cum, `${name} ${row.name} cum`);
    }
    // Frames are shared strings: one per function name.
    const names = new Set(stacks.flatMap((s) => s.frames));
    assert.ok(names.size <= p.functions.length + 1);
  }
  // Inlined frames are expanded, outermost first: churn calls fold and mix.
  const deep = sampleStacks(load(join(dir, 'deep.pb.gz')), { sampleIndex: 'cpu' });
  const withFold = deep.stacks.find((s) => s.frames.includes('main.fold'));
  assert.ok(withFold, 'a sample in the inlined main.fold');
  const i = withFold.frames.indexOf('main.fold');
  assert.equal(withFold.frames[i - 1], 'main.churn');
});

test('Go regexps: syntax JavaScript lacks, and what RE2 refuses', () => {
  assert.ok(compileGoRegexp('(?i)abc', 'focus').test('xABCx'));
  assert.ok(compileGoRegexp('\\Qa.b(\\E', 'focus').test('a.b('));
  assert.ok(!compileGoRegexp('\\Qa.b\\E', 'focus').test('axb'));
  assert.ok(compileGoRegexp('[[:digit:]]+x', 'focus').test('12x'));
  assert.ok(compileGoRegexp('x\\z', 'focus').test('ax'));
  assert.ok(!compileGoRegexp('x\\z', 'focus').test('x\n'));
  assert.ok(compileGoRegexp('(?m)^b$', 'focus').test('a\nb\nc'));
  assert.ok(!compileGoRegexp('(?m)^b$', 'focus').test('a\rb\rc'));
  assert.ok(!compileGoRegexp('a.b', 'focus').test('a\nb'));
  assert.ok(compileGoRegexp('a.b', 'focus').test('a\rb'));
  assert.ok(compileGoRegexp('(?s)a.b', 'focus').test('a\nb'));
  assert.ok(!compileGoRegexp('a\\sb', 'focus').test('a\u00a0b'));
  assert.ok(compileGoRegexp('f{', 'focus').test('f{'));
  assert.ok(compileGoRegexp('\\#\\-\\:', 'focus').test('#-:'));
  for (const bad of ['(', 'a)', '[a', '*', '(?=a)', '(?<!a)b', '\\1', 'a(?i)b', '(?U)a']) {
    assert.throws(
      () => compileGoRegexp(bad, 'focus'),
      (e: unknown) => e instanceof UsageError && e.message.startsWith('parsing focus regexp: ') && !e.message.includes('\n'),
      bad,
    );
  }
});
