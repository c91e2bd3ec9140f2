/**
 * The console as a technician uses it, in a real headless chromium (Debian's, driven by playwright-core)
 * against a real `camwatch run` process on real footage with the real model: open the link with the token,
 * see the cameras, watch the live frame with its boxes (pixels read off the canvas), draw a zone with the
 * mouse on the editor, attach a rule, preview, save; the YAML on disk gets the zone and keeps its comments,
 * only that camera restarts, and an incident from the new zone shows on the incidents page. An invalid edit
 * shows the field's error and leaves the file byte for byte as it was; the English switch changes the labels.
 *
 * Scene: vn_saigon_intersection.mp4 (640x452 analysis frames), motorbikes and riders stopping on the zebra
 * crossing (y≈0.42–0.56) within a few seconds of every 10 s loop (see agent-e2e.test.ts). A second camera on
 * another clip shows that saving one camera leaves the other running.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { ensureConsoleVendor, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { freePort } from '../helpers/mosquitto.js';

const HEADER_COMMENT = '# Box at Ngã tư Sài Gòn: installed by the console browser test';
const LINE_COMMENT = '# counting line across the right-hand lanes (kept by every edit)';

function writeConfig(dir: string, brokerPort: number): string {
  const yaml = `${HEADER_COMMENT}
version: 1
agent: { id: console-box, dataDir: ${join(dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
detection: { model: yolox_nano_416, scoreThreshold: 0.3 }
mqtt: { embeddedPort: ${brokerPort} }
health: { port: 0 }
console: { port: 0 }
counts: { binSeconds: 5, rollupSeconds: 15 }   # short bins: the counts page has rows within seconds
cameras:
  - id: saigon-01
    name: Ngã tư Sài Gòn
    source: { file: ${videoPath('vn_saigon_intersection.mp4')} }
    analysis: { fps: 4, width: 640 }
    zones:
      - id: kerb   # the pavement on the left, kept as it is
        points: [[0.0, 0.6], [0.2, 0.6], [0.1, 1.0]]
    ${LINE_COMMENT}
    lines:
      - id: lane-count
        from: [0.55, 0.72]
        to: [1.0, 0.72]
    rules:
      - id: count-right-lanes
        type: line_crossing
        line: lane-count
  - id: highway
    source: { file: ${videoPath('highway_traffic_degirum.mp4')} }
    analysis: { fps: 1, width: 320 }   # only here to show it is left running
`;
  const path = join(dir, 'camwatch.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** Pixel statistics of a canvas: grey-level spread (a blank canvas has none) and pixels of the box colour. */
async function canvasPixels(page: Page, selector: string): Promise<{ width: number; height: number; greyStdDev: number; boxPixels: number }> {
  return page.$eval(selector, (el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    let box = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      const grey = 0.299 * r + 0.587 * g + 0.114 * b;
      n++;
      sum += grey;
      sumSq += grey * grey;
      // COLOURS.box is #ff00ff: saturated magenta, which street footage does not show.
      if (r > 220 && g < 40 && b > 220) box++;
    }
    const mean = sum / n;
    return { width: c.width, height: c.height, greyStdDev: Math.sqrt(sumSq / n - mean * mean), boxPixels: box };
  });
}

