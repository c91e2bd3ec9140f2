/**
 * The measurements behind the leak check (test/helpers/leak-check.ts): a child process and a listening server
 * are seen while open and gone once closed, so a test file that leaks one fails its teardown.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { excess, liveChildren, watchedCounts } from '../../helpers/open-resources.js';

describe('open resources', () => {
  it('a live child process is listed, with its name, until it has exited', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    expect(liveChildren()).toContain(`${child.pid} sleep`);
    child.kill('SIGKILL');
    await once(child, 'close');
    expect(liveChildren().filter((c) => c.startsWith(`${child.pid} `))).toEqual([]);
  });

  it('a listening server counts above the baseline until it is closed', async () => {
    const baseline = watchedCounts();
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    expect(excess(baseline)).toContain('1 TCPServerWrap');
    server.close();
    await once(server, 'close');
    // libuv releases the handle a few loop turns after `close` (the leak check waits the same way, bounded).
    await expect.poll(() => excess(baseline), { timeout: 2_000, interval: 10 }).toEqual([]);
  });
});
