// Grouping at each similarity level, on real runtime output with varied stacks and
// arguments (the benchmark generator at a small size), cross-checked against grouping by
// the plain-text signature so the hashed keys cannot silently merge or split groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromBuffer } from '../src/formats/input.js';
import { parseGoroutinesAll } from '../src/formats/goroutines/parse.js';
import { Grouper, groupSignature, maskPointers, SIMILARITIES, type GoroutineGroup, type Similarity } from '../src/analysis/goroutines/group.js';
import { groupFile } from '../src/cli/group-file.js';
import { buildGo, needGo, runDumpgen } from './support/go.js';

test('maskPointers: addresses and "?" values masked, small exact values kept', () => {
  assert.equal(maskPointers('0xc000102a80, 0x3, {0x519bc8?, 0x13d793692ab0?}, 0x0?'), '*, 0x3, {*?, *?}, *?');
  assert.equal(maskPointers('0x400000, 0x3fffff, 0x10'), '*, 0x3fffff, 0x10');
  assert.equal(maskPointers('...'), '...');
  assert.equal(maskPointers(''), '');
});

test('similarity levels on a real dump with varied stacks and arguments', { skip: needGo }, async () => {
  const bin = await buildGo('bench/goroutines/gen');
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'goscope-group-')), 'stack.txt');
  execFileSync(bin, ['-n', '3000', '-o', out], { stdio: 'ignore' });
  const { goroutines, info } = await parseGoroutinesAll(fromBuffer(readFileSync(out)), out);
  assert.ok(info.total >= 3000);
  const counts: number[] = [];
  for (const sim of SIMILARITIES) {
    const gr = new Grouper(sim);
    for (const g of goroutines) gr.add(g);
    const groups = gr.groups();
    assert.equal(
      groups.reduce((s, g) => s + g.count, 0),
      info.total,
      `${sim}: every goroutine in one group`,
    );
    // The same partition as grouping by the plain signature text.
    const naive = new Map<string, number>();
    for (const g of goroutines) naive.set(groupSignature(g, sim), (naive.get(groupSignature(g, sim)) ?? 0) + 1);
    assert.equal(groups.length, naive.size, `${sim}: group count equals the string-keyed grouping`);
    assert.deepEqual(
      groups.map((g) => g.count).sort((a, b) => a - b),
      [...naive.values()].sort((a, b) => a - b),
    );
    counts.push(groups.length);
  }
  // exact >= pointer >= value >= function, and the levels really differ on this dump.
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i - 1]! >= counts[i]!, counts.join(' '));
  assert.ok(counts[0]! > counts[1]! && counts[1]! > counts[2]!, `levels differ: ${counts.join(' ')}`);
});

test('a file split across worker threads groups exactly as one pass does', { skip: needGo }, async () => {
  const bin = await buildGo('bench/goroutines/gen');
  const dir = mkdtempSync(path.join(tmpdir(), 'goscope-par-'));
  const big = path.join(dir, 'stack.txt');
  execFileSync(bin, ['-n', '4000', '-o', big], { stdio: 'ignore' });
  const crash = path.join(dir, 'crash.txt');
  writeFileSync(crash, (await runDumpgen('panic', { env: { GOTRACEBACK: 'all' } })).stderr);
  const cut = path.join(dir, 'cut.txt');
  const whole = readFileSync(big);
  writeFileSync(cut, whole.subarray(0, whole.length - 700)); // ends inside a goroutine
  // Damaged in every part: skipped lines keep their line numbers across the split.
  const damaged = path.join(dir, 'damaged.txt');
  const lines = whole.toString('latin1').split('\n');
  for (let k = 1; k <= 8; k++) {
    const i = lines.findIndex((l, j) => j >= Math.floor((lines.length * k) / 9) && /^main\.\S+\(/.test(l));
    lines[i] = lines[i]!.slice(0, lines[i]!.indexOf('(') + 1); // a function line cut short
  }
  writeFileSync(damaged, lines.join('\n'), 'latin1');
  const view = (gs: GoroutineGroup[], sim: Similarity) =>
    gs
      .map((g) =>
        JSON.stringify([
          groupSignature(g, sim),
          g.count,
          g.states,
          g.waitMinutes,
          g.ids,
          g.parentIds,
          g.labels,
          g.frames,
          g.createdBy,
          g.blockingSite,
          g.leaked,
        ]),
      )
      .sort();
  for (const [file, partial] of [
    [big, false],
    [crash, false],
    [cut, true],
    [damaged, false],
  ] as const) {
    const size = statSync(file).size;
    for (const sim of SIMILARITIES) {
      const opts = { allowPartial: partial, args: sim === 'pointer' || sim === 'exact' };
      const one = await groupFile(file, file, size, sim, { ...opts, threads: 1 });
      const par = await groupFile(file, file, size, sim, { ...opts, threads: 3, split: 'always' });
      assert.equal(one.parts, 1);
      assert.ok(par.parts >= 2, `the parallel path really ran (${par.parts} parts)`);
      assert.deepEqual(view(par.groups, sim), view(one.groups, sim), `${path.basename(file)} at ${sim}`);
      assert.deepEqual(
        { ...par.info, records: par.info.records },
        { ...one.info, records: one.info.records },
        `${path.basename(file)} at ${sim}: same totals, crash line and truncation`,
      );
    }
  }
  const crashInfo = (await groupFile(crash, crash, statSync(crash).size, 'value', { threads: 2, split: 'always' })).info;
  assert.match(crashInfo.crash ?? '', /^panic: boom/);
  const dmg = (await groupFile(damaged, damaged, statSync(damaged).size, 'value', { threads: 3, split: 'always' })).info.skipped;
  assert.equal(dmg?.first.length, 5);
  const text = readFileSync(damaged, 'latin1').split('\n');
  for (const s of dmg!.first) assert.equal(text[s.line - 1]!.trim(), s.text, `line ${s.line} is the one reported`);
});