describe('console in a real browser against a running agent', () => {
  let dir: string;
  let browser: TestBrowser;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-console-'));
    ensureConsoleVendor();
    browser = await launchBrowser();
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows cameras and live boxes, saves a drawn zone with its rule, lists its incident; refuses an invalid edit', async () => {
    const configPath = writeConfig(dir, await freePort());
    const agent = startAgent(['run', '--config', configPath]);
    onTestFinished(async () => {
      await agent.kill();
    });
    const listening = await agent.waitForLog((e) => String(e.msg).startsWith('console listening'), 30_000);
    const base = String(listening.url).replace(/\/$/, '');
    const token = readFileSync(join(dir, 'var', 'console-token'), 'utf8').trim();

    const page = await browser.newPage({ locale: 'vi-VN' });
    // What the page showed when a step failed, for the CI log's reader.
    onTestFailed(async () => {
      await page.screenshot({ path: join(PROJECT_ROOT, 'test-results', 'console-browser-failure.png'), fullPage: true }).catch(() => undefined);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // The link with the token: the token goes to sessionStorage and leaves the address bar.
    await page.goto(`${base}/#token=${token}`);
    await page.locator('article.camera[data-camera="saigon-01"]').waitFor({ timeout: 20_000 });
    await page.locator('article.camera[data-camera="highway"]').waitFor();
    expect(page.url()).not.toContain(token);
    expect(await page.evaluate(() => sessionStorage.getItem('camwatch.token'))).toBe(token);
    expect(await page.locator('a[data-nav="live"]').innerText()).toBe('Trực tiếp');
    // Page weight: the bytes of the first load that are the page itself (not API answers or frames), as the
    // browser's resource timing saw them.
    const pageBytes = await page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
        .filter((e) => { const path = new URL(e.name).pathname; return path === '/' || path.startsWith('/assets/'); })
        .reduce((sum, e) => sum + (e as PerformanceResourceTiming).encodedBodySize, 0));
    expect(pageBytes).toBeGreaterThan(60_000);
    expect(pageBytes).toBeLessThan(150_000);

    // Live view: the analysis frame with boxes drawn on it, checked on the canvas pixels.
    await page.evaluate(() => (location.hash = '#/live/saigon-01'));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="live-canvas"]')?.getAttribute('data-boxes') ?? 0) > 0, undefined, { timeout: 30_000 });
    const live = await canvasPixels(page, '[data-testid="live-canvas"]');
    expect(live.width).toBe(640);
    expect(live.greyStdDev).toBeGreaterThan(20);
    expect(live.boxPixels).toBeGreaterThan(100);
    // Leaving the page closes the stream: the agent stops encoding frames for it.
    const left = agent.waitForLog((e) => e.msg === 'console: live viewer left' && e.viewers === 0, 10_000);

    // Editor: draw the zone over the zebra crossing by clicks, drag one corner, name it, attach a rule.
    await page.evaluate(() => (location.hash = '#/editor/saigon-01'));
    await page.locator('li[data-shape="line:lane-count"]').waitFor();
    await left;
    await page.waitForFunction(() => (document.querySelector('[data-testid="editor-canvas"]') as HTMLCanvasElement | null)?.width === 640);
    await page.click('button[data-mode="zone"]');
    const canvas = await page.locator('[data-testid="editor-canvas"]').boundingBox();
    const at = (fx: number, fy: number): [number, number] => [canvas!.x + fx * canvas!.width, canvas!.y + fy * canvas!.height];
    for (const [fx, fy] of [[0.3, 0.4], [0.95, 0.4], [0.98, 0.58], [0.3, 0.58]] as const) await page.mouse.click(...at(fx, fy));
    await page.mouse.click(...at(0.3, 0.4)); // back on the first corner closes the zone
    await page.locator('li[data-shape="zone:zone-1"]').waitFor();
    // Back in select mode the canvas stays where it was (the toolbar and hint keep their size).
    expect(await page.locator('[data-testid="editor-canvas"]').boundingBox()).toEqual(canvas);
    await page.mouse.move(...at(0.95, 0.4));
    await page.mouse.down();
    await page.mouse.move(...at(0.98, 0.38), { steps: 5 });
    await page.mouse.up();
    // A directed line drawn left to right: its "in" arrow (green) points down, the side the agent counts as in.
    await page.click('button[data-mode="line"]');
    await page.mouse.click(...at(0.05, 0.9));
    await page.mouse.click(...at(0.25, 0.9));
    await page.locator('li[data-shape="line:line-1"]').waitFor();
    const arrowGreen = (dy: number) => page.$eval('[data-testid="editor-canvas"]', (el, dyPx) => {
      const c = el as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(Math.round(c.width * 0.15) - 4, Math.round(c.height * 0.9 + dyPx) - 6, 8, 12).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! < 60 && d[i + 1]! > 200 && d[i + 2]! > 90 && d[i + 2]! < 150) n++;
      return n;
    }, dy);
    // The list item shows on render, the canvas is drawn by the effect after it: wait for the drawing.
    await expect.poll(() => arrowGreen(16), { timeout: 10_000 }).toBeGreaterThan(5);
    expect(await arrowGreen(-16)).toBe(0);
    await page.fill('input[name="zones.1.name"]', 'Vạch qua đường');
    await page.locator('input[name="zones.1.name"]').blur();
    await page.click('li[data-shape="zone:zone-1"] span'); // select the zone: the new rule attaches to it
    await page.selectOption('select[name="newRuleType"]', 'zone_intrusion');
    await page.click('[data-testid="add-rule"]');
    const rule = page.locator('fieldset[data-rule="rule-1"]');
    expect(await rule.locator('select[name="zone"]').inputValue()).toBe('zone-1');
    await rule.locator('input[name="classes"]').fill('person, motorcycle, bicycle');
    await rule.locator('input[name="classes"]').blur();
    await rule.locator('input[name="minSeconds"]').fill('1');

    await page.click('[data-testid="preview"]');
    await expect.poll(async () => page.locator('[data-testid="diff"]').innerText().catch(() => ''), { timeout: 10_000 }).toContain('zone-1');
    const beforeSave = readFileSync(configPath, 'utf8');
    expect(beforeSave).not.toContain('zone-1'); // a preview writes nothing

    const reloaded = agent.waitForLog((e) => e.msg === 'config reloaded', 30_000);
    await page.click('[data-testid="save"]');
    await page.locator('[data-testid="saved"]').waitFor({ timeout: 20_000 });
    const plan = await reloaded;
    expect(plan.restarted).toEqual(['saigon-01']);
    expect(plan.unchanged).toEqual(['highway']);

    const saved = readFileSync(configPath, 'utf8');
    expect(saved.startsWith(HEADER_COMMENT)).toBe(true);
    expect(saved).toContain(LINE_COMMENT);
    expect(saved).toContain('# only here to show it is left running');
    expect(saved).toContain('      - id: kerb   # the pavement on the left, kept as it is\n        points: [[0.0, 0.6], [0.2, 0.6], [0.1, 1.0]]\n');
    const camera = parse(saved).cameras[0];
    expect(camera.zones.map((z: { id: string }) => z.id)).toEqual(['kerb', 'zone-1']);
    expect(camera.zones[1].name).toBe('Vạch qua đường');
    const points = camera.zones[1].points as Array<[number, number]>;
    expect(points).toHaveLength(4);
    expect(points[0]![0]).toBeCloseTo(0.3, 2);
    expect(points[1]![0]).toBeCloseTo(0.98, 2); // the dragged corner
    expect(points[1]![1]).toBeCloseTo(0.38, 2);
    expect(camera.rules).toEqual([
      { id: 'count-right-lanes', type: 'line_crossing', line: 'lane-count' },
      { id: 'rule-1', type: 'zone_intrusion', zone: 'zone-1', classes: ['person', 'motorcycle', 'bicycle'], minSeconds: 1 },
    ]);
    expect(camera.lines[0]).toEqual({ id: 'lane-count', from: [0.55, 0.72], to: [1.0, 0.72] });
    expect(camera.lines[1].id).toBe('line-1');
    expect(camera.lines[1].from[0]).toBeCloseTo(0.05, 2);
    expect(camera.lines[1].to[0]).toBeCloseTo(0.25, 2);
    expect(saved).toContain('      - id: lane-count\n        from: [0.55, 0.72]\n        to: [1.0, 0.72]\n');

    // The new zone's incident reaches the incidents page (the list refreshes every 5 s).
    await page.evaluate(() => (location.hash = '#/incidents'));
    const row = page.locator('tr[data-zone="zone-1"]').first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await page.locator('[data-testid="incident-detail"]').waitFor();
    await page.locator('[data-testid="snapshot"]').waitFor();
    expect(await page.locator('[data-testid="events"] li').count()).toBeGreaterThan(0);
    const acked = agent.waitForLog((e) => e.msg === 'console: incident acknowledged', 10_000);
    await page.click('[data-testid="ack"]');
    await acked;
    await expect.poll(() => page.locator('[data-testid="ack"]').isDisabled(), { timeout: 5000 }).toBe(true);
    const resent = agent.waitForLog((e) => e.msg === 'console: incident queued again', 10_000);
    await page.click('[data-testid="resend"]');
    expect(Number((await resent).queued)).toBeGreaterThan(0);

    // Counts: the counting line's crossings per class and direction, as a chart and totals.
    await page.evaluate(() => (location.hash = '#/counts'));
    await page.locator('[data-testid="counts-chart"] canvas').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="counts-totals"]').innerText()).toContain('lane-count');

    // An invalid edit: the error shows on the field it names and the file stays byte for byte.
    await page.evaluate(() => (location.hash = '#/editor/saigon-01'));
    const savedRule = page.locator('fieldset[data-rule="rule-1"]');
    await savedRule.waitFor();
    expect(await page.locator('[data-testid="dirty"]').count()).toBe(0);
    await savedRule.waitFor();
    await savedRule.locator('input[name="minSeconds"]').fill('-5');
    await page.click('[data-testid="save"]');
    const fieldError = savedRule.locator('.field.invalid[data-field="minSeconds"] .field-error');
    await fieldError.waitFor({ timeout: 10_000 });
    expect(await fieldError.innerText()).toMatch(/0/);
    expect(await page.locator('[data-testid="dirty"]').count()).toBe(1);
    expect(readFileSync(configPath, 'utf8')).toBe(saved);

    // English: the labels change, and the choice outlives a reload.
    await page.click('[data-testid="lang-switch"]');
    expect(await page.locator('a[data-nav="live"]').innerText()).toBe('Live');
    expect(await page.locator('[data-testid="save"]').innerText()).toBe('Save');
    // The invalid edit is still unsaved: reloading asks first (accepted here).
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.type());
      void d.accept();
    });
    await page.reload();
    expect(dialogs).toEqual(['beforeunload']);
    await page.locator('a[data-nav="incidents"]').waitFor();
    expect(await page.locator('a[data-nav="incidents"]').innerText()).toBe('Incidents');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');

    expect(errors).toEqual([]);
    await page.context().close();
    expect(await agent.stop()).toBe(0);
  }, 90_000);
});
