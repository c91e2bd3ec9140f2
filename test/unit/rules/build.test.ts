import { describe, expect, it } from 'vitest';
import { cameraSchema, type CameraConfig } from '../../../agent/config/schema.js';
import { CamwatchError, isCamwatchError } from '../../../agent/core/errors.js';
import { buildCameraDownRules, buildRules, lineCounts } from '../../../agent/rules/index.js';
import { CameraBlackoutRule, CameraDefocusRule, CameraTamperRule } from '../../../agent/rules/camera-health.js';
import { CameraDownRule } from '../../../agent/rules/camera-down.js';
import { DumpingRule } from '../../../agent/rules/dumping.js';
import { IllegalStopRule } from '../../../agent/rules/illegal-stop.js';
import { LineCrossingRule } from '../../../agent/rules/line-crossing.js';
import { LoiteringRule } from '../../../agent/rules/loitering.js';
import { MaskedRule, groundPlane } from '../../../agent/rules/build.js';
import { ObjectLeftRule } from '../../../agent/rules/object-left.js';
import { WrongWayRule } from '../../../agent/rules/wrong-way.js';
import { ZoneCountRule } from '../../../agent/rules/zone-count.js';
import { ZoneIntrusionRule } from '../../../agent/rules/zone-intrusion.js';
import { cameraDownRules, rulesNeedFrame } from '../../../agent/rules/counts.js';
import { applyHomography } from '../../../agent/tracking/calibration.js';
import { TrackFeed } from './track-feed.js';

function camera(extra: Record<string, unknown>): CameraConfig {
  return cameraSchema.parse({ id: 'cam-1', source: { file: 'clip.mp4' }, ...extra });
}

