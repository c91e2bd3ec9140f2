import { describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../../agent/incidents/types.js';
import { renderCameraStatePayload, renderIncidentPayload, renderStatusPayload } from '../../../agent/uplink/payload.js';
import { makeEvent, makeRecord } from '../../fixtures/outbox-data.js';
import { schemaErrors, validateCameraState, validateIncidentEvent, validateStatus } from '../../fixtures/outbox-schemas.js';

const parse = (b: Buffer): unknown => JSON.parse(b.toString('utf8'));

/** An incident with every optional field the lifecycle can set. */
function fullRecord(): IncidentRecord {
  const record = makeRecord('schema', 1);
  Object.assign(record.incident, {
    cameraName: 'Cổng chính',
    location: { lat: 10.77, lon: 106.7, address: '1 Lê Lợi' },
    ruleName: 'Cổng sau - cấm vào',
    zoneId: 'z1',
    zoneName: 'Sân sau',
    lineId: 'l1',
    lineName: 'Vạch dừng',
    direction: 'in',
    durationSeconds: 12.5,
    counts: { car: { in: 3, out: 1 } },
    evidenceTrackId: 4,
    objectCount: 7,
    occupancy: 0.4,
    speedKmh: 42,
    reason: 'uniform',
    metrics: { stddev: 1.2 },
  });
  return record;
}

describe('published payloads match docs/schemas', () => {
  it('incident events: new, update, end, inline or not, replayed or not', () => {
    const created = fullRecord();
    const end = makeEvent(created, 'end', 3);
    end.incident.endReason = 'agent_restart';
    const events = [created, makeEvent(created, 'update', 2), end];
    for (const e of events) {
      for (const mode of ['inline', 'none'] as const) {
        for (const historical of [false, true]) {
          expect(schemaErrors(validateIncidentEvent, parse(renderIncidentPayload(e, mode, { historical })))).toBe('');
        }
      }
    }
    // The end sent again with its evidence clip (issue 17).
    const withClip = makeEvent(created, 'end', 4);
    withClip.incident.clip = { contentType: 'video/mp4', durationSeconds: 24.1, bytes: 5_201_266, sha256: 'a'.repeat(64), from: '2026-12-07T06:00:00.000Z', to: '2026-12-07T06:00:24.100Z', url: 'https://s3.example/b/box/cam/01J.mp4' };
    const rendered = parse(renderIncidentPayload(withClip, 'inline')) as { clip?: unknown };
    expect(rendered.clip).toEqual(withClip.incident.clip);
    expect(schemaErrors(validateIncidentEvent, rendered)).toBe('');
    const bare = makeRecord('schema', 2);
    delete bare.snapshotJpeg;
    delete bare.incident.snapshot;
    expect(schemaErrors(validateIncidentEvent, parse(renderIncidentPayload(bare, 'inline')))).toBe('');
  });

  it('the incident schema refuses what the contract does not allow', () => {
    const json = parse(renderIncidentPayload(makeRecord('schema', 3), 'inline')) as Record<string, unknown>;
    expect(validateIncidentEvent({ ...json, password: 'x' })).toBe(false);
    expect(validateIncidentEvent({ ...json, status: 'closed' })).toBe(false);
    expect(validateIncidentEvent({ ...json, schema: 'camwatch.incident/2' })).toBe(false);
    expect(validateIncidentEvent({ ...json, status: 'end' })).toBe(false); // an end needs endedAt
    expect(validateIncidentEvent({ ...json, historical: false })).toBe(false);
  });

  it('status: online, clean shutdown, and the Last Will', () => {
    for (const s of [
      { state: 'online', agentId: 'edge', at: new Date().toISOString() },
      { state: 'offline', agentId: 'edge', at: new Date().toISOString(), reason: 'shutdown' },
      { state: 'offline', agentId: 'edge', reason: 'connection-lost' },
    ] as const) {
      expect(schemaErrors(validateStatus, parse(renderStatusPayload(s)))).toBe('');
    }
  });

  it('camera state, with and without an error', () => {
    expect(schemaErrors(validateCameraState, parse(renderCameraStatePayload({ cameraId: 'c', state: 'online', reconnects: 0, atMs: Date.now() })))).toBe('');
    const down = renderCameraStatePayload({ cameraId: 'c', state: 'down', reconnects: 2, atMs: Date.now(), lastError: { code: 'CAMERA_UNREACHABLE', message: 'rtsp://u:p@h/ refused' } });
    expect(schemaErrors(validateCameraState, parse(down))).toBe('');
  });
});
