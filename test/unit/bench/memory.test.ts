/** The bench's memory breakdown (scripts/bench/smaps.ts) and the settings it measures (build.ts, memory.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentHostEnvironment, deployedEnvironment } from '../../../scripts/bench/build.js';
import { memorySettings } from '../../../scripts/bench/memory.js';
import { parseSmaps, readSmaps } from '../../../scripts/bench/smaps.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

const mapping = (header: string, rssKb: number, pssKb: number) => `${header}\nSize: ${rssKb * 2} kB\nRss: ${rssKb} kB\nPss: ${pssKb} kB\nPss_Dirty: 0 kB\nAnonymous: 0 kB\n`;

describe('bench memory breakdown', () => {
  it('sums RSS per kind of mapping and PSS over all', () => {
    const text = [
      mapping('55d0a0000000-55d0a2000000 r-xp 00000000 fe:00 1 /usr/bin/node', 40 * 1024, 4 * 1024),
      mapping('7f0000000000-7f0001000000 r-xp 00000000 fe:00 2 /app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1', 20 * 1024, 20 * 1024),
      mapping('7f0002000000-7f0003000000 r-xp 00000000 fe:00 3 /app/node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7', 10 * 1024, 5 * 1024),
      mapping('7f0004000000-7f0004100000 r-xp 00000000 fe:00 4 /usr/lib/x86_64-linux-gnu/libc.so.6', 1024, 100),
      mapping('55d0a4000000-55d0a8000000 rw-p 00000000 00:00 0                          [heap]', 30 * 1024, 30 * 1024),
      mapping('7f0005000000-7f0005040000 rw-p 00000000 00:00 0 ', 256, 256),
      mapping('7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]', 132, 132),
    ].join('');
    expect(parseSmaps(text)).toEqual({ rssMb: 101.4, pssMb: 59.5, nodeCodeMb: 40, onnxruntimeCodeMb: 20, vipsCodeMb: 10, otherFilesMb: 1, mallocHeapMb: 30, anonymousMb: 0.4 });
  });

  it('reads a live process: the kinds add up to its RSS', () => {
    const b = readSmaps(process.pid)!;
    expect(b.nodeCodeMb).toBeGreaterThan(0);
    const sum = b.nodeCodeMb + b.onnxruntimeCodeMb + b.vipsCodeMb + b.otherFilesMb + b.mallocHeapMb + b.anonymousMb;
    expect(Math.abs(sum - b.rssMb)).toBeLessThan(0.5);
    expect(readSmaps(2 ** 30)).toBeUndefined();
  });

  it('measures the agent with the systemd unit\'s environment, the same as the Docker image\'s', () => {
    const env = deployedEnvironment();
    expect(env).toMatchObject({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '65536', NODE_OPTIONS: '--max-semi-space-size=4' });
    const docker = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const dockerEnv = Object.fromEntries([...docker.matchAll(/^ENV ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]!.trim()]));
    for (const [k, v] of Object.entries(env)) expect(dockerEnv[k], `Dockerfile ENV ${k}`).toBe(v);
  });

  it('starts an agent host with the unit\'s V8 and malloc settings, not the bench process\'s own', () => {
    const env = agentHostEnvironment({ MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=4' }, { PATH: '/usr/bin', NODE_OPTIONS: '--import tsx', MALLOC_TRIM_THRESHOLD_: '0', MALLOC_MMAP_THRESHOLD_: '1' });
    expect(env).toEqual({ PATH: '/usr/bin', MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=4' });
  });

  it('measures the old unit, the deployed one, and the deployed one with V8\'s own nursery', () => {
    const deployed = { NODE_ENV: 'production', MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: '--max-semi-space-size=4' };
    const ladder = memorySettings(deployed);
    expect(ladder.map((s) => s.name)).toEqual(['arena', 'deployed', 'nursery16']);
    expect(ladder[0]!.env).toEqual({ NODE_ENV: 'production', MALLOC_ARENA_MAX: '2' });
    expect(ladder[1]!.env).toEqual(deployed);
    expect(ladder[2]!.env).toEqual({ NODE_ENV: 'production', MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' });
  });
});
