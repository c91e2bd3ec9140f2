import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { isIPv6 } from 'node:net';
import { Cam } from 'onvif';
import { CamwatchError, type ErrorCode, type Logger } from '../../core/index.js';
import {
  OnvifResponseError,
  capabilitiesFromServices,
  isAuthFault,
  parseCapabilities,
  parseDeviceInformation,
  parseMediaUri,
  parseProfiles,
  parseServiceNamespaces,
  parseSystemDateAndTime,
  soapBody,
  soapFault,
} from './responses.js';
import { escapeXml } from './xml.js';
import type { OnvifAuthMode, OnvifCapabilities, OnvifDeviceReport, OnvifProfile } from './types.js';

/**
 * A small typed adapter over the `onvif` package (0.8.x). The package does HTTP, WS-Security
 * UsernameToken digests, HTTP digest challenges and clock-offset compensation; we read the raw XML
 * ourselves (responses.ts), put a hard timeout around every call, cap response sizes, and turn every
 * failure into ONVIF_UNREACHABLE, ONVIF_AUTH or ONVIF_BAD_RESPONSE. The package's loose types stay here.
 */

/** Per call. Cameras answer ONVIF in well under a second; 5 s covers a congested 3G backhaul. */
export const DEFAULT_ONVIF_TIMEOUT_MS = 5000;
/** A real GetProfiles is ~10 KiB; anything past 2 MiB is a broken or hostile device. */
export const DEFAULT_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
export const DEFAULT_DEVICE_SERVICE_PATH = '/onvif/device_service';

export interface OnvifConnectOptions {
  /** `10.0.0.5`, `10.0.0.5:8080`, `[fe80::1]` or a full device service URL (an XAddr from discovery). */
  address: string;
  username?: string;
  password?: string;
  /** Hard limit for each SOAP call (ms). */
  timeoutMs?: number;
  /**
   * auto: WS-Security UsernameToken (answering HTTP digest challenges too), then, if the device rejects
   * it, HTTP digest alone: some firmwares refuse WS-Security yet accept digest for the same user.
   */
  auth?: 'auto' | 'ws-security' | 'digest';
  maxResponseBytes?: number;
  logger?: Logger;
}

/** Connects, reads device info, capabilities, clock, profiles and their stream/snapshot URIs, then disconnects. */
export async function connectOnvif(options: OnvifConnectOptions): Promise<OnvifDeviceReport> {
  const target = parseDeviceAddress(options.address);
  const hasCredentials = Boolean(options.username) && Boolean(options.password);
  const auth = options.auth ?? 'auto';
  const modes: OnvifAuthMode[] = !hasCredentials ? ['none'] : auth === 'auto' ? ['ws-security', 'digest'] : [auth];
  let lastError: unknown;
  for (const mode of modes) {
    try {
      return await inspect(target, mode, options);
    } catch (err) {
      lastError = err;
      if (!(err instanceof CamwatchError && err.code === 'ONVIF_AUTH')) throw err;
      options.logger?.debug({ xaddr: target.xaddr, mode }, 'ONVIF authentication rejected, trying the next method');
    }
  }
  throw lastError;
}

interface DeviceTarget {
  xaddr: string;
  hostname: string;
  port: number;
  path: string;
  secure: boolean;
}

/** Normalises what a technician types (or discovery found) into the device service URL. */
export function parseDeviceAddress(address: string): DeviceTarget {
  const trimmed = address.trim();
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : isIPv6(trimmed) ? `http://[${trimmed}]` : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CamwatchError('ONVIF_UNREACHABLE', `"${trimmed}" is not a device address`, {
      hint: 'Give the camera as an IP address, host:port, or its ONVIF device service URL.',
    });
  }
  // Credentials never travel in the address (they would end up in logs); they come as options.
  url.username = '';
  url.password = '';
  if (url.pathname === '/' || url.pathname === '') url.pathname = DEFAULT_DEVICE_SERVICE_PATH;
  const secure = url.protocol === 'https:';
  return {
    xaddr: url.toString(),
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    path: url.pathname + url.search,
    secure,
  };
}

