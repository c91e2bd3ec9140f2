import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentCommands, DEFAULT_CLIP_CHUNK_BYTES, MAX_CLIP_CHUNK_BYTES, type CommandTarget } from '../../../agent/ops/commands.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-clipcmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = randomBytes(300_000);
const path = join(dir, 'inc-1.mp4');
writeFileSync(path, data);
const sha256 = createHash('sha256').update(data).digest('hex');

const target = {
  clip: (id: string) => (id === 'inc-1' ? { incidentId: 'inc-1', cameraId: 'cam-1', path, bytes: data.length, sha256, durationSeconds: 12.5, fromMs: 0, toMs: 12_500, createdAtMs: 0, uploadAttempts: 0 } : undefined),
} as unknown as CommandTarget;
const clip = agentCommands(target).clip!;

interface Chunk { offset: number; bytes: number; totalBytes: number; sha256: string; nextOffset?: number; data: string; contentType: string }

describe('clip command', () => {
  it('returns the clip in chunks that join to the announced bytes', async () => {
    const parts: Buffer[] = [];
    let offset: number | undefined = 0;
    let answers = 0;
    while (offset !== undefined) {
      const chunk = (await clip({ id: 'inc-1', offset })) as Chunk;
      expect(chunk).toMatchObject({ offset, totalBytes: data.length, sha256, contentType: 'video/mp4' });
      expect(chunk.bytes).toBeLessThanOrEqual(DEFAULT_CLIP_CHUNK_BYTES);
      parts.push(Buffer.from(chunk.data, 'base64'));
      offset = chunk.nextOffset;
      answers++;
    }
    expect(answers).toBe(Math.ceil(data.length / DEFAULT_CLIP_CHUNK_BYTES));
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('takes a chunk size within the cap', async () => {
    const chunk = (await clip({ id: 'inc-1', maxBytes: MAX_CLIP_CHUNK_BYTES })) as Chunk;
    expect(chunk.bytes).toBe(data.length);
    expect(chunk.nextOffset).toBeUndefined();
    await expect(clip({ id: 'inc-1', maxBytes: MAX_CLIP_CHUNK_BYTES + 1 })).rejects.toThrow(/maxBytes.*1024 to 524288/);
  });

  it('refuses bad requests with what to do', async () => {
    await expect(clip({})).rejects.toThrow('clip needs a "id" string');
    await expect(clip({ id: 'nope' })).rejects.toThrow(/no clip for incident nope/);
    await expect(clip({ id: 'inc-1', offset: -1 })).rejects.toThrow(/offset/);
    await expect(clip({ id: 'inc-1', offset: data.length + 1 })).rejects.toThrow(/past the clip's end/);
  });
});
