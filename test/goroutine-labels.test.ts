// pprof labels in goroutine dumps, read from real runtime output in every form: Go 1.27's
// default header form ("[chan receive] {k: v}:", for modules that say go 1.27), Go 1.26's
// opt-in "[chan receive labels:{…}]:", debug=1's "# labels:" (strconv.Quote) and debug=0's
// protobuf strings (no quoting at all: the ground truth). dumpgen -odd-labels plants
// values with every character that needs quoting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBuffer } from '../src/formats/input.js';
import { parseGoroutinesAll } from '../src/formats/goroutines/parse.js';
import { parseLabelObject, unquoteGo } from '../src/formats/goroutines/labels.js';
import type { Goroutine } from '../src/formats/goroutines/model.js';
import { groupAll } from '../src/analysis/goroutines/group.js';
import { groupSite } from '../src/analysis/goroutines/name.js';
import { goscope } from './support/cli.js';
import { NEWER_GO, needGo, newerGoUnavailable, runDumpgen, tracebackLabelsSupported, type DumpgenOptions } from './support/go.js';

const TIMEOUT = 10 * 60_000; // a first Go 1.27 build downloads nothing (module cache) but compiles cold
const GO127: DumpgenOptions = { toolchain: NEWER_GO, goDirective: '1.27' };
const noGo127: string | false = needGo || newerGoUnavailable();
const noGo126Labels: string | false = needGo || (tracebackLabelsSupported() ? false : 'GODEBUG=tracebacklabels needs Go 1.26+');

/** What testdata/go/dumpgen/oddlabels.go plants, as Go strings decode ("\xff\xfe" is invalid UTF-8: two U+FFFD). */
const ODD: Record<string, string> = {
  quote: 'say "hi"',
  'space key': 'a b',
  'comma,brace': '{x}, y: z',
  bracket: 'x]: [y',
  cr: 'line1\rline2',
  nl: 'fake\ngoroutine 99 [running]:',
  tab: 'a\tb',
  bell: '\x07\b\f\v',
  backslash: 'back\\slash',
  esc: '\x1b]0;T\x07\x1b[2J',
  del: '\x7f',
  utf8: 'héllo 日本',
  astral: '\u{1F642}',
  linesep: '\u2028',
  badutf8: '\ufffd\ufffd',
  empty: '',
  'plain_key.x/y': 'plain/value_1.2',
};
const PLAIN = { handler: '/api/x', tenant: 't1' };

async function parse(buf: Buffer | string, name = 'dump') {
  return parseGoroutinesAll(fromBuffer(Buffer.from(buf)), name);
}

function running(gs: Goroutine[], fn: string): Goroutine {
  const found = gs.filter((g) => g.frames.some((f) => f.func === fn));
  assert.equal(found.length, 1, `one goroutine in ${fn}`);
  return found[0]!;
}

function headerOf(text: string, fn: string): string {
  const blocks = text.split(/\n\n+/).filter((b) => b.includes(`\n${fn}(`));
  assert.equal(blocks.length, 1, `one goroutine block with ${fn}`);
  return blocks[0]!.slice(0, blocks[0]!.indexOf('\n'));
}

const headers = (text: string) => (text.match(/^goroutine \d+ /gm) ?? []).length;

