// The flame graph page in a real browser (Debian's chromium driven by playwright-core),
// opened from a file with every network request blocked: painting, zoom and breadcrumb,
// search totals, tooltip values, the sandwich view (recursion counted once), diff
// colours, lazy initialisation and inert malicious names. Inputs are real profiles from
// testdata/go/profgen; expected numbers come from the stacks and from `go tool pprof`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchChromium, offlinePage, saveScreenshot } from './support/browser.js';
import { buildGo, goEnv, needGo } from './support/go.js';
import { decodeProfile, type Profile } from '../src/formats/pprof/index.js';
import { sampleStacks } from '../src/analysis/profile/stacks.js';
import { label } from '../src/shared/units.js';
import { buildFlameTree, flameNodeCount, flamePath, type FlameStack, type FlameTree } from '../src/shared/flame-tree.js';
import { flameSectionHtml, htmlPage } from '../src/report/html.js';

// browserSkip fails in CI when chromium is missing (.ci/run installs it).
const skip: string | false = needGo || browserSkip();

const EVIL = '</script><img src=x onerror="window.__pwned=1">main.(*T).evil';
const env = goEnv();

const work = mkdtempSync(join(tmpdir(), 'goscope-flame-browser-'));
let browser: Browser | undefined;
let page: Page;
const blocked: string[] = [];
const pageErrors: string[] = [];
let profDir = '';

interface Fixture {
  stacks: FlameStack[];
  tree: FlameTree;
  unit: string;
}
const fx: Record<string, Fixture> = {};
/** `go tool pprof -top -unit=auto` of these profiles (section id, file, sample type). */
const PPROF_TOPS = [
  ['cpu', 'cpu.pb.gz', 'cpu'],
  ['heap', 'heap.pb.gz', 'alloc_space'],
] as const;
const pprofTop: Record<string, string> = {};

/** The profile's samples of one sample type as flame stacks (engineer A's sampleStacks). */
function profileStacks(p: Profile, sampleIndex: number): FlameStack[] {
  return sampleStacks(p, { sampleIndex: String(sampleIndex) }).stacks;
}

function fixture(file: string, sampleIndex: number): Fixture {
  const p = decodeProfile(readFileSync(join(profDir, file)), file);
  const stacks = profileStacks(p, sampleIndex);
  return { stacks, tree: buildFlameTree(stacks), unit: p.sampleTypes[sampleIndex]!.unit };
}

/** The value of the samples whose stack holds a frame matching `re`, each sample once. */
function matchedSum(stacks: FlameStack[], re: RegExp): number {
  let v = 0;
  for (const s of stacks) if (s.frames.some((f) => re.test(f))) v += s.value;
  return v;
}

/** The function's value counted once per sample (pprof's cum). */
function cumOf(stacks: FlameStack[], name: string): number {
  let v = 0;
  for (const s of stacks) if (s.frames.includes(name)) v += s.value;
  return v;
}

/**
 * Nodes by decreasing self value (the hot leaves). Targets are picked from the data, not
 * by name: on a loaded machine a 300 ms CPU profile may hold only a few samples.
 */
function hottest(t: FlameTree, count: number): number[] {
  const ids: number[] = [];
  for (let i = 1; i < flameNodeCount(t); i++) if (t.self[i]! > 0) ids.push(i);
  ids.sort((a, b) => t.self[b]! - t.self[a]! || a - b);
  assert.ok(ids.length > 0, 'profile has samples');
  return ids.slice(0, count);
}

const nameOf = (t: FlameTree, node: number): string => t.names[t.nameIdx[node]!]!;

/** A string matched literally in a RegExp. */
const reQuote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

