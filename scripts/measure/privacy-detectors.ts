/**
 * Face and plate detectors of the privacy blur on real stills: what each finds and what it costs.
 *
 *   npx tsx scripts/measure/privacy-detectors.ts [outDir=/tmp/camwatch-privacy-measure]
 *
 * Takes the frames listed in FRAMES (pedestrian, street, parking and traffic clips of ../shared/data/video) at
 * the stream's full resolution ("full") and at the analysis size the agent keeps by default (640 px wide,
 * "analysis"; also upscaled x2 before tiling, "analysis-x2"), runs every privacy model of models/manifest.json
 * on each, and writes to outDir:
 *   - results.json: per frame, variant and model the boxes found (pixels of that variant) and the ms per still;
 *   - frame-NN.png: the full frame with every "full" find drawn (YuNet green, ULFD cyan, plate magenta), to count
 *     the faces and plates a person sees and the ones the detectors missed;
 *   - crops-<model>-<variant>.png: every find cut out with its context and numbered frame:index, to judge each
 *     find true or false by eye.
 * The hand labels (scripts/measure/privacy-labels.json) are then scored by privacy-score.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { Box, RgbImage } from '../../agent/core/index.js';
import { loadPrivacyModels, openRegionDetector, privacyModelFile } from '../../agent/privacy/index.js';
import { PROJECT_ROOT, videoPath } from '../../test/helpers/data.js';

/** Video and second of each measured frame: people near and far, plates near and far, empty scenes. */
export const FRAMES: Array<[string, number]> = [
  ['intel_person_at_table', 40], ['intel_person_at_table', 80], ['intel_person_at_table', 100], ['intel_person_at_table', 130],
  ['lobby_abandoned_bag', 3], ['lobby_abandoned_bag', 6], ['lobby_abandoned_bag', 10], ['lobby_abandoned_bag', 17], ['lobby_abandoned_bag', 27],
  ['vn_pavement_bag_dropped', 1], ['vn_pavement_bag_dropped', 3], ['vn_pavement_bag_dropped', 5],
  ['in_scooter_riders', 0.3], ['in_scooter_riders', 1.5], ['in_scooter_riders', 2.9], ['in_scooter_riders', 4.1],
  ['vn_stopline_queue', 9], ['vn_stopline_queue', 15], ['vn_stopline_queue', 20], ['vn_stopline_queue', 28],
  ['vn_saigon_intersection', 2], ['vn_saigon_intersection', 5], ['vn_saigon_intersection', 8],
  ['residential_street_ahmetozlu', 5], ['residential_street_ahmetozlu', 15], ['residential_street_ahmetozlu', 25],
  ['id_boulevard_motorbikes', 1], ['id_boulevard_motorbikes', 7], ['id_boulevard_motorbikes', 13],
  ['highway_traffic_degirum', 3], ['highway_traffic_degirum', 8],
  ['plaza_overhead_pedestrians', 4],
];

const ANALYSIS_WIDTH = 640;
const COLOURS: Record<string, string> = { face_yunet_n_320: '#00ff00', face_ulfd_rfb_320: '#00ffff', plate_hyperlpr_y5fu_320: '#ff00ff' };

function grab(video: string, t: number, width?: number): RgbImage {
  const probe = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', videoPath(`${video}.mp4`)]).toString().trim().split(',').map(Number);
  const w = width ?? probe[0]!;
  const h = width === undefined ? probe[1]! : Math.round((probe[1]! * width) / probe[0]! / 2) * 2;
  const data = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(t), '-i', videoPath(`${video}.mp4`), '-frames:v', '1', '-vf', `scale=${w}:${h}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
  return { width: w, height: h, data };
}

function svgBoxes(width: number, height: number, boxes: Array<{ box: Box; colour: string; label?: string }>, stroke: number): string {
  const parts = boxes.map(({ box, colour, label }) =>
    `<rect x="${box.x1}" y="${box.y1}" width="${box.x2 - box.x1}" height="${box.y2 - box.y1}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
    (label ? `<text x="${box.x1}" y="${Math.max(10, box.y1 - 2)}" font-size="12" fill="${colour}">${label}</text>` : ''));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

const outDir = process.argv[2] ?? '/tmp/camwatch-privacy-measure';
mkdirSync(outDir, { recursive: true });
const manifest = join(PROJECT_ROOT, 'models', 'manifest.json');
const models = await loadPrivacyModels(manifest);
const variants = [
  { name: 'full', width: undefined as number | undefined, upscale: 1 },
  { name: 'analysis', width: ANALYSIS_WIDTH, upscale: 1 },
  { name: 'analysis-x2', width: ANALYSIS_WIDTH, upscale: 2 },
];
const detectors = new Map<string, Awaited<ReturnType<typeof openRegionDetector>>>();
for (const m of models) {
  for (const v of variants) detectors.set(`${m.name}/${v.name}`, await openRegionDetector(m, await privacyModelFile(m, join(PROJECT_ROOT, 'models')), { upscale: v.upscale }));
}

