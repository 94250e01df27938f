// Ctrl-C as a user presses it: the real CLI, a service that drips a body, SIGINT. The
// process exits 130 with one line on stderr, the temporary file being written is gone,
// and the capture taken before it is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { needGo, repoRoot, runDumpgen } from './support/go.js';
import { startHostile } from './support/hostile.js';

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('Ctrl-C while a body drips: exit 130, one line, no .tmp left, earlier captures kept', { skip: needGo, timeout: 180_000 }, async () => {
  const dump = (await runDumpgen('debug2')).stdout;
  assert.ok(dump.length > 0);
  const server = await startHostile({ dripMs: 100, serve: (p) => (p === '/debug/pprof/goroutine' ? dump : undefined) });
  const cwd = mkdtempSync(path.join(tmpdir(), 'goscope-interrupt-'));
  const out = path.join(cwd, 'caps');
  try {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'bin/goscope.js'),
        'goroutines',
        'diff',
        server.base('ok') + 'goroutine?debug=2',
        server.base('drip') + 'goroutine?debug=2',
        '--out',
        out,
        '--timeout',
        '120s',
      ],
      { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // The first dump is saved and the second one is being written when Ctrl-C comes. Wait
      // for the second one's temporary file by name: the first one's has a .tmp too while it
      // is being written, and a loaded machine can be caught in that moment.
      await until(
        'the dripping capture to start',
        () => existsSync(out) && readdirSync(out).some((f) => f.startsWith('.after.goroutine.txt.') && f.endsWith('.tmp')),
        60_000,
      );
      assert.ok(readdirSync(out).includes('before.goroutine.txt'), readdirSync(out).join(', '));
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      assert.equal(code, 130, `stderr: ${stderr}`);
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(stdout, '');
    assert.match(stderr, /^goscope: interrupted \(SIGINT\); captures already saved are kept\n$/);
    assert.deepEqual(readdirSync(out), ['before.goroutine.txt'], 'no .tmp or .partial left; the earlier capture kept');
    assert.deepEqual(readdirSync(cwd), ['caps'], 'nothing outside the capture folder');
  } finally {
    await server.close();
    rmSync(cwd, { recursive: true, force: true });
  }
});
