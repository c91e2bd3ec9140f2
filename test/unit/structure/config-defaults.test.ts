/**
 * One default per setting: where the config has a default, the stage's own DEFAULT_… constant (what the stage
 * uses when constructed without that option: tests, benches, the CLI) must say the same, or the two drift apart.
 */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/index.js';
import { configJsonSchema } from '../../../agent/config/json-schema.js';
import { DEFAULT_COUNT_BIN_SECONDS, DEFAULT_COUNT_ROLLUP_SECONDS } from '../../../agent/counts/index.js';
import { DEFAULT_NMS_IOU_THRESHOLD, DEFAULT_SCORE_THRESHOLD } from '../../../agent/detection/index.js';
import { DEFAULT_EVIDENCE_BYTES_PER_HOUR, DEFAULT_FLOOD_MAX_NEW_PER_MINUTE } from '../../../agent/incidents/index.js';
import {
  DEFAULT_EMPTY_SWEEP_SECONDS,
  DEFAULT_FULL_FRAME_EVERY_SECONDS,
  DEFAULT_KEEPALIVE_SECONDS,
  DEFAULT_MIN_AREA_FRACTION,
  DEFAULT_PIXEL_THRESHOLD,
} from '../../../agent/motion/index.js';
import { DEFAULT_HEALTH_HOST, DEFAULT_HEALTH_PORT } from '../../../agent/ops/index.js';
import { DEFAULT_LAG_BUDGET_MS, DEFAULT_MIN_FPS } from '../../../agent/ops/adaptive-rate.js';
import { DEFAULT_STORE_MAX_DATABASE_BYTES, DEFAULT_STORE_MAX_SNAPSHOT_BYTES, DEFAULT_STORE_RETENTION_DAYS } from '../../../agent/store/index.js';
import {
  DEFAULT_BYTETRACK_IOU_THRESHOLD,
  DEFAULT_BYTETRACK_MAX_LOST_MS,
  DEFAULT_HIGH_SCORE_THRESHOLD,
  DEFAULT_IOU_THRESHOLD,
  DEFAULT_LOW_SCORE_THRESHOLD,
  DEFAULT_MAX_LOST_MS,
  DEFAULT_MAX_RIDER_CENTRE_OFFSET,
  DEFAULT_MIN_FUSED_FRAMES,
  DEFAULT_MIN_HITS,
  DEFAULT_MIN_RIDER_OVERLAP,
  DEFAULT_MIN_RIDER_SECONDS,
  DEFAULT_MIN_RIDER_SPEED_HEIGHTS_PER_S,
} from '../../../agent/tracking/index.js';
import { DEFAULT_COMMAND_LIMITS, DEFAULT_EMBEDDED_MAX_PACKET_BYTES, DEFAULT_MQTT_MAX_PACKET_BYTES } from '../../../agent/uplink/index.js';
import { DEFAULT_HISTORICAL_AFTER_MS, DEFAULT_MAX_INLINE_SNAPSHOT_BYTES } from '../../../agent/uplink/payload.js';

/** The smallest config with a camera: every other value is the schema's default. */
const config = configSchema.parse({ cameras: [{ id: 'cam-1', source: { file: 'clip.mp4' } }] });
const camera = config.cameras[0]!;

