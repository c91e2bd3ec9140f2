import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../../agent/ops/metrics.js';
import { agentStats, agentStatus, cameraStatsLogLines, windowFps, type AgentSnapshot, type CameraSnapshot } from '../../../agent/ops/telemetry.js';
import { statsPayload } from '../../../agent/uplink/stats.js';
import type { StoreUsage } from '../../../agent/store/types.js';
import { schemaErrors, validateStats } from '../../fixtures/outbox-schemas.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

const T0 = Date.parse('2026-12-07T03:00:00Z');

function camera(over: Partial<CameraSnapshot> = {}): CameraSnapshot {
  // 5 fps for the last 20 s: frames finished every 200 ms up to T0 + 60 s.
  const done = Array.from({ length: 100 }, (_, i) => T0 + 40_000 + (i + 1) * 200);
  return {
    id: 'cam-1',
    startedAtMs: T0,
    configuredFps: 5,
    source: { state: 'online', framesDecoded: 1_500, framesDropped: 12, framesDelivered: 1_488, reconnects: 2 },
    pipeline: {
      framesDecoded: 1_500, framesAnalysed: 290, framesWithMotion: 200, inferencesRun: 180, inferencesSkipped: 110, inferencesCoasted: 0, inferencesCropped: 20, inferencesTiled: 0, detectorRuns: 180, tilesSkipped: 0, framesIdleMotion: 0,
      framesShed: 7, targetFps: 4, lagMsMax: 90, detections: 500, ruleHits: 3, latencyMsTotal: 29_000, latencyMsMax: 300,
      recentLatenciesMs: [80, 100, 120, 140, 300], lastFrameAtMs: T0 + 59_900,
    },
    recentAnalysedAtMs: done,
    incidents: 3,
    ...over,
  };
}

function snapshot(over: Partial<AgentSnapshot> = {}): AgentSnapshot {
  return {
    atMs: T0 + 60_000, startedAtMs: T0 - 1_000, agentId: 'edge-1', version: '1.2.3', model: 'yolox_nano_416',
    detector: { busyFraction: 0.4321, queued: 1 }, uplink: { connected: true, published: 9, pending: 4 }, diskFreeBytes: 5e9,
    cameras: [camera()],
    ...over,
  };
}

describe('analysis fps over a window (pure)', () => {
  it('counts the frames finished in the last 10 s', () => {
    expect(windowFps(camera().recentAnalysedAtMs, T0 + 60_000, T0)).toBe(5);
    // Two seconds later with nothing analysed: 40 frames in the window.
    expect(windowFps(camera().recentAnalysedAtMs, T0 + 62_000, T0)).toBe(4);
    expect(windowFps([], T0 + 60_000, T0)).toBe(0);
  });

  it('a camera younger than the window is measured over its own age; a full ring over what it still holds', () => {
    expect(windowFps([T0 + 500, T0 + 1_000], T0 + 1_000, T0)).toBe(2);
    // Capacity 4 and all 4 within the window: 4 frames over the 300 ms since the oldest.
    expect(windowFps([T0 + 9_700, T0 + 9_800, T0 + 9_900, T0 + 10_000], T0 + 10_000, T0 - 60_000, 10_000, 4)).toBeCloseTo(4 / 0.3, 5);
  });
});

