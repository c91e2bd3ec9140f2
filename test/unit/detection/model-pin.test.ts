import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { judgeModelPin, MODEL_PINS_FILE, readModelPins, writeModelPin } from '../../../agent/detection/model-pin.js';
import { isCamwatchError } from '../../../agent/core/errors.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const pin = { file: '/m/x.onnx', sha256: A, pinnedAt: '2026-01-01T00:00:00.000Z' };

describe('judgeModelPin', () => {
  it('the manifest sha256 decides alone when given (a pin is not consulted)', () => {
    expect(judgeModelPin({ sha256: B }, A, pin)).toEqual({ kind: 'manifest' });
  });
  it('without one: first run, same bytes, or changed bytes', () => {
    expect(judgeModelPin({}, A, undefined)).toEqual({ kind: 'first', sha256: A });
    expect(judgeModelPin({}, A, pin)).toEqual({ kind: 'same', sha256: A, pin });
    expect(judgeModelPin({}, B, pin)).toEqual({ kind: 'changed', sha256: B, pin });
  });
});

describe('model pins file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-pins-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('none yet → {}; pins are added per model name', () => {
    expect(readModelPins(dir)).toEqual({});
    writeModelPin(dir, 'x', pin);
    writeModelPin(dir, 'y', { ...pin, sha256: B });
    expect(readModelPins(dir)).toEqual({ x: pin, y: { ...pin, sha256: B } });
  });

  it('a damaged pins file is MODEL_CHECKSUM, never a silent reset that would accept any file', () => {
    writeFileSync(join(dir, MODEL_PINS_FILE), '{"x": {"sha256": 1}}');
    let err: unknown;
    try {
      readModelPins(dir);
    } catch (e) {
      err = e;
    }
    expect(isCamwatchError(err, 'MODEL_CHECKSUM')).toBe(true);
    expect((err as Error).message).toContain('the entry "x" is malformed');
  });
});
