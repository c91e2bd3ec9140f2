/**
 * Contact sheets for labelling a clip: its frames at analysis size, decoded exactly as `camwatch eval` decodes
 * them (same ffmpeg options, frame k at k × every seconds), with the camera's zones and lines drawn (line ids,
 * arrows pointing to the "in" side), the video time on every tile, and the clip's own labels marked (expected
 * incidents starting within the tile's interval, empty spans), tiled into PNG sheets.
 *
 *   npx tsx scripts/eval/contact-sheet.ts eval/clips/x.yaml [--every 0.5] [--from S] [--to S]
 *       [--cols 4] [--rows 5] [--tile-width PX] [--out DIR]
 *
 * Sheets go to var/contact-sheets/<clip>/ by default (var/ is not committed): <clip>_<from>-<to>s.png.
 * Step through an event at the analysis rate with --every 0.2 (5 fps) and a narrow --from/--to.
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadClip, defaultDataDir, projectRootOf, type LoadedClip } from '../../agent/eval/clip.js';
import { loadEvalSettings, DEFAULT_EVAL_CONFIG } from '../../agent/eval/settings.js';
import { ensureClipVideo } from '../../agent/eval/video-cache.js';
import { ReplaySource } from '../../agent/frames/replay-source.js';
import type { Frame } from '../../agent/frames/types.js';
import { overlaySvg, type SnapshotOverlay } from '../../agent/incidents/snapshot.js';
import { createLogger } from '../../agent/core/logger.js';
import { describeError } from '../../agent/core/errors.js';
import { lineToFrame, zoneToFrame, type FrameGeometry } from '../../agent/rules/geometry.js';

/** Tile time label strip height (px) and font size, scaled to the tile width. */
const LABEL_FONT_FRACTION = 1 / 32;

interface Tile {
  tS: number;
  frame: Frame;
}

function usage(message?: string): never {
  if (message) console.error(`contact-sheet: ${message}`);
  console.error('usage: npx tsx scripts/eval/contact-sheet.ts CLIP.yaml [--every S] [--from S] [--to S] [--cols N] [--rows N] [--tile-width PX] [--out DIR]');
  process.exit(2);
}

function positiveNumber(name: string, raw: string | undefined, fallback: number | undefined): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) usage(`--${name} must be a number ≥ 0, got "${raw}"`);
  return n;
}

/** Zones and lines in analysis pixels, labelled with their ids. */
function cameraOverlay(clip: LoadedClip, geo: FrameGeometry): SnapshotOverlay {
  return {
    polygons: clip.camera.zones.map((z) => ({ points: zoneToFrame(z, geo), label: z.id })),
    lines: clip.camera.lines.map((l) => ({ ...lineToFrame(l, geo), label: `${l.id} (arrow: in)` })),
  };
}

