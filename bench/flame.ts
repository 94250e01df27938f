// Benchmark: the HTML flame graph with a 1,000,000-node tree in headless chromium.
//
//   npm run build && node dist/bench/flame.js
//   node dist/bench/flame.js --nodes 1000000 --runs 5 --zooms 9 --width 1280
//
// Input: synthetic stacks (bench/flame/synthetic.ts) that build exactly --nodes call-tree
// nodes: a seeded random tree, half of the nodes attached to a uniformly chosen earlier
// node and half to one of the 64 most recent ones (so the tree is both bushy and deep:
// for 1,000,000 nodes, 523k stacks of 21 frames on average, 60 at most), siblings with
// distinct names from 20,000 functions in 400 packages, and every leaf (and 1 in 5 inner
// nodes) a stack whose value is heavy-tailed (1 to ~160,000), so frame widths span many
// orders of magnitude and most nodes are far below a pixel.
//
// Measured over --runs page loads (a fresh page each), as the median and the best run (on a
// shared machine the best run is the one least disturbed by other processes):
//   first paint  navigation start -> the first canvas draw completed (the page's
//                performance mark goscope-flame:<id>:first-paint)
//   parse        navigation start -> the section's JSON data parsed (…:parsed)
//   tree         navigation start -> the tree decoded into typed arrays (…:tree)
//   zoom frame   one zoom's layout + paint, measured inside the page around the draw
//                (FlameView.lastDrawMs), median over --zooms zoom targets per run: half
//                of them on the heaviest path from the root (thousands of frames each,
//                also reported alone), half spread over the tree (mostly small subtrees)
//   full frame   the unzoomed root view's layout + paint (the widest draw)
// Targets: first paint < 1 s, zoom frame < 16 ms. Writes bench/out/flame.json.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { buildFlameTree, flameNodeCount, type FlameTree } from '../src/shared/flame-tree.js';
import { flameSectionHtml, htmlPage } from '../src/report/html.js';
import { syntheticStacks } from './flame/synthetic.js';
import { median } from '../src/lib/quantile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'bench/out');
mkdirSync(out, { recursive: true });

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const nodes = Number(opt('nodes', '1000000'));
const runs = Number(opt('runs', '5'));
const zooms = Number(opt('zooms', '9'));
const width = Number(opt('width', '1280'));

/** Zoom targets: heavy nodes at increasing depths, plus narrow ones deep in the tree. */
function zoomTargets(t: FlameTree, count: number): number[] {
  const n = flameNodeCount(t);
  const depth = new Int32Array(n);
  for (let i = 1; i < n; i++) depth[i] = depth[t.parent[i]!]! + 1;
  const picks: number[] = [];
  // Follow the heaviest child down from the root: wide frames with big subtrees.
  for (let node = 0; picks.length < Math.ceil(count / 2) && t.childCount[node]! > 0;) {
    node = t.firstChild[node]!;
    if (depth[node]! % 3 === 1) picks.push(node);
  }
  // And nodes spread over the whole tree (most are tiny: the zoom makes them full width).
  for (let k = 1; picks.length < count; k++) picks.push(Math.floor((n - 1) * (k / (count + 1)) ** 0.5) + 1);
  return picks;
}

const tg = performance.now();
const stacks = [...syntheticStacks(nodes)];
const genMs = performance.now() - tg;
const t0 = performance.now();
const tree = buildFlameTree(stacks);
const buildMs = performance.now() - t0;
const frames = stacks.reduce((a, s) => a + s.frames.length, 0);
stacks.length = 0;
const n = flameNodeCount(tree);
let maxDepth = 0;
{
  const d = new Int32Array(n);
  for (let i = 1; i < n; i++) maxDepth = Math.max(maxDepth, (d[i] = d[tree.parent[i]!]! + 1));
}
const t1 = performance.now();
const html = htmlPage({
  title: `flame benchmark: ${n} nodes`,
  body: flameSectionHtml({ id: 'bench', title: `synthetic, ${n.toLocaleString('en-US')} nodes`, unit: 'nanoseconds', sampleType: 'cpu', tree }),
});
const htmlMs = performance.now() - t1;
const file = path.join(out, 'flame-bench.html');
writeFileSync(file, html);
const size = statSync(file).size;
console.log(
  `stacks: ${frames.toLocaleString('en-US')} frames generated in ${genMs.toFixed(0)} ms; tree: ${n.toLocaleString('en-US')} nodes (max depth ${maxDepth}), ` +
    `built in ${buildMs.toFixed(0)} ms; HTML ${(size / 2 ** 20).toFixed(1)} MiB in ${htmlMs.toFixed(0)} ms`,
);

const targets = zoomTargets(tree, zooms);
const heavy = Math.ceil(zooms / 2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});

