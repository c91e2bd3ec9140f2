import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerCommand } from '../../../agent/cli/commands/broker.js';
import type { CliIO } from '../../../agent/cli/types.js';
import { loadOrCreateOperatorLogin } from '../../../agent/uplink/broker-credentials.js';

/** Runs `camwatch broker …` in-process and captures what it prints. */
async function run(argv: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (b: Buffer) => out.push(b.toString()));
  stderr.on('data', (b: Buffer) => err.push(b.toString()));
  const io: CliIO = { stdout, stderr, env: {}, cwd };
  const code = await brokerCommand.run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-broker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('camwatch broker credentials', () => {
  it('prints the login from the file the agent created, as text and as JSON, with the ACL in one line', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'agent: { id: box-1, dataDir: ./data }\nmqtt: { embeddedHost: 0.0.0.0, embeddedPort: 11883, topicPrefix: city/cw }\n');
    const { login } = loadOrCreateOperatorLogin(join(dir, 'data', 'embedded-broker-credentials.json'));
    const text = await run(['credentials', '--config', 'a.yaml'], dir);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`password  ${login.password}\n`);
    expect(text.stdout).toContain(`  mosquitto_sub -h 127.0.0.1 -p 11883 -u operator -P '${login.password}' -t 'city/cw/#' -v\n`);
    expect(text.stdout).toContain('This user reads city/cw/# and may publish commands on city/cw/box-1/cmd/<name> (not retained); nothing else.');
    const json = await run(['credentials', '--config', 'a.yaml', '--json'], dir);
    expect(JSON.parse(json.stdout)).toEqual({
      url: 'mqtt://127.0.0.1:11883',
      host: '127.0.0.1',
      port: 11883,
      username: 'operator',
      password: login.password,
      file: join(dir, 'data', 'embedded-broker-credentials.json'),
      topicPrefix: 'city/cw',
      commandTopics: 'city/cw/box-1/cmd/<name>',
    });
  });

  it('says there is no embedded broker when mqtt.url is set (without printing its password), and usage errors exit 2', async () => {
    writeFileSync(join(dir, 'b.yaml'), 'mqtt: { url: "mqtt://edge:hunter2-secret@ioc:1883" }\n');
    const r = await run(['credentials', '--config', 'b.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sets mqtt\.url \(mqtt:\/\/edge:\*+@ioc:1883\): the agent publishes there and starts no embedded broker/);
    expect(r.stderr).not.toContain('hunter2');
    expect((await run([], dir)).code).toBe(2);
    expect((await run(['passwords'], dir)).code).toBe(2);
  });
});
