import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import type { RgbImage } from '../../../agent/detection/types.js';
import { IncidentLifecycle } from '../../../agent/incidents/lifecycle.js';
import {
  DEFAULT_RESUME_GRACE_MS,
  bboxIou,
  decideRestore,
  findResumable,
  restoredEnd,
  resumeGraceMs,
  resumeMatch,
  ruleFingerprint,
} from '../../../agent/incidents/resume.js';
import type { IncidentRecord, SuspendedIncident } from '../../../agent/incidents/types.js';
import type { RuleHit } from '../../../agent/rules/types.js';

const W = 640;
const H = 360;
const frame: RgbImage = { width: W, height: H, data: Buffer.alloc(W * H * 3, 100) };

const cameraInput = {
  id: 'cam-1',
  source: { file: 'clip.mp4' },
  zones: [
    { id: 'yard', points: [[0, 0], [1, 0], [1, 1], [0, 1]] },
    { id: 'stop', points: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] },
  ],
  rules: [
    { id: 'no-entry', type: 'zone_intrusion', zone: 'yard', minSeconds: 2 },
    { id: 'no-stop', type: 'illegal_stop', zone: 'stop', minSeconds: 60 },
    { id: 'jam', type: 'congestion', zone: 'yard', minCount: 3 },
    { id: 'dark', type: 'camera_blackout' },
  ],
};
const camera = cameraSchema.parse(cameraInput);

function hit(o: Partial<RuleHit> = {}): RuleHit {
  return {
    ruleId: 'no-entry',
    ruleType: 'zone_intrusion',
    category: 'security',
    severity: 'medium',
    trackId: 4,
    className: 'person',
    score: 0.7,
    box: { x1: 100, y1: 100, x2: 160, y2: 220 },
    tMs: 1_000_000,
    zoneId: 'yard',
    key: 'no-entry:4:990000',
    phase: 'start',
    durationSeconds: 10,
    cooldownMs: 30_000,
    ...o,
  };
}

const render = async (img: RgbImage) => ({ jpeg: Buffer.from('jpeg'), width: img.width, height: img.height });

function lifecycle(cam = camera) {
  return new IncidentLifecycle({ agentId: 'edge', camera: cam, render });
}

/** Opens an incident in one lifecycle and sends one update, returning what the store would hold. */
async function openOne(h: RuleHit): Promise<{ records: IncidentRecord[]; suspended: SuspendedIncident }> {
  const lc = lifecycle();
  const records = [...(await lc.handle([h], frame)), ...(await lc.handle([{ ...h, phase: 'update', tMs: h.tMs + 20_000, durationSeconds: 30 }], frame))];
  const last = records.at(-1)!;
  return { records, suspended: { state: last.open!, incident: last.incident } };
}

describe('resume decisions (pure)', () => {
  it('matches camera health by rule, crowd/congestion by rule and zone, objects by place', () => {
    expect(resumeMatch('camera_blackout')).toBe('rule');
    expect(resumeMatch('camera_down')).toBe('rule');
    expect(resumeMatch('congestion')).toBe('zone');
    expect(resumeMatch('illegal_stop')).toBe('place');
    expect(resumeMatch('zone_intrusion')).toBe('track');
  });

  it('finds the restored incident with the best overlap, never one of another rule or zone', async () => {
    const a = (await openOne(hit())).suspended;
    const b = (await openOne(hit({ box: { x1: 400, y1: 100, x2: 460, y2: 220 }, key: 'k2' }))).suspended;
    const near = [100 / W, 100 / H, 60 / W, 120 / H] as const;
    expect(findResumable(hit(), near, [b, a])).toBe(a);
    expect(findResumable(hit(), [0.9, 0.9, 0.05, 0.05], [a, b])).toBeUndefined();
    expect(findResumable(hit({ zoneId: 'stop' }), near, [a, b])).toBeUndefined();
    expect(findResumable(hit({ ruleId: 'other' }), near, [a, b])).toBeUndefined();
    expect(bboxIou([0, 0, 0.5, 0.5], [0.25, 0, 0.5, 0.5])).toBeCloseTo(1 / 3, 5);
  });

  it('ends at once an incident whose rule is gone or changed; otherwise waits the rule\'s own time plus slack', async () => {
    const { suspended } = await openOne(hit());
    expect(decideRestore(suspended, camera, 0)).toEqual({ action: 'await', deadlineMs: DEFAULT_RESUME_GRACE_MS });
    expect(resumeGraceMs(camera, 'no-stop')).toBe(75_000);
    const removed = cameraSchema.parse({ ...cameraInput, rules: cameraInput.rules.filter((r) => r.id !== 'no-entry') });
    expect(decideRestore(suspended, removed, 0)).toEqual({ action: 'end', reason: 'rule_removed' });
    expect(decideRestore(suspended, undefined, 0)).toEqual({ action: 'end', reason: 'rule_removed' });
    const moved = cameraSchema.parse({ ...cameraInput, zones: [{ id: 'yard', points: [[0, 0], [0.5, 0], [0.5, 1]] }, cameraInput.zones[1]] });
    expect(decideRestore(suspended, moved, 0)).toEqual({ action: 'end', reason: 'camera_reload' });
    const stricter = cameraSchema.parse({ ...cameraInput, rules: [{ ...cameraInput.rules[0], minSeconds: 5 }, ...cameraInput.rules.slice(1)] });
    expect(decideRestore(suspended, stricter, 0)).toEqual({ action: 'end', reason: 'camera_reload' });
    // A name or a severity is a label: the same rule still watches the same thing.
    const renamed = cameraSchema.parse({ ...cameraInput, rules: [{ ...cameraInput.rules[0], name: 'Cổng sau', severity: 'high' }, ...cameraInput.rules.slice(1)] });
    expect(ruleFingerprint(renamed, 'no-entry')).toBe(ruleFingerprint(camera, 'no-entry'));
    const disabled = cameraSchema.parse({ ...cameraInput, enabled: false });
    expect(decideRestore(suspended, disabled, 0)).toEqual({ action: 'end', reason: 'camera_reload' });
  });

  it('a restored end is the next event of the incident, ended when it was last seen', async () => {
    const { suspended } = await openOne(hit());
    const end = restoredEnd(suspended, 'agent_restart', 1_100_000).incident;
    expect(end).toMatchObject({ id: suspended.incident.id, status: 'end', sequence: 3, endReason: 'agent_restart' });
    expect(end.endedAt).toBe(new Date(1_020_000).toISOString());
    expect(end.updatedAt).toBe(new Date(1_100_000).toISOString());
  });
});

