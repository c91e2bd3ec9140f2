// Rule forms generated from the config's JSON Schema (GET /api/schema, the same zod schema the agent validates
// with): one variant per rule type under cameras[].rules[].oneOf; each field by its schema type. Empty fields are
// left out of the rule, so the agent's default (shown as the placeholder) applies.
import { html } from './html.js';
import { useI18n } from './context.js';

/** Resolves a local `$ref` (#/…) against the root schema. */
export function deref(schema, root) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 16; i++) {
    s = s.$ref.replace(/^#\//, '').split('/').reduce((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], root);
  }
  return s ?? {};
}

/** The rule variants of the config schema: [{type, schema}] in the schema's order (one per rule type). */
export function ruleVariants(root) {
  const cameras = deref(root?.properties?.cameras, root);
  const rules = deref(deref(cameras.items, root).properties?.rules, root);
  const items = deref(rules.items, root);
  const variants = items.oneOf ?? items.anyOf ?? [];
  return variants.map((v) => {
    const s = deref(v, root);
    const typeSchema = deref(s.properties?.type, root);
    const type = typeSchema.enum?.[0] ?? typeSchema.const;
    return { type, schema: s };
  }).filter((v) => v.type);
}

const ORDER = ['id', 'name', 'zone', 'line', 'classes', 'direction', 'incident', 'minSeconds', 'severity'];

/** Field names of a rule variant in display order (type is chosen apart). */
export function fieldOrder(schema) {
  const keys = Object.keys(schema.properties ?? {}).filter((k) => k !== 'type');
  return keys.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
}

function isEmpty(v) {
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Sets `key` on a copy of `obj`, removing it when the value is empty. */
export function withField(obj, key, value) {
  const next = { ...obj };
  if (isEmpty(value)) delete next[key];
  else next[key] = value;
  return next;
}

function errorFor(errors, path) {
  return errors.filter((e) => e.field === path).map((e) => e.message).join('; ');
}

/**
 * One field. `path` is the field's dotted path inside the rule (e.g. "schedule.0.from"), used to show the
 * errors the server names. `refs` gives the zone and line ids for `zone`, `line` and `maskZones`.
 */
function Field({ name, schema, root, value, onChange, required, path, errors, refs }) {
  const { t } = useI18n();
  const s = deref(schema, root);
  const def = s.default;
  const placeholder = def !== undefined ? `${t('form.default')}: ${Array.isArray(def) ? def.join(', ') : def}` : '';
  const err = errorFor(errors, path);
  const title = s.description ?? '';
  const key = `field.${name}`;
  const label = t(key);
  const control = (() => {
    if (name === 'zone' || name === 'line') {
      const ids = name === 'zone' ? refs.zones : refs.lines;
      return html`<select name=${path} value=${value ?? ''} onChange=${(e) => onChange(e.currentTarget.value || undefined)}>
        <option value=""></option>
        ${ids.map((id) => html`<option value=${id}>${id}</option>`)}
        ${value && !ids.includes(value) ? html`<option value=${value}>${value}</option>` : ''}
      </select>`;
    }
    if (s.enum && (s.type === 'string' || s.type === undefined)) {
      return html`<select name=${path} value=${value ?? ''} onChange=${(e) => onChange(e.currentTarget.value || undefined)}>
        ${required ? '' : html`<option value="">${def !== undefined ? `(${t('form.default')}: ${def})` : ''}</option>`}
        ${s.enum.map((v) => html`<option value=${v}>${v}</option>`)}
      </select>`;
    }
    if (s.type === 'boolean') {
      return html`<input type="checkbox" name=${path} checked=${value ?? def ?? false} onChange=${(e) => onChange(e.currentTarget.checked)} />`;
    }
    if (s.type === 'number' || s.type === 'integer') {
      return html`<input type="number" name=${path} value=${value ?? ''} placeholder=${placeholder} min=${s.minimum} max=${s.maximum}
        step=${s.type === 'integer' ? 1 : 'any'} onInput=${(e) => onChange(e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))} />`;
    }
    if (s.type === 'string') {
      return html`<input type="text" name=${path} value=${value ?? ''} placeholder=${placeholder} onInput=${(e) => onChange(e.currentTarget.value || undefined)} />`;
    }
    if (s.type === 'array') {
      const items = deref(s.items, root);
      if (items.type === 'string' && items.enum) {
        const current = value ?? def ?? [];
        return html`<span class="checks">${items.enum.map((v) => html`<label><input type="checkbox" name=${`${path}.${v}`} checked=${current.includes(v)}
          onChange=${(e) => onChange(e.currentTarget.checked ? [...current.filter((x) => x !== v), v] : current.filter((x) => x !== v))} />${v}</label>`)}</span>`;
      }
      if (items.type === 'string') {
        return html`<input type="text" name=${path} value=${(value ?? []).join(', ')} placeholder=${name === 'maskZones' ? refs.zones.join(', ') : t('form.commaList')}
          onChange=${(e) => onChange(e.currentTarget.value.split(',').map((x) => x.trim()).filter(Boolean))} />`;
      }
      if (items.type === 'object' && items.properties) {
        const list = value ?? [];
        return html`<div class="sub-list">
          ${list.map((item, i) => html`<fieldset class="sub">
            <${ObjectFields} schema=${items} root=${root} value=${item} path=${`${path}.${i}`} errors=${errors} refs=${refs}
              onChange=${(v) => onChange(list.map((x, j) => (j === i ? v : x)))} />
            <button type="button" onClick=${() => onChange(list.filter((_, j) => j !== i))}>${t('form.remove')}</button>
          </fieldset>`)}
          <button type="button" data-add=${path} onClick=${() => onChange([...list, {}])}>${t('form.add')}</button>
        </div>`;
      }
    }
    if (s.type === 'object' && s.properties) {
      return html`<fieldset class="sub"><${ObjectFields} schema=${s} root=${root} value=${value ?? {}} path=${path} errors=${errors} refs=${refs}
        onChange=${(v) => onChange(Object.keys(v).length ? v : undefined)} /></fieldset>`;
    }
    // anyOf / oneOf / tuples (e.g. expectedDirection [dx, dy]): JSON text.
    return html`<input type="text" name=${path} class="json" value=${value === undefined ? '' : JSON.stringify(value)} placeholder=${t('form.json')}
      onChange=${(e) => {
        const text = e.currentTarget.value.trim();
        if (text === '') return onChange(undefined);
        try {
          onChange(JSON.parse(text));
        } catch {
          onChange(text);
        }
      }} />`;
  })();
  return html`<div class=${`field${err ? ' invalid' : ''}`} data-field=${path}>
    <label title=${title}><span class="fname">${label === key ? name : html`${label} <code>${name}</code>`}${required ? ' *' : ''}</span> ${control}</label>
    ${err ? html`<span class="field-error" role="alert">${err}</span>` : ''}
  </div>`;
}

/** The fields of an object schema. */
export function ObjectFields({ schema, root, value, onChange, path, errors, refs, skip = [] }) {
  const required = new Set(schema.required ?? []);
  return fieldOrder(schema).filter((k) => !skip.includes(k)).map((key) => html`<${Field} key=${key} name=${key}
    schema=${schema.properties[key]} root=${root} value=${value?.[key]} required=${required.has(key)}
    path=${path ? `${path}.${key}` : key} errors=${errors} refs=${refs}
    onChange=${(v) => onChange(withField(value ?? {}, key, v))} />`);
}
