import { chmodSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateConsoleToken, readConsoleToken } from '../../../agent/console/token.js';
import { unifiedDiff } from '../../../agent/console/unified-diff.js';
import { redactYamlText } from '../../../agent/console/redact.js';
import { issueLines, yaml } from '../config/helpers.js';
import { parseConfigText } from '../../../agent/config/load.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

describe('console: config block', () => {
  it('defaults: on, loopback 127.0.0.1:8089, 256 KiB bodies, 4 fps', () => {
    const { config } = parseConfigText(yaml('version: 1'), 'camwatch.yaml', { baseDir: PROJECT_ROOT, env: {} });
    expect(config.console).toEqual({ enabled: true, host: '127.0.0.1', port: 8089, maxBodyBytes: 256 * 1024, liveFps: 4 });
  });

  it('a host beyond loopback without a token file is refused, naming console.host and console.tokenFile', () => {
    const { code, lines } = issueLines(yaml('console:', '  host: 0.0.0.0'));
    expect(code).toBe('CONFIG_INVALID');
    expect(lines).toEqual([expect.stringMatching(/console\.tokenFile: console\.host "0\.0\.0\.0" is reachable from the network: set console\.tokenFile/)]);
    expect(() => parseConfigText(yaml('console:', '  host: 0.0.0.0', '  tokenFile: token'), 'camwatch.yaml', { baseDir: PROJECT_ROOT, env: {} })).not.toThrow();
    expect(() => parseConfigText(yaml('console:', '  host: 127.0.0.2'), 'camwatch.yaml', { baseDir: PROJECT_ROOT, env: {} })).not.toThrow();
  });
});

describe('console token file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-token-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once, mode 0600, and read back the same', () => {
    const path = join(dir, 'var', 'console-token');
    const first = loadOrCreateConsoleToken(path, { create: true });
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateConsoleToken(path, { create: true })).toEqual({ token: first.token, created: false });
  });

  it('refuses a file others can read, a link, a short token; a named file that is missing is not created', () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'a-long-enough-token-1234\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(() => readConsoleToken(path)).toThrow(/other users can read/);
    chmodSync(path, 0o600);
    expect(readConsoleToken(path)).toBe('a-long-enough-token-1234');
    symlinkSync(path, join(dir, 'link'));
    expect(() => readConsoleToken(join(dir, 'link'))).toThrow(/symbolic link/);
    writeFileSync(join(dir, 'short'), 'abc', { mode: 0o600 });
    expect(() => readConsoleToken(join(dir, 'short'))).toThrow(/at least 16 characters/);
    expect(() => loadOrCreateConsoleToken(join(dir, 'missing'), { create: false })).toThrow(/does not exist/);
  });
});

describe('unified diff and YAML redaction', () => {
  it('diff -u hunks with context; equal texts give nothing', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n') + '\n';
    const b = a.replace('e\n', 'E\n').replace('j\n', 'j\nk\n');
    expect(unifiedDiff(a, a, 'x')).toBe('');
    expect(unifiedDiff(a, b, 'f.yaml')).toBe(['--- f.yaml', '+++ f.yaml', '@@ -2,9 +2,10 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h', ' i', ' j', '+k', ''].join('\n'));
  });

  it('passwords in URLs, password keys and known secrets are hidden', () => {
    const text = 'url: rtsp://admin:pw12345@cam/live\n  password: hunter2\n- password: x\ncommand: s3cr3tvalue\n';
    expect(redactYamlText(text, ['s3cr3tvalue'])).toBe('url: rtsp://admin:***@cam/live\n  password: ***\n- password: ***\ncommand: ***\n');
  });
});
