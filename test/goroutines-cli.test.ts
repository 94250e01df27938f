// The goroutines command as a user runs it: stdin, filters, the JSON schema, and every
// way to name a live source (base URL, host:port, full profile URLs of each form).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { goscope } from './support/cli.js';
import { needGo, runDumpgen, startDemo } from './support/go.js';

interface GroupJson {
  count: number;
  state: string;
  waitReason: string;
  frames: { function: string; file: string; line: number }[];
  createdBy: { function: string; file: string; line: number } | null;
  blockingSite: { function: string } | null;
  labels: Record<string, string[]>;
}
interface DumpJson {
  schema: string;
  format: string;
  total: number;
  shown: { groups: number; goroutines: number };
  groups: GroupJson[];
}

test('stdin, --filter, --min-count and the JSON schema on a real dump', { skip: needGo }, async () => {
  const dump = (await runDumpgen('stack')).stdout;
  const r = await goscope(['goroutines', '-', '--json'], { input: dump });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as DumpJson;
  assert.equal(j.schema, 'goscope.goroutines/v1');
  assert.equal(j.format, 'text');
  assert.equal(
    j.groups.reduce((s, g) => s + g.count, 0),
    j.total,
  );
  for (const g of j.groups) {
    assert.equal(typeof g.count, 'number');
    assert.equal(typeof g.state, 'string');
    assert.equal(typeof g.waitReason, 'string');
    assert.ok(Array.isArray(g.frames));
    for (const f of g.frames)
      assert.deepEqual(
        Object.keys(f)
          .filter((k) => k !== 'args')
          .sort(),
        ['file', 'function', 'line'],
      );
    assert.ok(g.createdBy === null || typeof g.createdBy.function === 'string');
  }
  const f = JSON.parse((await goscope(['goroutines', '-', '--json', '--filter', '^main\\.blockNilChan'], { input: dump })).stdout) as DumpJson;
  assert.deepEqual(f.groups.map((g) => g.state).sort(), ['chan receive (nil chan)', 'chan send (nil chan)']);
  assert.equal(f.shown.goroutines, 2);
  const debug1 = (await runDumpgen('debug1')).stdout; // carries the pprof labels
  const labelled = JSON.parse((await goscope(['goroutines', '-', '--json', '--filter', 'tenant=t1'], { input: debug1 })).stdout) as DumpJson;
  assert.ok(labelled.groups.length >= 1 && labelled.groups.every((g) => g.labels.tenant?.includes('t1')));
  const m = JSON.parse((await goscope(['goroutines', '-', '--json', '--min-count', '2'], { input: dump })).stdout) as DumpJson;
  assert.ok(m.groups.length >= 1 && m.groups.every((g) => g.count >= 2));
  const text = await goscope(['goroutines', '-', '--min-count', '2'], { input: dump });
  assert.match(text.stdout, new RegExp(`^${j.total} goroutines in \\d+ groups — stdin \\(debug=2 dump, similarity value\\)`));
  assert.match(text.stdout, /\n  showing \d+ groups? with \d+ goroutines \(--filter\/--min-count\)/);
});

test('live sources: base URL, host:port, full profile URLs (debug=0, 1, 2)', { skip: needGo, timeout: 60_000 }, async () => {
  const demo = await startDemo();
  const out = mkdtempSync(path.join(tmpdir(), 'goscope-cli-'));
  try {
    const hostPort = demo.url.replace(/^http:\/\//, '');
    const runs = await Promise.all(
      [demo.url, hostPort, `${demo.url}/debug/pprof/`, `${demo.url}/debug/pprof/goroutine?debug=2`].map((src) =>
        goscope(['goroutines', src, '--json', '--out', out]),
      ),
    );
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as DumpJson & { savedTo: string };
      assert.equal(j.format, 'text');
      assert.ok(j.savedTo.startsWith(out), 'fetched dumps are saved first');
      assert.ok(j.groups.some((g) => g.blockingSite?.function === 'main.poolWorker'));
    }
    for (const [debug, format] of [
      ['1', 'debug1'],
      ['0', 'pprof'],
    ] as const) {
      // The workers park at their receive soon after the demo starts; until they all have,
      // a snapshot shows fewer there: ask again (with a deadline) rather than count once.
      let pool: { count: number } | undefined;
      for (const until = Date.now() + 20_000; ;) {
        const r = await goscope(['goroutines', `${demo.url}/debug/pprof/goroutine?debug=${debug}`, '--json', '--out', out]);
        assert.equal(r.code, 0, r.stderr);
        const j = JSON.parse(r.stdout) as DumpJson;
        assert.equal(j.format, format);
        pool = j.groups.find((g) => g.blockingSite?.function === 'main.poolWorker');
        if (pool?.count === 8 || Date.now() > until) break;
      }
      assert.equal(pool?.count, 8, `the 8 pool workers in the ${format} form`);
    }
    const missing = await goscope(['goroutines', `${demo.url}/debug/pprof/nosuch`, '--out', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^goscope: http:\/\/127\.0\.0\.1:\d+\/debug\/pprof\/nosuch: 404/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
  } finally {
    await demo.stop();
  }
});
