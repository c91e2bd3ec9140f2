/**
 * Telemetry of a running agent, as the IOC and the technician see it: a real `camwatch run` process on a real
 * clip with the real model, publishing to a real mosquitto. The retained stats carry every field of
 * docs/schemas/stats.schema.json (before, version, model and five camera fields never left the box), and
 * reading /status does not change the fps it reports (before, each read reset the fps marks, so a second
 * read right after the first saw ~0 fps).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AgentStatus } from '../../agent/ops/status-report.js';
import { startAgent } from '../helpers/agent-process.js';
import { useBrokerBox } from '../helpers/broker-box.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { schemaErrors, validateStats } from '../fixtures/outbox-schemas.js';

const AGENT_ID = 'telemetry-box';

interface StatsMsg {
  cameras: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

describe('a running agent: stats on the broker and /status', () => {
  const box = useBrokerBox('telemetry', `camwatch/${AGENT_ID}/stats`);

  it('stats carry every field of their schema; reading /status twice does not change the fps', async () => {
    const { dir, broker, ioc } = box;
    const path = join(dir, 'camwatch.yaml');
    writeFileSync(path, `
agent: { id: ${AGENT_ID}, dataDir: ${join(dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { url: ${broker.url}, topicPrefix: camwatch }
health: { port: 0, statsIntervalSeconds: 1 }
cameras:
  - id: street
    source: { file: ${videoPath('residential_street_ahmetozlu.mp4')} }
    analysis: { fps: 2, width: 320 }
`);
    const agent = startAgent(['run', '--config', path]);
    onTestFinished(async () => { await agent.kill(); });
    const listening = await agent.waitForLog((e) => e.msg === 'health and metrics server listening', 30_000);
    const base = String(listening.url);

    // 1. The retained stats, once the camera has analysed frames: valid, and every field of the schema present.
    const stats = (): StatsMsg[] => ioc.messages.map((m) => JSON.parse(m.payload.toString()) as StatsMsg);
    const analysed = (s: StatsMsg) => s.cameras.length === 1 && typeof s.cameras[0]!.latencyP50Ms === 'number';
    await ioc.waitFor(() => stats().some(analysed), 60_000, 'stats of a camera that analysed frames');
    const payload = stats().find(analysed)!;
    expect(schemaErrors(validateStats, payload)).toBe('');
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'schemas', 'stats.schema.json'), 'utf8')) as {
      properties: Record<string, unknown> & { cameras: { items: { properties: Record<string, unknown> } } };
    };
    expect(Object.keys(payload).sort()).toEqual(Object.keys(schema.properties).sort());
    expect(Object.keys(payload.cameras[0]!).sort()).toEqual(Object.keys(schema.properties.cameras.items.properties).sort());
    expect(payload).toMatchObject({ agentId: AGENT_ID, model: 'yolox_nano_416', version: expect.any(String) });
    expect(payload.cameras[0]).toMatchObject({ id: 'street', targetFps: 2, reconnects: 0 });
    expect(payload.cameras[0]!.framesAnalysed).toBeGreaterThan(0);

    // 2. /status read twice in a row reports the same fps (a window over the camera's own finish times),
    // a second apart each time: the old per-read marks made every second read of a pair ~0.
    const status = async () => (await (await fetch(`${base}/status`)).json()) as AgentStatus;
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 1_100));
      const [first, second] = [await status(), await status()];
      const a = first.cameras[0]!.analysisFps;
      const b = second.cameras[0]!.analysisFps;
      expect(a, `pair ${i}`).toBeGreaterThan(0.5);
      // At 2 fps over a 10 s window one more frame moves it by 0.1.
      expect(Math.abs(a - b), `pair ${i}: ${a} then ${b}`).toBeLessThanOrEqual(0.2);
    }
    expect(await agent.stop()).toBe(0);
  }, 120_000);
});