before(async () => {
  if (skip) return;
  const bin = await buildGo('testdata/go/profgen');
  profDir = join(work, 'profiles');
  execFileSync(bin, ['-out', profDir, '-cpu', '300ms', '-extra'], { stdio: ['ignore', 'pipe', 'pipe'] });
  fx.cpu = fixture('cpu.pb.gz', 1);
  fx.heap = fixture('heap.pb.gz', 1);
  fx.deep = fixture('deep.pb.gz', 1);
  const cur = profileStacks(decodeProfile(readFileSync(join(profDir, 'cpu2.pb.gz')), 'cpu2.pb.gz'), 1);
  fx.diff = { stacks: cur, tree: buildFlameTree(cur, { base: fx.cpu.stacks }), unit: 'nanoseconds' };
  const evilStacks = [
    { frames: ['main.main', EVIL], value: 7 },
    { frames: ['main.main', 'main.ok'], value: 3 },
  ];
  fx.evil = { stacks: evilStacks, tree: buildFlameTree(evilStacks), unit: 'bytes' };
  // Values across the data block's number encodings: small, 30 bits and more, up to 2^53.
  const bigStacks = [0, 1, 31, 32, 2 ** 25 + 3, 2 ** 30 - 1, 2 ** 30, 2 ** 31 + 5, 2 ** 40 + 7, 2 ** 52 + 1].map((v, i) => ({
    frames: ['main.main', `f${i}`],
    value: v,
  }));
  fx.big = { stacks: bigStacks, tree: buildFlameTree(bigStacks), unit: 'count' };

  const section = (id: string, title: string, sampleType: string) => flameSectionHtml({ id, title, unit: fx[id]!.unit, sampleType, tree: fx[id]!.tree });
  const body = [
    '<h1>goscope flame graph test</h1>',
    section('cpu', 'cpu.pb.gz', 'cpu'),
    section('diff', 'cpu2.pb.gz vs cpu.pb.gz', 'cpu'),
    section('deep', 'deep.pb.gz', 'cpu'),
    section('heap', 'heap.pb.gz', 'alloc_space'),
    section('big', 'large values', 'samples'),
    '<details id="evil-box"><summary>untrusted names</summary>',
    section('evil', `evil ${EVIL}`, 'alloc_space'),
    '</details>',
  ].join('\n');
  const file = join(work, 'flame.html');
  writeFileSync(file, htmlPage({ title: 'flame test', body }));

  // `go tool pprof` runs alongside the browser start.
  const pprofRuns = Promise.all(
    PPROF_TOPS.map(async ([id, file, index]) => {
      const { stdout } = await promisify(execFile)(
        'go',
        ['tool', 'pprof', '-top', '-unit=auto', '-nodecount=200', '-nodefraction=0', `-sample_index=${index}`, join(profDir, file)],
        { env, encoding: 'utf8' },
      );
      pprofTop[id] = stdout;
    }),
  );
  browser = await launchChromium();
  page = await offlinePage(browser, blocked, pageErrors);
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('#cpu[data-state="ready"]', { timeout: 20_000 });
  await pprofRuns;
});

after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Pixels {
  painted: number;
  match: number;
  red: number;
  blue: number;
}

async function pixels(selector: string): Promise<Pixels> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const r = { painted: 0, match: 0, red: 0, blue: 0 };
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      r.painted++;
      if (d[i] === 230 && d[i + 1] === 0 && d[i + 2] === 230) r.match++;
      if (d[i]! > d[i + 2]! + 60 && d[i]! > d[i + 1]! + 60) r.red++;
      if (d[i + 2]! > d[i]! + 60) r.blue++;
    }
    return r;
  }, selector);
}

async function rectOf(id: string, path: string[]): Promise<{ x: number; y: number; width: number; height: number }> {
  await page.locator(`#${id} canvas.gf-canvas`).scrollIntoViewIfNeeded();
  const r = await page.evaluate(([id, path]) => GoscopeFlame.get(id as string)!.rectOfPath(path as string[]), [id, path] as const);
  assert.ok(r, `${path.join(' > ')} is drawn in #${id}`);
  return r;
}

/** Hovers a frame and returns the tooltip's data attributes and text. */
async function hover(id: string, path: string[]): Promise<Record<string, string>> {
  const r = await rectOf(id, path);
  await page.mouse.move(r.x + Math.min(r.width / 2, 40), r.y + r.height / 2);
  const tip = page.locator(`#${id} .gf-tooltip`);
  await tip.waitFor({ state: 'visible' });
  return tip.evaluate((el) => {
    const out: Record<string, string> = { text: el.textContent ?? '', name: el.querySelector('.gf-tt-name')?.textContent ?? '' };
    for (const a of Array.from(el.attributes)) if (a.name.startsWith('data-')) out[a.name.slice(5)] = a.value;
    return out;
  });
}

