import sharp from 'sharp';
import type { Box, RgbImage } from '../detection/index.js';
import type { StillPrivacy } from '../privacy/index.js';

/** JPEG quality of evidence snapshots: 80 keeps a 640×360 frame near 30–50 KB with legible plates. */
export const DEFAULT_SNAPSHOT_JPEG_QUALITY = 80;
/** Colours chosen to stand out on road scenes (asphalt grey, foliage green). */
export const DEFAULT_BOX_COLOUR = '#ff2d2d';
export const DEFAULT_ZONE_COLOUR = '#ffd400';
export const DEFAULT_LINE_COLOUR = '#00b4ff';

/** A point in pixels of the image being drawn on. */
export interface OverlayPoint {
  x: number;
  y: number;
}

/** Shapes to draw, all in pixels of the image they are drawn on. */
export interface SnapshotOverlay {
  boxes?: Array<{ box: Box; label?: string; colour?: string }>;
  /** Zones: closed polygons, filled faintly so the image stays readable. */
  polygons?: Array<{ points: readonly OverlayPoint[]; label?: string; colour?: string }>;
  /** Directed lines: an arrow at the midpoint points to the "in" side (right of from → to). */
  lines?: Array<{ from: OverlayPoint; to: OverlayPoint; label?: string; colour?: string }>;
}

/** JPEG encoding options; quality 1..100. */
export interface SnapshotOptions {
  quality?: number;
}

/** An encoded snapshot and the size it was drawn at. */
export interface Snapshot {
  jpeg: Buffer;
  width: number;
  height: number;
  /** The same frame without the overlay (privacy applied all the same): evidence nothing is drawn over. */
  cleanJpeg?: Buffer;
}

/**
 * Draws the overlay on an RGB frame and encodes it as JPEG. The frame buffer is not modified, so the
 * same frame can feed several incidents.
 */
