/**
 * Privacy of stills (Decree 13/2023/NĐ-CP): per-camera masks blacked out in every still that leaves the box,
 * and optional face / licence-plate blur outside the incident's subject. Clips are stream copies; the masks'
 * overlay PNG (mask-png.ts) is what clips re-encoded with cameras[].clips.maskPrivacy burn in.
 */
export { blackOutMasks, fillPolygon, type PrivacyMask } from './masks.js';
export { maskOverlayPng, maskOverlayRgba } from './mask-png.js';
export { blurKinds, createStillPrivacy, DEFAULT_SUBJECT_OVERLAP, type PrivacyReport, type PrivacySettings, type RegionDetector, type StillPrivacy } from './still-privacy.js';
export { loadPrivacyModels, privacyModelFile, type PrivacyModel } from './privacy-models.js';
export { openRegionDetector, tileOrigins, DEFAULT_REGION_NMS_IOU, DEFAULT_TILE_OVERLAP_PX, type RegionDetectorOptions } from './region-detector.js';
export { decodeUlfd, decodeY5fu, decodeYunet, type ScoredBox } from './region-decode.js';
export { DEFAULT_FACE_MODEL, DEFAULT_PLATE_MODEL, privacyDetectors, type PrivacyDetectors } from './lazy-detectors.js';
