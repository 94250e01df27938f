// Bad input never crashes: one line naming the input, exit code 1 (2 for usage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { goscope, type CliResult } from './support/cli.js';
import { needGo, runDumpgen } from './support/go.js';
import { repoRoot } from './support/go.js';

const dir = mkdtempSync(path.join(tmpdir(), 'goscope-bad-'));
function file(name: string, data: Buffer | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}

function oneLineError(r: CliResult, code: number, input: string, re: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.ok(lines[0]!.startsWith(`goscope: ${input}`), `names the input: ${lines[0]}`);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('empty input', async () => {
  const f = file('empty.txt', '');
  oneLineError(await goscope(['goroutines', f]), 1, f, /empty input/);
  oneLineError(await goscope(['goroutines', '-'], { input: '' }), 1, 'stdin', /empty input/);
});

test('wrong format: text that is not a dump, a JSON file', async () => {
  const f = file('notes.txt', 'hello\nthis is not a goroutine dump\n');
  oneLineError(await goscope(['goroutines', f]), 1, f, /no goroutine dump found/);
  const j = file('x.json', JSON.stringify({ a: 1 }));
  oneLineError(await goscope(['goroutines', j]), 1, j, /no goroutine dump found/);
});

test('binary garbage', async () => {
  const f = file('garbage.bin', Buffer.concat([Buffer.from([0x08, 0x96, 0x01]), randomBytes(5000)]));
  const r = await goscope(['goroutines', f]);
  oneLineError(r, 1, f, /byte \d+|not a pprof profile|protobuf/);
});

test('a CPU profile is not a goroutine profile', { skip: existsSync(path.resolve(repoRoot, '../shared/corpus/pprof')) ? false : 'corpus absent' }, async () => {
  const f = path.resolve(repoRoot, '../shared/corpus/pprof/sample.cpu.pb.gz');
  oneLineError(await goscope(['goroutines', f]), 1, f, /not a goroutine profile/);
});

test('gzip bomb is capped', async () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'goroutine 1 [running]:\n'));
  const f = file('bomb.txt.gz', bomb);
  oneLineError(
    await goscope(['goroutines', f], { env: { GOSCOPE_MAX_INFLATE: String(16 * 1024 * 1024) } }),
    1,
    f,
    /exceeds 16777216 bytes \(possible gzip bomb\)/,
  );
  const zeros = file('zeros.gz', gzipSync(Buffer.alloc(32 * 1024 * 1024)));
  oneLineError(await goscope(['goroutines', zeros], { env: { GOSCOPE_MAX_INFLATE: String(8 * 1024 * 1024) } }), 1, zeros, /gzip bomb/);
});

test('truncated dumps: text, gzip, debug=1; --partial analyses the complete part', { skip: needGo }, async () => {
  const full = (await runDumpgen('stack')).stdout;
  const text = full.toString();
  // Cut right after a function line, before its file:line.
  const cutAt = text.indexOf('main.blockChanSend(') + text.slice(text.indexOf('main.blockChanSend(')).indexOf('\n') + 1;
  const t = file('cut.txt', full.subarray(0, cutAt));
  oneLineError(await goscope(['goroutines', t]), 1, t, /line \d+: dump is truncated inside goroutine \d+ .*--partial/);
  const ok = await goscope(['goroutines', t, '--partial', '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const j = JSON.parse(ok.stdout) as { truncated: boolean; total: number };
  assert.equal(j.truncated, true);
  assert.ok(j.total > 0);
  // Cut mid-line with no newline at all.
  const t2 = file('cut2.txt', full.subarray(0, text.indexOf('main.blockChanSend(') + 8));
  oneLineError(await goscope(['goroutines', t2]), 1, t2, /truncated/);

  const gz = gzipSync(full);
  const tg = file('cut.txt.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  oneLineError(await goscope(['goroutines', tg]), 1, tg, /truncated gzip data/);

  const d1 = (await runDumpgen('debug1')).stdout;
  const t1 = file('cut.debug1.txt', d1.subarray(0, Math.floor(d1.length / 2)));
  oneLineError(await goscope(['goroutines', t1]), 1, t1, /truncated/);

  const d0 = (await runDumpgen('debug0')).stdout;
  const t0 = file('cut.pb.gz', d0.subarray(0, d0.length - 20));
  oneLineError(await goscope(['goroutines', t0]), 1, t0, /truncated/);
});

test('a line that never ends (no newline in 2 MiB of text)', async () => {
  const f = file('long.txt', 'goroutine 1 [running]:\n' + 'x'.repeat(2 * 1024 * 1024));
  oneLineError(await goscope(['goroutines', f]), 1, f, /line 2: line longer than/);
});

test('missing file, unreachable service, usage errors', async () => {
  const missing = path.join(dir, 'nope.txt');
  oneLineError(await goscope(['goroutines', missing]), 1, missing, /no such file/);
  // A port nobody listens on: bind, read the port, close.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const url = `http://127.0.0.1:${port}`;
  const r = await goscope(['goroutines', url], { cwd: dir });
  oneLineError(r, 1, `${url}/debug/pprof/goroutine?debug=2`, /connection refused/);
  const leak = await goscope(['leak', url, '--samples', '6', '--interval', '100ms', '--out', path.join(dir, 'caps')]);
  oneLineError(leak, 1, `${url}/debug/pprof/goroutine?debug=0`, /connection refused/);

  const u1 = await goscope(['goroutines']);
  assert.equal(u1.code, 2);
  const u2 = await goscope(['goroutines', 'x', '--similarity', 'fuzzy']);
  assert.equal(u2.code, 2);
  assert.match(u2.stderr, /--similarity: expected one of exact, pointer, value, function/);
  const u3 = await goscope(['leak', url, '--bogus']);
  assert.equal(u3.code, 2);
  const u4 = await goscope(['leak', url, '--interval', 'soon']);
  assert.equal(u4.code, 2);
  assert.match(u4.stderr, /not a duration/);
  const u6 = await goscope(['leak', url, '--samples', '4']);
  assert.equal(u6.code, 2);
  assert.match(u6.stderr, /--samples: expected an integer >= 6/);
  const u7 = await goscope(['leak', url, '--duration', '10s']);
  assert.equal(u7.code, 2);
  assert.match(u7.stderr, /gives 3 samples; at least 6 are needed/);
  const u5 = await goscope(['frobnicate']);
  assert.equal(u5.code, 2);
});
