// `npm run screens -- --before REV [--after REV]`: do the report pages look as they did?
// Builds each revision in a temporary git worktree, has each revision's own CLI write the
// flame graph, trace page and diagnose report from the same inputs (real profiles, a real
// trace and a real diagnose capture of the demo service, made once by the project's Go
// programs), opens every page in Debian's chromium at a fixed viewport with animations
// off, drives it to the same states (zoom, search, tooltip, sandwich...) and compares the
// before and after screenshots pixel by pixel (scripts/png.ts). Each side is rendered
// twice, so that differences from chromium itself (nondeterminism) show up as such.
//
// Writes to --out (default $TMPDIR/goscope-screens/<before>-<after>/): before/ and after/
// (the HTML and PNGs of each run), diff/ (differing pixels in magenta), compare/ (before |
// after | diff, downscaled), summary.json and summary.md.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildGo, leakExperimentSupported, repoRoot, startDemo } from './go.js';
import { startLoad } from './load.js';
import { decodeProfile } from '../src/formats/pprof/index.js';
import { blankImage, cropImage, decodePng, diffImages, downscale, encodePng, sideBySide, type Image } from './png.js';

/** The last commit before the web/ rewrite (the merge of i12-web is 6f388b6). */
export const DEFAULT_BEFORE = '6f388b6^1';

const CHROMIUM = '/usr/bin/chromium';
// The guide's flags, plus what makes text rendering repeatable across runs.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--font-render-hinting=none',
  '--disable-lcd-text',
  '--force-color-profile=srgb',
];
export const VIEWPORT = { width: 1280, height: 900 };

const USAGE = `usage: npm run screens -- [--before REV] [--after REV] [--out DIR] [--inputs DIR] [--keep]

Renders the flame graph, trace page and diagnose report of two revisions from the same
inputs in chromium and compares the screenshots pixel by pixel.

  --before REV   revision to compare against (default ${DEFAULT_BEFORE}: before the web/ rewrite)
  --after REV    revision to compare (default: this checkout as built, working tree included)
  --out DIR      where to write (default $TMPDIR/goscope-screens/<before>-<after>/)
  --inputs DIR   reuse the inputs of an earlier run (DIR/inputs.json), else make them there
  --keep         keep the temporary worktrees
`;

function log(s: string): void {
  process.stderr.write(s + '\n');
}

function git(args: string[], cwd = repoRoot): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function run(cmd: string, args: string[], cwd: string, what: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(' ')}, exit ${r.status}):\n${(r.stderr || r.stdout).slice(-4000)}`);
}

// ---------------------------------------------------------------------------
// Inputs: made once, fed to both revisions.

interface Inputs {
  dir: string;
  cpu: string;
  cpu2: string;
  trace: string;
  caps: string;
  /** What made them, for the summary. */
  made: { goVersion: string; at: string; diagnose: string };
}

async function makeInputs(dir: string): Promise<Inputs> {
  const manifest = path.join(dir, 'inputs.json');
  if (existsSync(manifest)) {
    log(`inputs: reusing ${dir}`);
    return JSON.parse(readFileSync(manifest, 'utf8')) as Inputs;
  }
  mkdirSync(dir, { recursive: true });
  const goVersion = execFileSync('go', ['version'], { encoding: 'utf8' }).trim();
  log('inputs: profiles (testdata/go/profgen)');
  const profgen = await buildGo('testdata/go/profgen');
  const profiles = path.join(dir, 'profiles');
  execFileSync(profgen, ['-out', profiles, '-cpu', '300ms', '-extra'], { stdio: ['ignore', 'pipe', 'pipe'] });
  log('inputs: execution trace (testdata/go/tracegen)');
  const tracegen = await buildGo('testdata/go/tracegen');
  const trace = path.join(dir, 'trace.out');
  execFileSync(tracegen, ['-out', trace], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  // A diagnose capture folder of the demo under load, by this checkout's CLI (both
  // revisions read capture folders: `goscope diagnose <folder>`).
  log('inputs: diagnose capture of the demo service under load (6 s)');
  const demo = await startDemo({ experiment: leakExperimentSupported() });
  const load = startLoad(demo.url);
  const caps = path.join(dir, 'caps');
  try {
    await new Promise((r) => setTimeout(r, 2000));
    // Asynchronously: the load runs in this process and must keep going through the window.
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          path.join(repoRoot, 'bin/goscope.js'),
          'diagnose',
          demo.url,
          '--seconds',
          '6',
          '--samples',
          '8',
          '--out',
          caps,
          '-o',
          path.join(dir, 'capture-report.html'),
        ],
        { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
        (err, _stdout, stderr) => {
          if (err && typeof err.code !== 'number') reject(err);
          else resolve({ code: err ? (err.code as number) : 0, stderr });
        },
      );
    });
    if (r.code !== 0 && r.code !== 3) throw new Error(`diagnose of the demo failed (exit ${r.code}):\n${r.stderr}`);
  } finally {
    await load.stop();
    await demo.stop();
  }
  // A report whose CPU flame graph is empty would compare little: say so rather than go on.
  const cpuSamples = decodeProfile(readFileSync(path.join(caps, 'cpu.pb.gz')), 'cpu.pb.gz').samples.length;
  if (cpuSamples === 0) throw new Error(`the demo's CPU profile in ${caps} holds no sample: run again (is the machine saturated?)`);
  log(`inputs: the capture's CPU profile holds ${cpuSamples} samples`);
  const inputs: Inputs = {
    dir,
    cpu: path.join(profiles, 'cpu.pb.gz'),
    cpu2: path.join(profiles, 'cpu2.pb.gz'),
    trace,
    caps,
    made: { goVersion, at: new Date().toISOString(), diagnose: `${git(['rev-parse', '--short', 'HEAD'])} (this checkout)` },
  };
  writeFileSync(manifest, JSON.stringify(inputs, null, 2));
  return inputs;
}

