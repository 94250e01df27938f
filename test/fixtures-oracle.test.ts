// The checked-in fixtures against the references, re-run now (oracle group: needs Go): the
// recorded `go tool pprof -top` texts and `go tool trace -d=parsed` digests are still what
// those tools print for these files (with the Go that wrote them: the installed one, or
// Go 1.27.3 from the module proxy), the expositions metricsgen writes the same bytes every
// run are still those bytes with the same truth, and every sha256 in the manifest holds.
// A failure here means a fixture is stale: run `npm run fixtures`.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
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

test('metricsgen still writes the checked-in text exposition and truth, byte for byte', async (t) => {
  const fixed = manifest.fixtures.filter((x) => x.kind === 'metrics' && x.deterministic);
  assert.ok(fixed.length > 0, 'a deterministic exposition');
  const skip = toolchainSkip(fixed[0]!);
  if (skip) return t.skip(skip);
  let bin: string;
  try {
    bin = await buildGo('testdata/go/metricsgen', { trimpath: true });
  } catch (e) {
    return t.skip(`metricsgen could not be built (client_golang comes from the module proxy): ${(e as Error).message.split('\n')[0]}`);
  }
  const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-fixtures-oracle-'));
  try {
    for (const f of fixed) {
      const truth = path.join(tmp, 'truth.jsonl');
      const args = f.args.map((a) => (a === 'FILE' ? truth : a));
      const out = execFileSync(bin, args, { env: goEnv(f.env), maxBuffer: 1 << 24 });
      assert.ok(out.equals(readFixture(f.file)), `${f.file}: metricsgen ${args.join(' ')} wrote other bytes`);
      assert.equal(readFileSync(truth, 'utf8'), readFixture(f.references[0]!.file).toString('utf8'), `${f.references[0]!.file}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
