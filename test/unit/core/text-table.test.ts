import { describe, expect, it } from 'vitest';
import { formatTable, printable } from '../../../agent/core/text-table.js';

describe('formatTable', () => {
  it('sizes columns to their content, right-aligns numbers, leaves the last column unpadded', () => {
    const text = formatTable(['CAMERA', 'FPS', 'LAST ERROR'], [['saigon-01', '5.0', '-'], ['gate', '12.5', 'camera rejected the credentials']], { right: [1] });
    expect(text).toBe(['CAMERA      FPS  LAST ERROR', 'saigon-01   5.0  -', 'gate       12.5  camera rejected the credentials', ''].join('\n'));
  });

  it('makes network text printable: no escape sequences reach the terminal', () => {
    expect(printable('cam\u001b[2Jera\n')).toBe('cam?[2Jera?');
    expect(formatTable(['A'], [['x\u0007']])).toBe('A\nx?\n');
  });
});
