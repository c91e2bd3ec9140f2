import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createDetector, type Detection, type RgbImage, DEFAULT_NMS_IOU_THRESHOLD, DEFAULT_SCORE_THRESHOLD } from '../../detection/index.js';
import { CamwatchError, describeError } from '../../core/index.js';
import type { CliCommand, CliIO } from '../types.js';
import { commandUsage } from '../usage.js';

/** Where the manifest and model files are looked for when not given (relative to the working directory). */
export const DEFAULT_MANIFEST_PATH = 'models/manifest.json';
export const DEFAULT_MODELS_DIR = 'models';

const usage = `Usage: camwatch detect --model NAME [options] IMAGE...

Runs the detector on still images and prints the detections as a JSON array, COCO style, one object per line:
  {"image": "bus.jpg", "category": "bus", "category_id": 5, "bbox": [x, y, width, height], "score": 0.91}
bbox is in pixels of the image as displayed (EXIF orientation applied); category_id is the model's class index.

Options:
  -m, --model NAME        model name from the manifest (required)
  -t, --threshold SCORE   minimum score, 0..1 (default ${DEFAULT_SCORE_THRESHOLD})
      --iou IOU           NMS IoU threshold, 0..1 (default ${DEFAULT_NMS_IOU_THRESHOLD})
      --models-dir DIR    folder holding the model files (default ${DEFAULT_MODELS_DIR})
      --manifest FILE     model manifest (default ${DEFAULT_MANIFEST_PATH})
      --threads N         ONNX intra-op threads (default: number of cores)
  -h, --help              this text

Exit status: 0 ok, 1 model or image error, 2 bad arguments.`;

/** One output record: COCO results format, plus the category name and the image path as given. */
export interface DetectRecord {
  image: string;
  category: string;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

class UsageError extends Error {}

interface DetectArgs {
  model: string;
  threshold: number;
  iou: number;
  modelsDir: string;
  manifest: string;
  threads?: number;
  images: string[];
}

function parse(argv: string[], io: CliIO): DetectArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string', short: 'm' },
        threshold: { type: 'string', short: 't' },
        iou: { type: 'string' },
        'models-dir': { type: 'string' },
        manifest: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.model === undefined || v.model === '') throw new UsageError('--model is required');
  if (parsed.positionals.length === 0) throw new UsageError('give at least one IMAGE');
  const unit = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} must be a number from 0 to 1, got "${raw}"`);
    return n;
  };
  const out: DetectArgs = {
    model: v.model,
    threshold: unit('threshold', v.threshold, DEFAULT_SCORE_THRESHOLD),
    iou: unit('iou', v.iou, DEFAULT_NMS_IOU_THRESHOLD),
    modelsDir: resolve(io.cwd, v['models-dir'] ?? DEFAULT_MODELS_DIR),
    manifest: resolve(io.cwd, v.manifest ?? DEFAULT_MANIFEST_PATH),
    images: parsed.positionals,
  };
  if (v.threads !== undefined) {
    const n = Number(v.threads);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--threads must be an integer from 1 to 64, got "${v.threads}"`);
    out.threads = n;
  }
  return out;
}

/** Decodes an image file to RGB24, upright per its EXIF orientation; alpha dropped, grey or CMYK made sRGB. */
export async function readImageRgb(file: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, data };
  } catch (err) {
    throw new ImageError(`cannot read image ${file}: ${(err as Error).message}`);
  }
}

class ImageError extends Error {}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** Detections of one image as COCO-style records (bbox [x, y, w, h], 2 decimals; score 4 decimals). */
export function toRecords(image: string, detections: readonly Detection[]): DetectRecord[] {
  return detections.map((d) => ({
    image,
    category: d.className,
    category_id: d.classId,
    bbox: [round(d.box.x1, 2), round(d.box.y1, 2), round(d.box.x2 - d.box.x1, 2), round(d.box.y2 - d.box.y1, 2)],
    score: round(d.score, 4),
  }));
}

export const detectCommand: CliCommand = {
  name: 'detect',
  usage,
  async run(argv, io) {
    let args;
    try {
      args = parse(argv, io);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      return commandUsage('detect', usage, io).error(err.message);
    }
    if (args === 'help') return commandUsage('detect', usage, io).help();
    let detector;
    try {
      detector = await createDetector({
        manifestPath: args.manifest,
        modelsDir: args.modelsDir,
        modelName: args.model,
        scoreThreshold: args.threshold,
        nmsIouThreshold: args.iou,
        ...(args.threads === undefined ? {} : { threads: args.threads }),
      });
      const records: DetectRecord[] = [];
      for (const image of args.images) {
        const rgb = await readImageRgb(isAbsolute(image) ? image : resolve(io.cwd, image));
        records.push(...toRecords(image, await detector.detect(rgb)));
      }
      // One record per line: greppable, and still one JSON document.
      io.stdout.write(records.length === 0 ? '[]\n' : `[\n${records.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n]\n`);
      return 0;
    } catch (err) {
      if (err instanceof CamwatchError || err instanceof ImageError) {
        io.stderr.write(`camwatch detect: ${describeError(err)}\n`);
        return 1;
      }
      throw err;
    } finally {
      await detector?.close();
    }
  },
};
