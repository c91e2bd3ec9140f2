import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../agent/config/load.js';
import { startConsoleServer } from '../../../agent/console/start.js';
import type { ConsolePort } from '../../../agent/console/port.js';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { createLogger } from '../../../agent/core/logger.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('starting the console', () => {
  let dir: string;
  let blocker: Server | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-console-start-'));
  });
  afterEach(async () => {
    await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
    blocker = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  const loaded = (consoleYaml: string) => parseConfigText(`agent: { dataDir: ${join(dir, 'var')} }\nconsole: ${consoleYaml}\n`, join(dir, 'camwatch.yaml'), { baseDir: PROJECT_ROOT, env: {} });
  const port = {} as ConsolePort;

  it('a port in use is CONSOLE_PORT_IN_USE naming console.port; the token is generated 0600 and never logged', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const { logger, lines } = capture();
    const err = await startConsoleServer(loaded(`{ port: ${taken} }`), port, logger).then(() => undefined, (e: unknown) => e);
    expect(isCamwatchError(err, 'CONSOLE_PORT_IN_USE')).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${taken}: the port is in use; set console.port`);
    const tokenFile = join(dir, 'var', 'console-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(lines.some((l) => l.msg === 'console token generated (mode 0600); `camwatch console url` prints the link with it')).toBe(true);
  });

  it('beyond loopback (with a token file) it warns that it is reachable from the network', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'a-token-of-enough-length\n', { mode: 0o600 });
    const { logger, lines } = capture();
    // Bound on every interface, but only spoken to here through loopback (none in this test).
    const running = await startConsoleServer(loaded(`{ host: 0.0.0.0, port: 0, tokenFile: ${tokenFile} }`), port, logger);
    try {
      expect(lines.find((l) => l.level === 'warn')?.msg).toMatch(/^console listening on 0\.0\.0\.0: reachable from the network; every request needs the token/);
    } finally {
      await running.close();
    }
  });
});
