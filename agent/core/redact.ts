/**
 * Secrets (camera and broker passwords) must never reach logs or payloads. Everything that prints a URL
 * or an ffmpeg line goes through here first.
 */
// The lookbehind lets a scheme start only where a word starts. Without it, a long run of letters with no
// "://" was rescanned from every position: quadratic, 2 s for a 16 KB config value and ~30 min for 500 KB
// (found by test/unit/config/fuzz-config.test.ts), and the logger runs this on every string it logs.
const URL_CREDENTIALS = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(?::[^\s/@]*)?@/gi;

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
