/**
 * Cameras: find ONVIF cameras on the network, ask one for its streams, and choose the analysis and evidence
 * streams. Streaming itself is the frames stage's job; writing the camera into the config is the CLI's
 * (agent/cli/onboard).
 */
export { discoverOnvif, DEFAULT_DISCOVERY_TIMEOUT_MS } from './onvif/discovery.js';
export { expandUnicastTargets, DEFAULT_MAX_UNICAST_TARGETS } from './onvif/targets.js';
export { connectOnvif, parseDeviceAddress, DEFAULT_ONVIF_TIMEOUT_MS, type OnvifConnectOptions } from './onvif/adapter.js';
export { chooseProfiles, DEFAULT_MIN_ANALYSIS_WIDTH_PX, type ProfileChoice } from './onvif/choose-profile.js';
export type { DiscoveredDevice, OnvifDeviceReport } from './onvif/types.js';
