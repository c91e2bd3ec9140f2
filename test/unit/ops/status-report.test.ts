import { describe, expect, it } from 'vitest';
import { healthReport, DEFAULT_READY_FRAME_AGE_MS, type AgentStatus, type CameraStatus } from '../../../agent/ops/status-report.js';

const now = 1_800_000_000_000;
const cam = (id: string, over: Partial<CameraStatus> = {}): CameraStatus => ({
  id, state: 'online', framesDecoded: 10, framesDropped: 0, framesAnalysed: 10, inferencesRun: 10, inferencesSkipped: 0, framesShed: 0, targetFps: 5, analysisFps: 5, incidents: 0, reconnects: 0,
  pipeline: { framesDecoded: 10, framesAnalysed: 10, framesWithMotion: 10, inferencesRun: 10, inferencesSkipped: 0, inferencesCoasted: 0, inferencesCropped: 0, inferencesTiled: 0, detectorRuns: 10, tilesSkipped: 0, framesIdleMotion: 0, framesShed: 0, lagMsMax: 0, detections: 0, ruleHits: 0, latencyMsTotal: 0, latencyMsMax: 0, lastFrameAtMs: now - 100 },
  ...over,
});
const status = (cameras: CameraStatus[], connected = true): AgentStatus => ({
  agentId: 'b', version: '0', uptimeS: 1, model: 'm', detector: { busyFraction: 0.5, queued: 0 }, cameras, uplink: { connected, published: 0, pending: 3, lastError: connected ? undefined : 'ECONNREFUSED' },
});

describe('healthReport', () => {
  it('is ready when started, connected and every camera fresh', () => {
    expect(healthReport(status([cam('a'), cam('b')]), true, now)).toMatchObject({ live: true, ready: true });
  });

  it('is live but not ready while starting, with the broker down, or with a silent camera, naming why', () => {
    expect(healthReport(status([cam('a')]), false, now).ready).toBe(false);
    const offline = healthReport(status([cam('a')], false), true, now);
    expect(offline).toMatchObject({ live: true, ready: false });
    expect(offline.checks.uplink!.detail).toContain('3 incidents kept');
    const stale = cam('a', { pipeline: { ...cam('a').pipeline, lastFrameAtMs: now - DEFAULT_READY_FRAME_AGE_MS - 1 } });
    expect(healthReport(status([stale]), true, now).checks['camera:a']!.ok).toBe(false);
    const down = healthReport(status([cam('a', { state: 'down', lastError: 'CAMERA_UNREACHABLE: connection refused' })]), true, now);
    expect(down.checks['camera:a']).toEqual({ ok: false, detail: 'down: CAMERA_UNREACHABLE: connection refused' });
  });
});

describe('quantile', () => {
  it('takes the nearest-rank quantile of an unsorted sample', async () => {
    const { quantile } = await import('../../../agent/core/stats.js');
    expect(quantile([], 0.5)).toBeUndefined();
    expect(quantile([30, 10, 20], 0.5)).toBe(20);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(hundred, 0.95)).toBe(95);
    expect(quantile(hundred, 1)).toBe(100);
  });
});