type Find = Box & { score?: number };
const results: Array<{ frame: number; video: string; t: number; variant: string; model: string; width: number; height: number; ms: number; finds: Find[] }> = [];
const crops = new Map<string, Array<{ label: string; png: Buffer }>>();
for (const [index, [video, t]] of FRAMES.entries()) {
  const full = grab(video, t);
  const analysis = grab(video, t, ANALYSIS_WIDTH);
  const fullSharp = () => sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } });
  const drawn: Array<{ box: Box; colour: string; label?: string }> = [];
  for (const v of variants) {
    const image = v.width === undefined ? full : analysis;
    for (const m of models) {
      const detector = detectors.get(`${m.name}/${v.name}`)!;
      await detector.detect(image); // warm-up: the first run of a session allocates
      const start = performance.now();
      const finds = (await detector.detect(image)) as Find[];
      const ms = performance.now() - start;
      results.push({ frame: index, video, t, variant: v.name, model: m.name, width: image.width, height: image.height, ms: Math.round(ms * 10) / 10, finds: finds.map((f) => ({ x1: Math.round(f.x1), y1: Math.round(f.y1), x2: Math.round(f.x2), y2: Math.round(f.y2), score: Math.round((f.score ?? 0) * 100) / 100 })) });
      const k = full.width / image.width;
      const key = `${m.name}-${v.name}`;
      const list = crops.get(key) ?? [];
      crops.set(key, list);
      for (const [i, f] of finds.entries()) {
        const box = { x1: f.x1 * k, y1: f.y1 * k, x2: f.x2 * k, y2: f.y2 * k };
        if (v.name === 'full') drawn.push({ box, colour: COLOURS[m.name] ?? '#ffffff', label: `${i}` });
        const size = Math.round(Math.min(full.width, full.height, Math.max(48, 3 * Math.max(box.x2 - box.x1, box.y2 - box.y1))));
        const left = Math.max(0, Math.min(full.width - size, Math.round((box.x1 + box.x2) / 2 - size / 2)));
        const top = Math.max(0, Math.min(full.height - size, Math.round((box.y1 + box.y2) / 2 - size / 2)));
        const cut = await fullSharp().extract({ left, top, width: size, height: size }).png().toBuffer();
        const rel = { x1: box.x1 - left, y1: box.y1 - top, x2: box.x2 - left, y2: box.y2 - top };
        const png = await sharp(cut).composite([{ input: Buffer.from(svgBoxes(size, size, [{ box: rel, colour: COLOURS[m.name] ?? '#fff' }], 1)) }]).png().toBuffer();
        list.push({ label: `${index}:${i}`, png: await sharp(png).resize(96, 96).png().toBuffer() });
      }
    }
  }
  const stroke = Math.max(2, Math.round(full.width / 500));
  const png = await fullSharp()
    .composite([{ input: Buffer.from(svgBoxes(full.width, full.height, drawn, stroke)) }])
    .png()
    .toBuffer();
  writeFileSync(join(outDir, `frame-${String(index).padStart(2, '0')}.png`), await sharp(png).resize({ width: Math.min(full.width, 1400) }).png().toBuffer());
}
// Contact sheets: 12 crops a row, each labelled frame:index.
for (const [key, list] of crops) {
  const cols = 12;
  const rows = Math.max(1, Math.ceil(list.length / cols));
  const cell = 110;
  const composites = list.flatMap((item, i) => [
    { input: item.png, left: (i % cols) * cell, top: Math.floor(i / cols) * cell + 14 },
    { input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${cell}" height="14"><text x="2" y="12" font-size="12" fill="#fff">${item.label}</text></svg>`), left: (i % cols) * cell, top: Math.floor(i / cols) * cell },
  ]);
  await sharp({ create: { width: cols * cell, height: rows * cell, channels: 3, background: '#222' } }).composite(composites).png().toFile(join(outDir, `crops-${key}.png`));
}
for (const d of detectors.values()) await d.close();
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 1));
const summary: Record<string, { finds: number; msMedian: number; msMax: number }> = {};
for (const key of new Set(results.map((r) => `${r.model}/${r.variant}`))) {
  const rs = results.filter((r) => `${r.model}/${r.variant}` === key);
  const ms = rs.map((r) => r.ms).sort((a, b) => a - b);
  summary[key] = { finds: rs.reduce((n, r) => n + r.finds.length, 0), msMedian: ms[Math.floor(ms.length / 2)]!, msMax: ms.at(-1)! };
}
process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
