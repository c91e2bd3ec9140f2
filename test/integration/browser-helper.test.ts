/**
 * test/helpers/browser.ts: Debian's chromium starts headless through playwright-core, draws on a canvas, and
 * leaves no process or profile behind once closed (the leak check of every test file would fail otherwise).
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { liveChildren } from '../helpers/open-resources.js';
import { CHROMIUM_PATH, launchBrowser } from '../helpers/browser.js';

describe('headless chromium for the browser tests', () => {
  it('runs a page with a canvas and leaves nothing behind', async () => {
    expect(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} missing: run scripts/install-system-deps.sh`).toBe(true);
    const browser = await launchBrowser();
    const page = await browser.newPage();
    expect(liveChildren().length).toBeGreaterThan(0);
    await page.setContent('<canvas width="20" height="10"></canvas>');
    const magenta = await page.$eval('canvas', (c) => {
      const ctx = (c as HTMLCanvasElement).getContext('2d')!;
      ctx.fillStyle = '#ff00ff';
      ctx.fillRect(0, 0, 10, 10);
      return Array.from(ctx.getImageData(5, 5, 1, 1).data);
    });
    expect(magenta).toEqual([255, 0, 255, 255]);
    expect(await page.evaluate(() => navigator.language)).toBe('vi-VN');
    const profiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith('playwright_chromiumdev_profile-'));
    const before = profiles();
    await browser.close();
    expect(liveChildren()).toEqual([]);
    expect(profiles().length).toBeLessThan(before.length);
  });
});
