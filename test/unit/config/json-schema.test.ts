import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../../../agent/config/json-schema.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

type Node = { [key: string]: unknown; properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; oneOf?: Node[] };

describe('JSON Schema for editors', () => {
  it('docs/camwatch.schema.json is the generated schema (regenerate: npx vitest run -u test/unit/config/json-schema.test.ts)', async () => {
    await expect(configJsonSchemaText()).toMatchFileSnapshot(join(PROJECT_ROOT, 'docs', 'camwatch.schema.json'));
  });

  it('the example config points editors at that file', () => {
    const firstLine = readFileSync(join(PROJECT_ROOT, 'config', 'camwatch.example.yaml'), 'utf8').split('\n')[0];
    expect(firstLine).toBe('# yaml-language-server: $schema=../docs/camwatch.schema.json');
  });

  it('is draft-07, rejects unknown keys, and carries descriptions and defaults', () => {
    const schema = configJsonSchema() as Node;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    const camera = (schema.properties!.cameras!.items as Node);
    expect(camera.additionalProperties).toBe(false);
    expect(camera.properties!.analysis!.properties!.fps).toMatchObject({ type: 'number', default: 5, maximum: 30, description: 'Frames analysed per second' });
    // A rule type with aliases is an `enum` rather than a `const`.
    const ruleTypes = (camera.properties!.rules!.items!.oneOf ?? []).flatMap((r) => {
      const type = r.properties!.type!;
      return Array.isArray(type.enum) ? (type.enum as unknown[]) : [type.const];
    });
    expect(ruleTypes).toEqual(expect.arrayContaining(['zone_intrusion', 'line_crossing']));
    // Defaults make fields optional for the writer: only zone id and points are required in a zone.
    expect(camera.properties!.zones!.items!.required).toEqual(['id', 'points']);
  });

  it('every leaf field has a description (the editor tooltip)', () => {
    const missing: string[] = [];
    const composite = (node: Node) => node.properties ?? node.anyOf ?? node.oneOf;
    const walk = (node: Node, path: string) => {
      if (node.properties) for (const [k, v] of Object.entries(node.properties)) walk(v, `${path}.${k}`);
      else if (node.anyOf ?? node.oneOf) (node.anyOf ?? node.oneOf)!.forEach((n, i) => walk(n, `${path}|${i}`));
      else if (node.items && composite(node.items)) walk(node.items, `${path}[]`);
      // A leaf: a scalar, or a list of scalars (described once, on the list).
      else if (typeof node.description !== 'string') missing.push(path);
    };
    walk(configJsonSchema() as Node, '');
    expect(missing).toEqual([]);
  });
});