interface Run {
  firstPaintMs: number;
  parsedMs: number;
  treeMs: number;
  zoomMs: number[];
  fullMs: number;
  framesDrawn: number;
}
const results: Run[] = [];
try {
  for (let r = 0; r < runs; r++) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    await context.route('**', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href, { timeout: 120_000 });
    await page.waitForSelector('#bench[data-state="ready"]', { timeout: 120_000 });
    const marks = await page.evaluate(() => {
      const m = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
      return { firstPaint: m('goscope-flame:bench:first-paint'), parsed: m('goscope-flame:bench:parsed'), tree: m('goscope-flame:bench:tree') };
    });
    const measured = await page.evaluate(async (targets) => {
      const api = (
        window as unknown as { GoscopeFlame: { get(id: string): { zoom(n: number): void; main: { lastDrawMs: number; drawnFrames: number; draws: number } } } }
      ).GoscopeFlame;
      const s = api.get('bench')!;
      const frame = () => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
      const zoomMs: number[] = [];
      for (const node of targets) {
        const before = s.main.draws;
        s.zoom(node);
        await frame();
        if (s.main.draws !== before + 1) throw new Error(`zoom to ${node} drew ${s.main.draws - before} times`);
        zoomMs.push(s.main.lastDrawMs);
      }
      s.zoom(0);
      await frame();
      return { zoomMs, fullMs: s.main.lastDrawMs, framesDrawn: s.main.drawnFrames };
    }, targets);
    results.push({ firstPaintMs: marks.firstPaint, parsedMs: marks.parsed, treeMs: marks.tree, ...measured });
    console.log(
      `run ${r + 1}: first paint ${marks.firstPaint.toFixed(0)} ms (parsed at ${marks.parsed.toFixed(0)} ms), ` +
        `zoom frames ${measured.zoomMs.map((x) => x.toFixed(1)).join(' ')} ms, full frame ${measured.fullMs.toFixed(1)} ms (${measured.framesDrawn} frames drawn)`,
    );
    await context.close();
  }
} finally {
  await browser.close();
}

const perRun = {
  firstPaintMs: results.map((r) => r.firstPaintMs),
  parsedMs: results.map((r) => r.parsedMs),
  treeMs: results.map((r) => r.treeMs),
  zoomFrameMs: results.map((r) => median(r.zoomMs)),
  // The zooms onto the heaviest path draw the most frames: the worst case.
  heavyZoomFrameMs: results.map((r) => median(r.zoomMs.slice(0, heavy))),
  fullFrameMs: results.map((r) => r.fullMs),
};
const summary = {
  nodes: n,
  maxDepth,
  stacks: frames,
  htmlBytes: size,
  buildTreeMs: Math.round(buildMs),
  writeHtmlMs: Math.round(htmlMs),
  viewportWidth: width,
  runs,
  median: Object.fromEntries(Object.entries(perRun).map(([k, v]) => [k, median(v)])),
  best: Object.fromEntries(Object.entries(perRun).map(([k, v]) => [k, Math.min(...v)])),
  zoomFrameMaxMs: Math.max(...results.map((r) => Math.max(...r.zoomMs))),
  framesDrawnUnzoomed: results[0]!.framesDrawn,
};
writeFileSync(path.join(out, 'flame.json'), JSON.stringify({ summary, results }, null, 2) + '\n');

const ms = (k: keyof typeof perRun, digits = 0): [string, string] => [`${summary.median[k]!.toFixed(digits)} ms`, `${summary.best[k]!.toFixed(digits)} ms`];
const rows: string[][] = [
  ['measure', 'median', 'best run', 'target'],
  ['tree nodes', n.toLocaleString('en-US'), '', '1,000,000'],
  ['HTML size', `${(size / 2 ** 20).toFixed(1)} MiB`, '', ''],
  ['build tree (Node)', `${summary.buildTreeMs} ms`, `(${(frames / 1e6).toFixed(1)}M frames)`, ''],
  ['write HTML (Node)', `${summary.writeHtmlMs} ms`, '', ''],
  ['data parsed (page)', ...ms('parsedMs'), ''],
  ['tree decoded (page)', ...ms('treeMs'), ''],
  ['first paint (page)', ...ms('firstPaintMs'), '< 1000 ms'],
  ['zoom frame, all targets', ...ms('zoomFrameMs', 1), '< 16 ms'],
  ['zoom frame, heaviest path', ...ms('heavyZoomFrameMs', 1), '< 16 ms'],
  ['unzoomed frame', ...ms('fullFrameMs', 1), '< 16 ms'],
];
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
console.log('');
for (const r of rows)
  console.log(
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
console.log(`(${summary.framesDrawnUnzoomed} frames drawn unzoomed; slowest zoom frame ${summary.zoomFrameMaxMs.toFixed(1)} ms)`);
console.log(`\n(${runs} runs, viewport ${width} px; bench/out/flame.json)`);
