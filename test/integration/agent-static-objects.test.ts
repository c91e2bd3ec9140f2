/**
 * dumping and object_left from static pixels (issue 12 §5) as a user runs them: `camwatch run` as a real
 * process on real footage (lobby_abandoned_bag.mp4: a man sets a backpack down at ~10-11 s, both owners walk
 * off at ~16.7 s, the bag stays), the real model, a real mosquitto. rules-static-real.test.ts holds the
 * timings in-process frame by frame; this test shows the agent's frame path feeds the rules (frames, evidence
 * frames, stills) and the IOC gets both incidents on the bag, dumping's picture the frame of the person who
 * was by it. The clip is 41.3 s and dumping opens at ~40 s, so its last frame is held 20 s longer (a still
 * image: the bag simply stays; said as such). Played once in real time (loop: false).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { agentConfigHeader, useBrokerBox } from '../helpers/broker-box.js';
import { videoPath } from '../helpers/data.js';
import { schemaErrors, validateIncidentEvent } from '../fixtures/outbox-schemas.js';

interface Event {
  id: string;
  status: string;
  ruleId: string;
  type: string;
  className: string;
  bbox: [number, number, number, number];
  evidenceTrackId?: number;
  snapshot?: { bytes: number; data?: string };
}

/** Where the bag lies, normalised (by eye; rules-static-real.test.ts's BAG at 640x480). */
const BAG = { x: 0.22, y: 0.72 };
const MARGIN = 0.04;
const onBag = (e: Event) => {
  const [x, y, w, h] = e.bbox;
  return x - MARGIN <= BAG.x && BAG.x <= x + w + MARGIN && y - MARGIN <= BAG.y && BAG.y <= y + h + MARGIN;
};

describe('static objects in a running agent', () => {
  const box = useBrokerBox('static-agent', 'camwatch/static-box/incidents/#');
  let clip: string;

  // After the box's beforeAll (hooks run in order): the clip goes in its folder.
  beforeAll(() => {
    clip = join(box.dir, 'lobby-held.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-i', videoPath('lobby_abandoned_bag.mp4'), '-an', '-vf', 'tpad=stop_mode=clone:stop_duration=20', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', clip]);
  });

  it('the bag left in the lobby reaches the IOC as object_left and dumping, on the bag, dumping with the owner\'s frame', async () => {
    const { dir, broker, ioc } = box;
    const path = join(dir, 'camwatch.yaml');
    writeFileSync(path, `
${agentConfigHeader({ agentId: 'static-box', dataDir: join(dir, 'var'), brokerUrl: broker.url })}
cameras:
  - id: lobby
    source: { file: ${clip}, loop: false }
    analysis: { fps: 5, width: 640 }
    rules:
      - { id: left-bag, type: object_left, minSeconds: 20 }
      - { id: dump, type: dumping, detector: static-pixels }
`);
    const agent = startAgent(['run', '--config', path]);
    onTestFinished(async () => { await agent.kill(); });
    const events = () => ioc.messages.map((m) => JSON.parse(m.payload.toString()) as Event);
    const newOf = (rule: string) => events().filter((e) => e.ruleId === rule && e.status === 'new');
    await ioc.waitFor(() => newOf('left-bag').length > 0 && newOf('dump').length > 0, 90_000, 'object_left and dumping incidents');
    // (How the agent exits is agent-shutdown.test.ts's point; on a loaded box a part may overrun its stop deadline.)
    await agent.stop();

    // One incident per rule, both on the bag, nothing else raised (the passers-by keep away from it).
    const seen = events().map((e) => `${e.ruleId} ${e.status} ${e.bbox.join(',')}`).join('\n');
    expect(events().filter((e) => e.status === 'new').map((e) => e.ruleId).sort(), seen).toEqual(['dump', 'left-bag']);
    const [left] = newOf('left-bag');
    const [dump] = newOf('dump');
    expect(left!.type).toBe('object_left');
    expect(dump!.type).toBe('dumping');
    for (const e of [left!, dump!]) {
      expect(onBag(e), `${e.ruleId} bbox ${e.bbox.join(', ')}\n${seen}`).toBe(true);
      expect(e.className).toBe('object');
      expect(e.snapshot?.data?.length ?? 0, seen).toBeGreaterThan(5_000);
    }
    // dumping's picture is the frame of the person who was by the object when it appeared (a tracked person).
    expect(dump!.evidenceTrackId, seen).toBeGreaterThan(0);
    for (const m of ioc.messages) expect(schemaErrors(validateIncidentEvent, JSON.parse(m.payload.toString()))).toBe('');
  }, 150_000);
});
