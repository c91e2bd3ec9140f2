// Number, byte and time formatting for the page.

/** A number with `digits` decimals, or "—" when absent. */
export function num(value, digits = 0) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** Bytes in B, KiB, MiB or GiB. */
export function formatBytes(bytes) {
  if (typeof bytes !== 'number') return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A timestamp (ms or ISO text) in the page language's local date and time. */
export function formatTime(value, lang) {
  if (value === undefined || value === null || value === '') return '—';
  const d = new Date(typeof value === 'number' ? value : String(value));
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN');
}

/** A `datetime-local` input's value as an ISO time, or '' when empty. */
export function localInputToIso(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