// ---------------------------------------------------------------------------
// Revisions: a temporary worktree each, built with node_modules shared by lock file.

interface Side {
  label: string;
  /** Short commit, or "working tree". */
  commit: string;
  root: string;
  worktree: boolean;
}

const cacheDir = path.join(os.tmpdir(), 'goscope-screens');

/**
 * node_modules for a worktree: this checkout's when the lock files are the same, else one
 * cached per lock file hash ($TMPDIR/goscope-screens/node_modules/<hash>/node_modules), installed once
 * with `npm ci --ignore-scripts` (the build below is the only script a revision needs).
 */
function linkNodeModules(root: string): void {
  const lock = readFileSync(path.join(root, 'package-lock.json'));
  if (lock.equals(readFileSync(path.join(repoRoot, 'package-lock.json'))) && existsSync(path.join(repoRoot, 'node_modules'))) {
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    return;
  }
  const hash = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  // Named node_modules itself: packages find themselves by walking up to a node_modules
  // folder (esbuild's require.resolve('esbuild') does).
  const cached = path.join(cacheDir, 'node_modules', hash, 'node_modules');
  if (!existsSync(cached)) {
    log(`  npm ci (lock file ${hash}, cached for next time)`);
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], root, 'npm ci');
    mkdirSync(path.dirname(cached), { recursive: true });
    renameSync(path.join(root, 'node_modules'), cached);
  }
  symlinkSync(cached, path.join(root, 'node_modules'), 'dir');
}

function prepareSide(label: string, rev: string | undefined, work: string): Side {
  if (rev === undefined) {
    // This checkout as it is: the caller ran `npm run build` (npm run screens does).
    const dirty = git(['status', '--porcelain']).length > 0;
    return { label, commit: git(['rev-parse', '--short', 'HEAD']) + (dirty ? '+working tree' : ''), root: repoRoot, worktree: false };
  }
  const commit = git(['rev-parse', '--short', `${rev}^{commit}`]);
  const root = path.join(work, `${label}-${commit}`);
  log(`${label}: ${rev} = ${commit}: worktree ${root}`);
  git(['worktree', 'add', '--detach', root, commit]);
  const side = { label, commit, root, worktree: true };
  liveWorktrees.add(root);
  try {
    linkNodeModules(root);
    log(`  npm run build`);
    run('npm', ['run', 'build'], root, `build of ${rev}`);
  } catch (e) {
    removeSide(side);
    throw e;
  }
  return side;
}

