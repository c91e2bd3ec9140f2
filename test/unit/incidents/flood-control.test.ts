import { describe, expect, it } from 'vitest';
import { FloodControl } from '../../../agent/incidents/flood-control.js';
import { EvidenceBudget, EVIDENCE_BUDGET_OMITTED } from '../../../agent/incidents/evidence-budget.js';
import { INCIDENT_SCHEMA, type Incident, type IncidentRecord } from '../../../agent/incidents/types.js';

const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);
let n = 0;
function rec(over: Partial<Incident> = {}, jpegBytes?: number): IncidentRecord {
  n += 1;
  const incident: Incident = {
    schema: INCIDENT_SCHEMA, id: `id-${String(n).padStart(4, '0')}`, agentId: 'edge', cameraId: 'cam', type: 'zone_intrusion', category: 'security',
    severity: 'medium', status: 'new', title: { vi: 'Xâm nhập', en: 'Intrusion' }, ruleId: 'r1', className: 'person', score: 0.8, trackId: n,
    bbox: [0.1, 0.1, 0.2, 0.2], startedAt: new Date(T0).toISOString(), sequence: 1,
    ...(jpegBytes !== undefined && { snapshot: { contentType: 'image/jpeg', width: 640, height: 360, bytes: jpegBytes } }),
    ...over,
  };
  return jpegBytes === undefined ? { incident } : { incident, snapshotJpeg: Buffer.alloc(jpegBytes, 1) };
}
const ids = (rs: IncidentRecord[]) => rs.map((r) => `${r.incident.id}:${r.incident.status}`);
let sid = 0;
const newId = () => `summary-${++sid}`;

describe('flood control', () => {
  it('passes N new incidents per rule and minute, folds the rest into one summary after the minute', () => {
    const f = new FloodControl({ maxNewPerMinute: 3, newId });
    const batch = Array.from({ length: 8 }, (_, i) => rec({ className: i % 2 ? 'car' : 'person', score: 0.5 + i / 100 }));
    const out = f.admit(batch, T0 + 1_000);
    expect(out).toHaveLength(3);
    expect(f.tick(T0 + 59_999)).toEqual([]);
    const [summary] = f.tick(T0 + 60_000);
    expect(summary!.incident).toMatchObject({
      status: 'summary', type: 'zone_intrusion', ruleId: 'r1', cameraId: 'cam', sequence: 1, score: batch[7]!.incident.score,
      startedAt: new Date(T0).toISOString(), endedAt: new Date(T0 + 60_000).toISOString(),
      folded: { count: 5, byClass: { car: 3, person: 2 }, ids: batch.slice(3).map((r) => r.incident.id), maxNewPerMinute: 3 },
    });
    expect(summary!.snapshotJpeg).toBeUndefined();
    // A new minute: the cap starts again.
    expect(f.admit([rec(), rec(), rec()], T0 + 61_000)).toHaveLength(3);
  });

  it('the cap is per rule: another rule of the camera is not folded by the first one\'s flood', () => {
    const f = new FloodControl({ maxNewPerMinute: 1, newId });
    const out = f.admit([rec({ ruleId: 'a' }), rec({ ruleId: 'a' }), rec({ ruleId: 'b' })], T0);
    expect(out.map((r) => r.incident.ruleId)).toEqual(['a', 'b']);
  });

  it('updates and the end of a folded incident are dropped too; those of passed incidents go out', () => {
    const f = new FloodControl({ maxNewPerMinute: 1, newId });
    const a = rec();
    const b = rec();
    expect(ids(f.admit([a, b], T0))).toEqual([`${a.incident.id}:new`]);
    expect(f.foldedOpen()).toBe(1);
    const upd = (r: IncidentRecord, status: Incident['status']) => ({ incident: { ...r.incident, status } });
    expect(ids(f.admit([upd(a, 'update'), upd(b, 'update'), upd(b, 'end'), upd(a, 'end')], T0 + 2_000))).toEqual([`${a.incident.id}:update`, `${a.incident.id}:end`]);
    expect(f.foldedOpen()).toBe(0);
  });

  it('knows which open incidents it folded, until their end', () => {
    const f = new FloodControl({ maxNewPerMinute: 1, newId });
    const [a, b] = [rec(), rec()];
    f.admit([a, b], T0);
    expect([f.isFolded(a.incident.id), f.isFolded(b.incident.id)]).toEqual([false, true]);
    f.admit([{ incident: { ...b.incident, status: 'end' } }], T0 + 1_000);
    expect(f.isFolded(b.incident.id)).toBe(false);
  });

  it('camera health incidents are never folded', () => {
    const f = new FloodControl({ maxNewPerMinute: 1, newId });
    const health = Array.from({ length: 5 }, () => rec({ type: 'camera_tamper', category: 'health', ruleId: 'tamper' }));
    expect(f.admit(health, T0)).toHaveLength(5);
    expect(f.tick(T0 + 120_000)).toEqual([]);
  });

  it('summaries come before the events of the next minute; flush() summarises an open window', () => {
    const f = new FloodControl({ maxNewPerMinute: 1, newId });
    f.admit([rec(), rec()], T0);
    const next = rec();
    const out = f.admit([next], T0 + 65_000);
    expect(out.map((r) => r.incident.status)).toEqual(['summary', 'new']);
    f.admit([rec()], T0 + 66_000);
    expect(f.flush(T0 + 70_000).map((r) => [r.incident.status, r.incident.folded?.count, r.incident.endedAt])).toEqual([['summary', 1, new Date(T0 + 70_000).toISOString()]]);
  });

  it('lists at most maxIds ids; the count stays exact', () => {
    const f = new FloodControl({ maxNewPerMinute: 1, maxIds: 2, newId });
    f.admit(Array.from({ length: 10 }, () => rec()), T0);
    const [s] = f.tick(T0 + 60_000);
    expect(s!.incident.folded).toMatchObject({ count: 9 });
    expect(s!.incident.folded!.ids).toHaveLength(2);
  });
});

