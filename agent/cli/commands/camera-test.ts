import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, resolveConfigPath, secretValues, type LoadedConfig, cameraSchema, type CameraConfig } from '../../config/index.js';
import { createDetector, type Detection } from '../../detection/index.js';
import { createFrameSource, formatSourceError, type Frame } from '../../frames/index.js';
import { privateFrame, renderSnapshot } from '../../incidents/index.js';
import { createStillPrivacy, privacyDetectors } from '../../privacy/index.js';
import { CamwatchError, ERROR_CATALOGUE, createLogger, redactSecrets } from '../../core/index.js';
import { lineToFrame, zoneToFrame } from '../../rules/index.js';
import { DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import { createProgress, type ProgressStream } from '../progress.js';
import { probeStream } from '../stream-probe.js';
import type { CliIO } from '../types.js';

/** How long `camera test` waits for the first frame before giving up (s): covers a slow RTSP handshake. */
export const DEFAULT_FIRST_FRAME_TIMEOUT_S = 20;
/** Seconds decoded to measure codec, size and frame rate before the frame is grabbed. */
export const DEFAULT_CAMERA_TEST_PROBE_SECONDS = 1;

export const cameraTestUsage = `Usage: camwatch camera test <id|rtsp-url|video-file> [options]

Connects to one camera the way the agent does, reports codec, resolution and fps, grabs one frame, runs
the detector on it and writes a JPEG with the detections and the camera's zones and lines drawn, so the
geometry can be checked by eye (copy it off the box with scp).

Options:
  -c, --config FILE     config holding the camera and the model (default: ${DEFAULT_CONFIG_PATH}, else the example)
  -o, --out FILE        where to write the annotated JPEG (default: camera-test-<id>.jpg)
  -m, --model NAME      detector model (default: the config's detection.model)
      --full-size       grab the frame at the stream's full resolution (default: the camera's analysis.width,
                        what the agent analyses)
      --threshold N     detection score threshold, 0..1 (default: the config's)
      --json            print the report as JSON
  -h, --help            this text`;

interface StreamInfo {
  codec?: string;
  width?: number;
  height?: number;
  fps?: number;
}

/** `camwatch camera test`: one frame through the real decoder and detector, drawn with the geometry. */
export async function cameraTest(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      out: { type: 'string', short: 'o' },
      model: { type: 'string', short: 'm' },
      threshold: { type: 'string' },
      'full-size': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${cameraTestUsage}\n`);
    return 0;
  }
  const target = positionals[0];
  if (!target || positionals.length > 1) {
    io.stderr.write(`camwatch camera test: give one camera id, RTSP URL or video file\n\n${cameraTestUsage}\n`);
    return 2;
  }
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    io.stderr.write(`camwatch camera test: --threshold must be a number from 0 to 1, got "${values.threshold}"\n`);
    return 2;
  }
  const configPath = values.config ?? (await exists(resolve(io.cwd, DEFAULT_CONFIG_PATH)) ? DEFAULT_CONFIG_PATH : EXAMPLE_CONFIG_PATH);
  const loaded = await loadConfig(resolve(io.cwd, configPath), { env: io.env });
  const camera = pickCamera(loaded, target, io.cwd);
  const password = loaded.secrets.cameraPasswords[camera.id];
  const secrets = [...secretValues(loaded), ...(password ? [password] : [])];
  const progress = createProgress(io.stderr as ProgressStream, { prefix: `camera ${camera.id}: ` });

  let info: StreamInfo;
  let grabbed: Awaited<ReturnType<typeof grabFrame>>;
  let detections: Detection[];
  try {
    progress.start('probing the stream');
    info = await probe(camera, loaded, password, (s) => progress.update(undefined, s / DEFAULT_CAMERA_TEST_PROBE_SECONDS));
    progress.start(`${info.codec ?? '?'} ${info.width ?? '?'}x${info.height ?? '?'} @ ${info.fps ?? '?'} fps; grabbing a frame`);
    // Full size: the same decoder, scaled to the stream's own width instead of analysis.width.
    const grabCamera = values['full-size'] && info.width !== undefined ? { ...camera, analysis: { ...camera.analysis, width: info.width } } : camera;
    grabbed = await grabFrame(grabCamera, loaded, password);
    progress.start(`loading model ${values.model ?? loaded.config.detection.model}`);
    const detector = await createDetector({
      manifestPath: resolveConfigPath(loaded, loaded.config.models.manifest),
      modelsDir: resolveConfigPath(loaded, loaded.config.models.dir),
      modelName: values.model ?? loaded.config.detection.model,
      scoreThreshold: threshold ?? loaded.config.detection.scoreThreshold,
      nmsIouThreshold: loaded.config.detection.nmsIouThreshold,
    });
    progress.start('detecting');
    detections = await detector.detect(grabbed.frame).finally(() => detector.close());
  } catch (err) {
    // ffmpeg errors can quote the source URL: nothing reaches the terminal without the redactor.
    if (err instanceof CamwatchError) throw new CamwatchError(err.code, redactSecrets(err.message, secrets), { hint: err.hint, cause: err });
    throw new Error(redactSecrets((err as Error).message, secrets), { cause: err });
  } finally {
    progress.stop();
  }
  const { frame, sourceWidth, sourceHeight } = grabbed;

  const geo = { frameWidth: frame.width, frameHeight: frame.height, sourceWidth: sourceWidth ?? info.width, sourceHeight: sourceHeight ?? info.height };
  // The picture leaves the box (scp): the camera's privacy (masks, face / plate blur) applies as to every still.
  const blur = camera.privacy.blurFaces || camera.privacy.blurPlates;
  const detectors = blur ? privacyDetectors(resolveConfigPath(loaded, loaded.config.models.manifest), resolveConfigPath(loaded, loaded.config.models.dir)) : undefined;
  const shown = await privateFrame(frame, createStillPrivacy(camera.privacy, detectors)).finally(() => detectors?.close());
  const snapshot = await renderSnapshot(shown, {
    boxes: detections.map((d) => ({ box: d.box, label: `${d.className} ${d.score.toFixed(2)}` })),
    polygons: camera.zones.map((z) => ({ points: zoneToFrame(z, geo), label: z.id, colour: '#00d0ff' })),
    lines: camera.lines.map((l) => ({ ...lineToFrame(l, geo), label: l.id, colour: '#ffd000' })),
  });
  const out = resolve(io.cwd, values.out ?? `camera-test-${camera.id}.jpg`);
  await writeFile(out, snapshot.jpeg);

  const report = {
    camera: camera.id,
    stream: info,
    frame: { width: frame.width, height: frame.height },
    detections: detections.map((d) => ({ category: d.className, score: Math.round(d.score * 1000) / 1000, box: d.box })),
    zones: camera.zones.map((z) => z.id),
    lines: camera.lines.map((l) => l.id),
    image: out,
  };
  if (values.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const counts = new Map<string, number>();
    for (const d of detections) counts.set(d.className, (counts.get(d.className) ?? 0) + 1);
    io.stdout.write(
      [
        `camera     ${camera.id}`,
        `stream     ${info.codec ?? '?'} ${info.width ?? '?'}x${info.height ?? '?'} @ ${info.fps ?? '?'} fps`,
        `frame      ${frame.width}x${frame.height} (${values['full-size'] ? 'full size' : 'analysis size'})`,
        `detected   ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing'}`,
        ...detections.map((d) => `  ${d.className.padEnd(12)} ${d.score.toFixed(2)}  at ${Math.round(d.box.x1)},${Math.round(d.box.y1)} size ${Math.round(d.box.x2 - d.box.x1)}x${Math.round(d.box.y2 - d.box.y1)}`),
        `geometry   ${camera.zones.length} zone(s), ${camera.lines.length} line(s) drawn`,
        `image      ${out}`,
        `           copy it off the box: scp <box>:${out} .`,
        '',
      ].join('\n'),
    );
  }
  return 0;
}

