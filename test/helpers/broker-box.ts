/**
 * The common frame of an agent test on a file camera: a temporary folder, a real mosquitto and an IOC
 * subscriber on it. Registers the file's beforeAll/afterEach/afterAll (agent and mosquitto leak checks
 * included), like useRtspCameraBox, which adds an RTSP camera to the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { assertNoAgentLeaks } from './agent-process.js';
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
