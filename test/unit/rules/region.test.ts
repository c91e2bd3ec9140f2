import { describe, expect, it } from 'vitest';
import { rulesRegion, type RegionCamera } from '../../../agent/rules/region.js';
import type { RulesCamera } from '../../../agent/rules/build.js';

const geo = { frameWidth: 640, frameHeight: 360, sourceWidth: 1280, sourceHeight: 720 };
type Cam = RegionCamera;
const cam = (rules: Array<Record<string, unknown>>, extra: Partial<Cam> = {}): Cam => ({
  zones: [{ id: 'lane', units: 'normalized', points: [[0.4, 0.5], [0.6, 0.5], [0.6, 0.7], [0.4, 0.7]] }],
  lines: [{ id: 'stop', units: 'pixels', from: [256, 576], to: [1024, 576] }],
  rules: rules as unknown as RulesCamera['rules'],
  ...extra,
});

describe('rulesRegion', () => {
  it('is the padded bounding box of the zones and lines the rules name, in analysis pixels (pixels units are source pixels)', () => {
    const region = rulesRegion(cam([{ id: 'c', type: 'line_crossing', line: 'stop' }, { id: 'w', type: 'wrong_way', zone: 'lane' }]), geo, 0.1);
    // zone x 256..384, y 180..252; line (source px → frame) x 128..512, y 288; padded by 64 px / 36 px.
    expect(region).toEqual({ x: 64, y: 144, width: 512, height: 180 });
  });

  it('is the whole frame when a rule that reads objects names no zone or line', () => {
    expect(rulesRegion(cam([{ id: 'c', type: 'line_crossing', line: 'stop' }, { id: 'd', type: 'dumping' }]), geo)).toEqual({ x: 0, y: 0, width: 640, height: 360 });
  });

  it('leaves out camera-health rules (they read pixels, not objects) and counts occupancy zones', () => {
    const region = rulesRegion(cam([{ id: 't', type: 'camera_tamper' }], { zones: [{ id: 'lane', units: 'normalized', points: [[0.4, 0.5], [0.6, 0.5], [0.6, 0.7]], occupancy: true }] }), geo, 0);
    expect(region).toEqual({ x: 256, y: 180, width: 128, height: 72 });
    expect(rulesRegion(cam([{ id: 't', type: 'camera_tamper' }]), geo)).toEqual({ x: 0, y: 0, width: 640, height: 360 });
  });
});
