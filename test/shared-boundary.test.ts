// The line between the browser code and the rest: src/shared/ runs in Node and in the
// page, so it imports only itself (no node:, no package, nothing from the layers above);
// web/ imports only web/ and src/shared/. Read from the sources' import statements (the
// build checks the same with src/shared/tsconfig.json, which has no Node types and no
// DOM, and scripts/build-web.ts refuses a bundle with other inputs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// dist/test/ -> the repository root.
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every .ts file under dir (relative to the repo root). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** The module specifiers a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(path.join(repoRoot, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(
    /^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm,
  )) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

/** Where a relative specifier points, relative to the repo root; null for node: and packages. */
function target(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
}

test('src/shared imports nothing but src/shared: no node: module, no package, no layer above', () => {
  const files = tsFiles('src/shared');
  assert.ok(files.length >= 10, `src/shared has its modules (${files.length})`);
  const bad: string[] = [];
  for (const f of files) {
    for (const s of specifiers(f)) {
      const t = target(f, s);
      if (t === null || !t.startsWith('src/shared/')) bad.push(`${f}: ${s}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('web/ imports only web/ and src/shared', () => {
  const files = tsFiles('web');
  assert.ok(files.includes('web/report.ts'), 'the bundle entry is there');
  const bad: string[] = [];
  let shared = 0;
  for (const f of files) {
    for (const s of specifiers(f)) {
      const t = target(f, s);
      if (t !== null && t.startsWith('src/shared/')) shared++;
      else if (t === null || !t.startsWith('web/')) bad.push(`${f}: ${s}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(shared > 0, 'web/ uses src/shared');
});

test('the import reader sees the forms the sources use', () => {
  // A self-check, so that the two tests above cannot pass by reading nothing.
  const specs = specifiers('src/report/html.ts');
  assert.ok(specs.includes('node:fs') && specs.includes('../shared/flame-data.js'), specs.join(' '));
  assert.ok(specifiers('src/formats/trace/index.ts').includes('./event-stream.js'), 're-exports are read');
});
