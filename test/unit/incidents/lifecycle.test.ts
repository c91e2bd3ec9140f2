import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import type { RgbImage } from '../../../agent/detection/types.js';
import { IncidentLifecycle, type LifecycleOptions, type SnapshotRenderer } from '../../../agent/incidents/lifecycle.js';
import type { IncidentRecord } from '../../../agent/incidents/types.js';
import type { RuleHit } from '../../../agent/rules/types.js';

const W = 640;
const H = 360;
const frame: RgbImage = { width: W, height: H, data: Buffer.alloc(W * H * 3, 100) };

const camera = cameraSchema.parse({
  id: 'cam-7',
  name: 'Ngã tư Lê Lợi',
  source: { file: 'clip.mp4' },
  location: { lat: 10.776, lon: 106.7, address: 'Lê Lợi, Quận 1, TP.HCM' },
});

/** A renderer that records what it drew: the JPEG bytes are the labels, so tests can see which view was used. */
function fakeRender(): { render: SnapshotRenderer; calls: string[] } {
  const calls: string[] = [];
  const render: SnapshotRenderer = async (image, overlay) => {
    const label = (overlay.boxes ?? []).map((b) => b.label ?? '').join('|');
    calls.push(label);
    return { jpeg: Buffer.from(label), width: image.width, height: image.height };
  };
  return { render, calls };
}

function lifecycle(o: Partial<LifecycleOptions> = {}) {
  const fake = fakeRender();
  let n = 0;
  const lc = new IncidentLifecycle({ agentId: 'edge-1', camera, now: () => 1_800_000_000_000 + n++, render: fake.render, ...o });
  return { lc, calls: fake.calls };
}

function hit(o: Partial<RuleHit> = {}): RuleHit {
  return {
    ruleId: 'stop-1',
    ruleType: 'illegal_stop',
    category: 'traffic',
    severity: 'medium',
    trackId: 4,
    className: 'car',
    score: 0.6,
    box: { x1: 100, y1: 100, x2: 160, y2: 140 },
    tMs: 0,
    zoneId: 'bus-stop',
    key: 'stop-1:4@0:0',
    phase: 'start',
    cooldownMs: 60_000,
    ...o,
  };
}

/** Runs hits one per call (each with the frame) and returns every record. */
async function feed(lc: IncidentLifecycle, hits: RuleHit[]): Promise<IncidentRecord[]> {
  const out: IncidentRecord[] = [];
  for (const h of hits) out.push(...(await lc.handle([h], frame)));
  return out;
}

const statuses = (records: IncidentRecord[]) => records.map((r) => [r.incident.status, r.incident.sequence]);

