import { describe, expect, it } from 'vitest';
import type { StoreUsage } from '../../../agent/store/types.js';
import { cloudEventPublishProperties, incidentCloudEvent } from '../../../agent/uplink/cloudevents.js';
import { incidentPayload } from '../../../agent/uplink/payload.js';
import { statsPayload, storeWarnings, warningsKey } from '../../../agent/uplink/stats.js';
import { makeEvent, makeRecord } from '../../fixtures/outbox-data.js';
import { schemaErrors, validateCounts, validateStats } from '../../fixtures/outbox-schemas.js';

const usage = (over: Partial<StoreUsage> = {}): StoreUsage => ({
  snapshotBytes: 1_000,
  maxSnapshotBytes: 10_000,
  databaseBytes: 50_000,
  maxDatabaseBytes: 1_000_000,
  diskFreeBytes: 5_000_000,
  pending: 3,
  held: 0,
  prunedSnapshots: 0,
  prunedUnsentSnapshots: 0,
  droppedEvents: 0,
  expiredIncidents: 0,
  prunedIncidents: 0,
  ...over,
});

describe('store warnings (pure)', () => {
  it('none when the store is well within its quotas', () => {
    expect(storeWarnings(usage())).toEqual([]);
  });

  it('disk full, events dropped, evidence of unsent events pruned, quota near', () => {
    const now = usage({ held: 4, fullSinceMs: 1_000, droppedEvents: 2, prunedUnsentSnapshots: 5, snapshotBytes: 9_500 });
    const reasons = storeWarnings(now).map((w) => w.reason);
    expect(reasons).toEqual(['disk_full', 'events_dropped', 'evidence_pruned', 'quota_near']);
    expect(storeWarnings(now).every((w) => w.code === 'STORE_FULL')).toBe(true);
    // Drops and pruning are news once: compared with the previous stats they are gone; full and quota persist.
    expect(storeWarnings(now, now).map((w) => w.reason)).toEqual(['disk_full', 'quota_near']);
    expect(storeWarnings(usage({ databaseBytes: 950_000 }))[0]!.message).toContain('database 95% of store.maxDatabaseBytes');
    expect(warningsKey(storeWarnings(now))).toBe('disk_full,events_dropped,evidence_pruned,quota_near');
  });
});

describe('stats payload', () => {
  it('matches docs/schemas/stats.schema.json, keeps only listed camera fields, carries warnings', () => {
    const input = {
      agentId: 'ignored-the-uplink-knows',
      uptimeS: 120,
      backlog: 99, // the lead's older field: replaced by uplink.backlog
      diskFreeBytes: 1,
      password: 'hunter2',
      cameras: [{ id: 'cam-1', state: 'online', analysisFps: 4.9, framesDecoded: 600, latencyP95Ms: 180, secret: 'x', lastError: 'rtsp://u:p@h' }],
    };
    const payload = statsPayload(input, {
      agentId: 'edge-1',
      nowMs: Date.parse('2026-01-01T00:00:00Z'),
      uplink: { connected: true, published: 10, backlog: 3, inflight: 1 },
      store: usage({ held: 2, fullSinceMs: Date.parse('2026-01-01T00:00:00Z') }),
    });
    expect(schemaErrors(validateStats, payload)).toBe('');
    expect(payload).toMatchObject({ schema: 'camwatch.stats/1', agentId: 'edge-1', uptimeS: 120, uplink: { backlog: 3 } });
    expect(payload.cameras).toEqual([{ id: 'cam-1', state: 'online', analysisFps: 4.9, framesDecoded: 600, latencyP95Ms: 180 }]);
    expect(payload.store).toMatchObject({ held: 2, fullSince: '2026-01-01T00:00:00.000Z' });
    expect(payload.warnings.map((w) => w.reason)).toEqual(['disk_full']);
    expect(JSON.stringify(payload)).not.toContain('hunter2');
    // Without store usage (unreadable) it is still valid.
    expect(schemaErrors(validateStats, statsPayload({}, { agentId: 'e', nowMs: 0, uplink: { connected: false, published: 0, backlog: 0, inflight: 0 } }))).toBe('');
  });

  it('counts as the agent publishes them match docs/schemas/counts.schema.json', () => {
    const counts = { cameraId: 'cam-1', lines: [{ ruleId: 'count', lineId: 'l1', counts: { car: { in: 3, out: 1 } } }], at: new Date().toISOString() };
    expect(schemaErrors(validateCounts, counts)).toBe('');
    expect(validateCounts({ ...counts, lines: [{ ruleId: 'count', counts: {} }] })).toBe(false);
  });
});

describe('CloudEvents binary content mode (pure)', () => {
  it('one id per event, stable across duplicates; source per camera; type per status', () => {
    const created = makeRecord('ce', 1);
    const end = makeEvent(created, 'end', 3);
    const a = incidentCloudEvent(incidentPayload(created, 'none'));
    expect(a).toEqual({
      specversion: '1.0',
      id: 'ce-000001:1:new',
      source: '/camwatch/edge-test/cameras/cam-street',
      type: 'camwatch.incident.new',
      subject: 'ce-000001',
      time: created.incident.startedAt,
      dataschema: 'https://camwatch.example/schemas/camwatch.incident/1/incident-event.schema.json',
    });
    expect(incidentCloudEvent(incidentPayload(created, 'inline', { historical: true })).id).toBe(a.id);
    const e = incidentCloudEvent(incidentPayload(end, 'none'));
    expect(e).toMatchObject({ id: 'ce-000001:3:end', type: 'camwatch.incident.end', time: end.incident.endedAt });
    expect(cloudEventPublishProperties(incidentPayload(end, 'none'))).toMatchObject({ contentType: 'application/json', payloadFormatIndicator: true });
  });
});