/** The parts of the onvif package's Cam we use, typed as we rely on them. */
interface RawCam {
  media2Support?: boolean;
  uri?: Record<string, unknown>;
  on(event: 'rawResponse', listener: (xml: string, statusCode: number) => void): unknown;
  on(event: 'error' | 'warning', listener: (...args: unknown[]) => void): unknown;
  digestAuth: (...args: unknown[]) => string;
  getSystemDateAndTime(cb: RawCallback): void;
  getServices(includeCapability: boolean, cb: RawCallback): void;
  getCapabilities(cb: RawCallback): void;
  getDeviceInformation(cb: RawCallback): void;
  getProfiles(cb: RawCallback): void;
  getStreamUri(options: { protocol: string; stream: string; profileToken: string }, cb: RawCallback): void;
  getSnapshotUri(options: { profileToken: string }, cb: RawCallback): void;
}
type RawCallback = (err: Error | null, data?: unknown, xml?: string) => void;

async function inspect(target: DeviceTarget, mode: OnvifAuthMode, options: OnvifConnectOptions): Promise<OnvifDeviceReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_ONVIF_TIMEOUT_MS;
  const agent = cappedAgent(target.secure, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  const username = options.username ?? '';
  const cam = new Cam({
    hostname: target.hostname,
    port: target.port,
    path: target.path,
    // The package writes the username into the SOAP header unescaped; digest needs it raw.
    ...(mode === 'none' ? {} : { username: mode === 'ws-security' ? escapeXml(username) : username, password: options.password ?? '' }),
    useWSSecurity: mode !== 'digest',
    useSecure: target.secure,
    // Cameras ship self-signed certificates; ONVIF credentials are digests either way, never plain text.
    secureOpts: { rejectUnauthorized: false },
    timeout: timeoutMs,
    autoconnect: false,
    // Behind NAT or a port forward, devices announce private service addresses: keep talking to the one we reached.
    preserveAddress: true,
    agent,
  }) as unknown as RawCam;

  let usedDigest = false;
  const originalDigest = cam.digestAuth.bind(cam);
  cam.digestAuth = (...args: unknown[]): string => {
    usedDigest = true;
    return originalDigest(...args);
  };
  let lastStatus: number | undefined;
  cam.on('rawResponse', (_xml, statusCode) => {
    lastStatus = statusCode;
  });
  cam.on('error', () => undefined);
  cam.on('warning', () => undefined);
  const log = options.logger?.child({ component: 'onvif', xaddr: target.xaddr });

  const call = (step: string, start: (cb: RawCallback) => void): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      let settled = false;
      const settle = (err: CamwatchError | undefined, xml?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(xml ?? '');
      };
      const timer = setTimeout(() => {
        // Frees the socket of a device that accepted the connection and went silent.
        agent.destroy();
        settle(onvifError('ONVIF_UNREACHABLE', `${step}: no answer within ${timeoutMs} ms`, target, step));
      }, timeoutMs);
      lastStatus = undefined;
      try {
        start((err, _data, xml) => {
          if (err) settle(classify(err, xml, lastStatus, target, step));
          else if (typeof xml !== 'string' || xml === '') settle(onvifError('ONVIF_BAD_RESPONSE', `${step}: empty answer`, target, step));
          else settle(undefined, xml);
        });
      } catch (err) {
        settle(onvifError('ONVIF_BAD_RESPONSE', `${step}: ${(err as Error).message}`, target, step, err));
      }
    });

  // Reading a response is where a firmware's surprises show; make every parse failure BAD_RESPONSE.
  const read = <T>(step: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw onvifError('ONVIF_BAD_RESPONSE', `${step}: ${(err as Error).message}`, target, step, err);
    }
  };

  try {
    // First, and unauthenticated where allowed: the package derives the WS-Security clock offset from it.
    const before = Date.now();
    const timeXml = await call('GetSystemDateAndTime', (cb) => cam.getSystemDateAndTime(cb));
    const after = Date.now();
    const deviceTime = read('GetSystemDateAndTime', () => parseSystemDateAndTime(timeXml));
    // Devices report whole seconds (truncated): +500 ms centres the estimate.
    const clockSkewMs = Math.round(deviceTime.getTime() + 500 - (before + after) / 2);

    const capabilities = await readCapabilities(call, read);
    if (!capabilities.media && !capabilities.media2) {
      throw onvifError('ONVIF_BAD_RESPONSE', 'the device advertises no media service', target, 'GetCapabilities');
    }
    const infoXml = await call('GetDeviceInformation', (cb) => cam.getDeviceInformation(cb));
    const info = read('GetDeviceInformation', () => parseDeviceInformation(infoXml));

    let profiles: OnvifProfile[];
    try {
      profiles = await readProfiles(cam, call, read);
    } catch (err) {
      // Media2 on some firmwares is advertised but broken (the package works around a D-Link the same way).
      if (!cam.media2Support || !isCode(err, 'ONVIF_BAD_RESPONSE')) throw err;
      log?.debug({ err }, 'Media2 GetProfiles failed, falling back to Media1');
      cam.media2Support = false;
      capabilities.media2 = false;
      profiles = await readProfiles(cam, call, read);
    }
    await resolveUris(cam, profiles, call, read, log);

    return { xaddr: target.xaddr, info, capabilities, profiles, deviceTime, clockSkewMs, authMode: mode === 'none' ? 'none' : usedDigest ? 'digest' : mode };
  } finally {
    agent.destroy();
  }

  async function readCapabilities(
    callFn: typeof call,
    readFn: typeof read,
  ): Promise<OnvifCapabilities> {
    let fromCaps: OnvifCapabilities | undefined;
    let capsError: unknown;
    try {
      const xml = await callFn('GetCapabilities', (cb) => cam.getCapabilities(cb));
      fromCaps = readFn('GetCapabilities', () => parseCapabilities(xml));
    } catch (err) {
      if (!isCode(err, 'ONVIF_BAD_RESPONSE')) throw err;
      capsError = err;
    }
    try {
      // GetServices is how Profile T devices announce Media2 (where H.265 profiles live).
      const xml = await callFn('GetServices', (cb) => cam.getServices(false, cb));
      return capabilitiesFromServices(readFn('GetServices', () => parseServiceNamespaces(xml)), fromCaps);
    } catch (err) {
      if (!isCode(err, 'ONVIF_BAD_RESPONSE') || fromCaps === undefined) throw capsError ?? err;
      // An old Profile S device without GetServices: Media1 only, which is what the package will use.
      cam.media2Support = false;
      return fromCaps;
    }
  }
}

