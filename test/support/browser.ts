// Debian's chromium through playwright-core, for the tests that open goscope's HTML.
// CI installs chromium (.ci/run), so there a missing browser fails the test instead of
// skipping it.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

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
