/**
 * `--help` of the operator commands, spawned as typed: exit 0, usage on stdout, every option documented;
 * and output into a pipe whose reader leaves early.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CAMWATCH_BIN, runCli } from '../helpers/cli-process.js';

const run = promisify(execFile);

const CASES: Array<{ args: string[]; usage: string; options: string[] }> = [
  { args: ['doctor', '--help'], usage: 'Usage: camwatch doctor', options: ['--config', '--json', '--probe-seconds'] },
  { args: ['status', '-h'], usage: 'Usage: camwatch status', options: ['--url', '--config', '--json'] },
  { args: ['tail', '--help'], usage: 'Usage: camwatch tail', options: ['--config', '--url', '--agent', '--camera', '--type', '--json'] },
  { args: ['eval', '--help'], usage: 'Usage: camwatch eval', options: ['--config', '--model', '--set', '--json', '--markdown'] },
  { args: ['camera', 'test', '--help'], usage: 'Usage: camwatch camera test', options: ['--config', '--out', '--model', '--full-size', '--json'] },
];

describe('--help (spawned)', () => {
  it.each(CASES)('camwatch $args', async ({ args, usage, options }) => {
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith(usage)).toBe(true);
    for (const option of options) expect(r.stdout).toContain(option);
    expect(r.stdout).toContain('-h, --help');
  });

  it('camwatch --help lists doctor, status and tail; camera --help shows add and test', async () => {
    const [top, camera] = await Promise.all([runCli(['--help']), runCli(['camera', '--help'])]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^ {2}doctor +check /m);
    expect(top.stdout).toMatch(/^ {2}status +what the running agent is doing/m);
    expect(top.stdout).toMatch(/^ {2}tail +print incidents/m);
    expect(camera.code).toBe(0);
    expect(camera.stdout).toContain('Usage: camwatch camera add');
    expect(camera.stdout).toContain('Usage: camwatch camera test');
  });

  it('camwatch config schema | head -c 100: the reader leaving ends the command with exit 0, no stack', async () => {
    // Through a real shell pipe: head exits after 100 bytes of the ~100 kB schema, mid-write.
    const { stdout, stderr } = await run('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CAMWATCH_BIN)} config schema | head -c 100 > /dev/null; echo "exit=\${PIPESTATUS[0]}"`]);
    expect(stdout.trim()).toBe('exit=0');
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at .*:\d+:\d+/);
  });
});
