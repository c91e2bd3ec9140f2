import { at, child, childrenNamed, findFirst, parseXml, textAt, type XmlElement } from './xml.js';
import type { OnvifCapabilities, OnvifDeviceInfo, OnvifProfile } from './types.js';

/**
 * Pure readers of raw ONVIF SOAP responses. The adapter lets the onvif package do transport and
 * authentication, then reads the XML here itself, so identifiers keep their exact text and every
 * oddity of a firmware is handled (and unit-tested) in one place. Each reader throws
 * `OnvifResponseError` when the answer is not what ONVIF says it should be.
 */

export class OnvifResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnvifResponseError';
  }
}

/** A SOAP 1.2 Fault: code, subcodes (innermost last) and reason text. */
export interface SoapFault {
  code: string;
  subcodes: string[];
  reason: string;
}

/** Parses an Envelope and returns its Body; throws OnvifResponseError on malformed or non-SOAP input. */
export function soapBody(xml: string): XmlElement {
  let envelope: XmlElement;
  try {
    envelope = parseXml(xml);
  } catch (err) {
    throw new OnvifResponseError(`malformed XML: ${(err as Error).message}`);
  }
  const body = envelope.name === 'Envelope' ? child(envelope, 'Body') : undefined;
  if (!body) throw new OnvifResponseError(`not a SOAP envelope (root <${envelope.name}>)`);
  return body;
}

/** The Fault in a response, if any; never throws (used while classifying errors). */
export function soapFault(xml: string | undefined): SoapFault | undefined {
  if (!xml) return undefined;
  let fault: XmlElement | undefined;
  try {
    fault = child(soapBody(xml), 'Fault');
  } catch {
    return undefined;
  }
  if (!fault) return undefined;
  const subcodes: string[] = [];
  let sub = at(fault, 'Code', 'Subcode');
  while (sub) {
    const value = textAt(sub, 'Value');
    if (value !== undefined) subcodes.push(stripPrefix(value));
    sub = child(sub, 'Subcode');
  }
  return {
    code: stripPrefix(textAt(fault, 'Code', 'Value') ?? textAt(fault, 'faultcode') ?? ''),
    subcodes,
    reason: textAt(fault, 'Reason', 'Text') ?? textAt(fault, 'faultstring') ?? '',
  };
}

/** ter:NotAuthorized (the ONVIF way) or a reason that says so (what many firmwares send instead). */
export function isAuthFault(fault: SoapFault): boolean {
  return (
    fault.subcodes.some((s) => /^(NotAuthorized|FailedAuthentication|InvalidSecurity|InvalidSecurityToken)$/i.test(s)) ||
    /not\s*authori[sz]ed|unauthori[sz]ed|authentication|password/i.test(fault.reason)
  );
}

/**
 * GetSystemDateAndTime → the device clock in UTC. Prefers UTCDateTime; a device that only sends
 * LocalDateTime is read as if it were UTC (its timezone string is POSIX TZ, rarely parseable), so its skew
 * includes its UTC offset, which is what an operator needs to see anyway.
 */
export function parseSystemDateAndTime(xml: string): Date {
  const info = at(soapBody(xml), 'GetSystemDateAndTimeResponse', 'SystemDateAndTime');
  if (!info) throw new OnvifResponseError('no SystemDateAndTime in GetSystemDateAndTime response');
  const dt = child(info, 'UTCDateTime') ?? child(info, 'LocalDateTime');
  if (!dt) throw new OnvifResponseError('GetSystemDateAndTime response has neither UTCDateTime nor LocalDateTime');
  // Each field in its range: Date.UTC rolls Month 13 or Hour 24 over into the next year or day, which
  // would turn a broken camera clock into a plausible but wrong skew. Second 60 is a leap second.
  const n = (min: number, max: number, ...path: string[]): number => {
    const v = Number(textAt(dt, ...path));
    if (!Number.isInteger(v) || v < min || v > max) throw new OnvifResponseError(`bad ${path.join('/')} in GetSystemDateAndTime response`);
    return v;
  };
  const year = n(1900, 9999, 'Date', 'Year');
  const month = n(1, 12, 'Date', 'Month');
  const day = n(1, 31, 'Date', 'Day');
  const ms = Date.UTC(year, month - 1, day, n(0, 23, 'Time', 'Hour'), n(0, 59, 'Time', 'Minute'), n(0, 60, 'Time', 'Second'));
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) {
    throw new OnvifResponseError('impossible date in GetSystemDateAndTime response');
  }
  return new Date(ms);
}

