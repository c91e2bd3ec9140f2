import { lstatSync, readlinkSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { resolveConfigPath } from '../../config/index.js';
import { checkModelPin, createDetector, findModel, loadManifest, MODEL_PINS_FILE, pinAdvice, resolveModelFile } from '../../detection/index.js';
import { ERROR_CATALOGUE, isCamwatchError } from '../../core/index.js';
import { fail, failFrom, pass, skip, warn, type CheckResult, type DoctorCheck, type DoctorContext } from './types.js';

/**
 * Two lines: `model file` (in the manifest, present, sha256 as the manifest says) and `model load`
 * (onnxruntime opens it and runs it once, as the agent does at start). The second only runs after the first passed.
 */
export function modelChecks(): DoctorCheck[] {
  let fileOk = false;
  const fileCheck: DoctorCheck = {
    name: 'model file',
    async run(ctx): Promise<CheckResult> {
      const { config } = ctx.loaded;
      const name = config.detection.model;
      try {
        const manifestPath = resolveConfigPath(ctx.loaded, config.models.manifest);
        const manifest = await loadManifest(manifestPath);
        const entry = findModel(manifest, name);
        ctx.progress.start(`checking ${entry.file} (sha256)`);
        const file = await resolveModelFile(entry, resolveConfigPath(ctx.loaded, config.models.dir), { verifyChecksum: true });
        // Judged against the agent's pin (agent.dataDir/model-pins.json) without recording one: the doctor changes nothing.
        const verdict = await checkModelPin({ entry, file, manifestPath, dataDir: resolveConfigPath(ctx.loaded, config.agent.dataDir), record: false });
        fileOk = true;
        if (verdict.kind !== 'manifest') {
          const pinned = verdict.kind === 'same' ? `same bytes as the agent first ran (${verdict.pin.pinnedAt})` : `not run yet; the agent pins it in ${MODEL_PINS_FILE} at its first start`;
          return warn('model file', `${name}: ${file} has no sha256 in the manifest; sha256 ${verdict.sha256}, ${pinned}`, `Pin it: ${pinAdvice(entry, verdict.sha256, manifestPath)}.`);
        }
        return pass('model file', `${name}: ${file}, sha256 ok${entry.bytes === undefined ? '' : ` (${(entry.bytes / 1e6).toFixed(1)} MB)`}`);
      } catch (err) {
        const link = isCamwatchError(err, 'MODEL_NOT_FOUND') ? danglingLink(err.details.file) : undefined;
        if (link !== undefined) {
          // The Docker image links each model file into its weights volume: say where the file belongs.
          return fail('model file', `${name}: ${String((err as { details: { file: string } }).details.file)} links to ${link}, which does not exist`, `Put ${basename(link)} in ${dirname(link)} (the weights folder; in Docker, the volume mounted there).`, 'MODEL_NOT_FOUND');
        }
        return failFrom('model file', err, ERROR_CATALOGUE.MODEL_NOT_FOUND);
      } finally {
        ctx.progress.stop();
      }
    },
  };
  const loadCheck: DoctorCheck = {
    name: 'model load',
    async run(ctx: DoctorContext): Promise<CheckResult> {
      if (!fileOk) return skip('model load', 'not tried: the model file check failed');
      const { config } = ctx.loaded;
      ctx.progress.start(`loading model ${config.detection.model}`);
      const t0 = Date.now();
      try {
        const detector = await createDetector({
          manifestPath: resolveConfigPath(ctx.loaded, config.models.manifest),
          modelsDir: resolveConfigPath(ctx.loaded, config.models.dir),
          modelName: config.detection.model,
          // Checked by the line above; hashing the file twice only slows the doctor down.
          verifyChecksum: false,
          ...(config.detection.threads === undefined ? {} : { threads: config.detection.threads }),
        });
        const loadMs = Date.now() - t0;
        const { model } = detector;
        const warmupMs = Math.round(detector.stats().warmupMs);
        await detector.close();
        return pass('model load', `${model.name} loads (${model.layout}, ${model.inputWidth}x${model.inputHeight}, ${model.classNames.length} classes) in ${loadMs} ms; one inference ${warmupMs} ms`);
      } catch (err) {
        return failFrom('model load', err, ERROR_CATALOGUE.MODEL_INVALID);
      } finally {
        ctx.progress.stop();
      }
    },
  };
  return [fileCheck, loadCheck];
}

/** The target of `file` when it is a symbolic link (resolved against its folder), else undefined. */
function danglingLink(file: unknown): string | undefined {
  if (typeof file !== 'string') return undefined;
  try {
    return lstatSync(file).isSymbolicLink() ? resolve(dirname(file), readlinkSync(file)) : undefined;
  } catch {
    return undefined;
  }
}