// page.evaluate callbacks run in the page; this names the page's global for TypeScript.
declare const GoscopeFlame: {
  get(
    id: string,
  ): { rectOfPath(path: string[]): { x: number; y: number; width: number; height: number } | null; tree: { n: number; total: Float64Array } } | undefined;
  formatValue(v: number, unit: string): string;
  formatPercent(v: number, total: number): string;
};

test('the page paints offline, with the same tree as Node, and only visible sections are initialised', { skip }, async (t) => {
  await saveScreenshot(t, page, 'flame-1-initial');
  const st = await pixels('#cpu canvas.gf-canvas');
  assert.ok(st.painted > 10_000, `canvas painted (${st.painted} pixels)`);
  const info = await page.evaluate(() => {
    const s = GoscopeFlame.get('cpu')!;
    return { n: s.tree.n, total: s.tree.total[0] };
  });
  assert.deepEqual(info, { n: flameNodeCount(fx.cpu!.tree), total: fx.cpu!.tree.total[0] });
  assert.equal(await page.getAttribute('#evil', 'data-state'), 'pending', 'a section in a closed <details> waits');
  assert.ok(await page.evaluate(() => performance.getEntriesByName('goscope-flame:cpu:first-paint').length === 1), 'first-paint mark set');
});

test('the page decodes large values exactly', { skip }, async () => {
  await page.locator('#big').scrollIntoViewIfNeeded();
  await page.waitForSelector('#big[data-state="ready"]');
  const got = await page.evaluate(() => {
    const t = GoscopeFlame.get('big')!.tree as unknown as { self: Float64Array; total: Float64Array };
    return { self: Array.from(t.self), total: Array.from(t.total) };
  });
  const t = fx.big!.tree;
  assert.deepEqual(got, { self: Array.from(t.self), total: Array.from(t.total) });
});

test('click to zoom changes the breadcrumb; the ancestor crumb zooms back out', { skip }, async (tc) => {
  const t = fx.cpu!.tree;
  const [node] = hottest(t, 1);
  const path = flamePath(t, node!);
  const r = await rectOf('cpu', path);
  await page.mouse.click(r.x + Math.min(5, r.width / 2), r.y + r.height / 2);
  const crumbs = page.locator('#cpu .gf-crumb');
  await page.waitForFunction((n) => document.querySelector('#cpu .gf-crumb[aria-current]')?.textContent === n, nameOf(t, node!));
  assert.deepEqual(await crumbs.allTextContents(), ['root', ...path]);
  // Zoomed: the frame spans the whole canvas.
  const z = await rectOf('cpu', path);
  const cw = await page.locator('#cpu canvas.gf-canvas').evaluate((c) => c.getBoundingClientRect().width);
  assert.ok(Math.abs(z.width - cw) < 1, `zoomed frame is full width (${z.width} of ${cw})`);
  await saveScreenshot(tc, page, 'flame-2-zoomed');
  assert.equal(await page.locator('#cpu .gf-sandwich-btn').isDisabled(), false, 'sandwich available for the zoomed function');
  await crumbs.nth(1).click();
  await page.waitForFunction(() => document.querySelectorAll('#cpu .gf-crumb').length === 2);
  await page.click('#cpu .gf-reset');
  await page.waitForFunction(() => document.querySelectorAll('#cpu .gf-crumb').length === 1);
});

