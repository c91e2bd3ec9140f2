import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { overlaySvg, renderSnapshot } from '../../../agent/incidents/snapshot.js';

const W = 200;
const H = 100;

function grey(): { width: number; height: number; data: Buffer } {
  return { width: W, height: H, data: Buffer.alloc(W * H * 3, 100) };
}

async function pixelAt(jpeg: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [...data.subarray(i, i + 3)];
}

const changed = (px: number[]): boolean => px.some((c) => Math.abs(c - 100) > 40);

describe('snapshot overlay', () => {
  it('escapes label text so a class name cannot break the SVG', () => {
    const svg = overlaySvg(W, H, { boxes: [{ box: { x1: 10, y1: 10, x2: 50, y2: 50 }, label: 'a<b & "c"' }] });
    expect(svg).toContain('a&#60;b &#38; &#34;c&#34;');
    expect(svg).not.toContain('a<b');
  });

  it('ignores a colour that is not a hex colour', () => {
    const svg = overlaySvg(W, H, { boxes: [{ box: { x1: 1, y1: 1, x2: 5, y2: 5 }, colour: 'red" onload="x' }] });
    expect(svg).not.toContain('onload');
  });

  it('draws zones and directed lines too (for `camera test`)', async () => {
    const { jpeg, width, height } = await renderSnapshot(grey(), {
      polygons: [{ points: [{ x: 20, y: 20 }, { x: 80, y: 20 }, { x: 80, y: 80 }, { x: 20, y: 80 }], label: 'yard' }],
      lines: [{ from: { x: 120, y: 50 }, to: { x: 190, y: 50 }, label: 'gate' }],
    });
    expect([width, height]).toEqual([W, H]);
    expect(changed(await pixelAt(jpeg, 20, 50))).toBe(true); // zone edge
    expect(changed(await pixelAt(jpeg, 150, 50))).toBe(true); // line
    expect(changed(await pixelAt(jpeg, 100, 95))).toBe(false); // nothing drawn here
  });

  it('rejects a buffer that is not RGB24 of the stated size', async () => {
    await expect(renderSnapshot({ width: W, height: H, data: Buffer.alloc(5) })).rejects.toThrow(/RGB24/);
  });
});
