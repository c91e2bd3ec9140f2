import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import type { RgbImage } from '../../../agent/detection/types.js';
import { IncidentLifecycle } from '../../../agent/incidents/lifecycle.js';
import type { Incident, IncidentRecord } from '../../../agent/incidents/types.js';
import { LineCrossingRule } from '../../../agent/rules/line-crossing.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import { incidentPayload } from '../../../agent/uplink/payload.js';
import { schemaErrors, validateIncidentEvent } from '../../fixtures/outbox-schemas.js';
import { TrackFeed } from '../rules/track-feed.js';

/**
 * docs/mqtt.md tells the IOC to de-duplicate on (id, status, sequence): every published event must carry a
 * sequence, and the schema requires it. line_crossing events are one-shot (no key: never updated or ended),
 * and before issue 16 that path created them without one.
 */
const camera = cameraSchema.parse({ id: 'cam-gate', source: { file: 'x.mp4' } });
const frame: RgbImage = { width: 640, height: 360, data: Buffer.alloc(640 * 360 * 3) } as RgbImage;

/** The real line_crossing rule on a person walking down across a horizontal line: its hits. */
function crossingHits(): RuleHit[] {
  const rule = new LineCrossingRule({ id: 'gate-count', lineId: 'gate', segment: { from: { x: 100, y: 200 }, to: { x: 300, y: 200 } }, direction: 'both', severity: 'info' });
  const feed = new TrackFeed();
  const hits: RuleHit[] = [];
  for (let i = 0, y = 150; y <= 250; i++, y += 10) hits.push(...rule.evaluate([feed.at(1, 200, y, i * 200)], i * 200));
  return hits;
}

describe('every incident event carries its sequence', () => {
  it('a line_crossing event from the real rule, through the lifecycle, is published with sequence 1 and matches the schema', async () => {
    const hits = crossingHits();
    expect(hits).toHaveLength(1);
    expect(hits[0]!.key).toBeUndefined(); // the one-shot path
    const lifecycle = new IncidentLifecycle({ agentId: 'edge-1', camera, snapshot: false });
    const [record] = await lifecycle.handle(hits, frame);
    expect(record!.incident).toMatchObject({ type: 'line_crossing', status: 'new', sequence: 1, lineId: 'gate', direction: 'in' });
    const payload = incidentPayload(record!, 'inline');
    expect(payload.sequence).toBe(1);
    expect(schemaErrors(validateIncidentEvent, JSON.parse(JSON.stringify(payload)))).toBe('');
  });

  it('the schema refuses an event without sequence', async () => {
    const [record] = await new IncidentLifecycle({ agentId: 'edge-1', camera, snapshot: false }).handle(crossingHits(), frame);
    const json = JSON.parse(JSON.stringify(incidentPayload(record!, 'none'))) as Record<string, unknown>;
    delete json.sequence;
    expect(schemaErrors(validateIncidentEvent, json)).toMatch(/must have required property 'sequence'/);
  });

  it('an event stored by an older version without a sequence is published as the first event of its incident', async () => {
    const [record] = await new IncidentLifecycle({ agentId: 'edge-1', camera, snapshot: false }).handle(crossingHits(), frame);
    // As it comes back from the store: JSON written before the fix.
    const stored = JSON.parse(JSON.stringify(record!.incident)) as Partial<Incident>;
    delete stored.sequence;
    const legacy: IncidentRecord = { incident: stored as Incident };
    const payload = incidentPayload(legacy, 'none');
    expect(payload.sequence).toBe(1);
    expect(schemaErrors(validateIncidentEvent, JSON.parse(JSON.stringify(payload)))).toBe('');
  });
});
