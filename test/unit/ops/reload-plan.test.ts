import { describe, expect, it } from 'vitest';
import { parseConfigText, type LoadedConfig } from '../../../agent/config/load.js';
import { planReload } from '../../../agent/ops/reload-plan.js';

const base = `
agent: { id: box-1 }
mqtt: { url: "mqtt://127.0.0.1:1883" }
cameras:
  - id: a
    source: { url: "rtsp://10.0.0.1/live" }
  - id: b
    source: { url: "rtsp://10.0.0.2/live" }
`;
const load = (text: string, env: Record<string, string> = {}): LoadedConfig =>
  parseConfigText(text, 'camwatch.yaml', { env, baseDir: '/tmp', resolveSecrets: true });

describe('planReload', () => {
  it('keeps unchanged cameras running and restarts only the changed one', () => {
    const next = load(base.replace('10.0.0.2/live', '10.0.0.2/sub'));
    const plan = planReload(load(base), next);
    expect(plan).toMatchObject({ restart: ['b'], unchanged: ['a'], start: [], stop: [], detector: false, uplink: false, needsRestart: [] });
  });

  it('starts added cameras, stops removed and disabled ones', () => {
    const next = load(`${base.replace('  - id: a\n    source: { url: "rtsp://10.0.0.1/live" }\n', '')}  - id: c\n    source: { url: "rtsp://10.0.0.3/live" }\n`);
    expect(planReload(load(base), next)).toMatchObject({ start: ['c'], stop: ['a'], unchanged: ['b'], restart: [] });
    const disabled = load(base.replace('  - id: b\n', '  - id: b\n    enabled: false\n'));
    expect(planReload(load(base), disabled)).toMatchObject({ stop: ['b'], unchanged: ['a'] });
  });

  it('restarts a camera whose password changed, though its YAML did not', () => {
    const withSecret = base.replace('source: { url: "rtsp://10.0.0.1/live" }', 'source: { url: "rtsp://10.0.0.1/live", username: u, passwordEnv: CAM_A }');
    const plan = planReload(load(withSecret, { CAM_A: 'one' }), load(withSecret, { CAM_A: 'two' }));
    expect(plan).toMatchObject({ restart: ['a'], unchanged: ['b'] });
  });

  it('a detection change recreates the detector and restarts every camera; broker changes restart the uplink', () => {
    const model = planReload(load(base), load(`${base}detection: { scoreThreshold: 0.5 }\n`));
    expect(model).toMatchObject({ detector: true, restart: ['a', 'b'], unchanged: [] });
    const broker = planReload(load(base), load(base.replace('1883', '1884')));
    expect(broker).toMatchObject({ uplink: true, detector: false, unchanged: ['a', 'b'] });
  });

  it('reports settings that need a full restart instead of half-applying them', () => {
    const plan = planReload(load(base), load(base.replace('id: box-1', 'id: box-2')));
    expect(plan.needsRestart).toEqual(['agent.id']);
    expect(plan.unchanged).toEqual(['a', 'b']);
    // The store's quotas and the log level are read once, when the store and the logger open.
    const store = planReload(load(base), load(`${base.replace('id: box-1', 'id: box-1, logLevel: debug')}store: { maxSnapshotBytes: 1048576 }\n`));
    expect(store.needsRestart).toEqual(['agent.logLevel', 'store']);
  });

  it('count-bin and flood settings restart every camera (each camera builds its counter and flood control with them)', () => {
    for (const section of ['counts: { binSeconds: 30 }', 'flood: { maxNewPerMinute: 2 }', 'flood: { evidenceBytesPerHour: 0 }']) {
      expect(planReload(load(base), load(`${base}${section}\n`)), section).toMatchObject({ restart: ['a', 'b'], unchanged: [], detector: false, uplink: false, needsRestart: [] });
    }
  });
});

describe('planReload and rotated secrets', () => {
  it('restarts the uplink when the command secret file changes, though the YAML did not', () => {
    const text = `${base}`.replace('mqtt: { url: "mqtt://127.0.0.1:1883" }', 'mqtt: { url: "mqtt://127.0.0.1:1883", commandSecretEnv: CMD_SECRET }');
    const plan = planReload(load(text, { CMD_SECRET: 'old-secret' }), load(text, { CMD_SECRET: 'new-secret' }));
    expect(plan).toMatchObject({ uplink: true, detector: false, unchanged: ['a', 'b'] });
  });
});
