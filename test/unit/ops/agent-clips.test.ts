import { describe, expect, it } from 'vitest';
import { announceClip } from '../../../agent/ops/agent-clips.js';
import { makeEvent, makeRecord } from '../../fixtures/outbox-data.js';

const clip = { contentType: 'video/mp4' as const, durationSeconds: 24, bytes: 1_000, sha256: 'b'.repeat(64), from: '2026-12-07T06:00:00.000Z', to: '2026-12-07T06:00:24.000Z' };
const now = new Date('2026-12-07T06:01:00.000Z');

describe('announceClip', () => {
  it('sends an ended incident\'s end again with the clip and the next sequence', () => {
    const end = makeEvent(makeRecord('ann', 1), 'end', 3).incident;
    const { resend, attach } = announceClip(end, clip, now);
    expect(attach).toBe(false);
    expect(resend).toMatchObject({ id: end.id, status: 'end', sequence: 4, clip, updatedAt: now.toISOString(), endedAt: end.endedAt });
  });
  it('attaches the clip to the next events of an incident still open (cut at the cap)', () => {
    expect(announceClip(makeRecord('ann', 2).incident, clip, now)).toEqual({ attach: true });
  });
  it('does nothing for an incident the store no longer has', () => {
    expect(announceClip(undefined, clip, now)).toEqual({ attach: false });
  });
});
