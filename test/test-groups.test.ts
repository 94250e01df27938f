// Every test file is in exactly one group of scripts/test-groups.ts, and the unit group
// really needs nothing: its files import none of the helpers that build Go programs,
// start services or drive chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_GROUPS } from '../scripts/test-groups.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const testDir = path.join(root, 'test');
const files = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -'.test.ts'.length));

test('every test file is in a group, and every group entry is a test file', () => {
  assert.deepEqual(
    files.filter((f) => !(f in TEST_GROUPS)),
    [],
    'add these to scripts/test-groups.ts',
  );
  assert.deepEqual(
    Object.keys(TEST_GROUPS).filter((f) => !files.includes(f)),
    [],
    'stale entries in scripts/test-groups.ts',
  );
});

test('unit tests import no Go, service or browser helper', () => {
  const heavy =
    /support\/(go|go-tool|go-trace-http|tracegen|caddy|hostile|browser|httpprobe|metricsgen|pprof|cli)\.js|scripts\/go\.js|playwright-core|child_process/;
  for (const [f, g] of Object.entries(TEST_GROUPS)) {
    if (g !== 'unit' || f === 'test-groups') continue; // this file names the helpers it looks for
    const src = readFileSync(path.join(testDir, `${f}.test.ts`), 'utf8');
    assert.doesNotMatch(src, heavy, `${f}.test.ts is in the unit group but imports a helper that needs Go, a service or chromium`);
  }
});
