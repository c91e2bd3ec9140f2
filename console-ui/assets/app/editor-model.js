// Pure state changes of the zone and line editor (no DOM): adding and moving corners, new zones and lines,
// rules, and mapping the server's validation errors to the shapes and fields they name.
import { nextId } from './geometry.js';

/**
 * The part of a camera's config the editor changes (GET /api/cameras/:id/config answers {camera, …}); only these
 * fields are sent back, so the rest of the camera's block stays as it is in the file.
 */
export function editable(answer) {
  const config = answer?.camera ?? answer;
  return {
    zones: structuredClone(config?.zones ?? []),
    lines: structuredClone(config?.lines ?? []),
    rules: structuredClone(config?.rules ?? []),
  };
}

/**
 * The edit to send: only the lists (zones, lines, rules) that differ from what was loaded, so an untouched
 * list stays in the file exactly as written (the API fills defaults into what it shows, e.g. a line's
 * `units: normalized`; sending those back would re-render items the technician never touched). Never empty:
 * with nothing changed it sends the zones, which the server finds identical to the file.
 */
export function changedFields(loaded, state) {
  const out = {};
  for (const key of ['zones', 'lines', 'rules']) if (JSON.stringify(loaded[key]) !== JSON.stringify(state[key])) out[key] = state[key];
  return Object.keys(out).length > 0 ? out : { zones: state.zones };
}

/** Adds a closed zone from drawn corners (fractions), named by the next free id; returns [state, index]. */
export function addZone(state, points) {
  const id = nextId('zone', state.zones.map((z) => z.id));
  return [{ ...state, zones: [...state.zones, { id, points }] }, state.zones.length];
}

/** Adds a directed line; returns [state, index]. */
export function addLine(state, from, to) {
  const id = nextId('line', state.lines.map((l) => l.id));
  return [{ ...state, lines: [...state.lines, { id, from, to }] }, state.lines.length];
}

/** Moves one corner of a zone (`handle` = corner index) or one end of a line (`handle` = 'from' | 'to'). */
export function movePoint(state, kind, index, handle, point) {
  if (kind === 'zone') {
    const zones = state.zones.map((z, i) => (i === index ? { ...z, points: z.points.map((p, j) => (j === handle ? point : p)) } : z));
    return { ...state, zones };
  }
  const lines = state.lines.map((l, i) => (i === index ? { ...l, [handle]: point } : l));
  return { ...state, lines };
}

/** Changes a zone's or line's fields (id, name); rules naming the old id follow a renamed one. */
export function updateShape(state, kind, index, patch) {
  const list = kind === 'zone' ? state.zones : state.lines;
  const old = list[index];
  const next = list.map((s, i) => (i === index ? clean({ ...s, ...patch }) : s));
  let rules = state.rules;
  if (patch.id !== undefined && old && patch.id !== old.id) {
    const ref = kind === 'zone' ? 'zone' : 'line';
    rules = rules.map((r) => {
      let out = r[ref] === old.id ? { ...r, [ref]: patch.id } : r;
      if (kind === 'zone' && Array.isArray(out.maskZones)) out = { ...out, maskZones: out.maskZones.map((m) => (m === old.id ? patch.id : m)) };
      return out;
    });
  }
  return kind === 'zone' ? { ...state, zones: next, rules } : { ...state, lines: next, rules };
}

function clean(obj) {
  const out = { ...obj };
  for (const k of Object.keys(out)) if (out[k] === '' || out[k] === undefined) delete out[k];
  return out;
}

/** Removes a zone or line. Rules naming it are kept: the server's validation then names them. */
export function removeShape(state, kind, index) {
  return kind === 'zone' ? { ...state, zones: state.zones.filter((_, i) => i !== index) } : { ...state, lines: state.lines.filter((_, i) => i !== index) };
}

/** Swaps a line's ends (reverses which side is "in"). */
export function reverseLine(state, index) {
  return { ...state, lines: state.lines.map((l, i) => (i === index ? { ...l, from: l.to, to: l.from } : l)) };
}

/** A new rule of `type` attached to a zone or a line. */
export function addRule(state, type, ref) {
  const id = nextId('rule', state.rules.map((r) => r.id));
  const rule = { id, type, ...(ref ?? {}) };
  return { ...state, rules: [...state.rules, rule] };
}

/** Changes a rule's type, keeping the fields every rule has. */
export function changeRuleType(rule, type) {
  const keep = ['id', 'name', 'classes', 'zone', 'line', 'severity', 'schedule', 'title', 'category'];
  const out = { type };
  for (const k of keep) if (rule[k] !== undefined) out[k] = rule[k];
  return out;
}

/**
 * A server error path (`cameras[0].rules[1].zone`, `rules.1.zone`, `/rules/1/zone`) split into
 * {scope: 'zones'|'lines'|'rules'|'', index, field}; field is the dotted rest ("schedule.0.from").
 */
export function parseErrorPath(path) {
  const parts = String(path ?? '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split(/[./]/)
    .filter(Boolean);
  if (parts[0] === 'cameras') parts.splice(0, 2);
  const [scope, index, ...rest] = parts;
  if (scope === 'zones' || scope === 'lines' || scope === 'rules') {
    return { scope, index: index === undefined ? undefined : Number(index), field: rest.join('.') };
  }
  return { scope: '', index: undefined, field: parts.join('.') };
}

/** The server's `{errors: [{path, message}]}` grouped for display. */
export function groupErrors(errors) {
  return (errors ?? []).map((e) => ({ ...parseErrorPath(e.path), path: e.path, message: e.message }));
}