export async function renderSnapshot(image: RgbImage, overlay: SnapshotOverlay = {}, options: SnapshotOptions = {}): Promise<Snapshot> {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`snapshot: bad image size ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(`snapshot: expected ${width * height * 3} bytes of RGB24 for ${width}x${height}, got ${data.length}`);
  }
  const svg = overlaySvg(width, height, overlay);
  const jpeg = await sharp(data, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: options.quality ?? DEFAULT_SNAPSHOT_JPEG_QUALITY })
    .toBuffer();
  return { jpeg, width, height };
}

/**
 * The incident's evidence: the frame with the overlay (box, zone, line) drawn on a copy, and the clean frame
 * encoded too, so what the box covers can still be seen. Two JPEG encodes of one frame (about 2x the bytes:
 * the evidence budget charges both).
 */
export async function renderEvidence(image: RgbImage, overlay: SnapshotOverlay = {}, options: SnapshotOptions = {}): Promise<Snapshot> {
  const [boxed, clean] = await Promise.all([renderSnapshot(image, overlay, options), renderSnapshot(image, {}, options)]);
  return { ...boxed, cleanJpeg: clean.jpeg };
}

/**
 * The frame as it may leave the box: the camera's privacy step applied (masks black, faces and plates outside
 * `subjects` blurred), or the frame itself when the camera has none. Every still goes through here.
 */
export async function privateFrame(frame: RgbImage, privacy: StillPrivacy | undefined, subjects: readonly Box[] = []): Promise<RgbImage> {
  if (privacy === undefined || privacy.none) return frame;
  return (await privacy.apply(frame, subjects)).image;
}

/**
 * A still that may leave the box: privacy first (on the clean frame, so the detectors see no overlay), then the
 * overlay drawn on that copy. The overlay's boxes are the subject: faces and plates inside them stay sharp.
 */
export async function renderStill(frame: RgbImage, overlay: SnapshotOverlay, options: SnapshotOptions, privacy: StillPrivacy | undefined): Promise<Snapshot> {
  const shown = await privateFrame(frame, privacy, (overlay.boxes ?? []).map((b) => b.box));
  return renderSnapshot(shown, overlay, options);
}

/** The overlay as an SVG document the size of the image (pure: unit-testable, reusable by `camera test`). */
export function overlaySvg(width: number, height: number, overlay: SnapshotOverlay): string {
  // Strokes and text scale with the image so a 1080p snapshot is as readable as a 360p one. At least
  // 3 px: JPEG halves colour resolution (4:2:0), which washes a 2 px red line out to a faint tint.
  const stroke = Math.max(3, Math.round(Math.min(width, height) / 150));
  const fontPx = Math.max(10, Math.round(Math.min(width, height) / 28));
  const parts: string[] = [];

  for (const poly of overlay.polygons ?? []) {
    const colour = safeColour(poly.colour, DEFAULT_ZONE_COLOUR);
    const pts = poly.points.map((p) => `${num(p.x)},${num(p.y)}`).join(' ');
    parts.push(`<polygon points="${pts}" fill="${colour}" fill-opacity="0.15" stroke="${colour}" stroke-width="${stroke}"/>`);
    const first = poly.points[0];
    if (poly.label && first) parts.push(label(poly.label, first.x, first.y, colour, fontPx, width, height));
  }

  for (const line of overlay.lines ?? []) {
    const colour = safeColour(line.colour, DEFAULT_LINE_COLOUR);
    const { from: a, to: b } = line;
    parts.push(`<line x1="${num(a.x)}" y1="${num(a.y)}" x2="${num(b.x)}" y2="${num(b.y)}" stroke="${colour}" stroke-width="${stroke}"/>`);
    parts.push(inArrow(a, b, colour, stroke, fontPx));
    if (line.label) parts.push(label(line.label, a.x, a.y, colour, fontPx, width, height));
  }

  for (const item of overlay.boxes ?? []) {
    const colour = safeColour(item.colour, DEFAULT_BOX_COLOUR);
    const x1 = clamp(Math.min(item.box.x1, item.box.x2), 0, width);
    const y1 = clamp(Math.min(item.box.y1, item.box.y2), 0, height);
    const x2 = clamp(Math.max(item.box.x1, item.box.x2), 0, width);
    const y2 = clamp(Math.max(item.box.y1, item.box.y2), 0, height);
    parts.push(
      `<rect x="${num(x1)}" y="${num(y1)}" width="${num(x2 - x1)}" height="${num(y2 - y1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
    );
    if (item.label) parts.push(label(item.label, x1, y1, colour, fontPx, width, height));
  }

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** A filled tag above (or, at the top edge, inside) the anchor, so the text is readable on any scene. */
function label(text: string, x: number, y: number, colour: string, fontPx: number, width: number, height: number): string {
  const padPx = Math.round(fontPx * 0.25);
  const h = fontPx + 2 * padPx;
  // Width estimate: ~0.6 em per character for a sans-serif face; an exact measure needs a font engine.
  const w = Math.min(width, Math.ceil(text.length * fontPx * 0.6) + 2 * padPx);
  const left = clamp(x, 0, Math.max(0, width - w));
  const top = clamp(y - h >= 0 ? y - h : y, 0, Math.max(0, height - h));
  return (
    `<rect x="${num(left)}" y="${num(top)}" width="${num(w)}" height="${num(h)}" fill="${colour}"/>` +
    `<text x="${num(left + padPx)}" y="${num(top + padPx + fontPx * 0.85)}" font-family="DejaVu Sans, sans-serif" font-size="${fontPx}" fill="#000000">${escapeXml(text)}</text>`
  );
}

/** Small arrowhead at the midpoint of a→b pointing to its right side: the "in" direction. */
function inArrow(a: OverlayPoint, b: OverlayPoint, colour: string, stroke: number, fontPx: number): string {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy);
  if (len === 0) return '';
  // Right-hand normal in image coordinates (y down): (-dy, dx).
  const nx = -dy / len;
  const ny = dx / len;
  const mx = (a.x + b.x) / 2;
  const my = (a.y + b.y) / 2;
  const reach = fontPx * 1.2;
  const tipX = mx + nx * reach;
  const tipY = my + ny * reach;
  const half = fontPx * 0.4;
  const ux = dx / len;
  const uy = dy / len;
  const baseX = mx + nx * (reach - half * 1.5);
  const baseY = my + ny * (reach - half * 1.5);
  return (
    `<line x1="${num(mx)}" y1="${num(my)}" x2="${num(baseX)}" y2="${num(baseY)}" stroke="${colour}" stroke-width="${stroke}"/>` +
    `<polygon points="${num(tipX)},${num(tipY)} ${num(baseX + ux * half)},${num(baseY + uy * half)} ${num(baseX - ux * half)},${num(baseY - uy * half)}" fill="${colour}"/>`
  );
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Two decimals are plenty for pixels and keep NaN/Infinity out of the SVG. */
function num(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0';
}

/** Colours go straight into an attribute: accept only #rgb / #rrggbb so nothing can break the markup. */
function safeColour(c: string | undefined, fallback: string): string {
  return c !== undefined && /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(c) ? c : fallback;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