/** Worktrees made and not yet removed: Ctrl-C removes them too (see main). */
const liveWorktrees = new Set<string>();

function removeSide(s: Side): void {
  if (!s.worktree) return;
  liveWorktrees.delete(s.root);
  try {
    git(['worktree', 'remove', '--force', s.root]);
  } catch (e) {
    log(`could not remove worktree ${s.root}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------
// Pages: each revision's CLI writes them.

/** The flags a command's --help lists (to adapt a call to an older CLI). */
function helpOf(side: Side, command: string): string {
  const r = spawnSync(process.execPath, [path.join(side.root, 'bin/goscope.js'), command, '--help'], { encoding: 'utf8' });
  return r.stdout + r.stderr;
}

/** The first argument list whose flags the revision's `command --help` mentions. */
function pickArgs(side: Side, command: string, variants: string[][]): string[] {
  const help = helpOf(side, command);
  for (const v of variants) if (v.filter((a) => a.startsWith('-')).every((f) => help.includes(f))) return v;
  throw new Error(`${side.label} (${side.commit}): goscope ${command} has none of the flags used: ${variants.map((v) => v.join(' ')).join(' | ')}`);
}

interface PageFile {
  name: string;
  file: string;
}

function writePages(side: Side, inputs: Inputs, dir: string): PageFile[] {
  mkdirSync(dir, { recursive: true });
  const pages: PageFile[] = [];
  const cli = (command: string, variants: string[][], name: string, okCodes = [0]) => {
    const args = pickArgs(side, command, variants);
    const r = spawnSync(process.execPath, [path.join(side.root, 'bin/goscope.js'), command, ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (r.status === null || !okCodes.includes(r.status)) throw new Error(`${side.label}: goscope ${command} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    pages.push({ name, file: path.join(dir, `${name}.html`) });
  };
  const out = (name: string) => path.join(dir, `${name}.html`);
  cli('flame', [[inputs.cpu, '-o', out('flame')]], 'flame');
  cli('flame', [[inputs.cpu2, '--diff-base', inputs.cpu, '-o', out('flame-diff')]], 'flame-diff');
  cli('trace', [[inputs.trace, '-o', out('trace')]], 'trace');
  // diagnose's report flag: -o (alias --html) on both sides so far.
  cli(
    'diagnose',
    [
      [inputs.caps, '-o', out('report')],
      [inputs.caps, '--html', out('report')],
    ],
    'report',
    [0, 3],
  );
  return pages;
}

// ---------------------------------------------------------------------------
// Driving the pages to the same states.

interface PageFlame {
  tree: { names: string[]; nameIdx: Int32Array; firstChild: Int32Array; childCount: Int32Array; total: Float64Array };
  rectOfPath(path: string[]): { x: number; y: number; width: number; height: number } | null;
}
declare const GoscopeFlame: { get(id: string): PageFlame | undefined };
// The trace page's view, as both revisions expose it (web/README.md).
declare const GoscopeTrace: {
  get():
    | {
        view: {
          data: { iv: { n: number } };
          headerHeight: number;
          height: number;
          intervalRect(j: number): { x: number; y: number; width: number; height: number } | null;
        };
      }
    | undefined;
};

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));
}

/** The rectangle of the widest frame `depth` levels under the root of flame section `id`. */
async function widestFrame(page: Page, id: string, depth: number): Promise<{ x: number; y: number; width: number; height: number }> {
  await page.locator(`#${id} canvas.gf-canvas`).scrollIntoViewIfNeeded();
  const r = await page.evaluate(
    ([id, depth]) => {
      const s = GoscopeFlame.get(id as string);
      if (!s) return null;
      const t = s.tree;
      const names: string[] = [];
      let node = 0;
      for (let d = 0; d < (depth as number) && t.childCount[node]! > 0; d++) {
        let best = t.firstChild[node]!;
        for (let c = best; c < t.firstChild[node]! + t.childCount[node]!; c++) if (t.total[c]! > t.total[best]!) best = c;
        node = best;
        names.push(t.names[t.nameIdx[node]!]!);
      }
      return s.rectOfPath(names);
    },
    [id, depth] as const,
  );
  if (!r) throw new Error(`flame section #${id}: no frame ${depth} levels down is drawn`);
  return r;
}

