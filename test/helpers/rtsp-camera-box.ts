/**
 * A box with one real RTSP camera for agent tests: mosquitto, the GStreamer RTSP server serving the
 * residential street clip behind digest auth, an IOC subscriber on the box's tree, and a config writer.
 * Registers the file's beforeAll/afterEach/afterAll (leak checks included), like useClipScene.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { assertNoAgentLeaks } from './agent-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from './data.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from './mosquitto.js';
import { collect, type Collector } from './mqtt-collector.js';
import { startRtspServer, type TestRtspServer } from './rtsp-server.js';

export interface RtspCameraBox {
  readonly dir: string;
  readonly broker: Mosquitto;
  /** Serves `/sub` with user `admin` and the box's camera password. */
  readonly rtsp: TestRtspServer;
  /** Every message under `camwatch/<agentId>/#`. */
  readonly ioc: Collector;
  /**
   * Writes the camera password file (0600) and camwatch.yaml: agent, models, mqtt, health on any port, and
   * one camera `street-01` on the RTSP stream with `cameraYaml` (indented camera keys) after its source.
   * Returns the config path.
   */
  writeConfig(cameraYaml: string): string;
}

/** `persistence`: mosquitto keeps sessions across stop()/restart() and the IOC subscribes on a persistent session (a broker outage loses no event). */
export function useRtspCameraBox(agentId: string, cameraPassword: string, options: { persistence?: boolean } = {}): RtspCameraBox {
  let parts: { dir: string; broker: Mosquitto; rtsp: TestRtspServer; ioc: Collector } | undefined;
  const get = () => {
    if (parts === undefined) throw new Error('the RTSP camera box is not started yet (use it inside tests)');
    return parts;
  };
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), `camwatch-${agentId}-`));
    const persistence = options.persistence === true;
    const broker = await startMosquitto({ persistence });
    const rtsp = await startRtspServer({ mounts: { '/sub': videoPath('residential_street_ahmetozlu.mp4') }, user: 'admin', password: cameraPassword });
    const ioc = await collect(broker.url, `camwatch/${agentId}/#`, persistence ? { clientId: `ioc-${agentId}`, persistentSession: true } : {});
    parts = { dir, broker, rtsp, ioc };
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(async () => {
    await parts?.ioc.close();
    await parts?.rtsp.stop();
    await parts?.broker.dispose();
    await assertNoMosquittoLeaks();
    if (parts) rmSync(parts.dir, { recursive: true, force: true });
  });
  return {
    get dir() { return get().dir; },
    get broker() { return get().broker; },
    get rtsp() { return get().rtsp; },
    get ioc() { return get().ioc; },
    writeConfig(cameraYaml) {
      const { dir, broker, rtsp } = get();
      writeFileSync(join(dir, 'cam.password'), cameraPassword, { mode: 0o600 });
      const path = join(dir, 'camwatch.yaml');
      writeFileSync(
        path,
        `
agent: { id: ${agentId}, dataDir: ${join(dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { url: "${broker.url}" }
health: { port: 0 }
cameras:
  - id: street-01
    source: { url: "${rtsp.url('/sub')}", username: admin, passwordFile: cam.password }
${cameraYaml}`,
      );
      return path;
    },
  };
}