describe('IncidentLifecycle', () => {
  it('start → new incident with everything the IOC needs, snapshot included', async () => {
    const { lc } = lifecycle();
    const [rec] = await lc.handle([hit({ tMs: Date.UTC(2026, 0, 5, 3, 0, 0), durationSeconds: 60, speedKmh: 0.4 })], frame);
    expect(rec!.incident).toMatchObject({
      schema: 'camwatch.incident/1',
      agentId: 'edge-1',
      cameraId: 'cam-7',
      cameraName: 'Ngã tư Lê Lợi',
      location: { lat: 10.776, lon: 106.7, address: 'Lê Lợi, Quận 1, TP.HCM' },
      type: 'illegal_stop',
      category: 'traffic',
      severity: 'medium',
      status: 'new',
      title: { vi: 'Dừng đỗ sai quy định', en: 'Illegal stopping' },
      ruleId: 'stop-1',
      zoneId: 'bus-stop',
      className: 'car',
      score: 0.6,
      trackId: 4,
      startedAt: '2026-01-05T03:00:00.000Z',
      durationSeconds: 60,
      speedKmh: 0.4,
      sequence: 1,
      snapshot: { contentType: 'image/jpeg', width: W, height: H },
    });
    expect(rec!.incident.bbox).toEqual([0.1563, 0.2778, 0.0938, 0.1111]);
    expect(rec!.snapshotJpeg!.toString()).toBe('car 0.60');
    expect(lc.openIncidents().map((i) => i.id)).toEqual([rec!.incident.id]);
  });

  it('one id for an incident: updates throttled to one per 10 s, then end with endedAt and duration', async () => {
    const { lc } = lifecycle();
    const hits = [hit({ tMs: 0, durationSeconds: 60 })];
    for (let t = 200; t <= 25_000; t += 200) hits.push(hit({ tMs: t, phase: 'update', durationSeconds: 60 + t / 1000 }));
    hits.push(hit({ tMs: 25_200, phase: 'end', durationSeconds: 85 }));
    const records = await feed(lc, hits);
    expect(statuses(records)).toEqual([
      ['new', 1],
      ['update', 2],
      ['update', 3],
      ['end', 4],
    ]);
    expect(new Set(records.map((r) => r.incident.id)).size).toBe(1);
    expect(records[1]!.incident.updatedAt).toBe(new Date(10_000).toISOString());
    expect(records[2]!.incident.updatedAt).toBe(new Date(20_000).toISOString());
    const end = records[3]!.incident;
    expect(end).toMatchObject({ endedAt: new Date(25_200).toISOString(), durationSeconds: 85, startedAt: new Date(0).toISOString() });
    // Same view all along: updates carry no new JPEG (the store keeps the first).
    expect(records.slice(1).every((r) => r.snapshotJpeg === undefined)).toBe(true);
    expect(lc.openIncidents()).toEqual([]);
  });

  it('sends an update early, with the new snapshot, when the view gets much better (not more often than every 2 s)', async () => {
    const { lc, calls } = lifecycle();
    // Far, half hidden at first; then close and clear at 3 s.
    const far = { box: { x1: 100, y1: 100, x2: 130, y2: 120 }, score: 0.4, occlusion: 0.5 };
    const near = { box: { x1: 100, y1: 100, x2: 220, y2: 180 }, score: 0.9, occlusion: 0 };
    const records = await feed(lc, [
      hit({ tMs: 0, ...far }),
      hit({ tMs: 1000, phase: 'update', ...near }), // much better, but only 1 s after the last event
      hit({ tMs: 2000, phase: 'update', ...near }), // 2 s: allowed
      hit({ tMs: 2200, phase: 'update', ...near }), // same quality: nothing
    ]);
    expect(statuses(records)).toEqual([
      ['new', 1],
      ['update', 2],
    ]);
    expect(records[1]!.snapshotJpeg!.toString()).toBe('car 0.90');
    expect(records[1]!.incident.score).toBe(0.9);
    expect(calls).toEqual(['car 0.40', 'car 0.90']);
  });

  it('cooldown: the same object does not re-open within it; a condition still on when it expires opens then', async () => {
    const { lc } = lifecycle();
    const first = await feed(lc, [hit({ tMs: 0, key: 'k1' }), hit({ tMs: 5000, phase: 'end', key: 'k1' })]);
    expect(statuses(first)).toEqual([
      ['new', 1],
      ['end', 2],
    ]);
    // Same track stops again 10 s later: held back until 5 s + 60 s.
    const hits = [hit({ tMs: 15_000, key: 'k2' })];
    for (let t = 16_000; t <= 70_000; t += 1000) hits.push(hit({ tMs: t, key: 'k2', phase: 'update' }));
    const second = await feed(lc, hits);
    expect(second.map((r) => [r.incident.status, Date.parse(r.incident.startedAt)])).toEqual([['new', 65_000]]);
    expect(second[0]!.incident.id).not.toBe(first[0]!.incident.id);
  });

  it('for stationary objects the cooldown follows the place, so a new track id on the same car does not re-open', async () => {
    const { lc } = lifecycle();
    await feed(lc, [hit({ tMs: 0, key: 'a' }), hit({ tMs: 5000, phase: 'end', key: 'a' })]);
    // Track 9 at (almost) the same box: same car, new id.
    expect(await feed(lc, [hit({ tMs: 6000, key: 'b', trackId: 9, box: { x1: 102, y1: 101, x2: 161, y2: 141 } })])).toEqual([]);
    // Another car elsewhere opens normally.
    expect(statuses(await feed(lc, [hit({ tMs: 6000, key: 'c', trackId: 10, box: { x1: 400, y1: 100, x2: 460, y2: 140 } })]))).toEqual([['new', 1]]);
    // For a moving-object rule, the place says nothing: the next wrong-way car at the same spot is new.
    const ww = { ruleId: 'ww', ruleType: 'wrong_way' };
    await feed(lc, [hit({ ...ww, tMs: 0, key: 'w1' }), hit({ ...ww, tMs: 1000, phase: 'end', key: 'w1' })]);
    expect(statuses(await feed(lc, [hit({ ...ww, tMs: 2000, key: 'w2', trackId: 11 })]))).toEqual([['new', 1]]);
  });

  it('one-shot hits (no key) open an incident each, never updated or ended; their cooldown is per track', async () => {
    const { lc } = lifecycle();
    const cross = (t: number, trackId: number) =>
      ({ ...hit({ tMs: t, trackId }), ruleId: 'count', ruleType: 'line_crossing', lineId: 'l1', direction: 'in', key: undefined, cooldownMs: 5000 }) as RuleHit;
    const records = await feed(lc, [cross(0, 1), cross(1000, 2), cross(2000, 1), cross(6000, 1)]);
    expect(records.map((r) => [r.incident.status, r.incident.trackId])).toEqual([
      ['new', 1],
      ['new', 2],
      ['new', 1],
    ]);
    expect(lc.openIncidents()).toEqual([]);
    expect(lc.tick(1_000_000)).toEqual([]);
  });

  it('acknowledged incidents send no more updates, but still their end', async () => {
    const { lc } = lifecycle();
    const [rec] = await lc.handle([hit({ tMs: 0 })], frame);
    expect(lc.acknowledge(rec!.incident.id)).toBe(true);
    expect(lc.acknowledge('nope')).toBe(false);
    const later = await feed(lc, [hit({ tMs: 30_000, phase: 'update' }), hit({ tMs: 31_000, phase: 'end' })]);
    expect(statuses(later)).toEqual([['end', 2]]);
    expect(lc.acknowledge(rec!.incident.id)).toBe(false);
  });

  it('tick ends incidents whose rule went silent, closeAll ends the rest', async () => {
    const { lc } = lifecycle({ staleMs: 30_000 });
    await lc.handle([hit({ tMs: 0, key: 'a' }), hit({ tMs: 0, key: 'b', trackId: 5, box: { x1: 300, y1: 100, x2: 360, y2: 140 } })], frame);
    await lc.handle([hit({ tMs: 20_000, key: 'b', trackId: 5, phase: 'update', box: { x1: 300, y1: 100, x2: 360, y2: 140 } })], frame);
    const stale = lc.tick(40_000);
    expect(stale.map((r) => [r.incident.status, r.incident.trackId, r.incident.endedAt])).toEqual([['end', 4, new Date(0).toISOString()]]);
    const rest = lc.closeAll(41_000);
    expect(rest.map((r) => [r.incident.status, r.incident.trackId, r.incident.endedAt])).toEqual([['end', 5, new Date(41_000).toISOString()]]);
  });

  it('dumping: the frame of the pending hit (person next to the object) becomes the evidence snapshot and stays', async () => {
    const { lc, calls } = lifecycle();
    const base = { ruleId: 'dump', ruleType: 'dumping', category: 'sanitation' as const, className: 'couch', key: 'dump:9@4000', trackId: 9 };
    const person = { evidenceTrackId: 7, evidenceBox: { x1: 50, y1: 60, x2: 90, y2: 160 } };
    const records = await feed(lc, [
      hit({ ...base, tMs: 4000, phase: 'pending', ...person }),
      hit({ ...base, tMs: 9000, phase: 'start', ...person }),
      hit({ ...base, tMs: 30_000, phase: 'update', ...person, score: 0.95, box: { x1: 100, y1: 100, x2: 300, y2: 250 } }),
    ]);
    expect(calls).toEqual(['couch 0.60|#7']); // rendered once, at the pending hit
    expect(records[0]!.incident).toMatchObject({ status: 'new', evidenceTrackId: 7, type: 'dumping' });
    expect(records[0]!.snapshotJpeg!.toString()).toBe('couch 0.60|#7');
    expect(records[1]!.snapshotJpeg).toBeUndefined();
  });

  it('camera-level hits without a frame (camera_down from a timer) carry no snapshot and the whole-frame bbox', async () => {
    const { lc } = lifecycle();
    const down: RuleHit = {
      ruleId: 'down',
      ruleType: 'camera_down',
      category: 'health',
      severity: 'high',
      trackId: 0,
      className: 'camera',
      score: 1,
      box: { x1: 0, y1: 0, x2: 0, y2: 0 },
      tMs: 31_000,
      key: 'down:1000',
      phase: 'start',
      reason: 'no_frames_down',
      metrics: { silentSeconds: 30 },
    };
    const [rec] = await lc.handle([down]);
    expect(rec!.snapshotJpeg).toBeUndefined();
    expect(rec!.incident).toMatchObject({ bbox: [0, 0, 1, 1], reason: 'no_frames_down', metrics: { silentSeconds: 30 }, title: { en: 'Camera offline' } });
  });

  it('a failing renderer loses the picture, not the incident', async () => {
    const errors: unknown[] = [];
    const lc = new IncidentLifecycle({
      agentId: 'edge-1',
      camera,
      render: async () => {
        throw new Error('sharp exploded');
      },
      onSnapshotError: (e) => errors.push(e),
    });
    const [rec] = await lc.handle([hit()], frame);
    expect(rec!.incident.status).toBe('new');
    expect(rec!.snapshotJpeg).toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('with snapshots disabled nothing is rendered, and a better view is no reason for an early update', async () => {
    const { lc, calls } = lifecycle({ snapshot: false });
    const [rec] = await lc.handle([hit()], frame);
    expect(rec!.snapshotJpeg).toBeUndefined();
    const later = await feed(lc, [hit({ tMs: 3000, phase: 'update', score: 0.95, box: { x1: 100, y1: 100, x2: 300, y2: 250 } })]);
    expect(later).toEqual([]);
    expect(calls).toEqual([]);
  });
});
