/** `npm run bench -- --only a,b` (scripts/bench/scenarios.ts): which scenarios run. */
import { describe, expect, it } from 'vitest';
import { SCENARIOS, parseOnly } from '../../../scripts/bench/scenarios.js';

describe('bench --only', () => {
  it('runs every scenario without --only', () => {
    expect([...parseOnly(undefined)]).toEqual([...SCENARIOS]);
  });

  it('keeps the bench\'s order whatever the order given, and takes the scenario files\' names too', () => {
    expect([...parseOnly('quality,workloads')]).toEqual(['workloads', 'quality']);
    expect([...parseOnly(' motion , static-objects,store-bench,motionGating')]).toEqual(['motionGating', 'store', 'staticObjects']);
  });

  it('names the unknown scenario and the valid ones, and refuses an empty list', () => {
    expect(() => parseOnly('workloads,qualty')).toThrow(/unknown scenario "qualty"; choose among workloads, memory, .*quality/);
    expect(() => parseOnly(' , ')).toThrow(/name at least one scenario/);
  });
});
