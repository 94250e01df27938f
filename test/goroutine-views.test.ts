// What `goscope goroutines` says about damaged, unusual and cross-form inputs: lines it had
// to skip (on stderr, with line numbers), crash dumps with their signal, replies that are
// no dump, FIFOs, text with control bytes, the same stacks from different dump forms, and
// group names that never read the same.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fromBuffer } from '../src/formats/input.js';
import { parseGoroutinesAll } from '../src/formats/goroutines/parse.js';
import { groupAll } from '../src/analysis/goroutines/group.js';
import { groupName } from '../src/analysis/goroutines/name.js';
import { waitText } from '../src/analysis/goroutines/classify.js';
import { goscope, type CliResult } from './support/cli.js';
import { needGo, repoRoot, runDumpgen, startDemo } from './support/go.js';

const dir = mkdtempSync(path.join(tmpdir(), 'goscope-views-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, data: Buffer | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}

const headers = (text: string) => (text.match(/^goroutine \d+ /gm) ?? []).length;

interface GroupJson {
  count: number;
  state: string;
  waitText: string;
  name: string;
  site: { function: string; file: string; line: number } | null;
  blockingSite: { function: string } | null;
  createdBy: { function: string } | null;
  frames: { function: string }[];
}
interface DumpJson {
  format: string;
  total: number;
  crash: string | null;
  signal: string | null;
  skipped: { lines: number; goroutines: number; stackless: number; first: { line: number; text: string; problem: string }[] } | null;
  groups: GroupJson[];
}
interface DiffJson {
  appeared: number;
  vanished: number;
  groups: (GroupJson & { status: string })[];
}

function oneLine(r: CliResult, code: number, re: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('a mangled dump: the lines skipped are named on stderr; nothing usable left exits 1', async () => {
  // The dump from the issue, damaged on purpose: a frame without its ")" and a header cut short.
  const bad = file('mangled.txt', 'goroutine 1 [running]:\nmain.main(\ngoroutine x [\n');
  const r = await goscope(['goroutines', bad]);
  oneLine(
    r,
    1,
    /^goscope: .*mangled\.txt: no goroutine stack could be read: 2 lines skipped \(line 2: "main\.main\(": function line cut short; line 3: "goroutine x \[": goroutine header not understood\)/,
  );
  assert.equal(r.stdout, '');
});

test('a damaged real dump: read leniently, every skipped line counted and reported, --json unchanged on stdout', { skip: needGo }, async () => {
  const text = (await runDumpgen('stack')).stdout.toString();
  const lines = text.split('\n');
  // Three kinds of damage, each in a different goroutine (blockChanSend's only frame is
  // lost: its goroutine is kept, without a readable frame):
  const cut = lines.findIndex((l) => l.startsWith('main.blockChanSend('));
  lines[cut] = 'main.blockChanSend('; // a function line that lost its end
  const hdr = lines.findIndex((l, i) => /^goroutine \d+ \[chan receive\]:$/.test(l) && lines[i + 1]!.startsWith('main.blockChanRecv('));
  lines[hdr] = lines[hdr]!.replace(/^goroutine \d+ \[/, 'goroutine ? ['); // a header not understood
  const fn = lines.findIndex((l) => l.startsWith('main.blockCondWait('));
  lines.splice(fn + 1, 1); // a function line without its file:line
  const damaged = file('damaged.txt', lines.join('\n'));

  const r = await goscope(['goroutines', damaged, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as DumpJson;
  assert.equal(j.total, headers(text) - 1, 'every goroutine but the one whose header was damaged');
  assert.equal(j.skipped?.goroutines, 1);
  assert.equal(j.skipped?.stackless, 1, 'blockChanSend had one frame, now unreadable');
  assert.deepEqual(
    j.skipped!.first.map((s) => [s.line, s.problem]),
    [
      [cut + 1, 'function line cut short'],
      [cut + 2, 'file:line without its function line'],
      [hdr + 1, 'goroutine header not understood'],
      [fn + 1, 'function line without its file:line'],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)),
  );
  // The header's own frames were skipped with it (counted, not listed).
  assert.ok(j.skipped!.lines > 4, `${j.skipped!.lines} lines skipped`);
  const stderr = r.stderr.trimEnd().split('\n');
  assert.equal(stderr.length, 1, r.stderr);
  assert.match(
    stderr[0]!,
    new RegExp(
      `^goscope: warning: .*damaged\\.txt: ${j.skipped!.lines} lines skipped, 1 goroutine left out \\(header not understood\\), 1 goroutine without a readable frame \\(line ${Math.min(cut, hdr, fn) + 1}: `,
    ),
  );

  const t = await goscope(['goroutines', damaged, '--stacks', '0']);
  assert.equal(t.code, 0);
  assert.match(t.stdout, /\n1 more goroutine in the dump could not be read \(header not understood\): not counted above\n/);
});

test(
  'crash dumps: the signal line is shown and the dump is labelled a crash',
  { skip: needGo || (process.platform === 'win32' ? 'signals need Unix' : false) },
  async () => {
    for (const [mode, signal] of [
      ['sigabrt', 'SIGABRT: abort'],
      ['sigquit', 'SIGQUIT: quit'],
    ] as const) {
      const r = await runDumpgen(mode);
      assert.equal(r.code, 2, r.stderr.toString().slice(0, 500));
      const dump = r.stderr;
      assert.ok(dump.toString().startsWith(`${signal}\nPC=0x`), 'the runtime starts with the signal line');
      const j = JSON.parse((await goscope(['goroutines', '-', '--json'], { input: dump })).stdout) as DumpJson;
      assert.equal(j.signal, signal);
      assert.equal(j.crash, null);
      assert.equal(j.total, headers(dump.toString()));
      const t = await goscope(['goroutines', '-', '--stacks', '0'], { input: dump });
      const [first, second] = t.stdout.split('\n');
      assert.match(first!, /— stdin \(crash dump, similarity value\)$/);
      assert.equal(second, signal);
    }
    // A panic keeps its message as the crash line; a nil dereference also has its signal.
    const p = await runDumpgen('panic');
    const t = await goscope(['goroutines', '-', '--stacks', '0'], { input: p.stderr });
    assert.match(t.stdout, /^1 goroutine in 1 group — stdin \(crash dump, similarity value\)\npanic: boom: something went wrong\n/);
    const n = await runDumpgen('nilpanic');
    const nt = await goscope(['goroutines', '-', '--stacks', '0'], { input: n.stderr });
    assert.match(
      nt.stdout,
      /^1 goroutine in 1 group — stdin \(crash dump, similarity value\)\npanic: runtime error: invalid memory address or nil pointer dereference\n\[signal SIGSEGV: segmentation violation code=0x\w+ addr=0x0 pc=0x[0-9a-f]+\]\n/,
    );
    assert.match(nt.stdout, /\n {6}running in main\.derefNil /);
  },
);

async function serve(handler: (path: string) => { status?: number; type: string; body: Buffer | string }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const r = handler(req.url ?? '/');
    res.writeHead(r.status ?? 200, { 'content-type': r.type });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test('a port that is no pprof service: the same "reply starting …" message as profile and trace', async () => {
  const page = '<!doctype html><html><head><title>Admin console</title></head><body>hello</body></html>';
  const { url, server } = await serve(() => ({ type: 'text/html', body: page }));
  try {
    const out = path.join(dir, 'caps-html');
    const r = await goscope(['goroutines', url, '--out', out]);
    oneLine(
      r,
      1,
      new RegExp(
        `^goscope: ${url}/debug/pprof/goroutine\\?debug=2: not a goroutine dump but a reply starting "<!doctype html><html><head><title>Admin" \\(saved to ${out}/goroutine\\.debug2\\.txt\\): is this a Go service serving net/http/pprof\\?$`,
      ),
    );
    const p = await goscope(['profile', url, '--type', 'heap', '--out', path.join(dir, 'caps-html-2')]);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /but a reply starting "<!doctype html><html><head><title>Admin" \(saved to .*\): is this a Go service serving net\/http\/pprof\?/);
    // diff says the same for either side.
    const d = await goscope(['goroutines', 'diff', url, url, '--out', path.join(dir, 'caps-html-3')]);
    oneLine(d, 1, /: not a goroutine dump but a reply starting "<!doctype html>/);
  } finally {
    server.close();
  }
});

test('text with control bytes stays text: a log line with a NUL and colour codes, at a goroutine endpoint', { skip: needGo }, async () => {
  // A small real dump (one goroutine) after log lines with a control byte: the reply a
  // handler printing its own logs around runtime.Stack would serve.
  const panicDump = (await runDumpgen('panic')).stderr.toString();
  const body = `2026/01/02 15:04:05 \x1b[31mERROR\x1b[0m worker stalled\x00\n${panicDump}`;
  const { url, server } = await serve((p) =>
    p.startsWith('/debug/pprof/goroutine') ? { type: 'text/plain', body } : { status: 404, type: 'text/plain', body: '404' },
  );
  try {
    const r = await goscope(['goroutines', url, '--json', '--out', path.join(dir, 'caps-ctl')]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as DumpJson;
    assert.equal(j.format, 'text');
    assert.equal(j.total, 1);
    assert.match(j.crash ?? '', /^panic: boom/);
  } finally {
    server.close();
  }
  // And a protobuf is still a protobuf when it is not gzipped.
  const raw = gunzipSync((await runDumpgen('debug0')).stdout);
  const pb = await parseGoroutinesAll(fromBuffer(raw), 'debug0.pb');
  assert.equal(pb.info.format, 'pprof');
  assert.equal(pb.info.gzipped, false);
});

test(
  'a FIFO and a process substitution <(cat dump) are read as streams',
  { skip: needGo || (process.platform === 'win32' ? 'no FIFOs' : false) },
  async (t) => {
    const dump = (await runDumpgen('stack')).stdout;
    const expected = headers(dump.toString());
    const fifo = path.join(dir, 'dump.fifo');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return t.skip('mkfifo is not available');
    }
    // The writer blocks until goscope opens the FIFO; it ends when the dump is written.
    const writer = spawn(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(fifo)}, require('fs').readFileSync(0))`], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    writer.stdin.end(dump);
    const r = await goscope(['goroutines', fifo, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as DumpJson).total, expected);
    await new Promise((resolve) => (writer.exitCode !== null ? resolve(null) : writer.once('exit', resolve)));

    const stack = file('stack.txt', dump);
    const bash = ['/bin/bash', '/usr/bin/bash'].find((b) => existsSync(b));
    if (!bash) return t.skip('bash is not available for <(…)');
    const cli = path.join(repoRoot, 'bin/goscope.js');
    const out = execFileSync(bash, ['-c', `"${process.execPath}" "${cli}" goroutines <(cat "${stack}") --json`], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    assert.equal((JSON.parse(out) as DumpJson).total, expected);
  },
);

test('goroutines diff across dump forms: the same stacks are the same groups (debug=2, debug=1, debug=0)', { skip: needGo, timeout: 120_000 }, async () => {
  const forms = {
    debug2: file('f.debug2.txt', (await runDumpgen('debug2')).stdout),
    debug1: file('f.debug1.txt', (await runDumpgen('debug1')).stdout),
    debug0: file('f.debug0.pb.gz', (await runDumpgen('debug0')).stdout),
  };
  for (const [a, b] of [
    ['debug2', 'debug0'],
    ['debug2', 'debug1'],
    ['debug1', 'debug0'],
    ['debug0', 'debug2'],
  ] as const) {
    const r = await goscope(['goroutines', 'diff', forms[a], forms[b], '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as DiffJson;
    // Separate runs of one program: only the spinning goroutine may be caught elsewhere in its loop.
    const moved = d.groups.filter((g) => g.status !== 'same' && !g.frames.some((f) => f.function === 'main.spinCPU'));
    assert.deepEqual(
      moved.map((g) => `${g.status} ${g.name}`),
      [],
      `${a} → ${b}`,
    );
  }
  // Stateless forms use the runtime's words for the wait.
  const j = JSON.parse((await goscope(['goroutines', forms.debug0, '--json'])).stdout) as DumpJson;
  const word = (fn: string) => j.groups.find((g) => g.site?.function === fn)?.waitText;
  assert.equal(word('main.blockNetRead'), 'IO wait');
  assert.equal(word('main.blockSelectNoCases'), 'select (no cases)');
  assert.equal(word('main.blockRWMutexRLock'), 'sync.RWMutex.RLock');
  assert.equal(word('main.writeProfile'), 'running', 'the goroutine writing the profile');
});

test('a live net/http service: goroutine 1 and the pprof handler match across debug=2 and debug=0', { skip: needGo, timeout: 60_000 }, async () => {
  const demo = await startDemo();
  try {
    const out = path.join(dir, 'caps-demo');
    const r = await goscope([
      'goroutines',
      'diff',
      `${demo.url}/debug/pprof/goroutine?debug=2`,
      `${demo.url}/debug/pprof/goroutine?debug=0`,
      '--json',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as DiffJson;
    const main = d.groups.filter((g) => g.frames.some((f) => f.function === 'main.main'));
    assert.deepEqual(
      main.map((g) => g.status),
      ['same'],
      'goroutine 1 is one group in both forms',
    );
    const writer = d.groups.filter((g) => g.frames.some((f) => f.function === 'runtime/pprof.(*Profile).WriteTo'));
    assert.deepEqual(
      writer.map((g) => g.status),
      ['same'],
      'the goroutine serving the dump is one group',
    );
    const pool = d.groups.find((g) => g.site?.function === 'main.poolWorker');
    assert.equal(pool?.status, 'same');
  } finally {
    await demo.stop();
  }
});

test('groups that would read the same name the frame where their stacks differ (edited real dump)', { skip: needGo }, async () => {
  // Two goroutines blocked at the same line, created by the same go statement, reached
  // through different callers: the real blockChanRecv goroutine, and a copy whose caller
  // frame says another line.
  const text = (await runDumpgen('stack')).stdout.toString();
  const block = text.split(/\n\n/).find((b) => /\nmain\.blockChanRecv\(/.test(b))!;
  const lines = block.split('\n');
  const copy = [
    lines[0]!.replace(/^goroutine \d+/, 'goroutine 999999'),
    'main.blockChanRecv(0x0?)',
    lines[2]!,
    'main.relay(...)',
    '\t/tmp/relay.go:7',
    ...lines.slice(3),
  ].join('\n');
  const { goroutines } = await parseGoroutinesAll(fromBuffer(Buffer.from(text + '\n' + copy + '\n')), 'x');
  const groups = groupAll(goroutines).filter((g) => g.frames[0]?.func === 'main.blockChanRecv');
  assert.equal(groups.length, 2);
  const names = groups.map((g) => `${waitText(g)} ${groupName(g)}`);
  assert.notEqual(names[0], names[1]);
  assert.ok(
    names.some((n) => n.includes('differs at main.relay tmp/relay.go:7')),
    names.join('\n'),
  );
  // Every other group of the dump reads differently from all the others.
  const all = groupAll(goroutines).map((g) => `${waitText(g)} ${groupName(g)}`);
  assert.equal(new Set(all).size, all.length, all.join('\n'));
});