async function openAllDetails(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const d of Array.from(document.querySelectorAll('details'))) d.open = true;
  });
  // Lazily drawn sections start when visible: scroll through the page, then wait for all.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0; y < height; y += VIEWPORT.height / 2) {
    await page.evaluate((y) => window.scrollTo(0, y), y);
    await settle(page);
  }
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-goscope-flame]')).every((s) => s.getAttribute('data-state') === 'ready'), null, {
    timeout: 20_000,
  });
  await page.evaluate(() => window.scrollTo(0, 0));
}

interface Band {
  id: string;
  y: number;
  height: number;
  /** The section's text, a line per text node (not the script's or the data blocks'). */
  text: string;
  /** A hash of each canvas's own pixels (getImageData): independent of where the page puts it. */
  canvases: string[];
}

/**
 * The page cut into horizontal bands at its <h2 id> headings (the report's sections),
 * in page coordinates: a section compared on its own is not offset by one above it
 * that grew or appeared. The band before the first heading is "head".
 */
function sectionsOf(page: Page): Promise<Band[]> {
  return page.evaluate(() => {
    const end = document.documentElement.scrollHeight;
    const tops = Array.from(document.querySelectorAll('h2[id]')).map((h) => ({ id: h.id, y: Math.round(h.getBoundingClientRect().top + window.scrollY) }));
    const heads = Array.from(document.querySelectorAll('h2[id]'));
    const cuts = [{ id: 'head', y: 0 }, ...tops];
    const fnv = (d: Uint8ClampedArray) => {
      let h = 0x811c9dc5;
      for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
      return (h >>> 0).toString(16);
    };
    return cuts.map((c, i) => {
      const range = document.createRange();
      if (i === 0) range.setStart(document.body, 0);
      else range.setStartBefore(heads[i - 1]!);
      if (i < heads.length) range.setEndBefore(heads[i]!);
      else range.setEndAfter(document.body.lastChild ?? document.body);
      const canvases = Array.from(document.querySelectorAll('canvas'))
        .filter((cv) => range.intersectsNode(cv) && cv.width > 0 && cv.height > 0)
        .map((cv) => `${cv.width}x${cv.height}:${fnv(cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data)}`);
      // The text a reader sees: not the page script's or the data blocks'.
      let text = '';
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const tag = n.parentElement?.tagName;
        if (tag !== 'SCRIPT' && tag !== 'STYLE' && range.intersectsNode(n) && n.nodeValue!.trim()) text += n.nodeValue!.trim() + '\n';
      }
      return { id: c.id, y: c.y, height: (i + 1 < cuts.length ? cuts[i + 1]!.y : end) - c.y, text, canvases };
    });
  });
}

interface State {
  page: string;
  state: string;
  full: boolean;
}

