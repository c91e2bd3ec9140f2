// Live view of one camera: the analysis frames from the agent's SSE stream with boxes, track ids and trails,
// zones, and lines with their in/out arrows and counts. The stream is open only while the page is shown: it is
// closed when the tab is hidden or the page left, so nobody watching costs the agent nothing.
import { useEffect, useRef, useState } from '../../vendor/hooks.mjs';
import { html } from '../html.js';
import { useI18n } from '../context.js';
import { useJson } from '../hooks.js';
import { getImage, readEvents } from '../api.js';
import { CameraSelect, ErrorNote } from '../widgets.js';
import { drawBoxes, drawFrame, drawLine, drawTrails, drawZone } from '../draw.js';
import { isFractionPolygon } from '../geometry.js';

const RETRY_MS = 2000;

/**
 * In/out totals of one line from the message's counts: per line ({l1: {car: {in, out}}}), or a list of
 * {lineId, counts: {car: {in, out}}} (one per line_crossing rule) or of {lineId, direction, count}.
 */
export function lineTotals(counts, lineId) {
  if (!counts) return undefined;
  const entries = Array.isArray(counts) ? counts.filter((c) => (c.lineId ?? c.line) === lineId) : counts[lineId] === undefined ? [] : [counts[lineId]];
  if (entries.length === 0) return undefined;
  const sum = { in: 0, out: 0 };
  const add = (c, depth) => {
    if (typeof c !== 'object' || c === null || depth > 4) return;
    if (c.direction === 'in' || c.direction === 'out') sum[c.direction] += c.count ?? 0;
    else if (typeof c.in === 'number' || typeof c.out === 'number') {
      sum.in += c.in ?? 0;
      sum.out += c.out ?? 0;
    } else if (c.counts !== undefined) add(c.counts, depth + 1);
    else for (const v of Object.values(c)) add(v, depth + 1);
  };
  // Two rules on one line count the same crossings: the first one's counts stand for the line.
  add(entries[0], 0);
  return sum;
}

async function frameImage(msg, signal) {
  if (msg.jpeg) {
    const img = new Image();
    img.src = `data:image/jpeg;base64,${msg.jpeg}`;
    await img.decode();
    return img;
  }
  const url = msg.frameUrl ?? msg.frame;
  return url ? getImage(url, signal) : undefined;
}

function toFractions(points, w, h) {
  return isFractionPolygon(points) ? points : points.map(([x, y]) => [x / w, y / h]);
}

/** Draws one live message on the canvas; returns the number of boxes drawn. */
function paint(canvas, img, msg, t) {
  const w = msg.width ?? img?.naturalWidth ?? canvas.width;
  const h = msg.height ?? img?.naturalHeight ?? canvas.height;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  if (img) drawFrame(ctx, img);
  else ctx.clearRect(0, 0, w, h);
  for (const z of msg.zones ?? []) drawZone(ctx, { ...z, points: toFractions(z.points ?? [], w, h) });
  for (const l of msg.lines ?? []) {
    const [from, to] = toFractions([l.from, l.to], w, h);
    drawLine(ctx, { ...l, from, to }, { counts: lineTotals(msg.counts, l.id), inText: t('live.in'), outText: t('live.out') });
  }
  drawTrails(ctx, msg.tracks ?? [], w, h);
  const tracked = (msg.tracks ?? []).filter((tr) => tr.box ?? tr.bbox);
  const boxes = tracked.length > 0 ? tracked : msg.detections ?? [];
  drawBoxes(ctx, boxes, w, h);
  return boxes.length;
}

/** Frame rates a viewer may ask for (`?fps=`): fewer frames on a slow link (≈ 60 KiB/s at 1 fps). */
const RATES = [4, 2, 1];

function LiveCanvas({ cameraId, fps }) {
  const { t } = useI18n();
  const canvas = useRef(null);
  const [info, setInfo] = useState({ state: 'connecting', fps: 0, tracks: 0, seq: undefined, error: undefined });
  const [visible, setVisible] = useState(document.visibilityState === 'visible');
  useEffect(() => {
    const onVis = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onVis);
    return () => document.removeEventListener('visibilitychange', onVis);
  }, []);
  useEffect(() => {
    if (!visible) {
      setInfo((s) => ({ ...s, state: 'paused' }));
      return undefined;
    }
    const ctrl = new AbortController();
    let retry;
    const times = [];
    let busy = false;
    const connect = () => {
      setInfo((s) => ({ ...s, state: 'connecting' }));
      readEvents(`/api/cameras/${encodeURIComponent(cameraId)}/live?fps=${fps}`, ctrl.signal, async (msg) => {
        // Frames arrive at a few per second; one still decoding is skipped rather than queued behind.
        if (busy || !canvas.current) return;
        busy = true;
        try {
          const img = await frameImage(msg, ctrl.signal);
          if (ctrl.signal.aborted || !canvas.current) return;
          const boxes = paint(canvas.current, img, msg, t);
          // For the browser tests: which message is on the canvas and how many boxes it drew.
          canvas.current.dataset.seq = String(msg.seq ?? '');
          canvas.current.dataset.boxes = String(boxes);
          const now = performance.now();
          times.push(now);
          while (times.length > 0 && now - times[0] > 5000) times.shift();
          setInfo({ state: 'live', fps: times.length / 5, tracks: (msg.tracks ?? []).length, seq: msg.seq, error: undefined });
        } catch (error) {
          if (!ctrl.signal.aborted) setInfo((s) => ({ ...s, error }));
        } finally {
          busy = false;
        }
      }).then(
        () => ctrl.signal.aborted || (retry = setTimeout(connect, RETRY_MS)),
        (error) => {
          if (ctrl.signal.aborted) return;
          setInfo((s) => ({ ...s, state: 'error', error }));
          retry = setTimeout(connect, RETRY_MS);
        },
      );
    };
    connect();
    return () => {
      ctrl.abort();
      clearTimeout(retry);
    };
  }, [cameraId, visible, t, fps]);
  return html`<div>
    <p class="live-info" data-testid="live-info" data-state=${info.state}>
      ${info.state === 'connecting' ? t('live.connecting') : info.state === 'paused' ? t('live.paused') : html`${info.fps.toFixed(1)} ${t('live.fps')} · ${t('live.tracks')}: ${info.tracks}`}
    </p>
    <${ErrorNote} error=${info.error} />
    <canvas ref=${canvas} class="stage" data-testid="live-canvas" width="640" height="360"></canvas>
  </div>`;
}

/** The live page; `arg` is the camera id (the first camera when absent). */
export function LivePage({ arg }) {
  const { t } = useI18n();
  const { data, error } = useJson('/api/status');
  const cameras = data?.cameras ?? [];
  const cameraId = arg || cameras[0]?.id;
  const [fps, setFps] = useState(RATES[0]);
  return html`<section>
    <h1>${t('live.title')}</h1>
    <${ErrorNote} error=${error} />
    <div class="row">
      ${cameras.length > 0 ? html`<label>${t('common.camera')} <${CameraSelect} cameras=${cameras} value=${cameraId}
        onChange=${(id) => (location.hash = `#/live/${encodeURIComponent(id)}`)} /></label>` : ''}
      <label>${t('live.rate')} <select name="fps" value=${fps} onChange=${(e) => setFps(Number(e.currentTarget.value))}>
        ${RATES.map((r) => html`<option value=${r}>${r} ${t('live.fps')}</option>`)}
      </select></label>
    </div>
    ${cameraId ? html`<${LiveCanvas} cameraId=${cameraId} fps=${fps} key=${cameraId} />` : ''}
  </section>`;
}