describe('buildRules', () => {
  it('builds one rule per config entry with geometry in analysis-frame pixels', () => {
    const cam = camera({
      zones: [{ id: 'yard', points: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]] }],
      lines: [{ id: 'gate', units: 'pixels', from: [0, 540], to: [1920, 540] }],
      rules: [
        { id: 'r-zone', type: 'zone_intrusion', zone: 'yard', minSeconds: 0 },
        // incident: true — by default a line only counts (see the next test).
        { id: 'r-line', type: 'line_crossing', line: 'gate', classes: ['car'], incident: true },
      ],
    });
    const rules = buildRules(cam, { width: 640, height: 360, sourceWidth: 1920, sourceHeight: 1080 });
    expect(rules.map((r) => [r.id, r.type])).toEqual([
      ['r-zone', 'zone_intrusion'],
      ['r-line', 'line_crossing'],
    ]);
    expect(rules[0]).toBeInstanceOf(ZoneIntrusionRule);
    expect(rules[1]).toBeInstanceOf(LineCrossingRule);

    // The normalized zone is the bottom-right quarter of 640x360: (400, 300) is in, (200, 300) is out.
    const feed = new TrackFeed();
    const zoneHits = rules[0]!.evaluate([feed.at(1, 400, 300, 0), feed.at(2, 200, 300, 0)], 0);
    expect(zoneHits.map((h) => [h.trackId, h.severity, h.category])).toEqual([[1, 'medium', 'security']]);

    // The pixel line at source y=540 is at frame y=180.
    const line = rules[1]!;
    const lineHits = [170, 190].flatMap((y, i) => line.evaluate([feed.at(3, 320, y, i * 200, 'car')], i * 200));
    expect(lineHits.map((h) => [h.direction, h.severity, h.category])).toEqual([['in', 'info', 'traffic']]);
  });

  it('a line_crossing rule only counts by default; incident: true with a direction alerts on that direction only', () => {
    const lines = [{ id: 'gate', from: [0, 0.5], to: [1, 0.5] }];
    const crossBothWays = (incident?: boolean, direction?: string) => {
      const cam = camera({ lines, rules: [{ id: 'r-line', type: 'line_crossing', line: 'gate', ...(incident !== undefined && { incident }), ...(direction && { direction }) }] });
      const [rule] = buildRules(cam, { width: 640, height: 360 });
      const feed = new TrackFeed();
      // Down across the line at y = 180 ("in"), then back up ("out").
      const hits = [170, 190, 170].flatMap((y, i) => rule!.evaluate([feed.at(3, 320, y, i * 200, 'car')], i * 200));
      return { hits: hits.map((h) => h.direction), counts: lineCounts([rule!])[0]!.counts };
    };
    expect(crossBothWays()).toEqual({ hits: [], counts: { car: { in: 1, out: 1 } } });
    expect(crossBothWays(false, 'out')).toEqual({ hits: [], counts: { car: { in: 1, out: 1 } } });
    // A one-way street: only crossings in the forbidden direction raise an incident; both are counted.
    expect(crossBothWays(true, 'out')).toEqual({ hits: ['out'], counts: { car: { in: 1, out: 1 } } });
    expect(crossBothWays(true)).toEqual({ hits: ['in', 'out'], counts: { car: { in: 1, out: 1 } } });
  });

  it('throws CONFIG_INVALID naming the rule when its zone or line does not exist', () => {
    const badZone = camera({ zones: [{ id: 'yard', points: [[0, 0], [1, 0], [1, 1]] }], rules: [{ id: 'r-x', type: 'zone_intrusion', zone: 'yrad' }] });
    const badLine = camera({ rules: [{ id: 'r-y', type: 'line_crossing', line: 'gate' }] });
    for (const [cam, ruleId, ref] of [
      [badZone, 'r-x', 'yrad'],
      [badLine, 'r-y', 'gate'],
    ] as const) {
      let caught: unknown;
      try {
        buildRules(cam, { width: 640, height: 360 });
      } catch (err) {
        caught = err;
      }
      expect(isCamwatchError(caught, 'CONFIG_INVALID')).toBe(true);
      const err = caught as CamwatchError;
      expect(err.message).toContain(`"${ruleId}"`);
      expect(err.message).toContain(`"${ref}"`);
      expect(err.details).toMatchObject({ cameraId: 'cam-1', ruleId });
    }
  });

  it('builds nothing for a camera without rules', () => {
    expect(buildRules(camera({}), { width: 640, height: 360 })).toEqual([]);
  });

  it('builds every rule type of the catalogue', () => {
    const cam = camera({
      zones: [
        { id: 'z', points: [[0, 0], [1, 0], [1, 1], [0, 1]] },
        { id: 'lane', points: [[0.4, 0], [0.6, 0], [0.6, 1], [0.4, 1]] },
      ],
      lines: [{ id: 'l', from: [0, 0.5], to: [1, 0.5] }],
      rules: [
        { id: 'a', type: 'intrusion', zone: 'z' },
        { id: 'b', type: 'line_crossing', line: 'l' },
        { id: 'c', type: 'wrong_way', zone: 'lane', expectedDirection: [0, 1] },
        { id: 'd', type: 'illegal_stop', zone: 'z' },
        { id: 'e', type: 'congestion', zone: 'z', minCount: 8 },
        { id: 'f', type: 'crowd', zone: 'z' },
        { id: 'g', type: 'loitering', zone: 'z' },
        { id: 'h', type: 'dumping' },
        { id: 'i', type: 'object_left', zone: 'z' },
        { id: 'j', type: 'camera_down' },
        { id: 'k', type: 'camera_blackout' },
        { id: 'l2', type: 'camera_tamper' },
        { id: 'm', type: 'camera_defocus' },
      ],
    });
    const rules = buildRules(cam, { width: 640, height: 360 }, { nowMs: 0 });
    const classes = [
      ZoneIntrusionRule, LineCrossingRule, WrongWayRule, IllegalStopRule, ZoneCountRule, ZoneCountRule, LoiteringRule,
      DumpingRule, ObjectLeftRule, CameraDownRule, CameraBlackoutRule, CameraTamperRule, CameraDefocusRule,
    ];
    rules.forEach((r, i) => expect(r).toBeInstanceOf(classes[i]!));
    // "intrusion" is an alias: incidents carry the canonical type.
    expect(rules.map((r) => r.type)).toEqual([
      'zone_intrusion', 'line_crossing', 'wrong_way', 'illegal_stop', 'congestion', 'crowd', 'loitering',
      'dumping', 'object_left', 'camera_down', 'camera_blackout', 'camera_tamper', 'camera_defocus',
    ]);
    expect(lineCounts(rules)).toEqual([{ ruleId: 'b', lineId: 'l', counts: {} }]);
    expect(cameraDownRules(rules).map((r) => r.id)).toEqual(['j']);
    expect(rulesNeedFrame(rules)).toBe(true);
    expect(rulesNeedFrame(rules.slice(0, 7))).toBe(false);
    // dumping and object_left read pixels unless told to use tracks only.
    expect(rulesNeedFrame(rules.slice(7, 8))).toBe(true);
    expect(rulesNeedFrame(rules.slice(8, 9))).toBe(true);
    const tracksOnly = camera({ rules: [{ id: 'h', type: 'dumping', detector: 'objects' }, { id: 'i', type: 'object_left', detector: 'objects' }] });
    expect(rulesNeedFrame(buildRules(tracksOnly, { width: 640, height: 360 }))).toBe(false);
    // camera_down apart (it must exist before the first frame), the rest on the first frame.
    expect(buildRules(cam, { width: 640, height: 360 }, { skipTypes: ['camera_down'] }).map((r) => r.id)).not.toContain('j');
    const down = buildCameraDownRules(cam, 1000);
    expect(down.map((r) => r.id)).toEqual(['j']);
    expect(down[0]!.check(1000 + 31_000).map((h) => h.phase)).toEqual(['start']);
  });

  it('masks hide objects from a rule: a car stopped in the masked bay is not an illegal stop', () => {
    const cam = camera({
      zones: [
        { id: 'no-stop', points: [[0, 0], [1, 0], [1, 1], [0, 1]] },
        { id: 'bay', points: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] },
      ],
      rules: [{ id: 's', type: 'illegal_stop', zone: 'no-stop', minSeconds: 1, maskZones: ['bay'] }],
    });
    const [rule] = buildRules(cam, { width: 640, height: 360 });
    expect(rule).toBeInstanceOf(MaskedRule);
    const feed = new TrackFeed();
    const hits = [];
    for (let i = 0; i < 20; i++) {
      const t = i * 200;
      hits.push(...rule!.evaluate([feed.at(1, 100, 200, t, 'car', 40, 30), feed.at(2, 500, 200, t, 'car', 40, 30)], t));
    }
    expect(new Set(hits.filter((h) => h.phase === 'start').map((h) => h.trackId))).toEqual(new Set([1]));
  });

  it('turns a normalized lane direction into frame pixels (x and y scale differently)', () => {
    const cam = camera({
      zones: [{ id: 'lane', points: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
      rules: [{ id: 'w', type: 'wrong_way', zone: 'lane', expectedDirection: [1, 1], minSeconds: 0.4, minDistancePx: 10 }],
    });
    const [rule] = buildRules(cam, { width: 640, height: 360 });
    // Expected direction is along the frame diagonal (640, 360); moving along (-640, -360) is wrong-way,
    // moving along (-360, -360) is 16° off it: also within 60°. Moving along (640, 360) is fine.
    const feed = new TrackFeed();
    const run = (id: number, dx: number, dy: number) => {
      const hits = [];
      for (let i = 0; i < 10; i++) hits.push(...rule!.evaluate([feed.at(id, 320 + dx * i, 180 + dy * i, i * 200, 'car', 40, 30)], i * 200));
      return hits.some((h) => h.phase === 'start');
    };
    expect(run(1, -16, -9)).toBe(true);
    expect(run(2, 16, 9)).toBe(false);
  });

  it('builds the ground homography from the camera calibration in frame pixels', () => {
    const cam = camera({
      calibration: {
        imagePoints: [[0.25, 0.5], [0.75, 0.5], [1, 1], [0, 1]],
        groundPoints: [[0, 20], [7, 20], [7, 0], [0, 0]],
      },
    });
    const H = groundPlane(cam, { frameWidth: 640, frameHeight: 360 })!;
    const p = applyHomography(H, { x: 640, y: 360 });
    expect(p.x).toBeCloseTo(7, 6);
    expect(p.y).toBeCloseTo(0, 6);
    expect(groundPlane(camera({}), { frameWidth: 640, frameHeight: 360 })).toBeUndefined();
  });
});

