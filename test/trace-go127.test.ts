// Execution traces written by Go 1.27 (NEWER_GO, with `go 1.27` in the fixtures' go.mod).
// Go 1.27 writes no new trace format: its header says "go 1.26 trace" and its
// internal/trace reader has no Go127 version (only a String for ProcSyscallAbandoned
// changed). These tests prove goscope reads what Go 1.27 writes as Go 1.27's own tools
// do: the tracegen trace event for event against `go tool trace -d=parsed` of Go 1.27
// (Event.String, stacks included), and a trace goscope captures from the demo built with
// Go 1.27, by event counts. Both show the header for what it is. They skip with the
// reason when Go 1.27 cannot be downloaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventString, orderedEvents, readTraceHeader } from '../src/formats/trace/index.js';
import { goscope } from './support/cli.js';
import { NEWER_GO, newerGoUnavailable, startDemo, type Demo } from './support/go.js';
import { runLines } from './support/go-tool.js';
import { writeTracegenTrace } from './support/tracegen.js';

const GO127 = { toolchain: NEWER_GO, goDirective: '1.27' } as const;
let skip: string | false = false;
let tmp = '';
let demo: Demo | null = null;

before(async () => {
  skip = newerGoUnavailable();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'goscope-go127-trace-'));
});

after(async () => {
  await demo?.stop();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const EVENT_LINE = /^M=-?\d+ P=-?\d+ G=-?\d+ (\w+) Time=\d+/;

/** Go 1.27's `go tool trace -d=parsed`: the whole text of each event (stack lines included). */
async function goEvents(file: string): Promise<string[]> {
  const texts: string[][] = [];
  await runLines(
    'go',
    ['tool', 'trace', '-d=parsed', file],
    (line) => {
      if (EVENT_LINE.test(line)) texts.push([line]);
      else texts[texts.length - 1]?.push(line);
    },
    120_000,
    NEWER_GO,
  );
  return texts.map((t) => t.join('\n'));
}

test('tracegen built with Go 1.27: every event as Go 1.27 go tool trace -d=parsed prints it', async (t) => {
  if (skip) return t.skip(skip);
  const file = await writeTracegenTrace(tmp, 120_000, GO127);
  const buf = await fsp.readFile(file);
  const header = readTraceHeader(buf, file);
  assert.equal(header.version, 26, 'Go 1.27 writes format go1.26');
  const want = await goEvents(file);
  assert.ok(want.length > 10_000, `go printed ${want.length} events`);
  const got = [...orderedEvents(buf, { input: file })].map(eventString);
  assert.equal(got.length, want.length);
  const i = got.findIndex((x, k) => x !== want[k]);
  if (i >= 0) assert.fail(`event ${i}:\n  go 1.27:\n${want[i]}\n  goscope:\n${got[i]}`);

  const r = await goscope(['trace', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^trace: format go1\.26 \(written by Go 1\.26 or 1\.27\), /m);
  const j = JSON.parse((await goscope(['trace', file, '--json'])).stdout) as {
    goVersion: string;
    traceFormat: { version: string; writtenBy: string[] };
    events: number;
  };
  assert.equal(j.goVersion, 'go1.26');
  assert.deepEqual(j.traceFormat, { version: 'go1.26', writtenBy: ['go1.26', 'go1.27'] });
  assert.equal(j.events, want.length);
});

test('the demo built with Go 1.27: a trace goscope captures has the events of Go 1.27 go tool trace -d=parsed', async (t) => {
  if (skip) return t.skip(skip);
  demo = await startDemo({ ...GO127, timeoutMs: 60_000 });
  const out = path.join(tmp, 'capture');
  const r = await goscope(['trace', demo.url, '--seconds', '1', '--json', '--out', out], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    savedTo: string;
    events: number;
    eventsByKind: Record<string, number>;
    traceFormat: { version: string; writtenBy: string[] };
  };
  assert.equal(j.traceFormat.version, 'go1.26');
  assert.ok(j.traceFormat.writtenBy.includes('go1.27'));
  const want: Record<string, number> = {};
  for (const e of await goEvents(j.savedTo)) {
    const kind = EVENT_LINE.exec(e)![1]!;
    want[kind] = (want[kind] ?? 0) + 1;
  }
  assert.deepEqual(j.eventsByKind, want);
  assert.equal(
    j.events,
    Object.values(want).reduce((a, b) => a + b, 0),
  );
});
