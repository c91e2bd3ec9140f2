import { describe, expect, it } from 'vitest';
import { createProgress, renderBar } from '../../../agent/cli/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, write: (t: string) => chunks.push(t), isTTY, columns: 40 };
}

describe('progress', () => {
  it('not a terminal: one plain line per step, nothing for updates or stops', () => {
    const s = stream(false);
    const p = createProgress(s, { prefix: 'doctor: ' });
    p.start('loading model');
    p.update('ignored', 0.5);
    p.stop();
    p.start('probing camera a');
    p.stop();
    expect(p.interactive).toBe(false);
    expect(s.chunks.join('')).toBe('doctor: loading model…\ndoctor: probing camera a…\n');
  });

  it('a terminal: redraws one line in place with a bar, erases it on stop, and stops its timer', async () => {
    const s = stream(true);
    let now = 0;
    const p = createProgress(s, { intervalMs: 5, now: () => now });
    p.start('probing camera gate');
    now = 2_000;
    p.update(undefined, 0.5);
    await new Promise((r) => setTimeout(r, 30));
    p.stop();
    const drawn = s.chunks.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(s.chunks.length).toBe(drawn); // no redraw after stop
    expect(p.interactive).toBe(true);
    expect(s.chunks.every((c) => c.startsWith('\r\u001b[2K'))).toBe(true);
    expect(s.chunks.at(-1)).toBe('\r\u001b[2K');
    expect(s.chunks.some((c) => c.includes('probing camera gate'))).toBe(true);
    expect(drawn).toBeGreaterThan(3); // the spinner turned
  });

  it('a terminal: a line longer than the terminal is cut, so \\r can still erase it', () => {
    const s = stream(true);
    const p = createProgress(s);
    p.start('x'.repeat(100));
    p.stop();
    const line = s.chunks[0]!.replace('\r\u001b[2K', '');
    expect(line.length).toBeLessThan(40);
    expect(line.endsWith('…')).toBe(true);
  });

  it('disabled: draws nothing', () => {
    const s = stream(true);
    const p = createProgress(s, { enabled: false });
    p.start('a');
    p.stop();
    expect(s.chunks).toEqual([]);
  });

  it('renderBar', () => {
    expect(renderBar(0.5, 10)).toBe('[#####-----]  50%');
    expect(renderBar(2, 4)).toBe('[####] 100%');
    expect(renderBar(-1, 4)).toBe('[----]   0%');
  });
});
