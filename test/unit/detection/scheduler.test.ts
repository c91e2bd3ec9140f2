import { describe, expect, it } from 'vitest';
import { DetectorScheduler } from '../../../agent/detection/scheduler.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DetectorScheduler', () => {
  it('runs one turn at a time, in arrival order', async () => {
    const s = new DetectorScheduler();
    const log: string[] = [];
    let running = 0;
    const job = (name: string) =>
      s.turn(async () => {
        running++;
        expect(running).toBe(1);
        log.push(`start ${name}`);
        await tick(5);
        log.push(`end ${name}`);
        running--;
        return name;
      });
    const results = await Promise.all([job('a'), job('b'), job('c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('never starves a slow camera: a busy one re-queues behind it', async () => {
    const s = new DetectorScheduler();
    const order: string[] = [];
    const busy = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await s.turn(async () => {
          order.push('busy');
          await tick(2);
        });
      }
    };
    const slowArrival = (async () => {
      await tick(10);
      expect(order.length).toBeGreaterThan(0); // arrives while the busy camera is mid-stream
      await s.turn(async () => void order.push('slow'));
    })();
    await Promise.all([busy(50), slowArrival]);
    // The slow camera's single request is served within one turn of arriving, not after all 50.
    const arrivedAfter = order.indexOf('slow');
    expect(arrivedAfter).toBeGreaterThan(0);
    expect(arrivedAfter).toBeLessThan(order.length - 40);
  });

  it('lets the caller pick its input when its turn starts (the newest frame, not the queued one)', async () => {
    const s = new DetectorScheduler();
    let newest = 1;
    const first = s.turn(async () => {
      await tick(10);
      newest = 2; // a fresher frame arrived while camera B waited
    });
    const second = s.turn(async () => newest);
    await first;
    expect(await second).toBe(2);
  });

  it('keeps serving after a failed turn', async () => {
    const s = new DetectorScheduler();
    await expect(s.turn(async () => Promise.reject(new Error('model failed')))).rejects.toThrow('model failed');
    expect(await s.turn(async () => 'ok')).toBe('ok');
  });
});
