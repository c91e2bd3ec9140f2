import { describe, expect, it } from 'vitest';
import { cameraSchema, type CameraConfig } from '../../../agent/config/schema.js';
import { CamwatchError, isCamwatchError } from '../../../agent/ops/errors.js';
import { buildRules, LineCrossingRule, ZoneIntrusionRule } from '../../../agent/rules/index.js';
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
        { id: 'r-line', type: 'line_crossing', line: 'gate', classes: ['car'] },
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
});
