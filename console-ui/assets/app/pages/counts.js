// Counts: line crossings per line, class and direction over time, as a uPlot chart and a table of totals.
// uPlot (51 KB, 22 KB gzipped) is loaded only when this page opens, so the other pages do not carry it.
import { useEffect, useRef, useState } from '../../vendor/hooks.mjs';
import { html } from '../html.js';
import { useI18n } from '../context.js';
import { useJson } from '../hooks.js';
import { query } from '../api.js';
import { CameraSelect, ErrorNote } from '../widgets.js';
import { localInputToIso } from '../format.js';

/** Roll-up periods offered (seconds, as the API takes them); '' = the agent's own bins. */
const PERIODS = [['', 'period.bin'], ['900', 'period.quarter'], ['3600', 'period.hour'], ['86400', 'period.day']];
const PALETTE = ['#1565c0', '#c62828', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#ad1457', '#4e342e', '#283593', '#9e9d24'];

let uplotLoading;
/** Loads vendor/uPlot (IIFE build, minified) once; resolves the uPlot constructor. */
function loadUplot() {
  uplotLoading ??= new Promise((resolve, reject) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = './assets/vendor/uPlot.min.css';
    document.head.append(css);
    const s = document.createElement('script');
    s.src = './assets/vendor/uPlot.iife.min.js';
    s.onload = () => resolve(globalThis.uPlot);
    s.onerror = () => reject(new Error('assets/vendor/uPlot.iife.min.js failed to load'));
    document.head.append(s);
  });
  return uplotLoading;
}

const binsOf = (data) => (Array.isArray(data) ? data : data?.rows ?? data?.bins ?? data?.counts ?? []);
const timeOf = (b) => {
  const v = b.start ?? b.binStart ?? b.startedAt ?? b.at ?? b.t;
  return typeof v === 'number' ? (v > 1e11 ? v / 1000 : v) : Date.parse(v) / 1000;
};

/**
 * Count bins → uPlot data: x = bin start (s), one series per line, class and direction. A bin holds either
 * one {lineId, className, direction, count} or {lineId | kind: 'line', id, className, in, out}; zone occupancy
 * rows are left out. When bins and roll-ups of several periods come together, only the shortest period is
 * drawn (the roll-ups hold the same crossings again).
 */
export function toSeries(bins) {
  const lineBins = bins.filter((b) => b.kind === undefined || b.kind === 'line');
  const periods = lineBins.map((b) => b.periodSeconds).filter((p) => typeof p === 'number');
  const shortest = periods.length > 0 ? Math.min(...periods) : undefined;
  const rows = [];
  for (const b of lineBins) {
    if (shortest !== undefined && b.periodSeconds !== undefined && b.periodSeconds !== shortest) continue;
    const line = b.lineId ?? b.line ?? b.id ?? '';
    const cls = b.className ?? b.class ?? b.cls ?? '';
    const t = timeOf(b);
    if (!Number.isFinite(t)) continue;
    if (b.direction) rows.push({ t, key: `${line} · ${cls} · ${b.direction}`, n: b.count ?? 0 });
    else {
      if (b.in !== undefined) rows.push({ t, key: `${line} · ${cls} · in`, n: b.in });
      if (b.out !== undefined) rows.push({ t, key: `${line} · ${cls} · out`, n: b.out });
    }
  }
  const xs = [...new Set(rows.map((r) => r.t))].sort((a, b) => a - b);
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = keys.map(() => xs.map(() => 0));
  for (const r of rows) ys[keys.indexOf(r.key)][index.get(r.t)] += r.n;
  return { xs, keys, ys };
}

function Chart({ series, t }) {
  const box = useRef(null);
  const [error, setError] = useState(undefined);
  useEffect(() => {
    let plot;
    let cancelled = false;
    loadUplot().then((UPlot) => {
      if (cancelled || !box.current) return;
      const opts = {
        width: Math.max(320, box.current.clientWidth || 800),
        height: 320,
        series: [{ label: t('counts.time') }, ...series.keys.map((k, i) => ({ label: k, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: true } }))],
        axes: [{}, { label: '' }],
      };
      plot = new UPlot(opts, [series.xs, ...series.ys], box.current);
    }, setError);
    return () => {
      cancelled = true;
      plot?.destroy();
    };
  }, [series]);
  return html`<div><div ref=${box} class="chart" data-testid="counts-chart"></div><${ErrorNote} error=${error} /></div>`;
}

/** The counts page. */
export function CountsPage() {
  const { t } = useI18n();
  const status = useJson('/api/status');
  const cameras = status.data?.cameras ?? [];
  const [filters, setFilters] = useState({ camera: '', line: '', period: '', since: '', until: '' });
  const [applied, setApplied] = useState(filters);
  const camera = applied.camera || cameras[0]?.id || '';
  const url = camera ? `/api/counts${query({ camera, line: applied.line, period: applied.period, since: localInputToIso(applied.since), until: localInputToIso(applied.until) })}` : '';
  const counts = useJson(url);
  const series = counts.data ? toSeries(binsOf(counts.data)) : undefined;
  const set = (key) => (e) => setFilters({ ...filters, [key]: e.currentTarget.value });
  return html`<section>
    <h1>${t('counts.title')}</h1>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setApplied(filters); }}>
      <label>${t('common.camera')} <${CameraSelect} cameras=${cameras} value=${filters.camera || camera} onChange=${(v) => setFilters({ ...filters, camera: v })} /></label>
      <label>${t('counts.line')} <input name="line" value=${filters.line} onInput=${set('line')} /></label>
      <label>${t('counts.period')} <select name="period" value=${filters.period} onChange=${set('period')}>
        ${PERIODS.map(([seconds, key]) => html`<option value=${seconds}>${t(key)}</option>`)}
      </select></label>
      <label>${t('common.since')} <input type="datetime-local" name="since" value=${filters.since} onInput=${set('since')} /></label>
      <label>${t('common.until')} <input type="datetime-local" name="until" value=${filters.until} onInput=${set('until')} /></label>
      <button type="submit">${t('common.apply')}</button>
    </form>
    <${ErrorNote} error=${counts.error} />
    ${series && series.xs.length === 0 ? html`<p>${t('counts.none')}</p>` : ''}
    ${series && series.xs.length > 0 ? html`<${Chart} series=${series} t=${t} key=${url} />
      <table class="list" data-testid="counts-totals"><thead><tr><th>${t('counts.line')}</th><th>${t('counts.total')}</th></tr></thead>
        <tbody>${series.keys.map((k, i) => html`<tr><td>${k}</td><td>${series.ys[i].reduce((a, b) => a + b, 0)}</td></tr>`)}</tbody></table>` : ''}
  </section>`;
}
