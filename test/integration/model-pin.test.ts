/**
 * A model whose weights changed while its manifest entry has no sha256 (issue 16, finding 8). Before, the
 * agent ran the new bytes silently. Now, with a real copy of YOLOX-nano and a real `camwatch run`: the first
 * start warns with the sha256 to pin and pins it in agent.dataDir; after the file's bytes are altered the
 * next start is refused with MODEL_CHECKSUM naming both hashes and how to accept the new file; the doctor
 * says the same; pinning the new sha256 in the manifest lets the agent start again.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertNoAgentLeaks, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli-process.js';
import { modelPath, PROJECT_ROOT } from '../helpers/data.js';

const dirs: string[] = [];
afterEach(() => {
  assertNoAgentLeaks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const settled = (a: AgentProcess) => a.waitForLog((e) => e.msg === 'agent started' || e.level === 'fatal', 60_000);

describe('model pinning without a manifest sha256', () => {
  it('pins on first run, refuses altered weights with MODEL_CHECKSUM (doctor too), starts again once the manifest pins the new file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-model-pin-'));
    dirs.push(dir);
    const models = join(dir, 'models');
    mkdirSync(join(models, 'classes'), { recursive: true });
    const model = join(models, 'yolox_nano_416.onnx');
    copyFileSync(modelPath('yolox_nano_416.onnx'), model);
    copyFileSync(join(PROJECT_ROOT, 'models', 'classes', 'coco80.txt'), join(models, 'classes', 'coco80.txt'));
    const shipped = JSON.parse(readFileSync(join(PROJECT_ROOT, 'models', 'manifest.json'), 'utf8')) as { models: Array<Record<string, unknown>> };
    const { sha256: _sha, bytes: _bytes, ...entry } = shipped.models.find((m) => m.name === 'yolox_nano_416')!;
    const manifest = join(models, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ models: [entry] }, null, 2));
    const config = join(dir, 'camwatch.yaml');
    writeFileSync(config, `
version: 1
agent: { id: pin-box, dataDir: ${join(dir, 'var')} }
models: { dir: ${models}, manifest: ${manifest} }
mqtt: { embeddedHost: 127.0.0.1, embeddedPort: 0 }
health: { host: 127.0.0.1, port: 0 }
`);
    const original = sha256(model);

    const first = startAgent(['run', '--config', config]);
    expect((await settled(first)).msg).toBe('agent started');
    const warning = first.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.level === 'warn' && String(e.msg).includes('no sha256'));
    expect(warning?.msg).toBe(`model "yolox_nano_416" has no sha256 in the manifest (first run: pinned in agent.dataDir, a changed file will be refused); to pin it, add "sha256": "${original}" to the entry "yolox_nano_416" in ${manifest}`);
    expect(await first.stop()).toBe(0);

    // Alter weights: one float in the middle of the file (the graph still loads; detections would be off).
    const bytes = readFileSync(model);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x40;
    writeFileSync(model, bytes);
    const altered = sha256(model);
    expect(altered).not.toBe(original);

    const second = startAgent(['run', '--config', config]);
    const refused = await settled(second);
    expect(await second.stop()).toBe(1);
    expect(refused.level).toBe('fatal');
    expect(String(refused.msg)).toMatch(new RegExp(`^MODEL_CHECKSUM: model file ${model} for model "yolox_nano_416" changed since camwatch first ran it \\(\\d{4}-[^)]+\\): sha256 ${altered}, pinned ${original}`));
    expect(String(refused.msg)).toContain(`If the new file is the right one, add "sha256": "${altered}" to the entry "yolox_nano_416" in ${manifest}`);

    const doctor = await runCli(['doctor', '--config', config, '--json'], { env: { CAMWATCH_LOG_LEVEL: 'silent' }, timeoutMs: 60_000 });
    const line = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string; code?: string }> }).checks.find((c) => c.name === 'model file');
    expect(line).toMatchObject({ status: 'fail', code: 'MODEL_CHECKSUM' });
    expect(line?.detail).toContain(`sha256 ${altered}, pinned ${original}`);

    // The operator accepts the new file by pinning it in the manifest: the manifest now decides.
    writeFileSync(manifest, JSON.stringify({ models: [{ ...entry, sha256: altered }] }, null, 2));
    const third = startAgent(['run', '--config', config]);
    expect((await settled(third)).msg).toBe('agent started');
    expect(third.lines.some((l) => l.includes('no sha256'))).toBe(false);
    expect(await third.stop()).toBe(0);
  }, 180_000);
});
