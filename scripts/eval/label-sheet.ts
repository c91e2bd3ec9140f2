/**
 * Contact sheets for labelling (the tool the first labels were made with; scripts/eval/contact-sheet.ts draws
 * the same frames as the harness decodes them, with the labels marked): frames of a clip at analysis size with the camera's zones and lines drawn
 * and the time printed on each tile, so a person can read events and times off them.
 *
 *   npx tsx scripts/eval/label-sheet.ts eval/clips/x.yaml [--every 0.5] [--from 0] [--to 10] [--cols 4]
 *       [--width 640] [--grid] [--out /tmp/x.png]
 *   npx tsx scripts/eval/label-sheet.ts video.mp4 ...   (a file under <data>/video/, no overlay)
 *
 * Frames are taken with ffmpeg's fps filter rounding up: tile k shows the last frame at or before from + k·every s
 * (the default rounding shows a frame up to half an interval later: 1 s late on a 2 s sheet).
 * A derived clip (`video: {inputs, filterComplex}`) is rendered once into /tmp first. Images go to /tmp,
 * never into the repository.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { parse } from 'yaml';

type Pt = [number, number];
interface Zone { id: string; units?: string; points: Pt[] }
interface Line { id: string; units?: string; from: Pt; to: Pt }
interface Derived { inputs: string[]; filterComplex: string }

const DATA_DIR = process.env.CAMWATCH_DATA_DIR ?? resolve(import.meta.dirname, '../../../shared/data');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    every: { type: 'string', default: '0.5' },
    from: { type: 'string', default: '0' },
    to: { type: 'string' },
    cols: { type: 'string', default: '4' },
    width: { type: 'string' },
    grid: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const target = positionals[0];
if (target === undefined) {
  console.error('usage: contact-sheet.ts CLIP.yaml|VIDEO.mp4 [--every S] [--from S] [--to S] [--cols N] [--width PX] [--grid] [--out FILE.png]');
  process.exit(2);
}

let video: string | Derived;
let zones: Zone[] = [];
let lines: Line[] = [];
let analysisWidth = 640;
if (/\.ya?ml$/.test(target)) {
  const clip = parse(readFileSync(target, 'utf8')) as { video: string | Derived; camera?: { analysis?: { width?: number }; zones?: Zone[]; lines?: Line[] } };
  video = clip.video;
  zones = clip.camera?.zones ?? [];
  lines = clip.camera?.lines ?? [];
  analysisWidth = clip.camera?.analysis?.width ?? 640;
} else {
  video = target;
}
const width = Number(values.width ?? analysisWidth);
const videoPath = typeof video === 'string' ? videoFile(video) : renderDerived(video);

function videoFile(name: string): string {
  return isAbsolute(name) || existsSync(name) ? name : join(DATA_DIR, 'video', name);
}

/** Renders a derived clip as the harness does (H.264, crf 23), cached in /tmp by the hash of its recipe. */
function renderDerived(d: Derived): string {
  const out = `/tmp/camwatch-derived-${createHash('sha1').update(JSON.stringify(d)).digest('hex').slice(0, 12)}.mp4`;
  if (existsSync(out)) return out;
  const args = ['-y', '-loglevel', 'error'];
  for (const i of d.inputs) args.push('-i', videoFile(i));
  args.push('-filter_complex', d.filterComplex, '-map', '[out]', '-an', '-c:v', 'libx264', '-crf', '23', out);
  const r = spawnSync('ffmpeg', args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`ffmpeg failed rendering the derived clip (${String(r.status)})`);
  return out;
}

