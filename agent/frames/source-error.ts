import type { ErrorCode } from '../core/index.js';

/**
 * Why a camera source is down, stalled or stopped, as a value: the catalogue code when the failure is
 * one the catalogue describes (and has a hint for), and a short operator message. Never raw ffmpeg
 * output, never credentials. Code reads `code`; only people read `message`.
 */
export interface SourceError {
  code?: ErrorCode;
  message: string;
}

/**
 * The text operators and the wire have always seen (camera state topic `lastError`, `camwatch status`,
 * logs): `CODE: message`, or the message alone when there is no code.
 */
export function formatSourceError(error: SourceError): string {
  if (error.code === undefined) return error.message;
  return error.message === '' ? error.code : `${error.code}: ${error.message}`;
}
