// Incidents: the list with filters (camera, type, status, time), one incident's snapshot with its box and its
// events (new / update / end), acknowledge and resend.
import { useEffect, useRef, useState } from '../../vendor/hooks.mjs';
import { html } from '../html.js';
import { useI18n } from '../context.js';
import { useImage, useJson } from '../hooks.js';
import { postJson, query } from '../api.js';
import { CameraSelect, ErrorNote } from '../widgets.js';
import { drawBoxes, drawFrame } from '../draw.js';
import { formatTime, localInputToIso } from '../format.js';

const REFRESH_MS = 5000;
const LIST_LIMIT = 100;

const listOf = (data) => (Array.isArray(data) ? data : data?.incidents ?? data?.items ?? []);
const idOf = (inc) => inc.id ?? inc.incidentId;

function Snapshot({ incident }) {
  const { t } = useI18n();
  const { img, error } = useImage(`/api/incidents/${encodeURIComponent(idOf(incident))}/snapshot.jpg`);
  const ref = useRef(null);
  useEffect(() => {
    if (!img || !ref.current) return;
    const c = ref.current;
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    drawFrame(ctx, img);
    const box = incident.bbox ?? incident.box;
    // The incident's box is normalised to the frame (docs/rules.md, lifecycle).
    if (box) drawBoxes(ctx, [{ box, className: incident.className ?? incident.class, trackId: incident.trackId }], c.width, c.height);
  }, [img]);
  if (error) return html`<p class="hint">${t('incidents.snapshot')}: ${t('common.none')}</p>`;
  return html`<canvas ref=${ref} class="snapshot" data-testid="snapshot"></canvas>`;
}

function Detail({ id, onChanged }) {
  const { t, lang } = useI18n();
  const { data, error, reload } = useJson(`/api/incidents/${encodeURIComponent(id)}`);
  const [note, setNote] = useState({ text: '', error: undefined });
  const act = async (what) => {
    try {
      await postJson(`/api/incidents/${encodeURIComponent(id)}/${what}`);
      setNote({ text: t(what === 'ack' ? 'incidents.acked' : 'incidents.resent'), error: undefined });
      reload();
      onChanged();
    } catch (err) {
      setNote({ text: '', error: err });
    }
  };
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (!data) return html`<p>${t('common.loading')}</p>`;
  const incident = data.incident ?? data;
  const events = data.events ?? incident.events ?? [];
  const title = incident.title?.[lang] ?? incident.title?.vi ?? incident.type;
  const acked = Boolean(incident.acknowledgedAt ?? incident.acknowledged);
  return html`<div class="detail card" data-testid="incident-detail" data-incident=${id}>
    <h2>${title} <small>${id}</small></h2>
    <${Snapshot} incident=${incident} key=${id} />
    <dl>
      <dt>${t('common.camera')}</dt><dd>${incident.cameraName ?? incident.cameraId}</dd>
      <dt>${t('incidents.rule')}</dt><dd>${incident.ruleName ?? incident.ruleId}</dd>
      <dt>${t('incidents.zone')}</dt><dd>${incident.zoneName ?? incident.zoneId ?? incident.lineName ?? incident.lineId ?? '—'}</dd>
      <dt>${t('incidents.class')}</dt><dd>${incident.className ?? incident.class ?? '—'}</dd>
      <dt>${t('incidents.severity')}</dt><dd>${incident.severity}</dd>
      <dt>${t('incidents.started')}</dt><dd>${formatTime(incident.startedAt, lang)}</dd>
    </dl>
    <p class="row">
      <button type="button" data-testid="ack" disabled=${acked} onClick=${() => act('ack')}>${acked ? t('incidents.acked') : t('incidents.ack')}</button>
      <button type="button" data-testid="resend" onClick=${() => act('resend')}>${t('incidents.resend')}</button>
      ${note.text ? html`<span class="ok">${note.text}</span>` : ''}
    </p>
    <${ErrorNote} error=${note.error} />
    <h3>${t('incidents.events')}</h3>
    <ol class="events" data-testid="events">${events.map((ev) => html`<li>
      <strong>${t(`status.${ev.status}`)}</strong> #${ev.sequence ?? ''} · ${formatTime(ev.createdAt ?? ev.at ?? ev.endedAt ?? ev.startedAt, lang)}
      ${ev.endReason ? ` · ${ev.endReason}` : ''}${ev.sentAt || ev.deliveredAt ? ` · ${t('incidents.delivered')} ${formatTime(ev.sentAt ?? ev.deliveredAt, lang)}` : ''}
    </li>`)}</ol>
  </div>`;
}

/** The incidents page; `arg` is the open incident's id. */
export function IncidentsPage({ arg }) {
  const { t, lang } = useI18n();
  const status = useJson('/api/status');
  const cameras = status.data?.cameras ?? [];
  const [filters, setFilters] = useState({ camera: '', type: '', status: '', since: '', until: '' });
  const [applied, setApplied] = useState(filters);
  const url = `/api/incidents${query({ camera: applied.camera, type: applied.type, status: applied.status, since: localInputToIso(applied.since), until: localInputToIso(applied.until), limit: LIST_LIMIT })}`;
  const list = useJson(url, REFRESH_MS);
  const items = listOf(list.data);
  const set = (key) => (e) => setFilters({ ...filters, [key]: e.currentTarget?.value ?? e });
  return html`<section>
    <h1>${t('incidents.title')}</h1>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setApplied(filters); }}>
      <label>${t('common.camera')} <${CameraSelect} cameras=${cameras} value=${filters.camera} allowAll onChange=${(v) => setFilters({ ...filters, camera: v })} /></label>
      <label>${t('incidents.type')} <input name="type" value=${filters.type} onInput=${set('type')} /></label>
      <label>${t('incidents.status')} <select name="status" value=${filters.status} onChange=${set('status')}>
        <option value="">${t('common.all')}</option>
        ${['open', 'acknowledged', 'new', 'update', 'end'].map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
      </select></label>
      <label>${t('common.since')} <input type="datetime-local" name="since" value=${filters.since} onInput=${set('since')} /></label>
      <label>${t('common.until')} <input type="datetime-local" name="until" value=${filters.until} onInput=${set('until')} /></label>
      <button type="submit">${t('common.apply')}</button>
    </form>
    <${ErrorNote} error=${list.error} />
    <div class="split">
      <table class="list" data-testid="incidents">
        <thead><tr><th>${t('incidents.started')}</th><th>${t('common.camera')}</th><th>${t('incidents.type')}</th><th>${t('incidents.zone')}</th><th>${t('incidents.severity')}</th><th>${t('incidents.status')}</th></tr></thead>
        <tbody>${items.map((inc) => html`<tr class=${idOf(inc) === arg ? 'selected' : ''} data-incident=${idOf(inc)} data-zone=${inc.zoneId ?? ''}
            onClick=${() => (location.hash = `#/incidents/${encodeURIComponent(idOf(inc))}`)}>
          <td>${formatTime(inc.startedAt, lang)}</td><td>${inc.cameraName ?? inc.cameraId}</td><td>${inc.title?.[lang] ?? inc.type}</td>
          <td>${inc.zoneName ?? inc.zoneId ?? inc.lineName ?? inc.lineId ?? ''}</td><td>${inc.severity}</td><td>${t(`status.${inc.status}`)}</td>
        </tr>`)}</tbody>
      </table>
      ${list.data && items.length === 0 ? html`<p>${t('incidents.none')}</p>` : ''}
      ${arg ? html`<${Detail} id=${arg} key=${arg} onChanged=${list.reload} />` : ''}
    </div>
  </section>`;
}
