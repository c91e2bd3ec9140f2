import { mkdtemp, readFile, rm, stat, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cameraCommand, type CameraCliIO, type PromptInput } from '../../agent/cli/commands/camera.js';
import { configSchema } from '../../agent/config/schema.js';
import { EMULATOR_PASSWORD, EMULATOR_USERNAME, startOnvifEmulator, type OnvifEmulator, type OnvifEmulatorOptions } from '../helpers/onvif-emulator.js';

const EXISTING = `# Box at the North Gate junction — keep this comment
version: 1
agent:
  id: north-gate # the IOC knows it by this id
cameras:
  # a recorded clip, kept for demos
  - id: demo
    source:
      file: ./demo.mp4
`;

let dir: string;
let configDir: string;
let configFile: string;
let emulators: OnvifEmulator[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'camwatch-camera-add-'));
  configDir = join(dir, 'config');
  configFile = join(configDir, 'camwatch.yaml');
  await mkdir(configDir);
  await writeFile(configFile, EXISTING);
});
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
  await rm(dir, { recursive: true, force: true });
});

async function emulator(options: OnvifEmulatorOptions = {}): Promise<OnvifEmulator> {
  const e = await startOnvifEmulator(options);
  emulators.push(e);
  return e;
}

async function run(args: string[], extra: { env?: NodeJS.ProcessEnv; stdin?: PromptInput } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const io: CameraCliIO = { stdout, stderr, env: extra.env ?? {}, cwd: dir, ...(extra.stdin ? { stdin: extra.stdin } : {}) };
  const code = await cameraCommand.run(['add', ...args], io);
  return { code, out, err };
}

/** A stand-in terminal: says it is a TTY, and the "typed" text is already queued. */
function fakeTerminal(typed: string): PromptInput {
  const input = new PassThrough() as PassThrough & PromptInput;
  input.isTTY = true;
  input.end(typed);
  return input;
}

async function configText(): Promise<string> {
  return readFile(configFile, 'utf8');
}

