// goscope's top and peek against `go tool pprof` on real profiles: every profgen profile
// (plus a -diff_base profile pprof itself wrote, for negative values), every sample type
// and every granularity, node count and node fraction variants, peek, and the corpus
// profiles. Row lines must be identical, and so must the "Showing nodes…"/"Dropped…"
// lines; the full -top text too (header included) in the time zone UTC.
//
// Where pprof's own order is random (nodes with the same name and the same flat, which
// happens at -files granularity: its sort treats them as equal and starts from a map
// iteration), rows are compared as a set within each such group (support/pprof.ts
// canonicalRows).
process.env.TZ = 'UTC';

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, UserError } from '../src/errors.js';
import { decodeProfile, emptyProfile, encodeProfile, normalizeInt64, type Profile } from '../src/formats/pprof/index.js';
import { peek, pprofFunctionName, top, type Granularity, type TopOptions } from '../src/analysis/profile/index.js';
import { peekJson, renderPeekText, renderTopText, topJson } from '../src/report/top.js';
import { style } from '../src/report/term.js';
import { buildGo, goEnv, needGo, repoRoot } from './support/go.js';
import { assertSameTop, pprofCommand, pprofSession, runPprof } from './support/pprof.js';

const GRANULARITIES: Granularity[] = ['functions', 'filefunctions', 'files', 'lines', 'addresses'];
const plain = style(false);
const env = goEnv({ TZ: 'UTC' });
const corpusDir = join(repoRoot, '../shared/corpus/pprof');
const corpusSkip = existsSync(corpusDir) ? false : `corpus folder ${corpusDir} is absent`;

