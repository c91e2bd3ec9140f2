/**
 * The incident's score is the best detection that supported it, never a low-score box that only kept the
 * track alive (ByteTrack's second association) and never below the detector's threshold. Before issue 12 the
 * tracker reported the latest matched box's score and every update copied it: a car half hidden behind a bus
 * went out as `score: 0.15`.
 */
import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import type { Detection, RgbImage } from '../../../agent/detection/types.js';
import { IncidentLifecycle } from '../../../agent/incidents/lifecycle.js';
import type { IncidentRecord } from '../../../agent/incidents/types.js';
import { RULE_CATALOGUE } from '../../../agent/rules/catalogue.js';
import { ZoneIntrusionRule } from '../../../agent/rules/zone-intrusion.js';
import { createTracker, trackerOptionsFromConfig } from '../../../agent/tracking/index.js';

const W = 640;
const H = 360;
const frame: RgbImage = { width: W, height: H, data: Buffer.alloc(W * H * 3, 90) };
const camera = cameraSchema.parse({ id: 'cam-1', source: { file: 'clip.mp4' } });

function car(score: number, x: number): Detection {
  return { classId: 2, className: 'car', score, box: { x1: x, y1: 150, x2: x + 80, y2: 210 } };
}

/** A car inside the zone for 30 s at 5 fps: well seen at first, then mostly hidden (low-score boxes). */
async function incidentScores(scores: (i: number) => number, trackerKind: 'bytetrack' | 'iou', detectionThreshold = 0.35): Promise<IncidentRecord[]> {
  const tracking = { kind: trackerKind, iouThreshold: 0.3, maxLostSeconds: 1.5, minHits: 2, highScoreThreshold: 0.35, lowScoreThreshold: 0.1 };
  const tracker = createTracker(trackerOptionsFromConfig(tracking, undefined, detectionThreshold));
  const rule = new ZoneIntrusionRule({
    id: 'no-entry',
    zoneId: 'yard',
    polygon: [{ x: 0, y: 0 }, { x: W, y: 0 }, { x: W, y: H }, { x: 0, y: H }],
    minMs: 1_000,
    cooldownMs: 0,
    severity: 'medium',
    category: RULE_CATALOGUE.zone_intrusion.category,
  });
  const lc = new IncidentLifecycle({ agentId: 'edge', camera, render: async (img) => ({ jpeg: Buffer.from('x'), width: img.width, height: img.height }), updateIntervalMs: 2_000 });
  const out: IncidentRecord[] = [];
  for (let i = 0; i < 150; i++) {
    const tMs = i * 200;
    const s = scores(i);
    const tracks = tracker.update(s > 0 ? [car(s, 100 + i * 0.2)] : [], tMs);
    out.push(...(await lc.handle(rule.evaluate(tracks, tMs), frame)));
  }
  out.push(...(await lc.handle(rule.evaluate([], 150 * 200 + 5_000), frame)));
  return out;
}

describe('incident score', () => {
  it('is the best trusted detection of the object, not the low-score boxes that kept its track alive', async () => {
    // 0.82 for the first 2 s, then 0.15 (only ByteTrack's low-score stage keeps it) for the rest.
    const records = await incidentScores((i) => (i < 10 ? 0.82 : 0.15), 'bytetrack');
    expect(records.map((r) => r.incident.status)).toContain('update');
    expect(records.at(-1)!.incident.status).toBe('end');
    for (const r of records) expect(r.incident.score).toBe(0.82);
  });

  it('never goes down once a better detection supported it', async () => {
    // Well seen at first, then a plain (high-stage) but lower detection: the incident keeps the best.
    const records = await incidentScores((i) => (i < 10 ? 0.9 : 0.5), 'iou');
    for (const r of records) expect(r.incident.score).toBe(0.9);
  });

  it('is never below detection.scoreThreshold, even when it is above the tracker\'s high threshold', async () => {
    // scoreThreshold 0.6 > tracking.highScoreThreshold 0.35: boxes at 0.5 may continue a track, never start one.
    const none = await incidentScores(() => 0.5, 'bytetrack', 0.6);
    expect(none).toEqual([]);
    const records = await incidentScores((i) => (i < 5 ? 0.7 : 0.5), 'bytetrack', 0.6);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(r.incident.score).toBeGreaterThanOrEqual(0.6);
  });
});
