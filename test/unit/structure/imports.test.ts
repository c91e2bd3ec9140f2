/**
 * The architecture, held by the imports: a folder of agent/ imports only folders before it in the flow
 * (scripts/structure/import-graph.ts LAYERS), only through their index.ts, and no file imports itself
 * round a circle. `npm run structure` prints the same figures with every offending import.
 */
import { describe, expect, it } from 'vitest';
import { cyclesOf, structureOf, violationsOf, type ImportEdge } from '../../../scripts/structure/import-graph.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

const edge = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false });

describe('the import checker', () => {
  it('finds an import up the flow, one into a private file, and a circle', () => {
    const edges = [
      edge('agent/frames/a.ts', 'agent/rules/index.ts'),
      edge('agent/rules/b.ts', 'agent/frames/private.ts'),
      edge('agent/rules/c.ts', 'agent/frames/index.ts'),
      edge('agent/store/x.ts', 'agent/store/y.ts'),
      edge('agent/store/y.ts', 'agent/store/x.ts'),
    ];
    expect(violationsOf(edges).map((v) => `${v.kind} ${v.from}`)).toEqual(['up-the-flow agent/frames/a.ts', 'private agent/rules/b.ts']);
    expect(cyclesOf(edges)).toEqual([['agent/store/x.ts', 'agent/store/y.ts']]);
  });
});

describe('agent/ imports', () => {
  const report = structureOf(PROJECT_ROOT);

  it('reads the whole tree', () => {
    expect(report.folders.map((f) => f.folder)).toContain('core');
    expect(report.edges.length).toBeGreaterThan(500);
  });

  it('no folder outside the declared flow, and no import into another folder\'s private file', () => {
    expect(report.violations.filter((v) => v.kind !== 'up-the-flow').map((v) => `${v.kind}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('no import runs up the flow', () => {
    expect(report.violations.filter((v) => v.kind === 'up-the-flow').map((v) => `${v.from} → ${v.to}`)).toEqual([]);
  });

  it('no circles of imports', () => {
    expect(report.cycles.map((c) => c.join(' ↔ '))).toEqual([]);
  });
});
