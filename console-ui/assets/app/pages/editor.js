// Zone and line editor on a recent frame: draw a polygon zone by clicks, drag its corners, draw a directed line
// (from → to, its "in" arrow shown), name them, attach rules with forms from the config schema, preview the diff,
// save (the agent validates as `camwatch config validate` does; errors shown on the fields they name).
import { useEffect, useRef, useState } from '../../vendor/hooks.mjs';
import { html } from '../html.js';
import { useI18n } from '../context.js';
import { useImage, useJson } from '../hooks.js';
import { postJson, putJson } from '../api.js';
import { CameraSelect, ErrorNote } from '../widgets.js';
import { drawFrame, drawLine, drawZone } from '../draw.js';
import { isFractionPolygon, nearestPoint, toFraction, toPx } from '../geometry.js';
import { ObjectFields, ruleVariants } from '../schema-form.js';
import * as model from '../editor-model.js';

const HANDLE_RADIUS_PX = 10;

function canvasPoint(canvas, e) {
  const r = canvas.getBoundingClientRect();
  return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
}

const editableZone = (z) => (z.units ?? 'normalized') === 'normalized' && isFractionPolygon(z.points ?? []);
const editableLine = (l) => (l.units ?? 'normalized') === 'normalized' && Array.isArray(l.from) && Array.isArray(l.to);

/** The drawing surface: frame, shapes, the zone being drawn; mouse input per mode. */
function Stage({ img, state, setState, mode, modeRef, setMode, selected, setSelected, t }) {
  const canvas = useRef(null);
  const [draft, setDraftState] = useState([]);
  // Clicks read the corners placed so far from a ref: two clicks can come before the re-render between them.
  const draftRef = useRef([]);
  // The mode the draft's corners were placed in: a mode change drops the draft, unless corners were already
  // placed in the new mode before this render's effect ran.
  const draftMode = useRef(modeRef.current);
  const setDraft = (next) => {
    draftRef.current = typeof next === 'function' ? next(draftRef.current) : next;
    draftMode.current = modeRef.current;
    setDraftState(draftRef.current);
  };
  const drag = useRef(undefined);
  useEffect(() => {
    if (draftMode.current !== mode) setDraft([]);
  }, [mode]);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    if (img && (c.width !== img.naturalWidth || c.height !== img.naturalHeight)) {
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
    }
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, c.width, c.height);
    if (img) drawFrame(ctx, img);
    state.zones.forEach((z, i) => editableZone(z) && drawZone(ctx, z, { selected: selected?.kind === 'zone' && selected.index === i, handles: mode === 'select' }));
    state.lines.forEach((l, i) => editableLine(l) && drawLine(ctx, l, { selected: selected?.kind === 'line' && selected.index === i, handles: mode === 'select', inText: t('editor.in'), outText: '' }));
    if (draft.length > 0) drawZone(ctx, { id: '', points: draft }, { open: true, selected: true });
  });

  const px = (p) => toPx(p, canvas.current.width, canvas.current.height);
  const frac = (p) => toFraction(p, canvas.current.width, canvas.current.height);

  // The grab radius is in screen pixels: the canvas holds the frame at full size and is shown scaled.
  const radius = () => (HANDLE_RADIUS_PX * canvas.current.width) / canvas.current.getBoundingClientRect().width;
  const onDown = (e) => {
    const p = canvasPoint(canvas.current, e);
    const mode = modeRef.current;
    const draft = draftMode.current === mode ? draftRef.current : [];
    if (mode === 'zone') {
      if (draft.length >= 3 && nearestPoint([px(draft[0])], p, radius()) === 0) return finishZone();
      setDraft([...draft, frac(p)]);
      return;
    }
    if (mode === 'line') {
      if (draft.length === 0) return setDraft([frac(p)]);
      const [next, index] = model.addLine(state, draft[0], frac(p));
      setState(next);
      setSelected({ kind: 'line', index });
      setMode('select');
      return;
    }
    // Select mode: grab the nearest corner or line end (the selected shape first).
    const candidates = [];
    state.zones.forEach((z, i) => editableZone(z) && z.points.forEach((q, j) => candidates.push({ kind: 'zone', index: i, handle: j, at: px(q) })));
    state.lines.forEach((l, i) => editableLine(l) && ['from', 'to'].forEach((h) => candidates.push({ kind: 'line', index: i, handle: h, at: px(l[h]) })));
    const hit = nearestPoint(candidates.map((c) => c.at), p, radius());
    if (hit >= 0) {
      const c = candidates[hit];
      drag.current = c;
      setSelected({ kind: c.kind, index: c.index });
      e.preventDefault();
    }
  };
  const onMove = (e) => {
    if (!drag.current) return;
    const { kind, index, handle } = drag.current;
    setState((s) => model.movePoint(s, kind, index, handle, frac(canvasPoint(canvas.current, e))));
  };
  const onUp = () => {
    drag.current = undefined;
  };
  const finishZone = () => {
    const draft = draftRef.current;
    if (draft.length < 3) return;
    const [next, index] = model.addZone(state, draft);
    setState(next);
    setSelected({ kind: 'zone', index });
    setDraft([]);
    setMode('select');
  };
  // Keys while drawing: Enter closes the zone, Backspace takes back the last corner, Escape gives up.
  useEffect(() => {
    if (mode === 'select') return undefined;
    const onKey = (e) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      if (e.key === 'Escape') setMode('select');
      else if (e.key === 'Enter' && mode === 'zone') finishZone();
      else if (e.key === 'Backspace') setDraft((d) => d.slice(0, -1));
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });
  const hint = { select: 'editor.hintSelect', zone: 'editor.hintZone', line: 'editor.hintLine' }[mode];
  return html`<div class="stage-wrap">
    <div class="toolbar" role="toolbar">
      ${['select', 'zone', 'line'].map((m) => html`<button type="button" data-mode=${m} class=${mode === m ? 'active' : ''}
        onClick=${() => setMode(m)}>${t({ select: 'editor.modeSelect', zone: 'editor.modeZone', line: 'editor.modeLine' }[m])}</button>`)}
      ${/* Always shown (disabled when of no use): the canvas must not move while the technician clicks on it. */ ''}
      <button type="button" data-testid="finish-zone" disabled=${mode !== 'zone' || draft.length < 3} onClick=${finishZone}>${t('editor.finishZone')} (${draft.length} ${t('editor.points')})</button>
      <button type="button" disabled=${mode === 'select'} onClick=${() => setMode('select')}>${t('editor.cancel')}</button>
    </div>
    <canvas ref=${canvas} class=${`stage mode-${mode}`} data-testid="editor-canvas" width="640" height="360"
      onMouseDown=${onDown} onMouseMove=${onMove} onMouseUp=${onUp} onMouseLeave=${onUp}></canvas>
    ${/* Below the canvas: hints of different lengths must not move it under the technician's clicks. */ ''}
    <p class="hint" data-testid="hint">${t(hint)}</p>
  </div>`;
}