test('Go 1.27 labels after the status: every goroutine read, labels kept (stack, debug=2, leak, crash)', { skip: noGo127, timeout: TIMEOUT }, async () => {
  const runs: Array<[string, DumpgenOptions['env'], 'stdout' | 'stderr']> = [
    ['stack', undefined, 'stdout'],
    ['debug2', undefined, 'stdout'],
    ['leak2', undefined, 'stdout'], // Go 1.27 serves the goroutineleak profile without the experiment
    ['fatal', { GOTRACEBACK: 'system' }, 'stderr'], // gp=/m= headers with labels
  ];
  for (const [mode, env, stream] of runs) {
    const r = await runDumpgen(mode, { ...GO127, env });
    const text = r[stream].toString();
    // What the runtime prints (pins the fixture): labels after the brackets, unquoted when plain.
    assert.match(headerOf(text, 'main.blockWithLabels'), / \[chan receive(?: \(leaked\))?\] \{handler: \/api\/x, tenant: t1\}:$/, mode);
    assert.match(headerOf(text, 'main.labeledChild'), / \[select\] \{handler: \/api\/x, tenant: t1\}:$/, mode);
    const { info, goroutines } = await parse(text, mode);
    assert.equal(info.total, headers(text), `${mode}: every goroutine header is read`);
    assert.equal(info.skipped, null, `${mode}: nothing skipped`);
    assert.deepEqual(running(goroutines, 'main.blockWithLabels').labels, PLAIN, mode);
    assert.deepEqual(running(goroutines, 'main.labeledChild').labels, PLAIN, mode);
    assert.equal(running(goroutines, 'main.blockWithLabels').state, 'chan receive', mode);
  }
  // The command a user runs: the same count, no warning, labels shown.
  const r = await runDumpgen('debug2', GO127);
  const cli = await goscope(['goroutines', '-', '--json'], { input: r.stdout });
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.stderr, '');
  const j = JSON.parse(cli.stdout) as { total: number; groups: { labels: Record<string, string[]>; site: { function: string } | null }[] };
  assert.equal(j.total, headers(r.stdout.toString()));
  const labelled = j.groups.filter((g) => g.labels.tenant);
  assert.deepEqual(labelled.map((g) => g.site?.function).sort(), ['main.blockWithLabels', 'main.labeledChild']);
});

test('Go 1.26 and Go 1.27 dumps of the same program group alike; only 1.27 shows the labels', { skip: noGo127, timeout: TIMEOUT }, async () => {
  const v26 = (await runDumpgen('stack')).stdout.toString();
  const v27 = (await runDumpgen('stack', GO127)).stdout.toString();
  assert.doesNotMatch(v26, /^goroutine \d+ \[[^\]]*\] \{/m, 'a go 1.22 module prints no labels by default');
  assert.match(v27, /^goroutine \d+ \[[^\]]*\] \{/m);
  const view = async (text: string) =>
    groupAll((await parse(text)).goroutines)
      .filter((g) => groupSite(g)?.func.startsWith('main.block'))
      .map((g) => `${g.count} ${g.state} ${groupSite(g)!.func} ${Object.keys(g.labels).join(',')}`)
      .sort();
  const a = await view(v26);
  const b = await view(v27);
  assert.deepEqual(
    b.map((s) => s.replace(/ handler,tenant$/, ' ')),
    a,
  );
  assert.ok(b.includes('1 chan receive main.blockWithLabels handler,tenant'), b.join('\n'));
});

test(
  'odd label values read as Go quotes them, in every form (1.27 header, 1.26 opt-in, debug=1, debug=0)',
  { skip: noGo127 || noGo126Labels, timeout: TIMEOUT },
  async () => {
    const odd = ['-odd-labels'];
    const forms: Array<[string, string, DumpgenOptions]> = [
      ['Go 1.27 stack (default header form)', 'stack', { ...GO127, args: odd }],
      ['Go 1.27 debug=1', 'debug1', { ...GO127, args: odd }],
      ['Go 1.27 debug=0', 'debug0', { ...GO127, args: odd }],
      ['Go 1.26 stack (opt-in labels:{})', 'labels', { env: { GODEBUG: 'tracebacklabels=1' }, args: odd }],
      ['Go 1.26 debug=1', 'debug1', { args: odd }],
      ['Go 1.26 debug=0', 'debug0', { args: odd }],
    ];
    const texts: Record<string, string> = {};
    for (const [name, mode, opts] of forms) {
      const r = await runDumpgen(mode, opts);
      texts[name] = r.stdout.toString('latin1');
      const { info, goroutines } = await parse(r.stdout, name);
      assert.equal(info.skipped, null, name);
      assert.deepEqual(running(goroutines, 'main.blockWithOddLabels').labels, ODD, name);
    }
    // The quoting each form really uses (so the test above covers every escape kind).
    const h27 = headerOf(texts['Go 1.27 stack (default header form)']!, 'main.blockWithOddLabels');
    for (const s of [
      'cr: "line1\\rline2"',
      'empty: ,',
      'badutf8: "\\xff\\xfe"',
      'astral: "\\U0001f642"',
      'del: "\\u007f"',
      'bell: "\\x07\\x08\\x0c\\x0b"',
      '"space key": "a b"',
      'plain_key.x/y: plain/value_1.2, ',
    ]) {
      assert.ok(h27.includes(s), `Go 1.27 header has ${s}: ${h27}`);
    }
    const h26 = headerOf(texts['Go 1.26 stack (opt-in labels:{})']!, 'main.blockWithOddLabels');
    for (const s of [' labels:{"astral": "\\U0001f642"', '"badutf8": "\\ufffd\\ufffd"', '"utf8": "h\\u00e9llo \\u65e5\\u672c"', '"empty": ""']) {
      assert.ok(h26.includes(s), `Go 1.26 header has ${s}: ${h26}`);
    }
    assert.ok(texts['Go 1.26 debug=1']!.includes('"bell":"\\a\\b\\f\\v"'), 'strconv.Quote uses \\a \\b \\f \\v');
  },
);

