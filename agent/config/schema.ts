import { z } from 'zod';

/**
 * The one config schema. Every field has a default, bounds and a description; unknown keys are rejected
 * (a typo must not silently disable a rule). Geometry is validated here so a bad zone fails at start-up.
 */

const point = z.tuple([z.number(), z.number()]).describe('[x, y]');

export const UNITS = ['normalized', 'pixels'] as const;
const units = z
  .enum(UNITS)
  .default('normalized')
  .describe('normalized: 0..1 of frame width/height (resolution independent); pixels: pixels of the source stream');

export const zoneSchema = z
  .strictObject({
    id: z.string().min(1).describe('Zone id, unique per camera; appears in incidents'),
    name: z.string().optional(),
    units,
    points: z.array(point).min(3, 'expected at least 3 points').describe('Polygon corners, in order'),
  })
  .describe('A polygon in the camera image');

export const lineSchema = z
  .strictObject({
    id: z.string().min(1),
    name: z.string().optional(),
    units,
    from: point,
    to: point,
  })
  .describe('A directed line (tripwire): crossing from its left side to its right side (image coordinates, y down) counts as "in"');

const classes = z
  .array(z.string().min(1))
  .min(1)
  .optional()
  .describe('Detector class names this rule applies to (e.g. person, car, motorcycle); all classes when absent');

export const zoneIntrusionRule = z.strictObject({
  id: z.string().min(1),
  type: z.literal('zone_intrusion'),
  zone: z.string().min(1).describe('Id of a zone of this camera'),
  classes,
  minSeconds: z.number().min(0).max(86_400).default(2).describe('How long the object must stay inside (s)'),
  cooldownSeconds: z.number().min(0).max(86_400).default(30).describe('Same track does not re-trigger within this time (s)'),
  severity: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('medium'),
});

export const lineCrossingRule = z.strictObject({
  id: z.string().min(1),
  type: z.literal('line_crossing'),
  line: z.string().min(1).describe('Id of a line of this camera'),
  classes,
  direction: z.enum(['in', 'out', 'both']).default('both').describe('Which crossings raise an incident; all are counted'),
  severity: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('info'),
});

export const ruleSchema = z.discriminatedUnion('type', [zoneIntrusionRule, lineCrossingRule]);

export const sourceSchema = z.union([
  z.strictObject({
    url: z.string().min(1).describe('rtsp://[user[:password]@]host[:port]/path'),
    transport: z.enum(['tcp', 'udp']).default('tcp'),
    username: z.string().optional(),
    password: z.string().optional().describe('Camera password; prefer passwordFile or passwordEnv'),
    passwordFile: z.string().optional(),
    passwordEnv: z.string().optional(),
  }),
  z.strictObject({
    file: z.string().min(1).describe('A video file played at real-time rate, looped: stands in for a camera'),
    loop: z.boolean().default(true),
  }),
]);

/** What `camwatch camera add` learned over ONVIF; informational, the agent streams from source.url. */
export const onvifSchema = z
  .strictObject({
    xaddr: z.string().url().describe('ONVIF device service URL'),
    mainStreamUri: z.string().optional().describe('Highest-resolution stream (for evidence), without credentials'),
    snapshotUri: z.string().optional().describe('JPEG snapshot URL, without credentials'),
    clockSkewMs: z.number().int().optional().describe('Camera clock minus agent clock when onboarded (ms)'),
  })
  .describe('ONVIF facts recorded at onboarding');

export const cameraSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_" only (it becomes an MQTT topic level)'),
  name: z.string().optional(),
  enabled: z.boolean().default(true),
  source: sourceSchema,
  location: z
    .strictObject({
      lat: z.number().min(-90).max(90).optional(),
      lon: z.number().min(-180).max(180).optional(),
      address: z.string().optional(),
    })
    .optional(),
  analysis: z
    .strictObject({
      fps: z.number().gt(0).max(30).default(5).describe('Frames analysed per second'),
      width: z.number().int().min(160).max(1920).default(640).describe('Analysis frame width (px); height keeps the aspect ratio'),
      stallSeconds: z.number().min(1).max(600).default(10).describe('No frame for this long restarts the decoder'),
    })
    .prefault({}),
  zones: z.array(zoneSchema).default([]),
  lines: z.array(lineSchema).default([]),
  rules: z.array(ruleSchema).default([]),
  onvif: onvifSchema.optional(),
});

export const configSchema = z.strictObject({
  version: z.literal(1).default(1).describe('Config format version'),
  agent: z
    .strictObject({
      id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_" only').default('camwatch-edge'),
      dataDir: z.string().default('./var').describe('SQLite store and evidence directory'),
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    })
    .prefault({}),
  models: z
    .strictObject({
      dir: z.string().default('./models').describe('Directory holding the model files named in the manifest'),
      manifest: z.string().default('./models/manifest.json'),
    })
    .prefault({}),
  detection: z
    .strictObject({
      model: z.string().default('yolox_nano_416').describe('Model name from the manifest'),
      scoreThreshold: z.number().min(0).max(1).default(0.35),
      nmsIouThreshold: z.number().min(0).max(1).default(0.45),
      threads: z.number().int().min(1).max(64).optional().describe('ONNX intra-op threads; default from core count'),
    })
    .prefault({}),
  tracking: z
    .strictObject({
      iouThreshold: z.number().min(0).max(1).default(0.3),
      maxLostSeconds: z.number().min(0).max(60).default(1.5),
      minHits: z.number().int().min(1).max(30).default(2),
    })
    .prefault({}),
  mqtt: z
    .strictObject({
      url: z.string().optional().describe('mqtt://, mqtts://, ws:// broker URL; absent → the embedded broker'),
      embeddedPort: z.number().int().min(0).max(65535).default(1883).describe('Port of the embedded broker (used when url is absent)'),
      embeddedHost: z.string().default('127.0.0.1'),
      username: z.string().optional(),
      password: z.string().optional(),
      passwordFile: z.string().optional(),
      passwordEnv: z.string().optional(),
      clientId: z.string().optional().describe('Defaults to camwatch-<agent.id>'),
      topicPrefix: z.string().regex(/^[^#+]+$/, 'must not contain MQTT wildcards').default('camwatch'),
      snapshot: z.enum(['inline', 'none']).default('inline').describe('inline: base64 JPEG inside the incident payload'),
      maxInflight: z.number().int().min(1).max(1000).default(16),
      keepaliveSeconds: z.number().int().min(5).max(3600).default(30),
    })
    .prefault({}),
  cameras: z.array(cameraSchema).default([]),
});

export type Config = z.output<typeof configSchema>;
export type CameraConfig = z.output<typeof cameraSchema>;
export type ZoneConfig = z.output<typeof zoneSchema>;
export type LineConfig = z.output<typeof lineSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type MqttConfig = Config['mqtt'];
