import { describe, expect, it } from 'vitest';
import { defaultIntraOpThreads } from '../../../agent/detection/session.js';

describe('defaultIntraOpThreads', () => {
  it('leaves the cores of a small box to the decoders: one thread up to 7 cores, one per four above', () => {
    expect([1, 2, 4, 7, 8, 16, 32].map(defaultIntraOpThreads)).toEqual([1, 1, 1, 1, 2, 4, 8]);
  });
});
