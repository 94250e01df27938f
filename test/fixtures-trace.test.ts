// The checked-in execution trace (testdata/fixtures/trace, written by testdata/go/tracegen)
// without Go: goscope reads it, orders its events, and the digest of its events (per
// generation, per kind and state transition) equals the digest of `go tool trace
// -d=parsed` recorded when it was written. test/fixtures-oracle.test.ts checks that the
// recorded digest is still what go tool trace prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventString, orderedEvents, readTrace, readTraceHeader } from '../src/formats/trace/index.js';
import { readFixture, readManifest, sha256 } from './support/fixtures.js';
import { TraceDigester, type TraceDigest } from './support/trace-digest.js';

const traces = readManifest().fixtures.filter((f) => f.kind === 'trace');

test('the manifest lists a trace with its recorded digest', () => {
  assert.ok(traces.length >= 1);
  for (const f of traces) {
    assert.equal(sha256(readFixture(f.file)), f.sha256, f.file);
    assert.equal(f.references.length, 1);
  }
});

for (const f of traces) {
  test(`${f.file}: the event digest equals go tool trace -d=parsed's, recorded`, () => {
    const buf = readFixture(f.file);
    const header = readTraceHeader(buf, f.file);
    assert.match(f.go, new RegExp(`go1\\.${header.version}\\b`), 'the header names the Go that wrote it');
    const want = JSON.parse(readFixture(f.references[0]!.file).toString('utf8')) as TraceDigest;
    const d = new TraceDigester();
    for (const e of orderedEvents(buf, { input: f.file })) d.line(eventString(e).split('\n', 1)[0]!);
    const got = d.digest();
    assert.equal(got.events, want.events, 'events');
    assert.equal(got.generations.length, want.generations.length, 'generations (Sync events)');
    got.generations.forEach((g, i) => assert.deepEqual(g, want.generations[i], `generation ${i + 1}`));
    // The wire-level reader agrees on the number of generations.
    assert.equal(readTrace(buf, f.file).generations.length + 1, want.generations.length, 'one Sync per generation plus the final one');
  });
}