test('search highlights matches and shows the matched total, each sample once', { skip }, async (tc) => {
  const t = fx.cpu!.tree;
  const [hot] = hottest(t, 1);
  // The hot leaf and its root-most ancestor: every sample under both counts once.
  const top = flamePath(t, hot!)[0]!;
  const query = `^(${reQuote(nameOf(t, hot!))}|${reQuote(top)})$`;
  const re = new RegExp(query);
  const expected = matchedSum(fx.cpu!.stacks, re);
  const doubled = fx.cpu!.stacks.reduce((a, st) => a + st.frames.filter((f) => re.test(f)).length * st.value, 0);
  assert.ok(doubled > expected, 'the query matches nested frames');
  await page.fill('#cpu input.gf-search', query);
  await page.waitForFunction(() => document.querySelector('#cpu .gf-matched')?.hasAttribute('data-matched'));
  const matched = page.locator('#cpu .gf-matched');
  assert.equal(Number(await matched.getAttribute('data-matched')), expected, 'nested matches not counted twice');
  const text = await matched.textContent();
  const formatted = await page.evaluate(
    ([v, total]) => `matched: ${GoscopeFlame.formatValue(v as number, 'nanoseconds')} (${GoscopeFlame.formatPercent(v as number, total as number)} of total)`,
    [expected, t.total[0]!] as const,
  );
  assert.equal(text, formatted);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.ok((await pixels('#cpu canvas.gf-canvas')).match > 1000, 'matching frames drawn in the highlight colour');
  await saveScreenshot(tc, page, 'flame-3-search');

  // Plain text matching (a substring) when the query is not a valid regexp.
  await page.fill('#cpu input.gf-search', '(*' + nameOf(t, hot!).slice(1));
  await page.waitForFunction(() => /plain text|no match/.test(document.querySelector('#cpu .gf-matched')?.textContent ?? ''));
  await page.fill('#cpu input.gf-search', '');
  await page.waitForFunction(() => !document.querySelector('#cpu .gf-matched')?.hasAttribute('data-matched'));
});

