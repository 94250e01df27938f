// The command table and its parser, without Go or a network: node:util parseArgs, strict,
// with the forms users type (values that start with "-", repeated flags, --flag=value,
// short flags); the help generated from the specs (every flag with its help, `help CMD`
// the same as `CMD --help`); and one line with exit 2 for a flag that does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../src/errors.js';
import { parseCommandLine } from '../src/cli/args.js';
import { flagHelp, flagLabel } from '../src/cli/help.js';
import { COMMAND_NAMES, goscopeHelp, loadCommands, run } from '../src/cli/run.js';

const COMMANDS = await loadCommands();
const HELP = await goscopeHelp();
import { defineCommand, type FlagDefs } from '../src/cli/spec.js';
import type { Io } from '../src/cli/common.js';
import { goscope } from './support/cli.js';
import { repoRoot } from './support/go.js';

const SPEC = defineCommand({
  name: 'demo',
  args: '<x>',
  summary: 'a command for the tests',
  usage: ['demo <x> [flags]'],
  description: 'Test.',
  flags: {
    focus: { type: 'string', arg: 'RE', help: 'keep' },
    output: { type: 'string', short: 'o', arg: 'FILE', help: 'where' },
    header: { type: 'string', short: 'H', multiple: true, help: 'a header' },
    requests: { type: 'string', short: 'n', arg: 'N', default: '1', help: 'how many' },
    insecure: { type: 'boolean', short: 'k', help: 'no checks' },
    location: { type: 'boolean', short: 'L', help: 'follow' },
    json: { type: 'boolean', help: 'JSON' },
  },
  exits: 'exit codes: 0',
  run: async () => 0,
});

const parse = (...argv: string[]) => parseCommandLine(argv, SPEC);

/** What the parser refused, or '' when it did not. */
function refusal(argv: string[], spec: Pick<typeof SPEC, 'name' | 'flags'> = SPEC): string {
  try {
    parseCommandLine(argv, spec);
    return '';
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    assert.equal(e.exitCode, 2);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return e.message;
  }
}

test('values that start with "-": --focus -foo, --focus=-foo, -o -', () => {
  assert.equal(parse('--focus', '-foo').flags.focus, '-foo');
  assert.equal(parse('--focus=-foo').flags.focus, '-foo');
  assert.equal(parse('--focus', '--json').flags.focus, '--json', 'the next word is the value, whatever it is');
  assert.equal(parse('--focus', '--json').flags.json, false);
  assert.equal(parse('-o', '-').flags.output, '-');
  assert.equal(parse('-o', '-x').flags.output, '-x');
  assert.equal(parse('-n', '-5').flags.requests, '-5', 'the value checks (parseInteger) name it, not the parser');
  assert.deepEqual(parse('-H', '-x: y').flags.header, ['-x: y']);
  const p = parse('-', '--focus', '-a', 'pos');
  assert.deepEqual(p.positionals, ['-', 'pos'], '"-" alone is stdin, a positional');
});

test('--flag=value, short flags, grouped booleans, -- ends the flags', () => {
  assert.equal(parse('--output=a=b').flags.output, 'a=b');
  assert.equal(parse('-oFILE').flags.output, 'FILE');
  assert.equal(parse('-o', 'f').flags.output, 'f');
  const g = parse('-kL', 'x');
  assert.equal(g.flags.insecure, true);
  assert.equal(g.flags.location, true);
  assert.deepEqual(g.positionals, ['x']);
  const t = parse('--json', '--', '--focus', '-o');
  assert.deepEqual(t.positionals, ['--focus', '-o']);
  assert.equal(t.flags.focus, undefined);
  assert.deepEqual(parse('a', '--json', 'b').positionals, ['a', 'b'], 'flags and positionals mix');
});

test('repeated flags: a repeatable one keeps every value in order, another the last', () => {
  assert.deepEqual(parse('-H', 'a: 1', '--header', 'b: 2', '--header=c: 3').flags.header, ['a: 1', 'b: 2', 'c: 3']);
  assert.equal(parse('--focus', 'a', '--focus', 'b').flags.focus, 'b');
  assert.deepEqual(parse().flags.header, [], 'not given: empty');
});

