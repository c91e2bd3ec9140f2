import type { Box, RgbImage } from '../core/index.js';
import { findPrivacyModel, loadPrivacyModels, privacyModelFile, type PrivacyModel } from './privacy-models.js';
import { openRegionDetector } from './region-detector.js';
import type { RegionDetector } from './still-privacy.js';

/**
 * The face model blurFaces uses: YuNet-n over ULFD RFB-320 on 32 hand-labelled real frames (docs/operations.md,
 * Privacy of stills): more faces found (38 % against 22 % at full resolution), a third of the false blurs, a
 * quarter of the file (317 kB) and about half the time per still (52 against 86 ms at 640 px, 91 against 168 at
 * 1018x720).
 */
export const DEFAULT_FACE_MODEL = 'face_yunet_n_320';
/** The plate model blurPlates uses (the only one: trained on Chinese plates, see docs/operations.md). */
export const DEFAULT_PLATE_MODEL = 'plate_hyperlpr_y5fu_320';

/** Face and plate detectors shared by every camera, opened at their first still (a box without blur loads none). */
export interface PrivacyDetectors {
  face: RegionDetector;
  plate: RegionDetector;
  /** Checks now that the models the given kinds need are in the manifest and on disk (pinned sha256), so a missing file fails the start, not the first picture. */
  check(kinds: ReadonlyArray<'face' | 'plate'>): Promise<void>;
  close(): Promise<void>;
}

/** Detectors from the manifest's `privacy` list (models.manifest) and files in models.dir. */
export function privacyDetectors(manifestPath: string, modelsDir: string, names = { face: DEFAULT_FACE_MODEL, plate: DEFAULT_PLATE_MODEL }): PrivacyDetectors {
  let models: Promise<PrivacyModel[]> | undefined;
  const opened = new Map<'face' | 'plate', ReturnType<typeof openRegionDetector>>();
  const modelOf = async (kind: 'face' | 'plate') => findPrivacyModel(await (models ??= loadPrivacyModels(manifestPath)), names[kind], kind);
  const open = (kind: 'face' | 'plate') => {
    let detector = opened.get(kind);
    if (detector === undefined) {
      detector = modelOf(kind).then(async (model) => openRegionDetector(model, await privacyModelFile(model, modelsDir)));
      // A failed open is tried again at the next still (the file may be put back), not remembered.
      detector.catch(() => opened.delete(kind));
      opened.set(kind, detector);
    }
    return detector;
  };
  const lazy = (kind: 'face' | 'plate'): RegionDetector => ({
    kind,
    model: names[kind],
    detect: async (image: RgbImage): Promise<Box[]> => (await open(kind)).detect(image),
  });
  return {
    face: lazy('face'),
    plate: lazy('plate'),
    async check(kinds) {
      for (const kind of new Set(kinds)) await privacyModelFile(await modelOf(kind), modelsDir);
    },
    async close() {
      const all = [...opened.values()];
      opened.clear();
      await Promise.all(all.map((d) => d.then((x) => x.close(), () => undefined)));
    },
  };
}
