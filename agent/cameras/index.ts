/**
 * Camera onboarding: find ONVIF cameras, ask them for their streams, pick the analysis and evidence
 * streams, and write the camera into the config. Streaming itself is the frames stage's job.
 */
export { discoverOnvif, DEFAULT_DISCOVERY_TIMEOUT_MS, type DiscoveryOptions } from './onvif/discovery.js';
export { expandUnicastTargets, DEFAULT_MAX_UNICAST_TARGETS } from './onvif/targets.js';
export { connectOnvif, DEFAULT_ONVIF_TIMEOUT_MS, type OnvifConnectOptions } from './onvif/adapter.js';
export { chooseProfiles, DEFAULT_MIN_ANALYSIS_WIDTH_PX, type ProfileChoice } from './onvif/choose-profile.js';
export { onboardCamera, buildCameraEntry, resolveCameraId, deriveCameraId, type CameraEntry, type OnboardOptions, type OnboardResult, type PasswordRef } from './onboard.js';
export { appendCameraToConfig, writeSecretFile } from './config-append.js';
export type * from './onvif/types.js';
export { existingCameraIds, readConfigText } from './config-append.js';
export type { DiscoveredDevice } from './onvif/types.js';