test('defaults fill flags in but do not count as given; booleans default to false', () => {
  const d = parse();
  assert.equal(d.flags.requests, '1');
  assert.equal(d.flags.json, false);
  assert.equal(d.flags.focus, undefined);
  assert.equal(d.given.size, 0);
  const g = parse('-n', '3', '--json');
  assert.equal(g.flags.requests, '3');
  assert.deepEqual([...g.given].sort(), ['json', 'requests']);
});

test('unknown flags, a value for a boolean, a missing value: usage errors naming the flag and the help', () => {
  assert.equal(refusal(['--bogus']), 'demo: unknown flag --bogus (see goscope demo --help)');
  assert.equal(refusal(['--bogus=1']), 'demo: unknown flag --bogus (see goscope demo --help)');
  assert.equal(refusal(['-x']), 'demo: unknown flag -x (see goscope demo --help)');
  assert.equal(refusal(['-kx']), 'demo: unknown flag -x (see goscope demo --help)');
  assert.equal(refusal(['--json=yes']), 'demo: --json takes no value (see goscope demo --help)');
  assert.equal(refusal(['x', '--focus']), 'demo: --focus needs a value (see goscope demo --help)');
  assert.equal(refusal(['-o']), 'demo: -o needs a value (see goscope demo --help)');
  assert.equal(refusal(['--focus', 'a']), '');
});

test('the real CLI: an unknown flag is one line on stderr and exit 2; values with "-" reach the command', async () => {
  const r = await goscope(['top', 'missing.pb.gz', '--bogus']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'goscope: top: unknown flag --bogus (see goscope top --help)\n');
  assert.equal(r.stdout, '');
  const sub = await goscope(['goroutines', 'diff', 'a', 'b', '--stacks', '3']);
  assert.equal(sub.code, 2);
  assert.equal(sub.stderr, 'goscope: goroutines diff: unknown flag --stacks (see goscope goroutines diff --help)\n');
  // The flags parse; the command then fails on the file (exit 1), not on the flags.
  for (const focus of [['--focus', '-foo'], ['--focus=-foo']]) {
    const f = await goscope(['top', path.join(repoRoot, 'no-such.pb.gz'), ...focus]);
    assert.equal(f.code, 1, f.stderr);
    assert.match(f.stderr, /no-such\.pb\.gz: no such file/);
  }
  const cmd = await goscope(['frobnicate']);
  assert.equal(cmd.code, 2);
  assert.equal(cmd.stderr, 'goscope: unknown command "frobnicate" (see goscope --help)\n');
});

/** An Io that keeps what was written. */
function capture(): { io: Io; out: () => string; err: () => string } {
  const sink = () => {
    let text = '';
    return { s: { isTTY: false, write: (c: string) => ((text += c), true) } as unknown as NodeJS.WriteStream, text: () => text };
  };
  const o = sink();
  const e = sink();
  return { io: { out: o.s, err: e.s }, out: o.text, err: e.text };
}

async function helpOf(argv: string[]): Promise<string> {
  const c = capture();
  assert.equal(await run(argv, c.io), 0, argv.join(' '));
  assert.equal(c.err(), '');
  return c.out();
}

