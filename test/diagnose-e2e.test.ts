// goscope diagnose against the real demo service under load: one run finds the five
// planted goroutine leaks and each profile's planted hot spot at its file:line, saves
// every capture, and writes a report.html that opens in Debian's chromium (offline)
// with its flame graphs drawn.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { needGo, leakExperimentSupported, startDemo, type Demo } from './support/go.js';
import { goscope } from './support/cli.js';
import { startLoad, type Load } from '../scripts/load.js';
import { browserSkip, launchChromium, screenshotPath } from './support/browser.js';

const work = mkdtempSync(join(tmpdir(), 'goscope-diagnose-'));
let demo: Demo | null = null;
let load: Load | null = null;
after(async () => {
  await load?.stop();
  await demo?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Finding {
  kind: string;
  hotspots: { function: string; file: string; line: number }[];
}

let report = '';
let json: {
  schema: string;
  verdict: string[];
  goroutines: { suspects: { blockingSite: { function: string } | null }[] };
  profiles: Finding[];
  files: string[];
  report: string;
};

test('diagnose finds the planted leaks and hot spots in one run', { skip: needGo, timeout: 120_000 }, async () => {
  demo = await startDemo({ experiment: leakExperimentSupported() });
  load = startLoad(demo.url);
  await new Promise((r) => setTimeout(r, 2000));
  report = join(work, 'report.html');
  const r = await goscope(['diagnose', demo.url, '--seconds', '6', '--samples', '8', '--out', join(work, 'caps'), '-o', report, '--json'], { timeoutMs: 90_000 });
  assert.equal(r.code, 3, `exit 3 = leak suspects found\n${r.stderr}`);
  json = JSON.parse(r.stdout);
  assert.equal(json.schema, 'goscope.diagnose/v1');
  assert.match(json.verdict[0]!, /^5 goroutine leak suspects/);

  const sites = json.goroutines.suspects.map((s) => s.blockingSite?.function).sort();
  assert.deepEqual(sites, ['main.awaitShards', 'main.computeQuote', 'main.consumeEvents', 'main.recordAudit', 'main.waitForConfig']);

  const top = (kind: string, n: number) => json.profiles.find((f) => f.kind === kind)?.hotspots.slice(0, n).map((h) => h.function) ?? [];
  assert.ok(top('cpu', 3).includes('main.hashChain'), `cpu: ${top('cpu', 5)}`);
  assert.equal(top('heap', 1)[0], 'main.fillSessionCache');
  assert.ok(top('allocs', 2).includes('main.buildReportRows'), `allocs: ${top('allocs', 5)}`);
  assert.equal(top('mutex', 1)[0], 'main.contendedWorker');
  const cpu = json.profiles.find((f) => f.kind === 'cpu')!.hotspots[0]!;
  assert.match(cpu.file, /testdata\/go\/demo\/|demo\//);
  assert.ok(cpu.line > 0);

  // Everything captured is on disk, in standard form.
  for (const f of json.files) assert.ok(existsSync(f), f);
  for (const kind of ['cpu', 'heap', 'allocs.delta', 'mutex.delta', 'block.delta', 'goroutineleak']) {
    if (kind === 'goroutineleak' && !leakExperimentSupported()) continue;
    assert.ok(json.files.some((f) => f.endsWith(`/${kind}.pb.gz`)), `${kind}.pb.gz saved`);
  }
  assert.ok(json.files.some((f) => f.endsWith('.txt')), 'the debug=2 dump is saved');
  assert.ok(existsSync(report));
});

test('the report opens offline in chromium with its findings and flame graphs', { skip: needGo || browserSkip(), timeout: 60_000 }, async () => {
  assert.ok(report && existsSync(report), 'the diagnose test wrote the report');
  const html = readFileSync(report, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'self-contained');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const requests: string[] = [];
    await page.route('**', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(report).href);
    const verdict = await page.locator('#verdict').innerText();
    assert.match(verdict, /5 goroutine leak suspects/);
    assert.equal(await page.locator('[data-suspect]').count(), 5);

    // Every flame graph draws when its section is opened.
    const kinds = await page.locator('details[data-flame-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-flame-kind')));
    assert.ok(kinds.includes('cpu') && kinds.includes('heap') && kinds.includes('mutex'), kinds.join(','));
    for (const kind of kinds) {
      const d = page.locator(`details[data-flame-kind="${kind}"]`);
      await d.evaluate((el) => ((el as HTMLDetailsElement).open = true));
      await d.scrollIntoViewIfNeeded();
      await page.waitForFunction(
        (k) => {
          const c = document.querySelector(`details[data-flame-kind="${k}"] canvas`) as HTMLCanvasElement | null;
          if (!c || c.width === 0 || c.height === 0) return false;
          const px = c.getContext('2d')!.getImageData(0, 0, c.width, Math.min(c.height, 40)).data;
          for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
          return false;
        },
        kind,
        { timeout: 10_000 },
      );
    }
    const shot = screenshotPath('diagnose-report.png');
    await page.locator('details[data-flame-kind="cpu"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`report screenshot: ${shot}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [], 'no network requests');
  } finally {
    await browser.close();
  }
});
