import { describe, expect, it } from 'vitest';
import { LatestFrameSlot } from '../../../agent/frames/latest-frame-slot.js';
import type { Frame } from '../../../agent/frames/types.js';

function frame(seq: number): Frame {
  return { cameraId: 'c', seq, capturedAtMs: seq, width: 2, height: 1, data: Buffer.alloc(6, seq) };
}

describe('LatestFrameSlot', () => {
  it('hands out the newest frame and counts the overwritten ones as dropped', async () => {
    const slot = new LatestFrameSlot();
    for (let seq = 1; seq <= 5; seq++) slot.put(frame(seq));
    expect((await slot.take())?.seq).toBe(5);
    expect(slot.framesDropped).toBe(4);
    expect(slot.framesDelivered).toBe(1);
  });

  it('passes each frame overwritten before anyone took it to its callback, and no other', async () => {
    const overwritten: number[] = [];
    const slot = new LatestFrameSlot((f) => overwritten.push(f.seq));
    slot.put(frame(1));
    slot.put(frame(2));
    expect((await slot.take())?.seq).toBe(2);
    const waiting = slot.take();
    slot.put(frame(3));
    expect((await waiting)?.seq).toBe(3);
    slot.put(frame(4));
    expect(slot.takeNewer()?.seq).toBe(4);
    expect(overwritten).toEqual([1]);
  });

  it('never hands out the same frame twice: take() waits for the next one', async () => {
    const slot = new LatestFrameSlot();
    slot.put(frame(1));
    expect((await slot.take())?.seq).toBe(1);
    const pending = slot.take();
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    slot.put(frame(2));
    expect((await pending)?.seq).toBe(2);
    expect(slot.framesDropped).toBe(0);
    expect(slot.framesDelivered).toBe(2);
  });

  it('gives a waiting taker the frame directly, without a drop', async () => {
    const slot = new LatestFrameSlot();
    const a = slot.take();
    const b = slot.take();
    slot.put(frame(1));
    slot.put(frame(2));
    expect([(await a)?.seq, (await b)?.seq]).toEqual([1, 2]);
    expect(slot.framesDropped).toBe(0);
  });

  it('resolves null when the signal aborts, and the aborted taker does not swallow a frame', async () => {
    const slot = new LatestFrameSlot();
    const controller = new AbortController();
    const aborted = slot.take(controller.signal);
    controller.abort();
    expect(await aborted).toBeNull();
    slot.put(frame(7));
    expect((await slot.take())?.seq).toBe(7);
    expect(await slot.take(AbortSignal.abort())).toBeNull();
  });

  it('resolves waiting and later takers with null once closed, and ignores later frames', async () => {
    const slot = new LatestFrameSlot();
    const waiting = slot.take();
    slot.close();
    expect(await waiting).toBeNull();
    slot.put(frame(1));
    expect(await slot.take()).toBeNull();
    expect(slot.framesDelivered).toBe(0);
  });
});

describe('LatestFrameSlot.takeNewer', () => {
  it('hands over a frame that arrived after the last take, counting the held one as dropped; never waits', async () => {
    const { LatestFrameSlot } = await import('../../../agent/frames/latest-frame-slot.js');
    const slot = new LatestFrameSlot();
    const f = (seq: number) => ({ cameraId: 'c', seq, capturedAtMs: seq, width: 1, height: 1, data: Buffer.alloc(3) });
    slot.put(f(1));
    expect((await slot.take())?.seq).toBe(1);
    expect(slot.takeNewer()).toBeUndefined();
    slot.put(f(2));
    expect(slot.takeNewer()?.seq).toBe(2);
    expect(slot.framesDropped).toBe(1);
    expect(slot.takeNewer()).toBeUndefined();
  });
});
