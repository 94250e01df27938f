// The profile commands as a user runs them (bin/goscope.js): top, diff, flame and profile
// on real profiles written by testdata/go/profgen and captured from the demo service,
// checked against `go tool pprof` where it computes the same thing, and every user error
// as one line with its exit code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needGo, repoRoot, startDemo, type Demo } from './support/go.js';
import { goscope } from './support/cli.js';
import { pprof, profgen, runPprof, topRows as rows } from './support/pprof.js';

const work = mkdtempSync(join(tmpdir(), 'goscope-profile-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
const corpus = join(repoRoot, '../shared/corpus/pprof');

let profiles = '';
before(async () => {
  if (!needGo) profiles = await profgen();
});

const p = (name: string) => join(profiles, name);

test('top prints the rows go tool pprof -top prints, through the CLI', { skip: needGo }, async () => {
  for (const [file, ourFlags, theirFlags] of [
    ['cpu.pb.gz', [], []],
    ['heap.pb.gz', ['--sample-index', 'alloc_space', '--granularity', 'lines'], ['-sample_index=alloc_space', '-lines']],
    ['mutex.pb.gz', ['--granularity', 'files'], ['-files']],
  ] as const) {
    const ours = await goscope(['top', p(file), ...ourFlags]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.deepEqual(rows(ours.stdout), rows(pprof('-top', ...theirFlags, p(file))), file);
  }
});

test('top --json: raw values in the sample unit and the documented fields', { skip: needGo }, async () => {
  const r = await goscope(['top', p('cpu.pb.gz'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.schema, 'goscope.top/v1');
  assert.equal(j.sampleType, 'cpu');
  assert.equal(j.unit, 'nanoseconds');
  assert.ok(j.rows.length > 0);
  const flatSum = j.rows.reduce((a: number, x: { flat: number }) => a + x.flat, 0);
  assert.equal(flatSum, j.total, 'every sample lands in exactly one row at the defaults here');
  for (const k of ['name', 'flat', 'cum', 'flatPct', 'sumPct', 'cumPct']) assert.ok(k in j.rows[0], k);
});

test('diff and merge agree with -diff_base and multi-file pprof', { skip: needGo }, async () => {
  const d = await goscope(['diff', p('cpu.pb.gz'), p('cpu2.pb.gz')]);
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual(rows(d.stdout), rows(pprof('-top', '-diff_base', p('cpu.pb.gz'), p('cpu2.pb.gz'))));
  const n = await goscope(['diff', '--normalize', p('cpu.pb.gz'), p('cpu2.pb.gz')]);
  assert.deepEqual(rows(n.stdout), rows(pprof('-top', '-normalize', '-diff_base', p('cpu.pb.gz'), p('cpu2.pb.gz'))));
  const m = await goscope(['top', p('cpu.pb.gz'), p('cpu2.pb.gz')]);
  assert.equal(m.code, 0, m.stderr);
  assert.deepEqual(rows(m.stdout), rows(pprof('-top', p('cpu.pb.gz'), p('cpu2.pb.gz'))));
});

test('peek through the CLI matches go tool pprof -peek', { skip: needGo }, async () => {
  const r = await goscope(['top', p('cpu.pb.gz'), '--peek', 'main\\.busy']);
  assert.equal(r.code, 0, r.stderr);
  // The table: from the first dashed rule on.
  const body = (t: string) =>
    t
      .slice(t.indexOf('-----'))
      .split('\n')
      .map((l) => l.trimEnd());
  const ours = body(r.stdout);
  assert.ok(ours.filter((l) => l.includes('| main.busy')).length >= 2, r.stdout);
  assert.deepEqual(ours, body(pprof('-peek', 'main\\.busy', p('cpu.pb.gz'))));
});

test("a filter that matches nothing: pprof's stderr line in text mode too (top, diff, peek, flame)", { skip: needGo }, async () => {
  // pprof prints the report on stdout and the notice on stderr, exit 0.
  const theirs = runPprof(['-top', '-focus', 'zzz', '-tagignore', 'phase=nope', p('cpu.pb.gz')]);
  assert.equal(theirs.status, 0, theirs.stderr);
  const notices = theirs.stderr.split('\n').filter((l) => /expression matched no samples/.test(l));
  assert.deepEqual(notices, ['Focus expression matched no samples', 'TagIgnore expression matched no samples']);
  const ours = await goscope(['top', p('cpu.pb.gz'), '--focus', 'zzz', '--tagignore', 'phase=nope']);
  assert.equal(ours.code, 0, ours.stderr);
  assert.deepEqual(ours.stderr.trim().split('\n'), notices);
  assert.deepEqual(rows(ours.stdout), rows(theirs.stdout));
  assert.match(ours.stdout, /^Showing nodes accounting for 0, 0% of /m);
  // JSON carries them in "warnings" and keeps stderr quiet.
  const j = await goscope(['top', p('cpu.pb.gz'), '--focus', 'zzz', '--json']);
  assert.equal(j.code, 0, j.stderr);
  assert.deepEqual(JSON.parse(j.stdout).warnings, ['Focus expression matched no samples']);
  assert.equal(j.stderr, '');
  // A filter that matches prints nothing.
  const fine = await goscope(['top', p('cpu.pb.gz'), '--focus', 'busyA']);
  assert.equal(fine.stderr, '');

  const d = await goscope(['diff', p('cpu.pb.gz'), p('cpu2.pb.gz'), '--ignore', 'zzz']);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.stderr, 'Ignore expression matched no samples\n');
  // peek: pprof prints the notice, then fails on the empty report; goscope says both on one line.
  const pk = await goscope(['top', p('cpu.pb.gz'), '--peek', 'busy', '--focus', 'zzz']);
  assert.equal(pk.code, 1);
  assert.equal(pk.stderr, 'goscope: Focus expression matched no samples; no matches found for regexp: busy\n');
  const fl = await goscope(['flame', p('cpu.pb.gz'), '--focus', 'zzz', '-o', join(work, 'empty-flame.html')]);
  assert.equal(fl.code, 0, fl.stderr);
  assert.match(fl.stderr, /^Focus expression matched no samples\nwrote /);
});

test('flame writes HTML, folded and speedscope with the profile total', { skip: needGo }, async () => {
  const html = join(work, 'flame.html');
  const r = await goscope(['flame', p('cpu.pb.gz'), '-o', html]);
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<canvas|data-goscope-flame|flame/);
  assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/, 'self-contained: no external resources');

  const total = JSON.parse((await goscope(['top', p('cpu.pb.gz'), '--json'])).stdout).total as number;
  const folded = await goscope(['flame', p('cpu.pb.gz'), '--format', 'folded']);
  assert.equal(folded.code, 0, folded.stderr);
  const lines = folded.stdout.trim().split('\n');
  assert.ok(
    lines.every((l) => /^[^ ].* \d+$/.test(l)),
    folded.stdout,
  );
  assert.equal(
    lines.reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0),
    total,
  );

  const ss = await goscope(['flame', p('heap.pb.gz'), '--format', 'speedscope', '--sample-index', 'alloc_space']);
  assert.equal(ss.code, 0, ss.stderr);
  const doc = JSON.parse(ss.stdout);
  assert.equal(doc.$schema, 'https://www.speedscope.app/file-format-schema.json');
  assert.equal(doc.profiles[0].unit, 'bytes');
  const allocTotal = JSON.parse((await goscope(['top', p('heap.pb.gz'), '--json', '--sample-index', 'alloc_space'])).stdout).total as number;
  assert.equal(
    doc.profiles[0].weights.reduce((a: number, b: number) => a + b, 0),
    allocTotal,
  );

  const diff = await goscope(['flame', p('cpu2.pb.gz'), '--diff-base', p('cpu.pb.gz'), '-o', join(work, 'diff.html')]);
  assert.equal(diff.code, 0, diff.stderr);
});

test('user errors: one line, exit 1 for bad input, 2 for bad usage', { skip: needGo }, async () => {
  const oneLine = (s: string) => assert.equal(s.trim().split('\n').length, 1, s);
  const garbage = join(work, 'garbage.pb.gz');
  writeFileSync(garbage, 'this is not a profile\n');
  const cases: [string[], number, RegExp][] = [
    [['top', join(work, 'missing.pb.gz')], 1, /missing\.pb\.gz: no such file/],
    [['top', garbage], 1, /garbage\.pb\.gz/],
    [['top', 'http://127.0.0.1:6060'], 2, /is a service, not a profile/],
    [['top', p('cpu.pb.gz'), '--granularity', 'bogus'], 2, /granularity/],
    [['top', p('cpu.pb.gz'), '--sample-index', 'nope'], 2, /nope/],
    [['top', p('cpu.pb.gz'), '--focus', '('], 2, /focus/],
    [['top', p('cpu.pb.gz'), p('heap.pb.gz')], 1, /incompatible|sample types|not compatible/i],
    [['diff', p('cpu.pb.gz')], 2, /two profiles/],
    [['flame', p('cpu.pb.gz'), '--format', 'svg'], 2, /--format/],
    [['profile', p('cpu.pb.gz')], 2, /not a live service/],
    [['profile', 'http://127.0.0.1:9', '--type', 'bogus'], 2, /--type/],
    [['profile', 'http://127.0.0.1:9', '--type', 'heap', '--out', join(work, 'refused')], 1, /127\.0\.0\.1:9/],
    [['diagnose', 'http://127.0.0.1:9', '--seconds', '1', '--out', join(work, 'refused')], 1, /127\.0\.0\.1:9/],
    [['diagnose', p('cpu.pb.gz')], 2, /not a live service/],
  ];
  if (existsSync(corpus)) cases.push([['top', join(corpus, 'legacy-go.crc32.cpu')], 1, /legacy/]);
  for (const [args, code, re] of cases) {
    const r = await goscope(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    oneLine(r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

let demo: Demo | null = null;
let quiet: Demo | null = null;
after(async () => {
  await demo?.stop();
  await quiet?.stop();
});

test('profile captures from a live service and saves before analysing', { skip: needGo }, async () => {
  demo = await startDemo();
  quiet = await startDemo({ args: ['-mutex-fraction', '0', '-block-rate', '0'] });
  const out = join(work, 'caps');
  const heap = await goscope(['profile', demo.url, '--type', 'heap', '--out', out, '--json']);
  assert.equal(heap.code, 0, heap.stderr);
  const j = JSON.parse(heap.stdout);
  assert.equal(j.sampleType, 'inuse_space');
  assert.ok(j.files.length === 1 && existsSync(j.files[0]), 'saved');
  assert.deepEqual(rows((await goscope(['top', j.files[0]])).stdout), rows(pprof('-top', j.files[0])));

  const cpu = await goscope(['profile', demo.url, '--type', 'cpu', '--seconds', '1', '--out', out, '--json']);
  assert.equal(cpu.code, 0, cpu.stderr);
  assert.equal(JSON.parse(cpu.stdout).sampleType, 'cpu');

  const allocs = await goscope(['profile', demo.url, '--type', 'allocs', '--seconds', '1', '--out', out, '--json']);
  assert.equal(allocs.code, 0, allocs.stderr);
  const aj = JSON.parse(allocs.stdout);
  assert.equal(aj.files.length, 3, 'two snapshots and their delta');
  assert.ok(aj.files.every((f: string) => existsSync(f)));

  const off = await goscope(['profile', quiet.url, '--type', 'mutex', '--out', out]);
  assert.equal(off.code, 1, off.stderr);
  assert.match(off.stderr, /mutex profile is disabled.*SetMutexProfileFraction/);
  assert.equal(off.stderr.trim().split('\n').length, 1);
});