const every = Number(values.every);
const from = Number(values.from);
const args = ['-loglevel', 'error', '-ss', String(from), '-i', videoPath];
if (values.to !== undefined) args.push('-t', String(Number(values.to) - from));
args.push('-an', '-vf', `fps=1/${every}:round=up,scale=${width}:-2`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
// Height: ask ffprobe for the (autorotated) display size, then apply the same -2 rounding as the scale filter.
const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:stream_side_data=rotation', '-of', 'json', videoPath], { encoding: 'utf8' });
const s = (JSON.parse(probe.stdout) as { streams: Array<{ width: number; height: number; side_data_list?: Array<{ rotation?: number }> }> }).streams[0]!;
const rotated = Math.abs(s.side_data_list?.[0]?.rotation ?? 0) === 90;
const [srcW, srcH] = rotated ? [s.height, s.width] : [s.width, s.height];
const height = 2 * Math.round((width * srcH) / srcW / 2);
const raw = spawnSync('ffmpeg', args, { maxBuffer: 2 ** 31 });
if (raw.status !== 0) throw new Error(`ffmpeg failed: ${raw.stderr.toString()}`);
const frameBytes = width * height * 3;
const count = Math.floor(raw.stdout.length / frameBytes);

const px = (p: Pt, units?: string): Pt => (units === 'pixels' ? [(p[0] * width) / srcW, (p[1] * height) / srcH] : [p[0] * width, p[1] * height]);

function overlay(label: string): Buffer {
  const parts: string[] = [];
  if (values.grid) {
    for (let k = 1; k < 10; k++) {
      parts.push(`<line x1="${(k * width) / 10}" y1="0" x2="${(k * width) / 10}" y2="${height}" stroke="cyan" stroke-opacity="0.5" stroke-width="1"/>`);
      parts.push(`<line x1="0" y1="${(k * height) / 10}" x2="${width}" y2="${(k * height) / 10}" stroke="cyan" stroke-opacity="0.5" stroke-width="1"/>`);
      parts.push(`<text x="${(k * width) / 10 + 2}" y="12" font-size="11" fill="cyan">${k / 10}</text>`);
      parts.push(`<text x="2" y="${(k * height) / 10 - 2}" font-size="11" fill="cyan">${k / 10}</text>`);
    }
  }
  for (const z of zones) {
    const pts = z.points.map((p) => px(p, z.units).join(',')).join(' ');
    const [lx, ly] = px(z.points[0]!, z.units);
    parts.push(`<polygon points="${pts}" fill="yellow" fill-opacity="0.08" stroke="yellow" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 3}" y="${ly + 14}" font-size="13" fill="yellow">${z.id}</text>`);
  }
  for (const l of lines) {
    const [x1, y1] = px(l.from, l.units);
    const [x2, y2] = px(l.to, l.units);
    const len = Math.hypot(x2 - x1, y2 - y1);
    // "in" points to the right-hand side of from→to (image coordinates, y down): normal (-dy, dx).
    const [nx, ny] = [(-(y2 - y1) / len) * 25, ((x2 - x1) / len) * 25];
    const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2];
    parts.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="red" stroke-width="2"/>`);
    parts.push(`<line x1="${mx}" y1="${my}" x2="${mx + nx}" y2="${my + ny}" stroke="red" stroke-width="3"/>`);
    parts.push(`<text x="${mx + nx + 2}" y="${my + ny + 4}" font-size="13" fill="red">in ${l.id}</text>`);
  }
  parts.push(`<rect x="0" y="${height - 20}" width="90" height="20" fill="black"/><text x="4" y="${height - 5}" font-size="15" fill="white">${label}</text>`);
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`);
}

const cols = Number(values.cols);
const rows = Math.ceil(count / cols);
const tiles = await Promise.all(
  Array.from({ length: count }, async (_, k) => ({
    input: await sharp(raw.stdout.subarray(k * frameBytes, (k + 1) * frameBytes), { raw: { width, height, channels: 3 } })
      .composite([{ input: overlay(`${(from + k * every).toFixed(2)} s`) }])
      .png()
      .toBuffer(),
    left: (k % cols) * (width + 4),
    top: Math.floor(k / cols) * (height + 4),
  })),
);
const out = values.out ?? '/tmp/contact-sheet.png';
await sharp({ create: { width: cols * (width + 4), height: rows * (height + 4), channels: 3, background: '#333' } })
  .composite(tiles)
  .png()
  .toFile(out);
console.log(`${out}: ${count} frames ${width}x${height}, every ${every} s from ${from} s`);
