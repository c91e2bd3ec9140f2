/**
 * Privacy masks on every still a real agent sends, on real footage through a real mosquitto: the inline
 * snapshot of an incident, the JPEG on the evidence topic (`mqtt.snapshot: topic`) and the `snapshot` command's
 * answer each have the configured mask black and the area beside it not.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { useBrokerBox } from '../helpers/broker-box.js';
import { runCli } from '../helpers/cli-process.js';
import { MODELS_YAML, videoPath } from '../helpers/data.js';
import type { Received } from '../helpers/mqtt-collector.js';
import { regionLevels } from '../helpers/still-pixels.js';

// Top-left of the Saigon intersection (trees, parked cars: never dark); the counting line is far below it.
const INSIDE = { x0: 0.02, y0: 0.02, x1: 0.33, y1: 0.28 };
const BESIDE = { x0: 0.4, y0: 0.02, x1: 0.71, y1: 0.28 };

async function expectMasked(jpeg: Buffer, what: string): Promise<void> {
  expect(jpeg.subarray(0, 3), what).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  const inside = await regionLevels(jpeg, INSIDE);
  expect(inside.mean, `${what}: mean grey inside the mask`).toBeLessThan(8);
  expect(inside.max, `${what}: brightest pixel inside the mask`).toBeLessThan(40);
  expect((await regionLevels(jpeg, BESIDE)).mean, `${what}: beside the mask`).toBeGreaterThan(60);
}

describe('privacy masks on what a real agent sends', () => {
  const box = useBrokerBox('privacy', ['camwatch/+/incidents/#', 'camwatch/+/evidence/#', 'camwatch/+/responses/ioc'], { protocolVersion: 5 });

  /** The first message the predicate accepts, as soon as it arrives. */
  async function next(match: (m: Received) => boolean, timeoutMs: number, what: string): Promise<Received> {
    await box.ioc.waitFor((all) => all.some(match), timeoutMs, what);
    return box.ioc.messages.find(match)!;
  }

  function startBox(agentId: string, snapshotMode: 'inline' | 'topic') {
    const { dir, broker } = box;
    const path = join(dir, `${agentId}.yaml`);
    writeFileSync(
      path,
      `
agent: { id: ${agentId}, dataDir: ${join(dir, agentId)} }
${MODELS_YAML}
mqtt: { url: "${broker.url}", snapshot: ${snapshotMode} }
health: { port: 0 }
cameras:
  - id: saigon-01
    source: { file: ${videoPath('vn_saigon_intersection.mp4')} }
    analysis: { fps: 5, width: 480 }
    lines: [{ id: l, from: [0.55, 0.72], to: [1.0, 0.72] }]
    rules: [{ id: count, type: line_crossing, line: l, incident: true }]
    privacy:
      masks: [{ id: shop-front, points: [[0, 0], [0.35, 0], [0.35, 0.3], [0, 0.3]] }]
`,
    );
    const agent = startAgent(['run', '--config', path]);
    onTestFinished(async () => {
      await agent.kill();
    });
    return agent;
  }

  it('inline incident snapshot and the snapshot command answer', async () => {
    const agent = startBox('mask-inline', 'inline');
    const event = await next((m) => m.topic.startsWith('camwatch/mask-inline/incidents/'), 40_000, 'incident');
    const body = JSON.parse(event.payload.toString()) as { snapshot?: { data?: string; width?: number } };
    expect(body.snapshot?.width).toBe(480);
    await expectMasked(Buffer.from(body.snapshot!.data!, 'base64'), 'inline incident snapshot');

    await box.ioc.client.publishAsync('camwatch/mask-inline/cmd/snapshot', JSON.stringify({ camera: 'saigon-01' }), {
      qos: 1,
      properties: { responseTopic: 'camwatch/mask-inline/responses/ioc', correlationData: Buffer.from('snap-1') },
    });
    const reply = await next((m) => m.correlation === 'snap-1', 10_000, 'snapshot command reply');
    const answer = JSON.parse(reply.payload.toString()) as { status: string; data: { data: string } };
    expect(answer.status).toBe('ok');
    await expectMasked(Buffer.from(answer.data.data, 'base64'), 'snapshot command');
    expect(await agent.stop()).toBe(0);

    // The store kept the boxed picture and its clean copy; both come out of `incidents show` masked.
    const id = (JSON.parse(event.payload.toString()) as { id: string }).id;
    const { dir } = box;
    const boxedPath = join(dir, 'boxed.jpg');
    const cleanPath = join(dir, 'clean.jpg');
    const shown = await runCli(['incidents', 'show', id, '--config', join(dir, 'mask-inline.yaml'), '--snapshot', boxedPath, '--clean-snapshot', cleanPath], { cwd: dir });
    expect(shown.code, shown.stderr).toBe(0);
    await expectMasked(readFileSync(boxedPath), 'stored snapshot');
    await expectMasked(readFileSync(cleanPath), 'stored clean copy');
    expect(readFileSync(cleanPath).equals(readFileSync(boxedPath))).toBe(false);
  }, 60_000);

  it('the JPEG on the evidence topic', async () => {
    const agent = startBox('mask-topic', 'topic');
    const evidence = await next((m) => m.topic.startsWith('camwatch/mask-topic/evidence/'), 40_000, 'evidence JPEG');
    await expectMasked(evidence.payload, 'evidence topic');
    expect(await agent.stop()).toBe(0);
  }, 60_000);
});
