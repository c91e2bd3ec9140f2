/**
 * `camwatch doctor` on what cli-doctor.test.ts leaves out (split to keep each file well under 40 s): an
 * existing store (events waiting, a damaged file), the embedded broker, a TLS broker, and RTSP cameras that
 * answer 404 or refuse the connection. Real SQLite file written by the agent's store, real mosquitto with
 * TLS, real RTSP server, real ffmpeg.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/index.js';
import { makeRecord } from '../fixtures/outbox-data.js';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { makeTestPki } from '../helpers/certs.js';
import { assertNoMosquittoLeaks, freePort, startMosquitto } from '../helpers/mosquitto.js';
import { startRtspServer, type TestRtspServer } from '../helpers/rtsp-server.js';

interface Check {
  name: string;
  status: string;
  detail: string;
  fix?: string;
  code?: string;
}

describe('camwatch doctor (spawned): store, embedded broker, TLS broker, RTSP failures', () => {
  let dir: string;
  let rtsp: TestRtspServer;

  const writeConfig = (name: string, cameras: string): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `agent: { id: edge-doctor2, dataDir: ./var-${name} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
cameras:
${cameras}`,
    );
    return file;
  };
  const doctorJson = async (config: string): Promise<{ code: number | null; checks: Check[]; stdout: string }> => {
    const r = await runCli(['doctor', '--config', config, '--probe-seconds', '1', '--json'], { cwd: dir });
    return { code: r.code, checks: (JSON.parse(r.stdout) as { checks: Check[] }).checks, stdout: r.stdout };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-doctor2-'));
    rtsp = await startRtspServer({ mounts: { '/gate': videoPath('residential_street_ahmetozlu.mp4') } });
  });
  afterAll(async () => {
    await rtsp?.stop();
    await assertNoMosquittoLeaks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts events waiting in an existing store; embedded broker passes (its login comes at the first start); 404 and refused cameras fail with their fix', async () => {
    // The agent's own store writes the file: 3 events saved, 1 sent, so 2 wait for the broker.
    mkdirSync(join(dir, 'var-store'));
    const store = openStore({ path: join(dir, 'var-store', 'camwatch.db'), logger: createLogger({ level: 'silent' }) });
    const saved = [1, 2, 3].map((i) => store.save(makeRecord('doc', i)));
    store.markSent(saved[0]!.seq);
    store.close();

    const config = writeConfig(
      'store',
      `  - id: wrong-path
    source: { url: "${rtsp.url('/no-such-stream')}" }
  - id: nobody-home
    source: { url: "rtsp://127.0.0.1:${await freePort()}/stream1" }
`,
    );
    const { code, checks } = await doctorJson(config);
    expect(code).toBe(1);
    const byName = new Map(checks.map((c) => [c.name, c]));
    expect(byName.get('database')).toEqual(expect.objectContaining({ status: 'pass', detail: expect.stringMatching(/camwatch\.db: integrity ok, 2 events waiting for the broker; no agent running on it$/) }));
    expect(byName.get('broker')).toEqual(expect.objectContaining({ status: 'pass', detail: expect.stringMatching(/^embedded broker on 127\.0\.0\.1:1883; its operator login is generated at the agent's first start/) }));
    expect(byName.get('camera wrong-path')).toEqual(
      expect.objectContaining({ status: 'fail', code: 'CAMERA_NOT_FOUND', detail: 'camera has no stream at this path (404 Not Found)', fix: expect.stringContaining('Check the stream path') }),
    );
    expect(byName.get('camera nobody-home')).toEqual(
      expect.objectContaining({ status: 'fail', code: 'CAMERA_UNREACHABLE', detail: expect.stringContaining('connection refused'), fix: expect.stringContaining('reachable from this box') }),
    );
    expect(checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual(['camera wrong-path', 'camera nobody-home']);
  }, 60_000);

  it('a damaged store fails "database" with what to do; text output names the check and the fix', async () => {
    mkdirSync(join(dir, 'var-damaged'));
    writeFileSync(join(dir, 'var-damaged', 'camwatch.db'), Buffer.alloc(8192, 0x5a));
    const config = writeConfig(
      'damaged',
      `  - id: street
    source: { file: ${videoPath('residential_street_ahmetozlu.mp4')} }
`,
    );
    const r = await runCli(['doctor', '--config', config, '--probe-seconds', '1'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/  FAIL  database\s+.*camwatch\.db is damaged: file is not a database\n\s+→ STORE_CORRUPT: Stop the agent, then run `camwatch store recover --config .*damaged.*`: it keeps what can be read/);
    expect(r.stdout).toMatch(/  PASS  camera street\s+h264 640x352/);
    expect(r.stdout).toMatch(/\n\d+ passed, [01] warnings?, 1 failed\. Fix the FAIL lines/);
  }, 60_000);

  it('TLS: the configured CA verifies the broker; a wrong CA fails "broker" with MQTT_TLS', async () => {
    const pki = makeTestPki();
    const tlsBroker = await startMosquitto({ tls: { cafile: pki.caCert, certfile: pki.serverCert, keyfile: pki.serverKey } });
    try {
      const tlsConfig = (name: string, ca: string) => {
        const file = join(dir, `${name}.yaml`);
        writeFileSync(file, `agent: { dataDir: ./var-${name} }\nmodels: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }\nmqtt: { url: "${tlsBroker.url}", tls: { ca: ${ca} } }\n`);
        return file;
      };
      const doctor = (config: string) => runCli(['doctor', '--config', config, '--probe-seconds', '1'], { cwd: dir });
      const [good, bad] = await Promise.all([doctor(tlsConfig('tls-good', pki.caCert)), doctor(tlsConfig('tls-bad', pki.otherCaCert))]);
      expect(good.code, good.stdout).toBe(0);
      expect(good.stdout).toMatch(/PASS  broker\s+mqtts:\/\/127\.0\.0\.1:\d+: accepted anonymously in \d+ ms \(MQTT 5, TLS verified\)/);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/FAIL  broker\s+TLS handshake with mqtts:\/\/127\.0\.0\.1:\d+ failed: .*\n\s+→ MQTT_TLS: Check mqtt\.tls/);
    } finally {
      await tlsBroker.dispose();
      pki.dispose();
    }
  }, 60_000);
});
