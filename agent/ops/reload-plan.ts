import { isDeepStrictEqual } from 'node:util';
import type { Config, LoadedConfig } from '../config/index.js';

/** What a hot reload must do; computed from the old and new config, no I/O. */
export interface ReloadPlan {
  start: string[];
  stop: string[];
  /** Changed cameras: stopped, then started with their new config. */
  restart: string[];
  unchanged: string[];
  /** The detector must be recreated (model, thresholds or threads changed): every camera restarts. */
  detector: boolean;
  /** The uplink must reconnect with new broker settings. */
  uplink: boolean;
  /** Settings that only take effect on a full restart; reported, never half-applied. */
  needsRestart: string[];
}

/** Sections a live agent cannot switch without a full restart (the store file, the identity on the broker). */
const RESTART_ONLY: Array<[string, (c: Config) => unknown]> = [
  ['agent.id', (c) => c.agent.id],
  ['agent.dataDir', (c) => c.agent.dataDir],
  ['agent.logLevel', (c) => c.agent.logLevel],
  ['store', (c) => c.store],
  ['health', (c) => c.health],
  ['clips', (c) => c.clips],
  ['console', (c) => c.console],
];

/**
 * Only what changed restarts: a camera whose own entry and password are unchanged keeps running
 * without a dropped frame. Tracking, count-bin and flood settings belong to every camera (each camera's
 * tracker, counter, flood control and evidence budget is built with them), so they restart all.
 */
export function planReload(prev: LoadedConfig, next: LoadedConfig): ReloadPlan {
  const a = prev.config;
  const b = next.config;
  const detector = !isDeepStrictEqual(a.detection, b.detection) || !isDeepStrictEqual(a.models, b.models);
  const tracking = !isDeepStrictEqual(a.tracking, b.tracking) || !isDeepStrictEqual(a.counts, b.counts) || !isDeepStrictEqual(a.flood, b.flood);
  // Secret file contents count too: a rotated password, command secret or certificate must apply.
  const uplink =
    !isDeepStrictEqual(a.mqtt, b.mqtt) ||
    prev.secrets.mqttPassword !== next.secrets.mqttPassword ||
    prev.secrets.commandSecret !== next.secrets.commandSecret ||
    !isDeepStrictEqual(prev.secrets.mqttTls, next.secrets.mqttTls);

  const enabled = (c: Config) => new Map(c.cameras.filter((cam) => cam.enabled).map((cam) => [cam.id, cam]));
  const before = enabled(a);
  const after = enabled(b);
  const plan: ReloadPlan = { start: [], stop: [], restart: [], unchanged: [], detector, uplink, needsRestart: [] };
  for (const [id, cam] of after) {
    const old = before.get(id);
    if (!old) plan.start.push(id);
    else if (
      detector ||
      tracking ||
      !isDeepStrictEqual(old, cam) ||
      prev.secrets.cameraPasswords[id] !== next.secrets.cameraPasswords[id]
    ) plan.restart.push(id);
    else plan.unchanged.push(id);
  }
  for (const id of before.keys()) if (!after.has(id)) plan.stop.push(id);
  for (const [name, pick] of RESTART_ONLY) {
    if (!isDeepStrictEqual(pick(a), pick(b))) plan.needsRestart.push(name);
  }
  return plan;
}

/** The shared components a reload restarts (supervisor names); cameras are restarted one by one from the plan. */
export function restartedComponents(plan: ReloadPlan): Array<'uplink' | 'detector'> {
  return [...(plan.uplink ? (['uplink'] as const) : []), ...(plan.detector ? (['detector'] as const) : [])];
}
