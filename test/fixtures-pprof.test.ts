// The checked-in profiles (testdata/fixtures/pprof, written by testdata/go/profgen) without
// Go: every one decodes, goscope's top text equals the `go tool pprof -top` text recorded
// when it was written (every sample type, verbatim, header included), and encoding then
// decoding gives the same profile and the same text. test/fixtures-oracle.test.ts checks
// that the recorded text is still what pprof prints.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProfile, encodeProfile, type Profile } from '../src/formats/pprof/index.js';
import { top } from '../src/analysis/profile/index.js';
import { renderTopText } from '../src/report/top.js';
import { style } from '../src/report/term.js';
import { readFixture, readManifest, sha256 } from './support/fixtures.js';

const plain = style(false);
const profiles = readManifest().fixtures.filter((f) => f.kind === 'pprof');

function topText(p: Profile, sampleIndex: string | undefined): string {
  return renderTopText(top(p, { sampleIndex }), p, plain);
}

test('the manifest lists the five profile kinds, each with one -top text per sample type', () => {
  const kinds = profiles.map((f) => /^pprof\/(\w+)\./.exec(f.file)![1]).sort();
  assert.deepEqual(kinds, ['block', 'cpu', 'goroutine', 'heap', 'mutex']);
  for (const f of profiles) {
    const buf = readFixture(f.file);
    assert.equal(sha256(buf), f.sha256, `${f.file}: sha256 of the manifest`);
    assert.deepEqual([buf[0], buf[1]], [0x1f, 0x8b], `${f.file} is gzipped, as served`);
    const p = decodeProfile(buf, f.file);
    assert.deepEqual(
      f.references.map((r) => r.sampleIndex),
      p.sampleTypes.map((t) => t.type),
      f.file,
    );
  }
});

for (const f of profiles) {
  test(`${f.file}: top equals the recorded go tool pprof -top for every sample type`, () => {
    const p = decodeProfile(readFixture(f.file), f.file);
    assert.ok(p.samples.length > 0, 'has samples');
    for (const r of f.references) {
      const want = readFixture(r.file).toString('utf8');
      assert.equal(topText(p, r.sampleIndex), want, `${r.command}`);
    }
  });

  test(`${f.file}: encode/decode round trip keeps the profile and its top`, () => {
    const p = decodeProfile(readFixture(f.file), f.file);
    for (const gzip of [false, true]) {
      const again = decodeProfile(encodeProfile(p, { gzip }), `${f.file} re-encoded`);
      assert.deepEqual(again, p, `gzip ${gzip}`);
      for (const r of f.references) assert.equal(topText(again, r.sampleIndex), readFixture(r.file).toString('utf8'), `${r.command}, re-encoded`);
    }
  });
}