describe('the snapshot projected four ways', () => {
  it('status: the same snapshot read twice gives the same answer, and reading does not touch the snapshot', () => {
    const snap = snapshot();
    const copy = structuredClone(snap);
    const first = agentStatus(snap);
    expect(agentStatus(snap)).toEqual(first);
    expect(snap).toEqual(copy);
    expect(first).toMatchObject({ agentId: 'edge-1', uptimeS: 61, detector: { busyFraction: 0.43, queued: 1 } });
    expect(first.cameras[0]).toMatchObject({
      id: 'cam-1', state: 'online', framesAnalysed: 290, targetFps: 4, analysisFps: 5, reconnects: 2, avgLatencyMs: 100, latencyP50Ms: 120, incidents: 3,
    });
    expect(first.cameras[0]!.pipeline).not.toHaveProperty('recentLatenciesMs');
    // The decoder's choice is shown once the stream told its rate (analysis.skipNonReferenceFrames: auto).
    expect(first.cameras[0]).not.toHaveProperty('skipsNonReferenceFrames');
    const told = agentStatus(snapshot({ cameras: [camera({ source: { ...camera().source, sourceFps: 25, skipsNonReferenceFrames: true } })] }));
    expect(told.cameras[0]).toMatchObject({ sourceFps: 25, skipsNonReferenceFrames: true });
  });

  it('stats: every field of docs/schemas/stats.schema.json is filled, per camera too, and the payload validates', () => {
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'schemas', 'stats.schema.json'), 'utf8')) as {
      properties: Record<string, unknown> & { cameras: { items: { properties: Record<string, unknown> } } };
    };
    const usage: StoreUsage = {
      snapshotBytes: 1, maxSnapshotBytes: 10, databaseBytes: 2, maxDatabaseBytes: 20, diskFreeBytes: 5, pending: 4, held: 1, fullSinceMs: T0,
      prunedSnapshots: 0, prunedUnsentSnapshots: 0, droppedEvents: 0, expiredIncidents: 0, prunedIncidents: 0,
    };
    const payload = statsPayload(agentStats(agentStatus(snapshot())), {
      agentId: 'edge-1', nowMs: T0 + 60_000, uplink: { connected: true, published: 9, backlog: 4, inflight: 0 }, store: usage,
    });
    expect(schemaErrors(validateStats, payload)).toBe('');
    expect(Object.keys(payload).sort()).toEqual(Object.keys(schema.properties).sort());
    expect(Object.keys(payload.cameras[0]!).sort()).toEqual(Object.keys(schema.properties.cameras.items.properties).sort());
    expect(payload).toMatchObject({ version: '1.2.3', model: 'yolox_nano_416', uptimeS: 61 });
    expect(payload.cameras[0]).toMatchObject({ targetFps: 4, framesAnalysed: 290, framesShed: 7, reconnects: 2, latencyP50Ms: 120 });
  });

  it('log line: one per camera with the backlog', () => {
    expect(cameraStatsLogLines(agentStatus(snapshot()))).toEqual([
      expect.objectContaining({ camera: 'cam-1', framesAnalysed: 290, analysisFps: 5, targetFps: 4, latencyP95Ms: 300, backlog: 4 }),
    ]);
  });

  it('Prometheus: running totals are Counters (names unchanged) that grow by the delta, also across a camera restart', async () => {
    const metrics = new AgentMetrics();
    const scrape = async () => parsePrometheusTextFormat(await metrics.registry.metrics());
    const value = (families: Awaited<ReturnType<typeof scrape>>, name: string) => {
      const family = families.find((f) => f.name === name)!;
      return { type: family.type, value: Number(family.metrics.find((m) => m.labels?.camera === 'cam-1')!.value) };
    };
    metrics.record(snapshot());
    let families = await scrape();
    for (const name of ['camwatch_frames_decoded_total', 'camwatch_frames_dropped_total', 'camwatch_frames_analysed_total', 'camwatch_camera_reconnects_total',
      'camwatch_frames_with_motion_total', 'camwatch_inferences_run_total', 'camwatch_inferences_skipped_total', 'camwatch_frames_shed_total']) {
      expect(value(families, name).type, name).toBe('COUNTER');
    }
    expect(value(families, 'camwatch_frames_analysed_total').value).toBe(290);
    expect(value(families, 'camwatch_analysis_fps')).toEqual({ type: 'GAUGE', value: 5 });
    // The same figures again: nothing added.
    metrics.record(snapshot());
    expect(value(await scrape(), 'camwatch_frames_analysed_total').value).toBe(290);
    // 10 more, then a restart of the camera (a new run: its counters begin again at 0) with 295 frames by the
    // next scrape: all 295 are new, although the figure is above the last one.
    const later = (framesAnalysed: number, startedAtMs = T0) => snapshot({ cameras: [camera({ startedAtMs, pipeline: { ...camera().pipeline, framesAnalysed } })] });
    metrics.record(later(300));
    metrics.record(later(295, T0 + 50_000));
    families = await scrape();
    expect(value(families, 'camwatch_frames_analysed_total').value).toBe(595);
    expect(families.find((f) => f.name === 'camwatch_disk_free_bytes')!.metrics[0]!.value).toBe('5000000000');
  });
});
