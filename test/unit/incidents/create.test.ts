import sharp from 'sharp';
import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import type { Frame } from '../../../agent/frames/types.js';
import { createIncident, normaliseBox } from '../../../agent/incidents/create.js';
import { INCIDENT_SCHEMA } from '../../../agent/incidents/types.js';
import type { RuleHit } from '../../../agent/rules/types.js';

const W = 320;
const H = 240;
const GREY = 128;

function frame(): Frame {
  return { cameraId: 'cam-1', seq: 7, capturedAtMs: 1_700_000_000_000, width: W, height: H, data: Buffer.alloc(W * H * 3, GREY) };
}

const camera = cameraSchema.parse({
  id: 'cam-1',
  name: 'Ngã tư Hàng Bài',
  source: { file: 'clip.mp4' },
  location: { lat: 21.02, lon: 105.85, address: 'Hàng Bài, Hoàn Kiếm, Hà Nội' },
});

function hit(overrides: Partial<RuleHit> = {}): RuleHit {
  return {
    ruleId: 'no-entry',
    ruleType: 'zone_intrusion',
    category: 'security',
    severity: 'high',
    trackId: 12,
    className: 'person',
    score: 0.876,
    box: { x1: 100, y1: 60, x2: 200, y2: 180 },
    tMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    zoneId: 'yard',
    durationSeconds: 2.4,
    ...overrides,
  };
}

async function pixels(jpeg: Buffer): Promise<{ width: number; height: number; at: (x: number, y: number) => number[] }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)],
  };
}

const maxDiff = (px: number[], v: number): number => Math.max(...px.map((c) => Math.abs(c - v)));

describe('createIncident', () => {
  it('builds a camwatch.incident/1 incident from a hit', async () => {
    const { incident } = await createIncident(hit(), frame(), { agentId: 'edge-07', camera, now: () => 1_800_000_000_000 });
    expect(incident).toMatchObject({
      schema: INCIDENT_SCHEMA,
      agentId: 'edge-07',
      cameraId: 'cam-1',
      cameraName: 'Ngã tư Hàng Bài',
      location: { lat: 21.02, lon: 105.85, address: 'Hàng Bài, Hoàn Kiếm, Hà Nội' },
      type: 'zone_intrusion',
      category: 'security',
      severity: 'high',
      status: 'new',
      title: { vi: 'Xâm nhập khu vực cấm', en: 'Intrusion into restricted zone' },
      ruleId: 'no-entry',
      zoneId: 'yard',
      className: 'person',
      score: 0.876,
      trackId: 12,
      bbox: [0.3125, 0.25, 0.3125, 0.5],
      startedAt: '2026-01-02T03:04:05.678Z',
      durationSeconds: 2.4,
    });
    expect(incident.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(decodeTime(incident.id)).toBe(1_800_000_000_000);
    expect(incident).not.toHaveProperty('lineId');
    expect(incident).not.toHaveProperty('counts');
  });

  it('carries line crossing direction, line and counters, titled for traffic', async () => {
    const counts = { car: { in: 3, out: 1 } };
    const { incident } = await createIncident(
      hit({ ruleType: 'line_crossing', category: 'traffic', severity: 'info', zoneId: undefined, durationSeconds: undefined, lineId: 'gate', direction: 'in', counts }),
      frame(),
      { agentId: 'edge-07', camera, snapshot: false },
    );
    expect(incident).toMatchObject({ lineId: 'gate', direction: 'in', counts, title: { vi: 'Phương tiện qua vạch', en: 'Vehicle crossed line' } });
    counts.car.in = 99;
    expect(incident.counts!.car!.in).toBe(3); // a copy, not the rule's live object
  });

  it('gives ids that sort in creation order, even within one millisecond', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { incident } = await createIncident(hit(), frame(), { agentId: 'a', camera, now: () => 1_800_000_000_000, snapshot: false });
      ids.push(incident.id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('attaches a JPEG of the frame with the box drawn on it', async () => {
    const f = frame();
    const before = Buffer.from(f.data);
    const record = await createIncident(hit(), f, { agentId: 'a', camera });
    const jpeg = record.snapshotJpeg!;
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(record.incident.snapshot).toEqual({ contentType: 'image/jpeg', width: W, height: H, bytes: jpeg.length });

    const img = await pixels(jpeg);
    expect([img.width, img.height]).toEqual([W, H]);
    // On the box edges (left edge middle, bottom edge middle): clearly not the grey of the frame.
    expect(maxDiff(img.at(100, 120), GREY)).toBeGreaterThan(60);
    expect(maxDiff(img.at(150, 180), GREY)).toBeGreaterThan(60);
    // Inside the box and far from it: unchanged up to JPEG noise.
    expect(maxDiff(img.at(150, 120), GREY)).toBeLessThanOrEqual(4);
    expect(maxDiff(img.at(20, 220), GREY)).toBeLessThanOrEqual(4);
    // The caller's frame is untouched (the same frame can feed other incidents).
    expect(f.data.equals(before)).toBe(true);
  });

  it('returns the incident without evidence when the frame cannot be encoded, and says why', async () => {
    const bad = { ...frame(), data: Buffer.alloc(10) };
    const errors: unknown[] = [];
    const record = await createIncident(hit(), bad, { agentId: 'a', camera, onSnapshotError: (e) => errors.push(e) });
    expect(record.snapshotJpeg).toBeUndefined();
    expect(record.incident.snapshot).toBeUndefined();
    expect(record.incident.type).toBe('zone_intrusion');
    expect(errors).toHaveLength(1);
  });
});

describe('normaliseBox', () => {
  it('returns [x, y, w, h] as fractions of the frame', () => {
    expect(normaliseBox({ x1: 64, y1: 36, x2: 320, y2: 180 }, 640, 360)).toEqual([0.1, 0.1, 0.4, 0.4]);
  });

  it('clips boxes that stick out of the frame', () => {
    const [x, y, w, h] = normaliseBox({ x1: -20, y1: 300, x2: 700, y2: 400 }, 640, 360);
    expect([x, y, w]).toEqual([0, 0.8333, 1]);
    expect(h).toBeCloseTo(0.1667, 4);
    expect(y + h).toBeLessThanOrEqual(1);
  });

  it('never leaves the unit square after rounding', () => {
    for (const x1 of [0.00004, 333.33333, 639.99]) {
      const [x, , w] = normaliseBox({ x1, y1: 0, x2: 640, y2: 10 }, 640, 360);
      expect(x + w).toBeLessThanOrEqual(1);
      expect(w).toBeGreaterThanOrEqual(0);
    }
  });
});
