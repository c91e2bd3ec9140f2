import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenIncidentState } from '../../../agent/incidents/types.js';
import { createLogger } from '../../../agent/core/logger.js';
import { openStore } from '../../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../../agent/store/types.js';
import { endUnconfiguredIncidents } from '../../../agent/ops/open-incidents.js';
import { configSchema } from '../../../agent/config/schema.js';
import { makeEvent, makeRecord } from '../../fixtures/outbox-data.js';

const logger = createLogger({ level: 'silent' });

function state(sequence: number, o: Partial<OpenIncidentState> = {}): OpenIncidentState {
  return {
    key: 'r:1:0', ruleId: 'r', ruleType: 'zone_intrusion', ruleFingerprint: 'f', zoneId: 'z', bbox: [0.1, 0.1, 0.2, 0.2],
    sequence, startMs: 0, lastHitMs: sequence * 1000, lastSentMs: sequence * 1000, bestQuality: 0.3, evidenceLocked: false, acked: false, durationOffsetSeconds: 0, ...o,
  };
}

describe('open incidents in the store', () => {
  let dir: string;
  let path: string;
  let store: IncidentStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-open-'));
    path = join(dir, 'camwatch.db');
    store = openStore({ path, logger });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the state saved with the latest event, survives reopening, and forgets it with the end', () => {
    const created = makeRecord('open', 1);
    const camera = created.incident.cameraId;
    store.save({ ...created, open: state(1) });
    store.save({ ...makeEvent(created, 'update', 2), open: state(2) });
    store.close();
    store = openStore({ path, logger });
    const [open] = store.openIncidents(camera);
    expect(open!.state.sequence).toBe(2);
    expect(open!.incident).toMatchObject({ id: created.incident.id, status: 'update', sequence: 2 });
    expect(store.openIncidentCameras()).toEqual([camera]);
    // Acknowledged at the IOC: a restored incident sends no more updates.
    store.acknowledge(created.incident.id);
    expect(store.openIncidents(camera)[0]!.state.acked).toBe(true);
    store.saveMany([{ ...makeEvent(created, 'end', 3), open: state(3) }]);
    expect(store.openIncidents(camera)).toEqual([]);
    expect(store.openIncidentCameras()).toEqual([]);
  });

  it('retention never deletes an open incident: its end is still to come', () => {
    const created = makeRecord('open', 2);
    const seq = store.save({ ...created, open: state(1) }).seq;
    store.markSent(seq);
    store.maintain(Date.now() + 400 * 86_400_000);
    expect(store.openIncidents(created.incident.cameraId)).toHaveLength(1);
  });

  it('incidents of a camera no longer configured end as rule_removed, of a disabled one as camera_reload', () => {
    const a = makeRecord('gone', 1);
    store.save({ ...a, open: state(1) });
    const config = configSchema.parse({ agent: { id: 'edge' }, cameras: [] });
    const [end] = endUnconfiguredIncidents(store, config, 5_000);
    expect(end!.incident).toMatchObject({ id: a.incident.id, status: 'end', sequence: 2, endReason: 'rule_removed' });
    const disabled = configSchema.parse({ agent: { id: 'edge' }, cameras: [{ id: a.incident.cameraId, enabled: false, source: { file: 'x.mp4' }, rules: [{ id: 'r', type: 'camera_blackout' }] }] });
    expect(endUnconfiguredIncidents(store, disabled, 5_000)[0]!.incident.endReason).toBe('camera_reload');
    const running = configSchema.parse({ agent: { id: 'edge' }, cameras: [{ id: a.incident.cameraId, source: { file: 'x.mp4' } }] });
    expect(endUnconfiguredIncidents(store, running, 5_000)).toEqual([]);
  });
});