/** GetDeviceInformation → strings exactly as sent ("" when a field is absent). */
export function parseDeviceInformation(xml: string): OnvifDeviceInfo {
  const r = at(soapBody(xml), 'GetDeviceInformationResponse');
  if (!r) throw new OnvifResponseError('no GetDeviceInformationResponse');
  return {
    manufacturer: textAt(r, 'Manufacturer') ?? '',
    model: textAt(r, 'Model') ?? '',
    firmwareVersion: textAt(r, 'FirmwareVersion') ?? '',
    serialNumber: textAt(r, 'SerialNumber') ?? '',
    hardwareId: textAt(r, 'HardwareId') ?? '',
  };
}

/** GetCapabilities → which services exist (an XAddr present) and RTP/RTSP/TCP support. */
export function parseCapabilities(xml: string): OnvifCapabilities {
  const caps = at(soapBody(xml), 'GetCapabilitiesResponse', 'Capabilities');
  if (!caps) throw new OnvifResponseError('no Capabilities in GetCapabilities response');
  const has = (name: string): boolean => textAt(caps, name, 'XAddr') !== undefined;
  const tcp = textAt(caps, 'Media', 'StreamingCapabilities', 'RTP_RTSP_TCP');
  return {
    media: has('Media'),
    media2: false,
    ptz: has('PTZ'),
    events: has('Events'),
    imaging: has('Imaging'),
    ...(tcp === undefined ? {} : { rtpRtspTcp: tcp === 'true' || tcp === '1' }),
  };
}

/** GetServices → the ONVIF service namespaces present ("ver10/media", "ver20/media", …). */
export function parseServiceNamespaces(xml: string): string[] {
  const r = at(soapBody(xml), 'GetServicesResponse');
  if (!r) throw new OnvifResponseError('no GetServicesResponse');
  return childrenNamed(r, 'Service')
    .map((s) => textAt(s, 'Namespace'))
    .filter((ns): ns is string => ns !== undefined && ns.startsWith('http://www.onvif.org/'))
    .map((ns) => ns.slice('http://www.onvif.org/'.length).replace(/\/wsdl$/, ''));
}

/** Merges what GetServices says into capabilities read from GetCapabilities (or from nothing). */
export function capabilitiesFromServices(namespaces: string[], base?: OnvifCapabilities): OnvifCapabilities {
  const hasKind = (kind: string): boolean => namespaces.some((ns) => ns.split('/')[1]?.toLowerCase() === kind);
  return {
    media: (base?.media ?? false) || namespaces.includes('ver10/media'),
    media2: namespaces.includes('ver20/media'),
    ptz: (base?.ptz ?? false) || hasKind('ptz'),
    events: (base?.events ?? false) || hasKind('events'),
    imaging: (base?.imaging ?? false) || hasKind('imaging'),
    ...(base?.rtpRtspTcp === undefined ? {} : { rtpRtspTcp: base.rtpRtspTcp }),
  };
}