/** While there are unsaved changes, closing or reloading the tab asks first (a hook). */
function warnOnLeave(dirty) {
  useEffect(() => {
    if (!dirty) return undefined;
    const onLeave = (e) => {
      e.preventDefault();
      e.returnValue = '';
    };
    addEventListener('beforeunload', onLeave);
    return () => removeEventListener('beforeunload', onLeave);
  }, [dirty]);
}

function fieldErrors(errors, scope, index) {
  return errors.filter((e) => e.scope === scope && e.index === index).map((e) => ({ field: e.field, message: e.message }));
}

/** Id and name of one zone or line, with its errors. */
function ShapeRow({ kind, shape, index, state, setState, selected, setSelected, errors, t }) {
  const errs = fieldErrors(errors, kind === 'zone' ? 'zones' : 'lines', index);
  const on = selected?.kind === kind && selected.index === index;
  const errFor = (f) => errs.filter((e) => e.field === f || (f === 'geometry' && !['id', 'name'].includes(e.field))).map((e) => `${e.field ? `${e.field}: ` : ''}${e.message}`).join('; ');
  return html`<li class=${`shape${on ? ' selected' : ''}${errs.length ? ' invalid' : ''}`} data-shape=${`${kind}:${shape.id}`} onClick=${() => setSelected({ kind, index })}>
    <label>${t('common.id')} <input name=${`${kind}s.${index}.id`} value=${shape.id}
      onChange=${(e) => setState(model.updateShape(state, kind, index, { id: e.currentTarget.value }))} /></label>
    <label>${t('common.name')} <input name=${`${kind}s.${index}.name`} value=${shape.name ?? ''}
      onChange=${(e) => setState(model.updateShape(state, kind, index, { name: e.currentTarget.value }))} /></label>
    ${kind === 'zone' ? html`<span>${(shape.points ?? []).length} ${t('editor.points')}</span>` : html`<button type="button" onClick=${() => setState(model.reverseLine(state, index))}>${t('editor.swap')}</button>`}
    <button type="button" class="danger" onClick=${(e) => { e.stopPropagation(); setSelected(undefined); setState(model.removeShape(state, kind, index)); }}>${t('common.delete')}</button>
    ${errFor('id') ? html`<span class="field-error" role="alert">${errFor('id')}</span>` : ''}
    ${errFor('name') ? html`<span class="field-error" role="alert">${errFor('name')}</span>` : ''}
    ${errFor('geometry') ? html`<span class="field-error" role="alert">${errFor('geometry')}</span>` : ''}
  </li>`;
}

