import { ERROR_CATALOGUE, type ErrorCode } from '../core/index.js';

/** The body of every console error: `{error: {code, message, hint, field?}}` (codes from docs/errors.md). */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; hint: string; field?: string };
}

/** An error a route throws to answer with `status` and the catalogue code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }

  body(): ApiErrorBody & Record<string, unknown> {
    return { error: { code: this.code, message: this.message, hint: ERROR_CATALOGUE[this.code], ...(this.field === undefined ? {} : { field: this.field }) }, ...this.extra };
  }
}

/** 404 for a camera id the running config does not have. */
export function noCamera(id: string, known: readonly string[]): ApiError {
  return new ApiError(404, 'CONSOLE_NOT_FOUND', `no camera "${id}" (cameras: ${known.join(', ') || 'none'})`, 'id');
}
