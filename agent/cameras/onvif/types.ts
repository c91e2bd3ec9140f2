/**
 * What the ONVIF side of camwatch hands to the rest of the agent. Every identifier (firmware, serial,
 * profile token) is a string exactly as the device sent it: "2.40" is not 2.4 and "0012" is not 12.
 */

/** One device that answered a WS-Discovery Probe. */
export interface DiscoveredDevice {
  /** IP address the ProbeMatch came from. */
  address: string;
  /** WS-Addressing endpoint reference (usually `urn:uuid:…`): stable across IP changes. */
  urn: string;
  scopes: DiscoveryScopes;
  /** Device service URLs announced by the camera (http/https only). */
  xaddrs: string[];
}

/** The `onvif://www.onvif.org/<kind>/<value>` scopes that name a device, decoded. */
export interface DiscoveryScopes {
  name?: string;
  hardware?: string;
  /** All location scopes joined with "/" (cameras split them as country/city/street…). */
  location?: string;
  /** Every scope URI as announced. */
  raw: string[];
}

/** GetDeviceInformation, as strings. */
export interface OnvifDeviceInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

/** Which services the device advertises (GetCapabilities, GetServices). */
export interface OnvifCapabilities {
  media: boolean;
  /** Media2 (Profile T): needed by many cameras to expose H.265 profiles. */
  media2: boolean;
  ptz: boolean;
  events: boolean;
  imaging: boolean;
  /** RTP/RTSP/TCP interleaved streaming; undefined when the device does not say. */
  rtpRtspTcp?: boolean;
}

/** One media profile with the URIs resolved for it. */
export interface OnvifProfile {
  token: string;
  name: string;
  /** Normalised: "H264", "H265", "JPEG", "MPEG4" or whatever else the device says, upper-cased. */
  encoding?: string;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  /** RTSP (interleaved over TCP) URI; credentials removed if the device put any in it. */
  streamUri?: string;
  snapshotUri?: string;
}

/** How the adapter authenticated in the end. */
export type OnvifAuthMode = 'ws-security' | 'digest' | 'none';

/** Everything onboarding needs from one device. */
export interface OnvifDeviceReport {
  /** Device service URL that answered. */
  xaddr: string;
  info: OnvifDeviceInfo;
  capabilities: OnvifCapabilities;
  profiles: OnvifProfile[];
  /** The device's clock (UTC) when it answered GetSystemDateAndTime. */
  deviceTime: Date;
  /**
   * Device clock minus our clock, in ms (±1 s: ONVIF reports whole seconds). WS-Security timestamps
   * are already compensated by the onvif package; this is reported so operators can fix the camera.
   */
  clockSkewMs: number;
  authMode: OnvifAuthMode;
}