/** One rule: its type and the fields of that type from the schema. */
function RuleForm({ rule, index, variants, root, state, setState, errors, t }) {
  const variant = variants.find((v) => v.type === rule.type) ?? variants.find((v) => deref_enum(v.schema).includes(rule.type));
  const errs = fieldErrors(errors, 'rules', index);
  const setRule = (next) => setState({ ...state, rules: state.rules.map((r, i) => (i === index ? next : r)) });
  const loose = errs.filter((e) => !e.field || !(variant?.schema.properties ?? {})[e.field.split('.')[0]]);
  return html`<fieldset class="rule" data-rule=${rule.id ?? index}>
    <legend>${rule.id ?? ''}</legend>
    <label>${t('editor.ruleType')} <select name=${`rules.${index}.type`} value=${rule.type} onChange=${(e) => setRule(model.changeRuleType(rule, e.currentTarget.value))}>
      ${variants.map((v) => html`<option value=${v.type}>${v.type}</option>`)}
      ${variant ? '' : html`<option value=${rule.type}>${rule.type}</option>`}
    </select></label>
    ${variant ? html`<${ObjectFields} schema=${variant.schema} root=${root} value=${rule} path="" errors=${errs} skip=${['type']}
      refs=${{ zones: state.zones.map((z) => z.id), lines: state.lines.map((l) => l.id) }} onChange=${(v) => setRule({ ...v, type: rule.type })} />` : ''}
    ${loose.map((e) => html`<span class="field-error" role="alert">${e.field ? `${e.field}: ` : ''}${e.message}</span>`)}
    <button type="button" class="danger" onClick=${() => setState({ ...state, rules: state.rules.filter((_, i) => i !== index) })}>${t('common.delete')}</button>
  </fieldset>`;
}

const deref_enum = (schema) => schema.properties?.type?.enum ?? [];

