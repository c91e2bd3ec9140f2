import { describe, expect, it } from 'vitest';
import { blackOutMasks, blurKinds, fillPolygon } from '../../../agent/privacy/index.js';
import { CAMERA_HEADER, issueLines, yaml } from '../config/helpers.js';
import { parseConfigText } from '../../../agent/config/load.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

/** A grey RGB24 image, every byte `level`. */
function grey(width: number, height: number, level = 200) {
  return { width, height, data: Buffer.alloc(width * height * 3, level) };
}

const black = (img: { width: number; data: Buffer }, x: number, y: number) => img.data.readUIntBE((y * img.width + x) * 3, 3) === 0;

describe('privacy masks', () => {
  it('blacks out the polygon and nothing else, on a copy', () => {
    const frame = grey(100, 50);
    const out = blackOutMasks(frame, [{ points: [[0.1, 0.2], [0.5, 0.2], [0.5, 0.6], [0.1, 0.6]] }]);
    expect(out.data).not.toBe(frame.data);
    expect(frame.data.every((v) => v === 200)).toBe(true);
    // x 10..49, y 10..29 in pixels.
    let inside = 0;
    for (let y = 0; y < 50; y++) {
      for (let x = 0; x < 100; x++) {
        const expected = x >= 10 && x < 50 && y >= 10 && y < 30;
        expect(black(out, x, y), `pixel ${x},${y}`).toBe(expected);
        if (expected) inside++;
      }
    }
    expect(inside).toBe(40 * 20);
  });

  it('covers every pixel a slanted edge touches, and a concave outline only inside', () => {
    const out = grey(40, 40);
    // A triangle: the pixel at its apex row is touched and must be black.
    fillPolygon(out.data, 40, 40, [[20, 0.5], [39.5, 39.5], [0.5, 39.5]]);
    expect(black(out, 20, 0)).toBe(true);
    expect(black(out, 1, 39)).toBe(true);
    expect(black(out, 0, 0)).toBe(false);
    expect(black(out, 39, 0)).toBe(false);
    // A U shape: the notch stays untouched.
    const u = grey(30, 30);
    fillPolygon(u.data, 30, 30, [[0, 0], [10, 0], [10, 20], [20, 20], [20, 0], [30, 0], [30, 30], [0, 30]]);
    expect(black(u, 15, 10)).toBe(false);
    expect(black(u, 5, 10)).toBe(true);
    expect(black(u, 25, 10)).toBe(true);
    expect(black(u, 15, 25)).toBe(true);
  });

  it('returns the frame itself when there is no mask (no copy per still)', () => {
    const frame = grey(4, 4);
    expect(blackOutMasks(frame, [])).toBe(frame);
  });
});

describe('privacy config', () => {
  const parse = (text: string) => parseConfigText(text, 'camwatch.yaml', { baseDir: PROJECT_ROOT, env: {} });

  it('defaults to no mask and no blur', () => {
    const cfg = parse(yaml(...CAMERA_HEADER));
    expect(cfg.config.cameras[0]!.privacy).toEqual({ masks: [], blurFaces: false, blurPlates: false });
  });

  it('accepts masks as fractions with an optional id', () => {
    const cfg = parse(yaml(...CAMERA_HEADER, '    privacy:', '      masks:', '        - { id: window, points: [[0, 0], [0.3, 0], [0.3, 0.2]] }', '      blurFaces: true'));
    expect(cfg.config.cameras[0]!.privacy).toEqual({ masks: [{ id: 'window', points: [[0, 0], [0.3, 0], [0.3, 0.2]] }], blurFaces: true, blurPlates: false });
  });

  it('names the mask point outside the frame, a crossed outline and an unknown key', () => {
    const { code, lines } = issueLines(
      yaml(
        ...CAMERA_HEADER,
        '    privacy:',
        '      masks:',
        '        - { points: [[0, 0], [1.5, 0], [1, 1]] }',
        '        - { points: [[0, 0], [1, 1], [1, 0], [0, 1]] }',
        '      blurFace: true',
      ),
    );
    expect(code).toBe('CONFIG_INVALID');
    expect(lines.join('\n')).toMatch(/cameras\[0\]\.privacy(?:\.|: )[^\n]*blurFace/);
    const text = lines.join('\n');
    expect(text).toContain('[1.5, 0] is outside the frame: mask points are fractions from 0 to 1');
    expect(text).toMatch(/masks\[1\]\.points[^\n]*edges 1-2 and 3-4 cross/);
  });
});

describe('blurKinds', () => {
  it('names each detector the cameras switch on once, faces first', () => {
    expect(blurKinds([])).toEqual([]);
    expect(blurKinds([{ blurFaces: false, blurPlates: false }])).toEqual([]);
    expect(blurKinds([{ blurFaces: false, blurPlates: true }, { blurFaces: true, blurPlates: true }])).toEqual(['face', 'plate']);
  });
});
