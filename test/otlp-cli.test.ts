// goscope otlp as a user runs it: it says where it listens, receives the Go SDK's export
// over HTTP and gRPC, and on Ctrl-C (SIGINT) flushes, summarises (--json goscope.otlp/v1)
// and exits 0; usage mistakes exit 2, an address in use exits 1 with one line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { needGo, repoRoot } from './support/go.js';
import { goscope } from './support/cli.js';
import { buildOtlpgen, readTruth, runOtlpgen } from './support/otlpgen.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-otlp-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('goscope otlp receives until SIGINT, then saves and summarises (exit 0)', async (t) => {
  if (needGo) return t.skip(needGo);
  try {
    await buildOtlpgen();
  } catch (e) {
    return t.skip(`otlpgen could not be built: ${(e as Error).message.split('\n')[0]}`);
  }
  const out = path.join(tmp, 'cap');
  const p = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin/goscope.js'), 'otlp', '--listen', '127.0.0.1:0', '--grpc-listen', '127.0.0.1:0', '--out', out, '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (b: Buffer) => (stdout += b));
  const listening = new Promise<string>((resolve, reject) => {
    p.stderr.on('data', (b: Buffer) => {
      stderr += b;
      if (stderr.includes('\n')) resolve(stderr);
    });
    p.on('exit', () => reject(new Error(`goscope otlp exited early: ${stderr}`)));
  });
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  const kill = setTimeout(() => p.kill('SIGKILL'), 60_000);
  try {
    const line = await listening;
    const m = /^goscope: receiving OTLP\/HTTP on (127\.0\.0\.1:\d+), OTLP\/gRPC on (127\.0\.0\.1:\d+); saving to .*; Ctrl-C to stop\n/.exec(line);
    assert.ok(m, line);
    const truthFile = path.join(tmp, 'truth.jsonl');
    const r = await runOtlpgen(['-export', `http://${m[1]}`, '-export', `grpc://${m[2]}`, '-traces', '4', '-logs', '-truth', truthFile, '-service', 'svc-a']);
    assert.equal(r.code, 0, r.stderr);
    p.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    const j = JSON.parse(stdout);
    const truth = readTruth(truthFile);
    assert.equal(j.schema, 'goscope.otlp/v1');
    assert.equal(j.stoppedBy, 'interrupt');
    assert.equal(j.spans, 2 * truth.spans.length);
    assert.equal(j.logs, 2 * truth.logs.length);
    assert.equal(j.traces, 4);
    assert.deepEqual(j.services, [{ name: 'svc-a', spans: 2 * truth.spans.length, logs: 2 * truth.logs.length }]);
    assert.deepEqual(j.rejected, { items: 0, requests: 0 });
    assert.equal(readFileSync(j.files.traces, 'utf8').trim().split('\n').length, j.requests - readFileSync(j.files.logs, 'utf8').trim().split('\n').length);
  } finally {
    clearTimeout(kill);
    if (p.exitCode === null) p.kill('SIGKILL');
  }
});

test('goscope otlp: usage errors exit 2, an address in use exits 1 with one line', async () => {
  let r = await goscope(['otlp', 'extra', '--out', tmp]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /otlp: unexpected argument "extra"/);
  r = await goscope(['otlp', '--listen', 'off', '--grpc-listen', 'off', '--out', tmp]);
  assert.equal(r.code, 2);
  r = await goscope(['otlp', '--listen', 'nonsense', '--out', tmp]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--listen "nonsense": expected HOST:PORT/);
  const busy = net.createServer();
  await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
  const port = (busy.address() as net.AddressInfo).port;
  r = await goscope(['otlp', '--listen', `127.0.0.1:${port}`, '--grpc-listen', 'off', '--out', tmp, '--duration', '1s']);
  busy.close();
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /OTLP\/HTTP 127\.0\.0\.1:\d+: cannot listen: the address is in use/);
});
