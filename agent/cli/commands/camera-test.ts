import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { loadConfig, resolveConfigPath, secretValues, type LoadedConfig } from '../../config/load.js';
import { cameraSchema, type CameraConfig } from '../../config/schema.js';
import { createDetector } from '../../detection/index.js';
import { buildSourceUrl } from '../../frames/ffmpeg-args.js';
import { createFrameSource } from '../../frames/index.js';
import type { Frame } from '../../frames/types.js';
import { renderSnapshot } from '../../incidents/snapshot.js';
import { createLogger } from '../../ops/logger.js';
import { redactSecrets } from '../../ops/redact.js';
import { lineToFrame, zoneToFrame } from '../../rules/geometry.js';
import { DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import type { CliIO } from '../types.js';

/** How long `camera test` waits for the first frame before giving up (s): covers a slow RTSP handshake. */
export const DEFAULT_FIRST_FRAME_TIMEOUT_S = 20;

export const cameraTestUsage = `Usage: camwatch camera test <id|rtsp-url|video-file> [options]

Connects to one camera the way the agent does, reports codec, resolution and fps, grabs one frame, runs
the detector on it and writes a JPEG with the detections and the camera's zones and lines drawn, so the
geometry can be checked by eye (copy it off the box with scp).

Options:
  -c, --config FILE     config holding the camera and the model (default: ${DEFAULT_CONFIG_PATH}, else the example)
  -o, --out FILE        where to write the annotated JPEG (default: camera-test-<id>.jpg)
  -m, --model NAME      detector model (default: the config's detection.model)
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
  const say = (text: string) => io.stderr.write(redactSecrets(text, [...secretValues(loaded), ...(password ? [password] : [])]));

  say(`camera ${camera.id}: probing the stream…\n`);
  const info = await probe(camera, loaded, password);
  say(`camera ${camera.id}: ${info.codec ?? '?'} ${info.width ?? '?'}x${info.height ?? '?'} @ ${info.fps ?? '?'} fps; grabbing a frame…\n`);
  const { frame, sourceWidth, sourceHeight } = await grabFrame(camera, loaded, password);

  const detector = await createDetector({
    manifestPath: resolveConfigPath(loaded, loaded.config.models.manifest),
    modelsDir: resolveConfigPath(loaded, loaded.config.models.dir),
    modelName: values.model ?? loaded.config.detection.model,
    scoreThreshold: threshold ?? loaded.config.detection.scoreThreshold,
    nmsIouThreshold: loaded.config.detection.nmsIouThreshold,
  });
  const detections = await detector.detect(frame).finally(() => detector.close());

  const geo = { frameWidth: frame.width, frameHeight: frame.height, sourceWidth: sourceWidth ?? info.width, sourceHeight: sourceHeight ?? info.height };
  const snapshot = await renderSnapshot(frame, {
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
        `frame      ${frame.width}x${frame.height} (analysis size)`,
        `detected   ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing'}`,
        `geometry   ${camera.zones.length} zone(s), ${camera.lines.length} line(s) drawn`,
        `image      ${out}`,
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

async function probe(camera: CameraConfig, loaded: LoadedConfig, password: string | undefined): Promise<StreamInfo> {
  const source = camera.source;
  const input = 'file' in source ? resolve(loaded.baseDir, source.file) : buildSourceUrl(source, password);
  const network = 'url' in source ? ['-rtsp_transport', source.transport, '-timeout', '5000000'] : [];
  try {
    const { stdout } = await promisify(execFile)(
      'ffprobe',
      [...network, '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,avg_frame_rate', '-of', 'json', input],
      { timeout: 15_000 },
    );
    const s = (JSON.parse(stdout) as { streams?: Array<{ codec_name?: string; width?: number; height?: number; avg_frame_rate?: string }> }).streams?.[0];
    const [n, d] = (s?.avg_frame_rate ?? '').split('/').map(Number);
    return { codec: s?.codec_name, width: s?.width, height: s?.height, fps: n && d ? Math.round((n / d) * 100) / 100 : undefined };
  } catch {
    // The frame grab below names the precise failure (401, 404, unreachable) through the agent's own classifier.
    return {};
  }
}

async function grabFrame(camera: CameraConfig, loaded: LoadedConfig, password: string | undefined): Promise<{ frame: Frame; sourceWidth?: number; sourceHeight?: number }> {
  let lastError: string | undefined;
  const source = createFrameSource(camera, {
    logger: createLogger({ level: 'silent' }),
    baseDir: loaded.baseDir,
    password,
    onState: (change) => {
      if (change.lastError) lastError = change.lastError;
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
