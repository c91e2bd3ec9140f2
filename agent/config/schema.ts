import { z } from 'zod';
import { calibrationSchema, ruleSchema, timezoneSchema, trackingSchema } from './rule-schemas.js';
import { idSchema, TOPIC_PREFIX_PATTERN, TOPIC_PREFIX_RULE } from './ids.js';
import type { RulesCamera } from '../rules/index.js';
import { DEFAULT_RULES_REGION_PADDING } from '../rules/index.js';
import { DEFAULT_KEEPALIVE_SECONDS } from '../motion/index.js';
import { DEFAULT_MAX_TILES, DEFAULT_MIN_TILE_OVERLAP_PX } from '../detection/index.js';
import { MAX_POLYGON_POINTS } from './polygon.js';
import { analysisSchema, sourceSchema } from '../frames/index.js';
import { cameraClipsSchema, clipsSchema } from '../clips/index.js';
import { consoleSchema } from './console-schema.js';

/**
 * The one config schema. Every field has a default, bounds and a description; unknown keys are rejected
 * (a typo must not silently disable a rule). Geometry is validated here so a bad zone fails at start-up.
 */

const point = z
  .tuple([z.number(), z.number()])
  .describe('[x, y]: x to the right, y down, origin at the top-left corner of the image');

/** The error for a polygon over the cap (see MAX_POLYGON_POINTS for why there is one). */
const TOO_MANY_POINTS = `expected at most ${MAX_POLYGON_POINTS} points; keep only the corners of the area (a traced outline can be simplified, e.g. Douglas-Peucker in QGIS or shapely)`;

export const UNITS = ['normalized', 'pixels'] as const;
const units = z
  .enum(UNITS)
  .default('normalized')
  .describe('normalized: 0..1 of frame width/height (resolution independent); pixels: pixels of the source stream');

export const zoneSchema = z
  .strictObject({
    id: idSchema('Zone id, unique per camera; appears in incidents'),
    name: z.string().optional().describe('Human-readable name shown at the IOC'),
    units,
    points: z
      .array(point)
      .min(3, 'expected at least 3 points')
      .max(MAX_POLYGON_POINTS, TOO_MANY_POINTS)
      .describe(`Polygon corners, in order around the area (either direction); edges must not cross; at most ${MAX_POLYGON_POINTS}`),
    occupancy: z
      .boolean()
      .optional()
      .describe('true: publish the objects per class in this zone (sampled every analysed frame: mean and max per count bin) as telemetry'),
  })
  .describe('A polygon in the camera image');

export const lineSchema = z
  .strictObject({
    id: idSchema('Line id, unique per camera; appears in incidents and counters'),
    name: z.string().optional().describe('Human-readable name shown at the IOC'),
    units,
    from: point.describe('Start of the line [x, y]'),
    to: point.describe('End of the line [x, y]; must differ from `from`'),
  })
  .describe('A directed line (tripwire): crossing from its left side to its right side (image coordinates, y down) counts as "in"');

// Each rule type's options live in its descriptor (agent/rules/descriptors/); rule-schemas.ts assembles the
// union from the rules registry, with calibration, time zone and the tracker section.
export { ruleSchema, ruleSchemaOf } from './rule-schemas.js';

export { sourceSchema } from '../frames/index.js';

/** What `camwatch camera add` learned over ONVIF; informational, the agent streams from source.url. */
export const onvifSchema = z
  .strictObject({
    xaddr: z.string().url().describe('ONVIF device service URL'),
    mainStreamUri: z.string().optional().describe('Highest-resolution stream (for evidence), without credentials'),
    snapshotUri: z.string().optional().describe('JPEG snapshot URL, without credentials'),
    clockSkewMs: z.number().int().optional().describe('Camera clock minus agent clock when onboarded (ms)'),
  })
  .describe('ONVIF facts recorded at onboarding');

