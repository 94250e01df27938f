// The layering, read from the sources' imports: data flows one way (lib < shared < formats
// < analysis < report, collect beside them on formats/lib/shared, cli on top), there is no
// import loop, and no command imports another command. A failure prints the offending
// edge or cycle. (test/shared-boundary.test.ts checks the browser side more closely.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Computed here rather than imported from the Go helpers: this test is in the unit group.
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every .ts file under dir (relative to the repo root, / separated). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(rel));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

interface Specifier {
  spec: string;
  /** A worker script the file starts: a dependency, but in another thread (no module loop). */
  worker: boolean;
}

/**
 * The modules a file depends on: static imports and re-exports (type-only ones too: a type
 * from a layer above is as much a dependency), dynamic import(), and the worker scripts it
 * starts (new Worker(new URL('./x.js', import.meta.url))).
 */
function specifiers(text: string): Specifier[] {
  const out: Specifier[] = [];
  const re =
    /^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\bnew\s+Worker\(\s*new\s+URL\(\s*['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) out.push({ spec: (m[1] ?? m[2] ?? m[3] ?? m[4])!, worker: m[4] !== undefined });
  return out;
}

/** The .ts file a relative specifier names; null for node: modules and packages. */
function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '.ts');
}

interface Edge {
  from: string;
  to: string;
  worker?: boolean;
}

function edges(dirs: readonly string[]): Edge[] {
  const out: Edge[] = [];
  for (const d of dirs) {
    for (const f of tsFiles(d)) {
      for (const { spec, worker } of specifiers(readFileSync(path.join(repoRoot, f), 'utf8'))) {
        const to = resolve(f, spec);
        if (to !== null) out.push({ from: f, to, worker });
      }
    }
  }
  return out;
}

/** The layer of a file in src/ (src/errors.ts sits with lib: everything may throw its errors). */
function layer(file: string): string {
  if (file === 'src/errors.ts') return 'lib';
  const m = /^src\/([^/]+)\//.exec(file);
  return m ? m[1]! : file.split('/')[0]!;
}

/** What each layer may import, besides itself. */
const MAY_USE: Record<string, readonly string[]> = {
  lib: [],
  shared: [],
  formats: ['lib', 'shared'],
  analysis: ['formats', 'lib', 'shared'],
  collect: ['formats', 'lib', 'shared'],
  report: ['analysis', 'formats', 'lib', 'shared'],
  cli: ['report', 'analysis', 'collect', 'formats', 'lib', 'shared'],
  web: ['shared'],
};

/**
 * The files in src/cli/ that are not commands, which commands may import: the output
 * streams, Ctrl-C, the parser, the spec types, the help, the profile commands' shared
 * flags, and the split of large dumps across worker threads (with its worker script).
 */
const CLI_HELPERS = new Set(
  ['common.ts', 'interrupt.ts', 'args.ts', 'spec.ts', 'help.ts', 'profile-flags.ts', 'group-file.ts', 'group-worker.ts'].map((f) => `src/cli/${f}`),
);
/** The table (run.ts) imports every command; main.ts runs the table. */
const CLI_DISPATCH: Record<string, (to: string) => boolean> = {
  'src/cli/run.ts': () => true,
  'src/cli/main.ts': (to) => to === 'src/cli/run.ts',
};

const ALL = edges(['src', 'web']);

/** Imports that go up a layer, or from a folder that is in no layer. */
function upward(list: readonly Edge[]): string[] {
  const known = new Set(Object.keys(MAY_USE));
  const bad: string[] = [];
  for (const { from, to } of list) {
    const a = layer(from);
    const b = layer(to);
    if (!known.has(a)) bad.push(`${from}: not in a known layer (${[...known].join(', ')})`);
    else if (a !== b && !MAY_USE[a]!.includes(b)) bad.push(`${from} -> ${to} (${a} may use ${MAY_USE[a]!.join(', ') || 'nothing else'})`);
  }
  return [...new Set(bad)];
}

/** src/cli imports of a file that is neither a helper nor, for the table, a command. */
function commandImports(list: readonly Edge[]): string[] {
  const bad: string[] = [];
  for (const { from, to } of list) {
    if (layer(from) !== 'cli' || layer(to) !== 'cli' || CLI_HELPERS.has(to) || CLI_DISPATCH[from]?.(to)) continue;
    bad.push(`${from} -> ${to}`);
  }
  return bad;
}

test('no upward import: every src/ and web/ import goes to its own layer or one below', () => {
  assert.ok(ALL.length > 400, `the reader found the imports (${ALL.length})`);
  assert.deepEqual(upward(ALL), []);
});

test('no command imports another command: src/cli files import only the helpers', () => {
  assert.deepEqual(commandImports(ALL), [], 'move what two commands share down a layer (or into a named helper)');
  const commands = ALL.filter((e) => e.from === 'src/cli/run.ts' && !CLI_HELPERS.has(e.to) && layer(e.to) === 'cli');
  assert.ok(commands.length >= 8, `the table imports the commands (${commands.length})`);
});

/** Every import loop, as a path that returns to its start (Tarjan's strongly connected components). */
function cycles(list: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of list) {
    if (!next.has(from)) next.set(from, []);
    next.get(from)!.push(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || next.get(v)?.includes(v)) found.push(loopThrough(comp, next));
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** One loop inside a strongly connected component, from its first file back to it. */
function loopThrough(comp: string[], next: Map<string, string[]>): string[] {
  const inComp = new Set(comp);
  const start = [...comp].sort()[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!inComp.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)!) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return comp;
}

test('no import loop in src/, web/ or scripts/', () => {
  // A worker script importing the module that starts it is two threads, not a loop.
  const loops = cycles([...ALL, ...edges(['scripts'])].filter((e) => !e.worker)).map((c) => c.join(' -> '));
  assert.deepEqual(loops, []);
});

test('the checks see what they check: layers, a loop, a command importing a command', () => {
  // The reader: every import form the sources use.
  const specs = specifiers(
    `import { a } from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nexport * from './d.js';\nimport './e.js';\nconst f = await import('./f.js');\nnew Worker(new URL('./g.js', import.meta.url));\n`,
  );
  assert.deepEqual(
    specs.map((s) => s.spec),
    ['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js', './g.js'],
  );
  assert.deepEqual(
    specs.filter((s) => s.worker).map((s) => s.spec),
    ['./g.js'],
  );
  assert.ok(
    ALL.some((e) => e.from === 'src/cli/group-file.ts' && e.to === 'src/cli/group-worker.ts'),
    'worker scripts are edges',
  );
  assert.equal(layer('src/errors.ts'), 'lib');
  assert.equal(layer('src/formats/trace/order.ts'), 'formats');
  assert.deepEqual(
    cycles([
      { from: 'x', to: 'y' },
      { from: 'y', to: 'z' },
      { from: 'z', to: 'x' },
      { from: 'z', to: 'w' },
    ]),
    [['x', 'y', 'z', 'x']],
  );
  assert.deepEqual(cycles([{ from: 'x', to: 'y' }]), []);
  assert.deepEqual(upward([{ from: 'src/analysis/a.ts', to: 'src/report/b.ts' }]), [
    'src/analysis/a.ts -> src/report/b.ts (analysis may use formats, lib, shared)',
  ]);
  assert.deepEqual(upward([{ from: 'src/collect/a.ts', to: 'src/analysis/b.ts' }]).length, 1, 'collect is beside analysis, not above it');
  assert.deepEqual(upward([{ from: 'web/a.ts', to: 'src/lib/b.ts' }]).length, 1);
  assert.deepEqual(upward([{ from: 'src/report/a.ts', to: 'src/errors.ts' }]), []);
  assert.deepEqual(commandImports([{ from: 'src/cli/profile.ts', to: 'src/cli/flame.ts' }]), ['src/cli/profile.ts -> src/cli/flame.ts']);
  assert.deepEqual(
    commandImports([
      { from: 'src/cli/profile.ts', to: 'src/cli/common.ts' },
      { from: 'src/cli/run.ts', to: 'src/cli/flame.ts' },
    ]),
    [],
  );
});