test('tooltip shows the tree numbers raw and formatted like go tool pprof', { skip }, async (tc) => {
  const t = fx.cpu!.tree;
  for (const node of hottest(t, 2)) {
    const tip = await hover('cpu', flamePath(t, node));
    if (node === hottest(t, 1)[0]) await saveScreenshot(tc, page, 'flame-4-tooltip');
    assert.equal(tip.name, nameOf(t, node));
    assert.equal(Number(tip.node), node);
    assert.equal(Number(tip.self), t.self[node]);
    assert.equal(Number(tip.total), t.total[node]);
    assert.match(tip.text!, new RegExp(`raw ${t.total[node]}`));
  }

  // Formatting: each function's flat and cum from the tree, formatted in the page, equal
  // the strings `go tool pprof -top -unit=auto` prints for the same profile (-unit=auto
  // scales each value on its own, as the flame graph does; -top's default picks one unit
  // for the whole table).
  for (const [id, file] of PPROF_TOPS) {
    const f = fx[id]!;
    const rows = pprofTop[id]!.split('\n')
      .map((l) => /^\s*(\S+)\s+(\S+)%\s+\S+%\s+(\S+)\s+(\S+)%\s+(.+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'flat');
    assert.ok(rows.length >= 3, `pprof printed rows for ${file}`);
    const total = f.tree.total[0]!;
    const expected: string[] = [];
    const values: [number, number][] = [];
    for (const m of rows) {
      const name = m[5]!.replace(/ \(inline\)$/, '');
      let flat = 0;
      for (let i = 1; i < flameNodeCount(f.tree); i++) if (f.tree.names[f.tree.nameIdx[i]!] === name) flat += f.tree.self[i]!;
      values.push([flat, cumOf(f.stacks, name)]);
      expected.push(`${name}: ${m[1]} ${m[2]}% ${m[3]}`);
    }
    const got = await page.evaluate(
      ([values, total, unit]) =>
        (values as [number, number][]).map(([flat, cum]) =>
          [
            GoscopeFlame.formatValue(flat, unit as string),
            GoscopeFlame.formatPercent(flat, total as number),
            GoscopeFlame.formatValue(cum, unit as string),
          ].join(' '),
        ),
      [values, total, f.unit] as const,
    );
    assert.deepEqual(
      got.map((g, i) => `${expected[i]!.split(':')[0]}: ${g}`),
      expected,
      file,
    );
  }
});

test('the page formats values exactly like the CLI (pprof measurement.Label), ties and negatives included', { skip }, async () => {
  const cases: [number, string][] = [];
  // μs and µs (Greek mu, micro sign) print bare, as pprof prints them (Go's len counts their bytes).
  for (const unit of ['nanoseconds', 'bytes', 'count', 'microseconds', 'seconds', 'kilobytes', 'widgets', 'μs', 'µs', 'us']) {
    for (const v of [0, 1, 5, 999, 1000, 1125, 1535, 1536, 10_125, 240_000_000, 1_125_000, 3_125_000_000, 86_400e9, 2 ** 40, 2 ** 50 + 3]) {
      cases.push([v, unit], [-v, unit]);
    }
  }
  const got = await page.evaluate((cs) => cs.map(([v, u]) => GoscopeFlame.formatValue(v, u)), cases);
  assert.deepEqual(
    got.map((g, i) => `${cases[i]![0]} ${cases[i]![1]} -> ${g}`),
    cases.map(([v, u]) => `${v} ${u} -> ${label(v, u)}`),
  );
});

test('sandwich view: callers and callees of all occurrences, recursion counted once', { skip }, async (tc) => {
  const t = fx.cpu!.tree;
  const [node] = hottest(t, 1);
  const fn = nameOf(t, node!);
  const r = await rectOf('cpu', flamePath(t, node!));
  await page.mouse.click(r.x + Math.min(5, r.width / 2), r.y + r.height / 2, { button: 'right' });
  const title = page.locator('#cpu .gf-sw-title');
  await page.locator('#cpu .gf-sandwich').waitFor({ state: 'visible' });
  assert.equal(await title.getAttribute('data-name'), fn);
  assert.equal(Number(await title.getAttribute('data-total')), cumOf(fx.cpu!.stacks, fn));
  assert.ok((await pixels('#cpu canvas.gf-sw-callers')).painted > 1000, 'callers drawn');
  assert.ok((await pixels('#cpu canvas.gf-sw-callees')).painted > 1000, 'callees drawn');
  await page.locator('#cpu .gf-sandwich').scrollIntoViewIfNeeded();
  await saveScreenshot(tc, page, 'flame-5-sandwich');

  // deep.pb.gz recurses (main.recurse 40 deep, main.ping/main.pong mutually): take the
  // function with the most frames; its sandwich total counts each sample once.
  const deep = fx.deep!;
  await page.locator('#deep').scrollIntoViewIfNeeded();
  await page.waitForSelector('#deep[data-state="ready"]');
  const counts = new Map<string, number>();
  for (let i = 1; i < flameNodeCount(deep.tree); i++) counts.set(nameOf(deep.tree, i), (counts.get(nameOf(deep.tree, i)) ?? 0) + 1);
  const rec = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  // Its heaviest outermost frame.
  let outer = -1;
  let nested = 0;
  for (let i = 1; i < flameNodeCount(deep.tree); i++) {
    if (nameOf(deep.tree, i) !== rec) continue;
    let p = deep.tree.parent[i]!;
    while (p > 0 && nameOf(deep.tree, p) !== rec) p = deep.tree.parent[p]!;
    if (p > 0) nested++;
    else if (outer < 0 || deep.tree.total[i]! > deep.tree.total[outer]!) outer = i;
  }
  assert.ok(nested > 0, `${rec} recurses`);
  const doubled = deep.stacks.reduce((a, st) => a + st.frames.filter((f) => f === rec).length * st.value, 0);
  const cum = cumOf(deep.stacks, rec);
  assert.ok(doubled > cum);
  const rr = await rectOf('deep', flamePath(deep.tree, outer));
  await page.mouse.click(rr.x + Math.min(3, rr.width / 2), rr.y + rr.height / 2, { button: 'right' });
  const dt = page.locator('#deep .gf-sw-title');
  await dt.waitFor({ state: 'visible' });
  assert.equal(await dt.getAttribute('data-name'), rec);
  assert.equal(Number(await dt.getAttribute('data-total')), cum);
  // Hovering the function's own frame in the callees view shows that same total.
  const callees = page.locator('#deep canvas.gf-sw-callees');
  const box = (await callees.boundingBox())!;
  await page.mouse.move(box.x + 4, box.y + 5);
  const tip = page.locator('#deep .gf-tooltip');
  await tip.waitFor({ state: 'visible' });
  assert.equal(await tip.getAttribute('data-view'), 'callees');
  assert.equal(Number(await tip.getAttribute('data-total')), cum);
  await saveScreenshot(tc, page, 'flame-6-sandwich-recursive');
  await page.click('#deep .gf-sw-close');
  await page.locator('#deep .gf-sandwich').waitFor({ state: 'hidden' });
});

test('diff: red for growth, blue for shrinkage; tooltip carries base and new', { skip }, async (tc) => {
  await page.locator('#diff').scrollIntoViewIfNeeded();
  await page.waitForSelector('#diff[data-state="ready"]');
  await saveScreenshot(tc, page, 'flame-7-diff');
  const t = fx.diff!.tree;
  const base = t.baseTotal!;
  // Frames wide enough to see (>= 2% of the width) whose value changed by half or more
  // are strongly coloured: red when they grew, blue when they shrank.
  let grew = -1;
  let shrank = -1;
  const all = t.total[0]! + base[0]!;
  for (let i = 1; i < flameNodeCount(t); i++) {
    const w = t.total[i]! + base[i]!;
    if (w < all * 0.02) continue;
    const r = (t.total[i]! - base[i]!) / Math.max(t.total[i]!, base[i]!);
    if (r >= 0.5 && (grew < 0 || w > t.total[grew]! + base[grew]!)) grew = i;
    if (r <= -0.5 && (shrank < 0 || w > t.total[shrank]! + base[shrank]!)) shrank = i;
  }
  assert.ok(grew > 0 || shrank > 0, 'cpu2 differs from cpu (profgen runs the busy loops in other proportions)');
  const px = await pixels('#diff canvas.gf-canvas');
  if (grew > 0) assert.ok(px.red > 100, `red frames (${px.red} pixels) for ${nameOf(t, grew)}`);
  if (shrank > 0) assert.ok(px.blue > 100, `blue frames (${px.blue} pixels) for ${nameOf(t, shrank)}`);
  for (const node of [grew, shrank].filter((n) => n > 0)) {
    const tip = await hover('diff', flamePath(t, node));
    assert.equal(Number(tip.total), t.total[node]);
    assert.equal(Number(tip['base-total']), base[node]);
    assert.equal(Number(tip.self), t.self[node]);
    assert.equal(Number(tip['base-self']), t.baseSelf![node]);
    assert.match(tip.text!, /delta/);
  }
});

test('malicious function names are shown as text, never as markup', { skip }, async (t) => {
  await page.click('#evil-box summary');
  await page.waitForSelector('#evil[data-state="ready"]');
  const tip = await hover('evil', ['main.main', EVIL]);
  assert.equal(tip.name, EVIL);
  assert.equal(await page.locator('#evil .gf-title').textContent(), `evil ${EVIL}`);
  const r = await rectOf('evil', ['main.main', EVIL]);
  await page.mouse.click(r.x + 5, r.y + r.height / 2);
  await page.waitForFunction((n) => document.querySelector('#evil .gf-crumb[aria-current]')?.textContent === n, EVIL);
  await page.mouse.click(r.x + 5, r.y + r.height / 2, { button: 'right' });
  await page.locator('#evil .gf-sw-title').waitFor({ state: 'visible' });
  assert.match((await page.locator('#evil .gf-sw-title').textContent())!, /^<\/script><img/);
  await saveScreenshot(t, page, 'flame-8-untrusted');
  assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0, 'no <img> element was created');
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
});

test('no network request was made; no script error; screenshot saved', { skip }, async (t) => {
  assert.deepEqual(blocked, []);
  assert.deepEqual(pageErrors, []);
  await page.fill('#cpu input.gf-search', nameOf(fx.cpu!.tree, hottest(fx.cpu!.tree, 1)[0]!));
  await page.locator('#cpu').scrollIntoViewIfNeeded();
  await saveScreenshot(t, page, 'flame-9-page', { fullPage: true });
});