describe('rule schemas', () => {
  const parse = (extra: Record<string, unknown>) => cameraSchema.safeParse({ id: 'cam-1', source: { file: 'clip.mp4' }, ...extra });
  const messages = (extra: Record<string, unknown>) => {
    const r = parse(extra);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('defaults: time zone Asia/Ho_Chi_Minh, vehicle classes for traffic rules, ByteTrack', async () => {
    const r = parse({ rules: [{ id: 's', type: 'illegal_stop', zone: 'z' }] });
    expect(r.success).toBe(true);
    expect(r.data!.timezone).toBe('Asia/Ho_Chi_Minh');
    expect(r.data!.rules[0]).toMatchObject({ classes: ['car', 'truck', 'bus', 'motorcycle'], minSeconds: 60, severity: 'medium' });
    const { configSchema } = await import('../../../agent/config/schema.js');
    expect(configSchema.parse({}).tracking).toMatchObject({ kind: 'bytetrack', highScoreThreshold: 0.35, lowScoreThreshold: 0.1 });
  });

  it('rejects a zero direction vector, a missing or doubled direction, and congestion without a threshold', () => {
    expect(messages({ rules: [{ id: 'w', type: 'wrong_way', zone: 'z', expectedDirection: [0, 0] }] })).toEqual([
      expect.stringMatching(/^rules\.0\.expectedDirection: zero direction vector/),
    ]);
    expect(messages({ rules: [{ id: 'w', type: 'wrong_way', zone: 'z' }] })[0]).toMatch(/expected direction/);
    expect(messages({ rules: [{ id: 'w', type: 'wrong_way', zone: 'z', expectedDirection: [0, 1], expectedAngleDeg: 90 }] })[0]).toMatch(/not both/);
    expect(messages({ rules: [{ id: 'c', type: 'congestion', zone: 'z' }] })[0]).toMatch(/minCount .* or minOccupancy/);
  });

  it('rejects bad schedules, time zones and calibrations with clear messages', () => {
    expect(messages({ rules: [{ id: 'a', type: 'intrusion', zone: 'z', schedule: [{ from: '7:00', to: '09:00' }] }] })[0]).toMatch(/HH:MM/);
    expect(messages({ rules: [{ id: 'a', type: 'intrusion', zone: 'z', schedule: [{ days: ['monday'], from: '07:00', to: '09:00' }] }] })).toHaveLength(1);
    expect(messages({ timezone: 'Asia/Hanoi_City' })[0]).toMatch(/^timezone: unknown IANA time zone/);
    expect(
      messages({ calibration: { imagePoints: [[0, 0], [0.5, 0.5], [1, 1], [0, 1]], groundPoints: [[0, 0], [1, 0], [1, 1], [0, 1]] } })[0],
    ).toMatch(/^calibration\.imagePoints: points 0, 1 and 2 are on one line/);
    expect(messages({ calibration: { imagePoints: [[0, 0]], groundPoints: [[0, 0]] } })[0]).toMatch(/exactly 4/);
  });
});