function Editor({ cameraId }) {
  const { t } = useI18n();
  const base = `/api/cameras/${encodeURIComponent(cameraId)}`;
  const config = useJson(`${base}/config`);
  const schema = useJson('/api/schema');
  const { img, error: frameError } = useImage(`${base}/frame.jpg`);
  const [state, setState] = useState(undefined);
  const [mode, setModeState] = useState('select');
  // Clicks read the mode from a ref: a click on the canvas can come before the re-render that follows a
  // click on a mode button (seen under load: a line's first point was taken in select mode and lost).
  const modeRef = useRef('select');
  const setMode = (m) => {
    modeRef.current = m;
    setModeState(m);
  };
  const [selected, setSelected] = useState(undefined);
  const [result, setResult] = useState({ errors: [], diff: undefined, plan: undefined, saved: false, error: undefined });
  const [newType, setNewType] = useState('zone_intrusion');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (config.data) setState(model.editable(config.data));
  }, [config.data]);
  const variants = schema.data ? ruleVariants(schema.data) : [];
  const errors = model.groupErrors(result.errors);
  const body = () => model.changedFields(model.editable(config.data), state);

  const send = async (kind) => {
    setBusy(true);
    try {
      if (kind === 'preview') {
        const r = await postJson(`${base}/config/preview`, body());
        setResult({ errors: r.errors ?? [], diff: r.diff ?? '', plan: undefined, saved: false, error: undefined });
      } else {
        const r = await putJson(`${base}/config`, body());
        setResult({ errors: [], diff: r.diff ?? '', plan: r.plan, saved: true, error: undefined });
        config.reload();
      }
    } catch (error) {
      const errs = error?.body?.errors;
      setResult({ errors: Array.isArray(errs) ? errs : [], diff: undefined, plan: undefined, saved: false, error: Array.isArray(errs) ? undefined : error });
    } finally {
      setBusy(false);
    }
  };
  const addRule = () => {
    const ref = selected?.kind === 'zone' ? { zone: state.zones[selected.index]?.id } : selected?.kind === 'line' ? { line: state.lines[selected.index]?.id } : undefined;
    setState(model.addRule(state, newType, ref));
  };

  const readOnly = config.data?.writable === false;
  const dirty = config.data !== undefined && state !== undefined && JSON.stringify(model.editable(config.data)) !== JSON.stringify(state);
  // A hook: called on every render, before any early return.
  warnOnLeave(dirty);
  if (config.error) return html`<${ErrorNote} error=${config.error} />`;
  if (!state) return html`<p>${t('common.loading')}</p>`;
  return html`<div class="editor">
    <div>
      ${frameError ? html`<p class="hint">${t('editor.noFrame')}</p>` : ''}
      <${Stage} img=${img} state=${state} setState=${setState} mode=${mode} modeRef=${modeRef} setMode=${setMode} selected=${selected} setSelected=${setSelected} t=${t} />
    </div>
    <aside class="panel">
      <h2>${t('editor.zones')}</h2>
      <ul class="shapes">${state.zones.map((z, i) => html`<${ShapeRow} kind="zone" shape=${z} index=${i} key=${`z${i}`} state=${state} setState=${setState} selected=${selected} setSelected=${setSelected} errors=${errors} t=${t} />`)}</ul>
      <h2>${t('editor.lines')}</h2>
      <ul class="shapes">${state.lines.map((l, i) => html`<${ShapeRow} kind="line" shape=${l} index=${i} key=${`l${i}`} state=${state} setState=${setState} selected=${selected} setSelected=${setSelected} errors=${errors} t=${t} />`)}</ul>
      <h2>${t('editor.rules')}</h2>
      <${ErrorNote} error=${schema.error} />
      ${state.rules.map((r, i) => html`<${RuleForm} rule=${r} index=${i} key=${`r${i}`} variants=${variants} root=${schema.data} state=${state} setState=${setState} errors=${errors} t=${t} />`)}
      <div class="row">
        <select name="newRuleType" value=${newType} onChange=${(e) => setNewType(e.currentTarget.value)}>${variants.map((v) => html`<option value=${v.type}>${v.type}</option>`)}</select>
        <button type="button" data-testid="add-rule" onClick=${addRule}>${t('editor.addRule')}</button>
      </div>
      <div class="row actions">
        <button type="button" data-testid="preview" disabled=${busy} onClick=${() => send('preview')}>${t('editor.preview')}</button>
        <button type="button" data-testid="save" class="primary" disabled=${busy || readOnly} onClick=${() => send('save')}>${t('editor.save')}</button>
      </div>
      ${readOnly ? html`<p class="hint" role="note">${t('editor.readOnly')}</p>` : ''}
      ${dirty ? html`<p class="hint" data-testid="dirty">${t('editor.dirty')}</p>` : ''}
      <${ErrorNote} error=${result.error} />
      ${errors.length > 0 ? html`<div class="errors" role="alert" data-testid="errors"><p>${t('editor.errors')}</p>
        <ul>${errors.map((e) => html`<li>${e.path}: ${e.message}</li>`)}</ul></div>` : ''}
      ${result.saved ? html`<p class="ok" data-testid="saved">${t('editor.saved')}</p>` : ''}
      ${result.plan ? html`<details><summary>${t('editor.plan')}</summary><pre data-testid="plan">${JSON.stringify(result.plan, null, 2)}</pre></details>` : ''}
      ${result.diff !== undefined ? html`<h3>${t('editor.diff')}</h3>${result.diff ? html`<pre class="diff" data-testid="diff">${String(result.diff).split('\n').map((line) => html`<span class=${line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : ''}>${`${line}\n`}</span>`)}</pre>` : html`<p>${t('editor.noDiff')}</p>`}` : ''}
    </aside>
  </div>`;
}

/** The editor page; `arg` is the camera id. */
export function EditorPage({ arg }) {
  const { t } = useI18n();
  const { data, error } = useJson('/api/status');
  const cameras = data?.cameras ?? [];
  const cameraId = arg || cameras[0]?.id;
  return html`<section>
    <h1>${t('editor.title')}</h1>
    <${ErrorNote} error=${error} />
    ${cameras.length > 0 ? html`<label>${t('common.camera')} <${CameraSelect} cameras=${cameras} value=${cameraId}
      onChange=${(id) => (location.hash = `#/editor/${encodeURIComponent(id)}`)} /></label>` : ''}
    ${cameraId ? html`<${Editor} cameraId=${cameraId} key=${cameraId} />` : ''}
  </section>`;
}
