// Every command against a real Go service whose text is hostile to a terminal
// (testdata/go/hostile, built in a folder named with ESC ]0;T BEL ESC [2J, a C1 CSI and a
// right-to-left override, so its file paths and its binary's name hold them; its pprof
// labels, trace task, region and log names and HTTP replies add line feeds, carriage
// returns and line separators), and against the files it saved, run as a user would,
// piped and with FORCE_COLOR. What reaches stdout and stderr holds no control character
// but the layout's line feeds and tabs and, with colour, goscope's own SGR sequences; the
// hostile text shows in its escaped form; and no value starts a line of its own (a fake
// goroutine header, a fake verdict). Data written to stdout on request (flame --format
// folded) is the exception, written as it is. Its /metrics (goscope metrics, and diagnose's
// metrics block) holds the same text in metric and label names, label values and help.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { goscope, type CliResult } from './support/cli.js';
import { HOSTILE_NAME, NEWER_GO, needGo, newerGoUnavailable, startHostile, type Hostile } from './support/go.js';
import { decodeProfile, encodeProfile } from '../src/formats/pprof/index.js';

/** HOSTILE_NAME as goscope shows it. */
const SHOWN_NAME = 'goscope-hostile-\\x1b]0;T\\x07\\x1b[2J-\\u009b2J-\\u202e';
/** Raw characters a terminal would act on, bar the line feed and the tab. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** The SGR sequences goscope's style() emits (report/term.ts), spelled out independently. */
const OWN_SGR = /\x1b\[(?:1|2|22|31|32|33|36|39)m/g;
/** Lines a hostile value would print if its line feed reached the terminal. */
const FAKE_LINES = [/^\s*goroutine 99 \[running\]:/m, /^\s*verdict: all clear \(fake\)/m, /^\s*fake row/m];

interface Mode {
  name: string;
  env: Record<string, string>;
  color: boolean;
}
const MODES: Mode[] = [
  { name: 'piped', env: {}, color: false },
  { name: 'FORCE_COLOR', env: { NO_COLOR: '', FORCE_COLOR: '1' }, color: true },
];

let h: Hostile | undefined;
let root: string;
/** A folder named HOSTILE_NAME: every path the user types, and every file saved, holds it. */
let work: string;

before(async () => {
  if (needGo) return;
  // GODEBUG=tracebacklabels=1: Go 1.26 prints labels in debug=2 headers too (1.27 does by default).
  h = await startHostile({ env: { GODEBUG: 'tracebacklabels=1' } });
  root = mkdtempSync(path.join(tmpdir(), 'goscope-escapes-'));
  work = path.join(root, HOSTILE_NAME);
  mkdirSync(work);
});
after(async () => {
  await h?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Nothing a terminal acts on but the layout and goscope's own colours; no faked line. */
function assertInert(r: CliResult, what: string, mode: Mode, opts: { dataOnStdout?: boolean } = {}): void {
  const streams: [string, string][] = [['stderr', r.stderr]];
  if (!opts.dataOnStdout) streams.push(['stdout', r.stdout]);
  for (const [name, text] of streams) {
    const rest = mode.color ? text.replace(OWN_SGR, '') : text;
    const bad = RAW.exec(rest);
    assert.equal(
      bad,
      null,
      bad
        ? `${what} (${mode.name}): raw U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} on ${name}: ${JSON.stringify(rest.slice(Math.max(0, bad.index - 60), bad.index + 60))}`
        : '',
    );
    if (!mode.color) assert.doesNotMatch(text, /\x1b/, `${what}: no colour when piped`);
    for (const fake of FAKE_LINES) assert.doesNotMatch(text, fake, `${what} (${mode.name}): a value printed a line of its own on ${name}`);
  }
}

async function run(args: string[], mode: Mode, what: string, opts: { codes?: number[]; dataOnStdout?: boolean; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await goscope(args, { env: mode.env, timeoutMs: opts.timeoutMs ?? 120_000 });
  assert.ok((opts.codes ?? [0]).includes(r.code ?? -1), `${what} (${mode.name}): exit ${r.code}\n${r.stderr}`);
  assertInert(r, what, mode, opts);
  return r;
}

function shows(text: string, what: string, ...parts: string[]): void {
  for (const p of parts) assert.ok(text.includes(p), `${what}: shows ${p}\n${text.slice(0, 3000)}`);
}

/** The capture folder's one file matching `re` (commands save under names of their own). */
function saved(dir: string, re: RegExp): string {
  const names = readdirSync(dir).filter((n) => re.test(n));
  assert.equal(names.length, 1, `one file matching ${re} in ${dir}: ${readdirSync(dir).join(', ')}`);
  return path.join(dir, names[0]!);
}

const strip = (s: string): string => s.replace(OWN_SGR, '');

/** goroutines on a saved dump: as many "#N" group lines and label lines as --json has groups. */
async function groupsMatchJson(file: string, mode: Mode, what: string): Promise<void> {
  const text = strip((await run(['goroutines', file, '--stacks', '100'], mode, `${what} text`)).stdout);
  const json = JSON.parse((await run(['goroutines', file, '--json'], mode, `${what} --json`)).stdout) as { groups: { labels: Record<string, string[]> }[] };
  const headers = text.match(/^#\d+ +\d+ /gm) ?? [];
  assert.equal(headers.length, json.groups.length, `${what}: one "#N" line per group`);
  const labelled = json.groups.filter((g) => Object.keys(g.labels).length > 0).length;
  assert.ok(labelled > 0, `${what}: the labelled goroutines are there`);
  assert.equal((text.match(/^ +labels /gm) ?? []).length, labelled, `${what}: one labels line per labelled group`);
  assert.equal((text.match(/^goroutine /gm) ?? []).length, 0, `${what}: no goroutine header printed`);
  shows(text, what, SHOWN_NAME, '"t1\\ngoroutine 99 [running]:"', '/api\\x1b]0;T\\x07\\x1b[2J', 'cr="a\\rb"', '"bidi\\u202e"="x\\u202ey"', 'ls="a\\u2028b"');
}

for (const mode of MODES) {
  test(
    `every command against the hostile service and its files, ${mode.name}: no control character reaches the terminal`,
    { skip: needGo, timeout: 8 * 60_000 },
    async () => {
      const url = h!.url;
      const dir = path.join(work, mode.name);
      mkdirSync(dir);
      const out = (name: string): string => {
        const d = path.join(dir, name);
        mkdirSync(d);
        return d;
      };

      // goroutines: every form, from the service, then the saved dumps.
      const g2 = out('g2');
      const live = await run(['goroutines', url, '--out', g2], mode, 'goroutines debug=2');
      shows(
        strip(live.stdout),
        'goroutines debug=2',
        SHOWN_NAME,
        '"t1\\ngoroutine 99 [running]:"',
        `saved ${path.join(dir, 'g2').replace(HOSTILE_NAME, SHOWN_NAME)}`,
      );
      if (mode.color) assert.match(live.stdout, OWN_SGR, 'colour is on');
      await groupsMatchJson(saved(g2, /debug2/), mode, 'goroutines debug=2 file');
      const g1 = out('g1');
      await run(['goroutines', url, '--debug', '1', '--out', g1], mode, 'goroutines debug=1');
      await groupsMatchJson(saved(g1, /debug1/), mode, 'goroutines debug=1 file');
      const g0 = out('g0');
      await run(['goroutines', url, '--debug', '0', '--out', g0], mode, 'goroutines debug=0');
      await groupsMatchJson(saved(g0, /\.pb\.gz$/), mode, 'goroutines debug=0 file');

      // goroutines diff: the leak grew in between (same form, and across forms).
      const diff = await run(['goroutines', 'diff', saved(g2, /debug2/), url, '--out', out('gd')], mode, 'goroutines diff');
      shows(strip(diff.stdout), 'goroutines diff', `main.leakyWorker ${SHOWN_NAME}/main.go`);
      assert.equal((strip(diff.stdout).match(/^goroutines \d+ → \d+/gm) ?? []).length, 1, 'one headline');
      await run(['goroutines', 'diff', saved(g0, /\.pb\.gz$/), saved(g2, /debug2/)], mode, 'goroutines diff across forms');

      // leak (short): the leak is at a hostile path; whether 6 samples flag it depends on the machine.
      const leak = await run(['leak', url, '--samples', '6', '--interval', '250ms', '--out', out('leak')], mode, 'leak', { codes: [0, 3] });
      shows(strip(leak.stdout), 'leak', `captures saved in ${dir.replace(HOSTILE_NAME, SHOWN_NAME)}`);
      if (leak.code === 3) shows(strip(leak.stdout), 'leak', `main.leakyWorker ${SHOWN_NAME}/main.go`);

      // diagnose (short), then the same report again from the capture folder.
      const dd = out('diagnose');
      const diag = await run(['diagnose', url, '--seconds', '2', '--samples', '3', '--trace-seconds', '1', '--out', dd], mode, 'diagnose', { codes: [0, 3] });
      shows(strip(diag.stdout), 'diagnose', `main.hoardMemory (${SHOWN_NAME}/main.go:`, `report: ${dd.replace(HOSTILE_NAME, SHOWN_NAME)}`);
      await run(['diagnose', dd], mode, 'diagnose <capture-folder>', { codes: [0, 3] });

      // profile, top, diff, peek, flame.
      const p1 = out('p1');
      const heap = await run(['profile', url, '--type', 'heap', '--out', p1], mode, 'profile heap');
      shows(heap.stdout, 'profile heap', `File: ${SHOWN_NAME}`, 'main.hoardMemory');
      shows(heap.stderr, 'profile heap', `saved ${p1.replace(HOSTILE_NAME, SHOWN_NAME)}`);
      await run(['profile', url, '--type', 'cpu', '--seconds', '1', '--out', out('cpu')], mode, 'profile cpu');
      const heapFile = saved(p1, /heap/);
      const p2 = out('p2');
      await run(['profile', url, '--type', 'heap', '--out', p2], mode, 'profile heap again');
      await run(['top', heapFile], mode, 'top');
      await run(['diff', heapFile, saved(p2, /heap/)], mode, 'diff');
      const peek = await run(['top', heapFile, '--peek', 'main\\.'], mode, 'top --peek');
      shows(peek.stdout, 'top --peek', `File: ${SHOWN_NAME}`);

      // An edited profile (hostile input made on purpose): a unit, a comment and a function
      // name no Go program writes, each with escapes and a line feed.
      const p = decodeProfile(readFileSync(heapFile), heapFile);
      p.sampleTypes = p.sampleTypes.map((st) => ({ type: st.type + '\x1b[2J', unit: 'widgets\x1b]0;T\x07\u009b2J\u202e\nfake row' }));
      p.comments.push('comment\x1b]0;T\x07\nfake row');
      const fn = p.functions.find((f) => f.name === 'main.hoardMemory');
      assert.ok(fn, 'main.hoardMemory is in the heap profile');
      fn.name = 'main.hoard\x1b[2J\u2028\nfake row';
      const edited = path.join(dir, 'edited.pb.gz');
      writeFileSync(edited, encodeProfile(p, { gzip: true }));
      const top = await run(['top', edited, '--sample-index', '3'], mode, 'top edited profile');
      shows(
        top.stdout,
        'top edited profile',
        'widgets\\x1b]0;T\\x07\\u009b2J\\u202e\\nfake row',
        'comment\\x1b]0;T\\x07\\nfake row',
        'main.hoard\\x1b[2J\\u2028\\nfake row',
        'Type: inuse_space\\x1b[2J',
      );
      const topJson = JSON.parse((await run(['top', edited, '--sample-index', '3', '--json'], mode, 'top edited --json')).stdout) as {
        rows: unknown[];
        unit: string;
      };
      assert.equal(topJson.unit, 'widgets\x1b]0;T\x07\u009b2J\u202e\nfake row', '--json keeps the exact unit');
      const rowLines = top.stdout
        .split('\n')
        .slice(top.stdout.split('\n').findIndex((l) => /flat +flat%/.test(l)) + 1)
        .filter((l) => l.trim());
      assert.equal(rowLines.length, topJson.rows.length, 'one line per row');
      await run(['top', edited, '--peek', 'hoard'], mode, 'top --peek edited');

      const flameOut = path.join(dir, 'flame.html');
      const flame = await run(['flame', edited, '-o', flameOut], mode, 'flame');
      shows(flame.stderr, 'flame', `wrote ${flameOut.replace(HOSTILE_NAME, SHOWN_NAME)}`);
      // Folded stacks on stdout are data the user asked for, written as they are.
      const folded = await run(['flame', edited, '--format', 'folded'], mode, 'flame --format folded', { dataOnStdout: true });
      assert.ok(folded.stdout.includes('main.hoard\x1b[2J'), 'folded stacks keep the name as it is');

      // trace: from the service, then the saved file, with an HTML report.
      const td = out('trace');
      const tr = await run(['trace', url, '--seconds', '1', '--out', td], mode, 'trace');
      shows(
        tr.stdout,
        'trace',
        'task\\x1b]0;T\\x07\\x1b[2J\\u009b2J\\u202e\\nverdict: all clear (fake)',
        'region\\r\\x1b]0;T\\x07\\x1b[2J\\nverdict: all clear (fake)',
      );
      shows(tr.stderr, 'trace', `saved ${td.replace(HOSTILE_NAME, SHOWN_NAME)}`);
      assert.equal((tr.stdout.match(/^verdict: /gm) ?? []).length >= 1, true);
      const traceFile = saved(td, /^trace/);
      await run(['trace', traceFile, '-o', path.join(dir, 'trace.html')], mode, 'trace file');

      // http: a reply net/http would never write, a hostile echo, a short load run.
      const dump = await run(['http', `${url}/reason`, '--dump'], mode, 'http --dump');
      shows(dump.stdout, 'http --dump', '< X-Hostile\\x1b]0;T\\x07\\x1b[2J: value\\x1b]0;T\\x07\\x1b[2J\\r', '200 OK\\x1b]0;T\\x07\\x1b[2J');
      const single = await run(['http', `${url}/reason`], mode, 'http');
      shows(strip(single.stdout), 'http', 'X-Hostile\\x1b]0;T\\x07\\x1b[2J:');
      const echo = await run(['http', `${url}/echo`, '--echo-diff'], mode, 'http --echo-diff');
      shows(echo.stdout, 'http --echo-diff', 'by a proxy\\u009b2J\\u202e\\ngoroutine 99 [running]:');
      await run(['http', `${url}/reason`, '-n', '20', '-c', '2'], mode, 'http load');

      // metrics: names, label names and values, help and go_info's version from the service's
      // /metrics (Prometheus 3 quoted names), then the saved exposition with --json.
      const md = out('metrics');
      const metrics = await run(['metrics', url, '--out', md], mode, 'metrics', { codes: [3] });
      shows(
        strip(metrics.stdout),
        'metrics',
        'Go runtime  go1.26\\x1b]0;T\\x07\\x1b[2J\\ngoroutine 99 [running]:',
        'e.g. {"requests_total\\x1b]0;T\\x07\\x1b[2J","path\\u009b2J"="",code="200"}',
        'e.g. /users/4711/orders\\x1b]0;T\\x07\\x1b[2J\\ngoroutine 99 [running]:',
        'queue="q\\x1b]0;T\\x07\\x1b[2J\\nverdict: all clear (fake)",le="1"} 4 < 6',
        'resultCode\\u202e 1',
      );
      const mj = JSON.parse((await run(['metrics', saved(md, /^metrics/), '--json'], mode, 'metrics file --json', { codes: [3] })).stdout) as {
        runtime: { goVersion: string };
        problems: { label?: string }[];
      };
      assert.equal(mj.runtime.goVersion, 'go1.26\x1b]0;T\x07\x1b[2J\ngoroutine 99 [running]:', '--json keeps the exact value');
      assert.ok(mj.problems.some((p) => p.label === 'path\u009b2J'));

      // User errors quote what the user typed: escaped too.
      const missing = await run(['top', path.join(dir, 'missing\x1b[2J.pb.gz')], mode, 'top on a missing file', { codes: [1] });
      shows(missing.stderr, 'top on a missing file', 'missing\\x1b[2J.pb.gz');
      const unknown = await run(['\x1b]0;T\x07cmd'], mode, 'unknown command', { codes: [2] });
      shows(unknown.stderr, 'unknown command', '"\\x1b]0;T\\x07cmd"');
    },
  );
}

test('Go 1.27 (labels in every debug=2 header): goroutines and goroutines diff stay inert', { skip: needGo, timeout: 10 * 60_000 }, async (t) => {
  const why = newerGoUnavailable();
  if (why) {
    t.skip(why);
    return;
  }
  const h127 = await startHostile({ toolchain: NEWER_GO, goDirective: '1.27' });
  try {
    for (const mode of MODES) {
      const dir = path.join(work, `go127-${mode.name}`);
      mkdirSync(dir);
      const r = await run(['goroutines', h127.url, '--out', dir], mode, 'goroutines, Go 1.27');
      shows(strip(r.stdout), 'goroutines, Go 1.27', SHOWN_NAME, '"t1\\ngoroutine 99 [running]:"');
      await groupsMatchJson(saved(dir, /debug2/), mode, 'goroutines Go 1.27 file');
      await run(['goroutines', 'diff', saved(dir, /debug2/), h127.url, '--out', path.join(dir, 'diff')], mode, 'goroutines diff, Go 1.27');
    }
  } finally {
    await h127.stop();
  }
});