async function readProfiles(
  cam: RawCam,
  call: (step: string, start: (cb: RawCallback) => void) => Promise<string>,
  read: <T>(step: string, parse: () => T) => T,
): Promise<OnvifProfile[]> {
  const xml = await call('GetProfiles', (cb) => cam.getProfiles(cb));
  const profiles = read('GetProfiles', () => parseProfiles(xml));
  return read('GetProfiles', () => {
    if (profiles.length === 0) throw new OnvifResponseError('the device has no media profiles');
    return profiles;
  });
}

async function resolveUris(
  cam: RawCam,
  profiles: OnvifProfile[],
  call: (step: string, start: (cb: RawCallback) => void) => Promise<string>,
  read: <T>(step: string, parse: () => T) => T,
  log: Logger | undefined,
): Promise<void> {
  let firstStreamError: unknown;
  for (const profile of profiles) {
    if (profile.encoding === undefined) continue; // audio or metadata only
    // The package writes the token into XML unescaped; tokens come from the device and may hold anything.
    const profileToken = escapeXml(profile.token);
    try {
      // RTSP = RTP interleaved in the RTSP TCP connection: survives NAT and lossy links, unlike RTP/UDP.
      const xml = await call('GetStreamUri', (cb) => cam.getStreamUri({ protocol: 'RTSP', stream: 'RTP-Unicast', profileToken }, cb));
      profile.streamUri = withoutCredentials(read('GetStreamUri', () => parseMediaUri(xml, 'GetStreamUriResponse')));
    } catch (err) {
      if (isCode(err, 'ONVIF_UNREACHABLE')) throw err;
      firstStreamError ??= err;
      log?.debug({ err, profile: profile.token }, 'no stream URI for profile');
    }
    try {
      const xml = await call('GetSnapshotUri', (cb) => cam.getSnapshotUri({ profileToken }, cb));
      profile.snapshotUri = withoutCredentials(read('GetSnapshotUri', () => parseMediaUri(xml, 'GetSnapshotUriResponse')));
    } catch (err) {
      // Snapshots are optional (many cameras lack them or restrict them to admins): evidence falls back to frames.
      if (isCode(err, 'ONVIF_UNREACHABLE')) throw err;
      log?.debug({ err, profile: profile.token }, 'no snapshot URI for profile');
    }
  }
  if (firstStreamError !== undefined && !profiles.some((p) => p.streamUri !== undefined)) throw firstStreamError;
}

