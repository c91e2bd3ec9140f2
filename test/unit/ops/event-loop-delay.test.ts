import { describe, expect, it } from 'vitest';
import { EventLoopDelayMonitor } from '../../../agent/ops/event-loop-delay.js';

/** Lets the event loop turn for `ms`, so the histogram samples. */
const turns = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EventLoopDelayMonitor', () => {
  it('reports nothing before it has sampled, then the lateness of a thread blocked by synchronous work', async () => {
    const m = new EventLoopDelayMonitor();
    expect(m.read()).toBeUndefined();
    m.start();
    try {
      await turns(50);
      const quiet = m.read()!;
      // Blocked for 150 ms by synchronous work (what a slow synchronous commit does to every camera).
      const until = performance.now() + 150;
      while (performance.now() < until);
      await turns(50);
      const blocked = m.read()!;
      expect(blocked.maxMs).toBeGreaterThanOrEqual(100);
      expect(blocked.maxMs).toBeGreaterThan(quiet.maxMs);
    } finally {
      m.stop();
    }
  });
});