describe('camwatch camera add', () => {
  it('with --password-file: appends a valid entry for the sub-stream, keeps comments, never shows the password', async () => {
    const cam = await emulator();
    await writeFile(join(configDir, 'gate.pw'), `${EMULATOR_PASSWORD}\n`, { mode: 0o600 });
    const result = await run([cam.address, '--user', EMULATOR_USERNAME, '--password-file', 'config/gate.pw', '--name', 'North Gate West', '--yes']);
    expect(result.err).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/analysis\s*→ Profile_2 \(subStream\): H264 640x360/);
    expect(result.out).toMatch(/main\s*→ Profile_1 \(mainStream\): H264 1920x1080/);
    expect(result.out).toContain('firmware 2.40');

    const text = await configText();
    for (const comment of ['# Box at the North Gate junction — keep this comment', '# the IOC knows it by this id', '# a recorded clip, kept for demos']) {
      expect(text).toContain(comment);
    }
    const config = configSchema.parse(parseYaml(text));
    expect(config.cameras.map((c) => c.id)).toEqual(['demo', 'north-gate-west']);
    const added = config.cameras[1]!;
    expect(added.name).toBe('North Gate West');
    expect(added.source).toEqual({
      url: 'rtsp://127.0.0.1:8554/Streaming/Channels/102?transportmode=unicast&profile=Profile_2',
      transport: 'tcp',
      username: EMULATOR_USERNAME,
      passwordFile: 'gate.pw',
    });
    expect(added.onvif).toMatchObject({
      xaddr: cam.xaddr,
      mainStreamUri: 'rtsp://127.0.0.1:8554/Streaming/Channels/101?transportmode=unicast&profile=Profile_1',
      snapshotUri: `http://127.0.0.1:${cam.port}/onvif/snapshot?channel=1&profile=Profile_1`,
    });
    expect(Math.abs(added.onvif!.clockSkewMs!)).toBeLessThan(1500);

    for (const output of [result.out, result.err, text]) expect(output).not.toContain(EMULATOR_PASSWORD);
    // Written atomically: no temp file left beside the config.
    expect((await readdir(configDir)).sort()).toEqual(['camwatch.yaml', 'gate.pw']);
  });

  it('with --password-env over HTTP digest: references the variable, reports the clock an hour off', async () => {
    const cam = await emulator({ auth: 'digest', clockOffsetMs: 3_600_000 });
    const result = await run([cam.xaddr, '--user', EMULATOR_USERNAME, '--password-env', 'GATE_PW', '--id', 'gate-2', '--yes'], { env: { GATE_PW: EMULATOR_PASSWORD } });
    expect(result.code).toBe(0);
    expect(result.out).toContain('auth: digest');
    expect(result.out).toMatch(/Warning:\s+camera clock is 360\d s ahead/);
    const config = configSchema.parse(parseYaml(await configText()));
    const added = config.cameras.find((c) => c.id === 'gate-2')!;
    expect(added.source).toMatchObject({ username: EMULATOR_USERNAME, passwordEnv: 'GATE_PW' });
    expect(added.source).not.toHaveProperty('password');
    expect(Math.abs(added.onvif!.clockSkewMs! - 3_600_000)).toBeLessThan(1500);
    for (const output of [result.out, result.err, await configText()]) expect(output).not.toContain(EMULATOR_PASSWORD);
  });

  it('typed at a terminal prompt: saved to secrets/<id>.password (0600) and referenced; asks before writing', async () => {
    const cam = await emulator();
    const result = await run([cam.address, '--user', EMULATOR_USERNAME, '--id', 'gate-3'], { stdin: fakeTerminal(`${EMULATOR_PASSWORD}\ny\n`) });
    expect(result.code).toBe(0);
    expect(result.err).toContain(`Password for ${EMULATOR_USERNAME}`);
    expect(result.err).toContain('Append camera "gate-3"');
    const secretFile = join(configDir, 'secrets', 'gate-3.password');
    expect(await readFile(secretFile, 'utf8')).toBe(EMULATOR_PASSWORD);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(configDir, 'secrets'))).mode & 0o077).toBe(0);
    const text = await configText();
    const config = configSchema.parse(parseYaml(text));
    expect(config.cameras.find((c) => c.id === 'gate-3')?.source).toMatchObject({ passwordFile: 'secrets/gate-3.password' });
    for (const output of [result.out, result.err, text]) expect(output).not.toContain(EMULATOR_PASSWORD);
  });

  it('answering no at the prompt writes nothing', async () => {
    const cam = await emulator();
    const result = await run([cam.address, '--user', EMULATOR_USERNAME, '--id', 'gate-4'], { stdin: fakeTerminal(`${EMULATOR_PASSWORD}\nn\n`) });
    expect(result.code).toBe(1);
    expect(await configText()).toBe(EXISTING);
    await expect(stat(join(configDir, 'secrets'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a wrong password fails with ONVIF_AUTH and leaves the config untouched', async () => {
    const cam = await emulator();
    const result = await run([cam.address, '--user', EMULATOR_USERNAME, '--password-env', 'PW', '--yes'], { env: { PW: 'Wrong-Secret-42' } });
    expect(result.code).toBe(1);
    expect(result.err).toContain('ONVIF_AUTH');
    expect(result.err).not.toContain('Wrong-Secret-42');
    expect(await configText()).toBe(EXISTING);
  });

  it('without a terminal: refuses to prompt and refuses to write without --yes', async () => {
    const cam = await emulator();
    const notTty = new PassThrough() as PassThrough & PromptInput;
    const noPassword = await run([cam.address, '--user', EMULATOR_USERNAME], { stdin: notTty });
    expect(noPassword.code).toBe(2);
    expect(noPassword.err).toMatch(/--password-file or --password-env/);
    const noYes = await run([cam.address, '--user', EMULATOR_USERNAME, '--password-env', 'PW'], { env: { PW: EMULATOR_PASSWORD }, stdin: notTty });
    expect(noYes.code).toBe(2);
    expect(noYes.err).toMatch(/--yes/);
    expect(await configText()).toBe(EXISTING);
  });

  it('refuses an id already in the config; derives a fresh one from the address otherwise', async () => {
    const cam = await emulator({ auth: 'none' });
    const dup = await run([cam.address, '--id', 'demo', '--yes']);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/already exists/);
    const first = await run([cam.address, '--yes']);
    const second = await run([cam.address, '--yes']);
    expect([first.code, second.code]).toEqual([0, 0]);
    const ids = configSchema.parse(parseYaml(await configText())).cameras.map((c) => c.id);
    expect(ids).toEqual(['demo', `cam-127-0-0-1-${cam.port}`, `cam-127-0-0-1-${cam.port}-2`]);
  });

  it('creates the config when it does not exist yet', async () => {
    const cam = await emulator({ auth: 'none' });
    const result = await run([cam.address, '--config', 'new/box.yaml', '--id', 'first', '--yes']);
    expect(result.code).toBe(0);
    const text = await readFile(join(dir, 'new', 'box.yaml'), 'utf8');
    expect(text).toMatch(/^# camwatch configuration/);
    expect(configSchema.parse(parseYaml(text)).cameras.map((c) => c.id)).toEqual(['first']);
  });

  it('usage errors exit 2', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['10.0.0.5', '--password-file', 'a', '--password-env', 'B'])).code).toBe(2);
    expect((await run(['10.0.0.5', '--min-width', 'wide'])).code).toBe(2);
    const noUser = await run(['10.0.0.5', '--password-env', 'PW']);
    expect(noUser.code).toBe(2);
    expect(noUser.err).toMatch(/--user/);
    expect((await run(['10.0.0.5', '--bogus'])).code).toBe(2);
    const unknownSub = await cameraCommand.run(['frobnicate'], { stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: dir });
    expect(unknownSub).toBe(2);
  });
});
