import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/core/logger.js';
import type { IncidentRecord } from '../../../agent/incidents/types.js';
import { attachFullStills, type FullStillSource } from '../../../agent/ops/full-still.js';
import { createStillPrivacy } from '../../../agent/privacy/index.js';

const log = createLogger({ level: 'silent' });
const record = (status: 'new' | 'update', withPicture = true): IncidentRecord =>
  ({ incident: { id: `i-${status}`, status, bbox: [0.5, 0.5, 0.25, 0.25] }, ...(withPicture && { snapshotJpeg: Buffer.from([0xff, 0xd8]) }) }) as unknown as IncidentRecord;
const grey = { width: 400, height: 200, data: Buffer.alloc(400 * 200 * 3, 128) };
const privacy = createStillPrivacy({ masks: [{ points: [[0, 0], [0.25, 0], [0.25, 0.5], [0, 0.5]] }], blurFaces: false, blurPlates: false });

describe('attachFullStills', () => {
  it('grabs one frame for the batch and gives each new event with evidence its still: mask black, box drawn', async () => {
    let grabs = 0;
    const source: FullStillSource = { grab: async () => (grabs++, grey) };
    const records = [record('new'), record('new'), record('update'), record('new', false)];
    await attachFullStills(records, source, privacy, 1000, log);
    expect(grabs).toBe(1);
    expect(records.map((r) => r.fullJpeg !== undefined)).toEqual([true, true, false, false]);
    const { data, info } = await sharp(records[0]!.fullJpeg!).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([400, 200]);
    const at = (x: number, y: number) => data.subarray((y * 400 + x) * 3, (y * 400 + x) * 3 + 3);
    expect(Math.max(...at(40, 40))).toBeLessThan(30); // masked
    expect(at(300, 150)[0]).toBeGreaterThan(180); // the box's left edge at x=200..203 is red; inside stays grey
    expect(at(201, 150)[0]! - at(201, 150)[1]!).toBeGreaterThan(80);
  });

  it('leaves the events as they were when the main stream does not answer in time or fails', async () => {
    for (const source of [{ grab: async () => undefined }, { grab: async () => { throw new Error('401 Unauthorized'); } }] as FullStillSource[]) {
      const records = [record('new')];
      expect(await attachFullStills(records, source, privacy, 10, log)).toBe(records);
      expect(records[0]!.fullJpeg).toBeUndefined();
      expect(records[0]!.snapshotJpeg).toBeDefined();
    }
  });

  it('does not grab when no event wants a still', async () => {
    let grabs = 0;
    await attachFullStills([record('update')], { grab: async () => (grabs++, grey) }, privacy, 10, log);
    expect(grabs).toBe(0);
  });

  it('a stopping camera takes no still: none started once aborted, and one in flight ends with the abort', async () => {
    let grabs = 0;
    const stopped = AbortSignal.abort();
    const records = [record('new')];
    await attachFullStills(records, { grab: async () => (grabs++, grey) }, privacy, 5000, log, stopped);
    expect(grabs).toBe(0);
    expect(records[0]!.fullJpeg).toBeUndefined();
    // A grab that would wait its whole timeout (as a main stream that has not sent a keyframe yet) gives up on abort.
    const stop = new AbortController();
    const waiting: FullStillSource = {
      grab: (_timeoutMs, signal) => new Promise((resolve) => signal?.addEventListener('abort', () => resolve(undefined), { once: true })),
    };
    const pending = attachFullStills([record('new')], waiting, privacy, 60_000, log, stop.signal);
    stop.abort();
    const [out] = await pending;
    expect(out!.fullJpeg).toBeUndefined();
    expect(out!.snapshotJpeg).toBeDefined();
  });
});
