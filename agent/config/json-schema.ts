import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * JSON Schema of the config file for editors: with `# yaml-language-server: $schema=…` at the top of the
 * YAML, VS Code / vim / Helix complete keys and underline mistakes before the agent ever reads the file.
 * docs/camwatch.schema.json is this output, checked by a test (regenerate: `camwatch config schema`).
 */

/** Draft-07, not zod's default 2020-12: yaml-language-server and most editor plugins handle it best. */
export const DEFAULT_JSON_SCHEMA_TARGET = 'draft-7';

/** The config's JSON Schema, describing what may be written (defaults make fields optional). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { target: DEFAULT_JSON_SCHEMA_TARGET, io: 'input', unrepresentable: 'any' });
  return { ...schema, title: 'camwatch configuration' };
}

/** The schema as the stable, 2-space-indented text written to docs/camwatch.schema.json. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
