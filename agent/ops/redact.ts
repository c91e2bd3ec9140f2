/**
 * Secrets (camera and broker passwords) must never reach logs or payloads. Everything that prints a URL
 * or an ffmpeg line goes through here first.
 */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(?::[^\s/@]*)?@/gi;

/** `rtsp://admin:secret@10.0.0.5/live` → `rtsp://admin:***@10.0.0.5/live` (also inside longer text). */
export function redactUrl(text: string): string {
  return text.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** Removes every literal occurrence of known secret values, for text we did not format ourselves. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = redactUrl(text);
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}
