// The documentation against the command specs: each command's manual starts with the help
// the spec generates (so a manual cannot miss a flag or keep a removed one), docs/json.md
// documents the schema of every command with --json and names no command without it, and
// every relative link in the README, CONTRIBUTING.md and docs/ points at a file that exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandHelp } from '../src/cli/help.js';
import { loadCommands } from '../src/cli/run.js';

const COMMANDS = await loadCommands();

// Computed here rather than imported from the Go helpers: this test is in the unit group.
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (rel: string): string => readFileSync(path.join(repoRoot, rel), 'utf8');
const manualOf = (name: string): string => `docs/commands/${name.replace(/ /g, '-')}.md`;

test('every command has a manual in docs/commands/ that starts with its generated --help', () => {
  for (const cmd of COMMANDS) {
    const file = manualOf(cmd.name);
    assert.ok(existsSync(path.join(repoRoot, file)), `${file} exists (the manual of goscope ${cmd.name})`);
    const block = /```text\n\$ goscope ([a-z ]+) --help\n([\s\S]*?)```/.exec(read(file));
    assert.ok(block, `${file} shows \`$ goscope ${cmd.name} --help\``);
    assert.equal(block[1], cmd.name, `${file} shows the help of goscope ${cmd.name}`);
    assert.equal(block[2], commandHelp(cmd) + '\n', `${file}: the help shown is what the spec generates (paste goscope ${cmd.name} --help again)`);
  }
  const manuals = readdirSync(path.join(repoRoot, 'docs/commands')).filter((f) => f.endsWith('.md'));
  const expected = new Set(COMMANDS.map((c) => path.basename(manualOf(c.name))));
  for (const f of manuals) assert.ok(expected.has(f), `docs/commands/${f} is the manual of no command`);
});

test('docs/json.md documents the schema of every command with --json, and only those', () => {
  const doc = read('docs/json.md');
  const withJson = new Set<string>();
  for (const cmd of COMMANDS) {
    const flag = cmd.flags.json;
    if (!flag) continue;
    withJson.add(cmd.name);
    assert.match(doc, new RegExp('`goscope ' + cmd.name + ' --json`'), `docs/json.md documents goscope ${cmd.name} --json`);
    for (const schema of flag.help.match(/goscope\.[a-z-]+\/v\d+/g) ?? [])
      assert.ok(doc.includes('`' + schema + '`'), `docs/json.md documents ${schema} (goscope ${cmd.name} --json)`);
  }
  for (const m of doc.matchAll(/`goscope ([a-z]+(?: diff)?) --json`/g))
    assert.ok(withJson.has(m[1]!), `docs/json.md documents goscope ${m[1]} --json, which has no --json flag`);
});

test('relative links in the README, CONTRIBUTING.md and docs/ resolve', () => {
  const files = [
    'README.md',
    'CONTRIBUTING.md',
    'BENCHMARKS.md',
    ...readdirSync(path.join(repoRoot, 'docs'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const broken: string[] = [];
  for (const f of files) {
    for (const m of read(f).matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      if (!existsSync(path.join(repoRoot, path.dirname(f), target))) broken.push(`${f}: ${target}`);
    }
  }
  assert.deepEqual(broken, [], 'links to files that do not exist');
});

test('the README stays short: the manuals are in docs/commands/', () => {
  const lines = read('README.md').split('\n').length;
  assert.ok(lines <= 260, `README.md has ${lines} lines; move detail to docs/ (about 200 is the aim)`);
});