/** Each page's states, in order: `drive` brings the page there from the previous one. */
const SCRIPT: Record<string, { state: string; full?: boolean; drive: (p: Page) => Promise<void> }[]> = {
  flame: [
    { state: 'initial', full: true, drive: (p) => p.waitForSelector('#flame[data-state="ready"]').then(() => undefined) },
    {
      state: 'zoomed',
      drive: async (p) => {
        const r = await widestFrame(p, 'flame', 4);
        await p.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
        await p.waitForFunction(() => document.querySelectorAll('#flame .gf-crumb').length > 1);
      },
    },
    {
      state: 'search',
      drive: async (p) => {
        await p.click('#flame .gf-reset');
        await p.fill('#flame input.gf-search', 'main\\.');
        await p.waitForFunction(() => document.querySelector('#flame .gf-matched')?.hasAttribute('data-matched'));
      },
    },
    {
      state: 'tooltip',
      drive: async (p) => {
        await p.fill('#flame input.gf-search', '');
        const r = await widestFrame(p, 'flame', 3);
        await p.mouse.move(r.x + Math.min(r.width / 2, 40), r.y + r.height / 2);
        await p.locator('#flame .gf-tooltip').waitFor({ state: 'visible' });
      },
    },
    {
      state: 'sandwich',
      full: true,
      drive: async (p) => {
        const r = await widestFrame(p, 'flame', 3);
        await p.mouse.click(r.x + Math.min(r.width / 2, 40), r.y + r.height / 2, { button: 'right' });
        await p.locator('#flame .gf-sandwich').waitFor({ state: 'visible' });
        await p.mouse.move(0, 0);
      },
    },
  ],
  'flame-diff': [{ state: 'initial', full: true, drive: (p) => p.waitForSelector('#flame[data-state="ready"]').then(() => undefined) }],
  trace: [
    { state: 'top', drive: (p) => p.waitForSelector('#trace-timeline[data-state="ready"]').then(() => undefined) },
    {
      state: 'zoomed',
      drive: async (p) => {
        const box = (await p.locator('canvas.gt-canvas').boundingBox())!;
        await p.mouse.move(box.x + box.width * 0.6, box.y + 40);
        await p.keyboard.press('w');
        await p.keyboard.press('w');
        await p.mouse.move(0, 0);
      },
    },
    {
      state: 'tooltip',
      drive: async (p) => {
        // The first interval drawn at least 8 px wide in the zoomed view, hovered.
        const r = await p.evaluate(() => {
          const v = GoscopeTrace.get()!.view;
          for (let j = 0; j < v.data.iv.n; j++) {
            const r = v.intervalRect(j);
            if (r && r.width >= 8 && r.y > v.headerHeight && r.y + r.height < v.height) return r;
          }
          return null;
        });
        if (!r) throw new Error('trace page: no interval 8 px wide in the zoomed view');
        const box = (await p.locator('canvas.gt-canvas').boundingBox())!;
        await p.mouse.move(box.x + r.x + r.width / 2, box.y + r.y + r.height / 2);
        await p.locator('#trace-timeline .gt-tooltip').waitFor({ state: 'visible' });
      },
    },
    {
      state: 'full',
      full: true,
      drive: async (p) => {
        await p.mouse.move(0, 0);
        await p.click('#trace-timeline .gt-reset');
        await openAllDetails(p);
      },
    },
  ],
  report: [
    { state: 'top', drive: () => Promise.resolve() },
    {
      state: 'cpu-search',
      drive: async (p) => {
        const section = p.locator('details[data-flame-kind="cpu"] section[data-goscope-flame]').first();
        await p.locator('details[data-flame-kind="cpu"]').evaluate((d) => ((d as HTMLDetailsElement).open = true));
        await section.scrollIntoViewIfNeeded();
        const id = (await section.getAttribute('id'))!;
        await p.waitForSelector(`#${id}[data-state="ready"]`);
        await p.fill(`#${id} input.gf-search`, 'main\\.');
        await p.waitForFunction((id) => document.querySelector(`#${id} .gf-matched`)?.hasAttribute('data-matched'), id);
      },
    },
    { state: 'full', full: true, drive: (p) => openAllDetails(p) },
  ],
};

