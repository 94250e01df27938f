// Debian's chromium through playwright-core, for the tests that open goscope's HTML.
// CI installs chromium (.ci/run), so there a missing browser fails the test instead of
// skipping it.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** false when chromium can run; a skip message otherwise (never in CI). */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing in CI: .ci/run should have installed it`);
  return `${CHROMIUM} not found: skipping the browser tests (apt-get install chromium)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Where tests leave screenshots for people to look at: $TMPDIR/goscope-test-output/screenshots/. */
export const SCREENSHOT_DIR = join(tmpdir(), 'goscope-test-output', 'screenshots');

/** The path of a screenshot named `name` in SCREENSHOT_DIR (created). */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, name);
}

let announced = false;

/**
 * Saves a PNG of the page (the viewport, or the whole page with fullPage) as
 * SCREENSHOT_DIR/<name>.png, animations stopped and the caret hidden, and says once per
 * test file, as a diagnostic of the test that took the first one, "screenshots: DIR",
 * so that the CI output tells where to look. Returns the file's path.
 */
export async function saveScreenshot(t: { diagnostic(message: string): void }, page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  const file = screenshotPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false, animations: 'disabled', caret: 'hide' });
  if (!announced) {
    announced = true;
    t.diagnostic(`screenshots: ${SCREENSHOT_DIR}`);
  }
  return file;
}

/**
 * A page that can load file: URLs only: every other request is aborted and its URL pushed
 * to `blocked`; page errors (and console errors, with consoleErrors) go to `errors`.
 */
export async function offlinePage(
  browser: Browser,
  blocked: string[],
  errors: string[],
  opts: { consoleErrors?: boolean; width?: number; height?: number } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 } });
  await context.route('**', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) blocked.push(r.url());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  if (opts.consoleErrors) {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  }
  return page;
}