/** A privacy mask: an area blacked out in every still that leaves the box (normalised 0..1, like a zone). */
export const privacyMaskSchema = z
  .strictObject({
    id: idSchema('Optional mask id; names the mask in logs and the console').optional(),
    points: z
      .array(point)
      .min(3, 'expected at least 3 points')
      .max(MAX_POLYGON_POINTS, TOO_MANY_POINTS)
      .describe(`Polygon corners as fractions 0..1 of the frame width and height, in order around the area; edges must not cross; at most ${MAX_POLYGON_POINTS}`),
  })
  .describe('A polygon blacked out in every still (incident snapshots, the snapshot command, camera test)');

/** Privacy of the camera's stills (agent/privacy): masks always, face and plate blur when switched on. */
export const privacySchema = z
  .strictObject({
    masks: z.array(privacyMaskSchema).default([]).describe('Areas blacked out in every still that leaves the box (windows, doorways, private yards); clips are stream copies and are NOT masked'),
    blurFaces: z.boolean().default(false).describe('Blur faces in incident stills outside the incident\'s subject box (face detector, models/manifest.json "privacy")'),
    blurPlates: z.boolean().default(false).describe('Blur licence plates in incident stills outside the incident\'s subject box (plate detector trained on Chinese plates: see docs/operations.md for how it does on Vietnamese plates)'),
  })
  .prefault({})
  .describe('Privacy of stills (Decree 13/2023/NĐ-CP): masks and optional face / plate blur');

/** Full-resolution stills of a camera's incidents (agent/ops/full-still.ts). */
export const stillsSchema = z
  .strictObject({
    fullResolution: z
      .boolean()
      .default(false)
      .describe('For each new incident, also keep a still at the main stream\'s full resolution: one frame fetched once from clips.source when clips are on, else from onvif.mainStreamUri (with the username, password and transport of `source`), the box drawn on it, masks and blur applied; kept on the box beside the evidence (camwatch incidents show --full-snapshot). Needs one of the two'),
    timeoutSeconds: z.number().min(1).max(30).default(5).describe('The new incident waits at most this long for the full-resolution frame (s); later it goes without it'),
  })
  .prefault({})
  .describe('Full-resolution stills (off by default: one RTSP connection to the main stream per new incident)');