/** A configured camera by id, or an ad-hoc one from an RTSP URL or a video file path. */
function pickCamera(loaded: LoadedConfig, target: string, cwd: string): CameraConfig {
  const configured = loaded.config.cameras.find((c) => c.id === target);
  if (configured) return configured;
  if (/^rtsps?:\/\//i.test(target)) return cameraSchema.parse({ id: 'adhoc', source: { url: target } });
  if (/\.(mp4|mkv|avi|mov|ts|h264|h265)$/i.test(target)) return cameraSchema.parse({ id: 'adhoc', source: { file: resolve(cwd, target) } });
  const ids = loaded.config.cameras.map((c) => c.id).join(', ') || 'none';
  throw new Error(`no camera "${target}" in ${loaded.path} (cameras: ${ids}); give an id, an rtsp:// URL or a video file`);
}

/** Codec, size and frame rate from a short decode; a stream that does not decode ends the test with the reason. */
async function probe(camera: CameraConfig, loaded: LoadedConfig, password: string | undefined, onProgress: (s: number) => void): Promise<StreamInfo> {
  const source = camera.source;
  const filePath = 'file' in source ? resolve(loaded.baseDir, source.file) : undefined;
  if (filePath !== undefined && !(await exists(filePath))) {
    throw new CamwatchError('SOURCE_INVALID', `camera ${camera.id}: video file ${filePath} does not exist`);
  }
  const result = await probeStream(source, {
    seconds: DEFAULT_CAMERA_TEST_PROBE_SECONDS,
    ...(filePath === undefined ? {} : { filePath }),
    ...(password === undefined ? {} : { password }),
    onProgress,
  });
  if (result.error !== undefined) {
    const { code, message } = result.error;
    const hint = code === undefined ? 'Check the source of this camera in the config; camwatch doctor checks every camera.' : ERROR_CATALOGUE[code];
    throw new CamwatchError(code ?? 'SOURCE_INVALID', `camera ${camera.id}: ${message}`, { hint });
  }
  // A file's header is exact; for a camera, what arrives is the truth.
  const fps = 'file' in source ? (result.declaredFps ?? result.measuredFps) : (result.measuredFps ?? result.declaredFps);
  return { codec: result.codec, width: result.width, height: result.height, fps };
}

async function grabFrame(camera: CameraConfig, loaded: LoadedConfig, password: string | undefined): Promise<{ frame: Frame; sourceWidth?: number; sourceHeight?: number }> {
  let lastError: string | undefined;
  const source = createFrameSource(camera, {
    logger: createLogger({ level: 'silent' }),
    baseDir: loaded.baseDir,
    password,
    onState: (change) => {
      if (change.lastError) lastError = formatSourceError(change.lastError);
    },
  });
  source.start();
  const timeout = AbortSignal.timeout(DEFAULT_FIRST_FRAME_TIMEOUT_S * 1000);
  try {
    const frame = await source.next(timeout);
    if (!frame) throw new Error(`no frame from camera ${camera.id} within ${DEFAULT_FIRST_FRAME_TIMEOUT_S} s${lastError ? `: ${lastError}` : ''}`);
    const stats = source.stats();
    return { frame, sourceWidth: stats.sourceWidth, sourceHeight: stats.sourceHeight };
  } finally {
    await source.stop();
  }
}

async function exists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  return access(path).then(
    () => true,
    () => false,
  );
}
