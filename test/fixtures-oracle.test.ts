// The checked-in fixtures against the references, re-run now (oracle group: needs Go): the
// recorded `go tool pprof -top` texts and `go tool trace -d=parsed` digests are still what
// those tools print for these files (with the Go that wrote them: the installed one, or
// Go 1.27.3 from the module proxy), the fixtures a program writes the same every run (the
// text exposition with its truth, the debug=1 dump, the single-goroutine panic) are still
// its bytes, and every sha256 in the manifest holds.
// A failure here means a fixture is stale: run `npm run fixtures`.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { buildGo, goEnv, NEWER_GO, needGo, newerGoUnavailable, type Toolchain } from './support/go.js';
import { runLines, runPprof } from '../scripts/go-tools.js';
import { fixturePath, readFixture, readManifest, sha256, type Fixture } from './support/fixtures.js';
import { TraceDigester } from './support/trace-digest.js';

const manifest = readManifest();

/** Why the toolchain that wrote `f` cannot run here, or false. */
function toolchainSkip(f: Fixture): string | false {
  if (needGo) return needGo;
  if (f.toolchain === 'local') {
    const v = execFileSync('go', ['version'], { env: goEnv(), encoding: 'utf8' }).trim();
    return v === f.go ? false : `${f.file} was written by "${f.go}", the installed Go is "${v}": run npm run fixtures`;
  }
  if (f.toolchain === NEWER_GO) return newerGoUnavailable();
  return `unknown toolchain ${f.toolchain}`;
}

test('every sha256 of the manifest holds, fixtures and references', () => {
  for (const f of manifest.fixtures) {
    assert.equal(sha256(readFixture(f.file)), f.sha256, f.file);
    for (const r of f.references) assert.equal(sha256(readFixture(r.file)), r.sha256, r.file);
  }
});

for (const f of manifest.fixtures.filter((x) => x.kind === 'pprof')) {
  test(`${f.file}: go tool pprof -top still prints the recorded text for every sample type`, (t) => {
    const skip = toolchainSkip(f);
    if (skip) return t.skip(skip);
    for (const r of f.references) {
      const now = runPprof(['-top', `-sample_index=${r.sampleIndex}`, fixturePath(f.file)], undefined, f.toolchain as Toolchain);
      assert.equal(now.status, 0, now.stderr);
      assert.equal(now.stdout, readFixture(r.file).toString('utf8'), r.command);
    }
  });
}

for (const f of manifest.fixtures.filter((x) => x.kind === 'trace')) {
  test(`${f.file}: go tool trace -d=parsed still gives the recorded digest`, async (t) => {
    const skip = toolchainSkip(f);
    if (skip) return t.skip(skip);
    const d = new TraceDigester();
    await runLines('go', ['tool', 'trace', '-d=parsed', fixturePath(f.file)], (l) => d.line(l), 120_000, f.toolchain as Toolchain);
    assert.deepEqual(d.digest(), JSON.parse(readFixture(f.references[0]!.file).toString('utf8')));
  });
}

for (const f of manifest.fixtures.filter((x) => x.deterministic)) {
  test(`${f.file}: ${f.program.replace('testdata/go/', '')} still writes it byte for byte (and its truth)`, async (t) => {
    const skip = toolchainSkip(f);
    if (skip) return t.skip(skip);
    let bin: string;
    try {
      bin = await buildGo(f.program, { trimpath: true, toolchain: f.toolchain as Toolchain, goDirective: f.goDirective });
    } catch (e) {
      return t.skip(`${f.program} could not be built (its modules come from the module proxy): ${(e as Error).message.split('\n')[0]}`);
    }
    const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-fixtures-oracle-'));
    try {
      const truth = path.join(tmp, 'truth');
      const args = f.args.map((a) => (a === 'FILE' ? truth : a));
      assert.notEqual(f.output, 'file', 'the deterministic fixtures are what a program prints');
      const r = spawnSync(bin, args, { env: goEnv(f.env), maxBuffer: 1 << 24, timeout: 120_000 });
      assert.equal(r.error, undefined);
      const out = f.output === 'stderr' ? r.stderr : r.stdout;
      assert.ok(out.equals(readFixture(f.file)), `${f.file}: ${f.program} ${args.join(' ')} wrote other bytes: run npm run fixtures`);
      for (const ref of f.references.filter((x) => x.tool.endsWith('-truth')))
        assert.equal(readFileSync(truth, 'utf8'), readFixture(ref.file).toString('utf8'), ref.file);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
