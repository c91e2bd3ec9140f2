/**
 * The common frame of an agent test on a file camera: a temporary folder, a real mosquitto and an IOC
 * subscriber on it. Registers the file's beforeAll/afterEach/afterAll (agent and mosquitto leak checks
 * included), like useRtspCameraBox, which adds an RTSP camera to the same. agentConfigHeader writes the
 * first lines of such an agent's camwatch.yaml.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { assertNoAgentLeaks } from './agent-process.js';
import { MODELS_YAML } from './data.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from './mosquitto.js';
import { collect, type Collector } from './mqtt-collector.js';

export interface BrokerBox {
  readonly dir: string;
  readonly broker: Mosquitto;
  /** Every message under `filter`. */
  readonly ioc: Collector;
}

/** `name` names the temporary folder; `protocolVersion: 5` to read command responses. */
export function useBrokerBox(name: string, filter: string | string[], options: { protocolVersion?: 4 | 5 } = {}): BrokerBox {
  let parts: { dir: string; broker: Mosquitto; ioc: Collector } | undefined;
  const get = () => {
    if (parts === undefined) throw new Error('the broker box is not started yet (use it inside tests)');
    return parts;
  };
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), `camwatch-${name}-`));
    const broker = await startMosquitto();
    const ioc = await collect(broker.url, filter, options);
    parts = { dir, broker, ioc };
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(async () => {
    await parts?.ioc.close();
    await parts?.broker.dispose();
    await assertNoMosquittoLeaks();
    if (parts) rmSync(parts.dir, { recursive: true, force: true });
  });
  return {
    get dir() { return get().dir; },
    get broker() { return get().broker; },
    get ioc() { return get().ioc; },
  };
}

/**
 * The top of a camwatch.yaml for an agent on the box's broker: agent id and data folder, the real models,
 * the broker's URL, no health server. Cameras and other sections follow it.
 */
export function agentConfigHeader(o: { agentId: string; dataDir: string; brokerUrl: string }): string {
  return `agent: { id: ${o.agentId}, dataDir: ${o.dataDir} }
${MODELS_YAML}
mqtt: { url: "${o.brokerUrl}" }
health: { enabled: false }`;
}