/** GetProfiles (Media1 or Media2 shape) → profiles without URIs. Profiles without a token are skipped. */
export function parseProfiles(xml: string): OnvifProfile[] {
  const r = at(soapBody(xml), 'GetProfilesResponse');
  if (!r) throw new OnvifResponseError('no GetProfilesResponse');
  const profiles: OnvifProfile[] = [];
  for (const p of childrenNamed(r, 'Profiles')) {
    const token = p.attrs.token?.trim();
    if (!token) continue;
    // Media1: Profiles/VideoEncoderConfiguration; Media2: Profiles/Configurations/VideoEncoder.
    const encoder = child(p, 'VideoEncoderConfiguration') ?? at(p, 'Configurations', 'VideoEncoder');
    const profile: OnvifProfile = { token, name: textAt(p, 'Name') ?? token };
    if (encoder) {
      const encoding = normaliseEncoding(textAt(encoder, 'Encoding'));
      const width = positive(textAt(encoder, 'Resolution', 'Width'), MAX_PROFILE_PIXELS, true);
      const height = positive(textAt(encoder, 'Resolution', 'Height'), MAX_PROFILE_PIXELS, true);
      const fps = positive(textAt(encoder, 'RateControl', 'FrameRateLimit'), MAX_PROFILE_FPS, false);
      const bitrateKbps = positive(textAt(encoder, 'RateControl', 'BitrateLimit'), MAX_PROFILE_KBPS, true);
      Object.assign(
        profile,
        encoding === undefined ? {} : { encoding },
        width === undefined ? {} : { width },
        height === undefined ? {} : { height },
        fps === undefined ? {} : { fps },
        bitrateKbps === undefined ? {} : { bitrateKbps },
      );
    }
    profiles.push(profile);
  }
  return profiles;
}

/** GetStreamUri / GetSnapshotUri (Media1: MediaUri/Uri; Media2: Uri) → the URI text. */
export function parseMediaUri(xml: string, responseName: 'GetStreamUriResponse' | 'GetSnapshotUriResponse'): string {
  const r = at(soapBody(xml), responseName);
  const uri = textAt(r, 'MediaUri', 'Uri') ?? textAt(r, 'Uri') ?? textAt(findFirst(r, 'MediaUri'), 'Uri');
  if (uri === undefined) throw new OnvifResponseError(`no Uri in ${responseName}`);
  let protocol: string;
  try {
    protocol = new URL(uri).protocol;
  } catch {
    throw new OnvifResponseError(`${responseName} Uri is not a URL`);
  }
  // A stream is pulled over RTSP and a snapshot over HTTP; anything else (file:, javascript:, ftp:) is not
  // a URL the agent should be pointed at by whatever answers on the camera's address.
  const allowed = responseName === 'GetStreamUriResponse' ? ['rtsp:', 'rtsps:'] : ['http:', 'https:'];
  if (!allowed.includes(protocol)) throw new OnvifResponseError(`${responseName} Uri is ${protocol}, expected ${allowed.join(' or ')}`);
  return uri;
}

/** "H.264", "h264", "AVC" → "H264"; "H.265", "HEVC" → "H265"; others upper-cased. */
export function normaliseEncoding(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const compact = raw.replace(/[.\s_-]/g, '').toUpperCase();
  if (compact === 'H264' || compact === 'AVC') return 'H264';
  if (compact === 'H265' || compact === 'HEVC') return 'H265';
  return compact === '' ? undefined : compact;
}

/** Profile values beyond these are firmware garbage, read as absent (a 16K sensor is 15360 px wide). */
const MAX_PROFILE_PIXELS = 100_000;
const MAX_PROFILE_FPS = 1_000;
const MAX_PROFILE_KBPS = 100_000;

/**
 * A positive decimal number up to `max` (an integer when asked), else undefined. Plain decimals only:
 * Number() would also take "0x500", "1e3" and "Infinity".
 */
function positive(text: string | undefined, max: number, integer: boolean): number | undefined {
  if (text === undefined || !/^\d{1,9}(?:\.\d{1,6})?$/.test(text)) return undefined;
  const n = Number(text);
  if (n <= 0 || n > max || (integer && !Number.isInteger(n))) return undefined;
  return n;
}

function stripPrefix(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}
