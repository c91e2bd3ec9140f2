/** The memory hold a full disk leaves events in: order kept, bounded, the STORE_FULL saying held or dropped. */
import { describe, expect, it } from 'vitest';
import { CamwatchError } from '../../../agent/core/index.js';
import { createLogger } from '../../../agent/core/logger.js';
import { decideSave } from '../../../agent/store/disk-pressure.js';
import { HeldEvents } from '../../../agent/store/held-events.js';
import type { IncidentRecord } from '../../../agent/incidents/index.js';
import { makeRecord } from '../../fixtures/outbox-data.js';

const full = new CamwatchError('STORE_FULL', 'incident store /data/camwatch.db is full: the incident was not saved');
const stillFull = (h: HeldEvents) =>
  decideSave({ diskFreeBytes: 0, freePageBytes: 0, reserveBytes: 0, writeBytes: 0, fullFailures: 2, held: h.count, heldMax: h.max });

describe('held events (no SQLite)', () => {
  it('holds up to the limit, drops beyond it, and flushes the held ones in arrival order', () => {
    let clock = 1_000;
    const held = new HeldEvents({ path: '/data/camwatch.db', max: 2, now: () => clock, log: createLogger({ level: 'silent' }) });
    const [a, b, c] = [0, 1, 2].map((i) => makeRecord('held', i, { jpegBytes: 100 })) as [IncidentRecord, IncidentRecord, IncidentRecord];

    const heldA = held.hold(a, full, stillFull(held));
    expect(heldA.code).toBe('STORE_FULL');
    expect(heldA.message).toContain(`${a.incident.id} is held in memory (1 waiting)`);
    expect(held.fullSince).toBe(1_000);
    held.hold(b, full, stillFull(held));
    const dropped = held.hold(c, full, stillFull(held));
    expect(dropped.message).toContain(`${c.incident.id} was dropped`);
    expect([held.count, held.droppedEvents, held.bytes()]).toEqual([2, 1, 200]);

    // The first write fails: nothing is lost, the order stays.
    expect(() => held.flush(() => {
      throw full;
    })).toThrow(full);
    expect(held.count).toBe(2);

    clock = 5_000;
    const written: string[] = [];
    expect(held.flush((r) => written.push(r.incident.id))).toBe(2);
    expect(written).toEqual([a.incident.id, b.incident.id]);
    expect([held.count, held.fullSince]).toEqual([0, undefined]);
  });
});
