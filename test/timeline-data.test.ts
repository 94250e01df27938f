// The trace timeline's data block in Node: the report writes the Timeline's columns as
// base64 (src/shared/base64.ts, timeline-data.ts) and the page decodes them with the same
// module; tested here on a real trace (testdata/go/tracegen), with Node's Buffer as the
// reference base64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needGo } from './support/go.js';
import { writeTracegenTrace } from './support/tracegen.js';
import { mulberry32 } from '../scripts/prng.js';
import { orderedEvents } from '../src/formats/trace/index.js';
import { buildTimeline } from '../src/analysis/trace/timeline.js';
import { jsonForScript } from '../src/report/html.js';
import { float64sFromBase64, fromBase64, int32sFromBase64, toBase64 } from '../src/shared/base64.js';
import { STATE_RUNNING, type Timeline } from '../src/shared/timeline.js';
import { parseTimelineData, timelineBlock } from '../src/shared/timeline-data.js';

test("base64 of typed-array bytes equals Buffer's, for every tail length and for views into a larger buffer", () => {
  const rnd = mulberry32(12);
  const big = Uint8Array.from({ length: 100_003 }, () => Math.floor(rnd() * 256));
  for (let n = 0; n <= 10; n++) {
    const a = big.subarray(0, n);
    assert.equal(toBase64(a).text, Buffer.from(a).toString('base64'), `${n} bytes`);
    assert.deepEqual(fromBase64(toBase64(a).text), a);
  }
  assert.equal(toBase64(big).text, Buffer.from(big).toString('base64'));
  // A view that starts inside its buffer (the writer gets subarrays) and other element types.
  const f = new Float64Array(big.buffer.slice(0, 80_000)).subarray(3, 9_001);
  assert.equal(toBase64(f).text, Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64'));
  assert.deepEqual(float64sFromBase64(toBase64(f).text), f);
  const i = Int32Array.of(0, -1, 2 ** 31 - 1, -(2 ** 31), 42);
  assert.deepEqual(int32sFromBase64(toBase64(i).text), i);
});

test('the timeline block of a real trace decodes to the same columns; what the page derives is right', { skip: needGo }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'goscope-timeline-data-'));
  let tl: Timeline;
  try {
    const file = await writeTracegenTrace(dir);
    tl = buildTimeline(orderedEvents(readFileSync(file), { input: file }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(tl.intervals.count > 1000 && tl.regions.count > 0 && tl.gc.count > 0, 'the trace has intervals, regions and GC ranges');
  tl.strings.push('</script><!-- \u2028');
  const block = timelineBlock(tl);
  const text = jsonForScript(block);
  assert.equal(
    text,
    JSON.stringify(block).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')),
    'what JSON.stringify writes, escaped',
  );
  assert.ok(!/<\/script|<!--|\u2028/.test(text), 'nothing in the block can end the script element');
  const d = parseTimelineData(text);
  assert.deepEqual([d.start, d.end, d.strings], [tl.start, tl.end, tl.strings]);
  const g = tl.goroutines;
  assert.deepEqual([d.g.n, d.g.id, d.g.name, d.g.parent, d.g.first, d.g.off], [g.count, g.id, g.name, g.parent, g.firstSeen, g.offset]);
  const iv = tl.intervals;
  assert.deepEqual([d.iv.n, d.iv.start, d.iv.end, d.iv.state, d.iv.aux], [iv.count, iv.start, iv.end, iv.state, iv.aux]);
  const p = tl.procs;
  assert.deepEqual([d.p.n, d.p.id, d.p.off, d.p.iv], [p.count, p.id, p.offset, p.interval]);
  const gc = tl.gc;
  assert.deepEqual([d.gc.n, d.gc.start, d.gc.end, d.gc.kind, d.gc.label], [gc.count, gc.start, gc.end, gc.kind, gc.label]);
  const rg = tl.regions;
  assert.deepEqual([d.rg.n, d.rg.g, d.rg.start, d.rg.end, d.rg.name, d.rg.depth, d.rg.off], [rg.count, rg.g, rg.start, rg.end, rg.name, rg.depth, rg.offset]);

  // Derived: each interval's goroutine, each goroutine's running time, region runs.
  for (let i = 0; i < g.count; i++) {
    let running = 0;
    for (let k = g.offset[i]!; k < g.offset[i + 1]!; k++) {
      if (d.iv.owner[k] !== i) assert.fail(`interval ${k} belongs to goroutine ${i}`);
      if (iv.state[k] === STATE_RUNNING) running += iv.end[k]! - iv.start[k]!;
    }
    if (d.running[i] !== running) assert.fail(`running time of goroutine ${i}`);
  }
  for (let k = 0; k < rg.count; k++) {
    let e = k + 1;
    while (e < rg.count && rg.g[e] === rg.g[k] && rg.depth[e] === rg.depth[k]) e++;
    if (d.rg.segEnd[k] !== e) assert.fail(`region ${k}: its run of (goroutine, depth) ends at ${e}, not ${d.rg.segEnd[k]}`);
  }
  assert.throws(() => parseTimelineData(text.replace('"v":1', '"v":2')), /unknown timeline data version 2/);
});