/** [config path, the config's default, the stage constant it must equal] */
const PAIRS: Array<[string, unknown, unknown]> = [
  // tracking: the default kind is bytetrack; the iou tracker reads the same fields.
  ['tracking.iouThreshold (bytetrack)', config.tracking.iouThreshold, DEFAULT_BYTETRACK_IOU_THRESHOLD],
  ['tracking.iouThreshold (iou)', config.tracking.iouThreshold, DEFAULT_IOU_THRESHOLD],
  ['tracking.maxLostSeconds (bytetrack, ms)', config.tracking.maxLostSeconds * 1000, DEFAULT_BYTETRACK_MAX_LOST_MS],
  ['tracking.maxLostSeconds (iou, ms)', config.tracking.maxLostSeconds * 1000, DEFAULT_MAX_LOST_MS],
  ['tracking.minHits', config.tracking.minHits, DEFAULT_MIN_HITS],
  ['tracking.highScoreThreshold', config.tracking.highScoreThreshold, DEFAULT_HIGH_SCORE_THRESHOLD],
  ['tracking.lowScoreThreshold', config.tracking.lowScoreThreshold, DEFAULT_LOW_SCORE_THRESHOLD],
  ['tracking.riders.minOverlap', config.tracking.riders.minOverlap, DEFAULT_MIN_RIDER_OVERLAP],
  ['tracking.riders.maxCentreOffset', config.tracking.riders.maxCentreOffset, DEFAULT_MAX_RIDER_CENTRE_OFFSET],
  ['tracking.riders.minSpeedHeightsPerS', config.tracking.riders.minSpeedHeightsPerS, DEFAULT_MIN_RIDER_SPEED_HEIGHTS_PER_S],
  ['tracking.riders.minSeconds', config.tracking.riders.minSeconds, DEFAULT_MIN_RIDER_SECONDS],
  ['tracking.riders.minFusedFrames', config.tracking.riders.minFusedFrames, DEFAULT_MIN_FUSED_FRAMES],
  // motion (per camera)
  ['cameras[].motion.pixelThreshold', camera.motion.pixelThreshold, DEFAULT_PIXEL_THRESHOLD],
  ['cameras[].motion.minAreaFraction', camera.motion.minAreaFraction, DEFAULT_MIN_AREA_FRACTION],
  ['cameras[].motion.keepAliveSeconds', camera.motion.keepAliveSeconds, DEFAULT_KEEPALIVE_SECONDS],
  ['cameras[].motion.emptySweepSeconds', camera.motion.emptySweepSeconds, DEFAULT_EMPTY_SWEEP_SECONDS],
  // The agent runs the cropper's whole-frame cadence at keepAliveSeconds (ops/camera-runner.ts).
  ['cameras[].motion.keepAliveSeconds (cropper)', camera.motion.keepAliveSeconds, DEFAULT_FULL_FRAME_EVERY_SECONDS],
  // detection
  ['detection.scoreThreshold', config.detection.scoreThreshold, DEFAULT_SCORE_THRESHOLD],
  ['detection.nmsIouThreshold', config.detection.nmsIouThreshold, DEFAULT_NMS_IOU_THRESHOLD],
  ['detection.loadShedding.minFps', config.detection.loadShedding.minFps, DEFAULT_MIN_FPS],
  ['detection.loadShedding.lagBudgetMs', config.detection.loadShedding.lagBudgetMs, DEFAULT_LAG_BUDGET_MS],
  // incidents
  ['flood.maxNewPerMinute', config.flood.maxNewPerMinute, DEFAULT_FLOOD_MAX_NEW_PER_MINUTE],
  ['flood.evidenceBytesPerHour', config.flood.evidenceBytesPerHour, DEFAULT_EVIDENCE_BYTES_PER_HOUR],
  // counts
  ['counts.binSeconds', config.counts.binSeconds, DEFAULT_COUNT_BIN_SECONDS],
  ['counts.rollupSeconds', config.counts.rollupSeconds, DEFAULT_COUNT_ROLLUP_SECONDS],
  // store
  ['store.maxSnapshotBytes', config.store.maxSnapshotBytes, DEFAULT_STORE_MAX_SNAPSHOT_BYTES],
  ['store.maxDatabaseBytes', config.store.maxDatabaseBytes, DEFAULT_STORE_MAX_DATABASE_BYTES],
  ['store.retentionDays', config.store.retentionDays, DEFAULT_STORE_RETENTION_DAYS],
  // uplink
  ['mqtt.embeddedMaxPacketBytes', config.mqtt.embeddedMaxPacketBytes, DEFAULT_EMBEDDED_MAX_PACKET_BYTES],
  ['mqtt.maxPacketBytes', config.mqtt.maxPacketBytes, DEFAULT_MQTT_MAX_PACKET_BYTES],
  ['mqtt.maxInlineSnapshotBytes', config.mqtt.maxInlineSnapshotBytes, DEFAULT_MAX_INLINE_SNAPSHOT_BYTES],
  ['mqtt.commands.maxBytes', config.mqtt.commands.maxBytes, DEFAULT_COMMAND_LIMITS.maxBytes],
  ['mqtt.commands.maxDepth', config.mqtt.commands.maxDepth, DEFAULT_COMMAND_LIMITS.maxDepth],
  // health
  ['health.host', config.health.host, DEFAULT_HEALTH_HOST],
  ['health.port', config.health.port, DEFAULT_HEALTH_PORT],
];

/** The "default N" a field without a schema default states in its description (the stage applies it). */
function describedDefault(path: readonly string[]): number | undefined {
  let node = configJsonSchema() as { properties?: Record<string, unknown>; description?: string };
  for (const key of path) node = node.properties![key] as typeof node;
  const m = /default (\d+(?:\.\d+)?)/i.exec(node.description ?? '');
  return m ? Number(m[1]) : undefined;
}

describe('config defaults and the stages\' DEFAULT_… constants', () => {
  it.each(PAIRS)('%s: the config default equals the stage constant', (_path, fromConfig, fromStage) => {
    expect(fromConfig).toEqual(fromStage);
  });

  it('mqtt.historicalAfterSeconds (no schema default): the described default is the uplink\'s', () => {
    expect(config.mqtt.historicalAfterSeconds).toBeUndefined();
    expect(describedDefault(['mqtt', 'historicalAfterSeconds'])).toBe(DEFAULT_HISTORICAL_AFTER_MS / 1000);
  });
});
