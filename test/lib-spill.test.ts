// src/lib/spill.ts: records partitioned by key into temporary files and read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { partitionOf, Spill } from '../src/lib/spill.js';

test('spill: every line of a key in one partition, in the order added; counts; close removes the folder', () => {
  const s = new Spill({ parts: 5, flushBytes: 64 });
  const added = new Map<string, string[]>();
  for (let i = 0; i < 2000; i++) {
    const key = `trace-${i % 37}`;
    const line = `${key} #${i} ü€𝄞`;
    s.add(key, line);
    const l = added.get(key) ?? [];
    l.push(line);
    added.set(key, l);
  }
  assert.equal(readdirSync(s.dir).length, 5);
  s.finish();
  const seen = new Map<string, string[]>();
  let total = 0;
  for (let p = 0; p < s.parts; p++) {
    let n = 0;
    for (const line of s.lines(p)) {
      const key = line.split(' ')[0]!;
      assert.equal(partitionOf(key, 5), p, `${key} read from partition ${p}`);
      const l = seen.get(key) ?? [];
      l.push(line);
      seen.set(key, l);
      n++;
    }
    assert.equal(n, s.count(p));
    total += n;
  }
  assert.equal(total, 2000);
  assert.deepEqual(seen, added);
  assert.ok(s.bytes > 2000 * 10);
  const dir = s.dir;
  s.close();
  assert.equal(existsSync(dir), false);
  assert.throws(() => s.add('k', 'x'), /after close/);
});

test('spill: lines longer than the 1 MiB read chunk, with multi-byte characters across chunk boundaries, come back whole', () => {
  const s = new Spill({ parts: 1 });
  // 3-byte characters: a chunk boundary falls inside one.
  const long = 'a' + '€'.repeat(700_000);
  const lines = ['short', long, '', 'ü'.repeat(600_000) + 'end', 'last'];
  for (const l of lines) s.add('k', l);
  try {
    assert.deepEqual([...s.lines(0)], lines, 'lines() flushes what is pending first');
  } finally {
    s.close();
  }
});

test('spill: partitionOf spreads keys and rejects nothing; parts must be a positive integer', () => {
  const counts = new Array(16).fill(0) as number[];
  for (let i = 0; i < 16_000; i++) counts[partitionOf(i.toString(16).padStart(32, '0'), 16)]!++;
  for (const c of counts) assert.ok(c > 700 && c < 1300, `partition sizes ${counts.join(',')}`);
  assert.throws(() => new Spill({ parts: 0 }), RangeError);
});
