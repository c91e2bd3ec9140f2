/**
 * The lifecycle is called by frames (handle with a frame, awaiting its picture) and by timers at the same time
 * (tick, camera_down's handle): decisions must not wait for a picture, and records must leave in decision order.
 */
import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import type { RgbImage } from '../../../agent/detection/types.js';
import { IncidentLifecycle, type SnapshotRenderer } from '../../../agent/incidents/lifecycle.js';
import type { IncidentRecord } from '../../../agent/incidents/types.js';
import type { RuleHit } from '../../../agent/rules/types.js';

const frame: RgbImage = { width: 640, height: 360, data: Buffer.alloc(640 * 360 * 3, 100) };
const camera = cameraSchema.parse({ id: 'cam-7', source: { file: 'clip.mp4' } });

/** A renderer whose pictures finish only when the test says so (a slow JPEG encode under load). */
function gatedRender(): { render: SnapshotRenderer; finish: () => void; started: () => number } {
  const waiting: Array<() => void> = [];
  let started = 0;
  const render: SnapshotRenderer = (image, overlay) => {
    started++;
    const label = (overlay.boxes ?? []).map((b) => b.label ?? '').join('|');
    return new Promise((resolve) => waiting.push(() => resolve({ jpeg: Buffer.from(label), width: image.width, height: image.height })));
  };
  return { render, finish: () => waiting.splice(0).forEach((go) => go()), started: () => started };
}

function hit(o: Partial<RuleHit> = {}): RuleHit {
  return {
    ruleId: 'stop-1',
    ruleType: 'illegal_stop',
    category: 'traffic',
    severity: 'medium',
    trackId: 4,
    className: 'car',
    score: 0.4,
    box: { x1: 100, y1: 100, x2: 130, y2: 120 },
    occlusion: 0.5,
    tMs: 0,
    key: 'stop-1:4',
    phase: 'start',
    cooldownMs: 60_000,
    ...o,
  };
}

const near = { box: { x1: 100, y1: 100, x2: 220, y2: 180 }, score: 0.9, occlusion: 0 };
const events = (records: IncidentRecord[]) => records.map((r) => [r.incident.status, r.incident.sequence]);

describe('IncidentLifecycle under concurrent calls', () => {
  it('a staleness tick while an update picture is drawing: one end, after the update, in sequence order', async () => {
    const gate = gatedRender();
    const lc = new IncidentLifecycle({ agentId: 'edge-1', camera, render: gate.render, staleMs: 30_000 });
    const opening = lc.handle([hit({ tMs: 0 })], frame);
    gate.finish();
    const [opened] = await opening;
    // A much better view 20 s later: an update with a new picture, which takes a while to encode.
    const updating = lc.handle([hit({ tMs: 20_000, phase: 'update', ...near })], frame);
    expect(gate.started()).toBe(2);
    // The timer fires meanwhile, 40 s after the last hit: the incident is stale.
    const ticked = lc.tick(60_001);
    gate.finish();
    const late = await updating;
    const all = [...ticked, ...late];
    expect(events(all)).toEqual([
      ['update', 2],
      ['end', 3],
    ]);
    expect(all.every((r) => r.incident.id === opened!.incident.id)).toBe(true);
    expect(all[0]!.snapshotJpeg!.toString()).toBe('car 0.90');
    expect(all[0]!.open).toMatchObject({ sequence: 2, lastHitMs: 20_000 });
    // The end describes the picture the IOC has, and leaves nothing open to resume after a restart.
    expect(all[1]!.incident).toMatchObject({ endReason: 'stale', endedAt: new Date(20_000).toISOString(), snapshot: { bytes: 'car 0.90'.length } });
    expect(all[1]!.open).toBeUndefined();
    expect(lc.openIncidents()).toEqual([]);
    expect(lc.tick(200_000)).toEqual([]);
  });

  it('a hit arriving while the start picture is drawing updates that incident, it does not open a second', async () => {
    const gate = gatedRender();
    const lc = new IncidentLifecycle({ agentId: 'edge-1', camera, render: gate.render, updateIntervalMs: 1_000 });
    const opening = lc.handle([hit({ tMs: 0 })], frame);
    const next = lc.handle([hit({ tMs: 1_000, phase: 'update' })], frame);
    gate.finish();
    const all = [...(await opening), ...(await next)];
    expect(events(all)).toEqual([
      ['new', 1],
      ['update', 2],
    ]);
    expect(new Set(all.map((r) => r.incident.id)).size).toBe(1);
    expect(lc.openIncidents()).toHaveLength(1);
  });

  it('records decided by a timer while a frame picture draws wait for it: nothing leaves out of order', async () => {
    const gate = gatedRender();
    const lc = new IncidentLifecycle({ agentId: 'edge-1', camera, render: gate.render });
    const opening = lc.handle([hit({ tMs: 0 })], frame);
    // camera_down from a timer, no frame, decided while the car's picture draws.
    const down: RuleHit = { ...hit({ tMs: 100, key: 'down:1', ruleId: 'down', ruleType: 'camera_down', category: 'health', trackId: 0 }) };
    const fromTimer = await lc.handle([down]);
    expect(fromTimer).toEqual([]);
    gate.finish();
    const all = await opening;
    expect(all.map((r) => [r.incident.type, r.incident.status])).toEqual([
      ['illegal_stop', 'new'],
      ['camera_down', 'new'],
    ]);
    expect(all[0]!.incident.id < all[1]!.incident.id).toBe(true);
  });
});
