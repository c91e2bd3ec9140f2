import { describe, expect, it } from 'vitest';
import { clipReady, clipWindow, parseSegmentListLine, ringBudgetBytes, ringKeepFromMs, ringPrunePlan, segmentsCovering, type RingSegment } from '../../../agent/clips/index.js';

const opts = { preSeconds: 10, postSeconds: 10, maxSeconds: 120 };
const seg = (startS: number, endS: number, bytes = 100): RingSegment => ({ file: `s${startS}.ts`, startMs: startS * 1000, endMs: endS * 1000, bytes });

describe('clipWindow', () => {
  it('covers preSeconds before the start to postSeconds after the end', () => {
    expect(clipWindow(100_000, 130_000, opts)).toEqual({ fromMs: 90_000, toMs: 140_000, capped: false });
  });
  it('caps a long incident at maxSeconds from the window start', () => {
    expect(clipWindow(100_000, 300_000, opts)).toEqual({ fromMs: 90_000, toMs: 210_000, capped: true });
  });
  it('cuts an incident still open at the cap', () => {
    expect(clipWindow(100_000, undefined, opts)).toEqual({ fromMs: 90_000, toMs: 210_000, capped: true });
  });
  it('treats an end before the start (one-shot incident, clock step) as the start', () => {
    expect(clipWindow(100_000, 99_000, opts).toMs).toBe(110_000);
  });
});

describe('segmentsCovering', () => {
  const ring = [seg(80, 84), seg(84, 88), seg(88, 92), seg(92, 96), seg(96, 100), seg(100, 104)];
  it('takes every segment overlapping the window, the first starting at or before its start', () => {
    const covering = segmentsCovering(ring, 90_000, 97_000);
    expect(covering.map((s) => s.file)).toEqual(['s88.ts', 's92.ts', 's96.ts']);
    expect(covering[0]!.startMs).toBeLessThanOrEqual(90_000);
  });
  it('returns segments in time order whatever the input order', () => {
    expect(segmentsCovering([...ring].reverse(), 84_000, 92_000).map((s) => s.startMs)).toEqual([84_000, 88_000]);
  });
  it('is empty when the ring holds nothing of the window', () => {
    expect(segmentsCovering(ring, 200_000, 210_000)).toEqual([]);
  });
});

describe('clipReady', () => {
  it('waits for a closed segment that reaches past the window end', () => {
    expect(clipReady([seg(80, 84), seg(84, 88)], 88_500)).toBe(false);
    expect(clipReady([seg(80, 84), seg(84, 88), seg(88, 90)], 88_500)).toBe(true);
  });
});

describe('ring pruning', () => {
  const ring = [seg(0, 2), seg(2, 4), seg(4, 6), seg(6, 8), seg(8, 10)];
  it('keeps preSeconds + margin before now', () => {
    const keepFrom = ringKeepFromMs(10_000, 5, []);
    expect(keepFrom).toBe(5_000);
    expect(ringPrunePlan(ring, keepFrom, Infinity).map((s) => s.file)).toEqual(['s0.ts', 's2.ts']);
  });
  it('keeps what a waiting clip needs, further back than the pre-roll', () => {
    const keepFrom = ringKeepFromMs(10_000, 5, [1_000, 3_000]);
    expect(keepFrom).toBe(1_000);
    expect(ringPrunePlan(ring, keepFrom, Infinity)).toEqual([]);
  });
  it('deletes the oldest segments beyond the byte budget even if a clip waits for them', () => {
    expect(ringPrunePlan(ring, 0, 250).map((s) => s.file)).toEqual(['s0.ts', 's2.ts', 's4.ts']);
  });
  it('sizes the budget from pre-roll, cap, margin and bitrate', () => {
    expect(ringBudgetBytes({ preSeconds: 10, maxSeconds: 120, marginSeconds: 6, maxBitrateKbps: 8_000 })).toBe(136_000_000);
  });
});

describe('parseSegmentListLine', () => {
  it('reads ffmpeg segment muxer CSV lines', () => {
    expect(parseSegmentListLine('r1-000001.ts,3.993000,5.990000')).toEqual({ file: 'r1-000001.ts', durationMs: 1997 });
    expect(parseSegmentListLine('"/a b/r1-000002.ts",5.99,6.822')).toEqual({ file: '/a b/r1-000002.ts', durationMs: 832 });
  });
  it('ignores anything else', () => {
    expect(parseSegmentListLine('garbage')).toBeUndefined();
    expect(parseSegmentListLine('x.ts,5,4')).toBeUndefined();
  });
});

describe('upload URLs', async () => {
  const { clipUploadUrl, shownUrl } = await import('../../../agent/clips/index.js');
  it('fills the template, URL-encoded', () => {
    expect(clipUploadUrl('https://s3.local/b/{agentId}/{cameraId}/{incidentId}.mp4?X-Amz-Signature=abc', { agentId: 'box 1', cameraId: 'cam/1', incidentId: '01J' }))
      .toBe('https://s3.local/b/box%201/cam%2F1/01J.mp4?X-Amz-Signature=abc');
  });
  it('never shows the query string or a login', () => {
    expect(shownUrl('https://u:p@s3.local/b/x.mp4?X-Amz-Signature=secret#f')).toBe('https://s3.local/b/x.mp4');
  });
});