async function shoot(browser: Browser, pages: PageFile[], dir: string): Promise<State[]> {
  const states: State[] = [];
  for (const pf of pages) {
    const context = await browser.newContext({
      viewport: VIEWPORT,
      deviceScaleFactor: 1,
      reducedMotion: 'reduce',
      colorScheme: 'light',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    await context.route('**', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(pf.file).href);
    for (const s of SCRIPT[pf.name]!) {
      await s.drive(page);
      await settle(page);
      await page.screenshot({ path: path.join(dir, `${pf.name}.${s.state}.png`), fullPage: s.full ?? false, animations: 'disabled', caret: 'hide' });
      if (s.full) writeFileSync(path.join(dir, `${pf.name}.${s.state}.sections.json`), JSON.stringify(await sectionsOf(page)));
      states.push({ page: pf.name, state: s.state, full: s.full ?? false });
    }
    await context.close();
    if (errors.length) throw new Error(`${pf.file}: page errors: ${errors.join('; ')}`);
  }
  return states;
}

// ---------------------------------------------------------------------------

interface Row {
  page: string;
  state: string;
  before: string;
  after: string;
  differing: number;
  percent: number;
  box: { x: number; y: number; width: number; height: number } | null;
  /** Pixels differing between two renders of the same side (chromium's own noise). */
  noiseBefore: number;
  noiseAfter: number;
}

/** One section (band) of a whole-page state, compared on its own. */
interface SectionRow {
  page: string;
  state: string;
  section: string;
  before: string;
  after: string;
  differing: number;
  box: { x: number; y: number; width: number; height: number } | null;
  /** The section's text is the same on both sides. */
  sameText: boolean;
  /** "k of n": canvases whose own pixels are the same on both sides. */
  canvases: string;
  /** Text lines (text nodes) only one side has, the first few. */
  textOnlyBefore: string[];
  textOnlyAfter: string[];
}

/** Lines of `a` not in `b` (as multisets), the first 8. */
function onlyIn(a: string, b: string): string[] {
  const count = new Map<string, number>();
  for (const l of b.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
  const out: string[] = [];
  for (const l of a.split('\n')) {
    const k = count.get(l) ?? 0;
    if (k > 0) count.set(l, k - 1);
    else if (l && out.length < 8) out.push(l);
  }
  return out;
}

const size = (i: Image) => `${i.width}x${i.height}`;
const png = (f: string) => decodePng(readFileSync(f), f);

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        before: { type: 'string', default: DEFAULT_BEFORE },
        after: { type: 'string' },
        out: { type: 'string' },
        inputs: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
  } catch (e) {
    process.stderr.write(`screens: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium)`);
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(path.join(cacheDir, 'worktrees-'));
  const sides: Side[] = [];
  // Interrupted: no worktree is left registered in the repository.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (!values.keep) {
        for (const root of liveWorktrees) removeSide({ label: '', commit: '', root, worktree: true });
        rmSync(work, { recursive: true, force: true });
      }
      process.exit(130);
    });
  }
  try {
    sides.push(prepareSide('before', values.before, work));
    sides.push(prepareSide('after', values.after, work));
    const [before, after] = sides as [Side, Side];
    const out = path.resolve(values.out ?? path.join(cacheDir, `${before.commit}-${after.commit}`.replace(/[^\w.+-]/g, '_')));
    const inputs = await makeInputs(path.resolve(values.inputs ?? path.join(out, 'inputs')));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    let states: State[] = [];
    try {
      for (const s of sides) {
        log(`${s.label} (${s.commit}): writing the pages with its CLI`);
        const pages = writePages(s, inputs, path.join(out, s.label));
        for (const runDir of ['run1', 'run2']) {
          log(`${s.label}: rendering (${runDir})`);
          const dir = path.join(out, s.label, runDir);
          mkdirSync(dir, { recursive: true });
          states = await shoot(browser, pages, dir);
        }
      }
    } finally {
      await browser.close();
    }
    for (const d of ['diff', 'compare']) mkdirSync(path.join(out, d), { recursive: true });
    const rows: Row[] = [];
    const sectionRows: SectionRow[] = [];
    for (const st of states) {
      const f = `${st.page}.${st.state}.png`;
      const [b1, b2, a1, a2] = [
        path.join(out, 'before', 'run1', f),
        path.join(out, 'before', 'run2', f),
        path.join(out, 'after', 'run1', f),
        path.join(out, 'after', 'run2', f),
      ].map(png) as [Image, Image, Image, Image];
      const d = diffImages(b1, a1);
      writeFileSync(path.join(out, 'diff', f), encodePng(d.image));
      writeFileSync(path.join(out, 'compare', f), encodePng(downscale(sideBySide(sideBySide(b1, a1, 16), d.image, 16), 2)));
      const bandsFile = (side: string) => path.join(out, side, 'run1', `${st.page}.${st.state}.sections.json`);
      if (st.full && existsSync(bandsFile('before')) && existsSync(bandsFile('after'))) {
        const bb = JSON.parse(readFileSync(bandsFile('before'), 'utf8')) as Band[];
        const ab = JSON.parse(readFileSync(bandsFile('after'), 'utf8')) as Band[];
        const ids = [...ab.map((b) => b.id), ...bb.map((b) => b.id).filter((id) => !ab.some((b) => b.id === id))];
        for (const id of ids) {
          const x = bb.find((b) => b.id === id);
          const y = ab.find((b) => b.id === id);
          const cb = x ? cropImage(b1, 0, x.y, b1.width, x.height) : blankImage(0, 0);
          const ca = y ? cropImage(a1, 0, y.y, a1.width, y.height) : blankImage(0, 0);
          const sd = diffImages(cb, ca);
          const name = `${st.page}.${st.state}.${id}.png`;
          if (sd.differing > 0) {
            writeFileSync(path.join(out, 'diff', name), encodePng(sd.image));
            writeFileSync(path.join(out, 'compare', name), encodePng(sideBySide(sideBySide(cb, ca, 16), sd.image, 16)));
          }
          sectionRows.push({
            page: st.page,
            state: st.state,
            section: id,
            before: x ? `${cb.width}x${cb.height} at y ${x.y}` : 'absent',
            after: y ? `${ca.width}x${ca.height} at y ${y.y}` : 'absent',
            differing: sd.differing,
            box: sd.box,
            sameText: x !== undefined && y !== undefined && x.text === y.text,
            textOnlyBefore: onlyIn(x?.text ?? '', y?.text ?? ''),
            textOnlyAfter: onlyIn(y?.text ?? '', x?.text ?? ''),
            canvases: `${x && y ? y.canvases.filter((c, i) => x.canvases[i] === c).length : 0} of ${Math.max(x?.canvases.length ?? 0, y?.canvases.length ?? 0)}`,
          });
        }
      }
      rows.push({
        page: st.page,
        state: st.state,
        before: size(b1),
        after: size(a1),
        differing: d.differing,
        percent: +((100 * d.differing) / (d.width * d.height)).toFixed(3),
        box: d.box,
        noiseBefore: diffImages(b1, b2).differing,
        noiseAfter: diffImages(a1, a2).differing,
      });
    }
    const summary = {
      before: { rev: values.before, commit: before.commit },
      after: { rev: values.after ?? 'this checkout', commit: after.commit },
      viewport: VIEWPORT,
      chromium: execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim(),
      inputs: inputs.made,
      rows,
      sections: sectionRows,
    };
    writeFileSync(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const md = [
      `before ${values.before} (${before.commit}) vs after ${values.after ?? 'this checkout'} (${after.commit}); ${summary.chromium}, viewport ${VIEWPORT.width}x${VIEWPORT.height}`,
      '',
      '| page | state | before | after | differing px | % | box of the differences | noise before/after |',
      '| --- | --- | --- | --- | ---: | ---: | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.page} | ${r.state} | ${r.before} | ${r.after} | ${r.differing} | ${r.percent} | ${r.box ? `${r.box.width}x${r.box.height} at ${r.box.x},${r.box.y}` : '-'} | ${r.noiseBefore}/${r.noiseAfter} |`,
      ),
      '',
      "Whole pages cut at their sections (<h2 id>), each compared on its own, with its text and its canvases' own pixels:",
      '',
      '| page | state | section | before | after | differing px | box of the differences | same text | same canvases |',
      '| --- | --- | --- | --- | --- | ---: | --- | --- | --- |',
      ...sectionRows.map(
        (r) =>
          `| ${r.page} | ${r.state} | ${r.section} | ${r.before} | ${r.after} | ${r.differing} | ${r.box ? `${r.box.width}x${r.box.height} at ${r.box.x},${r.box.y}` : '-'} | ${r.sameText ? 'yes' : 'no'} | ${r.canvases} |`,
      ),
      '',
      ...sectionRows
        .filter((r) => !r.sameText)
        .flatMap((r) => [
          `${r.page} ${r.state} §${r.section}: text only before: ${JSON.stringify(r.textOnlyBefore)}; only after: ${JSON.stringify(r.textOnlyAfter)}`,
          '',
        ]),
    ].join('\n');
    writeFileSync(path.join(out, 'summary.md'), md);
    process.stdout.write(md + `\nwritten to ${out}\n`);
  } finally {
    if (!values.keep) for (const s of sides) removeSide(s);
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`screens: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
