import type { Config } from '../../config/index.js';
import { resolveConfigPath } from '../../config/index.js';
import { ERROR_CATALOGUE } from '../../core/index.js';
import { blurKinds, DEFAULT_FACE_MODEL, DEFAULT_PLATE_MODEL, privacyDetectors } from '../../privacy/index.js';
import { failFrom, pass, type CheckResult, type DoctorCheck } from './types.js';

/**
 * `privacy models`: the face / plate models a camera's blur needs are in the manifest and on disk with their
 * pinned sha256, as the agent checks at start. No line at all when no camera blurs (nothing to check).
 */
export function privacyChecks(config: Config): DoctorCheck[] {
  const kinds = blurKinds(config.cameras.filter((c) => c.enabled).map((c) => c.privacy));
  if (kinds.length === 0) return [];
  return [
    {
      name: 'privacy models',
      async run(ctx): Promise<CheckResult> {
        const { models } = ctx.loaded.config;
        const detectors = privacyDetectors(resolveConfigPath(ctx.loaded, models.manifest), resolveConfigPath(ctx.loaded, models.dir));
        try {
          await detectors.check(kinds);
          const names = kinds.map((k) => (k === 'face' ? `${DEFAULT_FACE_MODEL} (faces)` : `${DEFAULT_PLATE_MODEL} (plates)`));
          return pass('privacy models', `${names.join(', ')}: sha256 ok`);
        } catch (err) {
          return failFrom('privacy models', err, ERROR_CATALOGUE.MODEL_NOT_FOUND);
        } finally {
          await detectors.close();
        }
      },
    },
  ];
}
