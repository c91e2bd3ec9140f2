import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText, secretValues } from '../../../agent/config/load.js';
import { redactSecrets } from '../../../agent/core/redact.js';
import { errorOf, yaml } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CAMERA_PASSWORD = 'Cam-S3cret-42';
const MQTT_PASSWORD = 'Mq-S3cret-77';
writeFileSync(join(dir, 'cam.password'), `${CAMERA_PASSWORD}\n`);
writeFileSync(join(dir, 'empty.password'), '  \n');

const twoCameras = (mqttLines: string[]) =>
  yaml(
    'mqtt:',
    '  url: mqtts://broker.example:8883',
    '  username: edge',
    ...mqttLines,
    'cameras:',
    '  - id: cam-a',
    '    source:',
    '      url: rtsp://viewer@10.0.0.5/live',
    '      passwordFile: cam.password',
    '  - id: cam-b',
    '    source:',
    '      url: rtsp://10.0.0.6/live',
    '      password: plain-Text-9',
  );

describe('secrets', () => {
  it('resolves passwordFile (trimmed, relative to the config file) and passwordEnv into secrets, not into config', async () => {
    const path = join(dir, 'camwatch.yaml');
    writeFileSync(path, twoCameras(['  passwordEnv: CAMWATCH_MQTT_PASSWORD']));
    const loaded = await loadConfig(path, { env: { CAMWATCH_MQTT_PASSWORD: MQTT_PASSWORD } });
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.path).toBe(path);
    expect(loaded.secrets).toEqual({ mqttPassword: MQTT_PASSWORD, cameraPasswords: { 'cam-a': CAMERA_PASSWORD, 'cam-b': 'plain-Text-9' } });
    // The clear-text password moved to secrets: the config object can be logged without leaking it.
    expect(JSON.stringify(loaded.config)).not.toContain('plain-Text-9');
    expect(loaded.config.cameras[0]!.source).toMatchObject({ passwordFile: 'cam.password' });
  });

  it('lists every secret, including a password written inside a URL, for redaction', () => {
    const text = yaml('cameras:', '  - id: cam-a', '    source: { url: "rtsp://admin:in-url-pw@10.0.0.5/live" }');
    const loaded = parseConfigText(text, 'c.yaml', { baseDir: dir, env: {} });
    expect(secretValues(loaded)).toEqual(['in-url-pw']);
    expect(redactSecrets('ffmpeg: auth failed for in-url-pw', secretValues(loaded))).toBe('ffmpeg: auth failed for ***');
  });

  it('a missing variable and an empty file are each named, in one SECRET_UNREADABLE error', () => {
    const text = twoCameras(['  passwordEnv: CAMWATCH_MQTT_PASSWORD']).replace('passwordFile: cam.password', 'passwordFile: empty.password');
    const err = errorOf(text, { baseDir: dir, env: {} });
    expect(err.code).toBe('SECRET_UNREADABLE');
    expect(err.message.split('\n')).toEqual([
      'camwatch.yaml: 2 secrets could not be read:',
      '  camwatch.yaml:4:3 mqtt.passwordEnv: environment variable CAMWATCH_MQTT_PASSWORD is not set',
      `  camwatch.yaml:9:7 cameras[0].source.passwordFile: ${join(dir, 'empty.password')} is empty; write the password in it`,
    ]);
  });

  it('a disabled camera does not need its secret file', () => {
    const text = yaml('cameras:', '  - id: cam-a', '    enabled: false', '    source: { url: rtsp://10.0.0.5/live, passwordFile: missing.password }');
    const loaded = parseConfigText(text, 'c.yaml', { baseDir: dir, env: {} });
    expect(loaded.secrets.cameraPasswords).toEqual({});
  });

  it('resolveSecrets: false skips reading secrets', () => {
    const text = yaml('mqtt:', '  passwordFile: /nonexistent/mqtt.password');
    expect(parseConfigText(text, 'c.yaml', { baseDir: dir, env: {}, resolveSecrets: false }).secrets).toEqual({ cameraPasswords: {} });
  });

  it('error messages never contain a secret value', () => {
    const cases = [
      // Schema error on a password field: its value must not be echoed back.
      yaml('mqtt:', `  password: ${1234567}`),
      // Conflicting clear-text password and passwordFile.
      yaml('cameras:', '  - id: c', '    source:', `      url: rtsp://u:${CAMERA_PASSWORD}@h/x`, `      password: ${MQTT_PASSWORD}`, '      passwordFile: cam.password'),
      // A URL given where a mapping is expected.
      yaml('cameras:', '  - id: c', `    source: rtsp://u:${CAMERA_PASSWORD}@h/x`),
      // YAML syntax error on the password line: the offending line must not be quoted.
      yaml('mqtt:', `  password: "${MQTT_PASSWORD}`),
      yaml('- a', `b: ${MQTT_PASSWORD}`),
      // Secret file readable, but another secret missing.
      twoCameras([`  password: ${MQTT_PASSWORD}`, '  passwordEnv: NOPE']),
    ];
    for (const text of cases) {
      const err = errorOf(text, { baseDir: dir, env: {} });
      const everything = `${err.message}\n${err.hint}\n${JSON.stringify(err.details)}`;
      expect(everything).not.toContain(CAMERA_PASSWORD);
      expect(everything).not.toContain(MQTT_PASSWORD);
      expect(everything).not.toContain('1234567');
    }
  });

  it('the no-echo rule is what hides the password: the same mistake on a plain field does echo', () => {
    // Guards the test above against passing vacuously.
    expect(errorOf(yaml('mqtt:', '  clientId: 1234567'), { env: {} }).message).toContain('got 1234567');
  });
});

describe('clip source secrets', () => {
  it('resolves cameras[].clips.source passwords like source, keeps them out of the config, and names the field when missing', async () => {
    writeFileSync(join(dir, 'main.password'), 'Main-S3cret-7\n');
    const path = join(dir, 'clips.yaml');
    const text = (file: string) =>
      yaml(
        'cameras:',
        '  - id: cam-a',
        '    source: { url: rtsp://10.0.0.5/sub, username: viewer, passwordFile: cam.password }',
        '    clips:',
        '      enabled: true',
        `      source: { url: rtsp://10.0.0.5/main, username: rec, passwordFile: ${file} }`,
      );
    writeFileSync(path, text('main.password'));
    const loaded = await loadConfig(path, { env: {} });
    expect(loaded.secrets.clipPasswords).toEqual({ 'cam-a': 'Main-S3cret-7' });
    expect(JSON.stringify(loaded.config)).not.toContain('Main-S3cret-7');
    expect(secretValues(loaded)).toContain('Main-S3cret-7');
    const err = errorOf(text('missing.password'), { baseDir: dir });
    expect(err.message).toContain('cameras[0].clips.source.passwordFile');
  });
});
