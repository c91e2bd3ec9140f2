// Talks to the agent's console API. The token arrives once in the address fragment (#token=…, printed by
// `camwatch console url`), is kept in sessionStorage (gone when the tab closes), removed from the address bar
// and history, and sent as `Authorization: Bearer` on every request — never in a URL, so it reaches no log.

const TOKEN_KEY = 'camwatch.token';

/** Takes the token out of the fragment into sessionStorage; returns the fragment left (the route). */
export function adoptTokenFromFragment() {
  const token = tokenFromFragment(location.hash);
  if (token) {
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      memoryToken = token;
    }
    history.replaceState(null, '', `${location.pathname}${location.search}#/cameras`);
  }
}

/**
 * The token in a fragment `#token=…` (`&`-separated with other parameters), percent-decoded but not
 * form-decoded: a `+` in a token file's token stays a `+` (URLSearchParams would make it a space).
 */
export function tokenFromFragment(hash) {
  const m = /(?:^#?|&)token=([^&]*)/.exec(hash);
  if (!m || m[1] === '') return '';
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

let memoryToken = '';

/** The token of this tab, or '' when none was given. */
export function currentToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

/** An API refusal or failure, with the status and the server's `{errors}` / `{message}` when it sent JSON. */
export class ApiError extends Error {
  constructor(status, body, url) {
    // The console's errors are {error: {code, message, hint, field}} (docs/console.md, Errors).
    const err = typeof body?.error === 'object' && body.error !== null ? body.error : undefined;
    const message = err ? [err.message, err.hint].filter(Boolean).join(' → ') : body?.message ?? (typeof body?.error === 'string' ? body.error : '');
    super(`${url}: HTTP ${status}${message ? ` — ${message}` : ''}`);
    this.status = status;
    this.body = body;
    this.code = err?.code;
  }
}

function headers(extra = {}) {
  const token = currentToken();
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

async function request(method, url, body, signal) {
  const init = { method, headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(url, init);
  const type = res.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await res.json().catch(() => undefined) : await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof payload === 'object' ? payload : { message: payload }, url);
  return payload;
}

/** GET a JSON document. */
export const getJson = (url, signal) => request('GET', url, undefined, signal);
/** POST a JSON body, answer parsed. */
export const postJson = (url, body, signal) => request('POST', url, body ?? {}, signal);
/** PUT a JSON body, answer parsed. */
export const putJson = (url, body, signal) => request('PUT', url, body, signal);

/** Fetches an image with the token and returns a decoded ImageBitmap-like HTMLImageElement and its object URL. */
export async function getImage(url, signal) {
  const res = await fetch(url, { headers: headers(), signal });
  if (!res.ok) throw new ApiError(res.status, undefined, url);
  const blobUrl = URL.createObjectURL(await res.blob());
  const img = new Image();
  img.src = blobUrl;
  try {
    await img.decode();
  } finally {
    URL.revokeObjectURL(blobUrl);
  }
  return img;
}

/**
 * Server-sent events read through fetch (EventSource cannot send an Authorization header). Calls onMessage
 * with each `data:` JSON; stops when the signal aborts. Resolves when the stream ends.
 */
export async function readEvents(url, signal, onMessage) {
  const res = await fetch(url, { headers: headers({ accept: 'text/event-stream' }), signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, undefined, url);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    // Events end with a blank line (the SSE format); `\r\n` line ends are allowed by it too.
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) {
        try {
          onMessage(JSON.parse(data));
        } catch {
          // A keep-alive or a non-JSON line: nothing to draw.
        }
      }
    }
  }
}

/** Query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
