// Canvas drawing shared by the live view, the editor and the incident snapshot. Colours are fixed and saturated
// so they stand out on street footage (and so the browser test can find a box by its colour).
import { boxRect, inNormal, toPx, trailPoint } from './geometry.js';

/** Colours of the overlays (CSS). */
export const COLOURS = {
  box: '#ff00ff',
  trail: '#00e5ff',
  zone: '#ffd600',
  zoneSelected: '#ff6d00',
  line: '#ff3d00',
  lineIn: '#00e676',
  label: '#ffffff',
};

/** Draws the frame scaled to the canvas. */
export function drawFrame(ctx, img) {
  ctx.drawImage(img, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

/** Overlay scale: strokes and labels keep their on-screen size when the canvas (frame pixels) is shown smaller. */
export const unit = (ctx) => Math.max(1, ctx.canvas.width / (ctx.canvas.clientWidth || 900));

function label(ctx, text, x, y, colour) {
  const u = unit(ctx);
  ctx.font = `${Math.round(13 * u)}px system-ui, sans-serif`;
  const w = ctx.measureText(text).width + 6 * u;
  ctx.fillStyle = 'rgba(0,0,0,0.6)';
  ctx.fillRect(x, y - 15 * u, w, 17 * u);
  ctx.fillStyle = colour;
  ctx.fillText(text, x + 3 * u, y - 2 * u);
}

/** A zone polygon (points as fractions); open while being drawn. */
export function drawZone(ctx, zone, { selected = false, open = false, handles = false } = {}) {
  const { width: w, height: h } = ctx.canvas;
  const pts = zone.points.map((p) => toPx(p, w, h));
  if (pts.length === 0) return;
  const colour = selected ? COLOURS.zoneSelected : COLOURS.zone;
  ctx.beginPath();
  pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  if (!open) ctx.closePath();
  ctx.fillStyle = selected ? 'rgba(255,109,0,0.18)' : 'rgba(255,214,0,0.12)';
  if (!open && pts.length > 2) ctx.fill();
  ctx.lineWidth = 2 * unit(ctx);
  ctx.strokeStyle = colour;
  ctx.stroke();
  if (handles || open) for (const [x, y] of pts) handle(ctx, x, y, colour);
  const name = zone.name ? `${zone.name} (${zone.id})` : zone.id;
  if (name) label(ctx, name, pts[0][0] + 4 * unit(ctx), pts[0][1] - 4 * unit(ctx), colour);
}

function handle(ctx, x, y, colour) {
  ctx.beginPath();
  ctx.arc(x, y, 5 * unit(ctx), 0, Math.PI * 2);
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1;
  ctx.stroke();
}

function arrow(ctx, [x, y], [dx, dy], length, colour) {
  const u = unit(ctx);
  const lengthPx = length * u;
  const ex = x + dx * lengthPx;
  const ey = y + dy * lengthPx;
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(ex, ey);
  ctx.strokeStyle = colour;
  ctx.lineWidth = 3 * u;
  ctx.stroke();
  const head = 9 * u;
  ctx.beginPath();
  ctx.moveTo(ex, ey);
  ctx.lineTo(ex - dx * head - dy * head * 0.6, ey - dy * head + dx * head * 0.6);
  ctx.lineTo(ex - dx * head + dy * head * 0.6, ey - dy * head - dx * head * 0.6);
  ctx.closePath();
  ctx.fillStyle = colour;
  ctx.fill();
}

/**
 * A directed line from → to (fractions) with its "in" arrow at the middle (and "out" opposite, thinner), and its
 * counts when given ({in, out} totals).
 */
export function drawLine(ctx, line, { selected = false, handles = false, counts, inText = 'in', outText = 'out' } = {}) {
  const { width: w, height: h } = ctx.canvas;
  const a = toPx(line.from, w, h);
  const b = toPx(line.to, w, h);
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(b[0], b[1]);
  ctx.strokeStyle = selected ? COLOURS.zoneSelected : COLOURS.line;
  ctx.lineWidth = 3 * unit(ctx);
  ctx.stroke();
  const u = unit(ctx);
  const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const n = inNormal(a, b);
  arrow(ctx, mid, n, 28, COLOURS.lineIn);
  if (inText) label(ctx, inText, mid[0] + n[0] * 34 * u, mid[1] + n[1] * 34 * u + 5 * u, COLOURS.lineIn);
  if (outText) label(ctx, outText, mid[0] - n[0] * 34 * u - 14 * u, mid[1] - n[1] * 34 * u + 5 * u, COLOURS.line);
  if (handles) {
    handle(ctx, a[0], a[1], COLOURS.line);
    handle(ctx, b[0], b[1], COLOURS.lineIn);
  }
  let text = line.name ? `${line.name} (${line.id})` : line.id ?? '';
  if (counts) text += ` ${inText} ${counts.in ?? 0} · ${outText} ${counts.out ?? 0}`;
  if (text) label(ctx, text, a[0] + 4 * u, a[1] - 6 * u, COLOURS.label);
}

/** Detection or track boxes with their label (class, id, score). */
export function drawBoxes(ctx, items, frameW, frameH) {
  const sx = ctx.canvas.width / frameW;
  const sy = ctx.canvas.height / frameH;
  for (const item of items) {
    const r = boxRect(item.box ?? item.bbox, frameW, frameH);
    if (!r) continue;
    ctx.strokeStyle = COLOURS.box;
    ctx.lineWidth = 3 * unit(ctx);
    ctx.strokeRect(r.x * sx, r.y * sy, r.w * sx, r.h * sy);
    const cls = item.className ?? item.class ?? item.label ?? '';
    const id = item.id ?? item.trackId;
    const text = [id !== undefined ? `#${id}` : '', cls, item.score !== undefined ? item.score.toFixed(2) : ''].filter(Boolean).join(' ');
    if (text) label(ctx, text, r.x * sx, r.y * sy, COLOURS.label);
  }
}

/** Track trails (bottom-centre history), pixels or fractions of the frame. */
export function drawTrails(ctx, tracks, frameW, frameH) {
  const sx = ctx.canvas.width / frameW;
  const sy = ctx.canvas.height / frameH;
  for (const t of tracks) {
    const trail = t.trail ?? [];
    if (trail.length < 2) continue;
    const fractions = trail.every((p) => (Array.isArray(p) ? p : [p.x, p.y]).every((v) => v <= 1));
    ctx.beginPath();
    trail.forEach((p, i) => {
      const [x, y] = trailPoint(p, frameW, frameH, fractions);
      if (i === 0) ctx.moveTo(x * sx, y * sy);
      else ctx.lineTo(x * sx, y * sy);
    });
    ctx.strokeStyle = COLOURS.trail;
    ctx.lineWidth = 2 * unit(ctx);
    ctx.stroke();
  }
}
