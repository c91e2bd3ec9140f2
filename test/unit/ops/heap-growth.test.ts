/**
 * The agent's V8 old-generation growth (agent/ops/heap-growth.ts): set at run time it takes effect (V8's own
 * trace shows the factor), and a percent given on node's command line wins.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT } from '../../../agent/ops/heap-growth.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

const CHILD = join(PROJECT_ROOT, 'test', 'fixtures', 'heap-growth-child.ts');

function runChild(nodeArgs: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--trace-gc-verbose', ...nodeArgs, '--import', 'tsx', CHILD], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * The factors V8 set its old-generation limits with ("[HeapController] Limit: old size: 6936 KB, new limit:
 * 21366 KB (2.5)"); its "factor … based on" lines show its own choice before the flag overrides it.
 */
const factors = (out: string) => [...out.matchAll(/\[HeapController\] Limit: .*\(([\d.]+)\)/g)].map((m) => Number(m[1]));

describe('heap growth', () => {
  it('makes V8 grow the old generation by the agent\'s factor once set at run time', async () => {
    const { code, out } = await runChild([]);
    expect(code, out.slice(-500)).toBe(0);
    expect(out).toContain(`percent ${HEAP_GROWING_PERCENT}`);
    const seen = factors(out);
    expect(seen.length, 'V8 printed no heap limit').toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([1 + HEAP_GROWING_PERCENT / 100]));
  });

  it('leaves a percent given on node\'s command line in force', async () => {
    const { code, out } = await runChild(['--heap-growing-percent=30']);
    expect(code, out.slice(-500)).toBe(0);
    expect(out).toContain('percent none');
    expect(new Set(factors(out))).toEqual(new Set([1.3]));
  });
});