describe('evidence budget', () => {
  it('keeps pictures within the hourly budget, then sends incidents without one and says why; the hour rolls', () => {
    const b = new EvidenceBudget(100_000);
    const kept = [0, 1].map((i) => b.apply(rec({}, 40_000), T0 + i * 1000));
    expect(kept.every((r) => r.snapshotJpeg?.length === 40_000)).toBe(true);
    const over = b.apply(rec({}, 40_000), T0 + 2_000);
    expect(over.snapshotJpeg).toBeUndefined();
    expect(over.incident.snapshot).toEqual({ contentType: 'image/jpeg', width: 640, height: 360, bytes: 0, omitted: EVIDENCE_BUDGET_OMITTED });
    expect(b.omitted).toBe(1);
    expect(b.spentBytes(T0 + 2_000)).toBe(80_000);
    // A smaller picture still fits.
    expect(b.apply(rec({}, 20_000), T0 + 3_000).snapshotJpeg).toBeDefined();
    // An hour after the first two, their bytes are free again.
    expect(b.spentBytes(T0 + 3_600_000 + 1_000)).toBe(20_000);
    expect(b.apply(rec({}, 40_000), T0 + 3_600_000 + 1_000).snapshotJpeg).toBeDefined();
  });

  it('an update or end that repeats a picture the budget took says so (it had read as pruned by the store quota)', () => {
    const b = new EvidenceBudget(50_000);
    const first = rec({}, 40_000);
    expect(b.apply(first, T0).snapshotJpeg).toBeDefined();
    const second = rec({}, 40_000);
    expect(b.apply(second, T0 + 1_000).incident.snapshot?.omitted).toBe(EVIDENCE_BUDGET_OMITTED);
    // The lifecycle repeats the last picture's metadata on an update without a better one; the uplink has no JPEG for it.
    const repeat = (r: IncidentRecord, status: 'update' | 'end', sequence: number): IncidentRecord => ({
      incident: { ...r.incident, status, sequence, snapshot: { contentType: 'image/jpeg', width: 640, height: 360, bytes: 40_000 } },
    });
    expect(b.apply(repeat(second, 'update', 2), T0 + 2_000).incident.snapshot).toEqual({ contentType: 'image/jpeg', width: 640, height: 360, bytes: 0, omitted: EVIDENCE_BUDGET_OMITTED });
    // Handed to the camera's next run (a reload): as the store holds it, without the picture it never had.
    expect(b.handedOver(second).incident.snapshot?.omitted).toBe(EVIDENCE_BUDGET_OMITTED);
    expect(b.handedOver(first)).toBe(first);
    expect(b.apply(repeat(second, 'end', 3), T0 + 3_000).incident.snapshot?.omitted).toBe(EVIDENCE_BUDGET_OMITTED);
    // An incident whose picture was stored repeats it as before.
    expect(b.apply(repeat(first, 'update', 2), T0 + 2_000).incident.snapshot).toEqual({ contentType: 'image/jpeg', width: 640, height: 360, bytes: 40_000 });
    expect(b.omitted).toBe(1);
  });

  it('camera health evidence is always kept; 0 keeps no other picture', () => {
    const b = new EvidenceBudget(0);
    expect(b.apply(rec({ category: 'health', type: 'camera_blackout' }, 10_000), T0).snapshotJpeg).toBeDefined();
    expect(b.apply(rec({}, 10_000), T0).snapshotJpeg).toBeUndefined();
    expect(b.apply(rec(), T0).incident.snapshot).toBeUndefined();
  });
});
