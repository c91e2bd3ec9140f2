import { describe, expect, it } from 'vitest';
import { CameraDownRule } from '../../../agent/rules/camera-down.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';

const rule = (createdAt?: number) => new CameraDownRule({ id: 'down', minMs: 30_000, severity: 'high' }, createdAt);

/** Timer ticks once a second over [from, to). */
function ticks(r: CameraDownRule, from: number, to: number): RuleHit[] {
  const out: RuleHit[] = [];
  for (let t = from; t < to; t += 1000) out.push(...r.check(t));
  return out;
}

describe('camera_down', () => {
  it('opens after minSeconds without frames, updates while down, ends at the next frame', () => {
    const r = rule(0);
    expect(r.onFrame(1000, { width: 640, height: 360 })).toEqual([]);
    const down = ticks(r, 2000, 40_000);
    const start = down.find((h) => h.phase === 'start')!;
    expect(start).toMatchObject({ ruleType: 'camera_down', category: 'health', trackId: 0, className: 'camera', tMs: 31_000, durationSeconds: 30 });
    expect(start.box).toEqual({ x1: 0, y1: 0, x2: 640, y2: 360 });
    expect(start.metrics).toEqual({ silentSeconds: 30 });
    expect(down.filter((h) => h.phase === 'update')).toHaveLength(8);
    const end = r.onFrame(45_000);
    expect(end).toHaveLength(1);
    expect(end[0]).toMatchObject({ phase: 'end', tMs: 45_000, key: start.key });
    expect(ticks(r, 46_000, 60_000)).toEqual([]);
  });

  it('counts from creation when no frame ever came, and from a restart of connecting', () => {
    const r = rule(0);
    expect(r.onState('connecting', 0)).toEqual([]);
    expect(r.onState('down', 5000, { code: 'CAMERA_UNREACHABLE', message: 'connection refused' })).toEqual([]);
    const hits = ticks(r, 1000, 31_000);
    expect(hits.map((h) => [h.phase, h.tMs, h.reason])).toEqual([['start', 30_000, 'no_frames_down']]);
    expect(r.sourceError).toEqual({ code: 'CAMERA_UNREACHABLE', message: 'connection refused' });
  });

  it('raises nothing for a source stopped on purpose, and ends an open incident then', () => {
    const r = rule(0);
    const open = ticks(r, 1000, 31_000);
    expect(open.map((h) => h.phase)).toEqual(['start']);
    expect(r.onState('stopped', 32_000).map((h) => h.phase)).toEqual(['end']);
    expect(ticks(r, 33_000, 90_000)).toEqual([]);
  });

  it('the pipeline can feed it through evaluate like any rule (a frame arrived)', () => {
    const r = rule(0);
    ticks(r, 1000, 31_000);
    expect(r.evaluate([], 40_000).map((h) => h.phase)).toEqual(['end']);
  });

  it('outside its schedule it does not open', () => {
    const t0 = Date.UTC(2026, 0, 5, 0, 0); // Mon 07:00 local
    const r = new CameraDownRule(
      { id: 'down', minMs: 10_000, severity: 'high', schedule: new Schedule([{ days: ['tue'], from: '00:00', to: '00:00' }], 'Asia/Ho_Chi_Minh') },
      t0,
    );
    expect(ticks(r, t0, t0 + 60_000)).toEqual([]);
  });
});
