import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../agent/cli/registry.js';

const require = createRequire(import.meta.url);
/** npm packages loaded through require (CommonJS) so far in this test file's process. */
const loadedPackages = () => new Set(Object.keys(require.cache).map((k) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(k)?.[1]).filter(Boolean));

describe('command registry', () => {
  // First: later tests load every command, and what is loaded stays loaded.
  it('`camwatch run` loads neither ONVIF nor the embedded broker: the agent on the box does not carry them', async () => {
    const run = await commands.find((c) => c.name === 'run')!.load();
    expect(run.name).toBe('run');
    const loaded = loadedPackages();
    expect(loaded.has('onnxruntime-node') || loaded.has('better-sqlite3')).toBe(true);
    for (const pkg of ['onvif', 'xml2js', 'aedes']) expect(loaded.has(pkg), pkg).toBe(false);
  });

  it('each entry loads the command it names, with its usage', async () => {
    for (const entry of commands) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.usage).toMatch(new RegExp(`camwatch ${entry.name}\\b`));
    }
  });
});
