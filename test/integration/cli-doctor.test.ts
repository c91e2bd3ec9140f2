/**
 * `camwatch doctor` as a technician runs it: the real binary against real ffmpeg, the real model, a real
 * mosquitto with a password file, a real RTSP camera with digest auth and the real demo videos.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { assertNoMosquittoLeaks, freePort, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startRtspServer, type TestRtspServer } from '../helpers/rtsp-server.js';

const MQTT_PASSWORD = 'doctor-right-pass';
const CAMERA_PASSWORD = 'cam-right-pass';
const WRONG_PASSWORD = 'wrong-pass-7781';

interface ConfigParts {
  modelsDir?: string;
  mqttUrl?: string;
  mqttPasswordFile?: string;
  video?: string;
  cameraPasswordFile?: string;
}

describe('camwatch doctor (spawned)', () => {
  let dir: string;
  let broker: Mosquitto;
  let rtsp: TestRtspServer;

  /** A config file in `dir`; every part defaults to the working setup. */
  const writeConfig = (name: string, parts: ConfigParts = {}): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `agent: { id: edge-doctor, dataDir: ./var-${name} }
models: { dir: ${parts.modelsDir ?? join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { url: "${parts.mqttUrl ?? broker.url}", username: edge, passwordFile: ${parts.mqttPasswordFile ?? 'mqtt.password'} }
cameras:
  - id: street
    source: { file: ${parts.video ?? videoPath('residential_street_ahmetozlu.mp4')} }
    analysis: { width: 480 }
  - id: gate
    source: { url: "${rtsp.url('/gate')}", username: admin, passwordFile: ${parts.cameraPasswordFile ?? 'camera.password'} }
    analysis: { width: 320, fps: 5 }
`,
    );
    return file;
  };
  const doctor = (config: string, ...extra: string[]) => runCli(['doctor', '--config', config, '--probe-seconds', '1', ...extra], { cwd: dir });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-doctor-'));
    mkdirSync(join(dir, 'empty-models'));
    writeFileSync(join(dir, 'mqtt.password'), `${MQTT_PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'wrong-mqtt.password'), `${WRONG_PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'camera.password'), `${CAMERA_PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'wrong-camera.password'), `${WRONG_PASSWORD}\n`, { mode: 0o600 });
    broker = await startMosquitto({ users: { edge: MQTT_PASSWORD } });
    rtsp = await startRtspServer({ mounts: { '/gate': videoPath('residential_street_ahmetozlu.mp4') }, user: 'admin', password: CAMERA_PASSWORD });
  });
  afterAll(async () => {
    await rtsp?.stop();
    await broker?.dispose();
    await assertNoMosquittoLeaks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes on a good box: every check listed, exit 0', async () => {
    const r = await runCli(['doctor', '--config', writeConfig('good'), '--probe-seconds', '2'], { cwd: dir });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const line = (name: string) => r.stdout.split('\n').find((l) => new RegExp(`^  (PASS|WARN|FAIL|SKIP)  ${name}\\s`).test(l)) ?? `(no line for ${name})`;
    expect(line('config')).toMatch(/PASS  config\s+2 cameras, 0 rules, secrets readable/);
    expect(line('ffmpeg')).toMatch(/PASS  ffmpeg\s+.*decoders h264 hevc/);
    expect(line('model file')).toMatch(/PASS  model file\s+yolox_nano_416: .*sha256 ok/);
    expect(line('model load')).toMatch(/PASS  model load\s+yolox_nano_416 loads \(yolox, 416x416, 80 classes\)/);
    expect(line('database')).toMatch(/PASS  database\s+.*not created yet/);
    expect(line('disk')).toMatch(/PASS  disk\s+[\d.]+ [GT]iB free/);
    expect(line('broker')).toMatch(/PASS  broker\s+mqtt:\/\/127\.0\.0\.1:\d+: accepted as edge in \d+ ms/);
    // No chrony or systemd in a test container: the clock is unknown, a warning, not a failure.
    expect(line('clock')).toMatch(/(PASS|WARN)  clock\s+/);
    expect(line('camera street')).toMatch(/PASS  camera street\s+h264 640x352 @ 24\.01 fps, \d+ frames decoded/);
    expect(line('camera gate')).toMatch(/PASS  camera gate\s+h264 640x352 @ [\d.]+ fps, \d+ frames decoded in/);
    expect(r.stdout).toMatch(/\n\d+ passed, [01] warnings?, 0 failed\.\n$/);
    for (const secret of [MQTT_PASSWORD, CAMERA_PASSWORD]) expect(r.stdout + r.stderr).not.toContain(secret);
  }, 120_000);

  // The failure cases below are independent (own config, own dataDir) and each mostly waits on spawned
  // processes: run side by side to keep the file well under 40 s on a loaded box.
  it.concurrent('a missing model fails "model file" with the fetch command, skips the load, exits 1', async () => {
    const r = await doctor(writeConfig('nomodel', { modelsDir: join(dir, 'empty-models') }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL  model file\s+model file .*empty-models\/yolox_nano_416\.onnx for model "yolox_nano_416" is missing \(ENOENT\)\n\s+→ MODEL_NOT_FOUND: Run `npm run fetch-assets`/);
    expect(r.stdout).toMatch(/SKIP  model load\s+not tried: the model file check failed/);
    expect(r.stdout).toMatch(/PASS  broker/);
    expect(r.stdout).toMatch(/1 failed, 1 skipped\./);
  }, 60_000);

  it.concurrent('a model file linked into an empty weights folder (the Docker layout) says where the weights go', async () => {
    mkdirSync(join(dir, 'linked-models'));
    symlinkSync(join(dir, 'weights', 'yolox_nano_416.onnx'), join(dir, 'linked-models', 'yolox_nano_416.onnx'));
    const r = await doctor(writeConfig('linked', { modelsDir: join(dir, 'linked-models') }), '--json');
    expect(r.code).toBe(1);
    const check = (JSON.parse(r.stdout) as { checks: Array<{ name: string; detail: string; fix?: string; code?: string }> }).checks.find((c) => c.name === 'model file');
    expect(check).toEqual({
      name: 'model file',
      status: 'fail',
      detail: `yolox_nano_416: ${join(dir, 'linked-models', 'yolox_nano_416.onnx')} links to ${join(dir, 'weights', 'yolox_nano_416.onnx')}, which does not exist`,
      fix: `Put yolox_nano_416.onnx in ${join(dir, 'weights')} (the weights folder; in Docker, the volume mounted there).`,
      code: 'MODEL_NOT_FOUND',
    });
  }, 60_000);

  it.concurrent('an unreachable broker fails "broker" with MQTT_UNREACHABLE and what to check', async () => {
    const r = await doctor(writeConfig('nobroker', { mqttUrl: `mqtt://127.0.0.1:${await freePort()}` }), '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string; fix?: string; code?: string }> };
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => c.name)).toEqual(['config', 'ffmpeg', 'model file', 'model load', 'database', 'disk', 'broker', 'clock', 'camera street', 'camera gate']);
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed).toEqual([
      expect.objectContaining({ name: 'broker', code: 'MQTT_UNREACHABLE', detail: expect.stringMatching(/connection refused/), fix: expect.stringContaining('Check mqtt.url') }),
    ]);
  }, 60_000);

  it.concurrent('a wrong broker password fails "broker" with MQTT_AUTH, never printing the password', async () => {
    const r = await doctor(writeConfig('badauth', { mqttPasswordFile: 'wrong-mqtt.password' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL  broker\s+broker mqtt:\/\/127\.0\.0\.1:\d+ refused the connection: not authorized.*\n\s+→ MQTT_AUTH: Check the broker username\/password/);
    expect(r.stdout + r.stderr).not.toContain(WRONG_PASSWORD);
  }, 60_000);

  it('a missing video and a camera with the wrong password fail their camera lines with the fix', async () => {
    const r = await doctor(writeConfig('badcams', { video: join(dir, 'no-such-clip.mp4'), cameraPasswordFile: 'wrong-camera.password' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL  camera street\s+video file .*no-such-clip\.mp4 does not exist\n\s+→ SOURCE_INVALID: Fix source\.file of this camera/);
    expect(r.stdout).toMatch(/FAIL  camera gate\s+camera rejected the credentials \(401 Unauthorized\)\n\s+→ CAMERA_UNAUTHORIZED: Check the camera username and password\./);
    expect(r.stdout).toMatch(/2 failed\./);
    expect(r.stdout + r.stderr).not.toContain(WRONG_PASSWORD);
  }, 60_000);

  it.concurrent('an unreadable secret fails "config" but the other checks still run', async () => {
    const r = await doctor(writeConfig('nosecret', { mqttPasswordFile: 'no-such.password' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL  config\s+line 3 mqtt\.passwordFile: cannot read .*no-such\.password: no such file\n\s+→ SECRET_UNREADABLE:/);
    expect(r.stdout).toMatch(/PASS  camera street/);
  }, 60_000);

  it('a broken config stops at the config line, exit 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'cameras:\n  - id: x\n    source: { fil: a.mp4 }\n');
    const r = await runCli(['doctor', '--config', file], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL  config\s+line 3 cameras\[0\]\.source/);
    expect(r.stdout).toContain('camwatch config validate');
    expect(r.stdout).not.toMatch(/ffmpeg/);
  });

  it('usage errors exit 2', async () => {
    const r = await runCli(['doctor', '--probe-seconds', 'lots'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--probe-seconds "lots" must be a number of seconds');
  });
});
