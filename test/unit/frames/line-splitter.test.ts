import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../agent/frames/ffmpeg-process.js';

describe('LineSplitter', () => {
  it('cuts at \\n, \\r\\n and a lone \\r, across chunk boundaries, and flushes the unterminated rest', () => {
    const lines: string[] = [];
    const split = new LineSplitter((l) => lines.push(l));
    split.push('Input #0, rtsp, from');
    split.push(" 'x':\r\nframe=  1\rframe=  2\r");
    split.push('\nStream #0:0\nlast');
    expect(lines).toEqual(["Input #0, rtsp, from 'x':", 'frame=  1', 'frame=  2', '', 'Stream #0:0']);
    split.flush();
    split.flush();
    expect(lines.at(-1)).toBe('last');
    expect(lines).toHaveLength(6);
  });
});
