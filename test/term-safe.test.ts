// The terminal choke point: termSafe (lib/text.ts), the one sanitiser renderers call on each
// untrusted value; terminalText (report/term.ts), which every line of human output passes
// on its way out (cli/common.ts write and note), keeping only goscope's own line feeds,
// tabs and colours; printJson's escapes; and a check of the sources that nothing in src/cli
// or src/report writes to a stream around them. The end-to-end test against a real
// hostile Go service is test/terminal-escapes.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { termSafe } from '../src/lib/text.js';
import { colorFor, style, terminalText } from '../src/report/term.js';
import { note, printJson, write, writeData, type Io } from '../src/cli/common.js';

// dist/test/ -> the repository root.
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Every character a terminal acts on, and how termSafe shows it (Go's notation).
const CONTROLS: [string, string][] = [
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\x00', '\\x00'],
  ['\x07', '\\x07'],
  ['\x08', '\\x08'],
  ['\x1b', '\\x1b'],
  ['\x1f', '\\x1f'],
  ['\x7f', '\\x7f'],
  ['\u0080', '\\u0080'],
  ['\u0085', '\\u0085'],
  ['\u009b', '\\u009b'],
  ['\u009d', '\\u009d'],
  ['\u009f', '\\u009f'],
  ['\u061c', '\\u061c'],
  ['\u200e', '\\u200e'],
  ['\u200f', '\\u200f'],
  ['\u2028', '\\u2028'],
  ['\u2029', '\\u2029'],
  ['\u202a', '\\u202a'],
  ['\u202e', '\\u202e'],
  ['\u2066', '\\u2066'],
  ['\u2069', '\\u2069'],
];

const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('termSafe escapes every control character in Go notation, and nothing else', () => {
  for (const [c, shown] of CONTROLS) assert.equal(termSafe(`a${c}b`), `a${shown}b`, `U+${c.charCodeAt(0).toString(16)}`);
  // Every code point of the ranges, not just the samples above.
  for (let cp = 0; cp <= 0x9f; cp++) if (cp < 0x20 || cp >= 0x7f) assert.doesNotMatch(termSafe(String.fromCharCode(cp)), RAW);
  const printable = 'main.(*Server).Serve héllo 日本 🙂 ½ ‑ “x” \\x1b ]0;T [2J';
  assert.equal(termSafe(printable), printable);
  assert.equal(termSafe('\x1b]0;T\x07\x1b[2J'), '\\x1b]0;T\\x07\\x1b[2J');
});

test('termSafe is idempotent: a value cleaned twice reads the same', () => {
  const all = CONTROLS.map(([c]) => c).join('x');
  assert.equal(termSafe(termSafe(all)), termSafe(all));
});

test('terminalText without colour: layout line feeds and tabs kept, every other control escaped', () => {
  const st = style(false);
  const text = `${st.bold('title')}\n\tcol\x1b]0;T\x07\x1b[2J\r\u009b\u202e\n`;
  assert.equal(terminalText(text, false), 'title\n\tcol\\x1b]0;T\\x07\\x1b[2J\\r\\u009b\\u202e\n');
  // With colour off goscope emits no SGR, so any ESC is a value's: escaped too.
  assert.equal(terminalText('\x1b[1mx\x1b[22m', false), '\\x1b[1mx\\x1b[22m');
  const plain = 'nothing to do\n  here\n';
  assert.equal(terminalText(plain, false), plain);
});

test('terminalText with colour keeps exactly the SGR sequences style() emits', () => {
  const st = style(true);
  const own = [st.bold('b'), st.dim('d'), st.red('r'), st.yellow('y'), st.green('g'), st.cyan('c'), st.red(st.bold('rb'))].join(' ');
  assert.match(own, /\x1b\[/);
  assert.equal(terminalText(own + '\n', true), own + '\n');
  // Sequences goscope never emits, even SGR ones, and a lone or unfinished ESC.
  for (const seq of ['\x1b[2J', '\x1b]0;T\x07', '\x1b[31;1m', '\x1b[38;5;196m', '\x1b[0m', '\x1b[m', '\x1b[1', '\x1b', '\x1bc', '\x1b[?1049h']) {
    const out = terminalText(`${st.red('x')}${seq}y`, true);
    assert.equal(out, `${st.red('x')}${termSafe(seq)}y`, JSON.stringify(seq));
  }
  assert.equal(terminalText(st.dim('a\x1b[2Jb'), true), st.dim('a\\x1b[2Jb'));
});

/** A stream that records what is written to it. */
function sink(isTTY = false): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  return {
    isTTY,
    write(c: string | Uint8Array) {
      chunks.push(typeof c === 'string' ? c : Buffer.from(c).toString('latin1'));
      return true;
    },
    text: () => chunks.join(''),
  } as unknown as NodeJS.WriteStream & { text: () => string };
}

function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(vars)) {
    saved[k] = process.env[k];
    if (vars[k] === undefined) delete process.env[k];
    else process.env[k] = vars[k];
  }
  try {
    fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('colorFor: a TTY unless NO_COLOR or TERM=dumb; FORCE_COLOR for a pipe (not 0 or false)', () => {
  const cases: [Record<string, string | undefined>, boolean, boolean][] = [
    [{ NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm' }, true, true],
    [{ NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm' }, false, false],
    [{ NO_COLOR: '1', FORCE_COLOR: undefined, TERM: 'xterm' }, true, false],
    [{ NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'dumb' }, true, false],
    [{ NO_COLOR: undefined, FORCE_COLOR: '1', TERM: 'dumb' }, false, true],
    [{ NO_COLOR: '', FORCE_COLOR: '3', TERM: undefined }, false, true],
    [{ NO_COLOR: undefined, FORCE_COLOR: '0', TERM: 'xterm' }, true, false],
    [{ NO_COLOR: undefined, FORCE_COLOR: 'false', TERM: 'xterm' }, true, false],
    [{ NO_COLOR: undefined, FORCE_COLOR: '', TERM: 'xterm' }, false, false],
    [{ NO_COLOR: '1', FORCE_COLOR: '1', TERM: 'xterm' }, false, false],
  ];
  for (const [env, tty, want] of cases) withEnv(env, () => assert.equal(colorFor(sink(tty)), want, `${JSON.stringify(env)} tty=${tty}`));
});

test('write and note pass the choke point; writeData does not; colour follows each stream', () => {
  const hostile = 'name\x1b]0;T\x07\x1b[2J\r\u009b\u202e';
  withEnv({ NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm' }, () => {
    const io = { out: sink(true), err: sink(false) };
    const st = style(colorFor(io.out));
    write(io as Io, `${st.bold('head')}\n${hostile}`);
    note(io as Io, `warning: ${st.bold('x')} ${hostile}`);
    assert.equal(io.out.text(), `\x1b[1mhead\x1b[22m\nname\\x1b]0;T\\x07\\x1b[2J\\r\\u009b\\u202e\n`);
    // stderr is not a terminal here: even goscope's own SGR is escaped, not passed.
    assert.equal(io.err.text(), 'warning: \\x1b[1mx\\x1b[22m name\\x1b]0;T\\x07\\x1b[2J\\r\\u009b\\u202e\n');
    const data = { out: sink(false), err: sink(false) };
    writeData(data as Io, hostile);
    assert.equal(data.out.text(), hostile, 'data on stdout is written as it is');
  });
});

test('printJson: controls JSON.stringify leaves raw become \\u escapes; the document parses to the same value', () => {
  const value = { name: 'a\x1b[2J\x7f\u0085\u009b\u2028\u2029\u202e\u2066b', n: 1, list: ['\u061c', 'plain é 日本'] };
  const io = { out: sink(false), err: sink(false) };
  printJson(io as Io, value);
  const text = io.out.text();
  assert.doesNotMatch(text.replace(/\n/g, ''), RAW);
  assert.ok(text.includes('\\u009b') && text.includes('\\u202e') && text.includes('\\u001b[2J'), text);
  assert.deepEqual(JSON.parse(text), value);
});

// The choke point works only if nothing goes around it: in src/cli and src/report, only
// cli/common.ts writes to stdout or stderr, and report/progress.ts draws its status line
// (through oneLine). Anything else must call write, note, printJson or writeData.
test('nothing in src/cli or src/report writes to a stream except the writers (source check)', () => {
  const allowed = new Set(['src/cli/common.ts', 'src/report/progress.ts']);
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts') && !allowed.has(rel)) {
        readFileSync(path.join(repoRoot, rel), 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/\.(out|err)\.write\(|process\.std(out|err)\b(?!\.on\()|\bconsole\.\w+\(|\bstream\.write\(/.test(line))
              offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
          });
      }
    }
  };
  walk('src/cli');
  walk('src/report');
  assert.deepEqual(offenders, []);
  // And nowhere in src does anything print with console.
  const consoleUse: string[] = [];
  const all = (dir: string): void => {
    for (const e of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) all(rel);
      else if (rel.endsWith('.ts') && /\bconsole\.(log|error|warn|info)\(/.test(readFileSync(path.join(repoRoot, rel), 'utf8'))) consoleUse.push(rel);
    }
  };
  all('src');
  assert.deepEqual(consoleUse, []);
});