/** Some firmwares put user:password into the URIs they return; the config keeps credentials apart. */
export function withoutCredentials(uri: string): string {
  const url = new URL(uri);
  url.username = '';
  url.password = '';
  return url.toString();
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'EADDRNOTAVAIL',
]);

function classify(err: Error, xml: string | undefined, status: number | undefined, target: DeviceTarget, step: string): CamwatchError {
  const fault = soapFault(xml);
  const code = (err as NodeJS.ErrnoException).code;
  if (err.message.startsWith('Digest authentication') || status === 401 || (fault !== undefined && isAuthFault(fault))) {
    return onvifError('ONVIF_AUTH', `${step}: the device rejected the credentials`, target, step, err);
  }
  if (err instanceof ResponseTooLargeError) return onvifError('ONVIF_BAD_RESPONSE', `${step}: ${err.message}`, target, step, err);
  if (err.message === 'Network timeout' || (code !== undefined && UNREACHABLE_CODES.has(code)) || err.message === 'socket hang up') {
    return onvifError('ONVIF_UNREACHABLE', `${step}: ${code ?? err.message}`, target, step, err);
  }
  if (fault !== undefined) {
    return onvifError('ONVIF_BAD_RESPONSE', `${step}: SOAP fault ${[fault.code, ...fault.subcodes].join('/')}: ${fault.reason}`, target, step, err);
  }
  return onvifError('ONVIF_BAD_RESPONSE', `${step}: ${describeBadXml(xml) ?? err.message}`, target, step, err);
}

/** The package says only "Wrong ONVIF SOAP response"; our reader says what and where. */
function describeBadXml(xml: string | undefined): string | undefined {
  if (!xml) return undefined;
  try {
    soapBody(xml);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function onvifError(code: ErrorCode, message: string, target: DeviceTarget, step: string, cause?: unknown): CamwatchError {
  return new CamwatchError(code, `ONVIF ${target.xaddr}: ${message}`, {
    details: { xaddr: target.xaddr, step },
    ...(cause === undefined ? {} : { cause }),
  });
}

function isCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof CamwatchError && err.code === code;
}

class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(`response larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * An agent of our own: no keep-alive (cameras' HTTP servers mishandle it), `destroy()` frees every socket
 * (timeouts, end of inspection), and a byte cap on what a socket may receive, since the package buffers
 * whole responses in memory before parsing.
 */
function cappedAgent(secure: boolean, maxBytes: number): http.Agent {
  const Base = secure ? https.Agent : http.Agent;
  const agent = new Base({ keepAlive: false });
  const create = agent.createConnection.bind(agent) as (...args: unknown[]) => Socket;
  (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = (...args: unknown[]): Socket => {
    const socket = create(...args);
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) socket.destroy(new ResponseTooLargeError(maxBytes));
    });
    return socket;
  };
  return agent;
}