test('every flag of every command is in its help with non-empty help text; help CMD == CMD --help == CMD -h', async () => {
  const prev = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  try {
    assert.ok(COMMANDS.length >= 11, 'the table has the commands');
    // The lazy table finds commands by name before loading them: its names must be the specs'.
    assert.deepEqual(
      COMMAND_NAMES,
      COMMANDS.map((c) => c.name),
    );
    for (const cmd of COMMANDS) {
      const words = cmd.name.split(' ');
      const help = await helpOf([...words, '--help']);
      assert.equal(await helpOf(['help', ...words]), help, `goscope help ${cmd.name}`);
      assert.equal(await helpOf([...words, '-h']), help, `goscope ${cmd.name} -h`);
      assert.ok(help.startsWith(`usage: goscope ${cmd.name} `), help.slice(0, 80));
      const shorts = new Set<string>();
      for (const [name, f] of Object.entries(cmd.flags as FlagDefs)) {
        assert.ok(f.help.trim().length > 0, `${cmd.name} --${name} has help`);
        if (f.short) {
          assert.equal(f.short.length, 1, `${cmd.name} -${f.short}`);
          assert.ok(!shorts.has(f.short), `${cmd.name}: -${f.short} is one flag's`);
          shorts.add(f.short);
        }
        // The label and the help's first words, on the label's line.
        const first = flagHelp(f).split(/\s+/).slice(0, 2).join(' ');
        assert.match(help, new RegExp(`^  ${escape(flagLabel(name, f))} +${escape(first)}`, 'm'), `${cmd.name} --${name} in its help`);
      }
      assert.match(help, /^exit codes: /m);
      assert.ok(HELP.includes(`  ${cmd.name} ${cmd.args} `), `goscope --help lists ${cmd.name}`);
    }
    assert.equal(await helpOf(['--help']), HELP + '\n');
    assert.equal(await helpOf(['help']), HELP + '\n');
  } finally {
    if (prev === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = prev;
  }
});

test('the flags users rely on are still there (long forms of short flags, goroutines diff --limit)', () => {
  const flagsOf = (name: string): string[] => {
    const c = COMMANDS.find((x) => x.name === name)!;
    return Object.entries(c.flags).flatMap(([n, f]) => [`--${n}`, ...(f.short ? [`-${f.short}`] : [])]);
  };
  const expect: Record<string, string[]> = {
    goroutines: ['--similarity', '--filter', '--min-count', '--stacks', '--debug', '--partial', '--timeout', '--out', '--json', '-h'],
    'goroutines diff': ['--similarity', '--limit', '--debug', '--partial', '--timeout', '--out', '--json'],
    leak: ['--interval', '--duration', '--samples', '--timeout', '--out', '--json'],
    top: [
      '--sample-index',
      '--granularity',
      '--focus',
      '--ignore',
      '--hide',
      '--show',
      '--tagfocus',
      '--tagignore',
      '--nodecount',
      '--nodefraction',
      '--diff-base',
      '--normalize',
      '--peek',
      '--timeout',
      '--out',
      '--json',
    ],
    diff: ['--sample-index', '--granularity', '--focus', '--nodecount', '--nodefraction', '--normalize', '--timeout', '--out', '--json'],
    flame: [
      '-o',
      '--output',
      '--format',
      '--diff-base',
      '--normalize',
      '--title',
      '--sample-index',
      '--focus',
      '--ignore',
      '--hide',
      '--show',
      '--tagfocus',
      '--tagignore',
      '--timeout',
      '--out',
    ],
    profile: ['--type', '--seconds', '-o', '--html', '--sample-index', '--granularity', '--nodecount', '--timeout', '--out', '--json'],
    diagnose: ['--seconds', '--samples', '--trace-seconds', '--no-trace', '-o', '--html', '--timeout', '--out', '--json'],
    trace: ['--seconds', '-o', '--output', '--pprof', '--timeout', '--out', '--json'],
    http: [
      ...['-X', '--request', '-H', '--header', '-d', '--data', '-L', '--location', '--max-redirs', '-k', '--insecure', '--cacert', '--resolve'],
      ...['-4', '--ipv4', '-6', '--ipv6', '--http1.1', '--http2-prior-knowledge', '-o', '--output', '--fail', '--traceparent', '--tracestate', '--baggage'],
      ...['--connect-timeout', '--tls-timeout', '--header-timeout', '--timeout', '-n', '--requests', '-c', '--concurrency', '-z', '--duration', '-q', '--rate'],
      ...['--no-keepalive', '--slo', '--dump', '--echo-diff', '--json'],
    ],
    metrics: ['--samples', '--interval', '--disable', '--format', '--top', '--timeout', '--out', '--json'],
  };
  for (const [name, flags] of Object.entries(expect)) {
    const have = flagsOf(name);
    for (const f of [...flags, '--help', '-h']) assert.ok(have.includes(f), `${name} ${f}`);
  }
});

test('README: the command list pasted under "Commands" is goscope --help', () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Commands\n'));
  const block = /```text\n\$ goscope --help\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'README has a `$ goscope --help` block under ## Commands');
  assert.equal(block[1], HELP + '\n', 'the README shows the help the specs generate (paste `goscope --help` again)');
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
