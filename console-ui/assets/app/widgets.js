// Small shared pieces of the pages.
import { html } from './html.js';
import { useI18n } from './context.js';

/** An API error as an alert; a 401 says how to get a valid token. */
export function ErrorNote({ error }) {
  const { t } = useI18n();
  if (!error) return '';
  const text = error.status === 401 ? t('auth.refused') : `${t('common.error')}: ${error.message ?? String(error)}`;
  return html`<p class="error" role="alert">${text}</p>`;
}

/** A camera picker filled from /api/status; `allowAll` adds an empty "all" choice. */
export function CameraSelect({ cameras, value, onChange, allowAll = false, name = 'camera' }) {
  const { t } = useI18n();
  return html`<select name=${name} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
    ${allowAll ? html`<option value="">${t('common.all')}</option>` : ''}
    ${cameras.map((c) => html`<option value=${c.id}>${c.name ? `${c.name} (${c.id})` : c.id}</option>`)}
  </select>`;
}