/** The time tag and the clip's labels for a tile, as SVG on top of the frame. */
function tileLabels(clip: LoadedClip, tile: Tile, every: number, width: number, height: number): string {
  const font = Math.max(11, Math.round(width * LABEL_FONT_FRACTION));
  const texts: Array<{ text: string; colour: string }> = [{ text: `t=${tile.tS.toFixed(2)} s  frame ${tile.frame.seq}`, colour: '#ffffff' }];
  if (clip.truth.empty.some((s) => tile.tS >= s.fromS && tile.tS < s.toS)) texts.push({ text: 'labelled EMPTY', colour: '#9be29b' });
  for (const e of clip.truth.incidents) {
    if (e.startS >= tile.tS - every / 2 && e.startS < tile.tS + every / 2) texts.push({ text: `expected: ${e.rule}${e.class ? ` ${e.class}` : ''} @${e.startS}`, colour: '#ffb3b3' });
  }
  const esc = (s: string) => s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const rows = texts
    .map((t, i) => {
      const y = Math.round(font * 1.3 * (i + 1));
      return `<rect x="0" y="${y - font}" width="${Math.ceil(t.text.length * font * 0.62) + 8}" height="${Math.round(font * 1.3)}" fill="#000000" fill-opacity="0.65"/><text x="4" y="${y}" font-family="DejaVu Sans Mono, monospace" font-size="${font}" fill="${t.colour}">${esc(t.text)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rows}</svg>`;
}

async function renderTile(clip: LoadedClip, tile: Tile, every: number, geo: FrameGeometry, tileWidth: number): Promise<{ png: Buffer; width: number; height: number }> {
  const { width, height, data } = tile.frame;
  const overlay = overlaySvg(width, height, cameraOverlay(clip, geo));
  let img = sharp(data, { raw: { width, height, channels: 3 } }).composite([
    { input: Buffer.from(overlay), top: 0, left: 0 },
    { input: Buffer.from(tileLabels(clip, tile, every, width, height)), top: 0, left: 0 },
  ]);
  const scaled = tileWidth !== width;
  const outH = scaled ? Math.round((height * tileWidth) / width) : height;
  if (scaled) img = sharp(await img.png().toBuffer()).resize(tileWidth, outH);
  return { png: await img.png().toBuffer(), width: tileWidth, height: outH };
}

async function writeSheet(tiles: Array<{ png: Buffer; width: number; height: number }>, cols: number, file: string): Promise<void> {
  const gap = 4;
  const w = tiles[0]!.width;
  const h = tiles[0]!.height;
  const rows = Math.ceil(tiles.length / cols);
  await sharp({ create: { width: cols * w + (cols - 1) * gap, height: rows * h + (rows - 1) * gap, channels: 3, background: '#202020' } })
    .composite(tiles.map((t, i) => ({ input: t.png, left: (i % cols) * (w + gap), top: Math.floor(i / cols) * (h + gap) })))
    .png()
    .toFile(file);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        every: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        cols: { type: 'string' },
        rows: { type: 'string' },
        'tile-width': { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
      },
    });
  } catch (err) {
    usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usage('give one CLIP.yaml');
  const every = positiveNumber('every', values.every, 0.5)!;
  if (every <= 0) usage('--every must be above 0');
  const fromS = positiveNumber('from', values.from, 0)!;
  const toS = positiveNumber('to', values.to, undefined);
  const cols = Math.max(1, Math.round(positiveNumber('cols', values.cols, 4)!));
  const rows = Math.max(1, Math.round(positiveNumber('rows', values.rows, 5)!));

  const cwd = process.cwd();
  const clipFile = positionals[0]!;
  const root = projectRootOf(resolve(cwd, clipFile), cwd);
  const paths = { dataDir: defaultDataDir(root, process.env), cacheDir: join(root, 'var', 'eval-cache') };
  const settings = loadEvalSettings({ configPath: values.config ?? join(root, DEFAULT_EVAL_CONFIG), cwd, sets: [] });
  const clip = loadClip(clipFile, cwd, settings, paths);
  await ensureClipVideo(clip, paths);
  const tileWidth = Math.round(positiveNumber('tile-width', values['tile-width'], clip.camera.analysis.width)!);
  const outDir = resolve(cwd, values.out ?? join(root, 'var', 'contact-sheets', clip.name));
  mkdirSync(outDir, { recursive: true });

  // The clip's camera sampled at 1/every fps: the harness's decoder options, its frame times.
  const camera = { ...clip.camera, analysis: { ...clip.camera.analysis, fps: 1 / every } };
  const source = new ReplaySource({ camera, filePath: clip.videoPath, startMs: 0, logger: createLogger({ level: 'warn', destination: process.stderr }) });
  source.start();
  const perSheet = cols * rows;
  let pending: Array<{ png: Buffer; width: number; height: number }> = [];
  let sheetFrom = fromS;
  let lastT = fromS;
  let sheets = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const file = join(outDir, `${clip.name}_${sheetFrom.toFixed(1)}-${lastT.toFixed(1)}s.png`);
    await writeSheet(pending, cols, file);
    console.error(`contact-sheet: ${relative(cwd, file)} (${pending.length} tiles)`);
    pending = [];
    sheets++;
  };
  try {
    for (let frame = await source.next(); frame; frame = await source.next()) {
      const tS = frame.capturedAtMs / 1000;
      if (tS + 1e-6 < fromS) continue;
      if (toS !== undefined && tS > toS + 1e-6) break;
      const s = source.stats();
      const geo: FrameGeometry = { frameWidth: frame.width, frameHeight: frame.height, ...(s.sourceWidth && { sourceWidth: s.sourceWidth }), ...(s.sourceHeight && { sourceHeight: s.sourceHeight }) };
      if (pending.length === 0) sheetFrom = tS;
      pending.push(await renderTile(clip, { tS, frame }, every, geo, tileWidth));
      lastT = tS;
      if (pending.length === perSheet) await flush();
    }
    await flush();
  } finally {
    await source.stop();
  }
  if (sheets === 0) throw new Error(`no frames between ${fromS} s and ${toS ?? 'the end'} (the clip is ${lastT.toFixed(1)} s long?)`);
}

main().catch((err: unknown) => {
  console.error(`contact-sheet: ${describeError(err)}`);
  process.exit(1);
});
