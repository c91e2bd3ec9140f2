import { describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../../agent/incidents/types.js';
import { incidentPayload, isHistorical, renderCameraStatePayload, renderIncidentPayload, renderStatusPayload } from '../../../agent/uplink/payload.js';
import { makeRecord } from '../../fixtures/outbox-data.js';

describe('incident payload', () => {
  it('inlines the snapshot as base64 that decodes to the stored JPEG bytes', () => {
    const record = makeRecord('run', 7);
    const json = JSON.parse(renderIncidentPayload(record, 'inline').toString('utf8'));
    expect(json.id).toBe('run-000007');
    expect(json.schema).toBe('camwatch.incident/1');
    expect(json.snapshot).toMatchObject({ contentType: 'image/jpeg', width: 640, height: 360, bytes: 2048 });
    const bytes = Buffer.from(json.snapshot.data, 'base64');
    expect(bytes.equals(record.snapshotJpeg!)).toBe(true);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('keeps every Incident field', () => {
    const record = makeRecord('run', 3);
    const { snapshot: _s, onvifTopic, ...withoutSnapshot } = incidentPayload(record, 'none');
    const { snapshot: _t, ...expected } = record.incident;
    expect(withoutSnapshot).toEqual(expected);
    // Plus the ONVIF alias of the rule type (line_crossing here).
    expect(onvifTopic).toBe('tns1:RuleEngine/LineDetector/Crossed');
  });

  it('names the ONVIF topic only for types that have one', () => {
    const zone = makeRecord('run', 1); // zone_intrusion
    expect(incidentPayload(zone, 'none').onvifTopic).toBe('tns1:RuleEngine/FieldDetector/ObjectsInside');
    zone.incident.type = 'illegal_stop';
    expect(incidentPayload(zone, 'none')).not.toHaveProperty('onvifTopic');
  });

  it('says so when the store pruned the picture of an unsent event', () => {
    const record = makeRecord('run', 4);
    delete record.snapshotJpeg; // what store.event() returns once the snapshot row is gone
    expect(incidentPayload(record, 'inline').snapshot).toMatchObject({ contentType: 'image/jpeg', width: 640, omitted: expect.stringContaining('pruned') });
    expect(incidentPayload(record, 'none').snapshot).not.toHaveProperty('omitted');
  });

  it('with snapshot none keeps the metadata but not the bytes', () => {
    const payload = incidentPayload(makeRecord('run', 1), 'none');
    expect(payload.snapshot).toEqual({ contentType: 'image/jpeg', width: 640, height: 360, bytes: 2048 });
  });

  it('omits snapshot entirely when the incident has none', () => {
    const record: IncidentRecord = { incident: { ...makeRecord('run', 1).incident } };
    delete record.incident.snapshot;
    expect(incidentPayload(record, 'inline')).not.toHaveProperty('snapshot');
  });

  it('never carries properties outside the Incident contract (passwords attached at runtime)', () => {
    const record = makeRecord('run', 2);
    const polluted = {
      ...record,
      incident: { ...record.incident, password: 'hunter2-secret', mqtt: { password: 'hunter2-secret' } },
    } as unknown as IncidentRecord;
    const text = renderIncidentPayload(polluted, 'inline').toString('utf8');
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toMatch(/password/i);
  });
});

describe('historical events', () => {
  it('a row stored before the connection started, or re-queued by resend, is a replay', () => {
    expect(isHistorical({ createdAtMs: 999 }, 1_000)).toBe(true);
    expect(isHistorical({ createdAtMs: 1_000 }, 1_000)).toBe(false);
    expect(isHistorical({ createdAtMs: 5_000, resendOf: 3 }, 1_000)).toBe(true);
    // Stored on this connection but published late (a slow drain, a burst): a replay past the threshold.
    expect(isHistorical({ createdAtMs: 5_000 }, 1_000, { nowMs: 5_000 + 300_001 })).toBe(true);
    expect(isHistorical({ createdAtMs: 5_000 }, 1_000, { nowMs: 5_000 + 300_000 })).toBe(false);
    expect(isHistorical({ createdAtMs: 5_000 }, 1_000, { nowMs: 7_001, historicalAfterMs: 2_000 })).toBe(true);
  });

  it('only a replay carries historical: true', () => {
    const record = makeRecord('run', 4);
    expect(incidentPayload(record, 'none', { historical: true }).historical).toBe(true);
    expect(incidentPayload(record, 'none', { historical: false })).not.toHaveProperty('historical');
    expect(incidentPayload(record, 'none')).not.toHaveProperty('historical');
  });
});

describe('status and camera-state payloads', () => {
  it('status keeps a `state` field', () => {
    const json = JSON.parse(renderStatusPayload({ state: 'offline', agentId: 'edge', reason: 'connection-lost' }).toString());
    expect(json).toEqual({ state: 'offline', agentId: 'edge', reason: 'connection-lost' });
  });

  it('camera state strips credentials from the error text', () => {
    const json = JSON.parse(
      renderCameraStatePayload({
        cameraId: 'cam-1',
        state: 'down',
        reconnects: 3,
        atMs: Date.UTC(2024, 0, 1),
        lastError: { code: 'CAMERA_UNREACHABLE', message: 'cannot open rtsp://admin:pa55word@10.0.0.5/live' },
      }).toString(),
    );
    expect(json).toEqual({
      cameraId: 'cam-1',
      state: 'down',
      reconnects: 3,
      at: '2024-01-01T00:00:00.000Z',
      lastError: 'CAMERA_UNREACHABLE: cannot open rtsp://admin:***@10.0.0.5/live',
    });
  });
});
