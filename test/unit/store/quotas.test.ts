import { describe, expect, it } from 'vitest';
import { planSnapshotPrune, retentionCutoffMs, snapshotExcessBytes, DEFAULT_STORE_QUOTAS } from '../../../agent/store/quotas.js';

describe('store quotas (pure)', () => {
  const candidates = [
    { id: 1, bytes: 10, sent: false },
    { id: 2, bytes: 10, sent: true },
    { id: 3, bytes: 10, sent: true },
    { id: 4, bytes: 10, sent: false },
    { id: 5, bytes: 10, sent: true },
  ];

  it('prunes the oldest snapshots of sent events first, just enough', () => {
    expect(planSnapshotPrune(candidates, 15)).toEqual({ ids: [2, 3], bytes: 20, unsent: 0 });
    expect(planSnapshotPrune(candidates, 0)).toEqual({ ids: [], bytes: 0, unsent: 0 });
  });

  it('takes unsent evidence (oldest first) only when sent evidence is not enough', () => {
    expect(planSnapshotPrune(candidates, 35)).toEqual({ ids: [2, 3, 5, 1], bytes: 40, unsent: 1 });
    expect(planSnapshotPrune(candidates, 1_000)).toMatchObject({ ids: [2, 3, 5, 1, 4], bytes: 50, unsent: 2 });
  });

  it('excess is the larger overshoot of the two quotas; retention cutoff in days', () => {
    const q = { ...DEFAULT_STORE_QUOTAS, maxSnapshotBytes: 100, maxDatabaseBytes: 1_000 };
    expect(snapshotExcessBytes({ snapshotBytes: 150, databaseBytes: 900 }, q)).toBe(50);
    expect(snapshotExcessBytes({ snapshotBytes: 150, databaseBytes: 1_200 }, q)).toBe(200);
    expect(snapshotExcessBytes({ snapshotBytes: 50, databaseBytes: 500 }, q)).toBe(0);
    expect(retentionCutoffMs(10 * 86_400_000, 3)).toBe(7 * 86_400_000);
  });
});