const work = mkdtempSync(join(tmpdir(), 'goscope-top-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

let profilesDir: Promise<string> | null = null;
/** Runs testdata/go/profgen -extra once, and has pprof write a -diff_base profile of its CPU profiles. */
function profiles(): Promise<string> {
  profilesDir ??= (async () => {
    const bin = await buildGo('testdata/go/profgen');
    const dir = join(work, 'profiles');
    execFileSync(bin, ['-out', dir, '-extra'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const [cmd, ...pre] = pprofCommand();
    const diff = execFileSync(cmd!, [...pre, '-proto', '-diff_base', join(dir, 'cpu.pb.gz'), join(dir, 'cpu2.pb.gz')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    writeFileSync(join(dir, 'diff.pb.gz'), diff);
    return dir;
  })();
  return profilesDir;
}

const PROFGEN = ['cpu', 'cpu2', 'heap', 'mutex', 'block', 'goroutine', 'deep', 'generic', 'diff'];

function load(file: string): Profile {
  return decodeProfile(readFileSync(file), file);
}

interface Case {
  opts: TopOptions;
  peek?: string;
}

function allTypesAndGranularities(p: Profile): Case[] {
  const cases: Case[] = [];
  for (let si = 0; si < p.sampleTypes.length; si++) {
    for (const granularity of GRANULARITIES) cases.push({ opts: { sampleIndex: String(si), granularity } });
  }
  return cases;
}

function ours(p: Profile, opts: TopOptions): string {
  return renderTopText(top(p, opts), p, plain);
}

/** The interactive commands that set up `opts` (everything reset first). */
function settings(opts: TopOptions): string[] {
  return [
    `nodecount=${opts.nodecount ?? 0}`,
    `nodefraction=${opts.nodefraction ?? 0.005}`,
    `sample_index=${opts.sampleIndex ?? ''}`,
    `granularity=${opts.granularity ?? 'functions'}`,
    `focus=${opts.focus ?? ''}`,
    `ignore=${opts.ignore ?? ''}`,
    `hide=${opts.hide ?? ''}`,
    `show=${opts.show ?? ''}`,
    `tagfocus=${opts.tagfocus ?? ''}`,
    `tagignore=${opts.tagignore ?? ''}`,
  ];
}

/** Runs every `cases` entry (top, or peek when `peek` is set) through one pprof session and compares. */
function compareSession(file: string, cases: Case[]): void {
  const p = load(file);
  const commands: string[] = [];
  const at: number[] = [];
  for (const c of cases) {
    commands.push(...settings(c.opts));
    at.push(commands.length);
    commands.push(c.peek !== undefined ? `peek ${c.peek}` : 'top');
  }
  const outputs = pprofSession(file, commands);
  cases.forEach((c, i) => {
    const want = outputs[at[i]!]!;
    const what = `${file} ${JSON.stringify(c)}`;
    if (c.peek !== undefined) {
      const got = renderPeekText(peek(p, c.peek, c.opts), p, plain);
      // Peek has no ties to canonicalize in these profiles: compare from the summary on.
      const from = (s: string): string => s.slice(s.search(/^(Active filters:|Showing nodes)/m));
      assert.equal(from(got), from(want), what);
    } else {
      assertSameTop(ours(p, c.opts), want, what);
    }
  });
}

test('top = go tool pprof -top: every profgen profile, sample type and granularity', { skip: needGo }, async () => {
  const dir = await profiles();
  for (const name of PROFGEN) {
    const file = join(dir, `${name}.pb.gz`);
    compareSession(file, allTypesAndGranularities(load(file)));
  }
});

test('top text = go tool pprof -top verbatim, header included', { skip: needGo }, async () => {
  const dir = await profiles();
  // Headers with a duration and a CPU share, without a duration, counts, a diff's totals.
  for (const name of ['cpu', 'heap', 'goroutine', 'generic', 'diff']) {
    const file = join(dir, `${name}.pb.gz`);
    const want = runPprof(['-top', file]).stdout;
    // No sort ties at the default granularity: the whole text must match.
    assert.equal(ours(load(file), {}), want, file);
  }
});

test('node count and node fraction variants', { skip: needGo }, async () => {
  const dir = await profiles();
  compareSession(join(dir, 'deep.pb.gz'), [
    { opts: { nodecount: 3 } },
    { opts: { nodecount: 1 } },
    { opts: { nodefraction: 0.3 } },
    { opts: { nodefraction: 0 } },
    { opts: { nodefraction: 0.3, nodecount: 4, granularity: 'lines' } },
    { opts: { nodecount: 5, granularity: 'addresses' } },
    { opts: { nodefraction: 0.9 } },
  ]);
  compareSession(join(dir, 'heap.pb.gz'), [
    { opts: { nodecount: 4, sampleIndex: 'alloc_space' } },
    { opts: { nodefraction: 0.05, sampleIndex: 'alloc_objects', granularity: 'lines' } },
    { opts: { nodefraction: 0, granularity: 'filefunctions' } },
  ]);
  compareSession(join(dir, 'diff.pb.gz'), [{ opts: { nodecount: 2 } }, { opts: { nodefraction: 0.2, granularity: 'lines' } }]);
});

test('generic functions: the names pprof shows (its demangler cuts (…) out of go.shape.func(…))', { skip: needGo }, async () => {
  const dir = await profiles();
  const file = join(dir, 'generic.pb.gz');
  const p = load(file);
  // What the runtime wrote, and what goscope and pprof show for it.
  assert.ok(
    p.functions.some((f) => f.name === 'main.apply[go.shape.func(uint64) uint64]'),
    'the profile has the full instantiated name',
  );
  const names = top(p, { nodefraction: 0 }).rows.map((r) => r.name);
  for (const n of ['main.apply[go.shape.func uint64]', 'main.apply[go.shape.func uint64].func1', 'main.Pipeline[go.shape.func uint64].Run']) {
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  }
  assert.ok(
    names.some((n) => n.startsWith('main.apply[go.shape.func uint64].backward[go.shape.[]go.shape.func uint64,go.shape.func uint64].func')),
    'the inlined iterator closure',
  );
  // A pointer-receiver method has "])." and stays whole (when the profile caught it).
  for (const n of names) if (n.includes('go.shape.func(')) assert.match(n, /\]\)\./, n);
  // Rows, and the filters (which match the names pprof shows), as pprof.
  compareSession(file, [
    { opts: { nodefraction: 0 } },
    { opts: { granularity: 'lines', nodefraction: 0 } },
    { opts: { focus: 'go\\.shape\\.func uint64\\]\\.Run' } },
    { opts: { focus: 'apply\\[go\\.shape\\.func\\(' } },
    { opts: { hide: '\\.func[0-9]+$', ignore: 'sumOf' } },
    { opts: {}, peek: 'apply' },
  ]);
  assert.deepEqual(top(p, { focus: 'apply\\[go\\.shape\\.func\\(' }).warnings, ['Focus expression matched no samples']);
  assert.equal(top(p, { focus: 'apply\\[go\\.shape\\.func\\(' }).rows.length, 0);
});

test('pprofFunctionName: pprof symbolizer heuristics, form by form', () => {
  const fn = (name: string, systemName = name) => pprofFunctionName({ id: 1, name, systemName, filename: '', startLine: 0 });
  // Caddy v2.11.9's middleware chain (a real name from its CPU profile).
  assert.equal(
    fn(
      'slices.Backward[go.shape.[]github.com/caddyserver/caddy/v2/modules/caddyhttp.Middleware,go.shape.func(github.com/caddyserver/caddy/v2/modules/caddyhttp.Handler) github.com/caddyserver/caddy/v2/modules/caddyhttp.Handler].func1',
    ),
    'slices.Backward[go.shape.[]github.com/caddyserver/caddy/v2/modules/caddyhttp.Middleware,go.shape.func github.com/caddyserver/caddy/v2/modules/caddyhttp.Handler].func1',
  );
  assert.equal(fn('main.f[go.shape.func(func(int) bool) (int, error)]'), 'main.f[go.shape.func ]', 'nested groups go whole');
  assert.equal(fn('go.uber.org/zap/internal/pool.(*Pool[go.shape.*uint8]).Get'), 'go.uber.org/zap/internal/pool.(*Pool[go.shape.*uint8]).Get');
  assert.equal(fn('main.(*Ring[go.shape.func(uint64) uint64]).Next'), 'main.(*Ring[go.shape.func(uint64) uint64]).Next', '"])." stays');
  assert.equal(fn('main.(*T).M'), 'main.(*T).M', 'no brackets: not C++-like');
  assert.equal(fn('java.lang.Object.<init>'), 'java.lang.Object.<init>');
  assert.equal(fn('std::vector<int>::push_back(int const&)'), 'std::vector::push_back');
  assert.equal(fn('main.g[go.shape.func(int]'), 'main.g[go.shape.func(int]', 'an unclosed group stays');
  assert.equal(fn('main.g[x)y(z]'), 'main.g[x)y(z]', 'a stray ) leaves the name alone');
  assert.equal(fn('main.h[go.shape.func(int) int]', 'other'), 'main.h[go.shape.func(int) int]', 'name != system name: already demangled');
  assert.equal(fn('', 'main.k[go.shape.func(int) int]'), 'main.k[go.shape.func int]', 'no name: the system name, simplified');
});

test('pprofFunctionName = the names go tool pprof prints, on a profile of odd names', { skip: needGo }, () => {
  // Hostile names on purpose: one function per name, one sample each (distinct values,
  // so the rows come in a known order), through pprof's -top and goscope's.
  const names: Array<[string, string]> = [
    ['main.a[go.shape.func(int) int]', 'main.a[go.shape.func(int) int]'],
    ['main.b[go.shape.func(func(int) bool) (int, error)].func2', 'main.b[go.shape.func(func(int) bool) (int, error)].func2'],
    ['main.(*C[go.shape.func(int) int]).M', 'main.(*C[go.shape.func(int) int]).M'],
    ['main.d[go.shape.func(int]', 'main.d[go.shape.func(int]'],
    ['main.e[x)y(z]', 'main.e[x)y(z]'],
    ['main.f<T>(int)[]', 'main.f<T>(int)[]'],
    ['main.g[a<b>c]', 'main.g[a<b>c]'],
    ['Obj.<init>[x(y)]', 'Obj.<init>[x(y)]'],
    ['ns::h(int)', 'ns::h(int)'],
    ['main.i[go.shape.func(int) int]', 'system.name(differs)[x]'],
    ['', 'main.j[go.shape.func(int) int]'],
    ['main.k.func1', 'main.k.func1'],
  ];
  const p = emptyProfile();
  p.sampleTypes.push({ type: 'samples', unit: 'count' });
  names.forEach(([name, systemName], i) => {
    p.functions.push({ id: i + 1, name, systemName, filename: 'odd.go', startLine: 1 });
    p.locations.push({ id: i + 1, mappingId: 0, address: 0, lines: [{ functionId: i + 1, line: 2, column: 0 }], isFolded: false });
    p.samples.push({ locationIds: [i + 1], values: [1000 - i], labels: [] });
  });
  const file = join(work, 'odd-names.pb.gz');
  writeFileSync(file, encodeProfile(p, { gzip: true }));
  const want = runPprof(['-top', file]);
  assert.equal(want.status, 0, want.stderr);
  assert.equal(ours(load(file), {}), want.stdout);
});

test('peek = go tool pprof -peek', { skip: needGo }, async () => {
  const dir = await profiles();
  compareSession(join(dir, 'deep.pb.gz'), [
    { opts: {}, peek: 'main\\.(ping|pong|fold)' },
    { opts: { granularity: 'lines' }, peek: 'recurse' },
    { opts: { sampleIndex: '0' }, peek: 'churn|mix' },
    { opts: { focus: 'ping' }, peek: 'main\\.' },
  ]);
  compareSession(join(dir, 'heap.pb.gz'), [
    { opts: {}, peek: 'alloc' },
    { opts: { sampleIndex: 'alloc_space', granularity: 'addresses' }, peek: 'main\\.main' },
  ]);
  compareSession(join(dir, 'diff.pb.gz'), [{ opts: {}, peek: 'busy' }]);
  // No match: pprof's error.
  const p = load(join(dir, 'cpu.pb.gz'));
  assert.throws(
    () => peek(p, 'zzz'),
    (e: unknown) => e instanceof UserError && e.message === 'no matches found for regexp: zzz',
  );
  assert.equal(runPprof(['-peek', 'zzz', join(dir, 'cpu.pb.gz')]).stderr.trim(), 'no matches found for regexp: zzz');
});

test('corpus profiles: top and peek = go tool pprof', { skip: needGo || corpusSkip }, () => {
  for (const name of ['sample.cpu.pb.gz', 'go.nomappings.crash.pb.gz']) {
    const file = join(corpusDir, name);
    const p = load(file);
    compareSession(file, allTypesAndGranularities(p));
    assert.equal(ours(p, {}), runPprof(['-top', file]).stdout, file);
  }
  // large.cpu: 2.45 MB raw, 23k locations; a few combinations keep the test short.
  compareSession(join(corpusDir, 'large.cpu.pb.gz'), [
    { opts: {} },
    { opts: { sampleIndex: '0', granularity: 'addresses', nodecount: 30 } },
    { opts: {}, peek: 'main\\.main$' },
  ]);
});

test('JSON: raw values in the sample unit, exact beyond 2^53', { skip: needGo }, async () => {
  const dir = await profiles();
  const p = load(join(dir, 'heap.pb.gz'));
  const r = top(p, { sampleIndex: 'alloc_space' });
  const j = JSON.parse(JSON.stringify(topJson(r))) as {
    schema: string;
    sampleType: string;
    unit: string;
    total: number;
    shown: number;
    rows: Array<{ name: string; flat: number; cum: number; flatPct: number }>;
  };
  assert.equal(j.schema, 'goscope.top/v1');
  assert.equal(j.sampleType, 'alloc_space');
  assert.equal(j.unit, 'bytes');
  assert.equal(j.total, r.total);
  assert.equal(j.rows.length, r.rows.length);
  assert.equal(j.rows[0]!.flat, r.rows[0]!.flat);
  // pprof's -raw gives the exact values: main.allocLarge's flat is the sum of its samples.
  const allocLarge = j.rows.find((row) => row.name === 'main.allocLarge')!;
  let sum = 0;
  for (const s of p.samples) {
    const leaf = p.locations.find((l) => l.id === s.locationIds[0]);
    const fn = p.functions.find((f) => f.id === leaf?.lines[0]?.functionId);
    if (fn?.name === 'main.allocLarge') sum += s.values[1] as number;
  }
  assert.equal(allocLarge.flat, sum);
  const pj = peekJson(peek(p, 'allocLarge', { sampleIndex: 'alloc_space' })) as { schema: string; entries: Array<{ callers: unknown[] }> };
  assert.equal(pj.schema, 'goscope.peek/v1');
  assert.ok(pj.entries[0]!.callers.length > 0);

  // Values beyond 2^53 (a model built in memory: no runtime writes such counts) sum exactly.
  const big = emptyProfile();
  big.sampleTypes.push({ type: 'delay', unit: 'nanoseconds' });
  big.functions.push({ id: 1, name: 'main.a', systemName: 'main.a', filename: 'a.go', startLine: 1 });
  big.functions.push({ id: 2, name: 'main.b', systemName: 'main.b', filename: 'a.go', startLine: 9 });
  big.locations.push({ id: 1, mappingId: 0, address: 0, lines: [{ functionId: 1, line: 3, column: 0 }], isFolded: false });
  big.locations.push({ id: 2, mappingId: 0, address: 0, lines: [{ functionId: 2, line: 10, column: 0 }], isFolded: false });
  big.samples.push({ locationIds: [2, 1], values: [2n ** 60n + 1n], labels: [] });
  big.samples.push({ locationIds: [2, 1], values: [2n ** 60n + 3n], labels: [] });
  big.samples.push({ locationIds: [1], values: [5], labels: [] });
  const br = top(big, {});
  assert.deepEqual(
    br.rows.map((row) => [row.name, row.flat, row.cum]),
    [
      ['main.b', 2n ** 61n + 4n, 2n ** 61n + 4n],
      ['main.a', 5, 2n ** 61n + 9n],
    ],
  );
  assert.equal(br.total, 2n ** 61n + 9n);
  const bj = topJson(br) as { total: unknown; rows: Array<{ flat: unknown }> };
  assert.equal(bj.total, (2n ** 61n + 9n).toString());
  assert.equal(bj.rows[1]!.flat, 5);
});

test('sums beyond 2^53 (a real block profile scaled by a power of two) = pprof', { skip: needGo }, async () => {
  const dir = await profiles();
  const p = load(join(dir, 'block.pb.gz'));
  // Multiplying by 2^k keeps every value an exact integer; pick k so the totals pass 2^60.
  const k = (i: number): bigint => {
    const total = p.samples.reduce((a, s) => a + BigInt(s.values[i]!), 0n);
    return BigInt(Math.max(0, 60 - total.toString(2).length));
  };
  const shifts = p.sampleTypes.map((_t, i) => k(i));
  for (const s of p.samples) s.values = s.values.map((v, i) => normalizeInt64(BigInt(v) << shifts[i]!));
  assert.ok(
    p.samples.some((s) => typeof s.values[1] === 'bigint'),
    'some values beyond 2^53',
  );
  const file = join(work, 'block-scaled.pb.gz');
  writeFileSync(file, encodeProfile(p, { gzip: true }));
  compareSession(
    file,
    allTypesAndGranularities(p).filter((c) => c.opts.granularity !== 'files'),
  );
  compareSession(file, [{ opts: { nodecount: 3, sampleIndex: '1' } }, { opts: {}, peek: 'sync' }]);
});

test('bad options: one-line UsageErrors, where pprof refuses them too', { skip: needGo }, async () => {
  const dir = await profiles();
  const file = join(dir, 'heap.pb.gz');
  const p = load(file);
  // [our options, the pprof session lines that set them, our message, pprof's message]
  const cases: Array<[TopOptions, string, RegExp, RegExp]> = [
    [
      { sampleIndex: 'nope' },
      'sample_index=nope',
      /^sample_index "nope" must be one of: \[alloc_objects alloc_space inuse_objects inuse_space\]$/,
      /^sample_index "nope" must be one of/,
    ],
    [{ sampleIndex: '9' }, 'sample_index=9', /^sample_index 9 is outside the range \[0\.\.3\]$/, /^sample_index 9 is outside the range \[0\.\.3\]$/],
    [
      { focus: 'main.(' },
      'focus=main.(',
      /^parsing focus regexp: error parsing regexp: missing closing \): `main\.\(`$/,
      /^parsing focus regexp: error parsing regexp: missing closing \)/,
    ],
    [
      { ignore: '*x' },
      'ignore=*x',
      /^parsing ignore regexp: error parsing regexp: missing argument to repetition operator: /,
      /^parsing ignore regexp: error parsing regexp: missing argument to repetition operator: /,
    ],
    [
      { tagfocus: 'bytes=[' },
      'tagfocus=bytes=[',
      /^parsing tagfocus regexp: error parsing regexp: missing closing \]: /,
      /^parsing tagfocus regexp: error parsing regexp: missing closing \]: /,
    ],
    [
      { hide: '(?=x)' },
      'hide=(?=x)',
      /^parsing hide regexp: error parsing regexp: invalid or unsupported Perl syntax: /,
      /^parsing hide regexp: error parsing regexp: invalid or unsupported Perl syntax: /,
    ],
    [
      { show: 'a\\1' },
      'show=a\\1',
      /^parsing show regexp: error parsing regexp: invalid escape sequence: /,
      /^parsing show regexp: error parsing regexp: invalid escape sequence: /,
    ],
  ];
  const commands: string[] = [];
  for (const [opts, set, ours] of cases) {
    assert.throws(
      () => top(p, opts),
      (e: unknown) => {
        assert.ok(e instanceof UsageError, `${JSON.stringify(opts)}: ${String(e)}`);
        assert.match(e.message, ours);
        assert.ok(!e.message.includes('\n'));
        return true;
      },
    );
    // sample_index is checked when set; the regexps when a report uses them.
    commands.push(set, ...(set.startsWith('sample_index') ? [] : ['top', set.replace(/=.*/, '=')]));
  }
  const r = runPprof([file], commands.join('\n') + '\n');
  const errors = r.stderr.split('\n');
  const pprofErrors = errors.slice(errors.findIndex((l) => l.startsWith('Entering interactive mode')) + 1).filter((l) => l !== '');
  assert.equal(pprofErrors.length, cases.length, r.stderr);
  cases.forEach(([, , , theirs], i) => assert.match(pprofErrors[i]!, theirs));
  assert.throws(() => top(p, { granularity: 'bytes' as Granularity }), UsageError);
  assert.throws(() => top(p, { nodecount: -1 }), UsageError);
});