export const cameraSchema = z.strictObject({
  id: idSchema('Camera id, unique per agent; part of MQTT topics and incidents'),
  name: z.string().optional().describe('Human-readable name shown at the IOC'),
  enabled: z.boolean().default(true).describe('false: keep the camera in the file but do not open it'),
  source: sourceSchema,
  location: z
    .strictObject({
      lat: z.number().min(-90).max(90).optional().describe('Latitude (decimal degrees, WGS 84)'),
      lon: z.number().min(-180).max(180).optional().describe('Longitude (decimal degrees, WGS 84)'),
      address: z.string().optional().describe('Street address or landmark, as shown at the IOC'),
    })
    .optional()
    .describe('Where the camera is; copied into every incident'),
  timezone: timezoneSchema,
  calibration: calibrationSchema.optional(),
  analysis: analysisSchema,
  motion: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Run the detector only on frames with motion, moving tracks, the keep-alive cadence (objects tracked) or the empty-scene sweep'),
      pixelThreshold: z.number().int().min(1).max(255).default(25).describe('Gray-level change (0-255) that counts a pixel as moved'),
      minAreaFraction: z.number().min(0).max(1).default(0.002).describe('Share of the (unmasked) frame one connected moving region must cover to count as motion (0..1); scattered noise never adds up to a region'),
      keepAliveSeconds: z.number().min(0.1).max(60).default(DEFAULT_KEEPALIVE_SECONDS).describe('Without motion, the detector still re-checks stationary objects this often (s); in between their tracks are fed the previous detections, so they are not lost'),
      ignoreClock: z.boolean().default(true).describe('Find a burned-in clock (on-screen display) by its once-a-second change and ignore its motion'),
      emptySweepSeconds: z.number().min(0.1).max(600).default(5).describe('With nothing tracked and nothing moving, the detector still looks at the whole frame this often (s), for objects too small or slow for the motion gate'),
      masks: z
        .array(z.array(point).min(3, 'expected at least 3 points').max(MAX_POLYGON_POINTS, TOO_MANY_POINTS))
        .default([])
        .describe('Polygons in normalised coordinates where motion is ignored (timestamps, trees, flags)'),
      ignoreIdleMotion: z
        .boolean()
        .default(true)
        .describe('Learn where motion never holds an object (foliage in the wind, a flag, water): cells that moved on 10 inferences in a row with nothing detected on them no longer wake the detector, until something is detected there or they stay still for 60 s'),
      coastTracks: z
        .boolean()
        .default(true)
        .describe('When everything that moves lies on a tracked object\'s predicted box, skip the detector on that frame (at most every other frame) and move the tracks along their predicted paths: nothing new entered the picture'),
      cropToMotion: z
        .boolean()
        .default(false)
        .describe('When all motion fits in one model-input-sized window, infer on that window at native resolution instead of the shrunk whole frame (same cost, sharper small objects); the whole frame still runs every keep-alive'),
    })
    .prefault({})
    .describe('Cheap motion gate in front of the detector'),
  tiling: z
    .strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe('Run the detector on windows of the model input\'s size at native analysis resolution instead of the whole frame shrunk into the input: small far objects (motorbikes) are found far more often, at one detector run per window'),
      region: z
        .enum(['rules', 'frame'])
        .default('rules')
        .describe('rules: cover only the zones and lines the rules use, padded by `padding` (objects elsewhere are not detected); frame: the whole frame'),
      padding: z.number().min(0).max(1).default(DEFAULT_RULES_REGION_PADDING).describe('Share of the frame width/height added around the rules\' zones and lines (region: rules)'),
      maxTiles: z.number().int().min(1).max(16).default(DEFAULT_MAX_TILES).describe('Detector runs per analysed frame at most; with more windows needed they grow, and shrink in the model'),
      minOverlapPx: z.number().int().min(0).max(1024).default(DEFAULT_MIN_TILE_OVERLAP_PX).describe('Analysis pixels neighbouring windows share, so an object narrower than this is whole in one of them'),
      focus: z
        .boolean()
        .default(true)
        .describe('Run only the windows where something can have changed (motion, or a moving track\'s predicted box); the others keep their previous detections, and every window runs on the motion keep-alive (motion.keepAliveSeconds). Needs motion.enabled. false: every window on every frame the motion gate lets through'),
    })
    .prefault({})
    .describe('Tiled detection for small, far objects (off by default: each window is one detector run)'),
  zones: z.array(zoneSchema).default([]).describe('Polygons referenced by zone rules'),
  lines: z.array(lineSchema).default([]).describe('Tripwires referenced by line rules'),
  rules: z.array(ruleSchema).default([]).describe('Incident rules of this camera'),
  onvif: onvifSchema.optional(),
  privacy: privacySchema,
  stills: stillsSchema,
  clips: cameraClipsSchema,
}).describe('One camera (or video file) and its analysis');

