import { describe, expect, it } from 'vitest';
import { cameraStateTopic, incidentFilter, incidentTopic, statusTopic } from '../../../agent/uplink/topics.js';

describe('topics', () => {
  it('builds the incident, status and camera-state topics under the prefix and agent id', () => {
    expect(incidentTopic('camwatch', 'edge-01', 'security', 'zone_intrusion')).toBe('camwatch/edge-01/incidents/security/zone_intrusion');
    expect(statusTopic('camwatch', 'edge-01')).toBe('camwatch/edge-01/status');
    expect(cameraStateTopic('camwatch', 'edge-01', 'cam-gate')).toBe('camwatch/edge-01/cameras/cam-gate/state');
  });

  it('accepts a multi-level prefix and drops trailing slashes', () => {
    expect(statusTopic('city/hcm/camwatch/', 'edge-01')).toBe('city/hcm/camwatch/edge-01/status');
  });

  it('gives subscription filters that match the incident topics', () => {
    expect(incidentFilter('camwatch')).toBe('camwatch/+/incidents/#');
    expect(incidentFilter('camwatch', 'edge-01')).toBe('camwatch/edge-01/incidents/#');
  });

  it.each([
    ['agentId with a slash', () => statusTopic('camwatch', 'a/b')],
    ['wildcard in a level', () => incidentTopic('camwatch', 'edge', 'security', 'zone+x')],
    ['# in a camera id', () => cameraStateTopic('camwatch', 'edge', 'cam#1')],
    ['empty level', () => incidentTopic('camwatch', 'edge', '', 'x')],
    ['wildcard prefix', () => statusTopic('camwatch/+', 'edge')],
  ])('rejects %s', (_name, build) => {
    expect(build).toThrow(/topic/);
  });
});