test('odd labels in the terminal: Go-quoted, escaped, no fake goroutine line; JSON exact', { skip: noGo127, timeout: TIMEOUT }, async () => {
  const r = await runDumpgen('stack', { ...GO127, args: ['-odd-labels'] });
  const text = await goscope(['goroutines', '-', '--filter', 'OddLabels'], { input: r.stdout });
  assert.equal(text.code, 0, text.stderr);

  assert.doesNotMatch(text.stdout, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028]/, 'no raw control character reaches the terminal');
  assert.doesNotMatch(text.stdout, /^goroutine 99/m, 'a label cannot print a goroutine line');
  const line = text.stdout.split('\n').find((l) => l.trimStart().startsWith('labels '))!;
  for (const s of [
    'cr="line1\\rline2"',
    'nl="fake\\ngoroutine 99 [running]:"',
    'esc="\\x1b]0;T\\x07\\x1b[2J"',
    '"space key"="a b"',
    'quote="say \\"hi\\""',
    'plain_key.x/y=plain/value_1.2',
    'empty=""',
    'linesep="\\u2028"',
  ]) {
    assert.ok(line.includes(s), `labels line has ${s}: ${line}`);
  }
  const json = await goscope(['goroutines', '-', '--json', '--filter', 'OddLabels'], { input: r.stdout });
  const g = (JSON.parse(json.stdout) as { groups: { labels: Record<string, string[]> }[] }).groups[0]!;
  assert.deepEqual(g.labels, Object.fromEntries(Object.entries(ODD).map(([k, v]) => [k, [v]])));
});

test('a label set that cannot be read keeps its goroutine and is reported (edited Go 1.27 dump)', { skip: noGo127, timeout: TIMEOUT }, async () => {
  const text = (await runDumpgen('stack', GO127)).stdout.toString();
  const header = headerOf(text, 'main.blockWithLabels');
  const edited = text.replace(header, header.replace('{handler: /api/x', '{handler: "/api/x'));
  const { info, goroutines } = await parse(edited, 'edited.txt');
  assert.equal(info.total, headers(text), 'the goroutine is still counted');
  assert.equal(running(goroutines, 'main.blockWithLabels').labels, null);
  assert.equal(info.skipped?.lines, 1);
  assert.match(info.skipped!.first[0]!.problem, /labels not understood/);
  const line = edited.slice(0, edited.indexOf(header.replace('{handler: /api/x', '{handler: "/api/x'))).split('\n').length;
  assert.equal(info.skipped!.first[0]!.line, line);
});

test('unquoteGo and parseLabelObject: malformed escapes and objects are refused, not guessed', () => {
  assert.equal(unquoteGo('a\\qb'), null);
  assert.equal(unquoteGo('\\x4'), null);
  assert.equal(unquoteGo('\\U00110000'), null);
  assert.equal(unquoteGo('trailing\\'), null);
  assert.equal(unquoteGo('\\101\\x42\\u0043'), 'ABC'); // octal, byte and rune escapes (strconv.Unquote)
  assert.equal(parseLabelObject('{"a": "b"'), null);
  assert.equal(parseLabelObject('{a b}'), null);
  assert.equal(parseLabelObject('{"a": "b" "c": "d"}'), null);
  assert.equal(parseLabelObject('{}'), null);
});