export const configSchema = z.strictObject({
  version: z.literal(1).default(1).describe('Config format version'),
  agent: z
    .strictObject({
      id: idSchema('This box\'s id at the IOC; part of MQTT topics').default('camwatch-edge'),
      dataDir: z.string().default('./var').describe('SQLite store and evidence directory; relative to the config file'),
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('Minimum level written to the log'),
    })
    .prefault({})
    .describe('This edge box'),
  models: z
    .strictObject({
      dir: z.string().default('./models').describe('Directory holding the model files named in the manifest; relative to the config file'),
      manifest: z.string().default('./models/manifest.json').describe('Model manifest (names, files, checksums); relative to the config file'),
    })
    .prefault({})
    .describe('Where detection models live'),
  detection: z
    .strictObject({
      model: z.string().default('yolox_nano_416').describe('Model name from the manifest'),
      scoreThreshold: z.number().min(0).max(1).default(0.35).describe('Detections scoring below this (0..1) are dropped'),
      nmsIouThreshold: z.number().min(0).max(1).default(0.45).describe('Overlap (IoU, 0..1) above which duplicate boxes are merged'),
      threads: z.number().int().min(1).max(64).optional().describe('ONNX intra-op threads; default 1 per 4 cores, at least 1 (a nano model gains nothing from more; decoders need the cores)'),
      workers: z
        .union([z.literal('auto').describe('Grow with the load, up to one worker per core the threads leave (at most 4)'), z.number().int().min(1).max(16).describe('At most this many workers')])
        .default('auto')
        .describe(
          "Detector worker threads, each with its own session, running frames of different cameras at the same time. 'auto': start with one and add one (up to one per core the threads leave, at most 4) while the workers are busy ≥ 85 % over 10 s; close it after a quiet minute. On the 2-core box a second carried 8 sub-streams where one could not, for ~50-100 MB of RSS while it runs. 1: never more than one",
        ),
      maxBatch: z
        .number()
        .int()
        .min(1)
        .max(32)
        .default(1)
        .describe('Frames of different cameras per detector run, when the model has a free batch dimension. Default 1: on a 2-core CPU batches of 2 and 4 ran 4-7 % slower than single frames (scripts/bench/batch.ts); raise it with more cores or a GPU build'),
      classThresholds: z
        .record(z.string(), z.number().min(0).max(1))
        .optional()
        .describe('Minimum score per class name (model names, before any remap), e.g. {person: 0.5}; others use scoreThreshold'),
      minAreaPx: z.number().min(0).optional().describe('Drop boxes smaller than this (analysis-frame pixels²): far-away specks'),
      maxAreaPx: z.number().min(0).optional().describe('Drop boxes larger than this (pixels²): whole-frame glare'),
      minAspectRatio: z.number().gt(0).optional().describe('Drop boxes whose width/height is below this'),
      maxAspectRatio: z.number().gt(0).optional().describe('Drop boxes whose width/height is above this (a 20:1 "person" is a fence post)'),
      classRemap: z
        .strictObject({
          map: z.record(z.string(), z.string()).describe('Model class name → reported name, e.g. {car: vehicle, truck: vehicle}'),
          fallback: z.string().nullable().default(null).describe('Name for classes not in the map; null drops them'),
        })
        .optional()
        .describe('Rename model classes (e.g. COCO → person/vehicle/object); rules then use the new names'),
      loadShedding: z
        .strictObject({
          enabled: z.boolean().default(true).describe('Lower a camera\'s analysis fps when it waits too long for the shared detector, raise it again when load falls'),
          minFps: z.number().gt(0).max(30).default(1).describe('Analysis fps a camera is never lowered below'),
          lagBudgetMs: z.number().int().min(50).max(60_000).default(600).describe('p95 lag (detector dispatch − frame capture, ms) above which a camera\'s analysis fps is lowered'),
        })
        .prefault({})
        .describe('Shared detector under CPU pressure: fewer frames per camera instead of growing lag'),
    })
    .prefault({})
    .describe('Object detector'),
  tracking: trackingSchema,
  mqtt: z
    .strictObject({
      url: z.string().optional().describe('mqtt://, mqtts://, ws:// broker URL; absent → the embedded broker'),
      embeddedPort: z.number().int().min(0).max(65535).default(1883).describe('Port of the embedded broker (used when url is absent)'),
      embeddedHost: z.string().default('127.0.0.1').describe('Interface the embedded broker listens on (used when url is absent)'),
      embeddedMaxPacketBytes: z
        .number()
        .int()
        .min(1024)
        .max(256 * 1024 * 1024)
        .default(256 * 1024)
        .describe('Largest MQTT packet the embedded broker accepts from a client other than the agent (a command is a few kB); a bigger one closes the connection (bytes, default 256 KiB)'),
      embeddedCredentialsFile: z
        .string()
        .optional()
        .describe('File (mode 0600) with the operator login of the embedded broker, created at the first start; relative to the config file. Default <agent.dataDir>/embedded-broker-credentials.json'),
      username: z.string().optional().describe('Broker user'),
      password: z.string().optional().describe('Broker password; prefer passwordFile or passwordEnv'),
      passwordFile: z.string().optional().describe('File holding the broker password (trimmed); relative to the config file'),
      passwordEnv: z.string().optional().describe('Environment variable holding the broker password'),
      clientId: z.string().optional().describe('Defaults to camwatch-<agent.id>'),
      topicPrefix: z.string().regex(TOPIC_PREFIX_PATTERN, TOPIC_PREFIX_RULE).default('camwatch').describe('First topic level of everything published'),
      snapshot: z
        .enum(['inline', 'topic', 'none'])
        .default('inline')
        .describe('inline: base64 JPEG inside the event; topic: raw JPEG on <prefix>/<agentId>/evidence/<id>/<sequence>, referenced by the event; none'),
      maxInlineSnapshotBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024).describe('Inline snapshots larger than this are left out of the event (bytes)'),
      maxInflight: z.number().int().min(1).max(1000).default(16).describe('Unacknowledged QoS 1 messages in flight (messages); a quarter is kept for the backlog while live incidents overtake it'),
      historicalAfterSeconds: z
        .number()
        .int()
        .min(1)
        .max(86_400)
        .optional()
        .describe('An event published this long after it was stored is flagged historical (a replay) even without an outage (s); default 300'),
      cloudEvents: z
        .boolean()
        .optional()
        .describe('MQTT 5: add CloudEvents 1.0 attributes (binary content mode) to incident events as user properties; the payload is unchanged. Default true'),
      keepaliveSeconds: z.number().int().min(5).max(3600).default(30).describe('MQTT keepalive (s)'),
      tls: z
        .strictObject({
          ca: z.string().optional().describe('PEM file of the CA that signed the broker certificate; relative to the config file. Absent: the system CAs'),
          cert: z.string().optional().describe('PEM client certificate (mTLS), with `key`; relative to the config file'),
          key: z.string().optional().describe('PEM private key of the client certificate; relative to the config file; keep it mode 0600'),
          rejectUnauthorized: z.boolean().default(true).describe('Refuse a broker whose certificate does not verify; false only for a lab broker'),
          servername: z.string().optional().describe('Name checked against the broker certificate (SNI) when it differs from the URL host'),
        })
        .optional()
        .describe('TLS for mqtts:// and wss:// URLs; files are read at start'),
      commandSecretFile: z.string().optional().describe('File holding the shared secret IOC commands are signed with (HMAC-SHA256); relative to the config file. Set: unsigned commands are rejected'),
      commandSecretEnv: z.string().optional().describe('Environment variable holding the command signing secret'),
      maxPacketBytes: z
        .number()
        .int()
        .min(16 * 1024)
        .max(256 * 1024 ** 2)
        .default(1024 ** 2)
        .describe('Largest MQTT packet the agent accepts from the broker (bytes, default 1 MiB): announced as the MQTT 5 Maximum Packet Size; over 3.1.1 larger packets are skipped unread. Only commands come in; what the agent publishes is not limited by it'),
      commands: z
        .strictObject({
          maxBytes: z.number().int().min(1024).max(16 * 1024 ** 2).default(64 * 1024).describe('Largest command payload read (bytes); larger ones are answered COMMAND_INVALID. Keep below maxPacketBytes'),
          maxDepth: z.number().int().min(2).max(512).default(32).describe('Deepest JSON nesting of a command payload (levels), checked before parsing; deeper ones are answered COMMAND_INVALID'),
        })
        .prefault({})
        .describe('Limits on IOC commands, enforced on the raw payload before it is parsed'),
    })
    .prefault({})
    .describe('Uplink to the IOC broker'),
  store: z
    .strictObject({
      maxSnapshotBytes: z
        .number()
        .int()
        .min(0)
        .default(2 * 1024 ** 3)
        .describe('Snapshot (evidence) bytes kept in the store; above it the oldest snapshots of sent events go first (bytes, default 2 GiB)'),
      maxDatabaseBytes: z
        .number()
        .int()
        .min(1024 * 1024)
        .default(4 * 1024 ** 3)
        .describe('Used size of the SQLite file; above it snapshots, then the oldest sent incidents, are pruned (bytes, default 4 GiB)'),
      retentionDays: z.number().min(1).max(3650).default(30).describe('Sent incidents older than this are deleted with their evidence (days)'),
    })
    .prefault({})
    .describe('Disk quotas and retention of the incident store (agent.dataDir/camwatch.db); unsent incidents are never deleted'),
  health: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Serve /healthz, /readyz, /status and /metrics (Prometheus)'),
      host: z.string().default('127.0.0.1').describe('Interface to listen on; loopback keeps it to this box (read it over SSH)'),
      port: z.number().int().min(0).max(65535).default(9464).describe('TCP port (0: any free port)'),
      statsIntervalSeconds: z.number().min(1).max(3600).default(30).describe('How often stats are logged and published to <prefix>/<agentId>/stats, with line counts to cameras/<id>/counts (s)'),
    })
    .prefault({})
    .describe('Local health, status and metrics HTTP server'),
  console: consoleSchema,
  counts: z
    .strictObject({
      binSeconds: z.number().int().min(1).max(3600).default(60).describe('Length of a count bin (s): crossings per line, class and direction, and zone occupancy'),
      rollupSeconds: z
        .number()
        .int()
        .min(2)
        .max(86_400)
        .default(900)
        .describe('Length of the roll-up bin (s), published besides the bins; a multiple of binSeconds'),
    })
    .prefault({})
    .refine((c) => c.rollupSeconds % c.binSeconds === 0 && c.rollupSeconds > c.binSeconds, {
      message: 'rollupSeconds must be a multiple of binSeconds, and larger',
      path: ['rollupSeconds'],
    })
    .describe('Count telemetry: stored in agent.dataDir/camwatch.db and published on <prefix>/<agentId>/cameras/<id>/counts/bins'),
  flood: z
    .strictObject({
      maxNewPerMinute: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(6)
        .describe('New incidents per rule and camera per minute; the rest are folded into one summary event per rule and minute (camera health incidents are never folded)'),
      evidenceBytesPerHour: z
        .number()
        .int()
        .min(0)
        .default(10 * 1024 * 1024)
        .describe('Snapshot (JPEG) bytes per camera per rolling hour; over it incidents go out without a snapshot, saying why (bytes, default 10 MiB; 0: no snapshots)'),
    })
    .prefault({})
    .describe('Flood control: what a busy scene may cost the IOC and the snapshot quota'),
  clips: clipsSchema,
  cameras: z.array(cameraSchema).default([]).describe('Cameras analysed by this box'),
}).describe('camwatch edge agent configuration (config/camwatch.yaml)');

export type Config = z.output<typeof configSchema>;
export type CameraConfig = z.output<typeof cameraSchema>;
export type ZoneConfig = z.output<typeof zoneSchema>;
export type LineConfig = z.output<typeof lineSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;
/** Compile-time check: a configured camera is what the rules stage reads (its own RulesCamera shape). */
export type CameraFitsRules = CameraConfig extends RulesCamera ? true : never;
const cameraFitsRules: CameraFitsRules = true;
void cameraFitsRules;
export type SourceConfig = z.output<typeof sourceSchema>;
export type MqttConfig = Config['mqtt'];
export type StoreConfig = Config['store'];
export type ConsoleConfig = Config['console'];
export type MqttTlsConfig = NonNullable<MqttConfig['tls']>;