describe('IncidentLifecycle across a restart', () => {
  it('saves its state with every new and update, and none with the end', async () => {
    const { records } = await openOne(hit());
    expect(records.map((r) => [r.incident.status, r.open?.sequence])).toEqual([['new', 1], ['update', 2]]);
    expect(records[1]!.open).toMatchObject({ ruleId: 'no-entry', zoneId: 'yard', startMs: 1_000_000, lastHitMs: 1_020_000 });
  });

  it('continues a condition seen again under the same id and sequence, with its whole duration', async () => {
    const { suspended } = await openOne(hit());
    const lc = lifecycle();
    expect(lc.restore([suspended], 1_060_000, 'restart')).toEqual([]);
    // The new process: another track id, another key, nearly the same place, a 2 s old episode.
    const again = hit({ trackId: 1, key: 'no-entry:1:1062000', tMs: 1_064_000, durationSeconds: 2, box: { x1: 104, y1: 102, x2: 166, y2: 224 } });
    const [resumed] = await lc.handle([again], frame);
    expect(resumed!.incident).toMatchObject({ id: suspended.incident.id, status: 'update', sequence: 3 });
    expect(resumed!.incident.durationSeconds).toBe(64);
    expect(resumed!.snapshotJpeg).toBeDefined();
    const [end] = await lc.handle([{ ...again, phase: 'end', tMs: 1_070_000, durationSeconds: 6 }], frame);
    expect(end!.incident).toMatchObject({ id: suspended.incident.id, status: 'end', sequence: 4, endReason: 'cleared', durationSeconds: 68 });
    expect(lc.tick(1_200_000)).toEqual([]);
  });

  it('ends a condition not seen again by the deadline as agent_restart (camera_reload after a reload)', async () => {
    const { suspended } = await openOne(hit());
    for (const [after, reason] of [['restart', 'agent_restart'], ['reload', 'camera_reload']] as const) {
      const lc = lifecycle();
      lc.restore([suspended], 1_060_000, after);
      // Somebody else elsewhere in the zone: not this incident.
      const other = await lc.handle([hit({ trackId: 9, key: 'no-entry:9:1', tMs: 1_065_000, box: { x1: 500, y1: 200, x2: 560, y2: 330 } })], frame);
      expect(other[0]!.incident.id).not.toBe(suspended.incident.id);
      expect(lc.tick(1_060_000 + DEFAULT_RESUME_GRACE_MS - 1).filter((r) => r.incident.id === suspended.incident.id)).toEqual([]);
      const ended = lc.tick(1_060_000 + DEFAULT_RESUME_GRACE_MS);
      expect(ended.map((r) => [r.incident.id, r.incident.status, r.incident.sequence, r.incident.endReason])).toEqual([[suspended.incident.id, 'end', 3, reason]]);
    }
  });

  it('camera health continues by rule; suspend hands every open incident over without ending it', async () => {
    const dark = hit({ ruleId: 'dark', ruleType: 'camera_blackout', category: 'health', trackId: 0, zoneId: undefined, key: 'dark:1' });
    const lc = lifecycle();
    await lc.handle([dark], frame);
    const handed = lc.suspend();
    expect(handed).toHaveLength(1);
    expect(lc.closeAll(1_010_000)).toEqual([]);
    const next = lifecycle();
    next.restore(handed, 1_010_000, 'reload');
    const [rec] = await next.handle([{ ...dark, key: 'dark:2', tMs: 1_020_000 }], frame);
    expect(rec!.incident).toMatchObject({ id: handed[0]!.incident.id, status: 'update', sequence: 2 });
  });

  it('closeAll ends restored incidents too: none stays open without an end', async () => {
    const { suspended } = await openOne(hit());
    const lc = lifecycle();
    lc.restore([suspended], 1_060_000, 'restart');
    const out = lc.closeAll(1_061_000, 'agent_stop');
    expect(out.map((r) => [r.incident.status, r.incident.endReason])).toEqual([['end', 'agent_stop']]);
  });
});
