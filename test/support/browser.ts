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

/** Where tests leave screenshots for people to look at. */
export function screenshotPath(name: string): string {
  const dir = join(tmpdir(), 'goscope-test-output');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
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
