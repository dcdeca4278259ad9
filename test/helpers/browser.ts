/**
 * Real Chromium for the web page's tests, driven by playwright-core (which ships no browser): Debian's chromium,
 * or CHROMIUM_PATH. A missing browser is an error, never a skip, like the missing shared data in shared.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..');

/** The Chromium executable the tests use: CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium is missing at ${executablePath}: install it with \`apt-get install -y chromium\` (as CI does), ` +
      'or set CHROMIUM_PATH to a Chromium or Chrome executable',
    );
  }
  // --no-sandbox: the tests run as root (CI containers), where Chromium refuses to start with its sandbox.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

/** Records uncaught page exceptions and console errors, in order, so a test can assert there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // "Failed to load resource" names no URL in its text; the location does.
    if (message.type() === 'error') errors.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  return errors;
}

/** <repo>/test-artifacts (git-ignored), created on demand, for screenshots and traces worth looking at after a run. */
export function artifactsDir(): string {
  const dir = path.join(ROOT, 'test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
