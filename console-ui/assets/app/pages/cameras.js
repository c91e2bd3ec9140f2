// Cameras: each camera's state, analysed vs target fps, drops, skipped inferences, incidents today and a recent
// frame; the box's uplink backlog, disk use and warnings. Refreshed every 5 s while shown.
import { useEffect, useRef } from '../../vendor/hooks.mjs';
import { html } from '../html.js';
import { useI18n } from '../context.js';
import { useImage, useJson } from '../hooks.js';
import { ErrorNote } from '../widgets.js';
import { formatBytes, num } from '../format.js';

const REFRESH_MS = 5000;

function Thumb({ cameraId, version }) {
  const { t } = useI18n();
  const { img, error } = useImage(`/api/cameras/${encodeURIComponent(cameraId)}/frame.jpg`, version);
  const ref = useRef(null);
  useEffect(() => {
    if (!img || !ref.current) return;
    const c = ref.current;
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    c.getContext('2d').drawImage(img, 0, 0);
  }, [img]);
  if (error || !img) return html`<div class="thumb empty">${error ? t('cameras.noFrame') : t('common.loading')}</div>`;
  return html`<canvas class="thumb" ref=${ref} data-testid=${`thumb-${cameraId}`}></canvas>`;
}

/** One camera's card. */
function CameraCard({ cam, version }) {
  const { t } = useI18n();
  const fps = cam.fps ?? {};
  const analysed = fps.analysed ?? fps.analyzed ?? cam.analysisFps ?? cam.fpsAnalysed;
  const target = fps.target ?? cam.targetFps ?? cam.fpsTarget;
  const state = String(cam.state ?? 'unknown');
  const lastError = cam.lastError?.message ?? cam.lastError?.code ?? cam.lastError;
  return html`<article class="card camera" data-camera=${cam.id}>
    <h2>${cam.name ? `${cam.name} ` : ''}<small>${cam.id}</small></h2>
    <${Thumb} cameraId=${cam.id} version=${version} />
    <dl>
      <dt>${t('cameras.state')}</dt><dd class=${`state state-${state}`} data-testid="state">${t(`state.${state}`) === `state.${state}` ? state : t(`state.${state}`)}</dd>
      <dt>${t('cameras.fps')}</dt><dd>${num(analysed, 1)} / ${num(target, 1)}</dd>
      <dt>${t('cameras.drops')}</dt><dd>${num(cam.drops ?? cam.framesDropped)}</dd>
      <dt>${t('cameras.skipped')}</dt><dd>${num(cam.inferencesSkipped ?? cam.skipped)}</dd>
      <dt>${t('cameras.incidentsToday')}</dt><dd>${num(cam.incidentsToday ?? cam.incidents)}</dd>
      ${lastError ? html`<dt>${t('cameras.lastError')}</dt><dd class="error">${String(lastError)}</dd>` : ''}
    </dl>
    <p class="actions">
      <a href=${`#/live/${encodeURIComponent(cam.id)}`}>${t('cameras.openLive')}</a>
      <a href=${`#/editor/${encodeURIComponent(cam.id)}`}>${t('cameras.openEditor')}</a>
    </p>
  </article>`;
}

function diskText(disk, t) {
  if (!disk) return '—';
  if (typeof disk !== 'object') return String(disk);
  const used = disk.usedBytes ?? disk.used;
  const total = disk.totalBytes ?? disk.total ?? disk.sizeBytes;
  const free = disk.freeBytes ?? disk.free;
  if (used !== undefined && total) return `${formatBytes(used)} / ${formatBytes(total)} (${Math.round((used / total) * 100)} %)`;
  const store = typeof disk.storeBytes === 'number' ? ` · ${t('cameras.storeSize', { size: formatBytes(disk.storeBytes) })}` : '';
  if (free !== undefined && free !== null) return t('cameras.diskFree', { size: formatBytes(free) }) + store;
  if (free === null) return '—';
  return JSON.stringify(disk);
}

function backlogText(uplink) {
  if (uplink === undefined || uplink === null) return '—';
  if (typeof uplink !== 'object') return String(uplink);
  const backlog = uplink.backlog ?? uplink.pending ?? uplink.outboxPending;
  if (typeof backlog === 'object' && backlog !== null) return Object.entries(backlog).map(([k, v]) => `${k}: ${v}`).join(' · ');
  return backlog !== undefined ? String(backlog) : JSON.stringify(uplink);
}

/** The cameras page. */
export function CamerasPage() {
  const { t } = useI18n();
  const { data, error } = useJson('/api/status', REFRESH_MS);
  const version = useRef(0);
  version.current = data ? version.current + 1 : version.current;
  const cameras = data?.cameras ?? [];
  const warnings = data?.warnings ?? [];
  return html`<section>
    <h1>${t('cameras.title')}</h1>
    <${ErrorNote} error=${error} />
    ${!data && !error ? html`<p>${t('common.loading')}</p>` : ''}
    ${data ? html`<div class="box card" data-testid="box">
      <h2>${t('cameras.box')}</h2>
      <dl>
        <dt>${t('cameras.backlog')}</dt><dd data-testid="backlog">${backlogText(data.uplink)}</dd>
        <dt>${t('cameras.disk')}</dt><dd>${diskText(data.disk, t)}</dd>
        <dt>${t('cameras.warnings')}</dt>
        <dd>${warnings.length === 0 ? t('cameras.noWarnings') : html`<ul class="warnings">${warnings.map((w) => html`<li>${typeof w === 'string' ? w : w.message ?? w.code ?? JSON.stringify(w)}</li>`)}</ul>`}</dd>
      </dl>
    </div>` : ''}
    <div class="grid">${cameras.map((cam) => html`<${CameraCard} cam=${cam} version=${Math.floor(version.current / 3)} key=${cam.id} />`)}</div>
  </section>`;
}
