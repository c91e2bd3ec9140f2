import { describe, expect, it } from 'vitest';
import { jsonNestingDepth } from '../../../agent/core/json-depth.js';

const depth = (text: string, stopAbove?: number) => jsonNestingDepth(Buffer.from(text), stopAbove);

describe('jsonNestingDepth: a linear scan, no parse', () => {
  it('counts objects and arrays, not brackets inside strings or escaped quotes', () => {
    expect(depth('42')).toBe(0);
    expect(depth('"[[{{"')).toBe(0);
    expect(depth('{}')).toBe(1);
    expect(depth('{"a":[1,{"b":[]}],"c":{}}')).toBe(4);
    expect(depth('{"a":"x\\"[[[[","b":"\\\\"}')).toBe(1);
    expect(depth('{"k":"é[中]🙂"}')).toBe(1);
  });

  it('stops as soon as the limit is passed, and agrees with JSON.parse on well-formed input', () => {
    expect(depth(`${'['.repeat(1_000_000)}`, 32)).toBe(33);
    for (let n = 0; n < 40; n += 7) {
      const text = `${'{"a":['.repeat(n)}1${']}'.repeat(n)}`;
      expect(() => JSON.parse(text)).not.toThrow();
      expect(depth(text)).toBe(2 * n);
    }
  });
});
