import { describe, expect, it } from 'vitest';
import { disableOrtTelemetry, ORT_TELEMETRY_SWITCH } from '../../../agent/detection/ort-telemetry.js';

describe('disableOrtTelemetry', () => {
  it('sets the switch on the main thread, overriding an inherited 0', () => {
    const env: NodeJS.ProcessEnv = { [ORT_TELEMETRY_SWITCH]: '0' };
    disableOrtTelemetry(env, true);
    expect(env[ORT_TELEMETRY_SWITCH]).toBe('1');
  });

  it('in a worker thread, refuses to go on when the parent did not switch it off', () => {
    expect(() => disableOrtTelemetry({}, false)).toThrow(/parent must call disableOrtTelemetry/);
    expect(() => disableOrtTelemetry({ [ORT_TELEMETRY_SWITCH]: '0' }, false)).toThrow(/not switched off/);
  });

  it('in a worker thread, accepts what the parent set, and changes nothing', () => {
    const env: NodeJS.ProcessEnv = { [ORT_TELEMETRY_SWITCH]: '1' };
    disableOrtTelemetry(env, false);
    expect(env).toEqual({ [ORT_TELEMETRY_SWITCH]: '1' });
  });
});
