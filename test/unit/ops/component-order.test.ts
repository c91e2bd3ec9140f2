import { describe, expect, it } from 'vitest';
import { restartOrder, startOrder, stopOrder } from '../../../agent/ops/component-order.js';

const agentParts = [
  { name: 'lock' },
  { name: 'health', dependsOn: ['lock'] },
  { name: 'store', dependsOn: ['lock'] },
  { name: 'broker', dependsOn: ['lock'] },
  { name: 'uplink', dependsOn: ['store', 'broker'] },
  { name: 'writer', dependsOn: ['store', 'uplink'] },
  { name: 'detector', dependsOn: ['lock'] },
  { name: 'cameras', dependsOn: ['detector', 'writer', 'uplink'] },
];

describe('component order (pure)', () => {
  it('keeps the declared order when it already respects the dependencies; stop is its reverse', () => {
    const names = agentParts.map((p) => p.name);
    expect(startOrder(agentParts)).toEqual(names);
    expect(stopOrder(agentParts)).toEqual([...names].reverse());
  });

  it('moves a component after what it depends on, whatever the declaration order', () => {
    const order = startOrder([...agentParts].reverse());
    for (const part of agentParts) {
      for (const dep of part.dependsOn ?? []) expect(order.indexOf(dep), `${dep} before ${part.name}`).toBeLessThan(order.indexOf(part.name));
    }
  });

  it('refuses a circle, an unknown dependency and a duplicate name, naming them', () => {
    expect(() => startOrder([{ name: 'a', dependsOn: ['b'] }, { name: 'b', dependsOn: ['a'] }])).toThrow('a → b → a');
    expect(() => startOrder([{ name: 'a', dependsOn: ['ghost'] }])).toThrow('"a" depends on "ghost"');
    expect(() => startOrder([{ name: 'a' }, { name: 'a' }])).toThrow('"a" is declared twice');
  });

  it('restarts only the named components, in start order', () => {
    expect(restartOrder(agentParts, ['detector', 'uplink'])).toEqual(['uplink', 'detector']);
    expect(() => restartOrder(agentParts, ['ghost'])).toThrow('cannot restart "ghost"');
  });
});
