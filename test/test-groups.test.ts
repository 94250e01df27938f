// Every test file is in exactly one group of scripts/test-groups.ts, and the unit group
// really needs nothing: no module a unit test reaches through test/support/ and scripts/
// (followed import by import, so a pure-looking helper cannot pull in Go) starts a
// process or drives chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The import specifiers of a source file (static, re-exports, dynamic with a literal). */
function specifiers(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(SPECIFIER)].map((m) => (m[1] ?? m[2])!);
}

/** What makes a module need more than Node: starting processes (Go, services) or a browser. */
const HEAVY = /^(node:)?child_process$|^playwright-core(\/|$)/;
/** The helpers that build Go programs, start services or drive chromium, by name. */
const HEAVY_HELPERS =
  /^(test\/support\/(go|go-tool|go-trace-http|tracegen|caddy|hostile|browser|httpprobe|metricsgen|pprof|cli|loggen|otlpgen)|scripts\/(go|go-tools))\.ts$/;

/**
 * Follows relative imports from `start` through test/support/ and scripts/ (src/ is the
 * code under test, not a helper); returns every module reached (repository-relative) and,
 * for each heavy one, the chain of imports that reaches it.
 */
function reach(start: string): { reached: string[]; heavy: string[] } {
  const seen = new Map<string, string[]>([[start, [start]]]);
  const heavy: string[] = [];
  const queue = [start];
  while (queue.length > 0) {
    const rel = queue.shift()!;
    const chain = seen.get(rel)!;
    if (HEAVY_HELPERS.test(rel)) heavy.push(chain.join(' -> '));
    for (const spec of specifiers(path.join(root, rel))) {
      if (HEAVY.test(spec)) {
        heavy.push([...chain, spec].join(' -> '));
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = path.relative(root, path.resolve(path.dirname(path.join(root, rel)), spec.replace(/\.js$/, '.ts')));
      if (!/^(test\/support|scripts)\//.test(target) || seen.has(target)) continue;
      if (!existsSync(path.join(root, target))) continue;
      seen.set(target, [...chain, target]);
      queue.push(target);
    }
  }
  return { reached: [...seen.keys()], heavy };
}

test('the import follower sees through re-exports and down the support modules', () => {
  assert.ok(reach('test/support/pprof.ts').reached.includes('scripts/go.ts'), 'pprof.ts -> go.ts -> scripts/go.ts');
  assert.ok(reach('test/support/otlpgen.ts').heavy.length > 0);
  assert.ok(reach('test/support/loggen.ts').heavy.some((c) => c.includes('scripts/go.ts')));
  // The pure halves of those helpers stay pure.
  for (const pure of ['fixtures', 'pprof-text', 'log-truth', 'otlp-truth', 'metrics-truth', 'dump-tally', 'trace-digest'])
    assert.deepEqual(reach(`test/support/${pure}.ts`).heavy, [], `test/support/${pure}.ts`);
});

test('unit tests reach no Go, service or browser helper, directly or through support modules', () => {
  for (const [f, g] of Object.entries(TEST_GROUPS)) {
    if (g !== 'unit' || f === 'test-groups') continue; // this file names the helpers it looks for
    const { heavy } = reach(`test/${f}.test.ts`);
    assert.deepEqual(heavy, [], `${f}.test.ts is in the unit group but reaches a helper that needs Go, a service or chromium`);
  }
});
