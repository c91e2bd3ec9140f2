import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import { incidentFromHit } from '../../../agent/incidents/create.js';
import { incidentLabels } from '../../../agent/incidents/labels.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import { incidentPayload } from '../../../agent/uplink/payload.js';
import { schemaErrors, validateIncidentEvent } from '../../fixtures/outbox-schemas.js';

const camera = cameraSchema.parse({
  id: 'cam-1',
  source: { file: 'clip.mp4' },
  zones: [{ id: 'gate', name: 'Cổng sau', points: [[0, 0], [1, 0], [1, 1]] }],
  lines: [{ id: 'stop-line', name: 'Vạch dừng Lê Lợi', from: [0, 0.5], to: [1, 0.5] }],
  rules: [
    {
      id: 'no-entry',
      name: 'Cấm vào cổng sau ban đêm',
      type: 'zone_intrusion',
      zone: 'gate',
      category: 'traffic',
      severity: 'critical',
      title: { vi: 'Có người vào cổng sau' },
    },
    { id: 'count', type: 'line_crossing', line: 'stop-line' },
  ],
});

const hit: RuleHit = {
  ruleId: 'no-entry',
  ruleType: 'zone_intrusion',
  category: 'security',
  severity: 'critical',
  trackId: 3,
  className: 'person',
  score: 0.8,
  box: { x1: 10, y1: 10, x2: 50, y2: 90 },
  tMs: 0,
  zoneId: 'gate',
};

describe('what the operator reads', () => {
  it('the rule\'s configured title (per language), category and names override the catalogue', () => {
    expect(incidentLabels(camera, hit)).toEqual({
      title: { vi: 'Có người vào cổng sau', en: 'Intrusion into restricted zone' },
      category: 'traffic',
      ruleName: 'Cấm vào cổng sau ban đêm',
      zoneName: 'Cổng sau',
    });
    const line = incidentLabels(camera, { ruleId: 'count', ruleType: 'line_crossing', category: 'traffic', lineId: 'stop-line' });
    expect(line).toEqual({ title: { vi: 'Phương tiện qua vạch', en: 'Vehicle crossed line' }, category: 'traffic', lineName: 'Vạch dừng Lê Lợi' });
  });

  it('goes into the incident and its payload, which the published schema accepts', () => {
    const incident = incidentFromHit(hit, { width: 640, height: 360 }, { agentId: 'edge', camera });
    expect(incident).toMatchObject({ ruleId: 'no-entry', ruleName: 'Cấm vào cổng sau ban đêm', zoneId: 'gate', zoneName: 'Cổng sau', category: 'traffic', severity: 'critical' });
    const payload = incidentPayload({ incident }, 'none');
    expect(payload.title.vi).toBe('Có người vào cổng sau');
    expect(schemaErrors(validateIncidentEvent, JSON.parse(JSON.stringify(payload)))).toBe('');
  });

  it('a rule without them keeps the catalogue\'s title and category and sends no names', () => {
    const plain = cameraSchema.parse({ id: 'c', source: { file: 'x.mp4' }, zones: [{ id: 'gate', points: [[0, 0], [1, 0], [1, 1]] }], rules: [{ id: 'no-entry', type: 'zone_intrusion', zone: 'gate' }] });
    expect(incidentLabels(plain, hit)).toEqual({ title: { vi: 'Xâm nhập khu vực cấm', en: 'Intrusion into restricted zone' }, category: 'security' });
  });
});
