import { describe, expect, it } from 'vitest';
import { CountBinner, binPayload } from '../../../agent/counts/bins.js';
import { EvidenceBudget } from '../../../agent/incidents/evidence-budget.js';
import { FloodControl } from '../../../agent/incidents/flood-control.js';
import { incidentPayload } from '../../../agent/uplink/payload.js';
import { makeRecord } from '../../fixtures/outbox-data.js';
import { schemaErrors, validateCountBin, validateIncidentEvent } from '../../fixtures/outbox-schemas.js';

const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);

describe('flood control and count bins on the wire match docs/schemas', () => {
  it('a summary event is a valid incident event with status summary and folded; other events may not carry folded', () => {
    const flood = new FloodControl({ maxNewPerMinute: 1, newId: () => '01J00000000000000000000000' });
    const records = [1, 2, 3].map((i) => makeRecord('flood', i));
    for (const r of records) r.incident.ruleId = 'same';
    expect(flood.admit(records, T0)).toHaveLength(1);
    const [summary] = flood.tick(T0 + 60_000);
    for (const mode of ['inline', 'topic', 'none'] as const) {
      expect(schemaErrors(validateIncidentEvent, incidentPayload(summary!, mode))).toBe('');
    }
    const withFolded = incidentPayload(records[0]!, 'inline') as unknown as Record<string, unknown>;
    withFolded.folded = summary!.incident.folded;
    expect(schemaErrors(validateIncidentEvent, withFolded)).not.toBe('');
  });

  it('an event over the evidence budget is valid and says why it has no picture, in every snapshot mode', () => {
    const budget = new EvidenceBudget(1);
    const over = budget.apply(makeRecord('budget', 1), T0);
    for (const mode of ['inline', 'topic', 'none'] as const) {
      const payload = incidentPayload(over, mode);
      expect(schemaErrors(validateIncidentEvent, payload)).toBe('');
      expect(payload.snapshot?.omitted).toMatch(/evidence budget/);
      expect(payload.snapshot?.data).toBeUndefined();
    }
  });

  it('a closed bin with lines and zones is a valid camwatch.counts-bin/1', () => {
    const b = new CountBinner('saigon-01', [60]);
    b.addCrossings(T0 + 1, [{ ruleId: 'count', lineId: 'lane', className: 'motorcycle', direction: 'out', count: 4 }]);
    b.addOccupancy(T0 + 2, [{ zoneId: 'zebra', perClass: { person: 3 } }]);
    const [bin] = b.advance(T0 + 60_000);
    expect(schemaErrors(validateCountBin, binPayload(bin!, 'edge'))).toBe('');
    expect(schemaErrors(validateCountBin, { ...binPayload(bin!, 'edge'), extra: 1 })).not.toBe('');
  });
});
