import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from './data.js';

/**
 * Makes sure console-ui/assets/vendor/ holds the page's libraries (npm install's `prepare` copies them; a
 * checkout that skipped it would serve a page without them). Idempotent, a few milliseconds.
 */
export function ensureConsoleVendor(): void {
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'console-vendor.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Debian's chromium (scripts/install-system-deps.sh); playwright-core drives it and never downloads a browser. */
export const CHROMIUM_PATH = process.env.CAMWATCH_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that run headless chromium on the test box: no sandbox (root in CI), no GPU, no network of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A headless chromium with a fresh profile (playwright-core's launch makes a new temporary --user-data-dir
 * each time and removes it on close); close() ends the browser process and its children.
 */
export interface TestBrowser {
  readonly browser: Browser;
  /** A new page (its own context: storage starts empty), in the given browser language. */
  newPage(options?: { locale?: string }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 30_000,
  });
  let closed = false;
  return {
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({ locale: options.locale ?? 'vi-VN', viewport: { width: 1280, height: 900 } });
      return context.newPage();
    },
    async close() {
      if (closed) return;
      closed = true;
      // browser.close() waits for the chromium process (and its zygote/renderer children) to exit.
      await browser.close().catch(() => undefined);
    },
  };
}
