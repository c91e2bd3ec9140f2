import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CamwatchError, ERROR_CATALOGUE, describeError, isCamwatchError } from '../../../agent/core/errors.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

describe('error catalogue', () => {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'errors.md'), 'utf8');

  it.each(Object.keys(ERROR_CATALOGUE))('%s is documented in docs/errors.md', (code) => {
    expect(doc).toContain(`\`${code}\``);
  });

  it('every documented code exists in the catalogue (no stale rows)', () => {
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });

  it('carries code, hint, details and cause, and describes itself for operators', () => {
    const cause = new Error('ENOENT');
    const err = new CamwatchError('MODEL_NOT_FOUND', 'models/x.onnx does not exist', { cause, details: { file: 'x.onnx' } });
    expect(isCamwatchError(err, 'MODEL_NOT_FOUND')).toBe(true);
    expect(isCamwatchError(err, 'MODEL_INVALID')).toBe(false);
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ file: 'x.onnx' });
    expect(describeError(err)).toBe(`MODEL_NOT_FOUND: models/x.onnx does not exist\n  → ${ERROR_CATALOGUE.MODEL_NOT_FOUND}`);
  });
});
